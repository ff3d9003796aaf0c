/* Test helper: set up a run from the uphill options exactly as the uphill program does
 * (UphillOptionsSetFromOptions, UphillRunCreate, UphillRunSetUp) and write the initial
 * field, before any step, to <-output>/ic.h5 (dataset /c). check_ranks.py runs it at several
 * rank counts and asserts the fields are bitwise identical. */
#include <uphill/run.h>
#include <uphill/io_h5.h>
#include <uphill/package.h>

int main(int argc, char **argv)
{
  UphillOptions opt;
  UphillRun     run;
  UphillScheme  scheme;
  UphillGrid    grid;
  Vec           c;
  char          path[PETSC_MAX_PATH_LEN];

  PetscCall(PetscInitialize(&argc, &argv, NULL, "dump_ic: write the initial field of the given uphill options to <output>/ic.h5"));
  PetscCall(UphillInitializePackage());
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &opt));
  PetscCall(UphillRunCreate(PETSC_COMM_WORLD, &opt, &run));
  PetscCall(UphillRunSetUp(run));
  PetscCall(UphillRunGetScheme(run, &scheme));
  PetscCall(UphillRunGetGrid(run, &grid));
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(UphillRunPath(run, "ic.h5", path, sizeof(path)));
  PetscCall(UphillH5WriteField(grid, c, path, 0.0, 0));
  PetscCall(UphillRunDestroy(&run));
  PetscCall(UphillFinalizePackage());
  PetscCall(PetscFinalize());
  return 0;
}

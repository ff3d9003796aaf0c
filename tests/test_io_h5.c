/* MPI test of the HDF5 field I/O (io_h5.c): a write/read round trip is bitwise, and both
 * calls leave the Vec's name as it was on every rank (later VecViews - checkpoints - use
 * that name as the dataset name, collectively, so a damaged name breaks or hangs them).
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/io_h5.h>
#include "tally.h"
#include <uphill/package.h>

static PetscErrorCode NameIs(Tally *t, Vec v, const char *want, const char *when)
{
  const char *name;
  PetscInt    bad;
  char        what[256];

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetName((PetscObject)v, &name));
  bad = strcmp(name, want) ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, t->comm));
  PetscCall(PetscSNPrintf(what, sizeof(what), "Vec name is still '%s' on every rank %s (ranks with another name: %" PetscInt_FMT ")", want, when, bad));
  PetscCall(TallyTrue(t, what, (PetscBool)(bad == 0)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally            t = {MPI_COMM_NULL, 0, 0};
  UphillGridParams gp = {2, {24, 20, 16}, {24.0, 20.0, 16.0}, 1.0, 0, "none", PETSC_FALSE};
  UphillGrid       g;
  UphillGridInfo   gi;
  Vec              a, b, orig;
  PetscScalar     *x;
  PetscInt         n;
  PetscReal        d;
  char             path[64];
  PetscMPIInt      np;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_io_h5: HDF5 field round trip"));
  PetscCall(UphillInitializePackage());
  t.comm = PETSC_COMM_WORLD;
  /* one file per rank count: the 1-, 2- and 4-rank tests may run at the same time */
  PetscCallMPI(MPI_Comm_size(t.comm, &np));
  PetscCall(PetscSNPrintf(path, sizeof(path), "test_io_h5_field_np%d.h5", (int)np));
  for (PetscInt dim = 2; dim <= 3; dim++) {
    gp.dim = dim;
    PetscCall(UphillGridCreate(t.comm, &gp, &g));
    PetscCall(UphillGridGetInfo(g, &gi));
    PetscCall(UphillGridCreateVec(g, &a));
    PetscCall(VecDuplicate(a, &b));
    PetscCall(VecDuplicate(a, &orig));
    PetscCall(PetscObjectSetName((PetscObject)a, "field_a"));
    PetscCall(PetscObjectSetName((PetscObject)b, "c"));
    PetscCall(VecGetLocalSize(a, &n));
    PetscCall(VecGetArray(a, &x));
    for (PetscInt i = 0; i < n; i++) x[i] = PetscSinReal(0.001 * (PetscReal)UphillGridGlobalIndex(&gi, i)) + 1e-3 * (PetscReal)(i % 7);
    PetscCall(VecRestoreArray(a, &x));
    PetscCall(VecCopy(a, orig));
    PetscCall(PetscPrintf(t.comm, "---- %" PetscInt_FMT "D, %" PetscInt_FMT " x %" PetscInt_FMT " (x %" PetscInt_FMT ")\n", dim, gi.n[0], gi.n[1], gi.n[2]));
    PetscCall(UphillH5WriteField(g, a, path, 1.5, 7));
    PetscCall(NameIs(&t, a, "field_a", "after UphillH5WriteField"));
    PetscCall(UphillH5ReadField(g, b, path, "test"));
    PetscCall(NameIs(&t, b, "c", "after UphillH5ReadField (a run's field, which checkpoints VecView)"));
    PetscCall(UphillH5ReadField(g, a, path, "test"));
    PetscCall(NameIs(&t, a, "field_a", "after UphillH5ReadField"));
    /* both reads against the field that was written */
    PetscCall(VecAXPY(b, -1.0, orig));
    PetscCall(VecNorm(b, NORM_INFINITY, &d));
    PetscCall(TallyBound(&t, "write/read round trip into another Vec, max |diff|", d, 0.0));
    PetscCall(VecAXPY(a, -1.0, orig));
    PetscCall(VecNorm(a, NORM_INFINITY, &d));
    PetscCall(TallyBound(&t, "write/read round trip into the written Vec, max |diff|", d, 0.0));
    PetscCall(VecDestroy(&orig));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&b));
    PetscCall(UphillGridDestroy(&g));
  }
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    PetscCall(UphillFinalizePackage());
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

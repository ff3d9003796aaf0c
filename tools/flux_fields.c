/* The diffusion flux of a saved field, for tools/profile: reads RUN/run.opts (the model and
 * grid of the run) and a field file of that run (fields/c_*.h5, final.h5), and writes the
 * datasets c, mu (chemical potential, RT), uphill (J.grad c) and jx (x component of
 * J = -M grad mu), reduced units, to -out. Everything is computed by the library (flux.c):
 * the same model as the run (regular, Redlich-Kister, Darken, coherency strain, polynomial),
 * nothing retyped here.
 *
 *   uphill-flux -run RUNDIR -in FIELD.h5 -out FLUX.h5 */
#include <uphill/run.h>
#include <uphill/flux.h>
#include <uphill/io_h5.h>
#include <uphill/package.h>
#include <petscviewerhdf5.h>

static const char help[] = "Flux fields of a saved uphill field: uphill-flux -run RUNDIR -in FIELD.h5 -out FLUX.h5\n";

static PetscErrorCode WriteFields(const char *path, Vec v[4], const char *const names[4])
{
  PetscViewer viewer;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, path, FILE_MODE_WRITE, &viewer));
  for (int i = 0; i < 4; i++) {
    PetscCall(PetscObjectSetName((PetscObject)v[i], names[i]));
    PetscCall(VecView(v[i], viewer));
  }
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Run(const char *run, const char *in, const char *out)
{
  UphillOptions      opt;
  UphillGridParams   gp;
  UphillSchemeParams sp;
  UphillGrid         grid;
  UphillFlux         flux;
  UphillGridInfo     g;
  UphillComplex     *chat;
  UphillFluxStats    st;
  double            *buf;
  Vec                v[4];
  char               path[PETSC_MAX_PATH_LEN];
  const char *const  names[4] = {"c", "mu", "uphill", "jx"};

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/run.opts", run));
  PetscCall(PetscOptionsInsertFile(PETSC_COMM_WORLD, NULL, path, PETSC_TRUE));
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &opt));
  PetscCall(UphillRunGridParams(&opt, &gp));
  gp.plan   = 0;
  gp.wisdom = "none";
  PetscCall(UphillRunSchemeParams(&opt, &sp));
  PetscCall(UphillGridCreate(PETSC_COMM_WORLD, &gp, &grid));
  PetscCall(UphillGridGetInfo(grid, &g));
  for (int i = 0; i < 4; i++) PetscCall(UphillGridCreateVec(grid, &v[i]));
  PetscCall(UphillH5ReadField(grid, v[0], in, "-in"));
  /* the coefficients as the scheme keeps them: the unnormalized forward transform */
  PetscCall(UphillGridAllocComplex(grid, &chat));
  PetscCall(UphillGridVecToBuf(grid, v[0], 1.0));
  PetscCall(UphillGridForward(grid));
  PetscCall(UphillGridGetBuffer(grid, &buf));
  PetscCall(PetscArraycpy((PetscReal *)chat, buf, 2 * g.nloc_k));
  PetscCall(UphillFluxCreate(grid, &sp.model, &flux));
  {
    const UphillFluxFields ff = {v[1], v[2], v[3]};
    PetscCall(UphillFluxCompute(flux, v[0], chat, &ff, &st));
  }
  PetscCall(WriteFields(out, v, names));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "uphill_fraction %.6e uphill_flux %.6e\n", (double)st.uphill_fraction, (double)st.uphill_flux));
  PetscCall(UphillFluxDestroy(&flux));
  PetscCall(UphillGridFreeComplex(&chat));
  for (int i = 0; i < 4; i++) PetscCall(VecDestroy(&v[i]));
  PetscCall(UphillGridDestroy(&grid));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  char      run[PETSC_MAX_PATH_LEN] = "", in[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscBool a, b, c;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(UphillInitializePackage());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-run", run, sizeof(run), &a));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-in", in, sizeof(in), &b));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-out", out, sizeof(out), &c));
  PetscCheck(a && b && c, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: uphill-flux -run RUNDIR -in FIELD.h5 -out FLUX.h5");
  PetscCall(Run(run, in, out));
  PetscCall(UphillFinalizePackage());
  PetscCall(PetscFinalize());
  return 0;
}

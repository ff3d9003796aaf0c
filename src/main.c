/* uphill: Cahn-Hilliard spinodal decomposition with a regular-solution free energy.
 * Thin driver: options -> (explain | run -> time loop) -> summary. */
#include <uphill/explain.h>
#include <uphill/stepper.h>
#include <uphill/version.h>

static const char help[] = "uphill " UPHILL_VERSION ": phase-field (Cahn-Hilliard) simulation of spinodal decomposition\n"
                           "in a binary alloy with a regular-solution free energy. Options are listed below;\n"
                           "ready-made inputs: -options_file inputs/cuag.opts (see README.md).\n\n";

/* Every option given must have been used: a misspelt option silently ignored would run a
 * different simulation from the one the user asked for. */
static PetscErrorCode CheckUnusedOptions(MPI_Comm comm)
{
  PetscInt n, nleft;
  char   **names, **values;

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  if (n > 0) {
    for (PetscInt i = 0; i < n; i++) PetscCall(PetscPrintf(comm, "uphill: unknown or unused option -%s%s%s\n", names[i], values[i] ? " " : "", values[i] ? values[i] : ""));
    nleft = n;
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
    SETERRQ(comm, PETSC_ERR_ARG_WRONG, "%" PetscInt_FMT " unknown or unused option(s), listed above; see uphill -help", nleft);
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A user who mistypes an option should read one sentence, not a PETSc traceback. The
 * first report of an error is printed once (by rank 0 when all ranks share it); the
 * traceback is still available with -uphill_traceback. */
static PetscErrorCode UphillErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL) {
    PetscMPIInt rank = 0, cmp = MPI_UNEQUAL;
    if (comm != MPI_COMM_NULL) {
      (void)MPI_Comm_compare(comm, PETSC_COMM_WORLD, &cmp);
      (void)MPI_Comm_rank(comm, &rank);
    }
    if (rank == 0 || cmp == MPI_UNEQUAL) {
      const char *text = NULL;
      if (!mess || !mess[0]) (void)PetscErrorMessage(n, &text, NULL);
      fprintf(stderr, "uphill: error: %s\n", mess && mess[0] ? mess : (text ? text : "unknown error"));
      fflush(stderr);
    }
  }
  return n;
}

static PetscErrorCode Main(void)
{
  UphillOptions      opt;
  UphillRun          run;
  UphillStepperStats st;
  PetscBool          help_given;
  PetscViewer        out;

  PetscFunctionBegin;
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &opt));
  PetscCall(PetscOptionsHasHelp(NULL, &help_given));
  if (help_given) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CheckUnusedOptions(PETSC_COMM_WORLD));
  PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_WORLD, &out));
  if (opt.explain) {
    PetscCall(UphillExplain(&opt, out));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(UphillRunCreate(PETSC_COMM_WORLD, &opt, &run));
  PetscCall(UphillRunInitialCondition(run));
  PetscCall(UphillRunOpenOutput(run));
  if (!opt.quiet) {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "uphill %s: %" PetscInt_FMT "^%" PetscInt_FMT " grid on %d rank(s), output in %s\n", UPHILL_VERSION, opt.N, opt.dim, (int)size, run->dir));
  }
  PetscCall(UphillStepperSolve(run, &st));
  if (!opt.quiet) {
    char line[256];
    /* C's %g: PETSc's printf writes whole numbers as "5000." */
    (void)snprintf(line, sizeof(line), "done: %d steps (%d rejected) to t = %g (%g core units) in %.2f s; %.3f ms/step, %.1f FFTs/step\n", (int)st.steps, (int)st.rejected, (double)(st.t * opt.tau), (double)st.t, st.wall,
                   st.steps ? 1e3 * st.wall / st.steps : 0.0, st.steps ? (double)st.nfft / st.steps : 0.0);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
  }
  PetscCall(UphillRunDestroy(&run));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  PetscBool      traceback = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  fftw_mpi_init();
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-uphill_traceback", &traceback, NULL));
  if (!traceback) PetscCall(PetscPushErrorHandler(UphillErrorHandler, NULL));
  ierr = Main();
  if (!traceback) (void)PetscPopErrorHandler();
  /* errors are collective by construction (rank-0 I/O results are broadcast), so every
   * rank reaches here and finalizes cleanly with a non-zero exit */
  fftw_mpi_cleanup();
  (void)PetscFinalize();
  return ierr ? 1 : 0;
}

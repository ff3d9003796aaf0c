/* uphill: Cahn-Hilliard spinodal decomposition with a regular-solution free energy.
 * Thin driver: options -> (explain | run) -> exit status by how the run ended:
 *   0 reached -t_end (or -explain, -help), 1 an error (bad input, I/O), 2 stopped at
 *   -max_steps, 3 stopped by a signal (checkpoint written), 4 numerical failure. */
#include <uphill/explain.h>
#include <uphill/run.h>
#include <uphill/package.h>
#include <uphill/version.h>
#include <errno.h>
#include <signal.h>
#include <petscviewerhdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] = "uphill " UPHILL_VERSION ": phase-field (Cahn-Hilliard) simulation of spinodal decomposition\n"
                           "in a binary alloy with a regular-solution free energy. Options are listed below;\n"
                           "ready-made inputs: -options_file inputs/cuag.opts (see README.md).\n\n";

/* Every option given must have been used: a misspelt option silently ignored would run a
 * different simulation from the one the user asked for. */
static PetscErrorCode CheckUnusedOptions(MPI_Comm comm)
{
  PetscInt n, left;
  char   **names, **values;
  char     list[256] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  left = n; /* PetscOptionsLeftRestore zeroes n */
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PetscFPrintf(comm, PETSC_STDERR, "uphill: unknown or unused option -%s%s%s\n", names[i], values[i] ? " " : "", values[i] ? values[i] : ""));
    if (i < 4) {
      PetscCall(PetscStrlcat(list, i ? ", -" : "-", sizeof(list)));
      PetscCall(PetscStrlcat(list, names[i], sizeof(list)));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(left == 0, comm, PETSC_ERR_ARG_WRONG, "unknown or unused option(s) %s%s; see uphill -help for the options and which model or scheme each applies to", list, left > 4 ? ", ..." : "");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A user who mistypes an option should read one sentence, not a PETSc traceback. The first
 * report of an error is printed once (by rank 0 when all ranks share it); the traceback is
 * still available with -uphill_traceback. */
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

static PetscErrorCode Main(UphillStopReason *reason)
{
  UphillOptions  opt;
  UphillRun      run = NULL;
  PetscBool      help_given;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  *reason = UPHILL_STOP_T_END;
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &opt));
  PetscCall(PetscOptionsHasHelp(NULL, &help_given));
  if (help_given) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CheckUnusedOptions(PETSC_COMM_WORLD));
  if (opt.explain) {
    PetscViewer out;
    PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_WORLD, &out));
    PetscCall(UphillExplain(&opt, out));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(UphillRunCreate(PETSC_COMM_WORLD, &opt, &run));
  ierr = UphillRunSetUp(run);
  if (!ierr) ierr = UphillRunSolve(run, reason);
  /* the run is freed on every path, errors included */
  PetscCall(UphillRunDestroy(&run));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscErrorCode   ierr, fin;
  PetscBool        traceback = PETSC_FALSE;
  UphillStopReason reason    = UPHILL_STOP_T_END;
  const int        status[]  = {0, 0, 2, 3, 4}; /* by UphillStopReason */

  /* PETSc reads -options_file inside PetscInitialize, where a missing or malformed file ends
   * in a traceback (and, on several ranks, an MPI_Abort); the user should read one sentence */
  for (int i = 1; i + 1 < argc; i++) {
    char why[512];
    if (strcmp(argv[i], "-options_file") || !UphillOptionsFileCheck(argv[i + 1], why, sizeof(why))) continue;
    {
      const char *r = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
      if (!r || !strcmp(r, "0")) fprintf(stderr, "uphill: error: %s\n", why);
    }
    return 1;
  }
  /* a file-size limit (ulimit -f) makes a write fail with EFBIG, reported like a full disk,
   * instead of killing the run in the middle of it */
  (void)signal(SIGXFSZ, SIG_IGN);
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(UphillInitializePackage());
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-uphill_traceback", &traceback, NULL));
  if (!traceback) PetscCall(PetscPushErrorHandler(UphillErrorHandler, NULL));
  /* HDF5 failures are reported by uphill in one line; HDF5's own stack only with the traceback */
  if (!traceback) (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = Main(&reason);
  if (!traceback) (void)PetscPopErrorHandler();
  /* errors are collective by construction (rank-0 I/O results are broadcast), so every rank
   * reaches here and finalizes cleanly */
  (void)UphillFinalizePackage();
  fin = PetscFinalize();
  if (ierr || fin) return 1;
  return status[reason];
}

/* Rank-0 I/O with collective outcomes. */
#include <uphill/collective.h>
#include <stdarg.h>
#include <string.h>

PetscErrorCode UphillCheckRoot(MPI_Comm comm, int err, PetscErrorCode code, const char *fmt, ...)
{
  int  e = err;
  char msg[1024];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&e, 1, MPI_INT, 0, comm));
  if (!e) PetscFunctionReturn(PETSC_SUCCESS);
  {
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
  }
  SETERRQ(comm, code, "%s (%s)", msg, strerror(e));
}

PetscErrorCode UphillWriteFileRoot(MPI_Comm comm, const char *path, UphillFileWriter fn, void *ctx)
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) err = UphillWriteFileAtomic(path, "w", fn, ctx);
  PetscCall(UphillCheckRoot(comm, err, PETSC_ERR_FILE_WRITE, "cannot write %s", path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCommitFile(MPI_Comm comm, const char *path, PetscErrorCode write_err)
{
  PetscMPIInt rank;
  char        tmp[PETSC_MAX_PATH_LEN + 8];
  int         failed = write_err != PETSC_SUCCESS, err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm));
  if (rank == 0) {
    err = UphillTmpName(path, tmp, sizeof(tmp));
    if (!err && failed) (void)remove(tmp);
    else if (!err && rename(tmp, path)) {
      err = UphillErrno();
      (void)remove(tmp);
    }
  }
  /* the write's own error (already reported by PETSc) comes first */
  PetscCall(write_err);
  PetscCheck(!failed, comm, PETSC_ERR_FILE_WRITE, "writing %s failed on another rank", path);
  PetscCall(UphillCheckRoot(comm, err, PETSC_ERR_FILE_WRITE, "cannot rename the completed %s.tmp to %s", path, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

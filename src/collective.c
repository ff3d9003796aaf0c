/* Rank-0 I/O with collective outcomes, and HDF5 files written atomically by every rank. */
#include <uphill/collective.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* ------------------------------------------------------------------ HDF5 */

PetscErrorCode UphillQuietBegin(UphillQuiet *q)
{
  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  if (H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data) < 0) q->fn = NULL, q->data = NULL;
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillQuietEnd(UphillQuiet *q)
{
  PetscFunctionBegin;
  (void)H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
  PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A write that failed part-way (a disk filled up meanwhile) leaves HDF5 with metadata it cannot
 * flush and the objects PETSc had open, and a file HDF5 fails to close crashes the library at
 * exit. So: close those objects, and free the file's blocks (it is removed anyway), so that
 * the close finds the room it needs. */
static PetscErrorCode Abandon(MPI_Comm comm, PetscViewer viewer, const char *file)
{
  const unsigned types = H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL;
  hid_t          fid, ids[64];
  ssize_t        n;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscViewerHDF5GetFileId(viewer, &fid));
  for (int pass = 0; pass < 100 && (n = H5Fget_obj_ids(fid, types, 64, ids)) > 0; pass++) {
    for (ssize_t k = 0; k < n; k++) {
      switch (H5Iget_type(ids[k])) {
      case H5I_ATTR:
        (void)H5Aclose(ids[k]);
        break;
      case H5I_DATATYPE:
        (void)H5Tclose(ids[k]);
        break;
      default:
        (void)H5Oclose(ids[k]);
        break;
      }
    }
  }
  PetscCallMPI(MPI_Barrier(comm));
  if (rank == 0 && truncate(file, 0)) { /* nothing better to do: the close may fail */ }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteTmp(MPI_Comm comm, const char *tmp, UphillH5Writer fn, void *ctx)
{
  PetscViewer    viewer;
  PetscErrorCode ierr, derr;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5Open(comm, tmp, FILE_MODE_WRITE, &viewer));
  ierr = fn(viewer, ctx);
  if (ierr) PetscCall(Abandon(comm, viewer, tmp));
  derr = PetscViewerDestroy(&viewer);
  PetscCall(ierr);
  PetscCall(derr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The file system's reason a file cannot be written, and what to do. */
static PetscErrorCode NoRoom(MPI_Comm comm, const char *path, const UphillWriteNote *note, int err, const char *size, PetscBool after)
{
  char          limit[96] = "";
  struct rlimit rl;

  PetscFunctionBegin;
  if (err == EFBIG && !getrlimit(RLIMIT_FSIZE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
    char b[32];
    UphillHumanBytes((size_t)rl.rlim_cur, b, sizeof(b));
    (void)snprintf(limit, sizeof(limit), "; the file-size limit (ulimit -f) is %s", b);
  }
  SETERRQ(comm, PETSC_ERR_FILE_WRITE, "cannot write %s %s: %s (it needs about %s%s%s). %s: %s, then %s", note->what, path, strerror(err), size, limit,
          after ? "; HDF5 gives no reason, this one is the file system's answer to a request for that space" : "",
          note->kept, err == ENOSPC || err == EDQUOT || err == EFBIG ? "make room or raise the limit" : "remove the cause", note->then);
}

PetscErrorCode UphillH5WriteAtomic(MPI_Comm comm, const char *path, size_t bytes, const UphillWriteNote *note, UphillH5Writer fn, void *ctx)
{
  char           tmp[PETSC_MAX_PATH_LEN + 8], what[512] = "", size[32];
  PetscMPIInt    rank;
  UphillQuiet    q;
  PetscErrorCode werr;
  int            failed, err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(!UphillTmpName(path, tmp, sizeof(tmp)), comm, PETSC_ERR_ARG_SIZ, "path too long: %s", path);
  /* the room first: a write HDF5 starts and cannot finish is the case to avoid */
  UphillHumanBytes(bytes, size, sizeof(size));
  if (rank == 0 && (err = UphillReserve(tmp, bytes, PETSC_FALSE))) (void)remove(tmp);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) PetscCall(NoRoom(comm, path, note, err, size, PETSC_FALSE));
  PetscCall(UphillQuietBegin(&q));
  werr = WriteTmp(comm, tmp, fn, ctx);
  if (werr) {
    char *specific = NULL;
    (void)PetscErrorMessage(werr, NULL, &specific);
    (void)snprintf(what, sizeof(what), "%s", specific && specific[0] ? specific : "HDF5 write failed");
  }
  PetscCall(UphillQuietEnd(&q));
  failed = werr != PETSC_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm));
  if (!failed) {
    PetscCall(UphillCommitFile(comm, path, PETSC_SUCCESS));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* the temporary file goes; an older PATH stays as it is */
  PetscCall(UphillQuietBegin(&q));
  (void)UphillCommitFile(comm, path, werr ? werr : PETSC_ERR_FILE_WRITE);
  PetscCall(UphillQuietEnd(&q));
  /* HDF5 says only that it failed: ask the file system for the room again */
  if (rank == 0) {
    err = UphillReserve(tmp, bytes, PETSC_TRUE);
    (void)remove(tmp);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) PetscCall(NoRoom(comm, path, note, err, size, PETSC_TRUE));
  SETERRQ(comm, PETSC_ERR_FILE_WRITE, "cannot write %s %s: %s (the %s it needs can be had in the same directory, so not for lack of space). %s; %s", note->what, path, rank == 0 && what[0] ? what : "HDF5 write failed", size, note->kept, note->then);
}

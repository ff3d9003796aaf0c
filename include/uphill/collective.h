#pragma once
/* "Rank 0 does the I/O, every rank learns the outcome": the pattern behind every file uphill
 * writes outside HDF5. A rank that raised an error alone would leave the others waiting in
 * the next collective call; these helpers broadcast rank 0's errno so every rank stops
 * together with the same one-line message. */
#include <uphill/fileio.h>
#include <petscviewerhdf5.h>

/* Collective. err is meaningful on rank 0 only (0 or an errno value); when it is non-zero
 * every rank raises code with the formatted message followed by " (strerror(err))". */
PetscErrorCode UphillCheckRoot(MPI_Comm comm, int err, PetscErrorCode code, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);

/* Collective: rank 0 writes path atomically with fn; "cannot write PATH (reason)" on failure. */
PetscErrorCode UphillWriteFileRoot(MPI_Comm comm, const char *path, UphillFileWriter fn, void *ctx);

/* Collective, after every rank wrote PATH.tmp together (HDF5): write_err is this rank's
 * outcome of that write. On success rank 0 renames PATH.tmp to PATH; on any failure PATH.tmp
 * is removed and an older PATH stays. Returns the write error, if any, on every rank. */
PetscErrorCode UphillCommitFile(MPI_Comm comm, const char *path, PetscErrorCode write_err);

/* ---- HDF5 files written by every rank together ---- */

/* Errors of an attempt that may fail (a damaged file, a full disk) are the caller's to report:
 * between Begin and End neither PETSc's handler nor HDF5's error stack prints them. */
typedef struct {
  H5E_auto2_t fn;
  void       *data;
} UphillQuiet;
PetscErrorCode UphillQuietBegin(UphillQuiet *q);
PetscErrorCode UphillQuietEnd(UphillQuiet *q);

/* Writes the contents of one HDF5 file through viewer (open for writing). */
typedef PetscErrorCode (*UphillH5Writer)(PetscViewer viewer, void *ctx);

/* How a failed write of one kind of file reads: "cannot write WHAT PATH: reason (...). KEPT:
 * make room or raise the limit, then THEN". */
typedef struct {
  const char *what; /* the kind of file: "checkpoint" */
  const char *kept; /* what a failure leaves: "Older checkpoints are kept" */
  const char *then; /* the way on once the cause is gone: "continue with -restart auto" */
} UphillWriteNote;

/* Collective: write PATH atomically (PATH.tmp, then UphillCommitFile) with fn. Rank 0 first
 * reserves `bytes` (an upper bound of the file's size) with UphillReserve, so a full disk, a
 * quota or the file-size limit is reported with its reason before HDF5 starts. A write that
 * fails all the same has its HDF5 objects closed and PATH.tmp truncated and removed (an older
 * PATH stays), and the room is asked for again to name the cause. Every failure is one error
 * on every rank, naming PATH. */
PetscErrorCode UphillH5WriteAtomic(MPI_Comm comm, const char *path, size_t bytes, const UphillWriteNote *note, UphillH5Writer fn, void *ctx);

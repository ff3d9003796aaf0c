#pragma once
/* "Rank 0 does the I/O, every rank learns the outcome": the pattern behind every file uphill
 * writes outside HDF5. A rank that raised an error alone would leave the others waiting in
 * the next collective call; these helpers broadcast rank 0's errno so every rank stops
 * together with the same one-line message. */
#include <uphill/fileio.h>

/* Collective. err is meaningful on rank 0 only (0 or an errno value); when it is non-zero
 * every rank raises code with the formatted message followed by " (strerror(err))". */
PetscErrorCode UphillCheckRoot(MPI_Comm comm, int err, PetscErrorCode code, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);

/* Collective: rank 0 writes path atomically with fn; "cannot write PATH (reason)" on failure. */
PetscErrorCode UphillWriteFileRoot(MPI_Comm comm, const char *path, UphillFileWriter fn, void *ctx);

/* Collective, after every rank wrote PATH.tmp together (HDF5): write_err is this rank's
 * outcome of that write. On success rank 0 renames PATH.tmp to PATH; on any failure PATH.tmp
 * is removed and an older PATH stays. Returns the write error, if any, on every rank. */
PetscErrorCode UphillCommitFile(MPI_Comm comm, const char *path, PetscErrorCode write_err);

#pragma once
/* Writing a file so that a reader never sees half of it: everything goes to PATH.tmp, which
 * is renamed over PATH only once it is complete and flushed. A failure removes PATH.tmp and
 * leaves an older PATH as it was. Serial (no MPI): see collective.h for the rank-0 form. */
#include <errno.h>
#include <stdio.h>
#include <petscsys.h>
#include <uphill/compat.h>

/* Writes the contents to fp; returns 0, or an errno value. */
typedef int (*UphillFileWriter)(FILE *fp, void *ctx);

/* Atomically write path (fopen mode "w" or "wb") with fn. Returns 0 or an errno value. */
int UphillWriteFileAtomic(const char *path, const char *mode, UphillFileWriter fn, void *ctx);

/* PATH + ".tmp", the name every atomic writer of uphill uses (also for HDF5 files written
 * collectively). Returns 0, or ENAMETOOLONG. */
int UphillTmpName(const char *path, char *tmp, size_t len);

/* Create path (empty) and allocate `bytes` for it, so a full disk, a quota or the file-size
 * limit shows with the system's own reason before a writer that reports a failed write
 * without one (HDF5) starts; the writer then truncates it. Returns 0 or an errno value. With
 * `fill` the bytes are written where the file system cannot allocate them (the second look,
 * after such a writer failed). */
int UphillReserve(const char *path, size_t bytes, PetscBool fill);

/* "12 KiB", "3.4 MiB", "1.2 GiB" */
void UphillHumanBytes(size_t b, char *s, size_t len);

/* errno, or EIO when a failed call left errno at 0, so a failure never reads as success. */
static inline int UphillErrno(void)
{
  return errno ? errno : EIO;
}

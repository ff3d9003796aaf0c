#pragma once
/* One run per directory: a run holds DIR/uphill.lock, a file locked with flock(2) by rank 0.
 * The kernel drops the lock when the process ends however it ends (a SIGKILL or a crashed
 * node leaves no stale lock: the next run takes the file over); a clean end also removes the
 * file. The file holds one line naming the holder (pid, host, start time), quoted when a
 * second run is refused. */
#include <petscsys.h>
#include <uphill/compat.h>

typedef struct _n_UphillRunLock *UphillRunLock;

#define UPHILL_LOCK_NAME "uphill.lock"

/* Collective; dir must exist. Takes the lock or raises one error naming the holder. On a file
 * system without flock (some Lustre mounts) it warns once and goes on unlocked. */
PetscErrorCode UphillRunLockAcquire(MPI_Comm comm, const char *dir, UphillRunLock *lock);
/* Release (and remove the file); *lock = NULL. Not collective, never fails; NULL is fine. */
PetscErrorCode UphillRunLockRelease(UphillRunLock *lock);

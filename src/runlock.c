/* The run directory's lock: flock(2) on DIR/uphill.lock, held by rank 0 for the whole run. */
#include <uphill/runlock.h>
#include <uphill/fileio.h>
#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct _n_UphillRunLock {
  int  fd; /* rank 0 while locked; -1 elsewhere and when unlocked */
  char path[PETSC_MAX_PATH_LEN + 32];
};

#define HOLDER_LEN 256

/* The holder's line, printable characters only (the file could hold anything). */
static void ReadHolder(int fd, char *holder)
{
  ssize_t n = pread(fd, holder, HOLDER_LEN - 1, 0);
  size_t  k = 0;

  for (ssize_t i = 0; i < n && holder[i] != '\n'; i++)
    if (isprint((unsigned char)holder[i])) holder[k++] = holder[i];
  holder[k] = 0;
  if (!k) (void)snprintf(holder, HOLDER_LEN, "a run that has not written its pid yet");
}

static int WriteHolder(int fd)
{
  char      line[HOLDER_LEN], host[128] = "unknown", when[32] = "";
  time_t    now = time(NULL);
  struct tm tm;
  int       n;

  (void)gethostname(host, sizeof(host));
  host[sizeof(host) - 1] = 0;
  if (localtime_r(&now, &tm)) (void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
  n = snprintf(line, sizeof(line), "pid %ld on host %s (since %s)\n", (long)getpid(), host, when);
  errno = 0;
  if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) return UphillErrno();
  return 0;
}

/* Rank 0. Returns 0 with *fd locked; EWOULDBLOCK with the holder's line; ENOLCK when the file
 * system has no flock; another errno when the file cannot be made. */
static int TryLock(const char *path, int *fd_out, char *holder)
{
  for (int attempt = 0; attempt < 100; attempt++) {
    struct stat a, b;
    int         fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), e;

    if (fd < 0) return UphillErrno();
    if (flock(fd, LOCK_EX | LOCK_NB)) {
      e = UphillErrno();
      if (e == EWOULDBLOCK || e == EAGAIN) {
        ReadHolder(fd, holder);
        e = EWOULDBLOCK;
      } else if (e == ENOSYS || e == EOPNOTSUPP || e == EINVAL || e == ENOLCK) {
        e = ENOLCK;
        (void)unlink(path);
      }
      (void)close(fd);
      return e;
    }
    /* The previous holder removes the file as it ends: if that happened between our open and
     * our flock, we locked a file nobody else can see; start again on the current one. */
    if (!fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      if ((e = WriteHolder(fd))) {
        (void)unlink(path);
        (void)close(fd);
        return e;
      }
      *fd_out = fd;
      return 0;
    }
    (void)close(fd);
  }
  return EAGAIN;
}

PetscErrorCode UphillRunLockAcquire(MPI_Comm comm, const char *dir, UphillRunLock *lock)
{
  UphillRunLock l;
  PetscMPIInt   rank;
  int           err = 0;
  char          holder[HOLDER_LEN] = "";

  PetscFunctionBegin;
  *lock = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscNew(&l));
  l->fd = -1;
  PetscCall(PetscSNPrintf(l->path, sizeof(l->path), "%s/%s", dir, UPHILL_LOCK_NAME));
  if (rank == 0) err = TryLock(l->path, &l->fd, holder);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err == ENOLCK) {
    PetscCall(PetscFPrintf(comm, PETSC_STDERR, "uphill: warning: the file system of -output %s does not support flock, so this run cannot lock it: make sure no other run uses it\n", dir));
    err = 0;
  }
  if (err) {
    PetscCallMPI(MPI_Bcast(holder, HOLDER_LEN, MPI_CHAR, 0, comm));
    PetscCall(PetscFree(l));
    PetscCheck(err != EWOULDBLOCK, comm, PETSC_ERR_FILE_OPEN, "-output %s is in use by another uphill run: %s holds %s/%s; wait for it to end, or choose another -output", dir, holder, dir, UPHILL_LOCK_NAME);
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "-output %s: cannot create or lock %s/%s (%s)", dir, dir, UPHILL_LOCK_NAME, strerror(err));
  }
  *lock = l;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunLockRelease(UphillRunLock *lock)
{
  UphillRunLock l = *lock;

  PetscFunctionBegin;
  if (!l) PetscFunctionReturn(PETSC_SUCCESS);
  if (l->fd >= 0) {
    /* removed while still locked, so no run can lock this file after we let go of it */
    (void)unlink(l->path);
    (void)close(l->fd);
  }
  PetscCall(PetscFree(l));
  *lock = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

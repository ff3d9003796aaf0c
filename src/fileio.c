/* The one atomic writer: temporary name, complete write, flush, rename; and the request for
 * a file's room before a writer that cannot report why it failed (HDF5) starts. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
  #define _GNU_SOURCE /* fallocate */
#endif
#include <uphill/fileio.h>
#include <uphill/hash.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int UphillTmpName(const char *path, char *tmp, size_t len)
{
  const int n = snprintf(tmp, len, "%s.tmp", path);
  return (n < 0 || (size_t)n >= len) ? ENAMETOOLONG : 0;
}

int UphillWriteFileAtomic(const char *path, const char *mode, UphillFileWriter fn, void *ctx)
{
  char  tmp[PETSC_MAX_PATH_LEN + 8];
  FILE *fp;
  int   err = UphillTmpName(path, tmp, sizeof(tmp));

  if (err) return err;
  errno = 0;
  fp    = fopen(tmp, mode);
  if (!fp) return UphillErrno();
  err = fn(fp, ctx);
  /* a full disk often shows only at the flush or the close */
  if (!err && (fflush(fp) || ferror(fp))) err = UphillErrno();
  if (fclose(fp) && !err) err = UphillErrno();
  if (!err && rename(tmp, path)) err = UphillErrno();
  if (err) (void)remove(tmp);
  return err;
}

/* On a file system without fallocate only the file-size limit is checked, unless `fill` is
 * set: then the bytes are written. */
int UphillReserve(const char *path, size_t bytes, PetscBool fill)
{
  int fd, err = 0;

  errno = 0;
  fd    = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UphillErrno();
#if defined(__linux__)
  if (fallocate(fd, 0, 0, (off_t)bytes)) err = UphillErrno();
#else
  err = EOPNOTSUPP;
#endif
  if (err == EOPNOTSUPP || err == ENOSYS || err == ENODEV) {
    struct rlimit rl;
    err = (!getrlimit(RLIMIT_FSIZE, &rl) && rl.rlim_cur != RLIM_INFINITY && (rlim_t)bytes > rl.rlim_cur) ? EFBIG : 0;
    if (!err && fill) {
      static uint64_t buf[8192]; /* 64 KiB of incompressible bytes */
      size_t          done = 0;
      for (size_t i = 0; i < sizeof(buf) / sizeof(buf[0]); i++) buf[i] = UphillHash64(0x5eed, i);
      bytes = PetscMin(bytes, (size_t)1 << 30); /* enough to meet a full disk or a quota */
      while (!err && done < bytes) {
        const ssize_t n = write(fd, buf, PetscMin(sizeof(buf), bytes - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) err = UphillErrno();
        else done += (size_t)n;
      }
      if (!err && fsync(fd)) err = UphillErrno(); /* a quota on a network file system shows here */
    }
  }
  if (close(fd) && !err) err = UphillErrno();
  return err;
}

void UphillHumanBytes(size_t b, char *s, size_t len)
{
  if (b >= 1u << 30) (void)snprintf(s, len, "%.1f GiB", b / 1073741824.0);
  else if (b >= 1u << 20) (void)snprintf(s, len, "%.1f MiB", b / 1048576.0);
  else (void)snprintf(s, len, "%.0f KiB", b / 1024.0);
}

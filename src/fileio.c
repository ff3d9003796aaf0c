/* The one atomic writer: temporary name, complete write, flush, rename. */
#include <uphill/fileio.h>
#include <string.h>

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

/* HDF5 fields through PETSc's collective viewer, and XDMF for ParaView. */
#include <uphill/io_h5.h>
#include <uphill/collective.h>
#include <uphill/package.h>
#include <petscviewerhdf5.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const UphillGridInfo *g;
  const char           *h5name;
} XdmfCtx;

/* One uniform grid of the field c, its lines indented by ind (the grid) and ind + one space
 * (its elements); time (run units) is written when given. A CoRectMesh lists dimensions,
 * origin and spacing slowest axis first, like the dataset; the spacing is in the run's length
 * unit (m for SI runs), as a double: XML data items are single precision unless told, which
 * would make a 0.348 nm spacing 0.34843750107 nm. h5ref is the HDF5 file, relative to the .xmf
 * file. ParaView's XDMF readers place a 2DCoRectMesh in the y-z plane (VTK y = x of the run,
 * VTK z = y); no 2D description that all three readers accept puts it in x-y. */
static int XdmfUniformGrid(FILE *fp, const UphillGridInfo *g, const char *ind, const char *name, const PetscReal *time, const char *h5ref)
{
  char dims[128] = "", org[128] = "", spc[128] = "", when[64] = "";

  for (PetscInt a = g->dim - 1; a >= 0; a--) {
    char tmp[40];
    (void)snprintf(tmp, sizeof(tmp), "%s%d", a == g->dim - 1 ? "" : " ", (int)g->n[a]);
    (void)strncat(dims, tmp, sizeof(dims) - strlen(dims) - 1);
    /* walls: the points are cell centres, the first at h/2 */
    (void)snprintf(tmp, sizeof(tmp), "%s%.17g", a == g->dim - 1 ? "" : " ", g->walls ? (double)(0.5 * g->h[a] * g->unit) : 0.0);
    (void)strncat(org, tmp, sizeof(org) - strlen(org) - 1);
    (void)snprintf(tmp, sizeof(tmp), "%s%.17g", a == g->dim - 1 ? "" : " ", (double)(g->h[a] * g->unit));
    (void)strncat(spc, tmp, sizeof(spc) - strlen(spc) - 1);
  }
  if (time) (void)snprintf(when, sizeof(when), "%s <Time Value=\"%.17g\"/>\n", ind, (double)*time);
  if (fprintf(fp,
              "%s<Grid Name=\"%s\" GridType=\"Uniform\">\n%s"
              "%s <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n%s <Geometry GeometryType=\"%s\">\n"
              "%s  <DataItem Dimensions=\"%d\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%s</DataItem>\n"
              "%s  <DataItem Dimensions=\"%d\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%s</DataItem>\n%s </Geometry>\n"
              "%s <Attribute Name=\"c\" AttributeType=\"Scalar\" Center=\"Node\">\n%s  <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/c</DataItem>\n%s </Attribute>\n"
              "%s</Grid>\n",
              ind, name, when, ind, g->dim == 2 ? "2DCoRectMesh" : "3DCoRectMesh", dims, ind, g->dim == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ", ind, (int)g->dim, org, ind, (int)g->dim, spc, ind, ind, ind, dims, h5ref, ind, ind) < 0)
    return UphillErrno();
  return 0;
}

static int WriteXdmf(FILE *fp, void *ctx)
{
  const XdmfCtx *x = (const XdmfCtx *)ctx;
  int            err;

  if (fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n") < 0) return UphillErrno();
  if ((err = XdmfUniformGrid(fp, x->g, "  ", "uphill", NULL, x->h5name))) return err;
  if (fprintf(fp, " </Domain>\n</Xdmf>\n") < 0) return UphillErrno();
  return 0;
}

/* One field and its time, step and box side (run units), for UphillH5WriteAtomic. */
typedef struct {
  const UphillGridInfo *g;
  Vec                   c;
  PetscReal             t;
  PetscInt              step;
} FieldContents;

static PetscErrorCode WriteFieldContents(PetscViewer viewer, void *ctx)
{
  const FieldContents *f = (const FieldContents *)ctx;
  PetscReal            side[3];

  PetscFunctionBegin;
  for (PetscInt a = 0; a < 3; a++) side[a] = f->g->len[a] * f->g->unit; /* run units, like time */
  PetscCall(VecView(f->c, viewer));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "time", PETSC_REAL, &f->t));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "step", PETSC_INT, &f->step));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "box_side", PETSC_REAL, &side[0]));
  /* a rectangular box: the other sides too (box_side stays the x side, as before) */
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "box_side_y", PETSC_REAL, &side[1]));
  if (f->g->dim == 3) PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "box_side_z", PETSC_REAL, &side[2]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An upper bound of a field file's size: the field plus headers and attributes (about 4 KiB) */
static size_t FieldBytes(const UphillGridInfo *g)
{
  return (size_t)(8.0 * (PetscReal)g->ntot) + 8192;
}

PetscErrorCode UphillH5WriteField(UphillGrid grid, Vec c, const char *path, PetscReal t, PetscInt step)
{
  const UphillWriteNote note = {"field", "Earlier fields and the checkpoints are kept", "continue with -restart auto (the newest checkpoint holds the state, as /c)"};
  UphillGridInfo        g;
  FieldContents         f;
  char                  xmf[PETSC_MAX_PATH_LEN + 8], saved[256];
  const char           *name, *base = strrchr(path, '/');
  size_t                len;
  XdmfCtx               x;
  PetscErrorCode        ierr;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_IO, 0, 0, 0, 0));
  PetscCall(UphillGridGetInfo(grid, &g));
  /* the dataset is named after the Vec; the caller's name is copied, because renaming frees
   * the string PetscObjectGetName returned */
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  f    = (FieldContents){&g, c, t, step};
  ierr = UphillH5WriteAtomic(g.comm, path, FieldBytes(&g), &note, WriteFieldContents, &f);
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
  PetscCall(ierr);
  PetscCall(PetscStrlen(path, &len));
  PetscCall(PetscStrncpy(xmf, path, sizeof(xmf)));
  if (len > 3 && !strcmp(path + len - 3, ".h5")) xmf[len - 3] = 0;
  PetscCall(PetscStrlcat(xmf, ".xmf", sizeof(xmf)));
  x.g      = &g;
  x.h5name = base ? base + 1 : path;
  PetscCall(UphillWriteFileRoot(g.comm, xmf, WriteXdmf, &x));
  PetscCall(PetscLogEventEnd(UPHILL_IO, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The file exists and HDF5 opens it: rank 0 looks first, quietly, so a file that is not HDF5
 * or is truncated is one message rather than HDF5's error stack. */
static PetscErrorCode ProbeFile(MPI_Comm comm, const char *path, const char *what)
{
  PetscMPIInt rank;
  int         err = 0;
  UphillQuiet q;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && access(path, R_OK)) err = UphillErrno();
  PetscCall(UphillCheckRoot(comm, err, PETSC_ERR_FILE_OPEN, "%s %s: file missing or unreadable", what, path));
  /* not HDF5 (1), HDF5 that does not open (2: truncated) */
  if (rank == 0) {
    PetscCall(UphillQuietBegin(&q));
    if (H5Fis_hdf5(path) <= 0) err = 1;
    else {
      const hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
      if (f < 0) err = 2;
      else (void)H5Fclose(f);
    }
    PetscCall(UphillQuietEnd(&q));
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: not an HDF5 file", what, path);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: HDF5 cannot open it (truncated or damaged)", what, path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Dataset /c exists and has the grid's shape. */
static PetscErrorCode CheckShape(PetscViewer viewer, const UphillGridInfo *g, const char *path, const char *what)
{
  PetscBool has;
  hid_t     fid, dset, space;
  hsize_t   dims[8];
  int       ndims, shape_ok;

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/c", &has));
  PetscCheck(has, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: no dataset /c", what, path);
  PetscCall(PetscViewerHDF5GetFileId(viewer, &fid));
  dset = H5Dopen2(fid, "/c", H5P_DEFAULT);
  PetscCheck(dset >= 0, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: cannot open dataset /c", what, path);
  space    = H5Dget_space(dset);
  ndims    = H5Sget_simple_extent_ndims(space);
  shape_ok = ndims == g->dim;
  if (shape_ok) (void)H5Sget_simple_extent_dims(space, dims, NULL);
  /* slowest axis first in the file */
  for (int i = 0; shape_ok && i < ndims; i++) shape_ok = dims[i] == (hsize_t)g->n[g->dim - 1 - i];
  (void)H5Sclose(space);
  (void)H5Dclose(dset);
  PetscCheck(shape_ok, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: dataset /c has another shape than this run's grid", what, path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* VecLoad of /c; *bad on every rank when it failed on any. Damaged data (or a type HDF5
 * cannot convert) is the caller's message, not a PETSc traceback. */
static PetscErrorCode LoadQuietly(PetscViewer viewer, Vec c, MPI_Comm comm, PetscBool *bad)
{
  PetscErrorCode ierr;
  UphillQuiet    q;
  int            b;

  PetscFunctionBegin;
  PetscCall(UphillQuietBegin(&q));
  ierr = VecLoad(c, viewer);
  PetscCall(UphillQuietEnd(&q));
  b = ierr != PETSC_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &b, 1, MPI_INT, MPI_MAX, comm));
  *bad = (PetscBool)b;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first point (in file order) that is not a number, wherever it lives, is named. */
static PetscErrorCode CheckFinite(Vec c, const UphillGridInfo *g, const char *path, const char *what)
{
  const PetscScalar *x;
  PetscInt           lo, n;
  PetscInt64         first = INT64_MAX;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(c, &lo, NULL));
  PetscCall(VecGetLocalSize(c, &n));
  PetscCall(VecGetArrayRead(c, &x));
  for (PetscInt i = 0; i < n && first == INT64_MAX; i++)
    if (PetscIsInfOrNanScalar(x[i])) first = (PetscInt64)lo + i;
  PetscCall(VecRestoreArrayRead(c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPIU_INT64, MPI_MIN, g->comm));
  PetscCheck(first == INT64_MAX, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s is not admissible: dataset /c holds NaN or Inf (the first at x = %lld, y = %lld, z = %lld, counting from 0)", what, path, (long long)(first % g->n[0]), (long long)((first / g->n[0]) % g->n[1]),
             (long long)(first / ((PetscInt64)g->n[0] * g->n[1])));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillH5ReadField(UphillGrid grid, Vec c, const char *path, const char *what)
{
  UphillGridInfo g;
  PetscViewer    viewer;
  PetscBool      bad;
  const char    *name;
  char           saved[256];

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCall(ProbeFile(g.comm, path, what));
  PetscCall(PetscViewerHDF5Open(g.comm, path, FILE_MODE_READ, &viewer));
  PetscCall(CheckShape(viewer, &g, path, what));
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  PetscCall(LoadQuietly(viewer, c, g.comm, &bad));
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCheck(!bad, g.comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: cannot read dataset /c (damaged file?)", what, path);
  PetscCall(CheckFinite(c, &g, path, what));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ the time series */

/* One field file of the time series: its name relative to the run directory, its time (run
 * units) and step. */
typedef struct {
  char      file[96];
  double    t;
  long long step;
  int       final;
} SeriesEntry;

typedef struct {
  const UphillGridInfo *g;
  SeriesEntry          *e;
  size_t                n, cap;
} Series;

/* The time and step of a field file (dataset /c with a time attribute, of this grid's shape).
 * Returns 1 for such a file, 0 for anything else (not HDF5, another grid, no time): such a
 * file is left out of the series rather than failing the run that writes the series. */
static int FieldFileTime(const UphillGridInfo *g, const char *path, double *t, long long *step)
{
  hid_t   f, d, s, a;
  hsize_t dims[8];
  int     ok = 0, ndims;

  *step = -1;
  if (access(path, R_OK) || H5Fis_hdf5(path) <= 0) return 0;
  if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) return 0;
  if (H5Lexists(f, "c", H5P_DEFAULT) > 0 && (d = H5Dopen2(f, "/c", H5P_DEFAULT)) >= 0) {
    if ((s = H5Dget_space(d)) >= 0) {
      ndims = H5Sget_simple_extent_ndims(s);
      ok    = ndims == (int)g->dim && H5Sget_simple_extent_dims(s, dims, NULL) == ndims;
      /* slowest axis first in the file */
      for (int i = 0; ok && i < ndims; i++) ok = dims[i] == (hsize_t)g->n[g->dim - 1 - i];
      (void)H5Sclose(s);
    }
    if (ok && H5Aexists(d, "time") > 0 && (a = H5Aopen(d, "time", H5P_DEFAULT)) >= 0) {
      ok = H5Aread(a, H5T_NATIVE_DOUBLE, t) >= 0;
      (void)H5Aclose(a);
    } else ok = 0;
    if (ok && H5Aexists(d, "step") > 0 && (a = H5Aopen(d, "step", H5P_DEFAULT)) >= 0) {
      if (H5Aread(a, H5T_NATIVE_LLONG, step) < 0) *step = -1;
      (void)H5Aclose(a);
    }
    (void)H5Dclose(d);
  }
  (void)H5Fclose(f);
  return ok;
}

/* Add file (relative to dir) to the series when it is a field of this grid. 0 or an errno. */
static int SeriesAdd(Series *S, const char *dir, const char *file, int final)
{
  char        path[PETSC_MAX_PATH_LEN + 128];
  SeriesEntry e;

  if (strlen(file) >= sizeof(e.file)) return 0;
  (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
  if (!FieldFileTime(S->g, path, &e.t, &e.step)) return 0;
  (void)snprintf(e.file, sizeof(e.file), "%s", file);
  e.final = final;
  if (S->n == S->cap) {
    SeriesEntry *m = (SeriesEntry *)realloc(S->e, (S->cap ? 2 * S->cap : 64) * sizeof(*m));
    if (!m) return ENOMEM;
    S->e   = m;
    S->cap = S->cap ? 2 * S->cap : 64;
  }
  S->e[S->n++] = e;
  return 0;
}

/* By time; at equal times a dump before final.h5 */
static int SeriesCompare(const void *pa, const void *pb)
{
  const SeriesEntry *a = (const SeriesEntry *)pa, *b = (const SeriesEntry *)pb;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  if (a->final != b->final) return a->final - b->final;
  return strcmp(a->file, b->file);
}

/* A dump name: c_ digits .h5 (a temporary c_*.h5.tmp of a write in progress is not one) */
static int IsDumpName(const char *n)
{
  size_t len = strlen(n), i = 2;
  if (len < 6 || strncmp(n, "c_", 2) || strcmp(n + len - 3, ".h5")) return 0;
  for (; i < len - 3; i++)
    if (n[i] < '0' || n[i] > '9') return 0;
  return 1;
}

/* Every field of the run directory (fields/c_*.h5 and final.h5) in time order, one per time.
 * Checkpoints, last_good.h5 and files of another grid are not fields of the series. 0 or an
 * errno value. */
static int SeriesScan(Series *S, const char *dir)
{
  char           sub[PETSC_MAX_PATH_LEN + 16];
  DIR           *d;
  struct dirent *de;
  int            err = 0;
  size_t         m   = 0;
  H5E_auto2_t    efunc;
  void          *edata;

  /* a file that is no field is left out quietly: no HDF5 error stack on stderr */
  (void)H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  (void)snprintf(sub, sizeof(sub), "%s/fields", dir);
  errno = 0;
  if ((d = opendir(sub))) {
    while (!err && (errno = 0, de = readdir(d))) {
      char rel[128];
      if (!IsDumpName(de->d_name) || strlen(de->d_name) > 80) continue;
      (void)snprintf(rel, sizeof(rel), "fields/%s", de->d_name);
      err = SeriesAdd(S, dir, rel, 0);
    }
    if (!err && errno) err = UphillErrno();
    (void)closedir(d);
  } else if (errno != ENOENT) err = UphillErrno();
  if (!err) err = SeriesAdd(S, dir, "final.h5", 1);
  (void)H5Eset_auto2(H5E_DEFAULT, efunc, edata);
  if (err) return err;
  if (S->n) qsort(S->e, S->n, sizeof(*S->e), SeriesCompare);
  /* one field per time: ParaView's time steps must differ (a dump at the last step and
   * final.h5 hold the same state) */
  for (size_t i = 0; i < S->n; i++)
    if (!m || S->e[i].t > S->e[m - 1].t + 1e-12 * PetscAbsReal(S->e[m - 1].t)) S->e[m++] = S->e[i];
  S->n = m;
  return 0;
}

static int WriteSeries(FILE *fp, void *ctx)
{
  const Series *S = (const Series *)ctx;
  int           err;

  if (fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"uphill\" GridType=\"Collection\" CollectionType=\"Temporal\">\n") < 0) return UphillErrno();
  for (size_t i = 0; i < S->n; i++) {
    const PetscReal t = (PetscReal)S->e[i].t;
    char            name[64];
    if (S->e[i].step >= 0) (void)snprintf(name, sizeof(name), "step_%lld", S->e[i].step);
    else (void)snprintf(name, sizeof(name), "field_%zu", i);
    if ((err = XdmfUniformGrid(fp, S->g, "   ", name, &t, S->e[i].file))) return err;
  }
  if (fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n") < 0) return UphillErrno();
  return 0;
}

PetscErrorCode UphillH5WriteSeries(UphillGrid grid, const char *dir)
{
  UphillGridInfo g;
  Series         S = {NULL, NULL, 0, 0};
  PetscMPIInt    rank;
  char           path[PETSC_MAX_PATH_LEN];
  int            err = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_IO, 0, 0, 0, 0));
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCallMPI(MPI_Comm_rank(g.comm, &rank));
  S.g = &g;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/fields.xmf", dir));
  if (rank == 0) err = SeriesScan(&S, dir);
  if (err) free(S.e);
  PetscCall(UphillCheckRoot(g.comm, err, PETSC_ERR_FILE_READ, "cannot list the fields of %s for %s", dir, path));
  {
    const PetscErrorCode ierr = UphillWriteFileRoot(g.comm, path, WriteSeries, &S);
    free(S.e);
    PetscCall(ierr);
  }
  PetscCall(PetscLogEventEnd(UPHILL_IO, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

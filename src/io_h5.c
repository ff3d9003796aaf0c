/* HDF5 fields through PETSc's collective viewer, and XDMF for ParaView. */
#include <uphill/io_h5.h>
#include <uphill/collective.h>
#include <uphill/package.h>
#include <petscviewerhdf5.h>
#include <unistd.h>

typedef struct {
  const UphillGridInfo *g;
  const char           *h5name;
} XdmfCtx;

/* A CoRectMesh lists dimensions, origin and spacing slowest axis first, like the dataset;
 * the spacing is in the run's length unit (m for SI runs). */
static int WriteXdmf(FILE *fp, void *ctx)
{
  const XdmfCtx        *x = (const XdmfCtx *)ctx;
  const UphillGridInfo *g = x->g;
  char                  dims[128] = "", org[64] = "", spc[128] = "";

  for (PetscInt a = g->dim - 1; a >= 0; a--) {
    char tmp[40];
    (void)snprintf(tmp, sizeof(tmp), "%s%d", a == g->dim - 1 ? "" : " ", (int)g->n[a]);
    (void)strncat(dims, tmp, sizeof(dims) - strlen(dims) - 1);
    (void)strncat(org, a == g->dim - 1 ? "0" : " 0", sizeof(org) - strlen(org) - 1);
    (void)snprintf(tmp, sizeof(tmp), "%s%.17g", a == g->dim - 1 ? "" : " ", (double)(g->h[a] * g->unit));
    (void)strncat(spc, tmp, sizeof(spc) - strlen(spc) - 1);
  }
  if (fprintf(fp,
              "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"uphill\" GridType=\"Uniform\">\n"
              "   <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n   <Geometry GeometryType=\"%s\">\n"
              "    <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n    <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n   </Geometry>\n"
              "   <Attribute Name=\"c\" AttributeType=\"Scalar\" Center=\"Node\">\n    <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/c</DataItem>\n   </Attribute>\n"
              "  </Grid>\n </Domain>\n</Xdmf>\n",
              g->dim == 2 ? "2DCoRectMesh" : "3DCoRectMesh", dims, g->dim == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ", (int)g->dim, org, (int)g->dim, spc, dims, x->h5name) < 0)
    return UphillErrno();
  return 0;
}

static PetscErrorCode WriteH5(const UphillGridInfo *g, Vec c, const char *file, PetscReal t, PetscInt step)
{
  PetscViewer viewer;
  PetscReal   side[3];

  PetscFunctionBegin;
  for (PetscInt a = 0; a < 3; a++) side[a] = g->len[a] * g->unit; /* run units, like time */
  PetscCall(PetscViewerHDF5Open(g->comm, file, FILE_MODE_WRITE, &viewer));
  PetscCall(VecView(c, viewer));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "time", PETSC_REAL, &t));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "step", PETSC_INT, &step));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "box_side", PETSC_REAL, &side[0]));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillH5WriteField(UphillGrid grid, Vec c, const char *path, PetscReal t, PetscInt step)
{
  UphillGridInfo g;
  char           tmp[PETSC_MAX_PATH_LEN + 8], xmf[PETSC_MAX_PATH_LEN + 8], saved[256];
  const char    *name, *base = strrchr(path, '/');
  size_t         len;
  XdmfCtx        x;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_IO, 0, 0, 0, 0));
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCheck(!UphillTmpName(path, tmp, sizeof(tmp)), g.comm, PETSC_ERR_ARG_SIZ, "path too long: %s", path);
  /* the dataset is named after the Vec; the caller's name is copied, because renaming frees
   * the string PetscObjectGetName returned */
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  PetscCall(UphillCommitFile(g.comm, path, WriteH5(&g, c, tmp, t, step)));
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
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

PetscErrorCode UphillH5ReadField(UphillGrid grid, Vec c, const char *path, const char *what)
{
  UphillGridInfo g;
  PetscViewer    viewer;
  PetscBool      has;
  PetscMPIInt    rank;
  int            err = 0;
  PetscInt       shape_ok;
  const char    *name;
  char           saved[256];

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCallMPI(MPI_Comm_rank(g.comm, &rank));
  if (rank == 0 && access(path, R_OK)) err = UphillErrno();
  PetscCall(UphillCheckRoot(g.comm, err, PETSC_ERR_FILE_OPEN, "%s %s: file missing or unreadable", what, path));
  if (rank == 0 && H5Fis_hdf5(path) <= 0) err = EINVAL;
  PetscCall(UphillCheckRoot(g.comm, err, PETSC_ERR_FILE_UNEXPECTED, "%s %s: not an HDF5 file", what, path));
  PetscCall(PetscViewerHDF5Open(g.comm, path, FILE_MODE_READ, &viewer));
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/c", &has));
  PetscCheck(has, g.comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: no dataset /c", what, path);
  {
    hid_t   fid, dset, space;
    hsize_t dims[8];
    int     ndims;
    PetscCall(PetscViewerHDF5GetFileId(viewer, &fid));
    dset = H5Dopen2(fid, "/c", H5P_DEFAULT);
    PetscCheck(dset >= 0, g.comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: cannot open dataset /c", what, path);
    space    = H5Dget_space(dset);
    ndims    = H5Sget_simple_extent_ndims(space);
    shape_ok = ndims == g.dim;
    if (shape_ok) (void)H5Sget_simple_extent_dims(space, dims, NULL);
    /* slowest axis first in the file */
    for (int i = 0; shape_ok && i < ndims; i++) shape_ok = dims[i] == (hsize_t)g.n[g.dim - 1 - i];
    (void)H5Sclose(space);
    (void)H5Dclose(dset);
    PetscCheck(shape_ok, g.comm, PETSC_ERR_FILE_UNEXPECTED, "%s %s: dataset /c has another shape than this run's grid", what, path);
  }
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  PetscCall(VecLoad(c, viewer));
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

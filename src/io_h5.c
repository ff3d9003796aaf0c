/* HDF5 fields through PETSc's collective viewer, and XDMF for ParaView. */
#include <uphill/io_h5.h>
#include <petscviewerhdf5.h>
#include <unistd.h>
#include <errno.h>

/* Rank 0 only, so it reports an errno instead of raising a PETSc error: the caller
 * broadcasts it, and every rank stops together. */
static int WriteXdmf(UphillGrid g, const char *h5path, const char *xmfpath)
{
  FILE       *fp;
  const char *base = strrchr(h5path, '/');
  char        tmp[PETSC_MAX_PATH_LEN + 32], dims[128], org[64], spc[128];
  const double h = (double)(g->h * g->ell);
  int         err = 0;

  base = base ? base + 1 : h5path;
  if (g->dim == 2) {
    (void)snprintf(dims, sizeof(dims), "%d %d", (int)g->N, (int)g->N);
    (void)snprintf(org, sizeof(org), "0 0");
    (void)snprintf(spc, sizeof(spc), "%.17g %.17g", h, h);
  } else {
    (void)snprintf(dims, sizeof(dims), "%d %d %d", (int)g->N, (int)g->N, (int)g->N);
    (void)snprintf(org, sizeof(org), "0 0 0");
    (void)snprintf(spc, sizeof(spc), "%.17g %.17g %.17g", h, h, h);
  }
  (void)snprintf(tmp, sizeof(tmp), "%s.tmp", xmfpath);
  fp = fopen(tmp, "w");
  if (!fp) return errno ? errno : EIO;
  /* CoRectMesh origin and spacing are listed slowest index first, like the dataset; the
   * spacing is in the run's length unit (m for SI runs) */
  if (fprintf(fp,
              "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"uphill\" GridType=\"Uniform\">\n"
              "   <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n   <Geometry GeometryType=\"%s\">\n"
              "    <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n    <DataItem Dimensions=\"%d\" Format=\"XML\">%s</DataItem>\n   </Geometry>\n"
              "   <Attribute Name=\"c\" AttributeType=\"Scalar\" Center=\"Node\">\n    <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/c</DataItem>\n   </Attribute>\n"
              "  </Grid>\n </Domain>\n</Xdmf>\n",
              g->dim == 2 ? "2DCoRectMesh" : "3DCoRectMesh", dims, g->dim == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ", (int)g->dim, org, (int)g->dim, spc, dims, base) < 0)
    err = errno ? errno : EIO;
  if (fclose(fp) && !err) err = errno ? errno : EIO;
  if (!err && rename(tmp, xmfpath)) err = errno ? errno : EIO;
  if (err) (void)remove(tmp);
  return err;
}

static PetscErrorCode WriteH5(UphillGrid g, Vec c, const char *file, PetscReal t, PetscInt step)
{
  PetscViewer     viewer;
  const PetscReal side = g->L * g->ell; /* run units, like time */

  PetscFunctionBegin;
  PetscCall(PetscViewerHDF5Open(g->comm, file, FILE_MODE_WRITE, &viewer));
  PetscCall(VecView(c, viewer));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "time", PETSC_REAL, &t));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "step", PETSC_INT, &step));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "box_side", PETSC_REAL, &side));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillH5WriteField(UphillGrid g, Vec c, const char *path, PetscReal t, PetscInt step)
{
  PetscMPIInt rank;
  char        tmp[PETSC_MAX_PATH_LEN + 8], xmf[PETSC_MAX_PATH_LEN + 8];
  const char *name;
  char        saved[256];
  PetscInt    ok = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  /* the dataset is named after the Vec; the caller's name is copied, because renaming
   * frees the string PetscObjectGetName returned */
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  {
    /* a failed write (full disk) must not leave its temporary file behind */
    PetscErrorCode ierr = WriteH5(g, c, tmp, t, step);
    if (ierr && rank == 0) (void)remove(tmp);
    PetscCall(ierr);
  }
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
  if (rank == 0) {
    ok = rename(tmp, path) == 0 ? 0 : errno;
    if (ok) (void)remove(tmp);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, g->comm));
  PetscCheck(!ok, g->comm, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s (%s)", tmp, path, strerror((int)ok));
  {
    size_t len;
    PetscCall(PetscStrlen(path, &len));
    PetscCall(PetscStrncpy(xmf, path, sizeof(xmf)));
    if (len > 3 && !strcmp(path + len - 3, ".h5")) xmf[len - 3] = 0;
    PetscCall(PetscStrlcat(xmf, ".xmf", sizeof(xmf)));
  }
  if (rank == 0) ok = WriteXdmf(g, path, xmf);
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, g->comm));
  PetscCheck(!ok, g->comm, PETSC_ERR_FILE_WRITE, "cannot write %s (%s)", xmf, strerror((int)ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillH5ReadField(UphillGrid g, Vec c, const char *path)
{
  PetscViewer viewer;
  PetscBool   has;
  PetscInt    ok = 0, rank_ok;
  PetscMPIInt rank;
  const char *name;
  char        saved[256];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  if (rank == 0) ok = access(path, R_OK) == 0;
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, g->comm));
  PetscCheck(ok, g->comm, PETSC_ERR_FILE_OPEN, "-ic_file %s: file missing or unreadable", path);
  PetscCall(PetscViewerHDF5Open(g->comm, path, FILE_MODE_READ, &viewer));
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/c", &has));
  PetscCheck(has, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s has no dataset /c", path);
  {
    hid_t   fid, dset, space;
    hsize_t dims[8];
    int     ndims;
    PetscCall(PetscViewerHDF5GetFileId(viewer, &fid));
    dset = H5Dopen2(fid, "/c", H5P_DEFAULT);
    PetscCheck(dset >= 0, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open dataset /c", path);
    space = H5Dget_space(dset);
    ndims = H5Sget_simple_extent_ndims(space);
    rank_ok = ndims == g->dim;
    if (rank_ok) (void)H5Sget_simple_extent_dims(space, dims, NULL);
    for (int i = 0; rank_ok && i < ndims; i++) rank_ok = dims[i] == (hsize_t)g->N;
    (void)H5Sclose(space);
    (void)H5Dclose(dset);
    PetscCheck(rank_ok, g->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset /c has another shape than the %" PetscInt_FMT "^%" PetscInt_FMT " grid of this run", path, g->N, g->dim);
  }
  PetscCall(PetscObjectGetName((PetscObject)c, &name));
  PetscCall(PetscStrncpy(saved, name, sizeof(saved)));
  PetscCall(PetscObjectSetName((PetscObject)c, "c"));
  PetscCall(VecLoad(c, viewer));
  PetscCall(PetscObjectSetName((PetscObject)c, saved));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

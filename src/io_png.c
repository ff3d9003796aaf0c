/* Gathering the slabs for a frame. Only what is drawn travels: the whole field in 2D,
 * three planes in 3D, so a 1024^3 run does not gather 8 GB on rank 0. */
#include <uphill/io_png.h>
#include <uphill/collective.h>

/* Gather nloc values per rank into out (rank 0) in rank order, which is slab order. */
static PetscErrorCode GatherRows(MPI_Comm comm, const PetscReal *loc, PetscInt nloc, PetscReal *out)
{
  PetscMPIInt size, rank, n = (PetscMPIInt)nloc, *counts = NULL, *displs = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (rank == 0) {
    displs[0] = 0;
    for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  }
  PetscCallMPI(MPI_Gatherv(loc, n, MPIU_REAL, out, counts, displs, MPIU_REAL, 0, comm));
  if (rank == 0) PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Image rows run top to bottom; flip so the slow axis points up, as in a plot. */
static void FlipRows(PetscReal *a, PetscInt nx, PetscInt ny)
{
  for (PetscInt r = 0; r < ny / 2; r++)
    for (PetscInt i = 0; i < nx; i++) {
      PetscReal t                = a[r * nx + i];
      a[r * nx + i]              = a[(ny - 1 - r) * nx + i];
      a[(ny - 1 - r) * nx + i]   = t;
    }
}

PetscErrorCode UphillFrameWrite(UphillGrid grid, Vec cvec, const char *path, const ImageStyle *style)
{
  UphillGridInfo   G, *g = &G;
  PetscMPIInt      rank;
  const PetscReal *c;
  PetscInt         nx, ny, nz, nr;
  PetscReal       *planes[3] = {NULL, NULL, NULL}, *loc = NULL;
  int              oserr = 0;

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(grid, g));
  nx = g->n[0];
  ny = g->n[1];
  nz = g->n[2];
  nr = g->nr;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCall(VecGetArrayRead(cvec, &c));
  if (g->dim == 2) {
    if (rank == 0) PetscCall(PetscMalloc1(nx * ny, &planes[0]));
    PetscCall(GatherRows(g->comm, c, nr * nx, planes[0]));
  } else {
    const PetscInt midx = nx / 2, midy = ny / 2, midz = nz / 2;
    if (rank == 0) {
      PetscCall(PetscMalloc1(nx * ny, &planes[0]));
      PetscCall(PetscMalloc1(nx * nz, &planes[1]));
      PetscCall(PetscMalloc1(ny * nz, &planes[2]));
    }
    PetscCall(PetscMalloc1(PetscMax(nr * PetscMax(nx, ny), 1), &loc));
    /* xz plane at y = ny/2 and yz plane at x = nx/2: every rank holds its z rows */
    for (PetscInt z = 0; z < nr; z++)
      for (PetscInt x = 0; x < nx; x++) loc[z * nx + x] = c[(z * ny + midy) * nx + x];
    PetscCall(GatherRows(g->comm, loc, nr * nx, planes[1]));
    for (PetscInt z = 0; z < nr; z++)
      for (PetscInt y = 0; y < ny; y++) loc[z * ny + y] = c[(z * ny + y) * nx + midx];
    PetscCall(GatherRows(g->comm, loc, nr * ny, planes[2]));
    /* xy plane at z = nz/2 lives on one rank */
    {
      const PetscBool mine = (PetscBool)(midz >= g->r0 && midz < g->r0 + nr);
      PetscCall(GatherRows(g->comm, mine ? c + (midz - g->r0) * nx * ny : NULL, mine ? nx * ny : 0, planes[0]));
    }
    PetscCall(PetscFree(loc));
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));

  if (rank == 0) {
    ImagePanel      panels[3];
    const char     *titles[3] = {"xy, z = N/2", "xz, y = N/2", "yz, x = N/2"};
    const PetscInt  np = g->dim == 2 ? 1 : 3, pw[3] = {nx, nx, ny}, ph[3] = {ny, nz, nz};
    for (PetscInt p = 0; p < np; p++) {
      FlipRows(planes[p], pw[p], ph[p]);
      panels[p].data  = planes[p];
      panels[p].nx    = pw[p];
      panels[p].ny    = ph[p];
      panels[p].title = g->dim == 2 ? NULL : titles[p];
    }
    PetscCall(ImageWritePNGStatus(path, np, panels, style, &oserr));
    for (PetscInt p = 0; p < 3; p++) PetscCall(PetscFree(planes[p]));
  }
  /* rank 0's encoder may fail (disk full): every rank must learn it */
  PetscCall(UphillCheckRoot(g->comm, oserr, PETSC_ERR_FILE_WRITE, "cannot write frame %s; the earlier frames, rows and checkpoints are kept: make room, then continue with -restart auto", path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

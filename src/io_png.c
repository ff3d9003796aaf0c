/* Gathering the slabs for a frame. Only what is drawn travels: the whole field in 2D,
 * three planes in 3D, so a 1024^3 run does not gather 8 GB on rank 0. */
#include <uphill/io_png.h>

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

PetscErrorCode UphillFrameWrite(UphillGrid g, Vec cvec, const char *path, const ImageStyle *style)
{
  PetscMPIInt      rank;
  const PetscReal *c;
  const PetscInt   N = g->N, nr = (PetscInt)g->nr;
  PetscReal       *planes[3] = {NULL, NULL, NULL}, *loc = NULL;
  PetscErrorCode   ierr = PETSC_SUCCESS;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(g->comm, &rank));
  PetscCall(VecGetArrayRead(cvec, &c));
  if (g->dim == 2) {
    if (rank == 0) PetscCall(PetscMalloc1(N * N, &planes[0]));
    PetscCall(GatherRows(g->comm, c, nr * N, planes[0]));
  } else {
    const PetscInt mid = N / 2;
    if (rank == 0)
      for (PetscInt p = 0; p < 3; p++) PetscCall(PetscMalloc1(N * N, &planes[p]));
    PetscCall(PetscMalloc1(PetscMax(nr * N, 1), &loc));
    /* xz plane at y = N/2 and yz plane at x = N/2: every rank holds its z rows */
    for (PetscInt z = 0; z < nr; z++)
      for (PetscInt x = 0; x < N; x++) loc[z * N + x] = c[(z * N + mid) * N + x];
    PetscCall(GatherRows(g->comm, loc, nr * N, planes[1]));
    for (PetscInt z = 0; z < nr; z++)
      for (PetscInt y = 0; y < N; y++) loc[z * N + y] = c[(z * N + y) * N + mid];
    PetscCall(GatherRows(g->comm, loc, nr * N, planes[2]));
    /* xy plane at z = N/2 lives on one rank */
    {
      const PetscBool mine = (PetscBool)(mid >= g->r0 && mid < g->r0 + nr);
      PetscCall(GatherRows(g->comm, mine ? c + (mid - g->r0) * N * N : NULL, mine ? N * N : 0, planes[0]));
    }
    PetscCall(PetscFree(loc));
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));

  if (rank == 0) {
    ImagePanel panels[3];
    const char *titles[3] = {"xy, z = N/2", "xz, y = N/2", "yz, x = N/2"};
    const PetscInt np = g->dim == 2 ? 1 : 3;
    for (PetscInt p = 0; p < np; p++) {
      FlipRows(planes[p], N, N);
      panels[p].data  = planes[p];
      panels[p].nx    = N;
      panels[p].ny    = N;
      panels[p].title = g->dim == 2 ? NULL : titles[p];
    }
    ierr = ImageWritePNG(path, np, panels, style);
    for (PetscInt p = 0; p < 3; p++) PetscCall(PetscFree(planes[p]));
  }
  /* rank 0's encoder may fail (disk full): every rank must learn it */
  {
    PetscInt ok = ierr == PETSC_SUCCESS;
    PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, g->comm));
    PetscCheck(ok, g->comm, PETSC_ERR_FILE_WRITE, "writing frame %s failed", path);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

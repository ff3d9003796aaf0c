/* FFTW-MPI slab layout, DMDA with the same ownership, wavenumbers and plans. */
#include <uphill/grid.h>
#include <unistd.h>

/* Rank 0 reads the wisdom file and broadcasts it, so every rank plans the same way and
 * a repeated run skips the FFTW_MEASURE search. A missing file is not an error. */
static PetscErrorCode GridImportWisdom(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  if (!path || !path[0] || !strcmp(path, "none")) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && access(path, R_OK) == 0) (void)fftw_import_wisdom_from_filename(path);
  fftw_mpi_broadcast_wisdom(comm);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Written to a temporary name and renamed, so a crash never leaves half a wisdom file.
 * Failure to save wisdom only costs planning time later: warn, do not stop the run. */
static PetscErrorCode GridExportWisdom(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;
  char        tmp[PETSC_MAX_PATH_LEN + 16];

  PetscFunctionBegin;
  if (!path || !path[0] || !strcmp(path, "none")) PetscFunctionReturn(PETSC_SUCCESS);
  fftw_mpi_gather_wisdom(comm);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()));
    if (!fftw_export_wisdom_to_filename(tmp) || rename(tmp, path)) {
      (void)remove(tmp);
      PetscCall(PetscInfo(NULL, "could not save FFTW wisdom to %s\n", path));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Integer wavenumber of index j on an N-point periodic axis (FFT ordering). */
static inline PetscInt WaveIndex(PetscInt j, PetscInt N)
{
  return j <= N / 2 ? j : j - N;
}

/* Fill one level of the spectral walk. half: the r2c axis (indices 0..N/2), else full.
 * The Nyquist wavenumber of an odd derivative is zeroed: its sine mode is not
 * representable on the grid, and keeping it would make the derivative of a real field
 * complex. */
static PetscErrorCode GridFillLevel(UphillGrid g, PetscInt lev, PetscInt start, PetscInt n, PetscBool half, PetscBool dummy)
{
  const PetscReal twopi_L = 2.0 * PETSC_PI / g->L;

  PetscFunctionBegin;
  g->nlev[lev] = n;
  PetscCall(PetscMalloc3(PetscMax(n, 1), &g->klev[lev], PetscMax(n, 1), &g->k2lev[lev], PetscMax(n, 1), &g->wlev[lev]));
  for (PetscInt a = 0; a < n; a++) {
    if (dummy) {
      g->klev[lev][a] = g->k2lev[lev][a] = 0.0;
      g->wlev[lev][a] = 1.0;
      continue;
    }
    const PetscInt j = start + a, m = WaveIndex(j, g->N);
    const PetscReal k = twopi_L * m;
    const PetscBool nyq = (PetscBool)(g->N % 2 == 0 && j == g->N / 2);
    g->klev[lev][a]  = nyq ? 0.0 : k;
    g->k2lev[lev][a] = k * k;
    /* r2c stores one of each +-k pair: interior half-axis modes count twice */
    g->wlev[lev][a] = (half && j != 0 && !nyq) ? 2.0 : 1.0;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridCreate(MPI_Comm comm, const UphillGridParams *p, UphillGrid *grid)
{
  UphillGrid  g;
  PetscMPIInt size, rank;
  PetscInt   *own;
  PetscInt    nr;
  ptrdiff_t   N;

  PetscFunctionBegin;
  PetscCheck(p->dim == 2 || p->dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be 2 or 3, got %" PetscInt_FMT, p->dim);
  PetscCheck(p->N >= 8, comm, PETSC_ERR_ARG_OUTOFRANGE, "-N must be >= 8, got %" PetscInt_FMT, p->N);
  PetscCheck(p->L > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-L must be > 0");
  {
    PetscMPIInt np;
    PetscCallMPI(MPI_Comm_size(comm, &np));
    /* a slab decomposition of N rows keeps at most N ranks busy; PETSc's DMDA refuses more */
    PetscCheck(np <= p->N, comm, PETSC_ERR_ARG_OUTOFRANGE, "%d MPI ranks for -N %" PetscInt_FMT ": the slab decomposition uses at most N ranks; use fewer ranks or a larger -N", (int)np, p->N);
  }
  PetscCall(PetscNew(&g));
  g->comm  = comm;
  g->dim   = p->dim;
  g->N     = p->N;
  g->L     = p->L;
  g->h     = p->L / p->N;
  g->ell   = 1.0;
  g->flags = p->fftw_flags;
  N        = (ptrdiff_t)p->N;
  g->Ntot  = p->dim == 2 ? p->N * p->N : p->N * p->N * p->N;
  g->nx    = p->N;
  g->nxpad = 2 * (p->N / 2 + 1);
  g->plane = p->dim == 2 ? p->N : p->N * p->N;
  g->rows_per_slab = p->dim == 2 ? 1 : p->N;
  PetscCall(PetscLogEventRegister("UphillFFT", DM_CLASSID, &g->ev_fft));

  if (p->dim == 2) g->alloc = fftw_mpi_local_size_2d_transposed(N, N / 2 + 1, comm, &g->nr, &g->r0, &g->nk, &g->k0);
  else g->alloc = fftw_mpi_local_size_3d_transposed(N, N, N / 2 + 1, comm, &g->nr, &g->r0, &g->nk, &g->k0);
  /* fftw_malloc(0) may return NULL; keep every rank's buffer a real allocation */
  g->alloc = PetscMax(g->alloc, 1);

  if (p->dim == 2) {
    /* the dummy level goes outside so the innermost loop runs over a whole ky row */
    PetscCall(GridFillLevel(g, 0, 0, 1, PETSC_FALSE, PETSC_TRUE));
    PetscCall(GridFillLevel(g, 1, g->k0, g->nk, PETSC_TRUE, PETSC_FALSE)); /* kx, local */
    PetscCall(GridFillLevel(g, 2, 0, p->N, PETSC_FALSE, PETSC_FALSE));    /* ky */
    g->level_of_axis[0] = 1;
    g->level_of_axis[1] = 2;
    g->level_of_axis[2] = 0;
  } else {
    PetscCall(GridFillLevel(g, 0, g->k0, g->nk, PETSC_FALSE, PETSC_FALSE)); /* ky, local */
    PetscCall(GridFillLevel(g, 1, 0, p->N, PETSC_FALSE, PETSC_FALSE));     /* kz */
    PetscCall(GridFillLevel(g, 2, 0, p->N / 2 + 1, PETSC_TRUE, PETSC_FALSE)); /* kx */
    g->level_of_axis[0] = 2;
    g->level_of_axis[1] = 0;
    g->level_of_axis[2] = 1;
  }
  g->nloc_k = g->nlev[0] * g->nlev[1] * g->nlev[2];

  /* The DMDA takes FFTW's slab rows as its ownership, so a Vec's local part is exactly
   * the real data this rank transforms (zero rows allowed). */
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(size, &own));
  nr = (PetscInt)g->nr;
  PetscCallMPI(MPI_Allgather(&nr, 1, MPIU_INT, own, 1, MPIU_INT, comm));
  if (p->dim == 2) {
    PetscCall(DMDACreate2d(comm, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_STAR, p->N, p->N, 1, size, 1, 0, NULL, own, &g->da));
  } else {
    PetscCall(DMDACreate3d(comm, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_STAR, p->N, p->N, p->N, 1, 1, size, 1, 0, NULL, NULL, own, &g->da));
  }
  PetscCall(PetscFree(own));
  PetscCall(DMSetUp(g->da));

  g->buf = fftw_alloc_real(2 * (size_t)g->alloc);
  PetscCheck(g->buf, comm, PETSC_ERR_MEM, "FFTW could not allocate the %g MB transform buffer", 16.0 * g->alloc / 1e6);

  PetscCall(GridImportWisdom(comm, p->wisdom));
  if (p->dim == 2) {
    g->fwd = fftw_mpi_plan_dft_r2c_2d(N, N, g->buf, (fftw_complex *)g->buf, comm, g->flags | FFTW_MPI_TRANSPOSED_OUT);
    g->bwd = fftw_mpi_plan_dft_c2r_2d(N, N, (fftw_complex *)g->buf, g->buf, comm, g->flags | FFTW_MPI_TRANSPOSED_IN);
  } else {
    g->fwd = fftw_mpi_plan_dft_r2c_3d(N, N, N, g->buf, (fftw_complex *)g->buf, comm, g->flags | FFTW_MPI_TRANSPOSED_OUT);
    g->bwd = fftw_mpi_plan_dft_c2r_3d(N, N, N, (fftw_complex *)g->buf, g->buf, comm, g->flags | FFTW_MPI_TRANSPOSED_IN);
  }
  PetscCheck(g->fwd && g->bwd, comm, PETSC_ERR_LIB, "FFTW-MPI could not create plans for a %" PetscInt_FMT "^%" PetscInt_FMT " grid", p->N, p->dim);
  PetscCall(GridExportWisdom(comm, p->wisdom));
  /* planning with FFTW_MEASURE scribbles over the buffer */
  PetscCall(PetscArrayzero(g->buf, 2 * g->alloc));
  *grid = g;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridDestroy(UphillGrid *grid)
{
  UphillGrid g = *grid;

  PetscFunctionBegin;
  if (!g) PetscFunctionReturn(PETSC_SUCCESS);
  if (g->fwd) fftw_destroy_plan(g->fwd);
  if (g->bwd) fftw_destroy_plan(g->bwd);
  if (g->buf) fftw_free(g->buf);
  for (PetscInt l = 0; l < 3; l++) PetscCall(PetscFree3(g->klev[l], g->k2lev[l], g->wlev[l]));
  PetscCall(DMDestroy(&g->da));
  PetscCall(PetscFree(g));
  *grid = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridAllocComplex(UphillGrid grid, UphillComplex **a)
{
  PetscFunctionBegin;
  *a = (UphillComplex *)fftw_alloc_complex((size_t)grid->alloc);
  PetscCheck(*a, grid->comm, PETSC_ERR_MEM, "could not allocate a spectral array of %g MB", 16.0 * grid->alloc / 1e6);
  PetscCall(PetscArrayzero((PetscReal *)*a, 2 * grid->alloc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridFreeComplex(UphillComplex **a)
{
  PetscFunctionBegin;
  if (*a) fftw_free(*a);
  *a = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridForward(UphillGrid grid)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(grid->ev_fft, 0, 0, 0, 0));
  fftw_execute(grid->fwd);
  PetscCall(PetscLogEventEnd(grid->ev_fft, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridBackward(UphillGrid grid)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(grid->ev_fft, 0, 0, 0, 0));
  fftw_execute(grid->bwd);
  PetscCall(PetscLogEventEnd(grid->ev_fft, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridVecToBuf(UphillGrid grid, Vec v, PetscReal scale)
{
  const PetscScalar *x;
  const PetscInt     rows = (PetscInt)grid->nr * grid->rows_per_slab, nx = grid->nx, np = grid->nxpad;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(v, &x));
  for (PetscInt r = 0; r < rows; r++) {
    const PetscScalar *src = x + r * nx;
    double            *dst = grid->buf + r * np;
    for (PetscInt i = 0; i < nx; i++) dst[i] = scale * src[i];
  }
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridBufToVec(UphillGrid grid, Vec v, PetscReal scale)
{
  PetscScalar   *x;
  const PetscInt rows = (PetscInt)grid->nr * grid->rows_per_slab, nx = grid->nx, np = grid->nxpad;

  PetscFunctionBegin;
  PetscCall(VecGetArray(v, &x));
  for (PetscInt r = 0; r < rows; r++) {
    const double *src = grid->buf + r * np;
    PetscScalar  *dst = x + r * nx;
    for (PetscInt i = 0; i < nx; i++) dst[i] = scale * src[i];
  }
  PetscCall(VecRestoreArray(v, &x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

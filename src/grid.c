/* FFTW-MPI slab layout, a DMDA with the same ownership, wavenumbers and plans. The only
 * file that includes FFTW's headers. */
#include <uphill/grid.h>
#include <uphill/fileio.h>
#include <uphill/package.h>
#include <fftw3-mpi.h>
#include <unistd.h>

struct _n_UphillGrid {
  UphillGridInfo info;
  /* transposed spectral rows [k0, k0+nk) of the first transposed axis (kx in 2D, ky in 3D) */
  ptrdiff_t      k0, nk;
  ptrdiff_t      alloc; /* complex elements of a transform buffer */
  PetscInt       nlev[3];
  PetscReal     *klev[3], *k2lev[3], *wlev[3];
  PetscInt       level_of_axis[3];
  PetscReal     *ksq;
  double        *buf;
  fftw_plan      fwd, bwd;
  PetscInt64     ntransforms;
  /* walls: the flux plans (sine along axis d), and the sine shift's neighbours along the
   * distributed spectral level dlev: ranks owning planes k0-1 and k0+nk, or MPI_PROC_NULL */
  fftw_plan      fodd[3], bodd[3];
  PetscInt       dlev, plane_k;
  PetscMPIInt    prev, next;
  double        *xplane;
};

PetscErrorCode UphillGridInitializePackage(void)
{
  PetscFunctionBegin;
  fftw_mpi_init();
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridFinalizePackage(void)
{
  PetscFunctionBegin;
  fftw_mpi_cleanup();
  PetscFunctionReturn(PETSC_SUCCESS);
}

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

static int WriteWisdom(FILE *fp, void *ctx)
{
  (void)ctx;
  fftw_export_wisdom_to_file(fp);
  return ferror(fp) ? EIO : 0;
}

/* Failure to save wisdom only costs planning time later: say so under -info, go on. */
static PetscErrorCode GridExportWisdom(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  if (!path || !path[0] || !strcmp(path, "none")) PetscFunctionReturn(PETSC_SUCCESS);
  fftw_mpi_gather_wisdom(comm);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && UphillWriteFileAtomic(path, "w", WriteWisdom, NULL)) PetscCall(PetscInfo(NULL, "could not save FFTW wisdom to %s\n", path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Fill one level of the spectral walk from indices [start, start+n) of axis `axis`. half:
 * the r2c axis (indices 0..N/2). The Nyquist wavenumber of an odd derivative is zeroed: its
 * sine mode is not representable on the grid, and keeping it would make the derivative of a
 * real field complex. */
static PetscErrorCode GridFillLevel(UphillGrid g, PetscInt lev, PetscInt axis, PetscInt start, PetscInt n, PetscBool half)
{
  const PetscInt  N       = axis < 0 ? 1 : g->info.n[axis];
  const PetscReal twopi_L = axis < 0 ? 0.0 : 2.0 * PETSC_PI / g->info.len[axis];

  PetscFunctionBegin;
  g->nlev[lev] = n;
  if (axis >= 0) g->level_of_axis[axis] = lev;
  PetscCall(PetscMalloc3(PetscMax(n, 1), &g->klev[lev], PetscMax(n, 1), &g->k2lev[lev], PetscMax(n, 1), &g->wlev[lev]));
  for (PetscInt a = 0; a < n; a++) {
    const PetscInt  j   = start + a, m = j <= N / 2 ? j : j - N;
    const PetscReal k   = twopi_L * m;
    const PetscBool nyq = (PetscBool)(axis >= 0 && N % 2 == 0 && j == N / 2);
    g->klev[lev][a]     = nyq ? 0.0 : k;
    g->k2lev[lev][a]    = k * k;
    /* r2c stores one of each +-k pair: interior half-axis modes count twice */
    g->wlev[lev][a] = (half && j != 0 && !nyq) ? 2.0 : 1.0;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Walls: frequencies n = start..start+n-1 of a cosine (or, shifted, sine) axis, k = pi n/L;
 * the derivative of cos(k x) is the sine of the same k, so no wavenumber is zeroed. Weight
 * 1/2 for n = 0 because sum_x cos^2 is N for n = 0 and N/2 else, against a pair scale 2N. */
static PetscErrorCode GridFillLevelWalls(UphillGrid g, PetscInt lev, PetscInt axis, PetscInt start, PetscInt n)
{
  const PetscReal pi_L = axis < 0 ? 0.0 : PETSC_PI / g->info.len[axis];

  PetscFunctionBegin;
  g->nlev[lev] = n;
  if (axis >= 0) g->level_of_axis[axis] = lev;
  PetscCall(PetscMalloc3(PetscMax(n, 1), &g->klev[lev], PetscMax(n, 1), &g->k2lev[lev], PetscMax(n, 1), &g->wlev[lev]));
  for (PetscInt a = 0; a < n; a++) {
    const PetscInt j  = start + a;
    g->klev[lev][a]  = pi_L * j;
    g->k2lev[lev][a] = PetscSqr(pi_L * j);
    g->wlev[lev][a]  = (axis >= 0 && j == 0) ? 0.5 : 1.0;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GridCheckParams(MPI_Comm comm, const UphillGridParams *p)
{
  PetscMPIInt np;

  PetscFunctionBegin;
  PetscCheck(p->dim == 2 || p->dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dim must be 2 or 3, got %" PetscInt_FMT, p->dim);
  for (PetscInt d = 0; d < p->dim; d++) {
    PetscCheck(p->n[d] >= 8, comm, PETSC_ERR_ARG_OUTOFRANGE, "-N must be >= 8 along every axis, got %" PetscInt_FMT, p->n[d]);
    PetscCheck(p->len[d] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-L must be > 0 along every axis");
  }
  PetscCallMPI(MPI_Comm_size(comm, &np));
  /* a slab decomposition of N rows keeps at most N ranks busy; PETSc's DMDA refuses more */
  PetscCheck(np <= p->n[p->dim - 1], comm, PETSC_ERR_ARG_OUTOFRANGE, "%d MPI ranks for %" PetscInt_FMT " points along the slowest axis: the slab decomposition uses at most that many ranks; use fewer ranks or a larger -N", (int)np, p->n[p->dim - 1]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The DMDA takes FFTW's slab rows as its ownership, so a Vec's local part is exactly the
 * real data this rank transforms (zero rows allowed). */
static PetscErrorCode GridCreateDA(UphillGrid g)
{
  UphillGridInfo *G = &g->info;
  PetscMPIInt     size;
  PetscInt       *own;
  const DMBoundaryType bt = G->walls ? DM_BOUNDARY_NONE : DM_BOUNDARY_PERIODIC;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(G->comm, &size));
  PetscCall(PetscMalloc1(size, &own));
  PetscCallMPI(MPI_Allgather(&G->nr, 1, MPIU_INT, own, 1, MPIU_INT, G->comm));
  if (G->dim == 2) PetscCall(DMDACreate2d(G->comm, bt, bt, DMDA_STENCIL_STAR, G->n[0], G->n[1], 1, size, 1, 0, NULL, own, &G->da));
  else PetscCall(DMDACreate3d(G->comm, bt, bt, bt, DMDA_STENCIL_STAR, G->n[0], G->n[1], G->n[2], 1, 1, size, 1, 0, NULL, NULL, own, &G->da));
  PetscCall(PetscFree(own));
  PetscCall(DMSetUp(G->da));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One r2r plan: cosine (REDFT10 forward, REDFT01 backward) on every axis but `sine`, which
 * gets RODFT10/RODFT01 (-1: none). */
static fftw_plan GridPlanR2R(UphillGrid g, PetscBool forward, PetscInt sine, unsigned flags)
{
  const UphillGridInfo *G = &g->info;
  fftw_r2r_kind         k[3];

  for (PetscInt d = 0; d < G->dim; d++) k[G->dim - 1 - d] = d == sine ? (forward ? FFTW_RODFT10 : FFTW_RODFT01) : (forward ? FFTW_REDFT10 : FFTW_REDFT01);
  flags |= forward ? FFTW_MPI_TRANSPOSED_OUT : FFTW_MPI_TRANSPOSED_IN;
  if (G->dim == 2) return fftw_mpi_plan_r2r_2d(G->n[1], G->n[0], g->buf, g->buf, G->comm, k[0], k[1], flags);
  return fftw_mpi_plan_r2r_3d(G->n[2], G->n[1], G->n[0], g->buf, g->buf, G->comm, k[0], k[1], k[2], flags);
}

/* Walls: the plain pair, and a pair per flux axis; the same layouts as r2c/c2r */
static PetscErrorCode GridPlanWalls(UphillGrid g, unsigned f)
{
  PetscFunctionBegin;
  g->fwd = GridPlanR2R(g, PETSC_TRUE, -1, f);
  g->bwd = GridPlanR2R(g, PETSC_FALSE, -1, f);
  for (PetscInt d = 0; d < g->info.dim; d++) {
    g->fodd[d] = GridPlanR2R(g, PETSC_TRUE, d, f);
    g->bodd[d] = GridPlanR2R(g, PETSC_FALSE, d, f);
    PetscCheck(g->fodd[d] && g->bodd[d], g->info.comm, PETSC_ERR_LIB, "FFTW-MPI could not plan the sine transforms of this grid");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GridPlan(UphillGrid g, const UphillGridParams *p)
{
  UphillGridInfo *G = &g->info;
  const unsigned  rigour[] = {FFTW_ESTIMATE, FFTW_MEASURE, FFTW_PATIENT, FFTW_EXHAUSTIVE};
  const unsigned  f        = rigour[PetscMin(PetscMax(p->plan, 0), 3)];

  PetscFunctionBegin;
  PetscCall(GridImportWisdom(G->comm, p->wisdom));
  /* FFTW's dimensions run slowest first: (ny, nx) and (nz, ny, nx) */
  if (G->walls) PetscCall(GridPlanWalls(g, f));
  else if (G->dim == 2) {
    g->fwd = fftw_mpi_plan_dft_r2c_2d(G->n[1], G->n[0], g->buf, (fftw_complex *)g->buf, G->comm, f | FFTW_MPI_TRANSPOSED_OUT);
    g->bwd = fftw_mpi_plan_dft_c2r_2d(G->n[1], G->n[0], (fftw_complex *)g->buf, g->buf, G->comm, f | FFTW_MPI_TRANSPOSED_IN);
  } else {
    g->fwd = fftw_mpi_plan_dft_r2c_3d(G->n[2], G->n[1], G->n[0], g->buf, (fftw_complex *)g->buf, G->comm, f | FFTW_MPI_TRANSPOSED_OUT);
    g->bwd = fftw_mpi_plan_dft_c2r_3d(G->n[2], G->n[1], G->n[0], (fftw_complex *)g->buf, g->buf, G->comm, f | FFTW_MPI_TRANSPOSED_IN);
  }
  PetscCheck(g->fwd && g->bwd, G->comm, PETSC_ERR_LIB, "FFTW-MPI could not plan the transforms of this grid");
  PetscCall(GridExportWisdom(G->comm, p->wisdom));
  /* planning with FFTW_MEASURE scribbles over the buffer */
  PetscCall(PetscArrayzero(g->buf, 2 * g->alloc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Walls: the levels of the r2c layout with every axis whole, and the neighbours of the sine
 * shift across the distributed level (rank order is plane order; ranks without planes are
 * skipped, so the owner of a plane is found from everyone's range). */
static PetscErrorCode GridLevelsWalls(UphillGrid g)
{
  UphillGridInfo *G = &g->info;
  PetscMPIInt     size;
  PetscInt       *rng, mine[2] = {(PetscInt)g->k0, (PetscInt)g->nk};
  const PetscInt  dax = G->dim == 2 ? 0 : 1, nd = G->n[dax];

  PetscFunctionBegin;
  if (G->dim == 2) {
    PetscCall(GridFillLevelWalls(g, 0, -1, 0, 1));
    PetscCall(GridFillLevelWalls(g, 1, 0, g->k0, g->nk)); /* x, local */
    PetscCall(GridFillLevelWalls(g, 2, 1, 0, G->n[1]));
    g->level_of_axis[2] = 0;
    g->dlev             = 1;
    g->plane_k          = G->n[1];
  } else {
    PetscCall(GridFillLevelWalls(g, 0, 1, g->k0, g->nk)); /* y, local */
    PetscCall(GridFillLevelWalls(g, 1, 2, 0, G->n[2]));
    PetscCall(GridFillLevelWalls(g, 2, 0, 0, G->n[0]));
    g->dlev    = 0;
    g->plane_k = G->n[2] * G->n[0];
  }
  PetscCallMPI(MPI_Comm_size(G->comm, &size));
  PetscCall(PetscMalloc1(2 * size, &rng));
  PetscCallMPI(MPI_Allgather(mine, 2, MPIU_INT, rng, 2, MPIU_INT, G->comm));
  g->prev = g->next = MPI_PROC_NULL;
  for (PetscMPIInt q = 0; q < size && g->nk > 0; q++) {
    const PetscInt q0 = rng[2 * q], qn = rng[2 * q + 1];
    if (qn > 0 && g->k0 > 0 && q0 <= g->k0 - 1 && g->k0 - 1 < q0 + qn) g->prev = q;
    if (qn > 0 && g->k0 + g->nk < nd && q0 <= g->k0 + g->nk && g->k0 + g->nk < q0 + qn) g->next = q;
  }
  PetscCall(PetscFree(rng));
  PetscCall(PetscMalloc1(PetscMax(g->plane_k, 1), &g->xplane));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridCreate(MPI_Comm comm, const UphillGridParams *p, UphillGrid *grid)
{
  UphillGrid      g;
  UphillGridInfo *G;
  ptrdiff_t       nr, r0;

  PetscFunctionBegin;
  PetscCall(GridCheckParams(comm, p));
  PetscCall(PetscNew(&g));
  G        = &g->info;
  G->comm  = comm;
  G->dim   = p->dim;
  G->unit  = p->unit > 0 ? p->unit : 1.0;
  G->cell  = 1.0;
  G->ntot  = 1;
  for (PetscInt d = 0; d < 3; d++) {
    G->n[d]   = d < p->dim ? p->n[d] : 1;
    G->len[d] = d < p->dim ? p->len[d] : 1.0;
    G->h[d]   = G->len[d] / G->n[d];
    if (d < p->dim) G->cell *= G->h[d];
    G->ntot *= G->n[d];
  }
  G->walls = p->walls;
  G->nx    = G->n[0];
  G->nxpad = G->walls ? G->n[0] : 2 * (G->n[0] / 2 + 1); /* r2r rows are unpadded */
  G->plane = p->dim == 2 ? G->n[0] : G->n[0] * G->n[1];
  {
    /* r2r sizes count reals; the buffer holds twice that, for the complex view */
    const ptrdiff_t nxk = G->walls ? G->n[0] : G->n[0] / 2 + 1;
    if (p->dim == 2) g->alloc = fftw_mpi_local_size_2d_transposed(G->n[1], nxk, comm, &nr, &r0, &g->nk, &g->k0);
    else g->alloc = fftw_mpi_local_size_3d_transposed(G->n[2], G->n[1], nxk, comm, &nr, &r0, &g->nk, &g->k0);
  }
  g->alloc = PetscMax(g->alloc, 1); /* fftw_malloc(0) may return NULL */
  G->nr     = (PetscInt)nr;
  G->r0     = (PetscInt)r0;
  G->rows   = p->dim == 2 ? G->nr : G->nr * G->n[1];
  G->nlocal = G->rows * G->nx;

  if (G->walls) PetscCall(GridLevelsWalls(g));
  else if (p->dim == 2) {
    /* the dummy level goes outside so the innermost loop runs over a whole ky row */
    PetscCall(GridFillLevel(g, 0, -1, 0, 1, PETSC_FALSE));
    PetscCall(GridFillLevel(g, 1, 0, g->k0, g->nk, PETSC_TRUE)); /* kx, local, half axis */
    PetscCall(GridFillLevel(g, 2, 1, 0, G->n[1], PETSC_FALSE));  /* ky */
    g->level_of_axis[2] = 0;
  } else {
    PetscCall(GridFillLevel(g, 0, 1, g->k0, g->nk, PETSC_FALSE));      /* ky, local */
    PetscCall(GridFillLevel(g, 1, 2, 0, G->n[2], PETSC_FALSE));        /* kz */
    PetscCall(GridFillLevel(g, 2, 0, 0, G->n[0] / 2 + 1, PETSC_TRUE)); /* kx, half axis */
  }
  G->nloc_k = g->nlev[0] * g->nlev[1] * g->nlev[2];
  PetscCall(PetscMalloc1(PetscMax(G->nloc_k, 1), &g->ksq));
  for (PetscInt a = 0, i = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++)
      for (PetscInt e = 0; e < g->nlev[2]; e++, i++) g->ksq[i] = g->k2lev[0][a] + g->k2lev[1][b] + g->k2lev[2][e];

  PetscCall(GridCreateDA(g));
  g->buf = fftw_alloc_real(2 * (size_t)g->alloc);
  PetscCheck(g->buf, comm, PETSC_ERR_MEM, "FFTW could not allocate the %g MB transform buffer", 16.0 * g->alloc / 1e6);
  PetscCall(GridPlan(g, p));
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
  for (PetscInt d = 0; d < 3; d++) {
    if (g->fodd[d]) fftw_destroy_plan(g->fodd[d]);
    if (g->bodd[d]) fftw_destroy_plan(g->bodd[d]);
  }
  PetscCall(PetscFree(g->xplane));
  if (g->buf) fftw_free(g->buf);
  for (PetscInt l = 0; l < 3; l++) PetscCall(PetscFree3(g->klev[l], g->k2lev[l], g->wlev[l]));
  PetscCall(PetscFree(g->ksq));
  PetscCall(DMDestroy(&g->info.da));
  PetscCall(PetscFree(g));
  *grid = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridGetInfo(UphillGrid grid, UphillGridInfo *info)
{
  PetscFunctionBegin;
  *info = grid->info;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridGetSpectral(UphillGrid g, UphillSpectral *sp)
{
  PetscFunctionBegin;
  for (PetscInt l = 0; l < 3; l++) {
    sp->nlev[l]          = g->nlev[l];
    sp->k[l]             = g->klev[l];
    sp->k2[l]            = g->k2lev[l];
    sp->w[l]             = g->wlev[l];
    sp->level_of_axis[l] = g->level_of_axis[l];
  }
  sp->ksq    = g->ksq;
  sp->nloc_k = g->info.nloc_k;
  sp->ntot   = (PetscReal)g->info.ntot;
  sp->nrms   = sp->ntot;
  if (g->info.walls) {
    for (PetscInt d = 0; d < g->info.dim; d++) sp->ntot *= 2.0;
    sp->nrms = PetscSqrtReal(sp->ntot * (PetscReal)g->info.ntot);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridCreateVec(UphillGrid grid, Vec *v)
{
  PetscFunctionBegin;
  PetscCall(DMCreateGlobalVector(grid->info.da, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridGetBuffer(UphillGrid grid, double **buf)
{
  PetscFunctionBegin;
  *buf = grid->buf;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridGetTransformCount(UphillGrid grid, PetscInt64 *count)
{
  PetscFunctionBegin;
  *count = grid->ntransforms;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridEvalSpectral(UphillGrid g, PetscReal (*f)(const PetscReal k2[3], void *ctx), void *ctx, PetscReal *out)
{
  PetscInt  lev[3];
  PetscReal k2[3] = {0, 0, 0};

  PetscFunctionBegin;
  for (PetscInt d = 0; d < 3; d++) lev[d] = d < g->info.dim ? g->level_of_axis[d] : -1;
  for (PetscInt a = 0, i = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++)
      for (PetscInt e = 0; e < g->nlev[2]; e++, i++) {
        const PetscInt idx[3] = {a, b, e};
        for (PetscInt d = 0; d < 3; d++) k2[d] = lev[d] < 0 ? 0.0 : g->k2lev[lev[d]][idx[lev[d]]];
        out[i] = f(k2, ctx);
      }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridAllocComplex(UphillGrid grid, UphillComplex **a)
{
  PetscFunctionBegin;
  *a = (UphillComplex *)fftw_alloc_complex((size_t)grid->alloc);
  PetscCheck(*a, grid->info.comm, PETSC_ERR_MEM, "could not allocate a spectral array of %g MB", 16.0 * grid->alloc / 1e6);
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

/* Walls, after a forward r2r transform: the nloc_k reals become the complex view, back to
 * front so nothing is read after it is overwritten. Along the sine axis (level lev: blocks of
 * len planes of st values) real index j is frequency j+1, so coefficient n takes real n-1 as
 * (0, -b); across the distributed level, plane k0-1 comes from the previous rank (recv). */
static void WallsExpand(UphillGrid g, PetscInt d, const double *recv)
{
  double        *r = g->buf;
  const PetscInt n = g->info.nloc_k;

  if (d < 0) {
    for (PetscInt i = n - 1; i >= 0; i--) {
      const double v = r[i];
      r[2 * i]       = v;
      r[2 * i + 1]   = 0.0;
    }
    return;
  }
  if (n == 0) return;
  const PetscInt lev = g->level_of_axis[d], len = g->nlev[lev];
  const PetscInt st  = lev == 2 ? 1 : (lev == 1 ? g->nlev[2] : g->nlev[1] * g->nlev[2]);
  const PetscInt off = lev == g->dlev ? (PetscInt)g->k0 : 0;
  for (PetscInt o = n / (len * st) - 1; o >= 0; o--)
    for (PetscInt j = len - 1; j >= 0; j--) {
      double       *dst = r + 2 * (o * len + j) * st;
      const double *src = j + off == 0 ? NULL : (j == 0 ? recv : r + (o * len + j - 1) * st);
      for (PetscInt q = st - 1; q >= 0; q--) {
        const double v = src ? src[q] : 0.0;
        dst[2 * q]     = 0.0;
        dst[2 * q + 1] = -v;
      }
    }
}

/* Walls, before a backward r2r transform: the complex view becomes nloc_k reals, front to
 * back. Sine axis: real j = -Im of frequency j+1, the last (frequency N) 0; across the
 * distributed level, frequency k0+nk comes from the next rank (recv, already -Im). */
static void WallsCompress(UphillGrid g, PetscInt d, const double *recv)
{
  double        *r = g->buf;
  const PetscInt n = g->info.nloc_k;

  if (d < 0) {
    for (PetscInt i = 0; i < n; i++) r[i] = r[2 * i];
    return;
  }
  if (n == 0) return;
  const PetscInt lev = g->level_of_axis[d], len = g->nlev[lev], N = g->info.n[d];
  const PetscInt st  = lev == 2 ? 1 : (lev == 1 ? g->nlev[2] : g->nlev[1] * g->nlev[2]);
  const PetscInt off = lev == g->dlev ? (PetscInt)g->k0 : 0;
  for (PetscInt o = 0; o < n / (len * st); o++)
    for (PetscInt j = 0; j < len; j++) {
      double *dst = r + (o * len + j) * st;
      if (j + off == N - 1) {
        for (PetscInt q = 0; q < st; q++) dst[q] = 0.0;
      } else if (j == len - 1) {
        for (PetscInt q = 0; q < st; q++) dst[q] = recv[q];
      } else {
        const double *src = r + 2 * (o * len + j + 1) * st;
        for (PetscInt q = 0; q < st; q++) dst[q] = -src[2 * q + 1];
      }
    }
}

/* The one plane the sine shift needs from a neighbour when the flux axis is the distributed
 * level: forward, the last real plane goes to the next rank; backward, the first plane's
 * imaginary parts go to the previous one. */
static PetscErrorCode WallsExchange(UphillGrid g, PetscInt d, PetscBool forward)
{
  const PetscInt pk = g->plane_k;
  double        *send;

  PetscFunctionBegin;
  if (g->level_of_axis[d] != g->dlev) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(PetscMax(pk, 1), &send));
  if (forward) {
    if (g->nk > 0) PetscCall(PetscArraycpy(send, g->buf + (g->nk - 1) * pk, pk));
    PetscCallMPI(MPI_Sendrecv(send, (PetscMPIInt)pk, MPI_DOUBLE, g->next, 12, g->xplane, (PetscMPIInt)pk, MPI_DOUBLE, g->prev, 12, g->info.comm, MPI_STATUS_IGNORE));
  } else {
    for (PetscInt i = 0; i < pk && g->nk > 0; i++) send[i] = -g->buf[2 * i + 1];
    PetscCallMPI(MPI_Sendrecv(send, (PetscMPIInt)pk, MPI_DOUBLE, g->prev, 13, g->xplane, (PetscMPIInt)pk, MPI_DOUBLE, g->next, 13, g->info.comm, MPI_STATUS_IGNORE));
  }
  PetscCall(PetscFree(send));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GridExecute(UphillGrid grid, fftw_plan plan)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_FFT, 0, 0, 0, 0));
  fftw_execute(plan);
  grid->ntransforms++;
  PetscCall(PetscLogEventEnd(UPHILL_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridForward(UphillGrid grid)
{
  PetscFunctionBegin;
  PetscCall(GridExecute(grid, grid->fwd));
  if (grid->info.walls) WallsExpand(grid, -1, NULL);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridBackward(UphillGrid grid)
{
  PetscFunctionBegin;
  if (grid->info.walls) WallsCompress(grid, -1, NULL);
  PetscCall(GridExecute(grid, grid->bwd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridForwardOdd(UphillGrid grid, PetscInt d)
{
  PetscFunctionBegin;
  if (!grid->info.walls) PetscCall(UphillGridForward(grid));
  else {
    PetscCheck(d >= 0 && d < grid->info.dim, grid->info.comm, PETSC_ERR_ARG_OUTOFRANGE, "flux axis %" PetscInt_FMT " is not in [0, dim)", d);
    PetscCall(GridExecute(grid, grid->fodd[d]));
    PetscCall(WallsExchange(grid, d, PETSC_TRUE));
    WallsExpand(grid, d, grid->xplane);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridBackwardOdd(UphillGrid grid, PetscInt d)
{
  PetscFunctionBegin;
  if (!grid->info.walls) PetscCall(UphillGridBackward(grid));
  else {
    PetscCheck(d >= 0 && d < grid->info.dim, grid->info.comm, PETSC_ERR_ARG_OUTOFRANGE, "flux axis %" PetscInt_FMT " is not in [0, dim)", d);
    PetscCall(WallsExchange(grid, d, PETSC_FALSE));
    WallsCompress(grid, d, grid->xplane);
    PetscCall(GridExecute(grid, grid->bodd[d]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridForwardArray(UphillGrid grid, UphillComplex *a)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_FFT, 0, 0, 0, 0));
  fftw_mpi_execute_dft_r2c(grid->fwd, (double *)a, (fftw_complex *)a);
  grid->ntransforms++;
  PetscCall(PetscLogEventEnd(UPHILL_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridBackwardArray(UphillGrid grid, UphillComplex *a)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_FFT, 0, 0, 0, 0));
  fftw_mpi_execute_dft_c2r(grid->bwd, (fftw_complex *)a, (double *)a);
  grid->ntransforms++;
  PetscCall(PetscLogEventEnd(UPHILL_FFT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillGridVecToBuf(UphillGrid grid, Vec v, PetscReal scale)
{
  const PetscScalar *x;
  const PetscInt     rows = grid->info.rows, nx = grid->info.nx, np = grid->info.nxpad;

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
  const PetscInt rows = grid->info.rows, nx = grid->info.nx, np = grid->info.nxpad;

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

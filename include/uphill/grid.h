#pragma once
/* The periodic grid: FFTW-MPI slab decomposition of the slowest index, the DMDA that
 * shares its ownership, wavenumbers, and the r2c/c2r plans (DESIGN.md section 3). */
#include <petscdmda.h>
#include <uphill/compat.h>
#include <fftw3-mpi.h>

typedef struct _n_UphillGrid *UphillGrid;

/* A complex number as two doubles: fftw_complex is a C99 complex when <complex.h> comes
 * first (PETSc includes it), and the kernels index re/im explicitly. Same layout. */
typedef double UphillComplex[2];

struct _n_UphillGrid {
  MPI_Comm  comm;
  PetscInt  dim, N;  /* points per side */
  PetscReal L, h;    /* box side and spacing, core units */
  PetscReal ell;     /* the run's length unit per core unit (for output only; 1 by default) */
  PetscInt  Ntot;    /* N^dim */

  /* real space: slab rows [r0, r0+nr) of the slowest index (y in 2D, z in 3D) */
  ptrdiff_t nr, r0;
  PetscInt  nx;      /* N: points in the fastest index */
  PetscInt  nxpad;   /* 2(N/2+1): padded length of a real row in the FFT buffer */
  PetscInt  plane;   /* points per slowest-index row, unpadded (N or N^2) */

  /* spectral space, transposed: rows [k0, k0+nk) of the transposed first index
   * (kx in 2D: layout [nkx][N]; ky in 3D: layout [nky][N][N/2+1]) */
  ptrdiff_t nk, k0;
  ptrdiff_t alloc;   /* complex elements to allocate for a transform buffer */
  PetscInt  nloc_k;  /* complex elements actually used on this rank */

  /* The local complex array is walked as three nested levels [outer][mid][inner]:
   * 2D: outer = dummy of size 1, mid = kx (half spectrum, local), inner = ky;
   * 3D: outer = ky (local), mid = kz, inner = kx (half spectrum).
   * Per level: length, wavenumbers for odd derivatives (Nyquist zeroed), squared
   * wavenumbers (Nyquist kept) and the Parseval weight of the half spectrum (1 or 2). */
  PetscInt   nlev[3];
  PetscReal *klev[3], *k2lev[3], *wlev[3];
  PetscInt   level_of_axis[3]; /* physical axis x,y,z -> level */
  PetscInt   rows_per_slab;     /* rows of length N per slowest-index row (1 or N) */

  DM        da;      /* dof 1, stencil width 0; ownership = FFTW slabs */
  double   *buf;     /* in-place FFT buffer (real view padded, complex view transposed) */
  fftw_plan fwd, bwd;
  unsigned  flags;
  PetscLogEvent ev_fft;
};

typedef struct {
  PetscInt    dim, N;
  PetscReal   L;
  unsigned    fftw_flags;   /* FFTW_ESTIMATE/MEASURE/PATIENT */
  const char *wisdom;       /* wisdom file, "" or "none" for none */
} UphillGridParams;

PetscErrorCode UphillGridCreate(MPI_Comm comm, const UphillGridParams *p, UphillGrid *grid);
PetscErrorCode UphillGridDestroy(UphillGrid *grid);

/* Allocate / free a complex spectral array of grid->alloc elements (fftw_malloc). */
PetscErrorCode UphillGridAllocComplex(UphillGrid grid, UphillComplex **a);
PetscErrorCode UphillGridFreeComplex(UphillComplex **a);

/* grid->buf real view -> complex view (unnormalized), and back. */
PetscErrorCode UphillGridForward(UphillGrid grid);
PetscErrorCode UphillGridBackward(UphillGrid grid);

/* Copy between a DMDA vector array (unpadded) and the padded real view of buf. */
PetscErrorCode UphillGridVecToBuf(UphillGrid grid, Vec v, PetscReal scale);
PetscErrorCode UphillGridBufToVec(UphillGrid grid, Vec v, PetscReal scale);

/* Global index of local real point i (unpadded local ordering) -> natural index. */
static inline PetscInt64 UphillGridGlobalIndex(UphillGrid grid, PetscInt ilocal)
{
  return (PetscInt64)grid->r0 * grid->plane + ilocal;
}

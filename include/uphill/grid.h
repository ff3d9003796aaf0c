#pragma once
/* The grid (DESIGN.md section 3): FFTW-MPI slab decomposition of the slowest axis, the DMDA
 * that shares its ownership, wavenumbers, and the in-place transforms: r2c/c2r for a periodic
 * box, or with no-flux walls (DESIGN.md 6.6) cosine transforms for c and mu and, along the
 * flux's own axis, sine transforms for a flux.
 * The grid object is opaque; modules read its layout through the two views below. FFTW's
 * headers stay inside grid.c. */
#include <petscdmda.h>
#include <uphill/compat.h>

typedef struct _n_UphillGrid *UphillGrid;

/* A complex number as two doubles, the layout of fftw_complex, indexed [0] re, [1] im. */
typedef double UphillComplex[2];

typedef struct {
  PetscInt    dim;
  PetscInt    n[3];        /* points along x, y, z (n[2] = 1 in 2D) */
  PetscReal   len[3];      /* box side along each axis, reduced units */
  PetscReal   unit;        /* run length unit per reduced unit (output metadata only) */
  PetscInt    plan;        /* FFTW planner rigour: 0 estimate, 1 measure, 2 patient, 3 exhaustive */
  const char *wisdom;      /* wisdom file; "" or "none" for none */
  PetscBool   walls;       /* no-flux walls on every axis (cell-centred points), else periodic */
} UphillGridParams;

/* The real-space layout, as a value: what a pointwise loop or an I/O routine needs. */
typedef struct {
  MPI_Comm   comm;
  DM         da;
  PetscInt   dim;
  PetscInt   n[3];       /* points per axis (n[2] = 1 in 2D) */
  PetscReal  len[3], h[3];
  PetscReal  unit;       /* run length unit per reduced unit */
  PetscReal  cell;       /* cell volume (area in 2D), reduced units */
  PetscInt64 ntot;       /* points in the box */
  PetscInt   r0, nr;     /* this rank's slab: rows [r0, r0+nr) of the slowest axis */
  PetscInt   plane;      /* points per slowest-axis row (n_x, or n_x n_y in 3D) */
  PetscInt   rows;       /* local rows of n_x points (nr, or nr n_y in 3D) */
  PetscInt   nx, nxpad;  /* a row, and its padded length in the transform buffer */
  PetscInt   nlocal;     /* real points on this rank (rows * nx) */
  PetscInt   nloc_k;     /* complex coefficients on this rank */
  PetscBool  walls;      /* no-flux walls: points at cell centres x_i = (i + 1/2) h */
} UphillGridInfo;

/* The local spectral coefficients are walked as three nested levels [outer][mid][inner]
 * (2D: a dummy level of length 1, kx local, ky; 3D: ky local, kz, kx on the half axis).
 * Per level: length, wavenumber for odd derivatives (Nyquist zeroed), squared wavenumber
 * (Nyquist kept) and Parseval weight (2 for interior modes of the half axis, else 1).
 * With walls every axis is whole, frequencies n = 0..N-1, k = pi n/L (no Nyquist), and a
 * coefficient is a_n stored as (a_n, 0) for a cosine axis, b_n as (0, -b_n) along the one
 * sine axis of a flux, so that i k_d maps cosine to sine and back; weight 1/2 for n = 0, 1
 * else (sum_x |f|^2 = sum_k w |f_k|^2 / ntot, with ntot = prod 2N the pair scale). */
typedef struct {
  PetscInt         nlev[3];
  const PetscReal *k[3], *k2[3], *w[3];
  PetscInt         level_of_axis[3]; /* axis x, y, z -> level */
  const PetscReal *ksq;              /* |k|^2 per local coefficient, in walk order */
  PetscInt         nloc_k;
  PetscReal        ntot;             /* FFT pairs scale by this (points; with walls prod 2N) */
  PetscReal        nrms;             /* RMS over the grid = sqrt(sum_k w |e_k|^2) / nrms */
} UphillSpectral;

/* FFTW-MPI's one-time set-up and clean-up, around everything else (main, tests). */
PetscErrorCode UphillGridInitializePackage(void);
PetscErrorCode UphillGridFinalizePackage(void);

PetscErrorCode UphillGridCreate(MPI_Comm comm, const UphillGridParams *p, UphillGrid *grid);
PetscErrorCode UphillGridDestroy(UphillGrid *grid);
PetscErrorCode UphillGridGetInfo(UphillGrid grid, UphillGridInfo *info);
PetscErrorCode UphillGridGetSpectral(UphillGrid grid, UphillSpectral *sp);
PetscErrorCode UphillGridCreateVec(UphillGrid grid, Vec *v);

/* The shared in-place transform buffer: a padded real view (rows of nxpad) before a forward
 * transform, the transposed complex view (nloc_k coefficients) after it. Scratch: its
 * contents belong to whoever transforms next. */
PetscErrorCode UphillGridGetBuffer(UphillGrid grid, double **buf);
/* buffer: real view -> complex view (unnormalized), and back (a pair scales by ntot) */
PetscErrorCode UphillGridForward(UphillGrid grid);
PetscErrorCode UphillGridBackward(UphillGrid grid);
/* The same for a flux along axis d (a sine series in d with walls; = the plain ones when
 * periodic): the backward transform of i k_d q_k, the forward one of M grad_d q. */
PetscErrorCode UphillGridForwardOdd(UphillGrid grid, PetscInt d);
PetscErrorCode UphillGridBackwardOdd(UphillGrid grid, PetscInt d);
/* The same transforms in place on an array from UphillGridAllocComplex instead of the buffer
 * (FFTW's new-array execution of the grid's plans: same size, alignment and layout), so two
 * fields can be in transform at once. Counted like the others. */
PetscErrorCode UphillGridForwardArray(UphillGrid grid, UphillComplex *a);
PetscErrorCode UphillGridBackwardArray(UphillGrid grid, UphillComplex *a);
/* transforms done so far (for the FFTs-per-step report) */
PetscErrorCode UphillGridGetTransformCount(UphillGrid grid, PetscInt64 *count);

/* out[i] = f(k_x^2, k_y^2, k_z^2) for every local coefficient i (walk order): a multiplier
 * that depends on the direction of k (e.g. the elastic kernel B(n)). */
PetscErrorCode UphillGridEvalSpectral(UphillGrid grid, PetscReal (*f)(const PetscReal k2[3], void *ctx), void *ctx, PetscReal *out);

/* Complex arrays of the buffer's complex size (fftw_malloc'ed, zeroed). */
PetscErrorCode UphillGridAllocComplex(UphillGrid grid, UphillComplex **a);
PetscErrorCode UphillGridFreeComplex(UphillComplex **a);

/* Copy between a Vec (unpadded rows) and the padded real view of the buffer, scaled. */
PetscErrorCode UphillGridVecToBuf(UphillGrid grid, Vec v, PetscReal scale);
PetscErrorCode UphillGridBufToVec(UphillGrid grid, Vec v, PetscReal scale);

/* Natural (global, x fastest) index of local real point i, and its coordinates. */
static inline PetscInt64 UphillGridGlobalIndex(const UphillGridInfo *g, PetscInt i)
{
  return (PetscInt64)g->r0 * g->plane + i;
}
static inline void UphillGridCoordinates(const UphillGridInfo *g, PetscInt i, PetscReal x[3])
{
  const PetscInt64 gi = UphillGridGlobalIndex(g, i);
  const PetscReal  o  = g->walls ? 0.5 : 0.0; /* walls: cell centres */
  x[0]                = ((PetscReal)(gi % g->n[0]) + o) * g->h[0];
  x[1]                = ((PetscReal)((gi / g->n[0]) % g->n[1]) + o) * g->h[1];
  x[2]                = g->dim == 3 ? ((PetscReal)(gi / ((PetscInt64)g->n[0] * g->n[1])) + o) * g->h[2] : 0.0;
}

#pragma once
/* The diffusion flux of a state and where it runs uphill (README "Seeing uphill diffusion").
 * J = -M(c) grad mu with mu = f'(c) - kappa lap c (+ the coherency strain B(n) c_k), the
 * logarithm of the regular solution evaluated as is: the model of the scheme (regular,
 * Redlich-Kister, Darken, elastic, polynomial) through thermo.h, derivatives spectral on the
 * run's grid. Reduced units throughout. */
#include <uphill/grid.h>
#include <uphill/thermo.h>

typedef struct _n_UphillFlux *UphillFlux;

/* Where J.grad c > 0 diffusion runs up the concentration gradient. A point counts only above
 * UPHILL_FLUX_TOL times max|J| max|grad c| over the box (the second bounded axis by axis,
 * sqrt(sum_ax max (d_ax c)^2)): round-off of the spectral derivatives (relative 1e-13 and
 * below) never counts, so a downhill couple reports 0. */
#define UPHILL_FLUX_TOL 1e-9

typedef struct {
  PetscReal uphill_fraction; /* volume fraction with J.grad c > tol */
  PetscReal uphill_flux;     /* share of the integral of |J| carried there (0 when J = 0) */
  PetscReal dissipation;     /* integral of M |grad mu|^2 = -dF/dt, reduced units */
  PetscReal jg_max;          /* max |J.grad c| over the box (a symmetric colour range) */
} UphillFluxStats;

/* Pointwise fields a caller may want (each NULL: not computed): mu, J.grad c, J_x. */
typedef struct {
  Vec mu, jgc, jx;
} UphillFluxFields;

PetscErrorCode UphillFluxCreate(UphillGrid grid, const ThermoModel *m, UphillFlux *flux);
PetscErrorCode UphillFluxDestroy(UphillFlux *flux);
/* Lend w (nlocal reals, free whenever UphillFluxCompute runs; NULL: none) as the work array
 * the flux would otherwise allocate: the scheme's psi, free between steps. */
PetscErrorCode UphillFluxSetScratch(UphillFlux flux, PetscReal *w);
/* Collective. c and its coefficients chat (unnormalized FFT, as the scheme keeps them) are the
 * same state. The fields asked for (fields may be NULL) are filled. 3d transforms, two more
 * for mu. Memory: two arrays of the grid's size, and a third unless one is lent. */
PetscErrorCode UphillFluxCompute(UphillFlux flux, Vec c, const UphillComplex *chat, const UphillFluxFields *fields, UphillFluxStats *st);

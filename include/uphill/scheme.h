#pragma once
/* Time-step kernels (docs/design.md, "The scheme"): semi-implicit Fourier-spectral steps of
 * first order (stabilized semi-implicit Euler) and second order (variable-step BDF2 with
 * extrapolated explicit terms), with the ideal-entropy flux of the regular solution treated
 * implicitly and without a logarithm, a Milne estimate of the local error, and the free
 * energy and bounds of every trial state. The scheme owns the state and its history:
 * a step is tried, then accepted or dropped by the caller (stepper.c). */
#include <petscviewer.h>
#include <uphill/grid.h>
#include <uphill/thermo.h>

typedef struct _n_UphillScheme *UphillScheme;

/* How the ideal-entropy flux M grad ln(c/(1-c)) of the regular solution is evaluated:
 *   IDEAL  as grad c (Darken: grad(c + (r-1)c^2/2)), implicit, no logarithm: 2d+1 transforms;
 *          exact in the continuum, but without the logarithm's barrier an under-resolved
 *          interface or a deep quench can push c out of (0,1)
 *   LOG    the logarithm evaluated (vectorized) with the chemical potential, explicit, with a
 *          k^2 stabilizer: 2d+2 transforms; the barrier keeps c inside (0,1)
 *   AUTO   IDEAL until a trial step leaves (0,1), LOG from then on (UphillSchemeFallback) */
typedef enum { UPHILL_FLUX_IDEAL, UPHILL_FLUX_LOG, UPHILL_FLUX_AUTO } UphillFluxForm;
extern const char *const UphillFluxNames[];

typedef struct {
  ThermoModel    model;
  PetscInt       order; /* 1 or 2 */
  UphillFluxForm flux;  /* regular model */
  PetscReal   A;     /* stabilizer of the kappa k^4 term; < 0: max M */
  PetscReal   S;     /* stabilizer of the k^2 term; < 0: the model's default (see scheme.c) */
  PetscReal   theta; /* thermal noise strength (DESIGN.md 6.5), the model's units; 0: none */
  PetscInt64  noise_seed;
  PetscBool   correct; /* regular model: one sweep toward the implicit variable-mobility k^4 term */
  PetscBool   sequential; /* tests: the flux directions one at a time even where the scheme
                           * would transform them at once (2D always fuses; 3D unless Darken) */
} UphillSchemeParams;

/* What a trial step produced, for the caller to accept or reject it. */
typedef struct {
  PetscReal cmin, cmax; /* bounds of the trial field; NaN if it holds a NaN or Inf */
  PetscReal F;          /* its free energy, bulk + gradient, reduced units */
  PetscReal err;        /* RMS local error estimate in c; < 0 while the history is too short */
  PetscReal change;     /* RMS of c^{n+1} - c^n: what the step changed */
  PetscInt  order;      /* order of the step taken (1 while BDF2 builds its history) */
} UphillStepResult;

PetscErrorCode UphillSchemeCreate(UphillGrid grid, const UphillSchemeParams *p, UphillScheme *s);
PetscErrorCode UphillSchemeDestroy(UphillScheme *s);
/* The stabilizers in force (defaults resolved). */
PetscErrorCode UphillSchemeGetParams(UphillScheme s, UphillSchemeParams *p);

/* Take c as the state (copied, one forward transform); the history starts afresh. */
PetscErrorCode UphillSchemeSetState(UphillScheme s, Vec c);
/* The current state (owned by the scheme; valid until the next accepted step), its Fourier
 * coefficients (unnormalized FFT), and its energy and bounds. */
PetscErrorCode UphillSchemeGetState(UphillScheme s, Vec *c);
PetscErrorCode UphillSchemeGetSpectralState(UphillScheme s, const UphillComplex **chat);
PetscErrorCode UphillSchemeGetEnergy(UphillScheme s, PetscReal *F, PetscReal *cmin, PetscReal *cmax);
/* The step that led to the current state (0 when there is no history). */
PetscErrorCode UphillSchemeGetPreviousStep(UphillScheme s, PetscReal *h);

/* Compute a trial step of size h from the current state: 2d+1 transforms for the regular
 * model with one tracer, 2d+2 with Darken, 2 for the polynomial model. */
PetscErrorCode UphillSchemeTry(UphillScheme s, PetscReal h, UphillStepResult *res);
/* The index of the next step (0 for the first of a run): with thermal noise, the random
 * numbers of a step are a function of (seed, step, axis, grid point) only, so they are the
 * same for any rank count, for a retried step and after a restart. */
PetscErrorCode UphillSchemeSetStepIndex(UphillScheme s, PetscInt64 step);
/* Make the last trial the current state. */
PetscErrorCode UphillSchemeAccept(UphillScheme s);
/* With the AUTO flux still in its IDEAL form: switch to LOG (for the rest of the run) and say
 * so in *switched; else *switched = PETSC_FALSE. Called when a trial step left (0,1). */
PetscErrorCode UphillSchemeFallback(UphillScheme s, PetscBool *switched);
/* The form in use now (IDEAL or LOG). */
PetscErrorCode UphillSchemeGetFluxForm(UphillScheme s, UphillFluxForm *form);
/* FFTs done by the scheme's grid so far. */
PetscErrorCode UphillSchemeGetTransformCount(UphillScheme s, PetscInt64 *count);
/* A work array of at least the grid's nlocal reals that holds nothing between an accepted
 * step and the next trial (psi's array; NULL for the polynomial model, which has none), for
 * a caller's scratch between steps: UphillSchemeTry overwrites it. */
PetscErrorCode UphillSchemeGetScratch(UphillScheme s, PetscReal **w);
/* The last trial field (e.g. to show what went wrong). */
PetscErrorCode UphillSchemeGetTrial(UphillScheme s, Vec *c);

/* Checkpoints: write the state and its history as datasets of an open HDF5 viewer, and read
 * them back (same grid; any rank count). */
PetscErrorCode UphillSchemeView(UphillScheme s, PetscViewer viewer);
PetscErrorCode UphillSchemeLoad(UphillScheme s, PetscViewer viewer);

/* dc_k/dt of the current state, evaluated explicitly in the given flux form (IDEAL or LOG),
 * into out (unnormalized like the state). Slow; for tests of the two forms. */
PetscErrorCode UphillSchemeTendency(UphillScheme s, UphillFluxForm form, UphillComplex *out);

/* Amplification factor of the linearized first-order step for the mode of wavevector kv
 * about c0: what a small-amplitude mode grows by per step of size h (the direction of kv
 * matters with coherency strain). */
PetscReal UphillSchemeAmplification(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal h);
/* The growth rate per unit time, ln|z|/h, of that mode under the scheme of p->order at a
 * fixed step h (BDF2: the dominant root of its recurrence at equal steps): what a fixed-step
 * run measures in place of the continuum R(k), which it approaches as h -> 0. */
PetscReal UphillSchemeDiscreteRate(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal h);

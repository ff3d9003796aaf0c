#pragma once
/* Time-step kernels: the stabilized semi-implicit Fourier-spectral step (DESIGN.md §2). */
#include <uphill/grid.h>
#include <uphill/options.h>

/* The model in the core's units. Regular: mu = ln(c/(1-c)) + chi(1-2c) - lap c,
 * M = c(1-c)[(1-c) + r c] (r = D*_B/D*_A; 1 for one tracer), kappa = 1.
 * Polynomial: mu = f'(c) - kappa lap c with f = rho (c-ca)^2 (cb-c)^2, M constant. */
typedef struct {
  UphillModel model;
  PetscReal   chi, r_darken;
  PetscReal   rho, ca, cb, kappa, mobility;
  PetscReal   A, S; /* stabilizers of the k^4 and k^2 terms */
  PetscInt    order; /* 1: stabilized semi-implicit Euler; 2: BDF2 with extrapolation */
} SchemeModel;

typedef struct _n_UphillScheme *UphillScheme;
struct _n_UphillScheme {
  UphillGrid    grid;
  SchemeModel   m;
  UphillComplex *chat;  /* spectral state, unnormalized FFT of c */
  UphillComplex *muhat; /* FFT of mu, work */
  PetscInt64    nfft;  /* transforms done (for the FFTs-per-step report) */
  PetscReal     cmin, cmax;  /* bounds of c after the last step (NaN-aware: NaN if any) */
  PetscReal    *fac;         /* dt/(1 + dt S k^2 + dt A kappa k^4) per spectral element */
  PetscReal     fac_dt;      /* the dt fac was computed for (-dt: the BDF2 factor) */
  UphillComplex *chat_prev;  /* order 2: previous spectral state, also the rhs accumulator */
  Vec            c_prev;     /* order 2: previous field, also the extrapolated c* */
  PetscBool      have_prev;  /* order 2: a previous state exists (else take an Euler step) */
  PetscReal      dt_prev;    /* the step that produced the current state */
  PetscLogEvent ev_step, ev_pointwise, ev_spectral;
};

PetscErrorCode SchemeModelFromOptions(const UphillOptions *opt, SchemeModel *m);
/* Pointwise mobility and bulk chemical potential of the model (core units). */
PetscReal SchemeMobility(const SchemeModel *m, PetscReal c);
PetscReal SchemeBulkMu(const SchemeModel *m, PetscReal c);
PetscReal SchemeBulkF(const SchemeModel *m, PetscReal c);

PetscErrorCode UphillSchemeCreate(UphillGrid grid, const SchemeModel *m, UphillScheme *s);
PetscErrorCode UphillSchemeDestroy(UphillScheme *s);
/* Take c as the state: computes chat (one forward transform). */
PetscErrorCode UphillSchemeSetState(UphillScheme s, Vec c);
/* Advance (c, chat) by dt: 2d+2 transforms, no allocation. Order 2 takes a first-order
 * step when it has no previous state (first step, after SetState) and BDF2 after that. Also leaves the global
 * bounds of the new c in s->cmin/cmax. */
PetscErrorCode UphillSchemeStep(UphillScheme s, Vec c, PetscReal dt);
/* Integral of M |grad mu|^2 (= -dF/dt) of the current state c (d+1 transforms). Collective. */
PetscErrorCode UphillSchemeDissipation(UphillScheme s, Vec c, PetscReal *diss);
/* Discrete amplification factor of the linearized first-order step for a mode of wavenumber k
 * around c0 (what a small-amplitude mode must grow by per step). */
PetscReal UphillSchemeAmplification(const SchemeModel *m, PetscReal c0, PetscReal k, PetscReal dt);

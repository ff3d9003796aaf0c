#pragma once
/* Reductions over the field: energies, mixing entropy and enthalpy, bounds, spinodal
 * fraction, structure-factor length, dissipation and entropy production; and the file
 * diagnostics.csv. Diagnostics read a state; they never drive the loop. */
#include <uphill/grid.h>
#include <uphill/thermo.h>

typedef struct {
  PetscReal bulk, grad, total;    /* integrals of f and kappa/2 |grad c|^2, run units; total = bulk + grad + elastic */
  PetscReal elastic;              /* coherency strain energy (V/2) sum_k B(n_k) |c_k|^2, run units (0 without) */
  PetscReal smix, hmix;           /* integrals of S_mix and H_mix, run units */
  PetscReal cmean, cmin, cmax;
  PetscReal spinodal_fraction;    /* volume fraction with Phi(c) < 0 (f'' < 0) */
  PetscReal length;               /* 2 pi / k1, k1 first moment of the shell-averaged S(k) */
  PetscReal entropy_production;   /* (1/T) integral M |grad mu|^2 / Vm, run units */
  PetscReal dissipation;          /* -dF/dt = integral M |grad mu|^2, run units */
  PetscReal total_red;           /* total free energy in reduced units */
  PetscReal uphill_fraction;     /* volume fraction where J.grad c > 0 (flux.h: threshold) */
  PetscReal uphill_flux;         /* share of the integral of |J| carried there */
} UphillDiagValues;

/* The model and the factors from the solver's (reduced) units to the run's. */
typedef struct {
  ThermoModel model;
  PetscReal   energy, entropy, length, time; /* an integral of f (or of S in R) in reduced units times
                                                 this is the run's unit; lengths; times */
} UphillDiagParams;

typedef struct _n_UphillDiag *UphillDiag;

PetscErrorCode UphillDiagCreate(UphillGrid grid, const UphillDiagParams *p, UphillDiag *diag);
PetscErrorCode UphillDiagDestroy(UphillDiag *diag);
/* Lend the flux measures a work array of nlocal reals that is free whenever a row is
 * computed (UphillSchemeGetScratch), instead of one of their own. */
PetscErrorCode UphillDiagSetScratch(UphillDiag diag, PetscReal *w);
/* Collective. c and its Fourier coefficients chat (unnormalized FFT, as the scheme keeps
 * them) describe the same state. Uses 2d+1 transforms for the flux (dissipation, uphill). */
PetscErrorCode UphillDiagCompute(UphillDiag diag, Vec c, const UphillComplex *chat, UphillDiagValues *v);
/* Energy integral from reduced units to the run's units. */
PetscReal UphillDiagEnergyToRun(UphillDiag diag, PetscReal F_red);
/* diagnostics.csv (path) and structure_factor.csv beside it: open (rank 0) and write the
 * headers, or after a restart continue the files keeping the rows with step <= keep_through
 * (rows of later steps, written after the checkpoint by the interrupted run, go, so no row is
 * duplicated or missing). */
PetscErrorCode UphillDiagOpenCSV(UphillDiag diag, const char *path, PetscInt keep_through);
/* One diagnostics row, and the structure factor of the last UphillDiagCompute as rows
 * step,t,k,S (one per non-empty shell); t and dt in reduced units. */
PetscErrorCode UphillDiagWriteRow(UphillDiag diag, PetscInt step, PetscReal t, PetscReal dt, const UphillDiagValues *v);
/* The shell-averaged structure factor of the last UphillDiagCompute (every rank), as written:
 * S(k) = <|c_k|^2> over the modes of shell k (width dk, the smallest nonzero wavenumber of
 * the axes; k in the run's units), c_k = (1/N) sum_x (c - cbar) e^{-i k.x}; the shells of
 * the isotropic range k <= min over axes of max |k|, empty ones skipped; at most n. */
PetscErrorCode UphillDiagGetStructureFactor(UphillDiag diag, PetscInt n, PetscReal k[], PetscReal S[], PetscInt *nout);

#pragma once
/* Reductions over the field: energies, mixing entropy and enthalpy, bounds, spinodal
 * fraction, structure-factor length, entropy production; and diagnostics.csv. */
#include <uphill/scheme.h>

typedef struct {
  PetscReal bulk, grad, total;    /* integrals of f and kappa/2 |grad c|^2, run units */
  PetscReal smix, hmix;           /* integrals of S_mix and H_mix, run units */
  PetscReal cmean, cmin, cmax;
  PetscReal spinodal_fraction;    /* volume fraction with Phi(c) < 0 (f'' < 0) */
  PetscReal length;               /* 2 pi / k1, k1 first moment of the shell-averaged S(k) */
  PetscReal entropy_production;   /* (1/T) integral M |grad mu|^2 / Vm, run units */
  PetscReal dissipation;          /* -dF/dt = integral M |grad mu|^2, run units */
  PetscReal total_core;           /* total free energy in core units */
} DiagValues;

typedef struct _n_UphillDiag *UphillDiag;

PetscErrorCode UphillDiagCreate(UphillScheme scheme, const UphillOptions *opt, UphillDiag *diag);
PetscErrorCode UphillDiagDestroy(UphillDiag *diag);
/* Collective. Uses the scheme's spectral state, so call it when chat matches c. */
PetscErrorCode UphillDiagCompute(UphillDiag diag, Vec c, DiagValues *v);
/* Only the quantities the step controller needs: total free energy (core units), min, max. */
PetscErrorCode UphillDiagEnergyBounds(UphillDiag diag, Vec c, PetscReal *F, PetscReal *cmin, PetscReal *cmax);
/* Energy integral from core units to the run's units. */
PetscReal UphillDiagEnergyToRun(UphillDiag diag, PetscReal F_core);
/* diagnostics.csv: open (rank 0) and write the header / append a row. keep_through >= 0
 * continues an existing file after a restart: rows of later steps (written after the
 * checkpoint by the interrupted run) are dropped, so no row is duplicated or missing. */
PetscErrorCode UphillDiagOpenCSV(UphillDiag diag, const char *path, PetscInt keep_through);
PetscErrorCode UphillDiagWriteRow(UphillDiag diag, PetscInt step, PetscReal t_core, PetscReal dt_core, const DiagValues *v);

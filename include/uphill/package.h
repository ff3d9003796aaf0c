#pragma once
/* uphill as a PETSc package: its class id, its log events and stages, registered once, as
 * PETSc registers its own (MAT_Mult and friends are global ids too). -log_view then shows
 * where the time goes under these names:
 *   UphillFFT        every FFTW transform
 *   UphillStep       a trial step of the scheme (its transforms, pointwise and spectral work)
 *   UphillPointwise  the real-space passes of a step (mobility times gradient, f'(c), bounds, energy)
 *   UphillSpectral   the passes over Fourier coefficients (update, error estimate)
 *   UphillDiag       a diagnostics row (energies, entropy, L, dissipation)
 *   UphillIO         frames, field dumps, diagnostics.csv
 *   UphillCheckpoint checkpoint writes and reads
 * Stages: "Uphill set-up" (planning, initial condition) and "Uphill time loop". */
#include <petscsys.h>
#include <uphill/compat.h>

extern PetscClassId  UPHILL_CLASSID;
extern PetscLogEvent UPHILL_FFT, UPHILL_STEP, UPHILL_POINTWISE, UPHILL_SPECTRAL, UPHILL_DIAG, UPHILL_IO, UPHILL_CHECKPOINT;
extern PetscLogStage UPHILL_STAGE_SETUP, UPHILL_STAGE_LOOP;

/* After PetscInitialize: registers the above and initializes FFTW-MPI. Idempotent. */
PetscErrorCode UphillInitializePackage(void);
/* Before PetscFinalize. */
PetscErrorCode UphillFinalizePackage(void);

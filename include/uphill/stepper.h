#pragma once
/* The time loop: fixed or adaptive step, stopping at t_end or max_steps, and the events
 * (diagnostics rows, frames, progress, failure handling). */
#include <uphill/run.h>

typedef struct {
  PetscInt  steps, rejected;
  PetscReal t, dt;          /* core units at the end */
  PetscInt64 nfft;
  PetscReal wall;           /* seconds in the loop */
} UphillStepperStats;

PetscErrorCode UphillStepperSolve(UphillRun run, UphillStepperStats *stats);

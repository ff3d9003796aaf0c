#pragma once
/* The standard post-step monitors of a run: diagnostics rows, frames, field dumps, the
 * signal and wall-clock watch, checkpoints and final.h5, the progress line, and what is kept
 * when a run fails. They share one context, because a checkpoint records whether the
 * diagnostics row of its step was a regular one. */
#include <uphill/options.h>
#include <uphill/diag.h>
#include <uphill/checkpoint.h>

typedef struct _n_UphillOutput *UphillOutput;

/* opt, dir and the identity list are copied; grid and diag are borrowed. */
PetscErrorCode UphillOutputCreate(const UphillOptions *opt, const char *dir, UphillGrid grid, UphillDiag diag, PetscInt nid, const UphillIdentity id[], UphillOutput *out);
PetscErrorCode UphillOutputDestroy(UphillOutput *out);
/* Open diagnostics.csv: new, or continued after the checkpoint state rs (NULL: new run). */
PetscErrorCode UphillOutputOpen(UphillOutput out, const UphillCheckpointState *rs);
/* Register the monitors on st (in their order) and the frame times it must land on; out
 * stays the caller's, to be destroyed after st. */
PetscErrorCode UphillOutputAttach(UphillOutput out, UphillStepper st);
/* The last checkpoint written ("" if none). */
PetscErrorCode UphillOutputGetCheckpointPath(UphillOutput out, const char **path);

/* SIGTERM, SIGINT and SIGUSR1 only set a flag, which the signal monitor turns into a
 * checkpoint and a stop; Restore puts the previous handlers back (call it on every path). */
PetscErrorCode UphillOutputSignalsInstall(UphillOutput out);
PetscErrorCode UphillOutputSignalsRestore(UphillOutput out);

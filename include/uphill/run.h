#pragma once
/* A run: its options, directory, grid, scheme, diagnostics, stepper and output monitors,
 * assembled from the options (docs/design.md, "Layout"). main.c only creates, solves and
 * destroys one. */
#include <uphill/options.h>
#include <uphill/stepper.h>

typedef struct _n_UphillRun *UphillRun;

/* Grid, scheme and diagnostics from the options; checks the run directory (a new run does not
 * take a directory holding another one unless -force; -restart auto finds its checkpoint).
 * Nothing is written yet. */
PetscErrorCode UphillRunCreate(MPI_Comm comm, const UphillOptions *opt, UphillRun *run);
PetscErrorCode UphillRunDestroy(UphillRun *run);
/* The initial state (the initial condition of the options, the same field for any rank
 * count, or the checkpoint of -restart); once it has been read without error, the run
 * directory, run.opts, the stepper and its monitors. */
PetscErrorCode UphillRunSetUp(UphillRun run);
/* The time loop; prints the outcome. */
PetscErrorCode UphillRunSolve(UphillRun run, UphillStopReason *reason);

/* The model and scheme parameters a run of these options uses (for tools that evaluate its
 * linear theory, e.g. uphill-linear). */
PetscErrorCode UphillRunSchemeParams(const UphillOptions *opt, UphillSchemeParams *p);

PetscErrorCode UphillRunGetScheme(UphillRun run, UphillScheme *scheme);
PetscErrorCode UphillRunGetGrid(UphillRun run, UphillGrid *grid);
/* The grid and the scheme (model, stabilizers) a run of these options uses, in the solver's
 * units (also for tools that recompute what a run saw, e.g. uphill-flux). */
PetscErrorCode UphillRunGridParams(const UphillOptions *opt, UphillGridParams *gp);
PetscErrorCode UphillRunSchemeParams(const UphillOptions *opt, UphillSchemeParams *sp);
/* Path of a file in the run directory. */
PetscErrorCode UphillRunPath(UphillRun run, const char *name, char *path, size_t len);

#pragma once
/* A run: its options, directory, grid, scheme, diagnostics and field, set up from the
 * options (output directory, provenance, initial condition). */
#include <uphill/diag.h>

/* The time loop's state: what a checkpoint must hold besides the field. */
typedef struct {
  PetscInt  step;    /* steps taken */
  PetscInt  frame;   /* next frame number */
  PetscReal t;       /* time, core units */
  PetscReal dt;      /* next step size (the adaptive controller's proposal), core units */
  PetscReal F_last;  /* last checked free energy (energy-rise detection), core units */
  PetscInt  seed;    /* the random field is counter-based: the seed is its whole state */
  PetscReal Fscale;  /* round-off scale of F for the energy-rise test */
  PetscInt  row;     /* 1: the diagnostics row of this step belongs to an uninterrupted run
                      * (cadence or frame), 0: it was written only because the run ended */
} CheckpointState;

typedef struct _n_UphillRun *UphillRun;
struct _n_UphillRun {
  MPI_Comm      comm;
  UphillOptions opt;
  UphillGrid    grid;
  UphillScheme  scheme;
  UphillDiag    diag;
  Vec           c;
  char          dir[PETSC_MAX_PATH_LEN];
  char          restart_path[PETSC_MAX_PATH_LEN]; /* "" for a new run */
  PetscBool     restarted;
  PetscBool     replace; /* -force over an existing run: its files go before new ones come */
  CheckpointState restart_state;                  /* loop state read from restart_path */
  PetscLogEvent ev_io;
};

PetscErrorCode UphillRunCreate(MPI_Comm comm, const UphillOptions *opt, UphillRun *run);
PetscErrorCode UphillRunDestroy(UphillRun *run);
/* Create the run directory (and frames/, fields/) and write run.opts. */
PetscErrorCode UphillRunOpenOutput(UphillRun run);
/* Path of a file in the run directory. */
PetscErrorCode UphillRunPath(UphillRun run, const char *name, char *path, size_t len);
/* Fill c with the initial condition of the options (same field for any rank count), or
 * with the checkpoint of -restart (then restart_state holds the loop state). */
PetscErrorCode UphillRunInitialCondition(UphillRun run);

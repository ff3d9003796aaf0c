#pragma once
/* Checkpoints: everything needed to continue a run exactly, in one HDF5 file written
 * collectively through PETSc's viewer, atomically (temporary name, then rename); a run
 * directory keeps the newest two. The caller hands over what is saved: the scheme (its state
 * and history), the loop state, and the numbers that identify the simulation. */
#include <uphill/stepper.h>

/* A number that must be equal for a checkpoint to belong to this simulation (grid, model,
 * units): a checkpoint from another run is refused, never reinterpreted. */
typedef struct {
  const char *name;
  PetscReal   value;
} UphillIdentity;

typedef struct {
  UphillStepperState loop;
  PetscInt           row; /* 1: the diagnostics row of this step belongs to an uninterrupted
                           * run (cadence or frame); 0: it was written only because the run ended */
} UphillCheckpointState;

/* Write DIR/checkpoint_<step>.h5 (path returned) and drop all but the newest two. */
PetscErrorCode UphillCheckpointWrite(UphillScheme scheme, const char *dir, const UphillCheckpointState *st, PetscInt nid, const UphillIdentity id[], char *path, size_t len);
/* Check that path belongs to this simulation and load it into scheme and *st; a clear error
 * for a missing, corrupt or foreign file. */
PetscErrorCode UphillCheckpointRead(MPI_Comm comm, UphillScheme scheme, const char *path, PetscInt nid, const UphillIdentity id[], UphillCheckpointState *st);
/* Newest checkpoint in dir ("" when there is none). */
PetscErrorCode UphillCheckpointFindLatest(MPI_Comm comm, const char *dir, char *path, size_t len);

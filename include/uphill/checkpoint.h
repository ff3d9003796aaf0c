#pragma once
/* Checkpoints: everything needed to continue a run exactly, in one HDF5 file written
 * collectively through PETSc's viewer, atomically (temporary name, then rename); the run
 * directory keeps the newest two. */
#include <uphill/run.h>


/* Write RUNDIR/checkpoint_<step>.h5 with c, the spectral state and the run's identity. */
PetscErrorCode UphillCheckpointWrite(UphillRun run, const CheckpointState *st, char *path, size_t len);
/* Load a checkpoint into run (c, spectral state) after checking it belongs to this grid
 * and model; clear errors for a missing, corrupt or foreign file. */
PetscErrorCode UphillCheckpointRead(UphillRun run, const char *path, CheckpointState *st);
/* Newest checkpoint in dir ("" when there is none). */
PetscErrorCode UphillCheckpointFindLatest(MPI_Comm comm, const char *dir, char *path, size_t len);
/* Remove every checkpoint file from dir (a fresh run with -force). */
PetscErrorCode UphillCheckpointRemoveAll(MPI_Comm comm, const char *dir);

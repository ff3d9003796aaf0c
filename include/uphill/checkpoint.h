#pragma once
/* Checkpoints: everything needed to continue a run exactly, in one HDF5 file written
 * collectively through PETSc's viewer, atomically (temporary name, then rename); a run
 * directory keeps the newest two. The caller hands over what is saved: the scheme (its state
 * and history), the loop state, and the numbers that identify the simulation.
 *
 * Every dataset carries a "checksum" attribute and /c a "checksum_state" one (the loop state,
 * the scheme's attributes and the identity), so a reader can tell a complete file from one
 * damaged after it was written. The checksum of n values x_i at global (file) positions i is
 *   sum_i UphillHash64(bits(x_i), i)  mod 2^64,   written as 16 hex digits,
 * which does not depend on the rank count or the order of summation, and changes whenever any
 * single value does (the hash is a bijection of the value's bits for a given i). UphillHash64
 * (hash.h) is thus part of the file format, as it is of the random initial fields. */
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

/* Write DIR/checkpoint_<step>.h5 (path returned) and drop all but the newest two, and any
 * *.h5.tmp a killed writer left. A failed write (full disk, quota, file-size limit) removes
 * its temporary file, keeps the older checkpoints and raises one error naming the file and
 * the cause (HDF5 reports no errno: the cause is what a plain test write of the same size in
 * the same directory gets). */
PetscErrorCode UphillCheckpointWrite(UphillScheme scheme, const char *dir, const UphillCheckpointState *st, PetscInt nid, const UphillIdentity id[], char *path, size_t len);
/* Collective, quiet, never raises for a bad file: *ok says whether path is a complete,
 * undamaged checkpoint of this simulation (HDF5 opens it; the datasets the scheme needs are
 * there with this grid's sizes; identity as above; checksums match). If not, why says why,
 * in words that follow "PATH: ". With *ok true, why is "" or a note (a checkpoint of an older
 * uphill, without checksums, is accepted unverified). */
PetscErrorCode UphillCheckpointVerify(UphillGrid grid, const char *path, PetscInt nid, const UphillIdentity id[], PetscBool *ok, char *why, size_t len);
/* Verify path (one error "-restart PATH: why" if it fails) and load it into scheme and *st. */
PetscErrorCode UphillCheckpointRead(UphillGrid grid, UphillScheme scheme, const char *path, PetscInt nid, const UphillIdentity id[], UphillCheckpointState *st);
/* The newest checkpoint_*.h5 in dir with a step below `below` (INT64_MAX: any), and its
 * step; path "" when there is none. */
PetscErrorCode UphillCheckpointFindLatest(MPI_Comm comm, const char *dir, PetscInt64 below, char *path, size_t len, PetscInt64 *step);

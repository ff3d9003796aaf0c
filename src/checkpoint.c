/* Checkpoint files: the scheme's state and history, the loop state, the run's identity. */
#include <uphill/checkpoint.h>
#include <uphill/collective.h>
#include <uphill/package.h>
#include <uphill/version.h>
#include <petscviewerhdf5.h>
#include <dirent.h>
#include <unistd.h>

/* "checkpoint_<step>.h5" (not a leftover "*.h5.tmp"): its step, or -1 */
static long long CheckpointStep(const char *name)
{
  long long s;
  char      tail[8];
  if (sscanf(name, "checkpoint_%lld.h%7s", &s, tail) == 2 && !strcmp(tail, "5")) return s;
  return -1;
}

#define ATTR(viewer, name, type, ptr, load) ((load) ? PetscViewerHDF5ReadAttribute(viewer, "/c", name, type, NULL, ptr) : PetscViewerHDF5WriteAttribute(viewer, "/c", name, type, ptr))

/* The loop state as attributes of /c, written or read by the same list. */
static PetscErrorCode LoopAttributes(PetscViewer v, UphillCheckpointState *st, PetscBool load)
{
  PetscFunctionBegin;
  PetscCall(ATTR(v, "step", PETSC_INT, &st->loop.step, load));
  PetscCall(ATTR(v, "t_reduced", PETSC_REAL, &st->loop.t, load));
  PetscCall(ATTR(v, "dt_next_reduced", PETSC_REAL, &st->loop.h_next, load));
  PetscCall(ATTR(v, "F_tol", PETSC_REAL, &st->loop.F_tol, load));
  PetscCall(ATTR(v, "F_check", PETSC_REAL, &st->loop.F_check, load));
  PetscCall(ATTR(v, "adapt_err_prev", PETSC_REAL, &st->loop.adapt.err_prev, load));
  PetscCall(ATTR(v, "adapt_rejected", PETSC_INT, &st->loop.adapt.rejected, load));
  PetscCall(ATTR(v, "diag_row", PETSC_INT, &st->row, load));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteFile(MPI_Comm comm, UphillScheme scheme, const char *file, const UphillCheckpointState *st, PetscInt nid, const UphillIdentity id[])
{
  PetscViewer           viewer;
  UphillCheckpointState s = *st;
  PetscMPIInt           size;
  PetscInt              nranks;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  nranks = size;
  PetscCall(PetscViewerHDF5Open(comm, file, FILE_MODE_WRITE, &viewer));
  PetscCall(UphillSchemeView(scheme, viewer));
  PetscCall(LoopAttributes(viewer, &s, PETSC_FALSE));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "ranks", PETSC_INT, &nranks));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "version", PETSC_STRING, UPHILL_VERSION));
  for (PetscInt i = 0; i < nid; i++) PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", id[i].name, PETSC_REAL, &id[i].value));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: keep the newest two checkpoints up to `step` (the one just written); newer ones
 * belong to a timeline a restart from an older checkpoint abandoned. */
static void Prune(const char *dir, long long step)
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  long long      newest[2] = {-1, -1};

  if (!d) return;
  while ((e = readdir(d))) {
    const long long s = CheckpointStep(e->d_name);
    if (s < 0 || s > step) continue;
    if (s > newest[0]) {
      newest[1] = newest[0];
      newest[0] = s;
    } else if (s > newest[1]) newest[1] = s;
  }
  rewinddir(d);
  while ((e = readdir(d))) {
    const long long s = CheckpointStep(e->d_name);
    char            old[PETSC_MAX_PATH_LEN + 300];
    if (s < 0 || (s >= newest[1] && s <= step)) continue;
    (void)snprintf(old, sizeof(old), "%s/%s", dir, e->d_name);
    (void)remove(old);
  }
  closedir(d);
}

PetscErrorCode UphillCheckpointWrite(UphillScheme scheme, const char *dir, const UphillCheckpointState *st, PetscInt nid, const UphillIdentity id[], char *path, size_t len)
{
  char           tmp[PETSC_MAX_PATH_LEN + 8];
  PetscMPIInt    rank;
  UphillGridInfo g;
  Vec            c;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(PetscObjectGetComm((PetscObject)c, &g.comm));
  PetscCallMPI(MPI_Comm_rank(g.comm, &rank));
  PetscCall(PetscSNPrintf(path, len, "%s/checkpoint_%08" PetscInt_FMT ".h5", dir, st->loop.step));
  PetscCheck(!UphillTmpName(path, tmp, sizeof(tmp)), g.comm, PETSC_ERR_ARG_SIZ, "path too long: %s", path);
  PetscCall(UphillCommitFile(g.comm, path, WriteFile(g.comm, scheme, tmp, st, nid, id)));
  if (rank == 0) Prune(dir, (long long)st->loop.step);
  PetscCall(PetscLogEventEnd(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCheckpointRead(MPI_Comm comm, UphillScheme scheme, const char *path, PetscInt nid, const UphillIdentity id[], UphillCheckpointState *st)
{
  PetscViewer viewer;
  PetscMPIInt rank;
  PetscBool   has;
  int         err = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && access(path, R_OK)) err = UphillErrno();
  PetscCall(UphillCheckRoot(comm, err, PETSC_ERR_FILE_OPEN, "-restart %s: file missing or unreadable", path));
  if (rank == 0 && H5Fis_hdf5(path) <= 0) err = EINVAL;
  PetscCall(UphillCheckRoot(comm, err, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: not an HDF5 file (corrupt or truncated checkpoint?)", path));
  PetscCall(PetscViewerHDF5Open(comm, path, FILE_MODE_READ, &viewer));
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/c", &has));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no dataset /c; not an uphill checkpoint", path);
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/chat", &has));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no dataset /chat; not an uphill checkpoint (a final.h5 can be used with -ic file)", path);
  for (PetscInt i = 0; i < nid; i++) {
    PetscReal v;
    PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", id[i].name, &has));
    PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: attribute %s missing; not a checkpoint of this uphill version", path, id[i].name);
    PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", id[i].name, PETSC_REAL, NULL, &v));
    PetscCheck(PetscAbsReal(v - id[i].value) <= 1e-12 * PetscMax(1.0, PetscAbsReal(id[i].value)), comm, PETSC_ERR_ARG_INCOMP,
               "-restart %s is from another run: its %s is %.17g, this run's is %.17g (grid and model options must match the checkpoint)", path, id[i].name, (double)v, (double)id[i].value);
  }
  PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", "F_tol", &has));
  PetscCheck(has, comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: written by an older uphill (no loop state of this version); start it again, or continue from its field with -ic file -ic_file %s", path, path);
  PetscCall(LoopAttributes(viewer, st, PETSC_TRUE));
  PetscCall(UphillSchemeLoad(scheme, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(PetscLogEventEnd(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Only complete files count: a *.h5.tmp left by a kill during writing is ignored. */
PetscErrorCode UphillCheckpointFindLatest(MPI_Comm comm, const char *dir, char *path, size_t len)
{
  PetscMPIInt rank;
  long long   best = -1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    DIR           *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) best = PetscMax(best, CheckpointStep(e->d_name));
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Bcast(&best, 1, MPI_LONG_LONG, 0, comm));
  if (best < 0) path[0] = 0;
  else PetscCall(PetscSNPrintf(path, len, "%s/checkpoint_%08lld.h5", dir, best));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checkpoint files: c and the spectral state c_k, the loop state, and the run identity. */
#include <uphill/checkpoint.h>
#include <uphill/version.h>
#include <petscviewerhdf5.h>
#include <dirent.h>
#include <unistd.h>

/* What makes two runs the same simulation: a checkpoint from another grid or another
 * model must be refused, not silently interpolated or reinterpreted. */
typedef struct {
  const char *name;
  PetscReal   value;
} Identity;

/* "checkpoint_<step>.h5" (not a leftover "*.h5.tmp"): its step, or -1 */
static long long CheckpointStep(const char *name)
{
  long long s;
  char      tail[8];
  if (sscanf(name, "checkpoint_%lld.h%7s", &s, tail) == 2 && !strcmp(tail, "5")) return s;
  return -1;
}

static PetscInt RunIdentity(UphillRun run, Identity id[])
{
  const SchemeModel *m = &run->scheme->m;
  PetscInt           n = 0;
  id[n++] = (Identity){"dim", (PetscReal)run->grid->dim};
  id[n++] = (Identity){"N", (PetscReal)run->grid->N};
  id[n++] = (Identity){"L_core", run->grid->L};
  id[n++] = (Identity){"model", (PetscReal)m->model};
  id[n++] = (Identity){"chi", m->chi};
  id[n++] = (Identity){"r_darken", m->r_darken};
  id[n++] = (Identity){"rho", m->rho};
  id[n++] = (Identity){"c_alpha", m->ca};
  id[n++] = (Identity){"c_beta", m->cb};
  id[n++] = (Identity){"kappa", m->kappa};
  id[n++] = (Identity){"mobility", m->mobility};
  /* SI runs: the units, so a changed -D0, -Q, -kappa or -T cannot silently rescale time */
  id[n++] = (Identity){"ell", run->opt.ell};
  id[n++] = (Identity){"tau", run->opt.tau};
  return n;
}

/* c_k as a Vec: the transposed half spectrum has the same global order for any rank
 * count (rows of the transposed index in rank order), so it can be stored and reloaded
 * on another decomposition. */
static PetscErrorCode SpectralVec(UphillRun run, UphillComplex *a, const char *name, Vec *v)
{
  PetscFunctionBegin;
  PetscCall(VecCreateMPIWithArray(run->comm, 1, 2 * run->grid->nloc_k, PETSC_DECIDE, (PetscScalar *)a, v));
  PetscCall(PetscObjectSetName((PetscObject)*v, name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteCheckpointFile(UphillRun run, const CheckpointState *st, const char *tmp)
{
  PetscViewer viewer;
  Vec         chat;
  Identity    id[16];
  PetscInt    nid = RunIdentity(run, id);
  PetscMPIInt size;
  PetscInt    nranks;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(run->comm, &size));
  nranks = size;
  PetscCall(PetscObjectSetName((PetscObject)run->c, "c")); /* the dataset name */
  PetscCall(PetscViewerHDF5Open(run->comm, tmp, FILE_MODE_WRITE, &viewer));
  PetscCall(VecView(run->c, viewer));
  PetscCall(SpectralVec(run, run->scheme->chat, "chat", &chat));
  PetscCall(VecView(chat, viewer));
  PetscCall(VecDestroy(&chat));
  /* BDF2 needs its previous state for an exact continuation */
  {
    PetscInt have = run->scheme->have_prev && run->scheme->m.order == 2;
    PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "have_prev", PETSC_INT, &have));
    PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "dt_prev", PETSC_REAL, &run->scheme->dt_prev));
    if (have) {
      PetscCall(PetscObjectSetName((PetscObject)run->scheme->c_prev, "c_prev"));
      PetscCall(VecView(run->scheme->c_prev, viewer));
      PetscCall(SpectralVec(run, run->scheme->chat_prev, "chat_prev", &chat));
      PetscCall(VecView(chat, viewer));
      PetscCall(VecDestroy(&chat));
    }
  }
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "step", PETSC_INT, &st->step));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "frame", PETSC_INT, &st->frame));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "t_core", PETSC_REAL, &st->t));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "dt_core", PETSC_REAL, &st->dt));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "F_last", PETSC_REAL, &st->F_last));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "F_scale", PETSC_REAL, &st->Fscale));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "seed", PETSC_INT, &st->seed));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "diag_row", PETSC_INT, &st->row));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "ranks", PETSC_INT, &nranks));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "version", PETSC_STRING, UPHILL_VERSION));
  for (PetscInt i = 0; i < nid; i++) PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", id[i].name, PETSC_REAL, &id[i].value));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCheckpointWrite(UphillRun run, const CheckpointState *st, char *path, size_t len)
{
  char        tmp[PETSC_MAX_PATH_LEN + 8];
  PetscInt    ok = 1;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(run->ev_io, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  PetscCall(PetscSNPrintf(path, len, "%s/checkpoint_%08" PetscInt_FMT ".h5", run->dir, st->step));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  {
    /* a failed write (full disk) must not leave its temporary file behind */
    PetscErrorCode ierr = WriteCheckpointFile(run, st, tmp);
    if (ierr && rank == 0) (void)remove(tmp);
    PetscCall(ierr);
  }
  /* rename, then drop all but the newest two */
  if (rank == 0) {
    ok = rename(tmp, path) == 0;
    if (ok) {
      DIR           *d = opendir(run->dir);
      struct dirent *e;
      PetscInt64     steps[3] = {-1, -1, -1};
      /* find the two newest steps; remove anything older */
      while (d && (e = readdir(d))) {
        const long long s = CheckpointStep(e->d_name);
        /* a restart from an older checkpoint abandons the newer ones: keep the newest two
         * up to the one just written */
        if (s >= 0 && s <= st->step) {
          if (s > steps[0]) {
            steps[2] = steps[1];
            steps[1] = steps[0];
            steps[0] = s;
          } else if (s > steps[1]) {
            steps[2] = steps[1];
            steps[1] = s;
          } else steps[2] = PetscMax(steps[2], s);
        }
      }
      if (d) rewinddir(d);
      while (d && (e = readdir(d))) {
        const long long s = CheckpointStep(e->d_name);
        char            old[PETSC_MAX_PATH_LEN + 300];
        if (s >= 0 && (s < steps[1] || s > st->step)) {
          (void)snprintf(old, sizeof(old), "%s/%s", run->dir, e->d_name);
          (void)remove(old);
        }
      }
      if (d) closedir(d);
    } else (void)remove(tmp);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, run->comm));
  PetscCheck(ok, run->comm, PETSC_ERR_FILE_WRITE, "cannot rename checkpoint %s to %s", tmp, path);
  PetscCall(PetscLogEventEnd(run->ev_io, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* VecLoad may swap in its own storage, so load into a Vec of the same layout and copy */
static PetscErrorCode LoadSpectral(UphillRun run, PetscViewer viewer, const char *name, UphillComplex *a)
{
  Vec                v;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecCreateMPI(run->comm, 2 * run->grid->nloc_k, PETSC_DECIDE, &v));
  PetscCall(PetscObjectSetName((PetscObject)v, name));
  PetscCall(VecLoad(v, viewer));
  PetscCall(VecGetArrayRead(v, &x));
  PetscCall(PetscArraycpy((PetscReal *)a, x, 2 * run->grid->nloc_k));
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCheckpointRead(UphillRun run, const char *path, CheckpointState *st)
{
  PetscViewer viewer;
  Identity    id[16];
  PetscInt    nid = RunIdentity(run, id), ok = 0;
  PetscMPIInt rank;
  PetscBool   has;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  if (rank == 0) {
    if (access(path, R_OK)) ok = 1;
    else if (H5Fis_hdf5(path) <= 0) ok = 2;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPIU_INT, 0, run->comm));
  PetscCheck(ok != 1, run->comm, PETSC_ERR_FILE_OPEN, "-restart %s: file missing or unreadable", path);
  PetscCheck(ok != 2, run->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: not an HDF5 file (corrupt or truncated checkpoint?)", path);
  PetscCall(PetscViewerHDF5Open(run->comm, path, FILE_MODE_READ, &viewer));
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/c", &has));
  PetscCheck(has, run->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no dataset /c; not an uphill checkpoint", path);
  PetscCall(PetscViewerHDF5HasDataset(viewer, "/chat", &has));
  PetscCheck(has, run->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: no dataset /chat; not an uphill checkpoint (a final.h5 can be used with -ic file)", path);
  for (PetscInt i = 0; i < nid; i++) {
    PetscReal v;
    PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", id[i].name, &has));
    PetscCheck(has, run->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: attribute %s missing; not an uphill checkpoint", path, id[i].name);
    PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", id[i].name, PETSC_REAL, NULL, &v));
    PetscCheck(PetscAbsReal(v - id[i].value) <= 1e-12 * PetscMax(1.0, PetscAbsReal(id[i].value)), run->comm, PETSC_ERR_ARG_INCOMP,
               "-restart %s is from another run: its %s is %.17g, this run's is %.17g (grid and model options must match the checkpoint)", path, id[i].name, (double)v, (double)id[i].value);
  }
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "step", PETSC_INT, NULL, &st->step));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "frame", PETSC_INT, NULL, &st->frame));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "t_core", PETSC_REAL, NULL, &st->t));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "dt_core", PETSC_REAL, NULL, &st->dt));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "F_last", PETSC_REAL, NULL, &st->F_last));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "F_scale", PETSC_REAL, NULL, &st->Fscale));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "seed", PETSC_INT, NULL, &st->seed));
  PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "diag_row", PETSC_INT, NULL, &st->row));
  PetscCall(PetscObjectSetName((PetscObject)run->c, "c"));
  PetscCall(VecLoad(run->c, viewer));
  PetscCall(LoadSpectral(run, viewer, "chat", run->scheme->chat));
  run->scheme->have_prev = PETSC_FALSE;
  {
    PetscInt have = 0;
    PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", "have_prev", &has));
    if (has) PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "have_prev", PETSC_INT, NULL, &have));
    /* a BDF2 run continues with its history; an Euler checkpoint starts BDF2 afresh */
    if (have && run->scheme->m.order == 2) {
      PetscCall(PetscObjectSetName((PetscObject)run->scheme->c_prev, "c_prev"));
      PetscCall(VecLoad(run->scheme->c_prev, viewer));
      PetscCall(LoadSpectral(run, viewer, "chat_prev", run->scheme->chat_prev));
      PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "dt_prev", PETSC_REAL, NULL, &run->scheme->dt_prev));
      run->scheme->have_prev = PETSC_TRUE;
    }
  }
  PetscCall(PetscViewerDestroy(&viewer));
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

PetscErrorCode UphillCheckpointRemoveAll(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    DIR           *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      char old[PETSC_MAX_PATH_LEN + 300];
      if (strncmp(e->d_name, "checkpoint_", 11)) continue;
      (void)snprintf(old, sizeof(old), "%s/%s", dir, e->d_name);
      (void)remove(old);
    }
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Setting up a run: directory, provenance (run.opts), grid, scheme, field, initial state. */
#include <uphill/run.h>
#include <uphill/io_h5.h>
#include <uphill/checkpoint.h>
#include <dirent.h>
#include <uphill/version.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

/* mkdir -p on rank 0; every rank learns the outcome, so a bad -output stops all ranks
 * with one message before anything is computed. */
static PetscErrorCode MakeDirs(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;
  PetscInt    err = 0;
  char        path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscCall(PetscStrncpy(path, dir, sizeof(path)));
    for (char *p = path + 1; *p && !err; p++) {
      if (*p != '/') continue;
      *p = 0;
      if (mkdir(path, 0777) && errno != EEXIST) err = errno;
      *p = '/';
    }
    if (!err && mkdir(path, 0777) && errno != EEXIST) err = errno;
    if (!err && access(path, W_OK)) err = errno;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "-output %s: cannot create or write the run directory (%s)", dir, strerror((int)err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunPath(UphillRun run, const char *name, char *path, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "%s/%s", run->dir, name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteRunOpts(UphillRun run)
{
  PetscMPIInt rank;
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  PetscInt    err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  if (rank == 0) {
    FILE *fp;
    errno = 0;
    PetscCall(UphillRunPath(run, "run.opts", path, sizeof(path)));
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
    fp = fopen(tmp, "w");
    if (fp) {
      PetscMPIInt size;
      /* rank 0 alone: failures become an errno that every rank learns, never a lone return */
      const PetscErrorCode ierr = UphillOptionsWrite(&run->opt, fp);
      (void)MPI_Comm_size(run->comm, &size);
      if (fprintf(fp, "# ranks: %d\n", (int)size) < 0 || (run->restarted && fprintf(fp, "# continued from %s\n", run->restart_path) < 0) || ierr) err = errno ? errno : EIO;
      if (ferror(fp) || fclose(fp) || rename(tmp, path)) err = err ? err : (errno ? errno : EIO);
    } else err = errno ? errno : EIO;
    if (err) (void)remove(tmp);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_INT, 0, run->comm));
  PetscCheck(!err, run->comm, PETSC_ERR_FILE_WRITE, "cannot write run.opts in -output %s (%s)", run->dir, strerror((int)err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A run directory belongs to one run: a new run refuses a directory that holds another
 * (its results would be mixed or overwritten) unless -force; -restart needs a checkpoint. */
static PetscErrorCode ClaimDirectory(UphillRun r)
{
  const UphillOptions *o = &r->opt;
  PetscMPIInt          rank;
  PetscInt             holds = 0;
  char                 path[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  if (o->restart[0]) {
    if (!strcmp(o->restart, "auto")) {
      PetscCall(UphillCheckpointFindLatest(r->comm, r->dir, r->restart_path, sizeof(r->restart_path)));
      PetscCheck(r->restart_path[0], r->comm, PETSC_ERR_FILE_OPEN, "-restart auto: no checkpoint_*.h5 in -output %s", r->dir);
    } else PetscCall(PetscStrncpy(r->restart_path, o->restart, sizeof(r->restart_path)));
    r->restarted = PETSC_TRUE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (rank == 0) {
    const char *marks[] = {"run.opts", "diagnostics.csv", "final.h5"};
    for (int i = 0; i < 3 && !holds; i++) {
      (void)snprintf(path, sizeof(path), "%s/%s", r->dir, marks[i]);
      holds = access(path, F_OK) == 0;
    }
  }
  PetscCallMPI(MPI_Bcast(&holds, 1, MPIU_INT, 0, r->comm));
  PetscCheck(!holds || o->force, r->comm, PETSC_ERR_FILE_OPEN, "-output %s already holds a run; continue it with -restart auto, replace it with -force, or choose another -output", r->dir);
  r->replace = (PetscBool)holds; /* cleared in UphillRunOpenOutput, once the inputs are read */
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunCreate(MPI_Comm comm, const UphillOptions *opt, UphillRun *run)
{
  UphillRun        r;
  UphillGridParams gp;
  SchemeModel      m;

  PetscFunctionBegin;
  PetscCall(PetscNew(&r));
  r->comm = comm;
  r->opt  = *opt;
  PetscCall(PetscStrncpy(r->dir, opt->output, sizeof(r->dir)));
  PetscCall(PetscLogEventRegister("UphillIO", DM_CLASSID, &r->ev_io));

  gp.dim        = opt->dim;
  gp.N          = opt->N;
  gp.L          = opt->L_core;
  gp.fftw_flags = (unsigned)opt->fftw_flags;
  gp.wisdom     = opt->wisdom;
  PetscCall(UphillGridCreate(comm, &gp, &r->grid));
  r->grid->ell = opt->ell;
  PetscCall(SchemeModelFromOptions(opt, &m));
  PetscCall(UphillSchemeCreate(r->grid, &m, &r->scheme));
  PetscCall(UphillDiagCreate(r->scheme, &r->opt, &r->diag));
  PetscCall(DMCreateGlobalVector(r->grid->da, &r->c));
  PetscCall(PetscObjectSetName((PetscObject)r->c, "c"));

  PetscCall(ClaimDirectory(r));
  *run = r;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Remove the files of the run being replaced (-force), top level and one folder deep. */
static PetscErrorCode RemoveOldRun(UphillRun r)
{
  PetscMPIInt       rank;
  const char *const sub[] = {"", "/frames", "/fields"};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  for (int k = 0; rank == 0 && k < 3; k++) {
    char           path[PETSC_MAX_PATH_LEN + 16];
    DIR           *d;
    struct dirent *e;
    (void)snprintf(path, sizeof(path), "%s%s", r->dir, sub[k]);
    d = opendir(path);
    while (d && (e = readdir(d))) {
      const char *n = e->d_name;
      char        old[2 * PETSC_MAX_PATH_LEN + 128];
      /* only what a run writes: exact names at the top, frame_/c_ files in their folders */
      const int ours = k == 0 ? (!strncmp(n, "checkpoint_", 11) || !strcmp(n, "final.h5") || !strcmp(n, "final.xmf") || !strcmp(n, "last_good.h5") || !strcmp(n, "last_good.xmf") || !strcmp(n, "last_good.png") ||
                                 !strcmp(n, "diagnostics.csv") || !strcmp(n, "run.opts"))
                              : (k == 1 ? !strncmp(n, "frame_", 6) : !strncmp(n, "c_", 2));
      if (!ours) continue;
      (void)snprintf(old, sizeof(old), "%s/%s", path, n);
      (void)remove(old);
    }
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Barrier(r->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Only once the inputs (options, -ic_file, -restart) have been read without error is
 * anything written or removed, so bad input never damages or half-makes a run directory. */
PetscErrorCode UphillRunOpenOutput(UphillRun r)
{
  const UphillOptions *opt  = &r->opt;
  MPI_Comm             comm = r->comm;
  char                 path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (r->replace) PetscCall(RemoveOldRun(r));
  PetscCall(MakeDirs(comm, r->dir));
  if (opt->frames > 0) {
    PetscCall(UphillRunPath(r, "frames", path, sizeof(path)));
    PetscCall(MakeDirs(comm, path));
  }
  if (opt->dump_every > 0) {
    PetscCall(UphillRunPath(r, "fields", path, sizeof(path)));
    PetscCall(MakeDirs(comm, path));
  }
  PetscCall(WriteRunOpts(r));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunDestroy(UphillRun *run)
{
  PetscFunctionBegin;
  if (!*run) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecDestroy(&(*run)->c));
  PetscCall(UphillDiagDestroy(&(*run)->diag));
  PetscCall(UphillSchemeDestroy(&(*run)->scheme));
  PetscCall(UphillGridDestroy(&(*run)->grid));
  PetscCall(PetscFree(*run));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* splitmix64: a counter-based generator, so the value at a grid point depends only on
 * the seed and the point's global index, never on the decomposition. */
static inline PetscReal HashUniform(PetscInt64 seed, PetscInt64 index)
{
  uint64_t z = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + (uint64_t)index + 0x632BE59BD9B4E019ULL;
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z          = z ^ (z >> 31);
  return (PetscReal)(z >> 11) * 0x1.0p-53; /* [0,1) */
}

PetscErrorCode UphillRunInitialCondition(UphillRun run)
{
  const UphillOptions *o = &run->opt;
  UphillGrid           g = run->grid;
  PetscScalar         *c;
  PetscInt             n;

  PetscFunctionBegin;
  if (run->restarted) {
    PetscCall(UphillCheckpointRead(run, run->restart_path, &run->restart_state));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (o->ic == UPHILL_IC_FILE) {
    PetscCall(UphillH5ReadField(g, run->c, o->ic_file));
  } else {
    PetscCheck(o->ic != UPHILL_IC_PFHUB1A || g->dim == 2, run->comm, PETSC_ERR_ARG_INCOMP, "-ic pfhub1a is the 2D benchmark field; use -dim 2");
    PetscCall(VecGetLocalSize(run->c, &n));
    PetscCall(VecGetArray(run->c, &c));
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt64 gi = UphillGridGlobalIndex(g, i);
      const PetscReal  x  = (PetscReal)(gi % g->N) * g->h;
      const PetscReal  y  = (PetscReal)((gi / g->N) % g->N) * g->h;
      switch (o->ic) {
      case UPHILL_IC_RANDOM:
        c[i] = o->c0 + o->noise * (2.0 * HashUniform(o->seed, gi) - 1.0);
        break;
      case UPHILL_IC_MODE:
        c[i] = o->c0 + o->ic_amp * PetscCosReal(2.0 * PETSC_PI * o->ic_mode * x / g->L);
        break;
      case UPHILL_IC_PFHUB1A: {
        /* PFHub benchmark 1a: c0 + eps[cos(0.105x)cos(0.11y) + (cos(0.13x)cos(0.087y))^2
         *                            + cos(0.025x - 0.15y) cos(0.07x - 0.02y)], eps = 0.01 */
        const PetscReal eps = 0.01, a = PetscCosReal(0.13 * x) * PetscCosReal(0.087 * y);
        c[i] = o->c0 + eps * (PetscCosReal(0.105 * x) * PetscCosReal(0.11 * y) + a * a + PetscCosReal(0.025 * x - 0.15 * y) * PetscCosReal(0.07 * x - 0.02 * y));
      } break;
      default:
        break;
      }
    }
    PetscCall(VecRestoreArray(run->c, &c));
  }
  PetscCall(UphillSchemeSetState(run->scheme, run->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

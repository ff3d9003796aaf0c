/* Assembling a run from the options: directory, provenance (run.opts), grid, scheme,
 * diagnostics, initial state, stepper and monitors; and reporting how it ended. */
#include <uphill/run.h>
#include <uphill/monitors.h>
#include <uphill/collective.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include <uphill/version.h>
#include <uphill/io_h5.h>
#include <uphill/runlock.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_MAX_ID 32

struct _n_UphillRun {
  MPI_Comm       comm;
  UphillOptions  opt;
  UphillGrid     grid;
  UphillScheme   scheme;
  UphillDiag     diag;
  UphillStepper  stepper;
  UphillOutput   out;
  char           dir[PETSC_MAX_PATH_LEN];
  char           restart_path[PETSC_MAX_PATH_LEN]; /* "" for a new run */
  PetscBool      replace; /* -force over an existing run: its files go before new ones come */
  UphillRunLock  lock;    /* the directory's lock, from ClaimDirectory (or OpenOutput for a new directory) to UphillRunDestroy */
  UphillIdentity id[RUN_MAX_ID];
  PetscInt       nid;
};

/* mkdir -p on rank 0; every rank learns the outcome, so a bad -output stops all ranks with
 * one message before anything is computed. */
static int MakeDirsLocal(const char *dir)
{
  char path[PETSC_MAX_PATH_LEN];

  if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) return ENAMETOOLONG;
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0777) && errno != EEXIST) return UphillErrno();
    *p = '/';
  }
  if (mkdir(path, 0777) && errno != EEXIST) return UphillErrno();
  return access(path, W_OK) ? UphillErrno() : 0;
}

static PetscErrorCode MakeDirs(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(UphillCheckRoot(comm, rank == 0 ? MakeDirsLocal(dir) : 0, PETSC_ERR_FILE_OPEN, "-output %s: cannot create or write the run directory", dir));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunPath(UphillRun run, const char *name, char *path, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "%s/%s", run->dir, name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int WriteRunOpts(FILE *fp, void *ctx)
{
  const UphillRun run = (UphillRun)ctx;
  PetscMPIInt     size;
  int             err = UphillOptionsWrite(&run->opt, fp);

  (void)MPI_Comm_size(run->comm, &size);
  if (!err && fprintf(fp, "# ranks: %d\n", (int)size) < 0) err = UphillErrno();
  if (!err && run->restart_path[0] && fprintf(fp, "# continued from %s\n", run->restart_path) < 0) err = UphillErrno();
  return err;
}

/* A new run refuses a directory that holds another (its results would be mixed or
 * overwritten) unless -force. */
static PetscErrorCode CheckHolds(UphillRun r)
{
  PetscMPIInt rank;
  int         holds = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  if (rank == 0) {
    const char *marks[] = {"run.opts", "diagnostics.csv", "final.h5"};
    for (int i = 0; i < 3 && !holds; i++) {
      char path[PETSC_MAX_PATH_LEN + 64];
      (void)snprintf(path, sizeof(path), "%s/%s", r->dir, marks[i]);
      holds = access(path, F_OK) == 0;
    }
  }
  PetscCallMPI(MPI_Bcast(&holds, 1, MPI_INT, 0, r->comm));
  PetscCheck(!holds || r->opt.force, r->comm, PETSC_ERR_FILE_OPEN, "-output %s already holds a run; continue it with -restart auto, replace it with -force, or choose another -output", r->dir);
  r->replace = (PetscBool)holds; /* acted on in OpenOutput, once the inputs are read */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* -restart auto: the newest checkpoint that verifies (complete, undamaged, of this
 * simulation); each one passed over is named with the reason. */
static PetscErrorCode FindRestart(UphillRun r)
{
  PetscInt64 below = INT64_MAX, step;
  PetscInt   skipped = 0;
  PetscBool  ok      = PETSC_FALSE;
  char       why[1024];

  PetscFunctionBegin;
  while (!ok) {
    PetscCall(UphillCheckpointFindLatest(r->comm, r->dir, below, r->restart_path, sizeof(r->restart_path), &step));
    if (!r->restart_path[0]) break;
    PetscCall(UphillCheckpointVerify(r->grid, r->restart_path, r->nid, r->id, &ok, why, sizeof(why)));
    if (ok) break;
    PetscCall(PetscFPrintf(r->comm, PETSC_STDERR, "uphill: warning: -restart auto skips %s: %s\n", r->restart_path, why));
    skipped++;
    below = step;
  }
  PetscCheck(ok || !skipped, r->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart auto: none of the %" PetscInt_FMT " checkpoint(s) in -output %s can be used (each is named above with the reason); start the run again without -restart", skipped, r->dir);
  PetscCheck(ok, r->comm, PETSC_ERR_FILE_OPEN, "-restart auto: no checkpoint_*.h5 in -output %s", r->dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A run directory belongs to one run at a time: a run that finds it (it need not exist yet
 * for a new run) locks it first, so a second run into it is refused whatever it asks for, and
 * a restart chooses among checkpoints no one is writing. Then a new run must not take a
 * directory holding another unless -force, and -restart needs a checkpoint. */
static PetscErrorCode ClaimDirectory(UphillRun r)
{
  const UphillOptions *o = &r->opt;
  PetscMPIInt          rank;
  int                  exists = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  if (rank == 0) {
    struct stat sb;
    exists = !stat(r->dir, &sb) && S_ISDIR(sb.st_mode);
  }
  PetscCallMPI(MPI_Bcast(&exists, 1, MPI_INT, 0, r->comm));
  if (exists) PetscCall(UphillRunLockAcquire(r->comm, r->dir, &r->lock));
  if (o->restart[0]) {
    if (!strcmp(o->restart, "auto")) PetscCall(FindRestart(r));
    else PetscCall(PetscStrncpy(r->restart_path, o->restart, sizeof(r->restart_path)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CheckHolds(r));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What makes two runs the same simulation (checked when a checkpoint is read). */
static void SetIdentity(UphillRun r, const UphillGridInfo *g, const UphillSchemeParams *sp)
{
  const ThermoModel *m = &sp->model;
  PetscInt           n = 0;

  r->id[n++] = (UphillIdentity){"dim", (PetscReal)g->dim};
  r->id[n++] = (UphillIdentity){"N", (PetscReal)g->n[0]};
  r->id[n++] = (UphillIdentity){"Ny", (PetscReal)g->n[1]};
  r->id[n++] = (UphillIdentity){"Nz", (PetscReal)g->n[2]};
  r->id[n++] = (UphillIdentity){"L", g->len[0]};
  r->id[n++] = (UphillIdentity){"Ly", g->len[1]};
  r->id[n++] = (UphillIdentity){"Lz", g->len[2]};
  r->id[n++] = (UphillIdentity){"bc_noflux", (PetscReal)g->walls};
  r->id[n++] = (UphillIdentity){"model", (PetscReal)m->kind};
  r->id[n++] = (UphillIdentity){"chi", m->chi};
  r->id[n++] = (UphillIdentity){"chi1", m->chi1};
  r->id[n++] = (UphillIdentity){"misfit", m->elastic ? m->el.eta : 0.0};
  r->id[n++] = (UphillIdentity){"C11", m->elastic ? m->el.C11 : 0.0};
  r->id[n++] = (UphillIdentity){"C12", m->elastic ? m->el.C12 : 0.0};
  r->id[n++] = (UphillIdentity){"C44", m->elastic ? m->el.C44 : 0.0};
  r->id[n++] = (UphillIdentity){"r_darken", m->r};
  r->id[n++] = (UphillIdentity){"rho", m->rho};
  r->id[n++] = (UphillIdentity){"c_alpha", m->ca};
  r->id[n++] = (UphillIdentity){"c_beta", m->cb};
  r->id[n++] = (UphillIdentity){"kappa", m->kappa};
  r->id[n++] = (UphillIdentity){"mobility", m->mobility};
  r->id[n++] = (UphillIdentity){"order", (PetscReal)sp->order};
  /* SI runs: the units, so a changed -D0, -Q, -kappa or -T cannot silently rescale time */
  r->id[n++] = (UphillIdentity){"ell", r->opt.ell};
  r->id[n++] = (UphillIdentity){"tau", r->opt.tau};
  r->nid     = n;
}

PetscErrorCode UphillRunSchemeParams(const UphillOptions *o, UphillSchemeParams *p)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(p, sizeof(*p)));
  if (o->model == UPHILL_MODEL_REGULAR) {
    p->model.kind  = THERMO_MODEL_REGULAR;
    p->model.chi   = o->chi_eff;
    p->model.chi1  = o->chi1_eff;
    p->model.hchi  = o->hchi;
    p->model.hchi1 = o->hchi1;
    /* coherency strain: B (Pa) per mole is B Vm, in RT */
    p->model.elastic  = (PetscBool)(o->units == UPHILL_UNITS_SI && o->elastic == UPHILL_ELASTIC_CUBIC);
    p->model.el       = (ThermoElastic){o->misfit, o->C11, o->C12, o->C44};
    p->model.el_scale = p->model.elastic ? o->Vm / o->RT : 0.0;
    p->model.r     = o->r_darken;
    p->model.kappa = 1.0;
  } else {
    p->model.kind     = THERMO_MODEL_POLYNOMIAL;
    p->model.rho      = o->rho;
    p->model.ca       = o->c_alpha;
    p->model.cb       = o->c_beta;
    p->model.mobility = o->mobility;
    p->model.kappa    = o->kappa;
    p->model.r        = 1.0;
  }
  p->order = o->scheme == UPHILL_SCHEME_BDF2 ? 2 : 1;
  p->flux  = (UphillFluxForm)o->flux;
  p->A     = o->stab_A;
  p->S     = o->stab_S;
  p->correct = o->stab_correct;
  p->theta      = o->theta;
  p->noise_seed = o->seed;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunGridParams(const UphillOptions *opt, UphillGridParams *gp)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(gp, sizeof(*gp)));
  gp->dim = opt->dim;
  for (PetscInt d = 0; d < opt->dim; d++) {
    gp->n[d]   = opt->N[d];
    gp->len[d] = opt->L_red[d];
  }
  gp->unit   = opt->ell;
  gp->plan   = (PetscInt)opt->fftw_plan;
  gp->wisdom = opt->wisdom;
  gp->walls  = (PetscBool)(opt->bc == UPHILL_BC_NOFLUX);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunCreate(MPI_Comm comm, const UphillOptions *opt, UphillRun *run)
{
  UphillRun          r;
  UphillGridParams   gp;
  UphillSchemeParams sp;
  UphillDiagParams   dp;
  UphillGridInfo     g;

  PetscFunctionBegin;
  PetscCall(PetscLogStagePush(UPHILL_STAGE_SETUP));
  PetscCall(PetscNew(&r));
  r->comm = comm;
  r->opt  = *opt;
  PetscCall(PetscStrncpy(r->dir, opt->output, sizeof(r->dir)));
  PetscCall(UphillRunGridParams(opt, &gp));
  PetscCall(UphillGridCreate(comm, &gp, &r->grid));
  PetscCall(UphillGridGetInfo(r->grid, &g));
  PetscCall(UphillRunSchemeParams(opt, &sp));
  PetscCall(UphillSchemeCreate(r->grid, &sp, &r->scheme));
  dp.model = sp.model;
  /* F = (1/Vm) int f dV, f in RT and lengths in l: energy unit RT l^d/Vm; entropy R l^d/Vm */
  dp.energy  = 1.0;
  dp.entropy = 1.0;
  if (opt->model == UPHILL_MODEL_REGULAR && opt->units == UPHILL_UNITS_SI) {
    const PetscReal vol = PetscPowRealInt(opt->ell, opt->dim);
    dp.energy           = opt->RT / opt->Vm * vol;
    dp.entropy          = UPHILL_R / opt->Vm * vol;
  }
  dp.length = opt->ell;
  dp.time   = opt->tau;
  PetscCall(UphillDiagCreate(r->grid, &dp, &r->diag));
  {
    PetscReal *w; /* rows are made between steps, when the scheme's psi is free */
    PetscCall(UphillSchemeGetScratch(r->scheme, &w));
    PetscCall(UphillDiagSetScratch(r->diag, w));
  }
  SetIdentity(r, &g, &sp);
  {
    /* a refused directory frees the run here (the caller has none to free), lock included */
    const PetscErrorCode ierr = ClaimDirectory(r);
    if (ierr) PetscCall(UphillRunDestroy(&r));
    PetscCall(PetscLogStagePop());
    PetscCall(ierr);
  }
  *run = r;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunDestroy(UphillRun *run)
{
  UphillRun r = *run;

  PetscFunctionBegin;
  if (!r) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperDestroy(&r->stepper));
  PetscCall(UphillOutputDestroy(&r->out));
  PetscCall(UphillDiagDestroy(&r->diag));
  PetscCall(UphillSchemeDestroy(&r->scheme));
  PetscCall(UphillGridDestroy(&r->grid));
  PetscCall(UphillRunLockRelease(&r->lock));
  PetscCall(PetscFree(r));
  *run = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunGetScheme(UphillRun run, UphillScheme *scheme)
{
  PetscFunctionBegin;
  *scheme = run->scheme;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunGetGrid(UphillRun run, UphillGrid *grid)
{
  PetscFunctionBegin;
  *grid = run->grid;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A file a run writes into its directory (k = 0), frames/ (1) or fields/ (2), or what a
 * writer killed in the middle of writing one left (NAME.tmp): the exact names at the top
 * (the lock is not among them: this run holds it), frame_ and c_ files in their folders. */
static PetscBool IsRunFile(int k, const char *n)
{
  const char *const top[] = {"final.h5", "final.xmf", "last_good.h5", "last_good.xmf", "last_good.png", "diagnostics.csv", "structure_factor.csv", "run.opts", "fields.xmf"};
  const size_t      len   = strlen(n);

  if (k == 1) return (PetscBool)!strncmp(n, "frame_", 6);
  if (k == 2) return (PetscBool)!strncmp(n, "c_", 2);
  if (!strncmp(n, "checkpoint_", 11)) return PETSC_TRUE;
  for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
    const size_t m = strlen(top[i]);
    if (!strncmp(n, top[i], m) && (len == m || !strcmp(n + m, ".tmp"))) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* Remove the files of the run being replaced (-force): only what a run writes. */
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
      char old[2 * PETSC_MAX_PATH_LEN + 128];
      if (!IsRunFile(k, e->d_name)) continue;
      (void)snprintf(old, sizeof(old), "%s/%s", path, e->d_name);
      (void)remove(old);
    }
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Barrier(r->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Only once the inputs (options, -ic_file, -restart) have been read without error is
 * anything written or removed, so bad input never damages or half-makes a run directory. */
static PetscErrorCode OpenOutput(UphillRun r)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (!r->lock) {
    /* the directory did not exist when the run was created: make it, lock it, and look again
     * (another run may have made it meanwhile) */
    PetscCall(MakeDirs(r->comm, r->dir));
    PetscCall(UphillRunLockAcquire(r->comm, r->dir, &r->lock));
    if (!r->restart_path[0]) PetscCall(CheckHolds(r));
  }
  if (r->replace) PetscCall(RemoveOldRun(r));
  PetscCall(MakeDirs(r->comm, r->dir));
  if (r->opt.frames > 0) {
    PetscCall(UphillRunPath(r, "frames", path, sizeof(path)));
    PetscCall(MakeDirs(r->comm, path));
  }
  if (r->opt.dump_every > 0 || r->opt.ndump_times > 0) {
    PetscCall(UphillRunPath(r, "fields", path, sizeof(path)));
    PetscCall(MakeDirs(r->comm, path));
  }
  PetscCall(UphillRunPath(r, "run.opts", path, sizeof(path)));
  PetscCall(UphillWriteFileRoot(r->comm, path, WriteRunOpts, r));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The regular solution's f holds ln c and ln(1-c), so a field from a file that leaves (0,1)
 * has no energy: refused for what it is, before F is computed (NaN and Inf were refused on
 * reading). */
static PetscErrorCode CheckFileRange(Vec c, const char *file)
{
  PetscReal lo, hi;

  PetscFunctionBegin;
  PetscCall(VecMin(c, NULL, &lo));
  PetscCall(VecMax(c, NULL, &hi));
  PetscCheck(lo > 0 && hi < 1, PetscObjectComm((PetscObject)c), PETSC_ERR_ARG_OUTOFRANGE, "-ic_file %s: c must lie in (0,1) for the regular solution; found min %g, max %g", file, (double)lo, (double)hi);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A diffusion couple in a periodic box: c_l + (c_r - c_l) u(x), u the step up at L_x/2 and
 * down again at L_x = 0, each a tanh of width w, summed over the box's periodic images so the
 * field is smooth across x = 0 (the neglected images weigh less than e^{-2 L_x/w}). */
static PetscReal CoupleProfile(const UphillOptions *o, PetscReal x, PetscReal Lx)
{
  const PetscReal w = o->couple_width / o->ell;
  PetscReal       u = 0;

  /* between no-flux walls the couple has one interface */
  if (o->bc == UPHILL_BC_NOFLUX) return o->couple_c[0] + (o->couple_c[1] - o->couple_c[0]) * 0.5 * (1.0 + PetscTanhReal((x - 0.5 * Lx) / w));
  for (PetscInt m = -2; m <= 2; m++) u += 0.5 * (PetscTanhReal((x - 0.5 * Lx - m * Lx) / w) - PetscTanhReal((x - Lx - m * Lx) / w));
  return o->couple_c[0] + (o->couple_c[1] - o->couple_c[0]) * u;
}

/* The initial condition of the options: the same field for any rank count (the random
 * field is counter-based on the global index). */
static PetscErrorCode InitialField(UphillRun run, Vec cvec)
{
  const UphillOptions *o = &run->opt;
  UphillGridInfo       g;
  PetscScalar         *c;

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(run->grid, &g));
  if (o->ic == UPHILL_IC_FILE) {
    PetscCall(UphillH5ReadField(run->grid, cvec, o->ic_file, "-ic_file"));
    if (o->model == UPHILL_MODEL_REGULAR) PetscCall(CheckFileRange(cvec, o->ic_file));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(VecGetArray(cvec, &c));
  for (PetscInt i = 0; i < g.nlocal; i++) {
    PetscReal x[3];
    UphillGridCoordinates(&g, i, x);
    switch (o->ic) {
    case UPHILL_IC_RANDOM:
      c[i] = o->c0 + o->noise * (2.0 * UphillHashUniform((uint64_t)o->seed, (uint64_t)UphillGridGlobalIndex(&g, i)) - 1.0);
      break;
    case UPHILL_IC_COUPLE:
      c[i] = CoupleProfile(o, x[0], g.len[0]) + o->noise * (2.0 * UphillHashUniform((uint64_t)o->seed, (uint64_t)UphillGridGlobalIndex(&g, i)) - 1.0);
      break;
    case UPHILL_IC_MODE:
      c[i] = o->c0 + o->ic_amp * PetscCosReal(2.0 * PETSC_PI * o->ic_mode * x[0] / g.len[0]);
      break;
    case UPHILL_IC_PFHUB1A: {
      /* PFHub benchmark 1a: c0 + eps[cos(0.105x)cos(0.11y) + (cos(0.13x)cos(0.087y))^2
       *                            + cos(0.025x - 0.15y) cos(0.07x - 0.02y)], eps = 0.01 */
      const PetscReal eps = 0.01, a = PetscCosReal(0.13 * x[0]) * PetscCosReal(0.087 * x[1]);
      c[i] = o->c0 + eps * (PetscCosReal(0.105 * x[0]) * PetscCosReal(0.11 * x[1]) + a * a + PetscCosReal(0.025 * x[0] - 0.15 * x[1]) * PetscCosReal(0.07 * x[0] - 0.02 * x[1]));
    } break;
    default:
      break;
    }
  }
  PetscCall(VecRestoreArray(cvec, &c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first adaptive step, from the linear growth time 1/R_max of the mean composition
 * (ThermoFastestMode in the solver's units: the scheme's model and kappa): a thousandth of it,
 * so the steps the controller cannot yet estimate (BDF2's start) are accurate. A stable alloy
 * (f'' > 0) takes the rate of its mirror image -f'', the same M0 f''^2/(4 kappa), as its time
 * scale. */
static PetscErrorCode FirstStep(const UphillSchemeParams *sp, PetscReal c0, PetscReal *dt)
{
  const ThermoModel *m = &sp->model;
  PetscReal          km, lambda, R;
  PetscBool          unstable;

  PetscFunctionBegin;
  PetscCall(ThermoFastestMode(ThermoModelMobility(m, c0), -PetscAbsReal(ThermoModelD2F(m, c0)), m->kappa, &km, &lambda, &R, &unstable));
  *dt = R > 0 ? 1e-3 / R : 1e-3;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CreateStepper(UphillRun r, const UphillCheckpointState *rs)
{
  const UphillOptions *o = &r->opt;
  UphillStepperParams  p;
  UphillSchemeParams   sp;
  UphillGridInfo       g;
  PetscReal            dt0 = 0;

  PetscFunctionBegin;
  PetscCall(UphillSchemeGetParams(r->scheme, &sp));
  PetscCall(UphillGridGetInfo(r->grid, &g));
  PetscCall(PetscMemzero(&p, sizeof(p)));
  if (!(o->dt_red > 0)) { /* no -dt: uphill chooses the first step */
    PetscCall(FirstStep(&sp, o->c0, &dt0));
    dt0 = PetscMin(dt0, 0.01 * o->t_end_red);
  }
  p.t_end     = o->t_end_red;
  p.max_steps = o->max_steps;
  p.adapt     = o->adapt;
  p.dt        = o->dt_red > 0 ? o->dt_red : dt0;
  p.tol       = o->adapt_tol;
  p.dt_max    = o->dt_max_red;
  p.order     = sp.order;
  p.energy    = (PetscBool)!(o->theta > 0); /* thermal noise raises F as it should: no energy check */
  p.energy_every = o->adapt ? 1 : o->diag_every;
  p.bounds01  = (PetscBool)(o->model == UPHILL_MODEL_REGULAR);
  p.volume    = g.cell * (PetscReal)g.ntot;
  PetscCall(UphillStepperCreate(r->scheme, &p, &r->stepper));
  if (rs) PetscCall(UphillStepperSetState(r->stepper, &rs->loop));
  PetscCall(UphillOutputAttach(r->out, r->stepper));
  PetscCall(UphillStepperSetUp(r->stepper));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunSetUp(UphillRun r)
{
  UphillCheckpointState rs;
  PetscReal             F, cmin, cmax;

  PetscFunctionBegin;
  PetscCall(PetscLogStagePush(UPHILL_STAGE_SETUP));
  if (r->restart_path[0]) {
    PetscCall(UphillCheckpointRead(r->grid, r->scheme, r->restart_path, r->nid, r->id, &rs));
  } else {
    Vec c;
    PetscCall(UphillGridCreateVec(r->grid, &c));
    PetscCall(InitialField(r, c));
    PetscCall(UphillSchemeSetState(r->scheme, c));
    PetscCall(VecDestroy(&c));
  }
  PetscCall(UphillSchemeGetEnergy(r->scheme, &F, &cmin, &cmax));
  {
    const char *what = r->restart_path[0] ? "restart state" : "initial condition";
    char        range[96];
    PetscCheck(!PetscIsInfOrNanReal(cmin) && !PetscIsInfOrNanReal(cmax) && !PetscIsInfOrNanReal(F), r->comm, PETSC_ERR_ARG_OUTOFRANGE, "the %s is not admissible: the field contains NaN or Inf", what);
    (void)snprintf(range, sizeof(range), "[%g, %g]", (double)cmin, (double)cmax);
    PetscCheck(r->opt.model == UPHILL_MODEL_POLYNOMIAL || (cmin > 0 && cmax < 1), r->comm, PETSC_ERR_ARG_OUTOFRANGE, "the %s is not admissible: c in %s leaves (0,1)", what, range);
  }
  PetscCall(OpenOutput(r));
  PetscCall(UphillOutputCreate(&r->opt, r->dir, r->grid, r->diag, r->nid, r->id, &r->out));
  PetscCall(UphillOutputOpen(r->out, r->restart_path[0] ? &rs : NULL));
  PetscCall(CreateStepper(r, r->restart_path[0] ? &rs : NULL));
  if (r->restart_path[0] && !r->opt.quiet) PetscCall(PetscPrintf(r->comm, "continuing from %s: step %" PetscInt_FMT ", t = %g %s\n", r->restart_path, rs.loop.step, (double)(rs.loop.t * r->opt.tau), UphillOptionsTimeUnit(&r->opt)));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One line on how the run ended; the errors of a failed or stopped run go to stderr. */
static PetscErrorCode Report(UphillRun r, UphillStopReason reason, const char *msg)
{
  const UphillOptions *o = &r->opt;
  UphillStepperStats   s;
  PetscReal            t, h;
  PetscInt             step;
  const char          *ckpt;
  char                 line[8192];

  PetscFunctionBegin;
  PetscCall(UphillStepperGetStats(r->stepper, &s));
  PetscCall(UphillStepperGetTime(r->stepper, &t, &step, &h));
  PetscCall(UphillOutputGetCheckpointPath(r->out, &ckpt));
  if (!o->quiet) {
    (void)snprintf(line, sizeof(line), "done (%s): %d steps (%d rejected) to t = %g %s in %.2f s; %.3f ms/step, %.2f FFTs/step\n", UphillStopReasons[reason], (int)s.steps, (int)s.rejected, (double)(t * o->tau), UphillOptionsTimeUnit(o), s.wall,
                   s.steps ? 1e3 * s.wall / s.steps : 0.0, s.steps ? (double)s.transforms / s.steps : 0.0);
    PetscCall(PetscPrintf(r->comm, "%s", line));
  }
  line[0] = 0;
  if (reason == UPHILL_STOP_SIGNAL)
    (void)snprintf(line, sizeof(line), "%s after step %d at t = %g %s; checkpoint written to %s. Continue with the same options plus -restart auto", msg, (int)step, (double)(t * o->tau), UphillOptionsTimeUnit(o), ckpt);
  else if (reason == UPHILL_STOP_FAILED)
    (void)snprintf(line, sizeof(line), "numerical failure at step %d, t = %g %s (step %g): %s. The state before the step is in %s/last_good.h5 and last_good.png; %s", (int)(step + 1), (double)(t * o->tau), UphillOptionsTimeUnit(o), (double)(h * o->tau), msg, r->dir,
                   o->adapt ? "lower -adapt_tol or -dt_max" : "reduce -dt, or leave -dt out for error-controlled steps");
  else if (reason == UPHILL_STOP_MAX_STEPS)
    (void)snprintf(line, sizeof(line), "stopped at -max_steps %d before -t_end; continue with -restart auto and a larger -max_steps", (int)o->max_steps);
  if (line[0]) PetscCall(PetscFPrintf(r->comm, PETSC_STDERR, "uphill: %s: %s\n", reason == UPHILL_STOP_FAILED ? "error" : "stopped", line));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillRunSolve(UphillRun r, UphillStopReason *reason)
{
  PetscErrorCode ierr;
  const char    *msg;

  PetscFunctionBegin;
  if (!r->opt.quiet) {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(r->comm, &size));
    char grid[96];
    if (r->opt.dim == 2) PetscCall(PetscSNPrintf(grid, sizeof(grid), "%" PetscInt_FMT " x %" PetscInt_FMT, r->opt.N[0], r->opt.N[1]));
    else PetscCall(PetscSNPrintf(grid, sizeof(grid), "%" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT, r->opt.N[0], r->opt.N[1], r->opt.N[2]));
    PetscCall(PetscPrintf(r->comm, "uphill %s: %s grid on %d rank(s), %s steps, output in %s\n", UPHILL_VERSION, grid, (int)size, r->opt.adapt ? "error-controlled" : "fixed", r->dir));
  }
  PetscCall(PetscLogStagePush(UPHILL_STAGE_LOOP));
  PetscCall(UphillOutputSignalsInstall(r->out));
  ierr = UphillStepperSolve(r->stepper);
  /* the previous handlers come back on every path, errors included */
  PetscCall(UphillOutputSignalsRestore(r->out));
  PetscCall(ierr);
  PetscCall(PetscLogStagePop());
  PetscCall(UphillStepperGetReason(r->stepper, reason, &msg));
  PetscCall(Report(r, *reason, msg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

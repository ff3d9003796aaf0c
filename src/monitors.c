/* The standard monitors of a run, called by the stepper after every accepted step (and once
 * before the first, and once on a failure). Times are in the solver's (reduced) units and
 * reported in the run's. */
#include <uphill/monitors.h>
#include <uphill/io_png.h>
#include <uphill/io_h5.h>
#include <uphill/package.h>
#include <uphill/flux.h>
#include <signal.h>

#define OUTPUT_MAX_ID 32

struct _n_UphillOutput {
  UphillOptions    opt;
  char             dir[PETSC_MAX_PATH_LEN];
  UphillGrid       grid;
  UphillDiag       diag;
  UphillIdentity   id[OUTPUT_MAX_ID];
  PetscInt         nid;
  PetscReal       *frame_t;     /* frame times */
  PetscInt         frame;       /* next frame */
  PetscReal        diag_t[UPHILL_MAX_LIST]; /* -diag_times, reduced units, sorted */
  PetscInt         ndiag, next_diag;
  PetscReal        dump_t[UPHILL_MAX_LIST]; /* -dump_times, reduced units, sorted */
  PetscInt         ndump, next_dump;
  PetscBool        row_regular; /* the diagnostics row of this step is on cadence or at a frame */
  PetscBool        ckpt_due;    /* the wall-clock checkpoint interval has passed */
  PetscLogDouble   wall0, wall_progress, wall_ckpt;
  char             ckpt_path[PETSC_MAX_PATH_LEN];
  struct sigaction old[3];
  PetscBool        installed;
  UphillFlux       flux;        /* -frame_field uphill|mu: made at the first such frame */
  Vec              ffield;      /* the frame's field */
};

static const int stop_signals[3] = {SIGTERM, SIGINT, SIGUSR1};

/* A batch scheduler announces the wall-time kill with SIGTERM (Slurm), SIGUSR1 (a --signal
 * request, or mpiexec forwarding) or SIGINT; a handler can only set a flag and has no
 * context argument, so this is the one file-scope variable of uphill's state. */
static volatile sig_atomic_t stop_signal = 0;

static void OnStopSignal(int sig)
{
  stop_signal = sig;
}

/* Frame times: linear, or log-spaced because coarsening spans decades and a movie of evenly
 * spaced frames would spend all but its first frames on slow coarsening. */
static void FrameTimes(const UphillOptions *o, PetscReal *ft)
{
  const PetscInt  n  = o->frames;
  const PetscReal te = o->t_end_red, t1 = PetscMax(o->dt_red, te * 1e-3);

  for (PetscInt i = 0; i < n; i++) {
    if (n == 1) ft[i] = te;
    else if (o->frame_spacing == UPHILL_FRAMES_LINEAR) ft[i] = te * i / (n - 1);
    else ft[i] = i == 0 ? 0.0 : t1 * PetscPowReal(te / t1, (PetscReal)(i - 1) / (PetscReal)(n - 2 > 0 ? n - 2 : 1));
  }
  if (n > 0) ft[n - 1] = te;
}

PetscErrorCode UphillOutputCreate(const UphillOptions *opt, const char *dir, UphillGrid grid, UphillDiag diag, PetscInt nid, const UphillIdentity id[], UphillOutput *output)
{
  UphillOutput out;

  PetscFunctionBegin;
  PetscCheck(nid <= OUTPUT_MAX_ID, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many identity entries");
  PetscCall(PetscNew(&out));
  out->opt  = *opt;
  out->grid = grid;
  out->diag = diag;
  out->nid  = nid;
  for (PetscInt i = 0; i < nid; i++) out->id[i] = id[i];
  PetscCall(PetscStrncpy(out->dir, dir, sizeof(out->dir)));
  PetscCall(PetscMalloc1(PetscMax(opt->frames, 1), &out->frame_t));
  FrameTimes(opt, out->frame_t);
  out->ndiag = opt->ndiag_times;
  for (PetscInt i = 0; i < out->ndiag; i++) out->diag_t[i] = opt->diag_times[i] / opt->tau;
  PetscCall(PetscSortReal(out->ndiag, out->diag_t));
  out->ndump = opt->ndump_times;
  for (PetscInt i = 0; i < out->ndump; i++) out->dump_t[i] = opt->dump_times[i] / opt->tau;
  PetscCall(PetscSortReal(out->ndump, out->dump_t));
  out->row_regular = PETSC_TRUE;
  *output          = out;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputDestroy(UphillOutput *output)
{
  PetscFunctionBegin;
  if (!*output) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*output)->frame_t));
  PetscCall(UphillFluxDestroy(&(*output)->flux));
  PetscCall(VecDestroy(&(*output)->ffield));
  PetscCall(PetscFree(*output));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputGetCheckpointPath(UphillOutput out, const char **path)
{
  PetscFunctionBegin;
  *path = out->ckpt_path;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputOpen(UphillOutput out, const UphillCheckpointState *rs)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/diagnostics.csv", out->dir));
  if (!rs) {
    PetscCall(UphillDiagOpenCSV(out->diag, path, -1));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* frames already written stay; frame times of a changed -t_end start after t */
  while (out->frame < out->opt.frames && out->frame_t[out->frame] <= rs->loop.t * (1 + 1e-12)) out->frame++;
  while (out->next_diag < out->ndiag && out->diag_t[out->next_diag] <= rs->loop.t * (1 + 1e-12)) out->next_diag++;
  while (out->next_dump < out->ndump && out->dump_t[out->next_dump] <= rs->loop.t * (1 + 1e-12)) out->next_dump++;
  out->row_regular = (PetscBool)rs->row;
  /* an off-cadence row (written because the run ended there) goes, since the continued run
   * will not end there, unless the continuation takes no step at all */
  {
    const PetscBool continues = (PetscBool)(rs->loop.t < out->opt.t_end_red * (1 - 1e-12) && rs->loop.step < out->opt.max_steps);
    PetscCall(UphillDiagOpenCSV(out->diag, path, (rs->row || !continues) ? rs->loop.step : rs->loop.step - 1));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ frames and rows */

static void TimeLabel(const UphillOptions *o, PetscReal t, char *buf, size_t len)
{
  if (o->model == UPHILL_MODEL_REGULAR && o->units == UPHILL_UNITS_SI) (void)snprintf(buf, len, "t = %.3g s  (%.3g tau)", (double)(t * o->tau), (double)t);
  else if (o->model == UPHILL_MODEL_REGULAR) (void)snprintf(buf, len, "t = %.4g tau", (double)t);
  else (void)snprintf(buf, len, "t = %.4g", (double)t);
}

/* The field a frame shows (-frame_field): c itself; signed J.grad c on a symmetric range with
 * the diverging map (red: uphill, blue: downhill, white: no flux); or mu on its own range.
 * Without a scheme (the last good state after a failure) always c. */
static PetscErrorCode FrameField(UphillOutput out, UphillScheme scheme, Vec c, Vec *show, ImageStyle *st, const char **what)
{
  const UphillOptions *o = &out->opt;
  UphillFluxFields     ff = {NULL, NULL, NULL};
  UphillFluxStats      fs;
  const UphillComplex *chat;

  PetscFunctionBegin;
  *show = c;
  *what = "";
  if (!scheme || o->frame_field == UPHILL_FRAME_C) PetscFunctionReturn(PETSC_SUCCESS);
  if (!out->flux) {
    UphillSchemeParams sp;
    PetscCall(UphillSchemeGetParams(scheme, &sp));
    PetscReal         *w;
    PetscCall(UphillFluxCreate(out->grid, &sp.model, &out->flux));
    PetscCall(UphillSchemeGetScratch(scheme, &w)); /* frames are made between steps */
    PetscCall(UphillFluxSetScratch(out->flux, w));
    PetscCall(VecDuplicate(c, &out->ffield));
  }
  if (o->frame_field == UPHILL_FRAME_MU) ff.mu = out->ffield;
  else ff.jgc = out->ffield;
  PetscCall(UphillSchemeGetSpectralState(scheme, &chat));
  PetscCall(UphillFluxCompute(out->flux, c, chat, &ff, &fs));
  *show = out->ffield;
  if (o->frame_field == UPHILL_FRAME_MU) {
    *what = "mu/RT  ";
    PetscCall(VecMin(out->ffield, NULL, &st->vmin));
    PetscCall(VecMax(out->ffield, NULL, &st->vmax));
    if (st->vmax <= st->vmin) st->vmax = st->vmin + 1e-12;
  } else {
    *what         = "J.grad c (red: uphill)  ";
    st->diverging = PETSC_TRUE;
    st->vmax      = fs.jg_max > 0 ? fs.jg_max : 1.0;
    st->vmin      = -st->vmax;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteFrame(UphillOutput out, UphillScheme scheme, Vec c, PetscReal t, const char *name)
{
  const UphillOptions *o = &out->opt;
  ImageStyle           st;
  char                 path[PETSC_MAX_PATH_LEN], label[160], tl[128];
  const PetscInt       nmax = PetscMax(o->N[0], PetscMax(o->N[1], o->dim == 3 ? o->N[2] : 1));
  const PetscInt       nmin = PetscMin(o->N[0], PetscMin(o->N[1], o->dim == 3 ? o->N[2] : o->N[1]));
  const char          *what;
  Vec                  show;

  PetscFunctionBegin;
  /* by default small grids are upscaled so a frame is at least ~256 pixels wide and its
   * label and panel titles stay readable; a strip (1024 x 16) so it is ~48 pixels high,
   * unless that makes it wider than ~2048 */
  st.scale = PetscMin(8, PetscMax((256 + nmax - 1) / nmax, (48 + nmin - 1) / nmin));
  st.scale = o->frame_scale > 0 ? o->frame_scale : PetscMax(1, PetscMin(st.scale, 2048 / nmax));
  st.colorbar  = o->frame_colorbar;
  st.diverging = PETSC_FALSE;
  st.vmin      = 0.0;
  st.vmax      = 1.0;
  if (o->model == UPHILL_MODEL_POLYNOMIAL || o->frame_autorange) {
    PetscCall(VecMin(c, NULL, &st.vmin));
    PetscCall(VecMax(c, NULL, &st.vmax));
    if (st.vmax <= st.vmin) st.vmax = st.vmin + 1e-12;
  }
  PetscCall(FrameField(out, scheme, c, &show, &st, &what));
  TimeLabel(o, t, tl, sizeof(tl));
  PetscCall(PetscSNPrintf(label, sizeof(label), "%s%s", what, tl));
  st.label = o->frame_colorbar ? label : NULL;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", out->dir, name));
  PetscCall(PetscLogEventBegin(UPHILL_IO, 0, 0, 0, 0));
  PetscCall(UphillFrameWrite(out->grid, show, path, &st));
  PetscCall(PetscLogEventEnd(UPHILL_IO, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteRow(UphillOutput out, UphillScheme scheme, PetscInt step, PetscReal t, PetscReal h)
{
  UphillDiagValues     v;
  Vec                  c;
  const UphillComplex *chat;

  PetscFunctionBegin;
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(UphillSchemeGetSpectralState(scheme, &chat));
  PetscCall(UphillDiagCompute(out->diag, c, chat, &v));
  PetscCall(UphillDiagWriteRow(out->diag, step, t, h, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A diagnostics row on cadence (-diag_every), at every frame, at -diag_times and at the end;
 * frames at their
 * times (an adaptive step lands on them; with a fixed step the first step at or after one
 * writes it, and several frame times in one step write one frame). */
static PetscErrorCode MonitorRowsAndFrames(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput     out = (UphillOutput)ctx;
  UphillScheme     scheme;
  UphillStopReason reason;
  PetscReal        t, h;
  PetscInt         step;
  PetscBool        frame_now, diag_now = PETSC_FALSE, last;
  Vec              c;
  char             name[64];

  PetscFunctionBegin;
  if (ev == UPHILL_MONITOR_FAILED) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetScheme(st, &scheme));
  PetscCall(UphillStepperGetTime(st, &t, &step, &h));
  PetscCall(UphillStepperGetReason(st, &reason, NULL));
  PetscCall(UphillSchemeGetState(scheme, &c));
  frame_now = (PetscBool)(out->frame < out->opt.frames && t >= out->frame_t[out->frame] * (1 - 1e-12));
  if (ev == UPHILL_MONITOR_START) {
    /* the first row's dt is the first step the loop will try */
    UphillStepperParams p;
    PetscCall(UphillStepperGetParams(st, &p));
    h = p.dt;
  }
  while (out->next_diag < out->ndiag && t >= out->diag_t[out->next_diag] * (1 - 1e-12)) {
    out->next_diag++;
    diag_now = PETSC_TRUE;
  }
  last             = (PetscBool)(reason == UPHILL_STOP_T_END || reason == UPHILL_STOP_MAX_STEPS);
  out->row_regular = (PetscBool)(ev == UPHILL_MONITOR_START || step % out->opt.diag_every == 0 || frame_now || diag_now);
  if (out->row_regular || last) PetscCall(WriteRow(out, scheme, step, t, h));
  if (frame_now) {
    while (out->frame < out->opt.frames && t >= out->frame_t[out->frame] * (1 - 1e-12)) out->frame++;
    PetscCall(PetscSNPrintf(name, sizeof(name), "frames/frame_%05d.png", (int)(out->frame - 1)));
    PetscCall(WriteFrame(out, scheme, c, t, name));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Field dumps on a step cadence (-dump_every) and at -dump_times (landed on exactly), each
 * followed by fields.xmf rebuilt from the fields on disk. */
static PetscErrorCode MonitorDumps(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput out = (UphillOutput)ctx;
  UphillScheme scheme;
  PetscReal    t;
  PetscInt     step;
  PetscBool    now = PETSC_FALSE;
  Vec          c;
  char         path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (ev != UPHILL_MONITOR_STEP) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetTime(st, &t, &step, NULL));
  while (out->next_dump < out->ndump && t >= out->dump_t[out->next_dump] * (1 - 1e-12)) {
    out->next_dump++;
    now = PETSC_TRUE;
  }
  if (out->opt.dump_every > 0 && step % out->opt.dump_every == 0) now = PETSC_TRUE;
  if (!now) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetScheme(st, &scheme));
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/fields/c_%08" PetscInt_FMT ".h5", out->dir, step));
  PetscCall(UphillH5WriteField(out->grid, c, path, t * out->opt.tau, step));
  PetscCall(UphillH5WriteSeries(out->grid, out->dir)); /* fields.xmf: the time series so far */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Signals and the wall-clock checkpoint are decided together by all ranks. */
static PetscErrorCode MonitorSignals(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput     out      = (UphillOutput)ctx;
  int              flags[2] = {(int)stop_signal, 0};
  UphillStopReason reason;
  UphillGridInfo   g;
  PetscMPIInt      rank;

  PetscFunctionBegin;
  if (ev != UPHILL_MONITOR_STEP) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillGridGetInfo(out->grid, &g));
  PetscCallMPI(MPI_Comm_rank(g.comm, &rank));
  if (out->opt.checkpoint_wall > 0 && rank == 0) {
    PetscLogDouble now;
    PetscCall(PetscTime(&now));
    flags[1] = now - out->wall_ckpt >= 60.0 * out->opt.checkpoint_wall;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, g.comm));
  out->ckpt_due = (PetscBool)flags[1];
  PetscCall(UphillStepperGetReason(st, &reason, NULL));
  if (flags[0] && reason == UPHILL_STOP_NONE) {
    char msg[64];
    (void)snprintf(msg, sizeof(msg), "stopped by signal %d", flags[0]);
    PetscCall(UphillStepperSetStop(st, UPHILL_STOP_SIGNAL, msg));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checkpoints on cadence (-checkpoint_every, -checkpoint_wall), on a signal and at the end;
 * the end also writes final.h5 and adds it to fields.xmf. */
static PetscErrorCode MonitorCheckpoint(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput          out = (UphillOutput)ctx;
  UphillStopReason      reason;
  UphillCheckpointState cs;
  UphillScheme          scheme;
  PetscInt              step;
  PetscReal             t;

  PetscFunctionBegin;
  if (ev != UPHILL_MONITOR_STEP) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetReason(st, &reason, NULL));
  PetscCall(UphillStepperGetTime(st, &t, &step, NULL));
  if (reason == UPHILL_STOP_NONE && !out->ckpt_due && !(out->opt.checkpoint_every > 0 && step % out->opt.checkpoint_every == 0)) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetScheme(st, &scheme));
  PetscCall(UphillStepperGetState(st, &cs.loop));
  cs.row = out->row_regular;
  PetscCall(UphillCheckpointWrite(scheme, out->dir, &cs, out->nid, out->id, out->ckpt_path, sizeof(out->ckpt_path)));
  PetscCall(PetscTime(&out->wall_ckpt));
  if (reason == UPHILL_STOP_T_END || reason == UPHILL_STOP_MAX_STEPS) {
    char path[PETSC_MAX_PATH_LEN];
    Vec  c;
    PetscCall(UphillSchemeGetState(scheme, &c));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/final.h5", out->dir));
    PetscCall(UphillH5WriteField(out->grid, c, path, t * out->opt.tau, step));
    PetscCall(UphillH5WriteSeries(out->grid, out->dir));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A line every 2 s of wall time, and at the end. */
static PetscErrorCode MonitorProgress(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput         out = (UphillOutput)ctx;
  const UphillOptions *o   = &out->opt;
  UphillStopReason     reason;
  UphillScheme         scheme;
  UphillGridInfo       g;
  PetscLogDouble       now;
  PetscReal            t, h, F, cmin, cmax;
  PetscInt             step;
  char                 line[512];

  PetscFunctionBegin;
  if (ev != UPHILL_MONITOR_STEP || o->quiet) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscTime(&now));
  PetscCall(UphillStepperGetReason(st, &reason, NULL));
  if (now - out->wall_progress <= 2.0 && reason == UPHILL_STOP_NONE) PetscFunctionReturn(PETSC_SUCCESS);
  out->wall_progress = now;
  PetscCall(UphillStepperGetTime(st, &t, &step, &h));
  PetscCall(UphillStepperGetScheme(st, &scheme));
  PetscCall(UphillSchemeGetEnergy(scheme, &F, &cmin, &cmax));
  PetscCall(UphillGridGetInfo(out->grid, &g));
  (void)snprintf(line, sizeof(line), "step %7d  t = %.4e %s (%5.1f%% of t_end)  dt = %.3e  F = %.6e  c in [%.4f, %.4f]  elapsed %.0f s\n", (int)step, (double)(t * o->tau), UphillOptionsTimeUnit(o), (double)(100.0 * t / o->t_end_red), (double)(h * o->tau),
                 (double)UphillDiagEnergyToRun(out->diag, F), (double)cmin, (double)cmax, now - out->wall0);
  PetscCall(PetscPrintf(g.comm, "%s", line));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* On a numerical failure the current state is the last good one: keep it as a field and a
 * frame, so the user can see what went wrong and start again from it. */
static PetscErrorCode MonitorFailure(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  UphillOutput out = (UphillOutput)ctx;
  UphillScheme scheme;
  PetscReal    t;
  PetscInt     step;
  Vec          c;
  char         path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  if (ev != UPHILL_MONITOR_FAILED) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillStepperGetScheme(st, &scheme));
  PetscCall(UphillStepperGetTime(st, &t, &step, NULL));
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/last_good.h5", out->dir));
  PetscCall(UphillH5WriteField(out->grid, c, path, t * out->opt.tau, step));
  PetscCall(WriteFrame(out, NULL, c, t, "last_good.png"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputAttach(UphillOutput out, UphillStepper st)
{
  PetscFunctionBegin;
  PetscCall(PetscTime(&out->wall0));
  out->wall_progress = out->wall_ckpt = out->wall0;
  /* the order matters: the row of a step is decided before a signal ends the run there (so a
   * signal adds no row), and the checkpoint comes after both */
  PetscCall(UphillStepperMonitorAdd(st, MonitorRowsAndFrames, out, NULL));
  PetscCall(UphillStepperMonitorAdd(st, MonitorDumps, out, NULL));
  PetscCall(UphillStepperMonitorAdd(st, MonitorSignals, out, NULL));
  PetscCall(UphillStepperMonitorAdd(st, MonitorCheckpoint, out, NULL));
  PetscCall(UphillStepperMonitorAdd(st, MonitorProgress, out, NULL));
  PetscCall(UphillStepperMonitorAdd(st, MonitorFailure, out, NULL));
  {
    /* the adaptive step lands on every frame, -diag_times and -dump_times time */
    PetscReal *land;
    PetscCall(PetscMalloc1(out->opt.frames + out->ndiag + out->ndump + 1, &land));
    PetscCall(PetscArraycpy(land, out->frame_t, out->opt.frames));
    PetscCall(PetscArraycpy(land + out->opt.frames, out->diag_t, out->ndiag));
    PetscCall(PetscArraycpy(land + out->opt.frames + out->ndiag, out->dump_t, out->ndump));
    PetscCall(UphillStepperSetLandingTimes(st, out->opt.frames + out->ndiag + out->ndump, land));
    PetscCall(PetscFree(land));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputSignalsInstall(UphillOutput out)
{
  struct sigaction act;

  PetscFunctionBegin;
  stop_signal = 0;
  PetscCall(PetscMemzero(&act, sizeof(act)));
  act.sa_handler = OnStopSignal;
  act.sa_flags   = SA_RESTART; /* a signal must not make a write or an MPI call fail with EINTR */
  PetscCheck(sigemptyset(&act.sa_mask) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "sigemptyset failed");
  for (int i = 0; i < 3; i++) PetscCheck(sigaction(stop_signals[i], &act, &out->old[i]) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the handler of signal %d", stop_signals[i]);
  out->installed = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOutputSignalsRestore(UphillOutput out)
{
  PetscFunctionBegin;
  if (!out->installed) PetscFunctionReturn(PETSC_SUCCESS);
  for (int i = 0; i < 3; i++) (void)sigaction(stop_signals[i], &out->old[i], NULL);
  out->installed = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

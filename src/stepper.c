/* The time loop. Times are in core units inside; reported in run units and core units. */
#include <uphill/stepper.h>
#include <uphill/io_png.h>
#include <uphill/io_h5.h>
#include <uphill/options.h>
#include <uphill/checkpoint.h>
#include <signal.h>

typedef struct {
  UphillRun     run;
  Vec           c_save, c_full;  /* state before the step; full-step result (adapt) */
  UphillComplex *chat_save;
  PetscReal     F_last;          /* last checked free energy, core units */
  PetscReal     Fscale;          /* magnitude for the round-off tolerance of F */
  PetscInt      frame;           /* next frame number */
  PetscReal    *frame_t;         /* frame times, core units */
  PetscLogDouble wall0, wall_last_progress;
} Stepper;

/* Frame times: linear, or log-spaced because coarsening spans decades and a movie of
 * evenly spaced frames would spend all but its first frames on slow coarsening. */
static PetscErrorCode FrameTimes(const UphillOptions *o, PetscReal *ft)
{
  const PetscInt  n  = o->frames;
  const PetscReal te = o->t_end_core;

  PetscFunctionBegin;
  if (n == 1) ft[0] = te;
  for (PetscInt i = 0; n > 1 && i < n; i++) {
    if (o->frame_spacing == UPHILL_FRAMES_LINEAR) ft[i] = te * i / (n - 1);
    else {
      const PetscReal t1 = PetscMax(o->dt_core, te * 1e-3);
      ft[i] = i == 0 ? 0.0 : t1 * PetscPowReal(te / t1, (PetscReal)(i - 1) / (PetscReal)(n - 2 > 0 ? n - 2 : 1));
    }
  }
  ft[n - 1] = te;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TimeLabel(const UphillOptions *o, PetscReal t, char *buf, size_t len)
{
  PetscFunctionBegin;
  if (o->model == UPHILL_MODEL_REGULAR && o->units == UPHILL_UNITS_SI) PetscCall(PetscSNPrintf(buf, len, "t = %.3g s  (%.3g tau)", (double)(t * o->tau), (double)t));
  else if (o->model == UPHILL_MODEL_REGULAR) PetscCall(PetscSNPrintf(buf, len, "t = %.4g tau", (double)t));
  else PetscCall(PetscSNPrintf(buf, len, "t = %.4g", (double)t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteFrame(Stepper *s, Vec c, PetscReal t, const char *name)
{
  UphillRun            run = s->run;
  const UphillOptions *o   = &run->opt;
  ImageStyle           st;
  char                 path[PETSC_MAX_PATH_LEN], label[128];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(run->ev_io, 0, 0, 0, 0));
  /* by default small grids are upscaled so a frame is at least ~256 pixels wide and its
   * label and panel titles stay readable */
  st.scale    = o->frame_scale > 0 ? o->frame_scale : PetscMax(1, PetscMin(8, (256 + o->N - 1) / o->N));
  st.colorbar = o->frame_colorbar;
  st.vmin     = 0.0;
  st.vmax     = 1.0;
  if (o->model == UPHILL_MODEL_POLYNOMIAL || o->frame_autorange) {
    PetscCall(VecMin(c, NULL, &st.vmin));
    PetscCall(VecMax(c, NULL, &st.vmax));
    if (st.vmax <= st.vmin) st.vmax = st.vmin + 1e-12;
  }
  PetscCall(TimeLabel(o, t, label, sizeof(label)));
  st.label = o->frame_colorbar ? label : NULL;
  PetscCall(UphillRunPath(run, name, path, sizeof(path)));
  PetscCall(UphillFrameWrite(run->grid, c, path, &st));
  PetscCall(PetscLogEventEnd(run->ev_io, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode DiagRow(Stepper *s, PetscInt step, PetscReal t, PetscReal dt)
{
  DiagValues v;

  PetscFunctionBegin;
  PetscCall(UphillDiagCompute(s->run->diag, s->run->c, &v));
  PetscCall(UphillDiagWriteRow(s->run->diag, step, t, dt, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Numerical failure: say what, where and when; keep the last good state as a frame and
 * a field so the user can see what went wrong and restart from it. */
static PetscErrorCode Fail(Stepper *s, PetscInt step, PetscReal t, const char *cause)
{
  UphillRun run = s->run;
  char      path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(UphillRunPath(run, "last_good.h5", path, sizeof(path)));
  PetscCall(UphillH5WriteField(run->grid, s->c_save, path, t * run->opt.tau, step - 1));
  PetscCall(WriteFrame(s, s->c_save, t, "last_good.png"));
  {
    char when[96];
    (void)snprintf(when, sizeof(when), "t = %g (%g in core units)", (double)(t * run->opt.tau), (double)t);
    SETERRQ(run->comm, PETSC_ERR_NOT_CONVERGED, "numerical failure at step %" PetscInt_FMT ", %s: %s. The state before the step is in %s/last_good.h5 and last_good.png; %s", step, when, cause, run->dir,
            run->opt.scheme == UPHILL_SCHEME_BDF2 ? "reduce -dt, or use -scheme euler (more robust at large steps; it also allows -adapt)" : "reduce -dt or use -adapt");
  }
}

/* Admissible compositions: (0,1) for the regular solution (the log barrier keeps the
 * exact solution there); for the polynomial model only NaN/Inf is an error. */
static PetscErrorCode CheckState(Stepper *s, PetscReal F, PetscReal cmin, PetscReal cmax, PetscBool checkF, char *cause, size_t len, PetscBool *ok)
{
  const UphillOptions *o = &s->run->opt;

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (PetscIsInfOrNanReal(cmin) || PetscIsInfOrNanReal(cmax) || (checkF && PetscIsInfOrNanReal(F))) {
    *ok = PETSC_FALSE;
    PetscCall(PetscSNPrintf(cause, len, "the field contains NaN or Inf"));
  } else if (o->model == UPHILL_MODEL_REGULAR && (cmin <= 0.0 || cmax >= 1.0)) {
    *ok = PETSC_FALSE;
    PetscCall(PetscSNPrintf(cause, len, "c left (0,1): min %g, max %g", (double)cmin, (double)cmax));
  } else if (checkF && F > s->F_last + 1e-11 * s->Fscale) {
    *ok = PETSC_FALSE;
    PetscCall(PetscSNPrintf(cause, len, "the free energy rose from %.15g to %.15g", (double)s->F_last, (double)F));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SaveState(Stepper *s)
{
  UphillRun run = s->run;

  PetscFunctionBegin;
  PetscCall(VecCopy(run->c, s->c_save));
  if (s->chat_save) PetscCall(PetscArraycpy((PetscReal *)s->chat_save, (PetscReal *)run->scheme->chat, 2 * run->grid->nloc_k));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RestoreState(Stepper *s)
{
  UphillRun run = s->run;

  PetscFunctionBegin;
  PetscCall(VecCopy(s->c_save, run->c));
  PetscCall(PetscArraycpy((PetscReal *)run->scheme->chat, (PetscReal *)s->chat_save, 2 * run->grid->nloc_k));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One accepted adaptive step by step doubling: a full step and two half steps from the
 * same state; their difference estimates the local error of the (first-order) half-step
 * result, which is kept. Rejected on error, bounds or an energy rise. */
static PetscErrorCode AdaptiveStep(Stepper *s, PetscInt step, PetscReal t, PetscReal *h, PetscReal hmax_event, PetscReal *h_taken, PetscReal *cmin_out, PetscReal *cmax_out, UphillStepperStats *stats)
{
  UphillRun            run = s->run;
  const UphillOptions *o   = &run->opt;
  const PetscReal      tol = o->adapt_tol;
  char                 cause[256];

  PetscFunctionBegin;
  PetscCall(SaveState(s));
  for (PetscInt attempt = 0;; attempt++) {
    PetscReal hh = hmax_event <= *h * (1 + 1e-6) ? hmax_event : *h, err, F, cmin, cmax, fac;
    PetscBool ok;

    PetscCall(UphillSchemeStep(run->scheme, run->c, hh));
    PetscCall(VecCopy(run->c, s->c_full));
    PetscCall(RestoreState(s));
    PetscCall(UphillSchemeStep(run->scheme, run->c, 0.5 * hh));
    PetscCall(UphillSchemeStep(run->scheme, run->c, 0.5 * hh));
    PetscCall(VecAXPY(s->c_full, -1.0, run->c));
    PetscCall(VecNorm(s->c_full, NORM_INFINITY, &err));
    PetscCall(UphillDiagEnergyBounds(run->diag, run->c, &F, &cmin, &cmax));
    PetscCall(CheckState(s, F, cmin, cmax, PETSC_TRUE, cause, sizeof(cause), &ok));
    if (PetscIsInfOrNanReal(err)) ok = PETSC_FALSE;
    if (ok && err <= tol) {
      *h_taken  = hh;
      *cmin_out = cmin;
      *cmax_out = cmax;
      s->F_last = F;
      /* first order: local error ~ h^2, so h scales with sqrt(tol/err) */
      fac = err > 0 ? 0.9 * PetscSqrtReal(tol / err) : 2.0;
      if (hh == *h) *h = hh * PetscMin(2.0, PetscMax(0.5, fac));
      *h = PetscMin(*h, o->dt_max_core);
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    stats->rejected++;
    PetscCall(RestoreState(s));
    if (!ok || PetscIsInfOrNanReal(err)) *h = 0.25 * hh;
    else *h = hh * PetscMax(0.1, 0.9 * PetscSqrtReal(tol / err));
    if (*h < 1e-14 * PetscMax(t, 1.0) || attempt > 50) {
      if (ok) PetscCall(PetscSNPrintf(cause, sizeof(cause), "adaptive stepping cannot meet -adapt_tol %g (error %g)", (double)tol, (double)err));
      PetscCall(Fail(s, step + 1, t, cause));
    }
  }
}

/* A batch scheduler announces the wall-time kill with SIGTERM (Slurm), SIGUSR1 (a
 * --signal request, or mpiexec forwarding) or SIGINT; the handler can only set a flag,
 * and a signal handler has no context argument, so this is the one file-scope variable. */
static volatile sig_atomic_t stop_signal = 0;

static void OnStopSignal(int sig)
{
  stop_signal = sig;
}

static PetscErrorCode Checkpoint(Stepper *s, PetscInt step, PetscReal t, PetscReal dt, PetscBool row, char *path, size_t len)
{
  CheckpointState st;

  PetscFunctionBegin;
  st.step   = step;
  st.frame  = s->frame;
  st.t      = t;
  st.dt     = dt;
  st.F_last = s->F_last;
  st.seed   = s->run->opt.seed;
  st.row    = row;
  st.Fscale = s->Fscale;
  PetscCall(UphillCheckpointWrite(s->run, &st, path, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Solve(UphillRun run, UphillStepperStats *stats)
{
  Stepper              s;
  const UphillOptions *o = &run->opt;
  PetscReal            t = 0, dt = o->dt_core, cmin = 0, cmax = 0, F;
  PetscInt             step = 0;
  PetscInt64           nfft0;
  char                 path[PETSC_MAX_PATH_LEN], cause[256];
  const PetscReal      te = o->t_end_core;
  PetscBool            ok;
  PetscLogDouble       wall_ckpt;
  PetscBool            row_regular = PETSC_TRUE;
  PetscMPIInt          rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  PetscCall(PetscMemzero(&s, sizeof(s)));
  PetscCall(PetscMemzero(stats, sizeof(*stats)));
  /* step doubling restores only (c, c_k), not a BDF2 history */
  PetscCheck(!o->adapt || run->scheme->m.order == 1, run->comm, PETSC_ERR_ARG_INCOMP, "-adapt needs -scheme euler");
  s.run = run;
  PetscCall(VecDuplicate(run->c, &s.c_save));
  if (o->adapt) {
    PetscCall(VecDuplicate(run->c, &s.c_full));
    PetscCall(UphillGridAllocComplex(run->grid, &s.chat_save));
  }
  PetscCall(PetscMalloc1(PetscMax(o->frames, 1), &s.frame_t));
  if (o->frames > 0) PetscCall(FrameTimes(o, s.frame_t));

  PetscCall(UphillDiagEnergyBounds(run->diag, run->c, &F, &cmin, &cmax));
  s.F_last = PETSC_MAX_REAL;
  PetscCall(CheckState(&s, F, cmin, cmax, PETSC_FALSE, cause, sizeof(cause), &ok));
  PetscCheck(ok, run->comm, PETSC_ERR_ARG_OUTOFRANGE, "the %s is not admissible: %s", run->restarted ? "restart state" : "initial condition", cause);
  /* round-off scale of F: its size plus a small multiple of the domain volume */
  s.Fscale = PetscAbsReal(F) + PetscPowRealInt(run->grid->h, run->grid->dim) * run->grid->Ntot * 1e-3;
  PetscCall(UphillRunPath(run, "diagnostics.csv", path, sizeof(path)));
  if (run->restarted) {
    const CheckpointState *rs = &run->restart_state;
    step     = rs->step;
    t        = rs->t;
    s.frame  = rs->frame;
    s.F_last = rs->F_last;
    s.Fscale = rs->Fscale;
    /* a run restarted at its end keeps (and the final checkpoint re-records) its row */
    row_regular = (PetscBool)rs->row;
    /* the adaptive controller continues with its own proposal; a fixed step is the
     * one given now, so a restart can change -dt */
    dt = o->adapt ? rs->dt : o->dt_core;
    /* frames already written stay; frame times from a changed -t_end start after t */
    while (s.frame < o->frames && s.frame_t[s.frame] <= t * (1 + 1e-12)) s.frame++;
    /* an off-cadence row (written because the run ended there) is dropped, since the
     * continued run will not end there, unless the continuation takes no step at all */
    PetscCall(UphillDiagOpenCSV(run->diag, path, (rs->row || !(t < te && step < o->max_steps)) ? step : step - 1));
    if (!o->quiet) PetscCall(PetscPrintf(run->comm, "continuing from %s: step %" PetscInt_FMT ", t = %g (%g core units)\n", run->restart_path, step, (double)(t * o->tau), (double)t));
  } else {
    s.F_last = F;
    PetscCall(UphillDiagOpenCSV(run->diag, path, -1));
    PetscCall(DiagRow(&s, 0, 0.0, dt));
    if (o->frames > 0 && s.frame_t[0] <= 0) {
      PetscCall(PetscSNPrintf(path, sizeof(path), "frames/frame_%05d.png", (int)s.frame));
      PetscCall(WriteFrame(&s, run->c, 0.0, path));
      s.frame++;
    }
  }
  nfft0 = run->scheme->nfft;
  PetscCall(PetscTime(&s.wall0));
  s.wall_last_progress = s.wall0;
  wall_ckpt            = s.wall0;

  while (t < te && step < o->max_steps) {
    PetscReal h = 0, hmax_event = te - t;
    PetscBool diag_now, frame_now = PETSC_FALSE, last, to_end, final = PETSC_FALSE;
    PetscInt  flags[2];

    if (o->adapt && s.frame < o->frames) hmax_event = PetscMin(hmax_event, s.frame_t[s.frame] - t);
    if (o->adapt) {
      PetscCall(AdaptiveStep(&s, step, t, &dt, hmax_event, &h, &cmin, &cmax, stats));
    } else {
      /* a remainder of round-off size would be a spurious extra step: absorb it */
      final = (PetscBool)(te - t <= dt * (1 + 1e-6));
      h     = final ? te - t : dt;
      /* a last step equal to dt but for the round-off accumulated in t stays exactly dt,
       * so BDF2 keeps its equal-step history (t is set to t_end exactly below) */
      if (final && PetscAbsReal(h - dt) <= 1e-6 * dt) h = dt;
      PetscCall(SaveState(&s));
      PetscCall(UphillSchemeStep(run->scheme, run->c, h));
      cmin = run->scheme->cmin;
      cmax = run->scheme->cmax;
      PetscCall(CheckState(&s, 0, cmin, cmax, PETSC_FALSE, cause, sizeof(cause), &ok));
      if (!ok) PetscCall(Fail(&s, step + 1, t, cause));
    }
    step++;
    to_end = o->adapt ? (PetscBool)(h >= (te - t) * (1 - 1e-12)) : final;
    t      = to_end ? te : t + h; /* land exactly on t_end */
    last   = (PetscBool)(to_end || step >= o->max_steps);
    if (s.frame < o->frames && t >= s.frame_t[s.frame] * (1 - 1e-12)) frame_now = PETSC_TRUE;
    row_regular = (PetscBool)(step % o->diag_every == 0 || frame_now);
    diag_now    = (PetscBool)(row_regular || last);
    if (diag_now) {
      DiagValues v;
      /* one pass of reductions serves the row and, with a fixed step, the energy check
       * (the adaptive controller has checked this state already) */
      PetscCall(UphillDiagCompute(run->diag, run->c, &v));
      if (!o->adapt) {
        PetscCall(CheckState(&s, v.total_core, v.cmin, v.cmax, PETSC_TRUE, cause, sizeof(cause), &ok));
        if (!ok) PetscCall(Fail(&s, step, t - h, cause));
        s.F_last = v.total_core;
      }
      PetscCall(UphillDiagWriteRow(run->diag, step, t, h, &v));
    }
    if (frame_now) {
      /* with a fixed step several frame times may fall in one step: write one frame */
      while (s.frame < o->frames && t >= s.frame_t[s.frame] * (1 - 1e-12)) s.frame++;
      PetscCall(PetscSNPrintf(path, sizeof(path), "frames/frame_%05d.png", (int)(s.frame - 1)));
      PetscCall(WriteFrame(&s, run->c, t, path));
    }
    if (o->dump_every > 0 && step % o->dump_every == 0) {
      PetscCall(PetscLogEventBegin(run->ev_io, 0, 0, 0, 0));
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/fields/c_%08" PetscInt_FMT ".h5", run->dir, step));
      PetscCall(UphillH5WriteField(run->grid, run->c, path, t * o->tau, step));
      PetscCall(PetscLogEventEnd(run->ev_io, 0, 0, 0, 0));
    }

    /* signals and the wall-clock checkpoint are decided together by all ranks */
    flags[0] = stop_signal;
    flags[1] = 0;
    if (o->checkpoint_wall > 0 && rank == 0) {
      PetscLogDouble now;
      PetscCall(PetscTime(&now));
      flags[1] = now - wall_ckpt >= 60.0 * o->checkpoint_wall;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPIU_INT, MPI_MAX, run->comm));
    if (flags[0]) {
      PetscCall(Checkpoint(&s, step, t, dt, row_regular, path, sizeof(path)));
      SETERRQ(run->comm, PETSC_ERR_SIG, "stopped by signal %d after step %" PetscInt_FMT " at t = %g (%g core units); checkpoint written to %s. Continue with the same options plus -restart auto", (int)flags[0], step, (double)(t * o->tau), (double)t, path);
    }
    if (!last && (flags[1] || (o->checkpoint_every > 0 && step % o->checkpoint_every == 0))) {
      PetscCall(Checkpoint(&s, step, t, dt, row_regular, path, sizeof(path)));
      PetscCall(PetscTime(&wall_ckpt));
    }

    if (!o->quiet) {
      PetscLogDouble now;
      PetscCall(PetscTime(&now));
      if (now - s.wall_last_progress > 2.0 || last) {
        const PetscReal eta = t > 0 ? (now - s.wall0) * (te - t) / t : 0;
        s.wall_last_progress = now;
        PetscCall(PetscPrintf(run->comm, "step %7" PetscInt_FMT "  t = %.4e (%.4e core)  dt = %.3e  F = %.6e  c in [%.4f, %.4f]  elapsed %.0f s, left ~%.0f s\n", step, (double)(t * o->tau), (double)t, (double)(h * o->tau), (double)UphillDiagEnergyToRun(run->diag, s.F_last), (double)cmin, (double)cmax, now - s.wall0, eta));
      }
    }
  }
  {
    PetscLogDouble now;
    PetscCall(PetscTime(&now));
    stats->wall = now - s.wall0;
  }
  stats->steps = step;
  stats->t     = t;
  stats->dt    = dt;
  stats->nfft  = run->scheme->nfft - nfft0;

  /* the final state is also a checkpoint, so a run can be extended with a later -t_end */
  PetscCall(Checkpoint(&s, step, t, dt, row_regular, path, sizeof(path)));
  PetscCall(PetscLogEventBegin(run->ev_io, 0, 0, 0, 0));
  PetscCall(UphillRunPath(run, "final.h5", path, sizeof(path)));
  PetscCall(UphillH5WriteField(run->grid, run->c, path, t * o->tau, step));
  PetscCall(PetscLogEventEnd(run->ev_io, 0, 0, 0, 0));

  PetscCall(VecDestroy(&s.c_save));
  PetscCall(VecDestroy(&s.c_full));
  PetscCall(UphillGridFreeComplex(&s.chat_save));
  PetscCall(PetscFree(s.frame_t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSolve(UphillRun run, UphillStepperStats *stats)
{
  struct sigaction act, old[3];
  const int        sigs[3] = {SIGTERM, SIGINT, SIGUSR1};
  PetscErrorCode   ierr;

  PetscFunctionBegin;
  stop_signal = 0;
  PetscCall(PetscMemzero(&act, sizeof(act)));
  act.sa_handler = OnStopSignal;
  act.sa_flags   = SA_RESTART; /* a signal must not make a write or an MPI call fail with EINTR */
  PetscCheck(sigemptyset(&act.sa_mask) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "sigemptyset failed");
  for (int i = 0; i < 3; i++) PetscCheck(sigaction(sigs[i], &act, &old[i]) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the handler of signal %d", sigs[i]);
  ierr = Solve(run, stats);
  /* the previous handlers come back on every path, errors included */
  for (int i = 0; i < 3; i++) (void)sigaction(sigs[i], &old[i], NULL);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

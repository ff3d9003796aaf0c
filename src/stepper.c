/* The time loop: trial steps, their acceptance (error, bounds, energy), landing on requested
 * times, monitors, and the reason the loop ends. Times are in reduced units. */
#include <uphill/stepper.h>
#include <uphill/package.h>

const char *const UphillStopReasons[] = {"running", "reached t_end", "reached max_steps", "stopped by a signal", "numerical failure", "UphillStopReason", "UPHILL_STOP_", NULL};

#define STEPPER_MAX_MONITORS 16
#define STEPPER_MAX_RETRIES  60
#define FALLBACK_AFTER       2 /* adaptive: trials of one step out of (0,1) before -flux auto switches */

typedef struct {
  UphillMonitorFn    fn;
  void              *ctx;
  UphillCtxDestroyFn destroy;
} Monitor;

struct _n_UphillStepper {
  UphillScheme        scheme;
  UphillStepperParams p;
  UphillAdapt         adapt;
  Monitor             mon[STEPPER_MAX_MONITORS];
  PetscInt            nmon;
  PetscReal          *land; /* sorted landing times */
  PetscInt            nland;
  PetscInt            step;
  PetscReal           t, h_last, h_next, F_tol, F_check;
  PetscBool           restart, setup;
  UphillStopReason    reason;
  UphillStepResult    last;
  char                message[1024];
  UphillStepperStats  stats;
  PetscInt64          nfft0;
  PetscLogDouble      wall0;
};

PetscErrorCode UphillStepperCreate(UphillScheme scheme, const UphillStepperParams *p, UphillStepper *stepper)
{
  UphillStepper st;

  PetscFunctionBegin;
  PetscCheck(p->t_end > 0 && p->dt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the stepper needs t_end > 0 and a first step > 0");
  PetscCall(PetscNew(&st));
  st->scheme = scheme;
  st->p      = *p;
  st->h_next = p->dt;
  if (p->adapt) {
    UphillAdaptParams ap;
    ap.tol   = p->tol;
    ap.order = p->order + 1; /* the local error is O(h^(p+1)) */
    ap.h_max = p->dt_max > 0 ? p->dt_max : PETSC_MAX_REAL;
    PetscCall(UphillAdaptCreate(&ap, &st->adapt));
  }
  *stepper = st;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperDestroy(UphillStepper *stepper)
{
  UphillStepper st = *stepper;

  PetscFunctionBegin;
  if (!st) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < st->nmon; i++)
    if (st->mon[i].destroy) PetscCall(st->mon[i].destroy(&st->mon[i].ctx));
  PetscCall(UphillAdaptDestroy(&st->adapt));
  PetscCall(PetscFree(st->land));
  PetscCall(PetscFree(st));
  *stepper = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperMonitorAdd(UphillStepper st, UphillMonitorFn fn, void *ctx, UphillCtxDestroyFn destroy)
{
  PetscFunctionBegin;
  PetscCheck(st->nmon < STEPPER_MAX_MONITORS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many monitors");
  st->mon[st->nmon].fn      = fn;
  st->mon[st->nmon].ctx     = ctx;
  st->mon[st->nmon].destroy = destroy;
  st->nmon++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSetLandingTimes(UphillStepper st, PetscInt n, const PetscReal *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(st->land));
  PetscCall(PetscMalloc1(PetscMax(n, 1), &st->land));
  PetscCall(PetscArraycpy(st->land, t, n));
  PetscCall(PetscSortReal(n, st->land));
  st->nland = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSetState(UphillStepper st, const UphillStepperState *s)
{
  PetscFunctionBegin;
  PetscCheck(!st->setup, PETSC_COMM_SELF, PETSC_ERR_ORDER, "set the loop state before UphillStepperSetUp");
  st->step    = s->step;
  st->t       = s->t;
  st->F_tol   = s->F_tol;
  st->F_check = s->F_check;
  st->restart = PETSC_TRUE;
  /* the controller goes on with its own proposal; a fixed step is the one given now */
  if (st->adapt) {
    st->h_next = s->h_next;
    PetscCall(UphillAdaptSetState(st->adapt, &s->adapt));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetState(UphillStepper st, UphillStepperState *s)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  s->step   = st->step;
  s->t      = st->t;
  s->h_next = st->h_next;
  s->F_tol   = st->F_tol;
  s->F_check = st->F_check;
  s->adapt.err_prev = -1;
  if (st->adapt) PetscCall(UphillAdaptGetState(st->adapt, &s->adapt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSetUp(UphillStepper st)
{
  PetscReal F;

  PetscFunctionBegin;
  if (st->setup) PetscFunctionReturn(PETSC_SUCCESS);
  if (!st->restart) {
    /* round-off of F: its size, or a small multiple of the volume when F is near zero */
    PetscCall(UphillSchemeGetEnergy(st->scheme, &F, NULL, NULL));
    st->F_tol   = 1e-11 * (PetscAbsReal(F) + 1e-3 * st->p.volume);
    st->F_check = F;
  }
  if (st->t >= st->p.t_end * (1 - 1e-12)) st->reason = UPHILL_STOP_T_END;
  else if (st->step >= st->p.max_steps) st->reason = UPHILL_STOP_MAX_STEPS;
  st->setup = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The next time the step must land on: t_end or the next landing time after t. */
static PetscReal NextTarget(UphillStepper st)
{
  for (PetscInt i = 0; i < st->nland; i++)
    if (st->land[i] > st->t * (1 + 1e-12) + 1e-300 && st->land[i] < st->p.t_end) return st->land[i];
  return st->p.t_end;
}

/* The step to try from the proposal h: an adaptive step reaching the target within two
 * steps is split evenly so the next one lands without a sliver; a fixed step is kept except
 * for the last, whose remainder (round-off of t included) it absorbs. */
static PetscReal TrialStep(UphillStepper st, PetscReal h, PetscBool *lands)
{
  const PetscReal target = st->p.adapt ? NextTarget(st) : st->p.t_end, D = target - st->t;

  *lands = PETSC_FALSE;
  if (!st->p.adapt) {
    /* t accumulates round-off over many steps (1e6 steps: ~1e-10 t): a remainder within it
     * of dt is the last step, not a step and a sliver */
    if (D <= h * (1 + 1e-6) + 1e-10 * st->p.t_end) {
      *lands = PETSC_TRUE;
      /* a last step equal to dt but for the round-off accumulated in t stays exactly dt */
      return PetscAbsReal(D - h) <= 1e-6 * h ? h : D;
    }
    return h;
  }
  if (h >= D * (1 - 1e-10)) {
    *lands = PETSC_TRUE;
    return D;
  }
  if (h > 0.5 * D) return 0.5 * D;
  return h;
}

/* Why a trial is not admissible, or "" when it is. */
static void Verdict(UphillStepper st, const UphillStepResult *r, PetscReal F, char *cause, size_t len, PetscReal *shrink)
{
  cause[0] = 0;
  *shrink  = 1.0;
  if (PetscIsInfOrNanReal(r->cmin) || PetscIsInfOrNanReal(r->cmax)) {
    (void)snprintf(cause, len, "the field contains NaN or Inf");
    *shrink = 0.25;
  } else if (st->p.bounds01 && (r->cmin <= 0.0 || r->cmax >= 1.0)) {
    (void)snprintf(cause, len, "c left (0,1): min %g, max %g", (double)r->cmin, (double)r->cmax);
    *shrink = 0.25;
  } else if (PetscIsInfOrNanReal(r->F)) {
    (void)snprintf(cause, len, "the free energy is not finite");
    *shrink = 0.25;
  } else if (st->p.energy && r->F > F + st->F_tol) {
    (void)snprintf(cause, len, "the free energy rose from %.15g to %.15g", (double)F, (double)r->F);
    *shrink = 0.5;
  }
}

static PetscErrorCode Fail(UphillStepper st, const char *cause, PetscReal h)
{
  PetscFunctionBegin;
  st->reason = UPHILL_STOP_FAILED;
  st->h_last = h; /* the failed step, for the report */
  (void)snprintf(st->message, sizeof(st->message), "%s", cause);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Try steps until one is accepted, or fail. */
static PetscErrorCode Advance(UphillStepper st, PetscBool *accepted)
{
  PetscReal        h = st->h_next, F, shrink, hn;
  UphillStepResult r;
  PetscBool        lands = PETSC_FALSE, ok;
  PetscInt         nbounds = 0; /* consecutive trials of this step that left (0,1) */
  char             cause[512];

  PetscFunctionBegin;
  *accepted = PETSC_FALSE;
  PetscCall(UphillSchemeGetEnergy(st->scheme, &F, NULL, NULL));
  /* a fixed step checks the energy against the last check, on its cadence */
  if (!st->p.adapt) F = (st->p.energy_every <= 1 || (st->step + 1) % st->p.energy_every == 0) ? st->F_check : PETSC_MAX_REAL;
  for (PetscInt attempt = 0;; attempt++) {
    const PetscReal h_try = TrialStep(st, h, &lands);

    PetscCall(UphillSchemeSetStepIndex(st->scheme, st->step)); /* a retry draws the same noise */
    PetscCall(UphillSchemeTry(st->scheme, h_try, &r));
    Verdict(st, &r, F, cause, sizeof(cause), &shrink);
    if (st->p.bounds01 && !PetscIsInfOrNanReal(r.cmin) && (r.cmin <= 0.0 || r.cmax >= 1.0)) nbounds++;
    else nbounds = 0;
    /* out of (0,1) with the log-free flux: a large adaptive step overshoots near a vanishing
     * particle, and a smaller one cures that, so the controller retries first; when the field
     * leaves (0,1) again at a quarter of the step (fixed steps: at once), the excursion is
     * spatial (an under-resolved interface, a deep quench) and only the logarithmic flux's
     * barrier helps: switch to it for the rest of the run and retry */
    if (nbounds >= (st->p.adapt ? FALLBACK_AFTER : 1)) {
      PetscBool switched;
      PetscCall(UphillSchemeFallback(st->scheme, &switched));
      if (switched) {
        Vec      c;
        MPI_Comm comm;
        PetscCall(UphillSchemeGetState(st->scheme, &c));
        PetscCall(PetscObjectGetComm((PetscObject)c, &comm));
        PetscCall(PetscPrintf(comm, "note: at t = %g (reduced units) a step took c out of (0,1) (%s) with the log-free ideal flux; continuing with the logarithmic flux (-flux log)\n", (double)st->t, cause));
        attempt--;
        continue;
      }
    }
    if (!st->p.adapt) {
      if (cause[0]) PetscCall(Fail(st, cause, h_try));
      else *accepted = PETSC_TRUE;
      hn = st->p.dt;
    } else if (cause[0]) {
      PetscCall(UphillAdaptRejectOther(st->adapt, h_try, shrink, &hn));
    } else {
      PetscCall(UphillAdaptChoose(st->adapt, h_try, r.err, &ok, &hn));
      if (ok) *accepted = PETSC_TRUE;
      else (void)snprintf(cause, sizeof(cause), "the local error %g exceeds -adapt_tol %g", (double)r.err, (double)st->p.tol);
    }
    if (*accepted) {
      if (F < PETSC_MAX_REAL) st->F_check = r.F;
      st->last = r;
      PetscCall(UphillSchemeAccept(st->scheme));
      st->step++;
      st->t      = lands ? (st->p.adapt ? NextTarget(st) : st->p.t_end) : st->t + h_try;
      st->h_last = h_try;
      /* the controller's proposal from the step actually taken (a landing step shortened or
       * split keeps its growth to at most 2x, inside BDF2's zero-stability ratio) */
      st->h_next = hn;
      break;
    }
    if (st->reason == UPHILL_STOP_FAILED) break;
    st->stats.rejected++;
    PetscCall(PetscInfo(NULL, "step %" PetscInt64_FMT " at t = %g: trial of %g rejected (%s); next trial %g\n", (PetscInt64)st->step, (double)st->t, (double)h_try, cause, (double)hn));
    h = hn;
    if (attempt >= STEPPER_MAX_RETRIES || h < 1e-14 * PetscMax(st->t, st->p.dt)) {
      char why[700];
      (void)snprintf(why, sizeof(why), "%d retries down to step %g did not help; last: %s", (int)attempt + 1, (double)h, cause);
      PetscCall(Fail(st, why, h_try));
      break;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CallMonitors(UphillStepper st, UphillMonitorEvent ev)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < st->nmon; i++) PetscCall(st->mon[i].fn(st, ev, st->mon[i].ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperStep(UphillStepper st)
{
  PetscBool accepted;

  PetscFunctionBegin;
  if (!st->setup) PetscCall(UphillStepperSetUp(st));
  if (st->reason != UPHILL_STOP_NONE) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(Advance(st, &accepted));
  if (!accepted) {
    PetscCall(CallMonitors(st, UPHILL_MONITOR_FAILED));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  st->stats.steps++;
  if (st->t >= st->p.t_end) st->reason = UPHILL_STOP_T_END;
  else if (st->step >= st->p.max_steps) st->reason = UPHILL_STOP_MAX_STEPS;
  PetscCall(CallMonitors(st, UPHILL_MONITOR_STEP));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSolve(UphillStepper st)
{
  PetscLogDouble now;
  PetscInt64     nfft;

  PetscFunctionBegin;
  PetscCall(UphillStepperSetUp(st));
  PetscCall(UphillSchemeGetTransformCount(st->scheme, &st->nfft0));
  PetscCall(PetscTime(&st->wall0));
  if (!st->restart) PetscCall(CallMonitors(st, UPHILL_MONITOR_START));
  while (st->reason == UPHILL_STOP_NONE) PetscCall(UphillStepperStep(st));
  PetscCall(PetscTime(&now));
  PetscCall(UphillSchemeGetTransformCount(st->scheme, &nfft));
  st->stats.wall       = now - st->wall0;
  st->stats.transforms = nfft - st->nfft0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperSetStop(UphillStepper st, UphillStopReason reason, const char *message)
{
  PetscFunctionBegin;
  st->reason = reason;
  PetscCall(PetscStrncpy(st->message, message ? message : "", sizeof(st->message)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetReason(UphillStepper st, UphillStopReason *reason, const char **message)
{
  PetscFunctionBegin;
  if (reason) *reason = st->reason;
  if (message) *message = st->message;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetScheme(UphillStepper st, UphillScheme *scheme)
{
  PetscFunctionBegin;
  *scheme = st->scheme;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetTime(UphillStepper st, PetscReal *t, PetscInt *step, PetscReal *h)
{
  PetscFunctionBegin;
  if (t) *t = st->t;
  if (step) *step = st->step;
  if (h) *h = st->h_last;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetParams(UphillStepper st, UphillStepperParams *p)
{
  PetscFunctionBegin;
  *p = st->p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetStats(UphillStepper st, UphillStepperStats *stats)
{
  PetscFunctionBegin;
  *stats = st->stats;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperIsRestart(UphillStepper st, PetscBool *restart)
{
  PetscFunctionBegin;
  *restart = st->restart;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillStepperGetLastResult(UphillStepper st, UphillStepResult *r)
{
  PetscFunctionBegin;
  *r = st->last;
  PetscFunctionReturn(PETSC_SUCCESS);
}

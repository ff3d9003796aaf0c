#pragma once
/* The time loop as an object (docs/design.md, "The stepper"): it advances a scheme with a
 * fixed step or under error control, lands on requested times, calls its monitors after
 * every accepted step, and ends with a reason instead of an error. */
#include <uphill/scheme.h>
#include <uphill/adapt.h>

typedef enum {
  UPHILL_STOP_NONE = 0,  /* still running */
  UPHILL_STOP_T_END,     /* reached -t_end */
  UPHILL_STOP_MAX_STEPS, /* took -max_steps steps */
  UPHILL_STOP_SIGNAL,    /* a monitor stopped it (SIGTERM/SIGINT/SIGUSR1) */
  UPHILL_STOP_FAILED     /* numerical failure: NaN, c leaving (0,1), the energy rising */
} UphillStopReason;
extern const char *const UphillStopReasons[];

/* When a monitor is called: once before the first step, after every accepted step, and once
 * when the run fails (the current state is then the last good one). */
typedef enum { UPHILL_MONITOR_START, UPHILL_MONITOR_STEP, UPHILL_MONITOR_FAILED } UphillMonitorEvent;

typedef struct _n_UphillStepper *UphillStepper;
typedef PetscErrorCode (*UphillMonitorFn)(UphillStepper st, UphillMonitorEvent ev, void *ctx);
typedef PetscErrorCode (*UphillCtxDestroyFn)(void **ctx);

typedef struct {
  PetscReal t_end;     /* reduced units */
  PetscInt  max_steps;
  PetscBool adapt;     /* error control; else a fixed step dt */
  PetscReal dt;        /* the fixed step, or the first adaptive step */
  PetscReal tol;       /* -adapt_tol: the local error, RMS of c over the grid, per step */
  PetscReal dt_max;    /* largest adaptive step */
  PetscInt  order;     /* of the scheme, for the controller */
  PetscBool energy;    /* reject (adaptive: every step) or fail (fixed) on an energy rise */
  PetscInt  energy_every; /* fixed step: compare F every this many steps (the diagnostics
                           * cadence), so a transient of BDF2's first steps from noise that
                           * the next rows show decaying is not fatal; 1: every step */
  PetscBool bounds01;  /* c must stay in (0,1) (regular solution) */
  PetscReal volume;    /* of the box, reduced units: sets the round-off scale of the energy check */
} UphillStepperParams;

/* What continues the loop exactly: checkpointed with the field. */
typedef struct {
  PetscInt         step;
  PetscReal        t, h_next;
  PetscReal        F_tol;   /* an energy rise above this is not round-off */
  PetscReal        F_check; /* fixed step: the energy at the last check */
  UphillAdaptState adapt;
} UphillStepperState;

typedef struct {
  PetscInt   steps, rejected; /* accepted steps of this solve; rejected trials */
  PetscInt64 transforms;      /* FFTs of this solve */
  PetscReal  wall;            /* seconds in the loop */
} UphillStepperStats;

PetscErrorCode UphillStepperCreate(UphillScheme scheme, const UphillStepperParams *p, UphillStepper *st);
PetscErrorCode UphillStepperDestroy(UphillStepper *st);
/* Monitors run in the order they were added; destroy (may be NULL) frees ctx. */
PetscErrorCode UphillStepperMonitorAdd(UphillStepper st, UphillMonitorFn fn, void *ctx, UphillCtxDestroyFn destroy);
/* Times the adaptive step lands on exactly (frames); sorted, copied. */
PetscErrorCode UphillStepperSetLandingTimes(UphillStepper st, PetscInt n, const PetscReal *t);
/* Continue from a checkpointed loop state (before SetUp). */
PetscErrorCode UphillStepperSetState(UphillStepper st, const UphillStepperState *s);
PetscErrorCode UphillStepperGetState(UphillStepper st, UphillStepperState *s);
PetscErrorCode UphillStepperSetUp(UphillStepper st);
/* One accepted step (with its retries) and its monitors; sets the reason when it stops. */
PetscErrorCode UphillStepperStep(UphillStepper st);
/* Step until a reason to stop. */
PetscErrorCode UphillStepperSolve(UphillStepper st);

/* A monitor asks the loop to end after this step (reason, and a message for the user). */
PetscErrorCode UphillStepperSetStop(UphillStepper st, UphillStopReason reason, const char *message);
PetscErrorCode UphillStepperGetReason(UphillStepper st, UphillStopReason *reason, const char **message);
PetscErrorCode UphillStepperGetScheme(UphillStepper st, UphillScheme *scheme);
/* t and step after the last accepted step; h the step it took (0 before the first), or
 * after a failure the step that failed. */
PetscErrorCode UphillStepperGetTime(UphillStepper st, PetscReal *t, PetscInt *step, PetscReal *h);
PetscErrorCode UphillStepperGetParams(UphillStepper st, UphillStepperParams *p);
/* What the last accepted step reported (error estimate, change, energy, bounds). */
PetscErrorCode UphillStepperGetLastResult(UphillStepper st, UphillStepResult *r);
PetscErrorCode UphillStepperGetStats(UphillStepper st, UphillStepperStats *stats);
/* True when the run was continued from a checkpoint. */
PetscErrorCode UphillStepperIsRestart(UphillStepper st, PetscBool *restart);

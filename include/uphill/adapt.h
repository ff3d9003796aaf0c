#pragma once
/* The step-size controller (docs/design.md, "Adaptive steps"): a PI controller on the
 * scheme's local error estimate err = O(h^q),
 *   h_new = h min(g_max, max(g_min, s (tol/err)^k1 (err_prev/tol)^k2)),  k1 = 0.7/q, k2 = 0.4/q,
 * q = order + 1 of the scheme, s = 0.8^(0.3/q) so that on a smooth problem the
 * steps settle where err = 0.8 tol, g_max = 2 (below BDF2's zero-stability ratio 1 + sqrt 2),
 * g_min = 0.2; a rejected step is retried at h max(g_min, 0.9 (tol/err)^(1/q)), and after a
 * rejection the step does not grow on the next accepted step; a rejection on bounds or energy
 * caps later steps at 0.8 times the rejected one, a ceiling relaxed by 5 % per accepted step. Pure arithmetic, no MPI: the
 * same numbers on every rank. */
#include <petscsys.h>
#include <uphill/compat.h>

typedef struct {
  PetscReal tol;    /* tolerated error measure per step */
  PetscInt  order;  /* q: the error estimate scales as h^q (the scheme's order + 1) */
  PetscReal h_max;  /* largest step */
} UphillAdaptParams;

/* What continues a run exactly: checkpointed with the field. */
typedef struct {
  PetscReal err_prev;  /* error of the last accepted step; < 0: none yet */
  PetscInt  rejected;  /* rejections since the last accepted step */
  PetscReal h_cap;     /* ceiling learnt from steps rejected on bounds or energy; <= 0: none */
} UphillAdaptState;

typedef struct _n_UphillAdapt *UphillAdapt;

PetscErrorCode UphillAdaptCreate(const UphillAdaptParams *p, UphillAdapt *adapt);
PetscErrorCode UphillAdaptDestroy(UphillAdapt *adapt);
PetscErrorCode UphillAdaptGetState(UphillAdapt adapt, UphillAdaptState *st);
PetscErrorCode UphillAdaptSetState(UphillAdapt adapt, const UphillAdaptState *st);
PetscErrorCode UphillAdaptGetParams(UphillAdapt adapt, UphillAdaptParams *p);

/* A step of size h had error estimate err (< 0: no estimate). Sets *accept, and the next
 * step to try: after an accepted step the proposal for the next one, else the retry. */
PetscErrorCode UphillAdaptChoose(UphillAdapt adapt, PetscReal h, PetscReal err, PetscBool *accept, PetscReal *h_next);
/* A step rejected for another reason (bounds, energy): retry with h shrink (0 < shrink < 1),
 * and cap the steps that follow (see above). */
PetscErrorCode UphillAdaptRejectOther(UphillAdapt adapt, PetscReal h, PetscReal shrink, PetscReal *h_next);

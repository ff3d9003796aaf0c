/* PI step-size control (Gustafsson 1991; Soderlind 2002, "Automatic control and adaptive
 * time-stepping"): the integral part drives the error to tol, the proportional part damps
 * the oscillation a pure integral (elementary) controller shows near its stability limit. */
#include <uphill/adapt.h>

#define ADAPT_SAFETY 0.9 /* of a retry after a rejection */
#define ADAPT_TARGET 0.8 /* err/tol where the PI controller settles on a smooth problem */
#define ADAPT_GMAX   2.0
#define ADAPT_GMIN   0.2
/* A step rejected on bounds or energy marks a stability limit the error estimate cannot see
 * (a vanishing particle: the estimate is an RMS over the box); steps stay below CAP times it,
 * a ceiling that relaxes by CAP_RELAX per accepted step (x2 in ~14 steps). Without it the
 * controller grows into the same wall again and again: on the late Cu-Ag run of 0.3 (the
 * stabilized step, t = 2000-3000 tau) this halved the rejections (138 -> 61 for 818 accepted
 * steps). */
#define ADAPT_CAP       0.8
#define ADAPT_CAP_RELAX 1.05

struct _n_UphillAdapt {
  UphillAdaptParams p;
  UphillAdaptState  st;
  PetscReal         k1, k2, s;
};

PetscErrorCode UphillAdaptCreate(const UphillAdaptParams *p, UphillAdapt *adapt)
{
  UphillAdapt a;

  PetscFunctionBegin;
  PetscCheck(p->tol > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-adapt_tol must be positive");
  PetscCheck(p->order >= 1 && p->order <= 4, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the error of the controlled scheme must scale as h^q, q in [1, 4]");
  PetscCall(PetscNew(&a));
  a->p           = *p;
  a->k1          = 0.7 / p->order;
  a->k2          = 0.4 / p->order;
  /* at a fixed point err_prev = err and s (tol/err)^(k1-k2) = 1: err = tol s^(1/(k1-k2)), so
   * s = TARGET^(k1-k2) puts it at TARGET tol (a safety of 0.9 would put it at 0.35 tol) */
  a->s           = PetscPowReal(ADAPT_TARGET, a->k1 - a->k2);
  a->st.err_prev = -1.0;
  *adapt         = a;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptDestroy(UphillAdapt *adapt)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*adapt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptGetState(UphillAdapt a, UphillAdaptState *st)
{
  PetscFunctionBegin;
  *st = a->st;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptSetState(UphillAdapt a, const UphillAdaptState *st)
{
  PetscFunctionBegin;
  a->st = *st;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptGetParams(UphillAdapt a, UphillAdaptParams *p)
{
  PetscFunctionBegin;
  *p = a->p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptChoose(UphillAdapt a, PetscReal h, PetscReal err, PetscBool *accept, PetscReal *h_next)
{
  const PetscReal tol = a->p.tol;
  PetscReal       g;

  PetscFunctionBegin;
  if (err < 0) {
    /* no estimate yet (the scheme is building its history): keep the step */
    *accept        = PETSC_TRUE;
    *h_next        = PetscMin(h, a->p.h_max);
    a->st.rejected = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (!(err <= tol)) {
    /* rejected (NaN included): the elementary controller's retry, h 0.9 (tol/err)^(1/q) */
    g = PetscIsInfOrNanReal(err) ? ADAPT_GMIN : ADAPT_SAFETY * PetscPowReal(tol / err, 1.0 / a->p.order);
    *accept = PETSC_FALSE;
    *h_next = h * PetscMin(0.9, PetscMax(ADAPT_GMIN, g));
    a->st.rejected++;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* h_new = h s (tol/err)^k1 (err_prev/tol)^k2, bounded */
  if (err == 0) g = ADAPT_GMAX;
  else {
    g = a->s * PetscPowReal(tol / err, a->k1);
    if (a->st.err_prev > 0) g *= PetscPowReal(a->st.err_prev / tol, a->k2);
  }
  g = PetscMin(ADAPT_GMAX, PetscMax(ADAPT_GMIN, g));
  if (a->st.rejected) g = PetscMin(g, 1.0); /* no growth right after a rejection */
  *accept        = PETSC_TRUE;
  *h_next        = PetscMin(h * g, a->p.h_max);
  if (a->st.h_cap > 0) {
    *h_next = PetscMin(*h_next, a->st.h_cap);
    a->st.h_cap *= ADAPT_CAP_RELAX;
  }
  a->st.err_prev = PetscMax(err, 1e-3 * tol); /* an exact step must not blow up the P part */
  a->st.rejected = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillAdaptRejectOther(UphillAdapt a, PetscReal h, PetscReal shrink, PetscReal *h_next)
{
  PetscFunctionBegin;
  *h_next = h * shrink;
  a->st.h_cap = a->st.h_cap > 0 ? PetscMin(a->st.h_cap, ADAPT_CAP * h) : ADAPT_CAP * h;
  a->st.rejected++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Unit test of the step-size controller (src/adapt.c), on synthetic error models: no MPI,
 * no grid. Prints one line per check and "N passed, M failed". */
#include <uphill/adapt.h>
#include "tally.h"

/* err = C h^q: the controller must settle where err sits just below tol, without rejections,
 * from a first step far too small; the PI part must not oscillate. */
static PetscErrorCode TestConverges(Tally *t, PetscInt order)
{
  UphillAdaptParams p = {1e-4, order + 1, PETSC_MAX_REAL};
  UphillAdapt       a;
  const PetscInt    q = order + 1;
  const PetscReal   C = 3.0;
  PetscReal         h = 1e-6 * PetscPowReal(p.tol / C, 1.0 / q), err = 0, hn;
  PetscInt          rejected = 0, n;
  PetscBool         ok;

  PetscFunctionBeginUser;
  PetscCall(UphillAdaptCreate(&p, &a));
  for (n = 0; n < 200; n++) {
    err = C * PetscPowRealInt(h, q);
    PetscCall(UphillAdaptChoose(a, h, err, &ok, &hn));
    if (!ok) rejected++;
    h = hn;
  }
  TallyCheckf(t, (PetscBool)(rejected == 0), "order %d, err = C h^%d from h0 = 1e-6 h*: %d rejections (want 0)", (int)order, (int)q, (int)rejected);
  TallyCheckf(t, (PetscBool)(PetscAbsReal(err / p.tol - 0.8) < 1e-6), "order %d: settles at err/tol = %.6f (the controller's target 0.8)", (int)order, (double)(err / p.tol));
  PetscCall(UphillAdaptDestroy(&a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally             t = {MPI_COMM_NULL, 0, 0};
  UphillAdaptParams p = {1e-3, 3, 10.0};
  UphillAdapt       a, b;
  UphillAdaptState  s;
  PetscReal         hn, hn2;
  PetscBool         ok;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_adapt: the step-size controller"));
  t.comm = PETSC_COMM_SELF;
  PetscCall(TestConverges(&t, 1));
  PetscCall(TestConverges(&t, 2));

  PetscCall(UphillAdaptCreate(&p, &a));
  PetscCall(UphillAdaptChoose(a, 1.0, -1.0, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(ok && hn == 1.0), "no estimate yet (history too short): accepted, step kept (%g)", (double)hn);
  PetscCall(UphillAdaptChoose(a, 1.0, 0.0, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(ok && hn == 2.0), "an exact step grows by the bound 2 only (%g)", (double)hn);
  PetscCall(UphillAdaptChoose(a, 8.0, 0.0, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(ok && hn == 10.0), "-dt_max caps the proposal (%g)", (double)hn);
  PetscCall(UphillAdaptChoose(a, 1.0, 1e-2, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(!ok && PetscAbsReal(hn - 0.9 * PetscPowReal(0.1, 1.0 / 3.0)) < 1e-12), "err = 10 tol: rejected, retry at 0.9 (tol/err)^(1/3) = %.4f", (double)hn);
  PetscCall(UphillAdaptChoose(a, hn, 1e-6, &ok, &hn2));
  TallyCheckf(&t, (PetscBool)(ok && hn2 <= hn), "the step after a rejection does not grow (%.4f -> %.4f)", (double)hn, (double)hn2);
  PetscCall(UphillAdaptChoose(a, 1.0, 1e3, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(!ok && hn == 0.2), "a huge error shrinks by the bound 0.2 only (%g)", (double)hn);
  PetscCall(UphillAdaptChoose(a, 1.0, NAN, &ok, &hn));
  TallyCheckf(&t, (PetscBool)(!ok && hn == 0.2), "a NaN estimate is a rejection (%g)", (double)hn);
  PetscCall(UphillAdaptRejectOther(a, 1.0, 0.25, &hn));
  TallyCheckf(&t, (PetscBool)(hn == 0.25), "a rejection for bounds or energy shrinks by the given factor (%g)", (double)hn);

  /* the state is the whole memory: a copy continues with the same proposals (restart) */
  PetscCall(UphillAdaptChoose(a, 1.0, 5e-4, &ok, &hn));
  PetscCall(UphillAdaptGetState(a, &s));
  PetscCall(UphillAdaptCreate(&p, &b));
  PetscCall(UphillAdaptSetState(b, &s));
  PetscCall(UphillAdaptChoose(a, 0.7, 3e-4, &ok, &hn));
  PetscCall(UphillAdaptChoose(b, 0.7, 3e-4, &ok, &hn2));
  TallyCheckf(&t, (PetscBool)(hn == hn2), "a controller restored from the state proposes the same step (%.17g, %.17g)", (double)hn, (double)hn2);
  /* the PI part: after an accepted error of 0.5 tol, err = tol gives a smaller proposal than
   * after an accepted error of tol (the previous error damps the change) */
  {
    UphillAdaptState s1 = {0.5e-3, 0, 0}, s2 = {1e-3, 0, 0};
    PetscReal        h1, h2;
    PetscCall(UphillAdaptSetState(b, &s1));
    PetscCall(UphillAdaptChoose(b, 1.0, 1e-3, &ok, &h1));
    PetscCall(UphillAdaptSetState(b, &s2));
    PetscCall(UphillAdaptChoose(b, 1.0, 1e-3, &ok, &h2));
    TallyCheckf(&t, (PetscBool)(h1 < h2 && PetscAbsReal(h1 / h2 - PetscPowReal(0.5, 0.4 / 3)) < 1e-12), "PI: the previous error enters as (err_prev/tol)^(0.4/3): ratio %.6f", (double)(h1 / h2));
  }
  /* the ceiling: a step of 2 rejected on bounds caps the following steps at 0.8 * 2, however
   * small their error; the cap relaxes by 5 % per accepted step and is part of the state */
  {
    UphillAdaptState s0 = {1e-3, 0, 0}, sc;
    PetscReal        hr, h1, h2;
    PetscCall(UphillAdaptSetState(b, &s0));
    PetscCall(UphillAdaptRejectOther(b, 2.0, 0.25, &hr));
    TallyCheckf(&t, (PetscBool)(hr == 0.5), "a rejection on bounds retries at h shrink (%g)", (double)hr);
    PetscCall(UphillAdaptChoose(b, 0.5, 1e-9, &ok, &h1)); /* right after a rejection: no growth */
    PetscCall(UphillAdaptChoose(b, 1.5, 1e-9, &ok, &h1));
    PetscCall(UphillAdaptGetState(b, &sc));
    PetscCall(UphillAdaptChoose(b, 1.6, 1e-9, &ok, &h2));
    TallyCheckf(&t, (PetscBool)(PetscAbsReal(h1 - 1.6 * 1.05) < 1e-12 && PetscAbsReal(h2 - 1.6 * 1.05 * 1.05) < 1e-12), "after a rejection at 2 the proposals stay under the ceiling 1.6, relaxed 5 %% per step (%.6f, %.6f)", (double)h1, (double)h2);
    PetscCall(UphillAdaptSetState(a, &sc));
    PetscCall(UphillAdaptChoose(a, 1.6, 1e-9, &ok, &h1));
    TallyCheckf(&t, (PetscBool)(h1 == h2), "the ceiling is part of the controller's state (%.17g, %.17g)", (double)h1, (double)h2);
  }
  PetscCall(UphillAdaptDestroy(&a));
  PetscCall(UphillAdaptDestroy(&b));
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

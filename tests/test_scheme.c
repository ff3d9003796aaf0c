/* MPI tests of the time-step kernels (src/scheme.c) and the error-controlled loop
 * (src/stepper.c, src/adapt.c), driven directly through the library:
 *
 *  - mass conserved to round-off and the free energy non-increasing over coarsening runs
 *    (regular one tracer, Darken r = 3, polynomial; 2D and 3D; Euler and BDF2);
 *  - the energy the step computes with vectorized logs equals the diagnostics' scalar one;
 *  - linear stability of the first-order step: a small cosine mode grows or decays by exactly
 *    UphillSchemeAmplification per step (Darken included), and its measured rate converges
 *    to R(k) at first order; with the mobility sweep (the default, as in the program) and
 *    without it, inside a phase (c0 = 0.05, M 5x below A) as well;
 *  - the BDF2 root of a stiff mode inside a phase as h -> infinity: sqrt(E/Im) (0.84, the
 *    stabilizer's ringing) without the sweep, sqrt((1 + g) E/Im - g) (0.62) with it;
 *  - the ideal-entropy flux without a logarithm equals the logarithmic flux to round-off on
 *    a smooth field (regular, Darken r = 3; and the polynomial model's two flux forms);
 *  - variable-step BDF2 is second order on a step sequence whose ratio alternates 2 and 1/2
 *    (Euler first order on the same sequence);
 *  - the local error estimate scales as h^3 (BDF2) and h^2 (Euler);
 *  - the error-controlled loop on a linear problem with a known solution: the global error
 *    falls as tol^(2/3) (local error per step controlled at second order), and the mean
 *    estimate of the accepted steps sits just below tol;
 *  - a NaN anywhere is visible in the step's bounds and energy;
 *  - the 2D step (both flux directions in transform at once) equals the 3D step (one
 *    direction at a time) on a field that does not vary along z.
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/diag.h>
#include <uphill/scheme.h>
#include <uphill/stepper.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include "tally.h"

/* ---- set-up ------------------------------------------------------------------------- */

typedef struct {
  PetscInt           dim, N;
  PetscReal          L;
  PetscInt           box_n[3]; /* a rectangular box when box_n[0] > 0: points and sides per axis */
  PetscReal          box_len[3];
  UphillSchemeParams sp;
} Problem;

static Problem Regular(PetscInt dim, PetscInt N, PetscReal L, PetscReal chi, PetscReal r, PetscInt order);
/* the Redlich-Kister model: the regular one plus chi1 c(1-c)(1-2c) */
static Problem SubRegular(PetscInt dim, PetscInt N, PetscReal L, PetscReal chi, PetscReal chi1, PetscReal r, PetscInt order)
{
  Problem p = Regular(dim, N, L, chi, r, order);
  p.sp.model.chi1 = chi1;
  return p;
}

static Problem Regular(PetscInt dim, PetscInt N, PetscReal L, PetscReal chi, PetscReal r, PetscInt order)
{
  Problem p;
  (void)PetscMemzero(&p, sizeof(p));
  p.dim            = dim;
  p.N              = N;
  p.L              = L;
  p.sp.model.kind  = THERMO_MODEL_REGULAR;
  p.sp.model.chi   = chi;
  p.sp.model.r     = r;
  p.sp.model.kappa = 1.0;
  p.sp.order       = order;
  p.sp.A = p.sp.S = -1;
  p.sp.correct     = PETSC_TRUE; /* the program's default (-stab_correct) */
  return p;
}

/* with Cu's cubic coherency strain, misfit 0.05, at 1000 K and Vm = 8.5e-6 */
static Problem Strained(Problem p)
{
  p.sp.model.elastic  = PETSC_TRUE;
  p.sp.model.el       = (ThermoElastic){0.05, 168.4e9, 121.4e9, 75.4e9};
  p.sp.model.el_scale = 8.5e-6 / (UPHILL_R * 1000.0);
  return p;
}

static Problem Poly(PetscInt dim, PetscInt N, PetscReal L, PetscInt order)
{
  Problem p;
  (void)PetscMemzero(&p, sizeof(p));
  p.dim               = dim;
  p.N                 = N;
  p.L                 = L;
  p.sp.model.kind     = THERMO_MODEL_POLYNOMIAL;
  p.sp.model.rho      = 5.0;
  p.sp.model.ca       = 0.3;
  p.sp.model.cb       = 0.7;
  p.sp.model.kappa    = 2.0;
  p.sp.model.mobility = 5.0;
  p.sp.model.r        = 1.0;
  p.sp.order          = order;
  p.sp.A = p.sp.S = -1;
  return p;
}

typedef struct {
  Problem        pb;
  UphillGrid     g;
  UphillGridInfo gi;
  UphillScheme   s;
  UphillDiag     d;
  Vec            c; /* scratch field for initial conditions */
} Setup;

static PetscErrorCode SetupCreate(MPI_Comm comm, const Problem *pb, Setup *su)
{
  UphillGridParams gp;
  UphillDiagParams dp;

  PetscFunctionBeginUser;
  su->pb = *pb;
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  gp.dim = pb->dim;
  for (PetscInt d = 0; d < pb->dim; d++) {
    gp.n[d]   = pb->box_n[0] > 0 ? pb->box_n[d] : pb->N;
    gp.len[d] = pb->box_n[0] > 0 ? pb->box_len[d] : pb->L;
  }
  gp.plan   = 0;
  gp.wisdom = "none";
  PetscCall(UphillGridCreate(comm, &gp, &su->g));
  PetscCall(UphillGridGetInfo(su->g, &su->gi));
  PetscCall(UphillSchemeCreate(su->g, &pb->sp, &su->s));
  dp.model  = pb->sp.model;
  dp.energy = dp.entropy = dp.length = dp.time = 1.0;
  PetscCall(UphillDiagCreate(su->g, &dp, &su->d));
  PetscCall(UphillGridCreateVec(su->g, &su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SetupDestroy(Setup *su)
{
  PetscFunctionBeginUser;
  PetscCall(VecDestroy(&su->c));
  PetscCall(UphillDiagDestroy(&su->d));
  PetscCall(UphillSchemeDestroy(&su->s));
  PetscCall(UphillGridDestroy(&su->g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* c = c0 + noise (2U - 1), U uniform from the global index */
static PetscErrorCode FillRandom(Setup *su, PetscReal c0, PetscReal noise)
{
  PetscScalar *x;

  PetscFunctionBeginUser;
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) x[i] = c0 + noise * (2.0 * UphillHashUniform(7, (uint64_t)UphillGridGlobalIndex(&su->gi, i)) - 1.0);
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* the phase k.x of the mode m, k_d = 2 pi m_d / L_d (each axis its own side) */
static PetscReal ModePhase(const Setup *su, const PetscInt m[3], const PetscReal p[3])
{
  PetscReal ph = 0;
  for (PetscInt d = 0; d < su->gi.dim; d++) ph += 2.0 * PETSC_PI * m[d] * p[d] / su->gi.len[d];
  return ph;
}

/* c = c0 + amp cos(k . x) */
static PetscErrorCode FillMode(Setup *su, PetscReal c0, PetscReal amp, const PetscInt m[3])
{
  PetscScalar *x;

  PetscFunctionBeginUser;
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su->gi, i, p);
    x[i] = c0 + amp * PetscCosReal(ModePhase(su, m, p));
  }
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* c = c0 + 0.08 cos(x') cos(y') + 0.04 sin(2x' - y') (x' = 2 pi x/L): smooth, in (0,1) */
static PetscErrorCode FillSmooth(Setup *su, PetscReal c0)
{
  PetscScalar    *x;
  const PetscReal a = 2.0 * PETSC_PI / su->pb.L;

  PetscFunctionBeginUser;
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su->gi, i, p);
    x[i] = c0 + 0.08 * PetscCosReal(a * p[0]) * PetscCosReal(a * p[1] + a * p[2]) + 0.04 * PetscSinReal(2 * a * p[0] - a * p[1]);
  }
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Amplitude of the mode by projection of the current state: (2/N^d) sum (c - c0) cos(k.x). */
static PetscErrorCode ModeAmplitude(Setup *su, PetscReal c0, const PetscInt m[3], PetscReal *amp)
{
  const PetscScalar *x;
  Vec                c;
  PetscReal          sum = 0;

  PetscFunctionBeginUser;
  PetscCall(UphillSchemeGetState(su->s, &c));
  PetscCall(VecGetArrayRead(c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su->gi, i, p);
    sum += (x[i] - c0) * PetscCosReal(ModePhase(su, m, p));
  }
  PetscCall(VecRestoreArrayRead(c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, su->gi.comm));
  *amp = 2.0 * sum / (PetscReal)su->gi.ntot;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Step(Setup *su, PetscReal h, UphillStepResult *r)
{
  PetscFunctionBeginUser;
  PetscCall(UphillSchemeTry(su->s, h, r));
  PetscCall(UphillSchemeAccept(su->s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* max |a - b| of the current state against a saved field */
static PetscErrorCode StateDiff(Setup *su, Vec ref, PetscReal *d)
{
  Vec c, w;

  PetscFunctionBeginUser;
  PetscCall(UphillSchemeGetState(su->s, &c));
  PetscCall(VecDuplicate(c, &w));
  PetscCall(VecWAXPY(w, -1.0, ref, c));
  PetscCall(VecNorm(w, NORM_INFINITY, d));
  PetscCall(VecDestroy(&w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- mass and energy through a coarsening run ----------------------------------------- */

static PetscErrorCode TestMassEnergy(Tally *t, const char *name, const Problem *pb, PetscReal c0, PetscReal noise, PetscReal dt, PetscInt nsteps)
{
  Setup            su;
  UphillStepResult r;
  UphillDiagValues v;
  Vec              c;
  PetscReal        mass0, mass, F0, F, Fprev, cmin0, cmax0, dmass = 0, rise = -PETSC_MAX_REAL, scale, dF = 0;
  PetscInt         nrise = 0;
  char             what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, pb, &su));
  PetscCall(FillRandom(&su, c0, noise));
  PetscCall(UphillSchemeGetState(su.s, &c));
  PetscCall(VecSum(c, &mass0));
  PetscCall(UphillSchemeGetEnergy(su.s, &F0, &cmin0, &cmax0));
  scale = PetscAbsReal(F0) + 1e-3 * su.gi.cell * su.gi.ntot;
  Fprev = F0;
  for (PetscInt k = 1; k <= nsteps; k++) {
    PetscCall(Step(&su, dt, &r));
    PetscCall(UphillSchemeGetState(su.s, &c));
    PetscCall(VecSum(c, &mass));
    dmass = PetscMax(dmass, PetscAbsReal(mass - mass0) / PetscAbsReal(mass0));
    rise  = PetscMax(rise, r.F - Fprev);
    if (r.F > Fprev + 1e-12 * scale || PetscIsInfOrNanReal(r.F)) {
      nrise++;
      PetscCall(PetscPrintf(t->comm, "     step %" PetscInt_FMT ": F rose by %.3e (rel %.3e), order %" PetscInt_FMT "\n", k, (double)(r.F - Fprev), (double)((r.F - Fprev) / scale), r.order));
    }
    Fprev = r.F;
  }
  F = r.F;
  /* the step's fused energy (vectorized logs) against the diagnostics' own sums */
  {
    const UphillComplex *chat;
    PetscCall(UphillSchemeGetSpectralState(su.s, &chat));
    PetscCall(UphillDiagCompute(su.d, c, chat, &v));
    dF = PetscAbsReal(v.total_red - F) / PetscAbsReal(F);
  }
  PetscCall(PetscPrintf(t->comm, "---- %s: %" PetscInt_FMT " steps of %g, %" PetscInt_FMT "^%" PetscInt_FMT ": F %.10g -> %.10g, c in [%.4f, %.4f] -> [%.4f, %.4f], largest rise of F %+.3e\n", name, nsteps, (double)dt, pb->N, pb->dim, (double)F0, (double)F, (double)cmin0, (double)cmax0, (double)r.cmin, (double)r.cmax, (double)rise));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over steps of |sum c - sum c0| / sum c0", name));
  PetscCall(TallyBound(t, what, dmass, 1e-12));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: steps where F rose by more than 1e-12 x scale", name));
  PetscCall(TallyBound(t, what, (PetscReal)nrise, 0));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: the step's energy (vectorized) = the diagnostics' energy, rel", name));
  PetscCall(TallyBound(t, what, dF, 1e-12));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: the run coarsened (c range %.3f -> %.3f)", name, (double)(cmax0 - cmin0), (double)(r.cmax - r.cmin)));
  PetscCall(TallyTrue(t, what, (PetscBool)(r.cmax - r.cmin > 3 * (cmax0 - cmin0) && F < F0)));
  if (pb->sp.model.kind == THERMO_MODEL_REGULAR) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: c stays inside (0,1) (min %.3e, max 1 - %.3e)", name, (double)r.cmin, (double)(1 - r.cmax)));
    PetscCall(TallyTrue(t, what, (PetscBool)(r.cmin > 0 && r.cmax < 1)));
  }
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- linear stability of the first-order step ------------------------------------------- */

/* One mode about c0: the per-step growth equals UphillSchemeAmplification, and the rate
 * measured over a fixed time T converges to R(k) at first order. With
 * G = (1 + h (R + B))/(1 + h B), B the implicit coefficient (stabilizers and implicit part),
 *   ln(G)/h - R = -h (R B + R^2/2) + O(h^2). */
static PetscErrorCode TestMode(Tally *t, const char *name, const Problem *pb0, PetscReal c0, const PetscInt m[3], PetscBool grows)
{
  Setup              su;
  Problem            pb = *pb0;
  const PetscReal    amp0 = 1e-6, dt = 0.1, T = 2.0, dts[3] = {0.04, 0.02, 0.01};
  const PetscInt     nsteps = 50;
  const ThermoModel *mo     = &pb.sp.model;
  UphillSchemeParams sp;
  UphillStepResult   r;
  PetscReal          k, kv[3], kc2[3], G, Gs, A0, A, Aprev, dev = 0, R, M0, fpp, err[3], B, C;
  char               what[256];

  PetscFunctionBeginUser;
  pb.sp.order = 1;
  PetscCall(SetupCreate(t->comm, &pb, &su));
  PetscCall(UphillSchemeGetParams(su.s, &sp));
  for (PetscInt d = 0; d < 3; d++) kv[d] = d < su.gi.dim ? 2.0 * PETSC_PI / su.gi.len[d] * m[d] : 0.0;
  k   = PetscSqrtReal(kv[0] * kv[0] + kv[1] * kv[1] + kv[2] * kv[2]);
  G   = UphillSchemeAmplification(&sp, c0, kv, dt);
  M0  = ThermoModelMobility(mo, c0);
  /* coherency strain adds B(n) to f'' for this direction (Cahn's coherent spinodal) */
  kc2[0] = kv[0] * kv[0], kc2[1] = kv[1] * kv[1], kc2[2] = kv[2] * kv[2];
  fpp = ThermoModelD2F(mo, c0) + (mo->kind == THERMO_MODEL_REGULAR ? ThermoModelElasticKernel(kc2, (void *)mo) : 0.0);
  R   = ThermoGrowthRate(k, M0, fpp, mo->kappa);
  /* B from G at a small step: G (1 + h B) = 1 + h (R + B) holds exactly without the mobility
   * sweep, and to O(h) with it (whose G = (1 + g) G0 - g, g = O(h), has B = Im - g/h at h -> 0) */
  Gs  = UphillSchemeAmplification(&sp, c0, kv, 1e-3);
  B   = (Gs - 1.0 - 1e-3 * R) / (1e-3 * (1.0 - Gs));
  C   = -(R * B + 0.5 * R * R);
  PetscCall(PetscPrintf(t->comm, "---- %s: c0 = %g, mode (%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT "), k = %.6f, f''(c0) = %.6f, M0 = %.6f, R(k) = %+.6e, G(%g) = %.12f, B = %.4g\n", name, (double)c0, m[0], m[1], m[2], (double)k, (double)fpp, (double)M0, (double)R, (double)dt, (double)G, (double)B));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: R(k) %s 0 as the spinodal analysis says", name, grows ? ">" : "<"));
  PetscCall(TallyTrue(t, what, (PetscBool)(grows ? R > 0 : R < 0)));
  PetscCall(FillMode(&su, c0, amp0, m));
  PetscCall(ModeAmplitude(&su, c0, m, &A0));
  Aprev = A0;
  for (PetscInt s = 0; s < nsteps; s++) {
    PetscCall(Step(&su, dt, &r));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    dev   = PetscMax(dev, PetscAbsReal(A / Aprev / G - 1.0));
    Aprev = A;
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: mode %s (A_n/A_0 = %.6g)", name, grows ? "grows" : "decays", (double)(A / A0)));
  PetscCall(TallyTrue(t, what, (PetscBool)(grows ? A > A0 : A < A0)));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over steps |A_{n+1}/A_n / G - 1|", name));
  PetscCall(TallyBound(t, what, dev, 1e-6));
  for (PetscInt j = 0; j < 3; j++) {
    const PetscInt ns = (PetscInt)PetscFloorReal(T / dts[j] + 0.5);
    PetscCall(FillMode(&su, c0, amp0, m));
    PetscCall(ModeAmplitude(&su, c0, m, &A0));
    for (PetscInt s = 0; s < ns; s++) PetscCall(Step(&su, dts[j], &r));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    err[j] = PetscLogReal(A / A0) / T - R;
  }
  PetscCall(PetscPrintf(t->comm, "     rate - R(k) at h = 0.04, 0.02, 0.01: %+.4e %+.4e %+.4e; leading term -h (R B + R^2/2) at 0.01: %+.4e\n", (double)err[0], (double)err[1], (double)err[2], (double)(C * dts[2])));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error halves with h: err(0.04)/err(0.02)", name));
  PetscCall(TallyCheck(t, what, err[0] / err[1], 2.0, 0.15));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error halves with h: err(0.02)/err(0.01)", name));
  PetscCall(TallyCheck(t, what, err[1] / err[2], 2.0, 0.08));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error at h = 0.01 / leading term", name));
  PetscCall(TallyCheck(t, what, err[2] / (C * dts[2]), 1.0, 0.05));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the two flux forms ------------------------------------------------------------------ */

static PetscErrorCode TestFluxForms(Tally *t, const char *name, const Problem *pb, PetscReal c0)
{
  Setup          su;
  UphillComplex *a, *b;
  PetscReal      d[2] = {0, 0};
  char           what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, pb, &su));
  PetscCall(FillSmooth(&su, c0));
  PetscCall(UphillGridAllocComplex(su.g, &a));
  PetscCall(UphillGridAllocComplex(su.g, &b));
  PetscCall(UphillSchemeTendency(su.s, UPHILL_FLUX_LOG, a));
  PetscCall(UphillSchemeTendency(su.s, UPHILL_FLUX_IDEAL, b));
  for (PetscInt i = 0; i < su.gi.nloc_k; i++) {
    d[0] = PetscMax(d[0], PetscSqrtReal(PetscSqr(a[i][0] - b[i][0]) + PetscSqr(a[i][1] - b[i][1])));
    d[1] = PetscMax(d[1], PetscSqrtReal(PetscSqr(a[i][0]) + PetscSqr(a[i][1])));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d, 2, MPIU_REAL, MPIU_MAX, t->comm));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: dc_k/dt with the logarithm vs without, max |diff| / max |dc_k/dt| (max %.3g)", name, (double)d[1]));
  PetscCall(TallyBound(t, what, d[0] / d[1], 1e-11));
  {
    /* the step itself against the tendency: (c^{n+1}_k - c^n_k)/h -> dc_k/dt as h -> 0 (the
     * splitting makes the difference O(h L), L the stabilizers: 1e-8 to 2e-6 here) */
    const PetscReal      h = 1e-7;
    const UphillComplex *cn;
    UphillStepResult     r;
    PetscCall(UphillSchemeGetSpectralState(su.s, &cn));
    PetscCall(PetscArraycpy((PetscReal *)a, (const PetscReal *)cn, 2 * su.gi.nloc_k));
    PetscCall(Step(&su, h, &r));
    PetscCall(UphillSchemeGetSpectralState(su.s, &cn));
    d[0] = 0;
    for (PetscInt i = 0; i < su.gi.nloc_k; i++) d[0] = PetscMax(d[0], PetscSqrtReal(PetscSqr((cn[i][0] - a[i][0]) / h - b[i][0]) + PetscSqr((cn[i][1] - a[i][1]) / h - b[i][1])));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d, 1, MPIU_REAL, MPIU_MAX, t->comm));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: a step of 1e-7 moves c_k by h dc_k/dt, max |diff| / max |dc_k/dt|", name));
    PetscCall(TallyBound(t, what, d[0] / d[1], 1e-5));
  }
  PetscCall(UphillGridFreeComplex(&a));
  PetscCall(UphillGridFreeComplex(&b));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- order of accuracy on a non-uniform step sequence ---------------------------------- */

/* Steps alternate a and 2a (ratio 2, then 1/2) from a smooth state to T; the differences
 * between the results at a, a/2, a/4, a/8 (same pattern) fall 4x (BDF2) or 2x (Euler) per
 * halving, which needs no reference solution. */
static PetscErrorCode RunPattern(Setup *su, PetscReal c0, PetscReal a, PetscReal T)
{
  UphillStepResult r;
  PetscReal        t = 0;

  PetscFunctionBeginUser;
  PetscCall(FillSmooth(su, c0));
  for (PetscInt n = 0; t < T * (1 - 1e-12); n++) {
    const PetscReal h = (n % 2 ? 2.0 : 1.0) * a;
    PetscCall(Step(su, h, &r));
    t += h;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestOrder(Tally *t, const char *name, const Problem *pb, PetscReal c0, PetscReal a0, PetscReal T)
{
  Setup           su;
  Vec             prev, c;
  PetscReal       d[3];
  char            what[256];
  const PetscReal want = pb->sp.order == 2 ? 4.0 : 2.0;

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, pb, &su));
  PetscCall(VecDuplicate(su.c, &prev));
  for (PetscInt j = 0; j < 4; j++) {
    PetscCall(RunPattern(&su, c0, a0 / (1 << j), T));
    if (j > 0) PetscCall(StateDiff(&su, prev, &d[j - 1]));
    PetscCall(UphillSchemeGetState(su.s, &c));
    PetscCall(VecCopy(c, prev));
  }
  PetscCall(PetscPrintf(t->comm, "---- %s: steps alternating a, 2a to T = %g; max |c(a) - c(a/2)| = %.4e, |c(a/2) - c(a/4)| = %.4e, |c(a/4) - c(a/8)| = %.4e (a = %g)\n", name, (double)T, (double)d[0], (double)d[1], (double)d[2], (double)a0));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: ratio of successive differences, a (order %" PetscInt_FMT ")", name, pb->sp.order));
  PetscCall(TallyCheck(t, what, d[0] / d[1], want, 0.1 * want));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: ratio of successive differences, a/2 (order %" PetscInt_FMT ")", name, pb->sp.order));
  PetscCall(TallyCheck(t, what, d[1] / d[2], want, 0.1 * want));
  PetscCall(VecDestroy(&prev));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the error estimate ----------------------------------------------------------------- */

/* From the same smooth state, build the history with 12 equal steps h (the first-order start
 * of BDF2 leaves a kink in the history that decays as 3^-n), then one more step h: its
 * estimate scales as h^(p+1). */
static PetscErrorCode TestEstimateScaling(Tally *t, const char *name, const Problem *pb, PetscReal c0, PetscReal h0)
{
  Setup            su;
  UphillStepResult r;
  PetscReal        est[3];
  const PetscReal  want = pb->sp.order == 2 ? 8.0 : 4.0;
  char             what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, pb, &su));
  for (PetscInt j = 0; j < 3; j++) {
    const PetscReal h = h0 / (1 << j);
    PetscCall(FillSmooth(&su, c0));
    for (PetscInt n = 0; n < 12; n++) PetscCall(Step(&su, h, &r));
    PetscCall(UphillSchemeTry(su.s, h, &r));
    est[j] = r.err;
  }
  PetscCall(PetscPrintf(t->comm, "---- %s: estimate after 12 steps of h, for h = %g, h/2, h/4: %.4e %.4e %.4e\n", name, (double)h0, (double)est[0], (double)est[1], (double)est[2]));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: the estimate exists once the history allows it", name));
  PetscCall(TallyTrue(t, what, (PetscBool)(est[0] > 0 && est[1] > 0 && est[2] > 0)));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: estimate ratio per halving of h (h^%d)", name, pb->sp.order == 2 ? 3 : 2));
  PetscCall(TallyCheck(t, what, est[1] / est[2], want, 0.1 * want));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the controlled loop on a linear problem with a known solution ----------------------- */

/* the times of the accepted steps, for the error budget below */
typedef struct {
  PetscReal *t;
  PetscInt   n, max;
} Times;

static PetscErrorCode RecordTime(UphillStepper st, UphillMonitorEvent ev, void *ctx)
{
  Times *tm = (Times *)ctx;

  PetscFunctionBeginUser;
  if (ev == UPHILL_MONITOR_STEP && tm->n < tm->max) PetscCall(UphillStepperGetTime(st, &tm->t[tm->n++], NULL, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A mode of amplitude 1e-6 about the double well's c0 = 0.5 grows as exp(R t) exactly (the
 * model is linear to 1e-12 at this amplitude). The loop runs to R T = 3 at three tolerances.
 * A local error e_n made at t_n grows by exp(R (T - t_n)) by T, so if every step meets the
 * tolerance the global error is at most tol sum_n exp(R (T - t_n)): the budget. The estimate
 * leaves out the explicit term's share J (c* - c^{n+1}) of the splitting error (J = M k^2 |f''|,
 * a third of J + S k^2 for this mode), so the error may exceed the budget by up to 25%. */
static PetscErrorCode TestController(Tally *t)
{
  Problem         pb = Poly(2, 32, 32.0, 2);
  const PetscInt  m[3] = {2, 0, 0}; /* k^2 = 0.154 < -f''/kappa = 0.4: unstable */
  const PetscReal c0 = 0.5, amp0 = 1e-6, tols[3] = {1e-10, 1e-11, 1e-12};
  PetscReal       k, R, T, err[3], budget[3];
  PetscInt        steps[3];
  char            what[256];

  PetscFunctionBeginUser;
  k = 2.0 * PETSC_PI / pb.L * m[0];
  R = ThermoGrowthRate(k, pb.sp.model.mobility, ThermoPolyD2F(c0, 5.0, 0.3, 0.7), pb.sp.model.kappa);
  T = 3.0 / R;
  for (PetscInt j = 0; j < 3; j++) {
    Setup               su;
    UphillStepper       st;
    UphillStepperParams p;
    UphillStepperStats  stats;
    UphillStopReason    reason;
    PetscReal           A;
    PetscCall(SetupCreate(t->comm, &pb, &su));
    PetscCall(FillMode(&su, c0, amp0, m));
    PetscCall(PetscMemzero(&p, sizeof(p)));
    p.t_end     = T;
    p.max_steps = 100000;
    p.adapt     = PETSC_TRUE;
    p.dt        = 1e-3 / R;
    p.tol       = tols[j];
    p.dt_max    = -1;
    p.order     = 2;
    p.energy    = PETSC_FALSE; /* a growing mode raises F */
    p.volume    = pb.L * pb.L;
    Times tm = {NULL, 0, 100000};
    PetscCall(PetscMalloc1(tm.max, &tm.t));
    PetscCall(UphillStepperCreate(su.s, &p, &st));
    PetscCall(UphillStepperMonitorAdd(st, RecordTime, &tm, NULL));
    PetscCall(UphillStepperSolve(st));
    PetscCall(UphillStepperGetReason(st, &reason, NULL));
    PetscCall(UphillStepperGetStats(st, &stats));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    /* the error in c is the amplitude's error times the RMS of a cosine */
    err[j]   = PetscAbsReal(A - amp0 * PetscExpReal(R * T)) / PETSC_SQRT2;
    steps[j]  = stats.steps;
    budget[j] = 0;
    for (PetscInt n = 0; n < tm.n; n++) budget[j] += tols[j] * PetscExpReal(R * (T - tm.t[n]));
    PetscCall(PetscFree(tm.t));
    PetscCall(PetscPrintf(t->comm, "---- controller, tol %g: %s after %" PetscInt_FMT " steps (%" PetscInt_FMT " rejected); A(T) = %.10e, exact %.10e, RMS error %.3e, budget %.3e (ratio %.3f)\n", (double)tols[j], UphillStopReasons[reason], stats.steps, stats.rejected, (double)A, (double)(amp0 * PetscExpReal(R * T)), (double)err[j], (double)budget[j], (double)(err[j] / budget[j])));
    PetscCall(PetscSNPrintf(what, sizeof(what), "controller tol %g reaches t_end", (double)tols[j]));
    PetscCall(TallyTrue(t, what, (PetscBool)(reason == UPHILL_STOP_T_END)));
    PetscCall(UphillStepperDestroy(&st));
    PetscCall(SetupDestroy(&su));
  }
  /* local error per step at tol gives a global error ~ tol^(p/(p+1)) = tol^(2/3), and the
   * step count grows as tol^(-1/3) */
  PetscCall(TallyCheck(t, "controller: global error ratio per 10x tighter tol (10^(2/3) = 4.64)", err[0] / err[1], 4.64, 1.6));
  PetscCall(TallyCheck(t, "controller: global error ratio per 10x tighter tol, again", err[1] / err[2], 4.64, 1.6));
  PetscCall(TallyCheck(t, "controller: step count ratio per 10x tighter tol (10^(1/3) = 2.15)", (PetscReal)steps[1] / steps[0], 2.15, 0.45));
  for (PetscInt j = 0; j < 3; j++) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "controller: global error within 1.25 x the budget of tol %g per step (error/budget %.3f)", (double)tols[j], (double)(err[j] / budget[j])));
    PetscCall(TallyTrue(t, what, (PetscBool)(err[j] <= 1.25 * budget[j])));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- NaN visibility ------------------------------------------------------------------------ */

static PetscErrorCode TestNaNVisible(Tally *t, const char *name, const Problem *pb)
{
  Setup            su;
  PetscScalar     *x;
  UphillStepResult r;
  PetscReal        F, cmin, cmax;
  char             what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, pb, &su));
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < su.gi.nlocal; i++) x[i] = UphillGridGlobalIndex(&su.gi, i) == su.gi.ntot / 2 + 3 ? NAN : 0.5;
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(UphillSchemeGetEnergy(su.s, &F, &cmin, &cmax));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: a NaN in the state makes its energy and bounds NaN", name));
  PetscCall(TallyTrue(t, what, (PetscBool)(PetscIsNanReal(F) && PetscIsNanReal(cmin) && PetscIsNanReal(cmax))));
  PetscCall(UphillSchemeTry(su.s, 0.1, &r));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: and the trial step from it reports NaN bounds and energy", name));
  PetscCall(TallyTrue(t, what, (PetscBool)(PetscIsNanReal(r.F) && PetscIsNanReal(r.cmin))));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- 2D (fused fluxes) against 3D (fused, and one direction at a time) ----------------- */

/* The same steps of a z-independent field on an N^2 and twice on an N^2 x 8 grid: the 2D
 * scheme puts both flux directions in transform at once, the first 3D one all three (unless
 * Darken), the second does them in turn (-sequential), so equal bounds, error estimates,
 * changes and energies per z-layer check the three code paths against each other (the
 * fields' layouts differ across ranks, the reductions do not). */
static PetscErrorCode TestFusedSequential(Tally *t, const char *name, const Problem *pb, PetscReal c0, PetscReal h)
{
  UphillGridParams gp;
  UphillGrid       g[3];
  UphillGridInfo   gi;
  UphillScheme     s[3];
  UphillStepResult r[3];
  Vec              c;
  PetscScalar     *x;
  PetscReal        worst = 0;
  const PetscReal  a     = 2.0 * PETSC_PI / pb->L;
  char             what[256];

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < 3; j++) {
    UphillSchemeParams sp = pb->sp;
    sp.sequential         = (PetscBool)(j == 2);
    PetscCall(PetscMemzero(&gp, sizeof(gp)));
    gp.dim    = j == 0 ? 2 : 3;
    gp.n[0]   = gp.n[1] = pb->N;
    gp.n[2]   = 8;
    gp.len[0] = gp.len[1] = pb->L;
    gp.len[2] = 8.0;
    gp.wisdom = "none";
    PetscCall(UphillGridCreate(t->comm, &gp, &g[j]));
    PetscCall(UphillGridGetInfo(g[j], &gi));
    PetscCall(UphillSchemeCreate(g[j], &sp, &s[j]));
    PetscCall(UphillGridCreateVec(g[j], &c));
    PetscCall(VecGetArray(c, &x));
    for (PetscInt i = 0; i < gi.nlocal; i++) {
      PetscReal p[3];
      UphillGridCoordinates(&gi, i, p);
      x[i] = c0 + 0.08 * PetscCosReal(a * p[0]) * PetscCosReal(a * p[1]) + 0.04 * PetscSinReal(2 * a * p[0] - a * p[1]);
    }
    PetscCall(VecRestoreArray(c, &x));
    PetscCall(UphillSchemeSetState(s[j], c));
    PetscCall(VecDestroy(&c));
  }
  for (PetscInt n = 0; n < 4; n++) {
    for (PetscInt j = 0; j < 3; j++) {
      PetscCall(UphillSchemeTry(s[j], h, &r[j]));
      PetscCall(UphillSchemeAccept(s[j]));
    }
    for (PetscInt j = 1; j < 3; j++) { /* 3D energy: 8 layers of 1 */
      worst = PetscMax(worst, PetscAbsReal(r[j].F / 8.0 - r[0].F) / PetscAbsReal(r[0].F));
      worst = PetscMax(worst, PetscAbsReal(r[j].cmin - r[0].cmin) + PetscAbsReal(r[j].cmax - r[0].cmax));
      worst = PetscMax(worst, PetscAbsReal(r[j].change - r[0].change) / r[0].change);
      if (r[0].err >= 0) worst = PetscMax(worst, PetscAbsReal(r[j].err - r[0].err) / r[0].err);
    }
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: 2D step = 3D step (fused and in turn) of a z-independent field (F, bounds, change, estimate; 4 BDF2 steps)", name));
  PetscCall(TallyBound(t, what, worst, 1e-11));
  for (PetscInt j = 0; j < 3; j++) {
    PetscCall(UphillSchemeDestroy(&s[j]));
    PetscCall(UphillGridDestroy(&g[j]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A field that varies along every axis, on one 3D grid twice: all three flux directions in
 * transform at once (the default) against one at a time (-sequential), with the same steps,
 * so the states and the reductions agree to round-off, the thermal noise's included (its
 * numbers are keyed by axis, not by the order the axes are taken in). */
static PetscErrorCode TestFused3D(Tally *t, const char *name, const Problem *pb, PetscReal c0, PetscReal h)
{
  UphillGridParams gp;
  UphillGrid       g;
  UphillGridInfo   gi;
  UphillScheme     s[2];
  UphillStepResult r[2];
  Vec              c, state[2];
  PetscScalar     *x;
  PetscReal        worst = 0, dmax, cmax;
  char             what[256];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  gp.dim = 3;
  for (PetscInt d = 0; d < 3; d++) {
    gp.n[d]   = pb->N;
    gp.len[d] = pb->L;
  }
  gp.wisdom = "none";
  PetscCall(UphillGridCreate(t->comm, &gp, &g));
  PetscCall(UphillGridGetInfo(g, &gi));
  PetscCall(UphillGridCreateVec(g, &c));
  PetscCall(VecGetArray(c, &x));
  for (PetscInt i = 0; i < gi.nlocal; i++) x[i] = c0 + 0.05 * (2.0 * UphillHashUniform(7, (uint64_t)UphillGridGlobalIndex(&gi, i)) - 1.0);
  PetscCall(VecRestoreArray(c, &x));
  for (PetscInt j = 0; j < 2; j++) {
    UphillSchemeParams sp = pb->sp;
    sp.sequential         = (PetscBool)(j == 1);
    PetscCall(UphillSchemeCreate(g, &sp, &s[j]));
    PetscCall(UphillSchemeSetState(s[j], c));
  }
  for (PetscInt n = 0; n < 4; n++) {
    for (PetscInt j = 0; j < 2; j++) {
      PetscCall(UphillSchemeSetStepIndex(s[j], n));
      PetscCall(UphillSchemeTry(s[j], h, &r[j]));
      PetscCall(UphillSchemeAccept(s[j]));
    }
    worst = PetscMax(worst, PetscAbsReal(r[1].F - r[0].F) / PetscAbsReal(r[0].F));
    worst = PetscMax(worst, PetscAbsReal(r[1].cmin - r[0].cmin) + PetscAbsReal(r[1].cmax - r[0].cmax));
    worst = PetscMax(worst, PetscAbsReal(r[1].change - r[0].change) / r[0].change);
    if (r[0].err >= 0) worst = PetscMax(worst, PetscAbsReal(r[1].err - r[0].err) / r[0].err);
  }
  for (PetscInt j = 0; j < 2; j++) PetscCall(UphillSchemeGetState(s[j], &state[j]));
  PetscCall(VecCopy(state[0], c));
  PetscCall(VecAXPY(c, -1.0, state[1]));
  PetscCall(VecNorm(c, NORM_INFINITY, &dmax));
  PetscCall(VecNorm(state[1], NORM_INFINITY, &cmax));
  worst = PetscMax(worst, dmax / cmax);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: 3D step, fluxes at once = in turn (state, F, bounds, change, estimate; 4 BDF2 steps, %" PetscInt_FMT "^3)", name, pb->N));
  PetscCall(TallyBound(t, what, worst, 1e-11));
  for (PetscInt j = 0; j < 2; j++) PetscCall(UphillSchemeDestroy(&s[j]));
  PetscCall(VecDestroy(&c));
  PetscCall(UphillGridDestroy(&g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_scheme: the time-step kernels and the controlled loop"));
  PetscCall(UphillInitializePackage());
  t.comm = PETSC_COMM_WORLD;
  {
    /* coarsening: chi = 3 (spinodal 0.211..0.789), c0 = 0.4; double well, c0 = 0.5 */
    Problem p;
    p = Regular(2, 64, 64.0, 3.0, 1.0, 2);
    PetscCall(TestMassEnergy(&t, "2D regular BDF2", &p, 0.4, 0.05, 0.5, 600));
    p.sp.correct = PETSC_FALSE;
    PetscCall(TestMassEnergy(&t, "2D regular BDF2, stabilizer only (-stab_correct false)", &p, 0.4, 0.05, 0.5, 600));
    /* with a fixed step, BDF2 started from white noise can raise F in its first steps when the
     * step is large against the decay of the noise (seen at 0.25 here and 0.5 in 3D; the
     * adaptive loop rejects such steps): these runs use steps below that */
    p = Regular(2, 64, 64.0, 3.0, 3.0, 2);
    PetscCall(TestMassEnergy(&t, "2D regular Darken r=3 BDF2", &p, 0.4, 0.05, 0.05, 2000));
    p = Regular(2, 64, 64.0, 3.0, 1.0, 1);
    PetscCall(TestMassEnergy(&t, "2D regular Euler", &p, 0.4, 0.05, 0.5, 600));
    /* the Cu-Ag assessment at 1000 K: the Cu-rich binodal 0.034 is close to 0, so the log-free
     * flux needs the interfaces resolved (h = 0.5 here; at h = 1 it leaves (0,1)) */
    p = SubRegular(2, 64, 32.0, 3.09, 0.51, 1.0, 2);
    PetscCall(TestMassEnergy(&t, "2D Redlich-Kister (Cu-Ag at 1000 K) BDF2", &p, 0.4, 0.05, 0.25, 800));
    p = Poly(2, 64, 64.0, 2);
    PetscCall(TestMassEnergy(&t, "2D polynomial BDF2", &p, 0.5, 0.05, 0.5, 600));
    p = Regular(3, 16, 16.0, 3.0, 1.0, 2);
    PetscCall(TestMassEnergy(&t, "3D regular BDF2", &p, 0.4, 0.05, 0.05, 1500));
    /* coherency strain (Cu constants, misfit 0.05, B Vm/RT as at 1000 K): the energy of the
     * step and of the diagnostics include (V/2) sum B |c_k|^2. First order: BDF2 from white
     * noise raises F for a few early steps here even at 0.05 (the adaptive loop rejects them) */
    p                     = Regular(2, 64, 32.0, 3.61, 1.0, 1);
    p.sp.model.elastic    = PETSC_TRUE;
    p.sp.model.el         = (ThermoElastic){0.05, 168.4e9, 121.4e9, 75.4e9};
    p.sp.model.el_scale   = 8.5e-6 / (UPHILL_R * 1000.0);
    PetscCall(TestMassEnergy(&t, "2D regular with coherency strain Euler", &p, 0.4, 0.05, 0.1, 800));
    p = Poly(3, 16, 16.0, 2);
    PetscCall(TestMassEnergy(&t, "3D polynomial BDF2", &p, 0.5, 0.05, 0.5, 200));
  }
  {
    /* L = 64: mode 10 (and the oblique (6,8), same |k|) has k = 0.98 near k_m = 0.957 of
     * chi = 3, c0 = 0.4; mode 16 has k = 1.57 > k_c = 1.354 */
    const PetscInt m10[3] = {10, 0, 0}, m68[3] = {6, 8, 0}, m16[3] = {0, 16, 0}, m5[3] = {5, 0, 0}, mz[3] = {0, 0, 2}, m77[3] = {7, 7, 0};
    Problem        p = Regular(2, 64, 64.0, 3.0, 1.0, 1);
    PetscCall(TestMode(&t, "regular c0=0.4 mode (10,0) inside spinodal", &p, 0.4, m10, PETSC_TRUE));
    PetscCall(TestMode(&t, "regular c0=0.4 oblique mode (6,8)", &p, 0.4, m68, PETSC_TRUE));
    PetscCall(TestMode(&t, "regular c0=0.4 mode (0,16) beyond k_c", &p, 0.4, m16, PETSC_FALSE));
    PetscCall(TestMode(&t, "regular c0=0.15 mode (10,0) outside spinodal", &p, 0.15, m10, PETSC_FALSE));
    p = Regular(2, 64, 64.0, 3.0, 3.0, 1);
    PetscCall(TestMode(&t, "Darken r=3 c0=0.4 mode (10,0)", &p, 0.4, m10, PETSC_TRUE));
    p = SubRegular(2, 64, 64.0, 3.09, 0.51, 2.0, 1);
    PetscCall(TestMode(&t, "Redlich-Kister + Darken r=2 c0=0.4 mode (10,0)", &p, 0.4, m10, PETSC_TRUE));
    PetscCall(TestMode(&t, "Darken r=3 c0=0.15 mode (10,0)", &p, 0.15, m10, PETSC_FALSE));
    p = Poly(2, 64, 64.0, 1);
    PetscCall(TestMode(&t, "polynomial c0=0.5 mode (5,0) inside spinodal", &p, 0.5, m5, PETSC_TRUE));
    PetscCall(TestMode(&t, "polynomial c0=0.33 mode (5,0) outside spinodal", &p, 0.33, m5, PETSC_FALSE));
    p = Regular(3, 16, 16.0, 3.0, 1.0, 1);
    PetscCall(TestMode(&t, "3D regular c0=0.4 mode (0,0,2)", &p, 0.4, mz, PETSC_TRUE));
    /* rectangular boxes: each axis its own wavenumber 2 pi m_d/L_d. 2D 96 x 40 on 72 x 30
     * (h = 0.75): mode (7,3) has k = (0.611, 0.628), |k| = 0.876, growing; (0,7) has k_y =
     * 1.47 > k_c = 1.354, decaying. 3D 24 x 16 x 12 on 24 x 20 x 12: (2,1,2) has k = 1.21, growing */
    p             = Regular(2, 0, 0.0, 3.0, 1.0, 1);
    p.box_n[0]    = 96, p.box_n[1] = 40, p.box_len[0] = 72.0, p.box_len[1] = 30.0;
    {
      const PetscInt m73[3] = {7, 3, 0}, m07[3] = {0, 7, 0}, m212[3] = {2, 1, 2};
      PetscCall(TestMode(&t, "rectangular 96x40 (72 x 30) c0=0.4 mode (7,3)", &p, 0.4, m73, PETSC_TRUE));
      PetscCall(TestMode(&t, "rectangular 96x40 (72 x 30) c0=0.4 mode (0,7) beyond k_c", &p, 0.4, m07, PETSC_FALSE));
      p          = Regular(3, 0, 0.0, 3.0, 1.0, 1);
      p.box_n[0] = 24, p.box_n[1] = 16, p.box_n[2] = 12, p.box_len[0] = 24.0, p.box_len[1] = 20.0, p.box_len[2] = 12.0;
      PetscCall(TestMode(&t, "3D rectangular 24x16x12 (24 x 20 x 12) c0=0.4 mode (2,1,2)", &p, 0.4, m212, PETSC_TRUE));
    }
    /* coherency strain, Cu constants, misfit 0.05 at 1000 K: B<100> = 0.59, B<110> = 1.19 in
     * RT. f'' + kappa k^2 = -0.87 for mode (10,0) and -0.89 for (7,7) (nearly the same |k|):
     * the cube-axis wave still grows, the diagonal one, stiffer, decays */
    p = Strained(Regular(2, 64, 64.0, 3.0, 1.0, 1));
    PetscCall(TestMode(&t, "coherent c0=0.4 mode (10,0) along <100> (soft)", &p, 0.4, m10, PETSC_TRUE));
    PetscCall(TestMode(&t, "coherent c0=0.4 mode (7,7) along <110> (hard)", &p, 0.4, m77, PETSC_FALSE));
    /* where the mobility sweep acts: c0 = 0.05, inside a phase (M = 0.0475, 5x below A); a
     * mode slow enough to follow over the test's 2 time units, each variant at its own factor */
    p = Regular(2, 64, 64.0, 3.0, 1.0, 1);
    PetscCall(TestMode(&t, "c0=0.05 mode (10,0), mobility sweep", &p, 0.05, m10, PETSC_FALSE));
    p.sp.correct = PETSC_FALSE;
    PetscCall(TestMode(&t, "c0=0.05 mode (10,0), stabilizer only", &p, 0.05, m10, PETSC_FALSE));
    p = Regular(2, 64, 64.0, 3.0, 1.0, 1);
    p.sp.correct = PETSC_FALSE;
    PetscCall(TestMode(&t, "regular c0=0.4 mode (10,0), stabilizer only", &p, 0.4, m10, PETSC_TRUE));
    {
      /* BDF2 on a stiff mode at c0 = 0.05 (k = 3.93, kappa k^4 = 238) as h -> infinity, where
       * the quadratic of UphillSchemeDiscreteRate divided by h has a = Im, b = -2E + g (2 Im - 2E),
       * c = E + g (E - Im), with E = (A - M) kappa k^4 + 2 chi M k^2 (explicit), Im = k^2 +
       * A kappa k^4 (implicit) and the sweep's gain g -> (A - M) kappa k^4/(theta Im): complex
       * roots of modulus sqrt(E/Im) = 0.84 for the stabilizer alone (ringing, -> sqrt(1 - M/A)
       * for kappa k^2 >> 1), sqrt((1 + g) E/Im - g) = 0.62 with the sweep */
      UphillSchemeParams q  = Regular(2, 64, 16.0, 3.0, 1.0, 2).sp;
      const PetscReal    k = 2.0 * PETSC_PI * 10.0 / 16.0, kv[3] = {k, 0.0, 0.0}, h = 1e6, M = ThermoReducedMobility(0.05, 1.0), A = 0.25;
      const PetscReal    E = (A - M) * k * k * k * k + 2.0 * 3.0 * M * k * k, Im = k * k + A * k * k * k * k;
      const PetscReal    th = 0.5 * (M / A + 1.0), g = (A - M) * k * k * k * k / (th * Im);
      PetscReal          zc, zs;
      zc        = PetscExpReal(h * UphillSchemeDiscreteRate(&q, 0.05, kv, h));
      q.correct = PETSC_FALSE;
      zs        = PetscExpReal(h * UphillSchemeDiscreteRate(&q, 0.05, kv, h));
      PetscCall(PetscPrintf(t.comm, "---- stiff BDF2 root at c0 = 0.05, k = %.3f, h = %g: |z| = %.4f stabilizer only, %.4f with the sweep\n", (double)k, (double)h, (double)zs, (double)zc));
      PetscCall(TallyCheck(&t, "stiff BDF2 root, stabilizer only: sqrt(E/Im)", zs, PetscSqrtReal(E / Im), 1e-5));
      PetscCall(TallyCheck(&t, "stiff BDF2 root with the sweep: sqrt((1 + g) E/Im - g)", zc, PetscSqrtReal((1.0 + g) * E / Im - g), 1e-5));
      PetscCall(TallyTrue(&t, "the sweep damps the stiff mode more than the stabilizer alone (|z| 0.62 < 0.84)", (PetscBool)(zc < zs - 0.1)));
    }
  }
  {
    Problem p = Regular(2, 64, 32.0, 3.0, 1.0, 2);
    PetscCall(TestFluxForms(&t, "regular, one tracer", &p, 0.4));
    p = Strained(Regular(2, 64, 32.0, 3.0, 1.0, 2));
    PetscCall(TestFluxForms(&t, "regular with coherency strain", &p, 0.4));
    p = Regular(2, 64, 32.0, 3.0, 3.0, 2);
    PetscCall(TestFluxForms(&t, "regular, Darken r = 3", &p, 0.4));
    p = SubRegular(2, 64, 32.0, 3.09, 0.51, 1.0, 2);
    PetscCall(TestFluxForms(&t, "Redlich-Kister, one tracer", &p, 0.4));
    p = SubRegular(2, 64, 32.0, 3.09, -0.7, 3.0, 2);
    PetscCall(TestFluxForms(&t, "Redlich-Kister chi1 < 0, Darken r = 3", &p, 0.4));
    /* 3D needs 48 points per side on this box for the products of the logarithmic form to be
     * free of aliasing at round-off level (32 gives 2e-8) */
    p = Regular(3, 48, 16.0, 3.0, 0.5, 2);
    PetscCall(TestFluxForms(&t, "regular 3D, Darken r = 0.5", &p, 0.4));
    p = Regular(3, 48, 16.0, 3.0, 1.0, 2);
    PetscCall(TestFluxForms(&t, "regular 3D, one tracer", &p, 0.4));
    p = Poly(2, 64, 32.0, 2);
    PetscCall(TestFluxForms(&t, "polynomial (flux form vs -M k^2 mu_k)", &p, 0.5));
  }
  {
    Problem p = Regular(2, 32, 24.0, 3.0, 1.0, 2);
    /* T a multiple of 3 a: every refinement ends on T with a 2a step */
    PetscCall(TestOrder(&t, "BDF2 regular", &p, 0.4, 0.1, 3.6));
    p = Regular(2, 32, 24.0, 3.0, 3.0, 2);
    PetscCall(TestOrder(&t, "BDF2 Darken r=3", &p, 0.4, 0.05, 1.8));
    p = Poly(2, 32, 24.0, 2);
    PetscCall(TestOrder(&t, "BDF2 polynomial", &p, 0.5, 0.05, 1.8));
    p = Regular(2, 32, 24.0, 3.0, 1.0, 1);
    PetscCall(TestOrder(&t, "Euler regular", &p, 0.4, 0.025, 0.9));
    p = SubRegular(2, 32, 24.0, 3.09, 0.51, 2.0, 2);
    PetscCall(TestOrder(&t, "BDF2 Redlich-Kister + Darken r=2", &p, 0.4, 0.05, 1.8));
    p = Regular(2, 32, 24.0, 3.0, 1.0, 2);
    PetscCall(TestEstimateScaling(&t, "BDF2 estimate", &p, 0.4, 0.02));
    /* the polynomial model's share of the stabilizers is filtered by the damping
     * 1/(a0 + h M k^2 (f''_min + kappa k^2)), which makes it h^2 while h M kappa k_max^4 >~ a0
     * (down to h ~ 1e-3 here) and h^3 below */
    p = Poly(2, 32, 24.0, 2);
    PetscCall(TestEstimateScaling(&t, "BDF2 estimate, polynomial", &p, 0.5, 0.0002));
    p = Regular(2, 32, 24.0, 3.0, 1.0, 1);
    PetscCall(TestEstimateScaling(&t, "Euler estimate", &p, 0.4, 0.05));
  }
  PetscCall(TestController(&t));
  {
    Problem p = Regular(2, 32, 24.0, 3.0, 1.0, 2);
    PetscCall(TestFusedSequential(&t, "regular", &p, 0.4, 0.2));
    p = SubRegular(2, 32, 24.0, 3.09, 0.51, 3.0, 2);
    PetscCall(TestFusedSequential(&t, "Redlich-Kister + Darken r=3", &p, 0.4, 0.1));
    p         = Regular(2, 32, 24.0, 3.0, 1.0, 2);
    p.sp.flux = UPHILL_FLUX_LOG;
    PetscCall(TestFusedSequential(&t, "regular, logarithmic flux", &p, 0.4, 0.2));
    p = Strained(Regular(2, 32, 24.0, 3.61, 1.0, 2));
    PetscCall(TestFusedSequential(&t, "regular with coherency strain", &p, 0.4, 0.1));
    p = Regular(3, 16, 12.0, 3.0, 1.0, 2);
    PetscCall(TestFused3D(&t, "regular", &p, 0.4, 0.2));
    p.sp.theta = 0.01;
    p.sp.noise_seed = 5;
    PetscCall(TestFused3D(&t, "regular, thermal noise", &p, 0.4, 0.2));
    p = SubRegular(3, 16, 12.0, 3.09, 0.51, 1.0, 2);
    p.sp.flux = UPHILL_FLUX_LOG;
    PetscCall(TestFused3D(&t, "Redlich-Kister, logarithmic flux", &p, 0.4, 0.1));
    p = Strained(Regular(3, 16, 12.0, 3.61, 1.0, 2));
    PetscCall(TestFused3D(&t, "regular with coherency strain", &p, 0.4, 0.1));
    /* without the sweep the fused pass's own sums (estimate, gradient energy, change) are
     * the step's result */
    p.sp.correct = PETSC_FALSE;
    PetscCall(TestFused3D(&t, "regular with coherency strain, stabilizer only", &p, 0.4, 0.1));
    p            = Regular(3, 16, 12.0, 3.0, 1.0, 2);
    p.sp.correct = PETSC_FALSE;
    p.sp.theta   = 0.01;
    PetscCall(TestFused3D(&t, "regular, thermal noise, stabilizer only", &p, 0.4, 0.2));
  }
  {
    Problem p = Regular(2, 32, 32.0, 3.0, 1.0, 2);
    PetscCall(TestNaNVisible(&t, "regular", &p));
    p = Poly(2, 32, 32.0, 2);
    PetscCall(TestNaNVisible(&t, "polynomial", &p));
  }
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    PetscCall(UphillFinalizePackage());
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

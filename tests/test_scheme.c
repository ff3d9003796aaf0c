/* MPI tests of the time-step kernel (DESIGN.md section 2), driven directly through
 * UphillGridCreate / SchemeModelFromOptions / UphillSchemeStep / UphillDiagEnergyBounds:
 *
 *  - mass conserved to round-off over 1000 steps of a coarsening run (both models);
 *  - free energy non-increasing at every step of those runs;
 *  - linear stability: a small cosine mode grows (inside the spinodal) or decays (outside,
 *    or beyond the critical wavenumber) by exactly UphillSchemeAmplification per step, and
 *    its measured rate converges to the continuous R(k) (ThermoGrowthRate) at first order;
 *  - the same mass/energy checks, and a z-mode growth, in 3D.
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/diag.h>
#include <uphill/thermo.h>
#include "mpi_tally.h"

/* ---- set-up ------------------------------------------------------------------------- */

/* Options as uphill would derive them for a reduced regular run or a polynomial run; the
 * scheme model (with its default stabilizers) then comes from SchemeModelFromOptions. */
static void OptionsRegular(UphillOptions *o, PetscInt dim, PetscInt N, PetscReal L, PetscReal chi)
{
  (void)PetscMemzero(o, sizeof(*o));
  o->model    = UPHILL_MODEL_REGULAR;
  o->units    = UPHILL_UNITS_REDUCED;
  o->chi      = o->chi_eff = chi;
  o->r_darken = 1.0;
  o->stab_A = o->stab_S = -1;
  o->dim = dim;
  o->N   = N;
  o->L = o->L_core = L;
  o->ell = o->tau = o->RT = 1.0;
}

static void OptionsPoly(UphillOptions *o, PetscInt dim, PetscInt N, PetscReal L)
{
  (void)PetscMemzero(o, sizeof(*o));
  o->model    = UPHILL_MODEL_POLYNOMIAL;
  o->units    = UPHILL_UNITS_REDUCED;
  o->rho      = 5.0;
  o->c_alpha  = 0.3;
  o->c_beta   = 0.7;
  o->kappa    = 2.0;
  o->mobility = 5.0;
  o->stab_A = o->stab_S = -1;
  o->dim = dim;
  o->N   = N;
  o->L = o->L_core = L;
  o->ell = o->tau = o->RT = 1.0;
}

typedef struct {
  UphillOptions opt;
  UphillGrid    g;
  UphillScheme  s;
  UphillDiag    d;
  Vec           c;
} Setup;

static PetscErrorCode SetupCreate(MPI_Comm comm, const UphillOptions *opt, Setup *su)
{
  UphillGridParams gp;
  SchemeModel      m;

  PetscFunctionBeginUser;
  su->opt       = *opt;
  gp.dim        = opt->dim;
  gp.N          = opt->N;
  gp.L          = opt->L_core;
  gp.fftw_flags = FFTW_ESTIMATE;
  gp.wisdom     = "none";
  PetscCall(UphillGridCreate(comm, &gp, &su->g));
  PetscCall(SchemeModelFromOptions(&su->opt, &m));
  PetscCall(UphillSchemeCreate(su->g, &m, &su->s));
  PetscCall(UphillDiagCreate(su->s, &su->opt, &su->d));
  PetscCall(DMCreateGlobalVector(su->g->da, &su->c));
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

static PetscReal Hash(PetscInt64 i)
{
  uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ULL + 0x7654321ULL;
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z          = z ^ (z >> 31);
  return (PetscReal)(z >> 11) * 0x1.0p-53;
}

static void Coords(UphillGrid g, PetscInt i, PetscReal p[3])
{
  const PetscInt64 gi = UphillGridGlobalIndex(g, i);
  p[0] = (PetscReal)(gi % g->N) * g->h;
  p[1] = (PetscReal)((gi / g->N) % g->N) * g->h;
  p[2] = g->dim == 3 ? (PetscReal)(gi / ((PetscInt64)g->N * g->N)) * g->h : 0.0;
}

/* c = c0 + noise (2U - 1), U uniform from the global index */
static PetscErrorCode FillRandom(Setup *su, PetscReal c0, PetscReal noise)
{
  PetscScalar *x;
  PetscInt     n;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(su->c, &n));
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < n; i++) x[i] = c0 + noise * (2.0 * Hash(UphillGridGlobalIndex(su->g, i)) - 1.0);
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* c = c0 + amp cos(2 pi m . x / L) */
static PetscErrorCode FillMode(Setup *su, PetscReal c0, PetscReal amp, const PetscInt m[3])
{
  PetscScalar    *x;
  PetscInt        n;
  const PetscReal a = 2.0 * PETSC_PI / su->g->L;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(su->c, &n));
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal p[3];
    Coords(su->g, i, p);
    x[i] = c0 + amp * PetscCosReal(a * (m[0] * p[0] + m[1] * p[1] + m[2] * p[2]));
  }
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Amplitude of the mode by projection of the real field: (2/N^d) sum (c - c0) cos(k.x). */
static PetscErrorCode ModeAmplitude(Setup *su, PetscReal c0, const PetscInt m[3], PetscReal *amp)
{
  const PetscScalar *x;
  PetscInt           n;
  PetscReal          sum = 0;
  const PetscReal    a   = 2.0 * PETSC_PI / su->g->L;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(su->c, &n));
  PetscCall(VecGetArrayRead(su->c, &x));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal p[3];
    Coords(su->g, i, p);
    sum += (x[i] - c0) * PetscCosReal(a * (m[0] * p[0] + m[1] * p[1] + m[2] * p[2]));
  }
  PetscCall(VecRestoreArrayRead(su->c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, su->g->comm));
  *amp = 2.0 * sum / (PetscReal)su->g->Ntot;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Round-off scale of F: h^d sum |f(c)| (F itself can pass through zero). */
static PetscErrorCode BulkAbs(Setup *su, PetscReal *s)
{
  const PetscScalar *x;
  PetscInt           n;
  PetscReal          sum = 0;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(su->c, &n));
  PetscCall(VecGetArrayRead(su->c, &x));
  for (PetscInt i = 0; i < n; i++) sum += PetscAbsReal(SchemeBulkF(&su->s->m, x[i]));
  PetscCall(VecRestoreArrayRead(su->c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, su->g->comm));
  *s = sum * PetscPowRealInt(su->g->h, su->g->dim);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- mass and energy through a coarsening run ----------------------------------------- */

static PetscErrorCode TestMassEnergy(Tally *t, const char *name, const UphillOptions *opt, PetscReal c0, PetscReal noise, PetscReal dt, PetscInt nsteps)
{
  Setup     su;
  PetscReal mass0, mass, F0, F = 0, Fprev, cmin = 0, cmax = 0, cmin0, cmax0, scale = 0, dmass = 0, rise = -PETSC_MAX_REAL, grad0;
  PetscInt  nrise = 0, worst = -1;
  DiagValues v;
  char      what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, opt, &su));
  PetscCall(FillRandom(&su, c0, noise));
  PetscCall(VecSum(su.c, &mass0));
  PetscCall(UphillDiagEnergyBounds(su.d, su.c, &F0, &cmin0, &cmax0));
  PetscCall(UphillDiagCompute(su.d, su.c, &v));
  grad0 = v.grad;
  PetscCall(BulkAbs(&su, &scale));
  scale += grad0;
  Fprev = F0;
  for (PetscInt k = 1; k <= nsteps; k++) {
    PetscCall(UphillSchemeStep(su.s, su.c, dt));
    PetscCall(VecSum(su.c, &mass));
    dmass = PetscMax(dmass, PetscAbsReal(mass - mass0) / PetscAbsReal(mass0));
    PetscCall(UphillDiagEnergyBounds(su.d, su.c, &F, &cmin, &cmax));
    if (!(F - Fprev <= rise)) {
      rise  = F - Fprev;
      worst = k;
    }
    if (F > Fprev + 1e-12 * scale || PetscIsInfOrNanReal(F)) nrise++;
    Fprev = F;
  }
  PetscCall(PetscPrintf(t->comm, "---- %s: %" PetscInt_FMT " steps of dt = %g to t = %g on %" PetscInt_FMT "^%" PetscInt_FMT ", L = %g (A = %g, S = %g)\n", name, nsteps, (double)dt, (double)(nsteps * dt), opt->N, opt->dim, (double)opt->L, (double)su.s->m.A, (double)su.s->m.S));
  PetscCall(PetscPrintf(t->comm, "     F %.10g -> %.10g, c in [%.4f, %.4f] -> [%.4f, %.4f], largest step change of F %+.3e (step %" PetscInt_FMT "), round-off scale h^d sum|f| + grad = %.4g\n", (double)F0, (double)F, (double)cmin0, (double)cmax0, (double)cmin, (double)cmax, (double)rise, worst, (double)scale));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over steps of |sum c - sum c0| / sum c0", name));
  PetscCall(TallyBound(t, what, dmass, 1e-12));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: steps where F rose by more than 1e-12 x scale (largest rise %+.3e, rel %+.3e)", name, (double)rise, (double)(rise / scale)));
  PetscCall(TallyBound(t, what, (PetscReal)nrise, 0));
  /* the run must have done something: phase separation lowers F well below its start and
   * widens the composition range */
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: the run coarsened (c range %.3f -> %.3f, F dropped by %.3g)", name, (double)(cmax0 - cmin0), (double)(cmax - cmin), (double)(F0 - F)));
  PetscCall(TallyTrue(t, what, (PetscBool)(cmax - cmin > 3 * (cmax0 - cmin0) && F < F0 - 0.01 * scale)));
  if (opt->model == UPHILL_MODEL_REGULAR) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: c stays inside (0,1) (min %.3e, max 1 - %.3e)", name, (double)cmin, (double)(1 - cmax)));
    PetscCall(TallyTrue(t, what, (PetscBool)(cmin > 0 && cmax < 1)));
  }
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- linear stability ------------------------------------------------------------------ */

static PetscReal Fpp(const SchemeModel *m, PetscReal c0)
{
  if (m->model == UPHILL_MODEL_POLYNOMIAL) return ThermoPolyD2F(c0, m->rho, m->ca, m->cb);
  return ThermoReducedD2F(c0, m->chi);
}

/* One mode m about c0: per-step growth equals UphillSchemeAmplification (nsteps of dt),
 * and the rate measured over a fixed time T converges to R(k) at first order in dt.
 * With G = 1 + dt R/(1 + dt B), B = S k^2 + A kappa k^4 (the stabilizers),
 *   ln(G)/dt - R = -dt (R B + R^2/2) + O(dt^2),
 * so the error must halve with dt and approach that leading term. */
static PetscErrorCode TestMode(Tally *t, const char *name, const UphillOptions *opt, PetscReal c0, const PetscInt m[3], PetscBool grows, PetscReal dt, PetscInt nsteps, PetscReal T)
{
  Setup           su;
  const PetscReal amp0 = 1e-6;
  PetscReal       k, G, A0, A, Aprev, dev = 0, R, M0, fpp, err[3], B, C;
  const PetscReal dts[3] = {0.04, 0.02, 0.01};
  char            what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, opt, &su));
  k   = 2.0 * PETSC_PI / su.g->L * PetscSqrtReal((PetscReal)(m[0] * m[0] + m[1] * m[1] + m[2] * m[2]));
  G   = UphillSchemeAmplification(&su.s->m, c0, k, dt);
  M0  = SchemeMobility(&su.s->m, c0);
  fpp = Fpp(&su.s->m, c0);
  R   = ThermoGrowthRate(k, M0, fpp, su.s->m.kappa);
  B   = su.s->m.S * k * k + su.s->m.A * su.s->m.kappa * k * k * k * k;
  C   = -(R * B + 0.5 * R * R);
  PetscCall(PetscPrintf(t->comm, "---- %s: c0 = %g, mode (%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT "), k = %.6f, f''(c0) = %.6f, M0 = %.6f, R(k) = %+.6e, G(dt = %g) = %.12f\n", name, (double)c0, m[0], m[1], m[2], (double)k, (double)fpp, (double)M0, (double)R, (double)dt, (double)G));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: R(k) %s 0 as the spinodal analysis says", name, grows ? ">" : "<"));
  PetscCall(TallyTrue(t, what, (PetscBool)(grows ? R > 0 : R < 0)));

  PetscCall(FillMode(&su, c0, amp0, m));
  PetscCall(ModeAmplitude(&su, c0, m, &A0));
  Aprev = A0;
  for (PetscInt s = 0; s < nsteps; s++) {
    PetscCall(UphillSchemeStep(su.s, su.c, dt));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    dev   = PetscMax(dev, PetscAbsReal(A / Aprev / G - 1.0));
    Aprev = A;
  }
  PetscCall(PetscPrintf(t->comm, "     amplitude %.6e -> %.6e over %" PetscInt_FMT " steps; G^n = %.12e, measured A_n/A_0 = %.12e\n", (double)A0, (double)A, nsteps, (double)PetscPowRealInt(G, nsteps), (double)(A / A0)));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: initial amplitude by projection (rel)", name));
  PetscCall(TallyBound(t, what, PetscAbsReal(A0 / amp0 - 1), 1e-9));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: mode %s (A_n/A_0 = %.6g)", name, grows ? "grows" : "decays", (double)(A / A0)));
  PetscCall(TallyTrue(t, what, (PetscBool)(grows ? A > A0 : A < A0)));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over steps |A_{n+1}/A_n / G - 1|", name));
  PetscCall(TallyBound(t, what, dev, 1e-6));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: |A_n/A_0 / G^n - 1| over %" PetscInt_FMT " steps", name, nsteps));
  PetscCall(TallyBound(t, what, PetscAbsReal(A / A0 / PetscPowRealInt(G, nsteps) - 1), 1e-6));

  /* convergence to the continuous rate: fixed T, dt halved twice */
  for (PetscInt j = 0; j < 3; j++) {
    const PetscInt ns = (PetscInt)PetscFloorReal(T / dts[j] + 0.5);
    PetscReal      r, Gj = UphillSchemeAmplification(&su.s->m, c0, k, dts[j]);
    PetscCall(FillMode(&su, c0, amp0, m));
    PetscCall(ModeAmplitude(&su, c0, m, &A0));
    for (PetscInt s = 0; s < ns; s++) PetscCall(UphillSchemeStep(su.s, su.c, dts[j]));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    r      = PetscLogReal(A / A0) / T;
    err[j] = r - R;
    PetscCall(PetscPrintf(t->comm, "     dt = %-5g: measured rate %+.10e, ln(G)/dt %+.10e, R(k) %+.10e, rate - R = %+.4e (%.2f%% of |R|), leading term C dt = %+.4e\n", (double)dts[j], (double)r, (double)(PetscLogReal(Gj) / dts[j]), (double)R, (double)err[j], (double)(100 * PetscAbsReal(err[j] / R)), (double)(C * dts[j])));
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error vs R(k) halves with dt: err(%g)/err(%g)", name, (double)dts[0], (double)dts[1]));
  PetscCall(TallyCheck(t, what, err[0] / err[1], 2.0, 0.15));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error vs R(k) halves with dt: err(%g)/err(%g)", name, (double)dts[1], (double)dts[2]));
  PetscCall(TallyCheck(t, what, err[1] / err[2], 2.0, 0.08));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: rate error at dt = %g / leading term -dt (R B + R^2/2)", name, (double)dts[2]));
  PetscCall(TallyCheck(t, what, err[2] / (C * dts[2]), 1.0, 0.05));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- bound excursions must be visible -------------------------------------------------- */

/* A NaN at one grid point (on whichever rank owns it): UphillDiagEnergyBounds must report
 * it so that the stepper's admissibility check ("NaN or Inf" in cmin/cmax/F) sees it, for
 * both models. The stepper checks the initial condition with F unchecked, so cmin/cmax
 * alone must carry it. */
static PetscErrorCode TestNaNVisible(Tally *t, const char *name, const UphillOptions *opt)
{
  Setup        su;
  PetscScalar *x;
  PetscInt     n;
  PetscReal    F, cmin, cmax;
  char         what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, opt, &su));
  PetscCall(FillRandom(&su, 0.5, 0.01));
  PetscCall(VecGetLocalSize(su.c, &n));
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < n; i++)
    if (UphillGridGlobalIndex(su.g, i) == su.g->Ntot / 2 + 3) x[i] = NAN;
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(UphillDiagEnergyBounds(su.d, su.c, &F, &cmin, &cmax));
  PetscCall(PetscPrintf(t->comm, "---- %s: one NaN in the field: UphillDiagEnergyBounds gives F = %g, cmin = %g, cmax = %g\n", name, (double)F, (double)cmin, (double)cmax));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: a NaN in the field makes cmin or cmax non-finite (what CheckState tests)", name));
  PetscCall(TallyTrue(t, what, (PetscBool)(PetscIsInfOrNanReal(cmin) || PetscIsInfOrNanReal(cmax))));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally         t = {MPI_COMM_NULL, 0, 0};
  UphillOptions opt;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_scheme: mass, energy, linear stability of the semi-implicit step"));
  fftw_mpi_init();
  t.comm = PETSC_COMM_WORLD;

  /* ---- 2D coarsening runs: chi = 3 (spinodal 0.211..0.789), c0 = 0.4; double well
   *      (spinodal 0.385..0.615), c0 = 0.5 ---- */
  OptionsRegular(&opt, 2, 64, 64.0, 3.0);
  PetscCall(TestMassEnergy(&t, "2D regular chi=3", &opt, 0.4, 0.05, 0.5, 1000));
  OptionsPoly(&opt, 2, 64, 64.0);
  PetscCall(TestMassEnergy(&t, "2D polynomial", &opt, 0.5, 0.05, 0.5, 1000));

  /* ---- linear stability, 2D, L = 64: mode 10 (and the oblique (6,8), same |k|) has
   *      k = 0.98 near k_m = 0.957 of chi = 3, c0 = 0.4; mode 16 has k = 1.57 > k_c = 1.354 ---- */
  {
    const PetscInt m10[3] = {10, 0, 0}, m68[3] = {6, 8, 0}, m16[3] = {0, 16, 0}, m5[3] = {5, 0, 0};
    OptionsRegular(&opt, 2, 64, 64.0, 3.0);
    PetscCall(TestMode(&t, "regular c0=0.4 mode (10,0) inside spinodal", &opt, 0.4, m10, PETSC_TRUE, 0.1, 50, 2.0));
    PetscCall(TestMode(&t, "regular c0=0.4 oblique mode (6,8) inside spinodal", &opt, 0.4, m68, PETSC_TRUE, 0.1, 50, 2.0));
    PetscCall(TestMode(&t, "regular c0=0.4 mode (0,16) beyond k_c", &opt, 0.4, m16, PETSC_FALSE, 0.1, 50, 2.0));
    PetscCall(TestMode(&t, "regular c0=0.15 mode (10,0) outside spinodal", &opt, 0.15, m10, PETSC_FALSE, 0.1, 50, 2.0));
    OptionsPoly(&opt, 2, 64, 64.0);
    PetscCall(TestMode(&t, "polynomial c0=0.5 mode (5,0) inside spinodal", &opt, 0.5, m5, PETSC_TRUE, 0.1, 50, 2.0));
    PetscCall(TestMode(&t, "polynomial c0=0.33 mode (5,0) outside spinodal", &opt, 0.33, m5, PETSC_FALSE, 0.1, 50, 2.0));
  }

  /* ---- 3D, 16^3 ---- */
  {
    const PetscInt mz[3] = {0, 0, 2}, mxyz[3] = {1, 1, 2};
    OptionsRegular(&opt, 3, 16, 16.0, 3.0);
    PetscCall(TestMassEnergy(&t, "3D regular chi=3", &opt, 0.4, 0.05, 0.5, 200));
    PetscCall(TestMode(&t, "3D regular c0=0.4 mode (0,0,2)", &opt, 0.4, mz, PETSC_TRUE, 0.1, 50, 2.0));
    PetscCall(TestMode(&t, "3D regular c0=0.4 mode (1,1,2)", &opt, 0.4, mxyz, PETSC_TRUE, 0.1, 50, 2.0));
    OptionsPoly(&opt, 3, 16, 16.0);
    PetscCall(TestMassEnergy(&t, "3D polynomial", &opt, 0.5, 0.05, 0.5, 200));
  }

  /* ---- NaN visibility ---- */
  OptionsRegular(&opt, 2, 32, 32.0, 3.0);
  PetscCall(TestNaNVisible(&t, "regular", &opt));
  OptionsPoly(&opt, 2, 32, 32.0);
  PetscCall(TestNaNVisible(&t, "polynomial", &opt));

  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    fftw_mpi_cleanup();
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

/* The linear stability of a run's uniform state c0 as CSV, for tools/growth: the continuum
 * growth rate R(k) = -M0 k^2 (f''(c0) + B(n) + kappa k^2) (DESIGN.md section 1; B(n) the
 * coherency strain, 0 without) and the rate of the run's own scheme at a fixed step. Every
 * number comes from thermo.c and scheme.c through the run's options (run.opts), so the plot
 * and the solver cannot disagree about the model. Usage:
 *   uphill-linear -options_file RUN/run.opts -linear_k k1,k2,... [-linear_dt h]
 * k in the run's 1/length, h in its time unit. Output: one comment line
 *   "# c0,<>,M0,<>,fpp,<>,kappa,<>,B_soft,<>,B_hard,<>,k_m,<>,R_max,<>,delta_lin,<>,dt,<>"
 * (run units: M0 and f'' in the solver's units, f'' + B is what R uses; k_m and R_max of the
 * soft direction; delta_lin the largest |c - c0| over which f'' stays within 10 % of
 * f''(c0): where linear theory can hold), then "k,R_soft,R_hard,R_scheme" per k. With
 * coherency strain a shell of |k| mixes directions between R_hard and R_soft; the soft one
 * grows fastest. R_scheme (soft direction) is nan without -linear_dt. */
#include <uphill/run.h>
#include <uphill/scheme.h>

#define MAXK 4096

static const char help[] = "Linear stability of a run's uniform state as CSV (for tools/growth).\n"
                           "  -options_file RUN/run.opts   the run's options\n"
                           "  -linear_k k1,k2,...          wavenumbers (run units, 1/length)\n"
                           "  -linear_dt h                 the run's fixed step (run time units): adds the scheme's rate\n";

/* Cubic B(n) has its extremes on <100>, <110> and <111>; in 2D the wave lies in the plane. */
static void SoftHard(const ThermoModel *m, PetscInt dim, PetscReal soft[3], PetscReal hard[3], PetscReal *Bs, PetscReal *Bh)
{
  const PetscReal r2 = 1.0 / PetscSqrtReal(2.0), r3 = 1.0 / PetscSqrtReal(3.0);
  const PetscReal dirs[3][3] = {{1, 0, 0}, {r2, r2, 0}, {r3, r3, r3}};

  *Bs = PETSC_MAX_REAL;
  *Bh = -PETSC_MAX_REAL;
  for (PetscInt d = 0; d < (dim == 3 ? 3 : 2); d++) {
    const PetscReal k2[3] = {dirs[d][0] * dirs[d][0], dirs[d][1] * dirs[d][1], dirs[d][2] * dirs[d][2]};
    const PetscReal B     = ThermoModelElasticKernel(k2, (void *)m);
    if (B < *Bs) {
      *Bs = B;
      for (PetscInt a = 0; a < 3; a++) soft[a] = dirs[d][a];
    }
    if (B > *Bh) {
      *Bh = B;
      for (PetscInt a = 0; a < 3; a++) hard[a] = dirs[d][a];
    }
  }
}

/* the largest delta with |f''(c0 +- delta) - f''(c0)| <= 0.1 |f''(c0)| (steps of 1e-4) */
static PetscReal LinearRange(const ThermoModel *m, PetscReal c0)
{
  const PetscReal f0 = ThermoModelD2F(m, c0);
  PetscReal       d  = 0;

  while (d < 0.5) {
    const PetscReal e = d + 1e-4;
    if (c0 - e <= 0 || c0 + e >= 1) break;
    if (PetscAbsReal(ThermoModelD2F(m, c0 + e) - f0) > 0.1 * PetscAbsReal(f0) || PetscAbsReal(ThermoModelD2F(m, c0 - e) - f0) > 0.1 * PetscAbsReal(f0)) break;
    d = e;
  }
  return d;
}

static PetscErrorCode Table(const UphillOptions *o, const PetscReal *k, PetscInt nk, PetscReal dt, PetscBool have_dt)
{
  UphillSchemeParams sp;
  const ThermoModel *m = &sp.model;
  PetscReal          soft[3] = {1, 0, 0}, hard[3] = {1, 0, 0}, Bs, Bh, M0, fpp, km, lam, Rmax;
  PetscBool          unstable;

  PetscFunctionBeginUser;
  PetscCall(UphillRunSchemeParams(o, &sp));
  SoftHard(m, o->dim, soft, hard, &Bs, &Bh);
  M0  = ThermoModelMobility(m, o->c0);
  fpp = ThermoModelD2F(m, o->c0);
  /* reduced units inside: k_red = k ell, R = R_red / tau */
  PetscCall(ThermoFastestMode(M0, fpp + Bs, m->kappa, &km, &lam, &Rmax, &unstable));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# c0,%.10g,M0,%.10g,fpp,%.10g,kappa,%.10g,B_soft,%.10g,B_hard,%.10g,k_m,%.10g,R_max,%.10g,delta_lin,%.10g,dt,%.10g\n", (double)o->c0, (double)M0, (double)fpp, (double)m->kappa, (double)Bs, (double)Bh, unstable ? (double)(km / o->ell) : 0.0, unstable ? (double)(Rmax / o->tau) : 0.0, (double)LinearRange(m, o->c0), have_dt ? (double)dt : NAN));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "k,R_soft,R_hard,R_scheme\n"));
  for (PetscInt i = 0; i < nk; i++) {
    const PetscReal kr = k[i] * o->ell, kv[3] = {kr * soft[0], kr * soft[1], kr * soft[2]};
    const PetscReal Rs = ThermoGrowthRate(kr, M0, fpp + Bs, m->kappa) / o->tau, Rh = ThermoGrowthRate(kr, M0, fpp + Bh, m->kappa) / o->tau;
    const PetscReal Rd = have_dt ? UphillSchemeDiscreteRate(&sp, o->c0, kv, dt / o->tau) / o->tau : NAN;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%.10g,%.10g,%.10g,%.10g\n", (double)k[i], (double)Rs, (double)Rh, (double)Rd));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  UphillOptions o;
  PetscReal    *k, dt = 0;
  PetscInt      nk = MAXK;
  PetscBool     have_dt = PETSC_FALSE, have_k = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscMalloc1(MAXK, &k));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-linear_k", k, &nk, &have_k));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-linear_dt", &dt, &have_dt));
  PetscCheck(have_k && nk > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-linear_k k1,k2,... (at most %d wavenumbers) is required", MAXK);
  PetscCheck(!have_dt || dt > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-linear_dt must be > 0, got %g", (double)dt);
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &o));
  PetscCall(Table(&o, k, nk, dt, have_dt));
  PetscCall(PetscFree(k));
  PetscCall(PetscFinalize());
  return 0;
}

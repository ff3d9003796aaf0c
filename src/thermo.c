/* Thermodynamics and kinetics of a binary A-B solid solution (DESIGN.md section 1).
 * Every equation of the physics lives here; callers only combine and format. */
#include <math.h>
#include <uphill/thermo.h>
#include <uphill/vecmath.h>

/* ln(c/(1-c)) without losing the small one of c, 1-c: for c >= 1/2, 1-c is exact
 * (Sterbenz), so the log of c goes through log1p of that exact difference. */
static inline PetscReal Logit(PetscReal c)
{
  if (c < 0.5) return PetscLogReal(c) - log1p(-c);
  return log1p(-(1.0 - c)) - PetscLogReal(1.0 - c);
}

/* c ln c + (1-c) ln(1-c), with 0 ln 0 = 0 so the pure ends are exact. */
static inline PetscReal XLogX(PetscReal c)
{
  PetscReal s = 0.0;
  if (c > 0.0) s += c * PetscLogReal(c);
  if (c < 1.0) s += (1.0 - c) * log1p(-c);
  return s;
}

static inline PetscReal ClampC(PetscReal c)
{
  /* Written so that a NaN passes through: the caller's bound monitor must see it. */
  if (c < THERMO_C_EPS) return THERMO_C_EPS;
  if (c > 1.0 - THERMO_C_EPS) return 1.0 - THERMO_C_EPS;
  return c;
}

/* ---------------------------------------------------------------- regular solution, SI */

PetscReal ThermoRegularF(PetscReal c, PetscReal omega, PetscReal T)
{
  /* f = Omega c(1-c) + RT [c ln c + (1-c) ln(1-c)] = G_mix */
  return ThermoGmix(c, omega, T);
}

PetscReal ThermoRegularDF(PetscReal c, PetscReal omega, PetscReal T)
{
  /* f' = Omega (1-2c) + RT ln(c/(1-c)) */
  return omega * (1.0 - 2.0 * c) + UPHILL_R * T * Logit(c);
}

PetscReal ThermoRegularD2F(PetscReal c, PetscReal omega, PetscReal T)
{
  /* f'' = -2 Omega + RT/(c(1-c)) */
  return -2.0 * omega + UPHILL_R * T / (c * (1.0 - c));
}

PetscReal ThermoPhi(PetscReal c, PetscReal omega, PetscReal T)
{
  /* Phi = c(1-c) f''/RT = 1 - 2 Omega c(1-c)/RT; the closed form stays finite at c = 0, 1 */
  return 1.0 - 2.0 * omega * c * (1.0 - c) / (UPHILL_R * T);
}

PetscReal ThermoMobility(PetscReal c, PetscReal Dstar, PetscReal T)
{
  /* M = D* c(1-c)/RT, so that M f'' = D* Phi */
  return Dstar * c * (1.0 - c) / (UPHILL_R * T);
}

PetscReal ThermoDarkenDstar(PetscReal c, PetscReal DA, PetscReal DB)
{
  /* Darken: the tracer diffusivities weighted by the other species' fraction */
  return (1.0 - c) * DA + c * DB;
}

PetscReal ThermoMobilityDarken(PetscReal c, PetscReal DA, PetscReal DB, PetscReal T)
{
  /* M = c(1-c) [(1-c) D*_A + c D*_B] / RT */
  return c * (1.0 - c) * ThermoDarkenDstar(c, DA, DB) / (UPHILL_R * T);
}

/* ---------------------------------------------------------------- tracer diffusivity */

PetscReal ThermoDstarArrhenius(PetscReal D0, PetscReal Q, PetscReal T)
{
  /* D* = D0 exp(-Q/RT) */
  return D0 * PetscExpReal(-Q / (UPHILL_R * T));
}

PetscReal ThermoDstarVacancy(PetscReal fcorr, PetscReal z, PetscReal a, PetscReal nu, PetscReal Qf, PetscReal Qm, PetscReal T)
{
  /* D* = f (z a^2/6) nu exp(-(Qf+Qm)/RT): vacancy fraction exp(-Qf/RT) times jump rate
   * nu exp(-Qm/RT), z destinations, a^2/6 per jump in 3D, correlation f */
  return fcorr * (z * a * a / 6.0) * nu * PetscExpReal(-(Qf + Qm) / (UPHILL_R * T));
}

/* ---------------------------------------------------------------- phase diagram */

PetscReal ThermoCriticalT(PetscReal omega)
{
  /* Tc = Omega/2R: where f''(1/2) = 4RT - 2 Omega vanishes */
  return omega / (2.0 * UPHILL_R);
}

PetscReal ThermoSpinodalT(PetscReal omega, PetscReal c)
{
  /* Phi(c) = 0  <=>  T = 2 Omega c(1-c)/R */
  return 2.0 * omega * c * (1.0 - c) / UPHILL_R;
}

PetscErrorCode ThermoSpinodal(PetscReal omega, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists)
{
  PetscReal q;

  PetscFunctionBeginUser;
  PetscCheck(T > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Temperature must be positive (got T = %g K)", (double)T);
  /* With no spinodal, c1 = c2 = 1/2 (the point it shrinks to at Tc), never NaN. */
  *c1     = 0.5;
  *c2     = 0.5;
  *exists = PETSC_FALSE;
  if (omega <= 0.0) PetscFunctionReturn(PETSC_SUCCESS);
  /* c(1-c) = q = RT/(2 Omega). The textbook root (1 - sqrt(1-4q))/2 cancels for small q
   * (deep quench), so use the equivalent 2q/(1 + sqrt(1-4q)); c2 = 1 - c1 by symmetry. */
  q = UPHILL_R * T / (2.0 * omega);
  if (q >= 0.25) PetscFunctionReturn(PETSC_SUCCESS);
  *c1     = 2.0 * q / (1.0 + PetscSqrtReal(1.0 - 4.0 * q));
  *c2     = 1.0 - *c1;
  *exists = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* tanh(s/2)/s, whose limit 1/2 at s = 0 the bracket of the binodal solve starts from */
static inline PetscReal TanhHalfOverS(PetscReal s)
{
  if (s < 1e-4) return 0.5 - s * s / 24.0; /* next term s^4/240 is below round-off here */
  return PetscTanhReal(0.5 * s) / s;
}

PetscErrorCode ThermoBinodal(PetscReal omega, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists)
{
  PetscReal chi, lo, hi, s, ds, ds_old;
  PetscInt  it;

  PetscFunctionBeginUser;
  PetscCheck(T > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Temperature must be positive (got T = %g K)", (double)T);
  /* With no gap, c1 = c2 = 1/2 (where the gap closes at Tc), never NaN. */
  *c1     = 0.5;
  *c2     = 0.5;
  *exists = PETSC_FALSE;
  if (omega <= 0.0) PetscFunctionReturn(PETSC_SUCCESS);
  chi = omega / (UPHILL_R * T);
  if (chi <= 2.0) PetscFunctionReturn(PETSC_SUCCESS);

  /* ln(c/(1-c)) = Omega(2c-1)/RT. With s = ln((1-c)/c) > 0 for the A-rich branch, 2c-1 =
   * -tanh(s/2), so the equation is h(s) = 1 - chi tanh(s/2)/s = 0. h is increasing,
   * h(0) = 1 - chi/2 < 0 and h(chi) = 1 - tanh(chi/2) > 0: one root in [0, chi]. Working
   * in s keeps c = 1/(1 + e^s) to full relative precision even when c ~ 1e-8 or less. */
  lo = 0.0;
  hi = chi;
  s  = 0.5 * (lo + hi);
  ds = ds_old = hi - lo;
  for (it = 0; it < 200; ++it) {
    const PetscReal th = PetscTanhReal(0.5 * s);
    const PetscReal h  = 1.0 - chi * TanhHalfOverS(s);
    /* h'(s) = chi [tanh(s/2) - (s/2) sech^2(s/2)] / s^2 */
    const PetscReal dh = chi * (th - 0.5 * s * (1.0 - th * th)) / (s * s);

    if (h == 0.0) break;
    if (h < 0.0) lo = s;
    else hi = s;
    /* Newton while it stays in the bracket and at least halves the step, bisection
     * otherwise (h' cancels for tiny s, near Tc) */
    if (!(dh > 0.0) || ((s - hi) * dh - h) * ((s - lo) * dh - h) > 0.0 || PetscAbsReal(2.0 * h) > PetscAbsReal(ds_old * dh)) {
      ds_old = ds;
      ds     = 0.5 * (hi - lo);
      s      = lo + ds;
    } else {
      ds_old = ds;
      ds     = h / dh;
      s     -= ds;
    }
    if (PetscAbsReal(ds) <= 2.0 * PETSC_MACHINE_EPSILON * s || hi - lo <= 2.0 * PETSC_MACHINE_EPSILON * s) break;
  }
  PetscCheck(it < 200, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Binodal solve did not converge for chi = Omega/RT = %g", (double)chi);
  *c1     = 1.0 / (1.0 + PetscExpReal(s));
  *c2     = 1.0 - *c1;
  *exists = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------- mixing, per mole */

PetscReal ThermoSmix(PetscReal c)
{
  /* S_mix = -R [c ln c + (1-c) ln(1-c)] */
  return -UPHILL_R * XLogX(c);
}

PetscReal ThermoHmix(PetscReal c, PetscReal omega)
{
  /* H_mix = Omega c(1-c) */
  return omega * c * (1.0 - c);
}

PetscReal ThermoGmix(PetscReal c, PetscReal omega, PetscReal T)
{
  /* G_mix = H_mix - T S_mix */
  return ThermoHmix(c, omega) - T * ThermoSmix(c);
}

/* ---------------------------------------------------------------- linear stability */

PetscReal ThermoGrowthRate(PetscReal k, PetscReal M0, PetscReal fpp, PetscReal kappa)
{
  /* R(k) = -M0 k^2 (f''(c0) + kappa k^2) */
  return -M0 * k * k * (fpp + kappa * k * k);
}

PetscErrorCode ThermoFastestMode(PetscReal M0, PetscReal fpp, PetscReal kappa, PetscReal *km, PetscReal *lambda_m, PetscReal *Rmax, PetscBool *unstable)
{
  PetscFunctionBeginUser;
  PetscCheck(kappa > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The gradient coefficient kappa must be positive (got %g)", (double)kappa);
  PetscCheck(M0 >= 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The mobility must not be negative (got %g)", (double)M0);
  if (fpp >= 0.0) {
    /* every mode decays: no fastest one */
    *km       = 0.0;
    *lambda_m = PETSC_INFINITY;
    *Rmax     = 0.0;
    *unstable = PETSC_FALSE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* k_m^2 = -f''/(2 kappa), lambda_m = 2 pi/k_m, R_max = M0 f''^2/(4 kappa) */
  *km       = PetscSqrtReal(-fpp / (2.0 * kappa));
  *lambda_m = 2.0 * PETSC_PI / *km;
  *Rmax     = M0 * fpp * fpp / (4.0 * kappa);
  *unstable = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------- polynomial double well */

PetscErrorCode ThermoPolyEquivalent(PetscReal omega, PetscReal T, PetscReal *rho, PetscReal *ca, PetscReal *cb, PetscBool *valid)
{
  PetscReal RT, chi;

  PetscFunctionBeginUser;
  PetscCheck(T > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Temperature must be positive (got T = %g K)", (double)T);
  RT  = UPHILL_R * T;
  chi = omega / RT;
  /* Landau expansion about c = 1/2, x = c - 1/2:
   *   f = const + (2RT - Omega) x^2 + (4RT/3) x^4 + O(x^6)
   * matched to rho (x^2 - delta^2)^2: rho = 4RT/3, delta^2 = 3(chi - 2)/8.
   * The dropped x^6 and higher terms grow with delta, so this is accurate only near Tc
   * (chi slightly above 2); for chi > 8/3 even ca, cb leave [0, 1]. */
  *rho = 4.0 * RT / 3.0;
  if (chi <= 2.0) {
    /* no double well: both wells collapse onto c = 1/2 */
    *ca    = 0.5;
    *cb    = 0.5;
    *valid = PETSC_FALSE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  {
    const PetscReal delta = PetscSqrtReal(3.0 * (chi - 2.0) / 8.0);
    *ca                   = 0.5 - delta;
    *cb                   = 0.5 + delta;
  }
  *valid = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ThermoPolySpinodal(PetscReal ca, PetscReal cb, PetscReal *c1, PetscReal *c2)
{
  PetscReal mid, half;

  PetscFunctionBeginUser;
  PetscCheck(ca < cb, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The double well needs c_alpha < c_beta (got %g and %g)", (double)ca, (double)cb);
  /* with x = c - (ca+cb)/2, d = (cb-ca)/2: f = rho (x^2 - d^2)^2, f'' = 4 rho (3x^2 - d^2) */
  mid  = 0.5 * (ca + cb);
  half = 0.5 * (cb - ca) / PetscSqrtReal(3.0);
  *c1  = mid - half;
  *c2  = mid + half;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------- interface width */

typedef PetscReal (*ThermoScalarFn)(PetscReal c, const PetscReal *par);

static PetscReal ReducedFAdapter(PetscReal c, const PetscReal *par)
{
  return ThermoReducedF(c, par[0]);
}

static PetscReal PolyFAdapter(PetscReal c, const PetscReal *par)
{
  return ThermoPolyF(c, par[0], par[1], par[2]);
}

/* free energy above the chord (common tangent) through (c1, f1) with slope s */
static inline PetscReal Excess(ThermoScalarFn f, const PetscReal *par, PetscReal c1, PetscReal f1, PetscReal slope, PetscReal c)
{
  return f(c, par) - f1 - slope * (c - c1);
}

/* delta = (c2 - c1) / max sqrt(2 df/kappa): in a flat equilibrium interface
 * (kappa/2) c'^2 = df(c), so the steepest slope sits where df is largest. */
static PetscErrorCode InterfaceWidth(ThermoScalarFn f, const PetscReal *par, PetscReal c1, PetscReal c2, PetscReal kappa, PetscReal *delta)
{
  const PetscInt  nsample = 2000;
  const PetscReal f1 = f(c1, par), slope = (f(c2, par) - f1) / (c2 - c1);
  const PetscReal gr = 0.5 * (PetscSqrtReal(5.0) - 1.0);
  PetscReal       best = 0.0, cbest = 0.5 * (c1 + c2), a, b, x1, x2, g1, g2;
  PetscInt        i;

  PetscFunctionBeginUser;
  /* a coarse scan finds the hump, golden section polishes it */
  for (i = 1; i < nsample; ++i) {
    const PetscReal c = c1 + (c2 - c1) * (PetscReal)i / (PetscReal)nsample;
    const PetscReal g = Excess(f, par, c1, f1, slope, c);
    if (g > best) {
      best  = g;
      cbest = c;
    }
  }
  a  = PetscMax(c1, cbest - (c2 - c1) / (PetscReal)nsample);
  b  = PetscMin(c2, cbest + (c2 - c1) / (PetscReal)nsample);
  x1 = b - gr * (b - a);
  x2 = a + gr * (b - a);
  g1 = Excess(f, par, c1, f1, slope, x1);
  g2 = Excess(f, par, c1, f1, slope, x2);
  for (i = 0; i < 100 && b - a > 1e-12 * (c2 - c1); ++i) {
    if (g1 > g2) {
      b  = x2;
      x2 = x1;
      g2 = g1;
      x1 = b - gr * (b - a);
      g1 = Excess(f, par, c1, f1, slope, x1);
    } else {
      a  = x1;
      x1 = x2;
      g1 = g2;
      x2 = a + gr * (b - a);
      g2 = Excess(f, par, c1, f1, slope, x2);
    }
  }
  best = PetscMax(best, PetscMax(g1, g2));
  PetscCheck(best > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "No free-energy barrier between c = %g and %g: no interface", (double)c1, (double)c2);
  *delta = (c2 - c1) / PetscSqrtReal(2.0 * best / kappa);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ThermoInterfaceWidthReduced(PetscReal chi, PetscReal *delta, PetscBool *exists)
{
  PetscReal c1, c2, par[1];

  PetscFunctionBeginUser;
  *delta  = 0.0;
  *exists = PETSC_FALSE;
  if (chi <= 2.0) PetscFunctionReturn(PETSC_SUCCESS);
  /* the binodal depends on chi = Omega/RT only: take RT = R x 1 K */
  PetscCall(ThermoBinodal(chi * UPHILL_R, 1.0, &c1, &c2, exists));
  if (!*exists) PetscFunctionReturn(PETSC_SUCCESS);
  par[0] = chi;
  PetscCall(InterfaceWidth(ReducedFAdapter, par, c1, c2, 1.0, delta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ThermoInterfaceWidthPoly(PetscReal rho, PetscReal ca, PetscReal cb, PetscReal kappa, PetscReal *delta)
{
  PetscReal par[3];

  PetscFunctionBeginUser;
  PetscCheck(rho > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The double-well height rho must be positive (got %g)", (double)rho);
  PetscCheck(ca < cb, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The double well needs c_alpha < c_beta (got %g and %g)", (double)ca, (double)cb);
  PetscCheck(kappa > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The gradient coefficient kappa must be positive (got %g)", (double)kappa);
  /* the wells at ca, cb are the coexisting phases; closed form sqrt(8 kappa/rho)/(cb - ca) */
  par[0] = rho;
  par[1] = ca;
  par[2] = cb;
  PetscCall(InterfaceWidth(PolyFAdapter, par, ca, cb, kappa, delta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------- reduced units */

PetscReal ThermoReducedDF(PetscReal c, PetscReal chi)
{
  /* f'/RT = ln(c/(1-c)) + chi (1-2c) */
  c = ClampC(c);
  return Logit(c) + chi * (1.0 - 2.0 * c);
}

PetscReal ThermoReducedF(PetscReal c, PetscReal chi)
{
  /* f/RT = chi c(1-c) + c ln c + (1-c) ln(1-c) */
  c = ClampC(c);
  return chi * c * (1.0 - c) + XLogX(c);
}

PetscReal ThermoReducedPhi(PetscReal c, PetscReal chi)
{
  /* Phi = 1 - 2 chi c(1-c): no log, so no clamp needed */
  return 1.0 - 2.0 * chi * c * (1.0 - c);
}

PetscReal ThermoReducedD2F(PetscReal c, PetscReal chi)
{
  /* f''/RT = 1/(c(1-c)) - 2 chi */
  c = ClampC(c);
  return 1.0 / (c * (1.0 - c)) - 2.0 * chi;
}

/* ---------------------------------------------------------------- the solver's model */

PetscReal ThermoModelF(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyF(c, m->rho, m->ca, m->cb);
  return ThermoReducedF(c, m->chi);
}

PetscReal ThermoModelDF(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyDF(c, m->rho, m->ca, m->cb);
  return ThermoReducedDF(c, m->chi);
}

PetscReal ThermoModelD2F(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyD2F(c, m->rho, m->ca, m->cb);
  return ThermoReducedD2F(c, m->chi);
}

PetscReal ThermoModelMobility(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return m->mobility;
  return ThermoReducedMobility(c, m->r);
}

PetscReal ThermoModelMaxMobility(const ThermoModel *m)
{
  PetscReal cm, r = m->r;

  if (m->kind == THERMO_MODEL_POLYNOMIAL) return m->mobility;
  /* M = c(1-c)(1 + (r-1)c) is a cubic: its maximum on [0,1] is at the root in (0,1) of
   * M' = 1 + 2(r-2)c - 3(r-1)c^2 = 0 (c = 1/2 for r = 1) */
  if (PetscAbsReal(r - 1.0) < 1e-12) cm = 0.5;
  else {
    const PetscReal a = -3.0 * (r - 1.0), b = 2.0 * (r - 2.0), disc = b * b - 4.0 * a;
    /* the root in (0,1): M'(0) = 1 > 0 and M'(1) = -r < 0 */
    const PetscReal q = -0.5 * (b + (b < 0 ? -1.0 : 1.0) * PetscSqrtReal(disc));
    const PetscReal r1 = q / a, r2 = 1.0 / q;
    cm = (r1 > 0 && r1 < 1) ? r1 : r2;
  }
  return ThermoReducedMobility(cm, r);
}

PetscReal ThermoModelHmix(const ThermoModel *m, PetscReal c)
{
  /* H_mix/RT = chi c(1-c) */
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return NAN;
  return m->chi * c * (1.0 - c);
}

PetscReal ThermoModelSmix(const ThermoModel *m, PetscReal c)
{
  /* S_mix/R = -[c ln c + (1-c) ln(1-c)], 0 at the pure ends */
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return NAN;
  return -XLogX(c);
}

void ThermoModelDFArray(const ThermoModel *m, const PetscReal *c, PetscReal *df, PetscInt n)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) {
    for (PetscInt i = 0; i < n; i++) df[i] = ThermoPolyDF(c[i], m->rho, m->ca, m->cb);
    return;
  }
  /* f' = ln(c/(1-c)) + chi (1-2c): the ratio first (clamped; a NaN passes the comparisons
   * and reaches the bound checks), one vector log, then the rest; c is read before df is
   * written at each i, so the two may be the same array */
  {
    const PetscReal lo = THERMO_C_EPS, hi = 1.0 - THERMO_C_EPS, chi = m->chi;
    PetscReal       buf[512];
    for (PetscInt i0 = 0; i0 < n; i0 += 512) {
      const PetscInt nb = PetscMin(512, n - i0);
      for (PetscInt i = 0; i < nb; i++) {
        const PetscReal x = c[i0 + i], cc = x < lo ? lo : (x > hi ? hi : x);
        buf[i]            = cc / (1.0 - cc);
      }
      UphillVecLog(buf, buf, nb);
      for (PetscInt i = 0; i < nb; i++) {
        const PetscReal x = c[i0 + i], cc = x < lo ? lo : (x > hi ? hi : x);
        df[i0 + i]        = buf[i] + chi * (1.0 - 2.0 * cc);
      }
    }
  }
}

PetscReal ThermoModelSumF(const ThermoModel *m, const PetscReal *c, PetscInt n)
{
  PetscReal s = 0.0;

  if (m->kind == THERMO_MODEL_POLYNOMIAL) {
    for (PetscInt i = 0; i < n; i++) s += ThermoPolyF(c[i], m->rho, m->ca, m->cb);
    return s;
  }
  /* f = chi c(1-c) + c ln c + (1-c) ln(1-c) */
  for (PetscInt i = 0; i < n; i++) s += c[i] * (1.0 - c[i]);
  return m->chi * s + UphillSumXLogX(c, n);
}

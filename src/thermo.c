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


/* ---------------------------------------------------------------- Redlich-Kister solution */

PetscReal ThermoRKL0(const ThermoRK *p, PetscReal T)
{
  return p->a0 + p->b0 * T;
}

PetscReal ThermoRKL1(const ThermoRK *p, PetscReal T)
{
  return p->a1 + p->b1 * T;
}

PetscReal ThermoRKF(const ThermoRK *p, PetscReal c, PetscReal T)
{
  /* f = c(1-c)[L0 + L1(1-2c)] + RT[c ln c + (1-c) ln(1-c)] */
  return c * (1.0 - c) * (ThermoRKL0(p, T) + ThermoRKL1(p, T) * (1.0 - 2.0 * c)) + UPHILL_R * T * XLogX(c);
}

PetscReal ThermoRKDF(const ThermoRK *p, PetscReal c, PetscReal T)
{
  /* f' = RT ln(c/(1-c)) + L0 (1-2c) + L1 (1 - 6c + 6c^2) */
  return UPHILL_R * T * Logit(c) + ThermoRKL0(p, T) * (1.0 - 2.0 * c) + ThermoRKL1(p, T) * (1.0 - 6.0 * c + 6.0 * c * c);
}

PetscReal ThermoRKD2F(const ThermoRK *p, PetscReal c, PetscReal T)
{
  /* f'' = RT/(c(1-c)) - 2 L0 - 6 L1 (1-2c) */
  return UPHILL_R * T / (c * (1.0 - c)) - 2.0 * ThermoRKL0(p, T) - 6.0 * ThermoRKL1(p, T) * (1.0 - 2.0 * c);
}

PetscReal ThermoRKPhi(const ThermoRK *p, PetscReal c, PetscReal T)
{
  /* Phi = c(1-c) f''/RT = 1 - c(1-c)[2 L0 + 6 L1 (1-2c)]/RT, finite at c = 0, 1 */
  return 1.0 - c * (1.0 - c) * (2.0 * ThermoRKL0(p, T) + 6.0 * ThermoRKL1(p, T) * (1.0 - 2.0 * c)) / (UPHILL_R * T);
}

PetscReal ThermoRKHmix(const ThermoRK *p, PetscReal c, PetscReal T)
{
  /* H = G_ex - T dG_ex/dT: the b_j T parts are excess entropy, so H = c(1-c)[a0 + a1(1-2c)] */
  (void)T;
  return c * (1.0 - c) * (p->a0 + p->a1 * (1.0 - 2.0 * c));
}

PetscReal ThermoRKSpinodalT(const ThermoRK *p, PetscReal c)
{
  /* f''(c) = 0 with L_j = a_j + b_j T, solved for T:
   * R T = c(1-c)[2 L0 + 6 L1 (1-2c)]  ->  T = c(1-c)(2 a0 + 6 a1 (1-2c)) / (R - c(1-c)(2 b0 + 6 b1 (1-2c))) */
  const PetscReal q = c * (1.0 - c), num = q * (2.0 * p->a0 + 6.0 * p->a1 * (1.0 - 2.0 * c)), den = UPHILL_R - q * (2.0 * p->b0 + 6.0 * p->b1 * (1.0 - 2.0 * c));
  return den > 0 ? num / den : -1.0;
}

PetscErrorCode ThermoRKCritical(const ThermoRK *p, PetscReal *Tc, PetscReal *cc, PetscBool *exists)
{
  const PetscInt n = 2000;
  PetscReal      best = -1, cb = 0.5, lo, hi;

  PetscFunctionBeginUser;
  /* the critical point is the maximum of the spinodal temperature over c: scan, then refine
   * by golden section (T_s is smooth and unimodal near its top) */
  for (PetscInt i = 1; i < n; i++) {
    const PetscReal c = (PetscReal)i / n, T = ThermoRKSpinodalT(p, c);
    if (T > best) {
      best = T;
      cb   = c;
    }
  }
  *exists = (PetscBool)(best > 0);
  *Tc     = PetscMax(best, 0.0);
  *cc     = cb;
  if (!*exists) PetscFunctionReturn(PETSC_SUCCESS);
  lo = PetscMax(cb - 1.0 / n, 1e-12);
  hi = PetscMin(cb + 1.0 / n, 1.0 - 1e-12);
  for (PetscInt it = 0; it < 100 && hi - lo > 1e-14; it++) {
    const PetscReal g = 0.5 * (PetscSqrtReal(5.0) - 1.0), a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (ThermoRKSpinodalT(p, a) > ThermoRKSpinodalT(p, b)) hi = b;
    else lo = a;
  }
  *cc = 0.5 * (lo + hi);
  *Tc = ThermoRKSpinodalT(p, *cc);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The reduced derivatives of f/RT, with l_j = L_j/RT. */
static inline PetscReal RKdf(PetscReal c, PetscReal l0, PetscReal l1)
{
  return Logit(c) + l0 * (1.0 - 2.0 * c) + l1 * (1.0 - 6.0 * c + 6.0 * c * c);
}

static inline PetscReal RKd2f(PetscReal c, PetscReal l0, PetscReal l1)
{
  return 1.0 / (c * (1.0 - c)) - 2.0 * l0 - 6.0 * l1 * (1.0 - 2.0 * c);
}

/* omega = f - mu c, the intercept of the tangent of slope mu at c, reduced */
static inline PetscReal RKomega(PetscReal c, PetscReal l0, PetscReal l1, PetscReal mu)
{
  return XLogX(c) + c * (1.0 - c) * (l0 + l1 * (1.0 - 2.0 * c)) - mu * c;
}

PetscErrorCode ThermoRKSpinodal(const ThermoRK *p, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists)
{
  const PetscReal l0 = ThermoRKL0(p, T) / (UPHILL_R * T), l1 = ThermoRKL1(p, T) / (UPHILL_R * T);
  const PetscInt  n  = 4000;
  PetscReal       roots[2];
  PetscInt        nr = 0;

  PetscFunctionBeginUser;
  PetscCheck(T > 0.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Temperature must be positive (got T = %g K)", (double)T);
  *c1 = *c2 = 0.5;
  *exists   = PETSC_FALSE;
  /* f'' = 0 <=> g(c) = c(1-c)[2 l0 + 6 l1 (1-2c)] - 1 = 0: the first sign change from below
   * and the last from above, refined by bisection (g is a cubic: at most three roots) */
  for (PetscInt i = 1; i < n && nr < 2; i++) {
    const PetscReal a = (PetscReal)i / n, b = (PetscReal)(i + 1) / n;
    PetscReal       ga = a * (1 - a) * (2 * l0 + 6 * l1 * (1 - 2 * a)) - 1, gb = b * (1 - b) * (2 * l0 + 6 * l1 * (1 - 2 * b)) - 1;
    if (i + 1 == n || (ga < 0) == (gb < 0)) continue;
    {
      PetscReal lo = a, hi = b;
      for (PetscInt it = 0; it < 200 && hi - lo > 4 * PETSC_MACHINE_EPSILON; it++) {
        const PetscReal m = 0.5 * (lo + hi), gm = m * (1 - m) * (2 * l0 + 6 * l1 * (1 - 2 * m)) - 1;
        if ((gm < 0) == (ga < 0)) {
          lo = m;
          ga = gm;
        } else hi = m;
      }
      roots[nr++] = 0.5 * (lo + hi);
    }
  }
  if (nr == 2) {
    *c1     = roots[0];
    *c2     = roots[1];
    *exists = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The root of f'(c) = mu on the monotone branch (lo, hi), in u = ln(c/(1-c)) so that a
 * composition of 1e-10 keeps its relative precision. */
static PetscReal RKBranchRoot(PetscReal mu, PetscReal l0, PetscReal l1, PetscReal clo, PetscReal chi_)
{
  /* f' = u + bounded terms (|l0 (1-2c)| <= |l0|, |l1 (1 - 6c + 6c^2)| <= |l1|): the root lies
   * within |l0| + |l1| of u = mu */
  const PetscReal w  = PetscAbsReal(l0) + PetscAbsReal(l1) + 1.0;
  PetscReal       ulo = PetscMax(mu - w, Logit(clo)), uhi = PetscMin(mu + w, Logit(chi_));
  for (PetscInt it = 0; it < 200 && uhi - ulo > 2 * PETSC_MACHINE_EPSILON * (1 + PetscAbsReal(ulo)); it++) {
    const PetscReal um = 0.5 * (ulo + uhi), cm = 1.0 / (1.0 + PetscExpReal(-um));
    if (RKdf(cm, l0, l1) < mu) ulo = um;
    else uhi = um;
  }
  return 1.0 / (1.0 + PetscExpReal(-0.5 * (ulo + uhi)));
}

PetscErrorCode ThermoRKBinodal(const ThermoRK *p, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists)
{
  const PetscReal l0 = ThermoRKL0(p, T) / (UPHILL_R * T), l1 = ThermoRKL1(p, T) / (UPHILL_R * T);
  PetscReal       s1, s2, mlo, mhi, a = 0.5, b = 0.5;
  PetscBool       sp;

  PetscFunctionBeginUser;
  PetscCall(ThermoRKSpinodal(p, T, &s1, &s2, &sp));
  *c1 = *c2 = 0.5;
  *exists   = PETSC_FALSE;
  if (!sp) PetscFunctionReturn(PETSC_SUCCESS);
  /* Maxwell's construction: for a slope mu between f'(s2) and f'(s1), the tangent points
   * a(mu) < s1 and b(mu) > s2; the common tangent is where their intercepts agree, and
   * omega(b) - omega(a) falls with mu (its derivative is a - b), so bisection finds it */
  mlo = RKdf(s2, l0, l1);
  mhi = RKdf(s1, l0, l1);
  for (PetscInt it = 0; it < 200 && mhi - mlo > 4 * PETSC_MACHINE_EPSILON * (1 + PetscAbsReal(mlo)); it++) {
    const PetscReal mu = 0.5 * (mlo + mhi);
    a = RKBranchRoot(mu, l0, l1, 1e-300, s1);
    b = RKBranchRoot(mu, l0, l1, s2, 1.0 - 1e-16);
    if (RKomega(b, l0, l1, mu) - RKomega(a, l0, l1, mu) > 0) mlo = mu;
    else mhi = mu;
  }
  /* Newton on the two conditions in u_i = ln(c_i/(1-c_i)), from the bisection's answer:
   * g1 = f'(a) - f'(b), g2 = omega_a - omega_b with omega = f - c f' */
  for (PetscInt it = 0; it < 5; it++) {
    const PetscReal fa = RKdf(a, l0, l1), fb = RKdf(b, l0, l1), ha = RKd2f(a, l0, l1), hb = RKd2f(b, l0, l1);
    const PetscReal g1 = fa - fb, g2 = (RKomega(a, l0, l1, fa)) - (RKomega(b, l0, l1, fb));
    /* d/du = c(1-c) d/dc; d omega(c, f'(c))/dc = -c f'' */
    const PetscReal ja = a * (1 - a), jb = b * (1 - b);
    const PetscReal J11 = ha * ja, J12 = -hb * jb, J21 = -a * ha * ja, J22 = b * hb * jb, det = J11 * J22 - J12 * J21;
    PetscReal       ua, ub;
    if (!(PetscAbsReal(det) > 0)) break;
    ua = Logit(a) - (J22 * g1 - J12 * g2) / det;
    ub = Logit(b) - (-J21 * g1 + J11 * g2) / det;
    a  = 1.0 / (1.0 + PetscExpReal(-ua));
    b  = 1.0 / (1.0 + PetscExpReal(-ub));
  }
  *c1     = a;
  *c2     = b;
  *exists = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------- coherency strain */

PetscReal ThermoElasticB(const ThermoElastic *e, const PetscReal n[3])
{
  const PetscReal xi = e->C11 - e->C12 - 2.0 * e->C44, K3 = e->C11 + 2.0 * e->C12;
  PetscReal       S = 0.0, nOn;

  /* Omega(n)^-1_ij = C_ijkl n_j n_l for cubic symmetry: S = sum_p n_p^2/(C44 + xi n_p^2),
   * n.Omega.n = S/(1 + (C12+C44) S) */
  for (PetscInt p = 0; p < 3; p++) S += n[p] * n[p] / (e->C44 + xi * n[p] * n[p]);
  nOn = S / (1.0 + (e->C12 + e->C44) * S);
  return e->eta * e->eta * K3 * (3.0 - K3 * nOn);
}

PetscErrorCode ThermoElasticRange(const ThermoElastic *e, PetscReal *Bmin, PetscReal *Bmax, PetscReal nmin[3])
{
  const PetscInt n = 120;

  PetscFunctionBeginUser;
  /* B is even in every n_p and symmetric under their permutations: the octant of the sphere,
   * sampled finely, holds its extremes (which sit at <100>, <110> or <111> for cubic crystals) */
  *Bmin = PETSC_MAX_REAL;
  *Bmax = -PETSC_MAX_REAL;
  for (PetscInt i = 0; i <= n; i++)
    for (PetscInt j = 0; j <= n; j++) {
      const PetscReal th = 0.5 * PETSC_PI * i / n, ph = 0.5 * PETSC_PI * j / n;
      const PetscReal v[3] = {PetscSinReal(th) * PetscCosReal(ph), PetscSinReal(th) * PetscSinReal(ph), PetscCosReal(th)};
      const PetscReal B    = ThermoElasticB(e, v);
      if (B < *Bmin) {
        *Bmin = B;
        if (nmin)
          for (PetscInt p = 0; p < 3; p++) nmin[p] = v[p];
      }
      *Bmax = PetscMax(*Bmax, B);
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal ThermoModelElasticKernel(const PetscReal k2[3], void *ctx)
{
  const ThermoModel *m = (const ThermoModel *)ctx;
  const PetscReal    kk = k2[0] + k2[1] + k2[2];
  PetscReal          n[3];

  /* the k = 0 mode is the mean composition: no eigenstrain relative to cbar */
  if (!m->elastic || kk == 0) return 0.0;
  for (PetscInt p = 0; p < 3; p++) n[p] = PetscSqrtReal(k2[p] / kk);
  return m->el_scale * ThermoElasticB(&m->el, n);
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

static PetscReal RKFAdapter(PetscReal c, const PetscReal *par)
{
  /* f/RT with L_j/RT = par[0], par[1] */
  return XLogX(c) + c * (1.0 - c) * (par[0] + par[1] * (1.0 - 2.0 * c));
}

PetscErrorCode ThermoInterfaceWidthRK(const ThermoRK *p, PetscReal T, PetscReal *delta, PetscBool *exists)
{
  PetscReal c1, c2, par[2];

  PetscFunctionBeginUser;
  *delta = 0.0;
  PetscCall(ThermoRKBinodal(p, T, &c1, &c2, exists));
  if (!*exists) PetscFunctionReturn(PETSC_SUCCESS);
  par[0] = ThermoRKL0(p, T) / (UPHILL_R * T);
  par[1] = ThermoRKL1(p, T) / (UPHILL_R * T);
  PetscCall(InterfaceWidth(RKFAdapter, par, c1, c2, 1.0, delta));
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

/* The Redlich-Kister excess beyond the regular part, chi1 c(1-c)(1-2c), and its derivatives */
static inline PetscReal Excess1(PetscReal c, PetscReal chi1, PetscInt d)
{
  if (d == 0) return chi1 * c * (1.0 - c) * (1.0 - 2.0 * c);
  if (d == 1) return chi1 * (1.0 - 6.0 * c + 6.0 * c * c);
  return -6.0 * chi1 * (1.0 - 2.0 * c);
}

PetscReal ThermoModelF(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyF(c, m->rho, m->ca, m->cb);
  return ThermoReducedF(c, m->chi) + Excess1(ClampC(c), m->chi1, 0);
}

PetscReal ThermoModelDF(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyDF(c, m->rho, m->ca, m->cb);
  return ThermoReducedDF(c, m->chi) + Excess1(ClampC(c), m->chi1, 1);
}

PetscReal ThermoModelD2F(const ThermoModel *m, PetscReal c)
{
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return ThermoPolyD2F(c, m->rho, m->ca, m->cb);
  return ThermoReducedD2F(c, m->chi) + Excess1(ClampC(c), m->chi1, 2);
}

PetscReal ThermoModelExcessD2F(const ThermoModel *m, PetscReal c)
{
  /* f'' without the ideal 1/(c(1-c)): -2 chi + (chi1 c(1-c)(1-2c))'' */
  return -2.0 * m->chi + Excess1(ClampC(c), m->chi1, 2);
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
  /* H_mix/RT = c(1-c)[chi + chi1 (1-2c)] with the temperature-independent parts of L_j
   * (the model holds them in chi and chi1 when it has an excess entropy: see run.c) */
  if (m->kind == THERMO_MODEL_POLYNOMIAL) return NAN;
  return c * (1.0 - c) * (m->hchi + m->hchi1 * (1.0 - 2.0 * c));
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
    const PetscReal lo = THERMO_C_EPS, hi = 1.0 - THERMO_C_EPS, chi = m->chi, chi1 = m->chi1;
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
        df[i0 + i]        = buf[i] + chi * (1.0 - 2.0 * cc) + chi1 * (1.0 - 6.0 * cc + 6.0 * cc * cc);
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
  /* f = c(1-c)[chi + chi1 (1-2c)] + c ln c + (1-c) ln(1-c), one vectorized pass */
  return UphillSumMixF(c, n, m->chi, m->chi1);
}

PetscReal ThermoModelScaleSumF(const ThermoModel *m, const double *in, PetscReal scale, PetscReal *c, PetscInt n, PetscReal mx[3])
{
  /* regular: one loop, so the stream of in and c overlaps the logs (vecmath.h) */
  if (m->kind != THERMO_MODEL_POLYNOMIAL) return UphillFinishMixF(in, scale, c, n, m->chi, m->chi1, mx);
  UphillScaleBounds(in, scale, c, n, mx);
  return ThermoModelSumF(m, c, n);
}

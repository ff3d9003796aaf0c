/* Unit tests of the thermodynamics module (DESIGN.md section 1, seeds/).
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <math.h>
#include <uphill/thermo.h>
#include <uphill/vecmath.h>
#include <string.h>

#include "tally.h"

#define Check     TallyCheck
#define CheckTrue TallyTrue

/* A sweep over many c folds into one check: the worst scaled error must stay below 1. */
#define NSWEEP 999
static PetscReal SweepC(PetscInt i)
{
  /* log-spaced near both ends so the singular regions are probed, linear in the middle */
  const PetscReal u = (PetscReal)(i + 1) / (NSWEEP + 1);
  return u < 0.5 ? 0.5 * PetscPowReal(1e-6 / 0.5, 1.0 - 2.0 * u) : 1.0 - 0.5 * PetscPowReal(1e-6 / 0.5, 2.0 * u - 1.0);
}

static PetscErrorCode TestMobilityPhi(Tally *t)
{
  const PetscReal omega = 30000.0, T = 773.0, RT = UPHILL_R * T;
  const PetscReal DA = 4.3e-19, DB = 2.9e-18;
  PetscReal       w_single = 0, w_darken = 0, w_phi = 0, w_red = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NSWEEP; ++i) {
    const PetscReal c = SweepC(i), fpp = ThermoRegularD2F(c, omega, T), phi = ThermoPhi(c, omega, T);
    /* scale by D* max(|Phi|, 1): near the spinodal Phi -> 0 and a relative test is meaningless */
    w_single = PetscMax(w_single, PetscAbsReal(ThermoMobility(c, DA, T) * fpp - DA * phi) / (DA * PetscMax(PetscAbsReal(phi), 1.0)));
    {
      const PetscReal Dd = ThermoDarkenDstar(c, DA, DB);
      w_darken           = PetscMax(w_darken, PetscAbsReal(ThermoMobilityDarken(c, DA, DB, T) * fpp - Dd * phi) / (Dd * PetscMax(PetscAbsReal(phi), 1.0)));
    }
    w_phi = PetscMax(w_phi, PetscAbsReal(c * (1.0 - c) * fpp / RT - phi) / PetscMax(PetscAbsReal(phi), 1.0));
    w_red = PetscMax(w_red, PetscAbsReal(ThermoReducedPhi(c, omega / RT) - phi));
  }
  PetscCall(Check(t, "M f'' = D* Phi, single tracer, 999 c in (0,1), rel", w_single, 0.0, 1e-12));
  PetscCall(Check(t, "M f'' = D*_Darken(c) Phi, Darken, 999 c in (0,1), rel", w_darken, 0.0, 1e-12));
  PetscCall(Check(t, "Phi = c(1-c) f''/RT equals 1 - 2 Omega c(1-c)/RT, 999 c, rel", w_phi, 0.0, 1e-12));
  PetscCall(Check(t, "reduced Phi(chi) equals SI Phi(Omega, T), 999 c, abs", w_red, 0.0, 1e-13));
  PetscCall(Check(t, "Darken D* at c = 0 is D*_A", ThermoDarkenDstar(0.0, DA, DB), DA, 1e-15 * DA));
  PetscCall(Check(t, "Darken D* at c = 1 is D*_B", ThermoDarkenDstar(1.0, DA, DB), DB, 1e-15 * DB));
  PetscCall(Check(t, "Darken mobility with DA = DB equals single mobility (c = 0.3), rel", ThermoMobilityDarken(0.3, DA, DA, T) / ThermoMobility(0.3, DA, T), 1.0, 1e-14));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Centred differences with a step proportional to min(c, 1-c): truncation ~ 1e-8 relative
 * everywhere, round-off ~ eps/1e-4; the tolerance 1e-6 covers both with margin. */
static PetscErrorCode TestDerivatives(Tally *t)
{
  const PetscReal omega = 30000.0, T = 773.0, RT = UPHILL_R * T, chi = omega / RT;
  const PetscReal rho = 5.0, ca = 0.3, cb = 0.7;
  PetscReal       w1 = 0, w2 = 0, wr1 = 0, wr2 = 0, wr0 = 0, wp1 = 0, wp2 = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NSWEEP; ++i) {
    const PetscReal c = SweepC(i);
    if (c < 1e-4 || c > 1.0 - 1e-4) continue;
    {
      const PetscReal h    = 1e-4 * PetscMin(c, 1.0 - c);
      const PetscReal fd1  = (ThermoRegularF(c + h, omega, T) - ThermoRegularF(c - h, omega, T)) / (2 * h);
      const PetscReal fd2  = (ThermoRegularDF(c + h, omega, T) - ThermoRegularDF(c - h, omega, T)) / (2 * h);
      const PetscReal rfd1 = (ThermoReducedF(c + h, chi) - ThermoReducedF(c - h, chi)) / (2 * h);
      const PetscReal rfd2 = (ThermoReducedDF(c + h, chi) - ThermoReducedDF(c - h, chi)) / (2 * h);
      w1                   = PetscMax(w1, PetscAbsReal(fd1 - ThermoRegularDF(c, omega, T)) / (PetscAbsReal(ThermoRegularDF(c, omega, T)) + RT));
      w2                   = PetscMax(w2, PetscAbsReal(fd2 - ThermoRegularD2F(c, omega, T)) / (PetscAbsReal(ThermoRegularD2F(c, omega, T)) + RT));
      wr1                  = PetscMax(wr1, PetscAbsReal(rfd1 - ThermoReducedDF(c, chi)) / (PetscAbsReal(ThermoReducedDF(c, chi)) + 1.0));
      wr2                  = PetscMax(wr2, PetscAbsReal(rfd2 - ThermoReducedD2F(c, chi)) / (PetscAbsReal(ThermoReducedD2F(c, chi)) + 1.0));
      wr0                  = PetscMax(wr0, PetscAbsReal(ThermoReducedF(c, chi) - ThermoRegularF(c, omega, T) / RT));
    }
    {
      const PetscReal h   = 1e-5;
      const PetscReal fd1 = (ThermoPolyF(c + h, rho, ca, cb) - ThermoPolyF(c - h, rho, ca, cb)) / (2 * h);
      const PetscReal fd2 = (ThermoPolyDF(c + h, rho, ca, cb) - ThermoPolyDF(c - h, rho, ca, cb)) / (2 * h);
      wp1                 = PetscMax(wp1, PetscAbsReal(fd1 - ThermoPolyDF(c, rho, ca, cb)) / (PetscAbsReal(ThermoPolyDF(c, rho, ca, cb)) + rho));
      wp2                 = PetscMax(wp2, PetscAbsReal(fd2 - ThermoPolyD2F(c, rho, ca, cb)) / (PetscAbsReal(ThermoPolyD2F(c, rho, ca, cb)) + rho));
    }
  }
  PetscCall(Check(t, "regular f' vs centred FD of f, c in [1e-4, 1-1e-4], rel to |f'|+RT", w1, 0.0, 1e-6));
  PetscCall(Check(t, "regular f'' vs centred FD of f', rel to |f''|+RT", w2, 0.0, 1e-6));
  PetscCall(Check(t, "reduced f'/RT vs centred FD of f/RT, rel to |f'|+1", wr1, 0.0, 1e-6));
  PetscCall(Check(t, "reduced f''/RT vs centred FD of f'/RT, rel to |f''|+1", wr2, 0.0, 1e-6));
  PetscCall(Check(t, "reduced f/RT equals SI f/RT, abs", wr0, 0.0, 1e-13));
  PetscCall(Check(t, "polynomial f' vs centred FD of f (h = 1e-5), rel to |f'|+rho", wp1, 0.0, 1e-8));
  PetscCall(Check(t, "polynomial f'' vs centred FD of f' (h = 1e-5), rel to |f''|+rho", wp2, 0.0, 1e-8));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestMixing(Tally *t)
{
  const PetscReal omega = 30000.0, T = 773.0;
  PetscReal       wg = 0;
  PetscBool       clamp_ok;

  PetscFunctionBeginUser;
  /* seed entropy-of-mixing: 2.50 mol of a 20/80 alloy gain about 10.4 J/K */
  PetscCall(Check(t, "entropy seed: 2.50 mol x S_mix(0.2) = 10.4 J/K (+-0.05)", 2.5 * ThermoSmix(0.2), 10.4, 0.05));
  PetscCall(Check(t, "S_mix(1/2) = R ln 2, rel", ThermoSmix(0.5) / (UPHILL_R * PetscLogReal(2.0)), 1.0, 1e-15));
  PetscCall(Check(t, "S_mix(0) = 0 exactly (0 ln 0 = 0)", ThermoSmix(0.0), 0.0, 0.0));
  PetscCall(Check(t, "S_mix(1) = 0 exactly", ThermoSmix(1.0), 0.0, 0.0));
  PetscCall(Check(t, "H_mix(0.2) = Omega 0.2 0.8", ThermoHmix(0.2, omega), omega * 0.16, 1e-12 * omega));
  for (PetscInt i = 0; i < NSWEEP; ++i) {
    const PetscReal c = SweepC(i);
    wg                = PetscMax(wg, PetscAbsReal(ThermoGmix(c, omega, T) - (ThermoHmix(c, omega) - T * ThermoSmix(c))));
    wg                = PetscMax(wg, PetscAbsReal(ThermoRegularF(c, omega, T) - ThermoGmix(c, omega, T)));
  }
  PetscCall(Check(t, "G_mix = H_mix - T S_mix = f(c), 999 c, abs J/mol", wg, 0.0, 1e-10));
  PetscCall(Check(t, "G_mix(0) = 0 exactly", ThermoGmix(0.0, omega, T), 0.0, 0.0));
  /* the kernels must stay finite when c leaves [0, 1] */
  clamp_ok = (PetscBool)(PetscIsNormalReal(ThermoReducedDF(0.0, 3.0)) && PetscIsNormalReal(ThermoReducedDF(1.0, 3.0)) && PetscIsNormalReal(ThermoReducedDF(-0.1, 3.0)) && PetscIsNormalReal(ThermoReducedDF(1.2, 3.0)) &&
                         PetscIsNormalReal(ThermoReducedD2F(0.0, 3.0)) && PetscIsNormalReal(ThermoReducedD2F(1.0, 3.0)) && !PetscIsInfOrNanReal(ThermoReducedF(-0.1, 3.0)) && !PetscIsInfOrNanReal(ThermoReducedF(1.1, 3.0)));
  PetscCall(CheckTrue(t, "reduced f, f', f'' finite at c = 0, 1, -0.1, 1.1/1.2 (clamped)", clamp_ok));
  PetscCall(Check(t, "reduced f'(-0.1) = f'(THERMO_C_EPS) (clamp)", ThermoReducedDF(-0.1, 3.0), ThermoReducedDF(THERMO_C_EPS, 3.0), 0.0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestDiffusivity(Tally *t)
{
  const PetscReal T = 1000.0;

  PetscFunctionBeginUser;
  /* DESIGN.md worked example: Cu-like D0, Q at 773 K */
  PetscCall(Check(t, "D*(773 K), D0 = 7.8e-5 m^2/s, Q = 211 kJ/mol = 4.3e-19 m^2/s (+-0.05e-19)", ThermoDstarArrhenius(7.8e-5, 211000.0, 773.0), 4.3e-19, 0.05e-19));
  /* vacancy model, fcc Cu: f = 0.7815, z = 12, a = 2.55e-10 m, nu = 1e13/s, Qf = 105, Qm = 106
   * kJ/mol, T = 1000 K. By hand: f z a^2/6 nu = 0.7815 * 2 * 6.5025e-20 * 1e13
   * = 1.016341e-6 m^2/s; (Qf+Qm)/RT = 211000/8314.462618 = 25.37747; exp(-25.37747)
   * = 9.52152e-12; D* = 9.67711e-18 m^2/s. */
  PetscCall(Check(t, "vacancy D* (fcc, f 0.7815, z 12, a 2.55 A, nu 1e13, 105+106 kJ/mol, 1000 K) = 9.67711e-18, rel", ThermoDstarVacancy(0.7815, 12.0, 2.55e-10, 1e13, 105000.0, 106000.0, T) / 9.67711e-18, 1.0, 2e-6));
  PetscCall(Check(t, "vacancy D* equals Arrhenius with D0 = f z a^2 nu/6, Q = Qf+Qm, rel", ThermoDstarVacancy(0.7815, 12.0, 2.55e-10, 1e13, 105000.0, 106000.0, T) / ThermoDstarArrhenius(0.7815 * 12.0 * 2.55e-10 * 2.55e-10 / 6.0 * 1e13, 211000.0, T), 1.0, 1e-14));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* residual of the binodal equation ln(c/(1-c)) - Omega(2c-1)/RT, in units of chi */
static PetscReal BinodalResidual(PetscReal c, PetscReal chi)
{
  return (PetscLogReal(c) - log1p(-c) - chi * (2.0 * c - 1.0)) / chi;
}

static PetscErrorCode TestPhaseDiagram(Tally *t)
{
  const PetscReal omega = 30000.0;
  PetscReal       T, c1, c2, s1, s2;
  PetscBool       ex;
  char            what[256];

  PetscFunctionBeginUser;
  PetscCall(Check(t, "Tc = Omega/2R", ThermoCriticalT(omega), omega / (2.0 * UPHILL_R), 1e-12));
  /* DESIGN.md worked example, to the digits it gives */
  PetscCall(Check(t, "worked example: Tc(30 kJ/mol) = 1804 K (+-0.5)", ThermoCriticalT(omega), 1804.0, 0.5));
  T = 773.0;
  PetscCall(Check(t, "worked example: chi(773 K) = 4.67 (+-0.005)", omega / (UPHILL_R * T), 4.67, 0.005));
  PetscCall(ThermoBinodal(omega, T, &c1, &c2, &ex));
  PetscCall(CheckTrue(t, "worked example: binodal exists at 773 K", ex));
  PetscCall(Check(t, "worked example: binodal c1 = 0.0102 (+-5e-5)", c1, 0.0102, 5e-5));
  PetscCall(Check(t, "worked example: binodal c2 = 0.9898 (+-5e-5)", c2, 0.9898, 5e-5));
  PetscCall(ThermoSpinodal(omega, T, &s1, &s2, &ex));
  PetscCall(CheckTrue(t, "worked example: spinodal exists at 773 K", ex));
  PetscCall(Check(t, "worked example: spinodal c1 = 0.122 (+-5e-4)", s1, 0.122, 5e-4));
  PetscCall(Check(t, "worked example: spinodal c2 = 0.878 (+-5e-4)", s2, 0.878, 5e-4));
  PetscCall(Check(t, "Phi(spinodal c1) = 0, abs", ThermoPhi(s1, omega, T), 0.0, 1e-14));
  PetscCall(Check(t, "Phi(spinodal c2) = 0, abs", ThermoPhi(s2, omega, T), 0.0, 1e-14));
  PetscCall(Check(t, "spinodal T of spinodal c1 is T (K)", ThermoSpinodalT(omega, s1), T, 1e-10 * T));
  PetscCall(CheckTrue(t, "binodal outside spinodal: c1 < s1 < 1/2 < s2 < c2", (PetscBool)(c1 < s1 && s1 < 0.5 && 0.5 < s2 && s2 < c2)));

  /* common tangent over a range of quenches, down to c1 ~ 1e-8 and chi = 40. Tolerances:
   * f' is a difference of terms of size Omega, so 1e-12 Omega; at c2 = 1 - c1 the stored
   * double carries 1 - c2 only to eps/c1 relative, which f' sees as RT eps/c1. */
  {
    const PetscReal chis[] = {2.001, 2.05, 2.5, 3.0, 4.6677, 8.0, 12.0, 18.420000368650881, 25.0, 40.0};
    for (size_t i = 0; i < sizeof(chis) / sizeof(chis[0]); ++i) {
      const PetscReal RT = omega / chis[i];
      PetscReal       d1, d2, g1, g2, tol;
      T = RT / UPHILL_R;
      PetscCall(ThermoBinodal(omega, T, &c1, &c2, &ex));
      tol = 1e-12 * omega + 4.0 * PETSC_MACHINE_EPSILON * RT / c1;
      d1  = ThermoRegularDF(c1, omega, T);
      d2  = ThermoRegularDF(c2, omega, T);
      g1  = ThermoRegularF(c1, omega, T) - c1 * d1;
      g2  = ThermoRegularF(c2, omega, T) - c2 * d2;
      PetscCall(PetscSNPrintf(what, sizeof(what), "chi = %g: binodal exists, c1 = %.6g, c1 + c2 = 1", (double)chis[i], (double)c1));
      PetscCall(CheckTrue(t, what, (PetscBool)(ex && c1 > 0.0 && c1 < 0.5 && c1 + c2 == 1.0)));
      /* once c1 < eps/2, c2 = 1 - c1 rounds to 1 and f'(c2) is infinite: only the residual
       * below can judge those quenches */
      if (c1 > PETSC_MACHINE_EPSILON) {
        PetscCall(PetscSNPrintf(what, sizeof(what), "chi = %g: equal f'(c1) = f'(c2) (J/mol)", (double)chis[i]));
        PetscCall(Check(t, what, d1, d2, tol));
        PetscCall(PetscSNPrintf(what, sizeof(what), "chi = %g: equal f - c f' at c1, c2 (J/mol)", (double)chis[i]));
        PetscCall(Check(t, what, g1, g2, tol));
      }
      /* relative accuracy of c1: residual r of the equation in units of chi moves ln c1 by
       * about chi r / |1 - 2 chi c1(1-c1)|, i.e. c1 by that relative amount */
      PetscCall(PetscSNPrintf(what, sizeof(what), "chi = %g: c1 relative error from residual", (double)chis[i]));
      PetscCall(Check(t, what, chis[i] * PetscAbsReal(BinodalResidual(c1, chis[i])) / PetscAbsReal(ThermoReducedPhi(c1, chis[i])), 0.0, chis[i] > 2.1 ? 1e-14 * chis[i] : 1e-10));
    }
    /* the deep quench the brief asks for: c1 about 1e-8 */
    T = omega / (18.420000368650881 * UPHILL_R);
    PetscCall(ThermoBinodal(omega, T, &c1, &c2, &ex));
    PetscCall(Check(t, "deep quench chi = 18.42: c1 = 1.00068e-8 (rel 1e-5)", c1 / 1.0006809656974906e-08, 1.0, 1e-5));
    PetscCall(ThermoSpinodal(omega, T, &s1, &s2, &ex));
    {
      const PetscReal q = UPHILL_R * T / (2.0 * omega);
      PetscCall(Check(t, "deep quench spinodal: s1(1-s1) = RT/2Omega, rel (no cancellation)", s1 * (1.0 - s1) / q, 1.0, 1e-14));
    }
  }

  /* no gap: above Tc and for Omega <= 0 */
  PetscCall(ThermoBinodal(omega, 1.01 * ThermoCriticalT(omega), &c1, &c2, &ex));
  PetscCall(CheckTrue(t, "T = 1.01 Tc: no binodal, c1 = c2 = 1/2", (PetscBool)(!ex && c1 == 0.5 && c2 == 0.5)));
  PetscCall(ThermoSpinodal(omega, ThermoCriticalT(omega), &c1, &c2, &ex));
  PetscCall(CheckTrue(t, "T = Tc: no spinodal, c1 = c2 = 1/2", (PetscBool)(!ex && c1 == 0.5 && c2 == 0.5)));
  PetscCall(ThermoBinodal(-5000.0, 300.0, &c1, &c2, &ex));
  PetscCall(CheckTrue(t, "Omega < 0: no binodal", (PetscBool)!ex));
  PetscCall(ThermoSpinodal(0.0, 300.0, &c1, &c2, &ex));
  PetscCall(CheckTrue(t, "Omega = 0: no spinodal", (PetscBool)!ex));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestStability(Tally *t)
{
  const PetscReal M0 = 2.5, fpp = -3.7, kappa = 0.8;
  PetscReal       km, lam, Rmax;
  PetscBool       unst;

  PetscFunctionBeginUser;
  PetscCall(ThermoFastestMode(M0, fpp, kappa, &km, &lam, &Rmax, &unst));
  PetscCall(CheckTrue(t, "f'' < 0: unstable", unst));
  PetscCall(Check(t, "R(k_m) = R_max, rel", ThermoGrowthRate(km, M0, fpp, kappa) / Rmax, 1.0, 1e-14));
  PetscCall(CheckTrue(t, "R(k) < R(k_m) at k = k_m (1 +- 0.01) and (1 +- 0.1)",
                      (PetscBool)(ThermoGrowthRate(0.99 * km, M0, fpp, kappa) < Rmax && ThermoGrowthRate(1.01 * km, M0, fpp, kappa) < Rmax && ThermoGrowthRate(0.9 * km, M0, fpp, kappa) < Rmax && ThermoGrowthRate(1.1 * km, M0, fpp, kappa) < Rmax)));
  PetscCall(Check(t, "R(k) = 0 at k_c = sqrt(-f''/kappa), abs rel to R_max", ThermoGrowthRate(PetscSqrtReal(-fpp / kappa), M0, fpp, kappa) / Rmax, 0.0, 1e-14));
  PetscCall(Check(t, "lambda_m = 2 pi / k_m", lam * km, 2.0 * PETSC_PI, 1e-14));
  PetscCall(ThermoFastestMode(M0, 1.2, kappa, &km, &lam, &Rmax, &unst));
  PetscCall(CheckTrue(t, "f'' > 0: stable, k_m = 0, lambda_m = PETSC_INFINITY, R_max = 0", (PetscBool)(!unst && km == 0.0 && lam == PETSC_INFINITY && Rmax == 0.0)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestPolynomial(Tally *t)
{
  const PetscReal omega = 30000.0, Tc = ThermoCriticalT(omega);
  PetscReal       rho, ca, cb, c1, c2, T, s1, s2, delta;
  PetscBool       valid, ex;

  PetscFunctionBeginUser;
  /* the quadratic coefficients match, so the curvatures at c = 1/2 agree at any chi > 2 */
  T = 773.0;
  PetscCall(ThermoPolyEquivalent(omega, T, &rho, &ca, &cb, &valid));
  PetscCall(CheckTrue(t, "Landau equivalent valid at chi = 4.67", valid));
  PetscCall(Check(t, "Landau: f''_poly(1/2) = f''_regular(1/2) at 773 K, rel", ThermoPolyD2F(0.5, rho, ca, cb) / ThermoRegularD2F(0.5, omega, T), 1.0, 1e-13));
  PetscCall(Check(t, "Landau: quartic coefficient rho = 4RT/3, rel", rho / (4.0 * UPHILL_R * T / 3.0), 1.0, 1e-15));
  T = 0.98 * Tc;
  PetscCall(ThermoPolyEquivalent(omega, T, &rho, &ca, &cb, &valid));
  PetscCall(ThermoBinodal(omega, T, &c1, &c2, &ex));
  PetscCall(Check(t, "Landau: f''_poly(1/2) = f''_regular(1/2) at 0.98 Tc, rel", ThermoPolyD2F(0.5, rho, ca, cb) / ThermoRegularD2F(0.5, omega, T), 1.0, 1e-12));
  PetscCall(Check(t, "Landau at 0.98 Tc: c_alpha within 3% of binodal c1 (ratio)", ca / c1, 1.0, 0.03));
  PetscCall(Check(t, "Landau at 0.98 Tc: c_beta within 3% of binodal c2 (ratio)", cb / c2, 1.0, 0.03));
  PetscCall(Check(t, "Landau at 0.98 Tc: half-gap within 3% of binodal half-gap (ratio)", (cb - ca) / (c2 - c1), 1.0, 0.03));
  PetscCall(ThermoPolyEquivalent(omega, 1.05 * Tc, &rho, &ca, &cb, &valid));
  PetscCall(CheckTrue(t, "Landau above Tc (chi < 2): not valid", (PetscBool)!valid));
  /* the wells and the spinodal of the double well */
  PetscCall(Check(t, "poly f'(c_alpha) = 0 (PFHub: 5, 0.3, 0.7)", ThermoPolyDF(0.3, 5.0, 0.3, 0.7), 0.0, 1e-15));
  PetscCall(ThermoPolySpinodal(0.3, 0.7, &s1, &s2));
  PetscCall(Check(t, "poly f''(spinodal c1) = 0", ThermoPolyD2F(s1, 5.0, 0.3, 0.7), 0.0, 1e-14));
  PetscCall(Check(t, "poly f''(spinodal c2) = 0", ThermoPolyD2F(s2, 5.0, 0.3, 0.7), 0.0, 1e-14));
  /* interface width: closed form sqrt(8 kappa/rho)/(cb - ca) for the double well */
  PetscCall(ThermoInterfaceWidthPoly(5.0, 0.3, 0.7, 2.0, &delta));
  PetscCall(Check(t, "poly interface width = sqrt(8 kappa/rho)/(cb-ca) (PFHub: 4.472), rel", delta / (PetscSqrtReal(8.0 * 2.0 / 5.0) / 0.4), 1.0, 1e-10));
  /* regular, deep quench: width of order l; symmetric, so df max is at 1/2 */
  {
    const PetscReal chi = omega / (UPHILL_R * 773.0);
    PetscReal       dmax, d2;
    PetscCall(ThermoInterfaceWidthReduced(chi, &delta, &ex));
    PetscCall(ThermoBinodal(omega, 773.0, &c1, &c2, &ex));
    dmax = ThermoReducedF(0.5, chi) - ThermoReducedF(c1, chi);
    PetscCall(Check(t, "regular interface width at chi = 4.67 = (c2-c1)/sqrt(2 df(1/2)) (l), rel", delta / ((c2 - c1) / PetscSqrtReal(2.0 * dmax)), 1.0, 1e-10));
    PetscCall(ThermoInterfaceWidthReduced(1.9, &d2, &ex));
    PetscCall(CheckTrue(t, "regular interface width: none for chi = 1.9", (PetscBool)!ex));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Redlich-Kister solution: the regular one when L1 = 0, the Cu-Ag assessment's gap, the
 * common tangent, and the binodal and spinodal closing at the critical point. */
static PetscErrorCode TestRedlichKister(Tally *t)
{
  const ThermoRK reg = {30000.0, 0.0, 0.0, 0.0}, cuag = {33819.1, -8.1236, 5601.9, -1.32997};
  PetscReal      c1, c2, r1, r2, s1, s2, q1, q2, Tc, cc, worst = 0;
  PetscBool      ex, ex2;
  char           what[256];

  PetscFunctionBeginUser;
  /* L1 = 0 reproduces every regular-solution number */
  for (PetscInt i = 0; i < 4; i++) {
    const PetscReal T = 500.0 + 300.0 * i;
    PetscCall(ThermoRKBinodal(&reg, T, &c1, &c2, &ex));
    PetscCall(ThermoBinodal(30000.0, T, &r1, &r2, &ex2));
    worst = PetscMax(worst, PetscMax(PetscAbsReal(c1 - r1) / r1, PetscAbsReal(c2 - r2)));
    PetscCall(ThermoRKSpinodal(&reg, T, &s1, &s2, &ex));
    PetscCall(ThermoSpinodal(30000.0, T, &q1, &q2, &ex2));
    worst = PetscMax(worst, PetscMax(PetscAbsReal(s1 - q1), PetscAbsReal(s2 - q2)));
    for (PetscInt j = 1; j < 10; j++) {
      const PetscReal c = 0.1 * j;
      worst = PetscMax(worst, PetscAbsReal(ThermoRKF(&reg, c, T) - ThermoRegularF(c, 30000.0, T)) / 30000.0);
      worst = PetscMax(worst, PetscAbsReal(ThermoRKDF(&reg, c, T) - ThermoRegularDF(c, 30000.0, T)) / 30000.0);
      worst = PetscMax(worst, PetscAbsReal(ThermoRKD2F(&reg, c, T) - ThermoRegularD2F(c, 30000.0, T)) / 30000.0);
      worst = PetscMax(worst, PetscAbsReal(ThermoRKPhi(&reg, c, T) - ThermoPhi(c, 30000.0, T)));
      worst = PetscMax(worst, PetscAbsReal(ThermoRKSpinodalT(&reg, c) - ThermoSpinodalT(30000.0, c)) / 1804.0);
    }
  }
  PetscCall(TallyBound(t, "Redlich-Kister with L1 = 0 = the regular solution: f, f', f'', Phi, T_s, binodal, spinodal at 500..1400 K (worst rel)", worst, 1e-11));
  PetscCall(ThermoRKCritical(&reg, &Tc, &cc, &ex));
  PetscCall(Check(t, "Redlich-Kister with L1 = 0: Tc = Omega/2R", Tc, ThermoCriticalT(30000.0), 1e-9 * Tc));
  PetscCall(Check(t, "Redlich-Kister with L1 = 0: critical composition 1/2", cc, 0.5, 1e-7));

  /* the Cu-Ag fcc assessment (A = Cu, B = Ag): L0 = 33819.1 - 8.1236 T, L1 = 5601.9 - 1.32997 T */
  PetscCall(ThermoRKCritical(&cuag, &Tc, &cc, &ex));
  PetscCall(PetscSNPrintf(what, sizeof(what), "Cu-Ag: the metastable fcc gap peaks near 1417 K (+-5 K) (Tc = %.2f K)", (double)Tc));
  PetscCall(CheckTrue(t, what, (PetscBool)(ex && PetscAbsReal(Tc - 1417.0) < 5.0)));
  PetscCall(Check(t, "Cu-Ag: on the Cu-rich side, at x_Ag = 0.39 (+-0.01)", cc, 0.39, 0.01));
  PetscCall(ThermoRKBinodal(&cuag, 1000.0, &c1, &c2, &ex));
  PetscCall(ThermoRKSpinodal(&cuag, 1000.0, &s1, &s2, &ex2));
  PetscCall(Check(t, "Cu-Ag at 1000 K: binodal c1 = 0.034 (+-0.001)", c1, 0.034, 0.001));
  PetscCall(Check(t, "Cu-Ag at 1000 K: binodal c2 = 0.897 (+-0.001)", c2, 0.897, 0.001));
  PetscCall(Check(t, "Cu-Ag at 1000 K: spinodal c1 = 0.138 (+-0.001)", s1, 0.138, 0.001));
  PetscCall(Check(t, "Cu-Ag at 1000 K: spinodal c2 = 0.712 (+-0.001)", s2, 0.712, 0.001));
  PetscCall(PetscSNPrintf(what, sizeof(what), "Cu-Ag at 1000 K: the Cu-rich solubility (%.4f) is far smaller than the Ag-rich one (%.4f)", (double)c1, (double)(1 - c2)));
  PetscCall(CheckTrue(t, what, (PetscBool)(c1 < 0.5 * (1 - c2))));

  /* the common tangent to 1e-10 (in RT) at several temperatures, both signs of L1 */
  worst = 0;
  for (PetscInt k = 0; k < 2; k++) {
    const ThermoRK p = k ? (ThermoRK){33819.1, -8.1236, -5601.9, 1.32997} : cuag;
    for (PetscInt i = 0; i < 6; i++) {
      const PetscReal T = 400.0 + 180.0 * i, RT = UPHILL_R * T;
      PetscCall(ThermoRKBinodal(&p, T, &c1, &c2, &ex));
      if (!ex) continue;
      worst = PetscMax(worst, PetscAbsReal(ThermoRKDF(&p, c1, T) - ThermoRKDF(&p, c2, T)) / RT);
      worst = PetscMax(worst, PetscAbsReal((ThermoRKF(&p, c2, T) - ThermoRKF(&p, c1, T)) - ThermoRKDF(&p, c1, T) * (c2 - c1)) / RT);
    }
  }
  PetscCall(TallyBound(t, "Redlich-Kister common tangent: |f'(c1) - f'(c2)| and |f(c2) - f(c1) - f'(c1)(c2 - c1)| in RT, 400..1300 K, L1 of both signs", worst, 1e-10));

  /* binodal and spinodal meet at the critical point: at Tc (1 - eps) all four compositions lie
   * within O(sqrt eps) of cc, and the distance shrinks as sqrt(eps) */
  {
    PetscReal d[2];
    for (PetscInt j = 0; j < 2; j++) {
      const PetscReal eps = j ? 1e-6 : 1e-4;
      PetscCall(ThermoRKBinodal(&cuag, Tc * (1 - eps), &c1, &c2, &ex));
      PetscCall(ThermoRKSpinodal(&cuag, Tc * (1 - eps), &s1, &s2, &ex2));
      d[j] = PetscMax(PetscMax(PetscAbsReal(c1 - cc), PetscAbsReal(c2 - cc)), PetscMax(PetscAbsReal(s1 - cc), PetscAbsReal(s2 - cc)));
      PetscCall(PetscSNPrintf(what, sizeof(what), "Cu-Ag at T = Tc (1 - %g): binodal %.6f/%.6f and spinodal %.6f/%.6f surround cc = %.6f", (double)eps, (double)c1, (double)c2, (double)s1, (double)s2, (double)cc));
      PetscCall(CheckTrue(t, what, (PetscBool)(ex && ex2 && c1 < s1 && s1 < cc + 1e-9 && cc - 1e-9 < s2 && s2 < c2)));
    }
    PetscCall(Check(t, "Cu-Ag: the gap closes at the critical point as sqrt(Tc - T): width ratio for 100x closer to Tc", d[0] / d[1], 10.0, 1.0));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Coherency strain against closed forms (Cahn 1962, Khachaturyan): B<100> = 2 eta^2 (C11+2C12)(C11-C12)/C11,
 * B<111> = 2 eta^2 6 C44 (C11+2C12)/(C11+2C12+4C44), isotropic B = 2 eta^2 E/(1-nu) in every direction. */
static PetscErrorCode TestElastic(Tally *t)
{
  const ThermoElastic cu = {0.05, 168.4e9, 121.4e9, 75.4e9};
  const PetscReal     K3 = cu.C11 + 2 * cu.C12, e2 = 2 * cu.eta * cu.eta, r3 = 1 / PetscSqrtReal(3.0);
  const PetscReal     n100[3] = {1, 0, 0}, n010[3] = {0, 1, 0}, n111[3] = {r3, r3, r3};
  const PetscReal     B100 = e2 * K3 * (cu.C11 - cu.C12) / cu.C11, B111 = e2 * 6 * cu.C44 * K3 / (K3 + 4 * cu.C44);
  ThermoElastic       iso  = cu;
  PetscReal           Bmin, Bmax, nmin[3], w_iso = 0, E, nu;

  PetscFunctionBeginUser;
  PetscCall(Check(t, "B<100> (Cu, eta 0.05) = 2 eta^2 (C11+2C12)(C11-C12)/C11, rel", ThermoElasticB(&cu, n100) / B100, 1.0, 1e-13));
  PetscCall(Check(t, "B<010> = B<100> (cubic symmetry), rel", ThermoElasticB(&cu, n010) / B100, 1.0, 1e-13));
  PetscCall(Check(t, "B<111> = 12 eta^2 C44 (C11+2C12)/(C11+2C12+4C44), rel", ThermoElasticB(&cu, n111) / B111, 1.0, 1e-13));
  PetscCall(ThermoElasticRange(&cu, &Bmin, &Bmax, nmin));
  PetscCall(Check(t, "Cu (C11-C12-2C44 < 0): the soft direction is <100>, Bmin = B<100>, rel", Bmin / B100, 1.0, 1e-12));
  PetscCall(Check(t, "Cu: the soft direction found is a cube axis (max |n_p| = 1)", PetscMax(PetscMax(PetscAbsReal(nmin[0]), PetscAbsReal(nmin[1])), PetscAbsReal(nmin[2])), 1.0, 1e-12));
  PetscCall(Check(t, "Cu: the hard direction is <111>, Bmax = B<111>, rel", Bmax / B111, 1.0, 1e-3));
  iso.C44 = 0.5 * (iso.C11 - iso.C12);
  nu      = iso.C12 / (iso.C11 + iso.C12);
  E       = (iso.C11 - iso.C12) * (iso.C11 + 2 * iso.C12) / (iso.C11 + iso.C12);
  for (PetscInt i = 0; i < 50; i++) {
    const PetscReal th = 0.37 * i, ph = 1.3 * i + 0.2, v[3] = {PetscSinReal(th) * PetscCosReal(ph), PetscSinReal(th) * PetscSinReal(ph), PetscCosReal(th)};
    w_iso = PetscMax(w_iso, PetscAbsReal(ThermoElasticB(&iso, v) / (e2 * E / (1 - nu)) - 1));
  }
  PetscCall(Check(t, "isotropic (C44 = (C11-C12)/2): B = 2 eta^2 E/(1-nu) in 50 directions, rel", w_iso, 0.0, 1e-13));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The bulk energy sum of the regular model (vectorized, SLEEF's 3.5-ulp logs where built):
 * against a long-double sum, and NaN for a c off (0,1) in the vector body and in the tail. */
static PetscErrorCode TestSumF(Tally *t)
{
  const ThermoModel m = {.kind = THERMO_MODEL_REGULAR, .chi = 2.5, .hchi = 2.5, .chi1 = 0.7, .r = 1.0, .kappa = 1.0};
  PetscReal         c[NSWEEP], got;
  long double       want = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NSWEEP; i++) {
    const long double x = c[i] = SweepC(i);
    want += x * (1 - x) * (m.chi + m.chi1 * (1 - 2 * x)) + x * logl(x) + (1 - x) * logl(1 - x);
  }
  got = ThermoModelSumF(&m, c, NSWEEP);
  PetscCall(PetscPrintf(t->comm, "vector math: %s\n", UphillVecMathKind()));
  PetscCall(TallyBound(t, "sum of f over 999 c (odd: vector body and tail), relative to a long-double sum", PetscAbsReal(got / (PetscReal)want - 1.0), 1e-13));
  c[3] = -0.01;
  PetscCall(CheckTrue(t, "sum of f is NaN for a c < 0 in the vector body", (PetscBool)PetscIsNanReal(ThermoModelSumF(&m, c, NSWEEP))));
  c[3]          = SweepC(3);
  c[NSWEEP - 1] = 1.2;
  PetscCall(CheckTrue(t, "sum of f is NaN for a c > 1 in the tail", (PetscBool)PetscIsNanReal(ThermoModelSumF(&m, c, NSWEEP))));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The step's last pass: c = scale in, the bulk sum and the bounds in one loop, against
 * ThermoModelSumF and plain min/max (both models, vector body and tail), and a NaN counted. */
static PetscErrorCode TestScaleSumF(Tally *t)
{
  const ThermoModel reg  = {.kind = THERMO_MODEL_REGULAR, .chi = 2.5, .hchi = 2.5, .chi1 = 0.7, .r = 1.0, .kappa = 1.0};
  const ThermoModel poly = {.kind = THERMO_MODEL_POLYNOMIAL, .rho = 5.0, .ca = 0.3, .cb = 0.7, .kappa = 2.0, .mobility = 5.0};
  const ThermoModel *ms[2] = {&reg, &poly};
  const PetscReal    scale = 1.0 / 4096;
  PetscReal          in[NSWEEP], c[NSWEEP], worst = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NSWEEP; i++) in[i] = SweepC((i * 37) % NSWEEP) / scale;
  for (PetscInt j = 0; j < 2; j++) {
    PetscReal mx[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0}, lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL;
    const PetscReal got = ThermoModelScaleSumF(ms[j], in, scale, c, NSWEEP, mx), want = ThermoModelSumF(ms[j], c, NSWEEP);
    for (PetscInt i = 0; i < NSWEEP; i++) {
      worst = PetscMax(worst, PetscAbsReal(c[i] - scale * in[i]));
      lo    = PetscMin(lo, c[i]);
      hi    = PetscMax(hi, c[i]);
    }
    worst = PetscMax(worst, PetscAbsReal(got / want - 1.0));
    worst = PetscMax(worst, PetscAbsReal(-mx[0] - lo) + PetscAbsReal(mx[1] - hi) + mx[2]);
  }
  PetscCall(TallyBound(t, "scale-and-sum pass = scale, then sum of f and min/max (both models, 999 values)", worst, 1e-13));
  {
    PetscReal mx[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0}, sum;
    in[5]           = NAN;
    sum             = ThermoModelScaleSumF(&reg, in, scale, c, NSWEEP, mx);
    PetscCall(CheckTrue(t, "scale-and-sum pass: a NaN in the vector body is counted and makes the sum NaN", (PetscBool)(mx[2] == 1 && PetscIsNanReal(sum))));
    in[5]          = SweepC(5) / scale;
    in[NSWEEP - 1] = -0.5 / scale;
    mx[0] = mx[1] = -PETSC_MAX_REAL;
    mx[2]         = 0;
    sum           = ThermoModelScaleSumF(&reg, in, scale, c, NSWEEP, mx);
    PetscCall(CheckTrue(t, "scale-and-sum pass: a c < 0 in the tail is the minimum and makes the sum NaN", (PetscBool)(mx[0] == 0.5 && PetscIsNanReal(sum))));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every vector-math build this processor can run (AVX-512, AVX2, scalar), not only the one
 * the program picks: the bulk sum against a long-double one, the step's finish pass against
 * scale-then-sum with plain min/max, and NaN off (0,1) in the vector body. */
static PetscErrorCode TestVecMathImplementations(Tally *t)
{
  UphillVecMathImpl impl[3];
  const PetscInt    ni = UphillVecMathImplementations(impl);
  const PetscReal   chi = 2.5, chi1 = 0.7, scale = 0.25;
  PetscReal         c[NSWEEP], in[NSWEEP], out[NSWEEP];
  long double       want = 0;
  char              what[160];

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < NSWEEP; i++) {
    const long double x = c[i] = SweepC((i * 37) % NSWEEP);
    in[i]                      = c[i] / scale;
    want += x * (1 - x) * (chi + chi1 * (1 - 2 * x)) + x * logl(x) + (1 - x) * logl(1 - x);
  }
  for (PetscInt j = 0; j < ni; j++) {
    PetscReal mx[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0}, lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, worst;
    const PetscReal sum = impl[j].sum(c, NSWEEP, chi, chi1), fin = impl[j].finish(in, scale, out, NSWEEP, chi, chi1, mx);
    for (PetscInt i = 0; i < NSWEEP; i++) {
      lo = PetscMin(lo, c[i]);
      hi = PetscMax(hi, c[i]);
    }
    worst = PetscMax(PetscAbsReal(sum / (PetscReal)want - 1.0), PetscAbsReal(fin / (PetscReal)want - 1.0));
    worst = PetscMax(worst, PetscAbsReal(-mx[0] - lo) + PetscAbsReal(mx[1] - hi) + mx[2]);
    for (PetscInt i = 0; i < NSWEEP; i++) worst = PetscMax(worst, PetscAbsReal(out[i] - c[i]));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s build: sum of f and the finish pass against a long-double sum, its bounds exact", impl[j].name));
    PetscCall(TallyBound(t, what, worst, 1e-13));
    c[8]  = -0.01;
    in[8] = NAN;
    mx[2] = 0;
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s build: NaN sum for a c < 0, NaN counted by the finish pass", impl[j].name));
    PetscCall(CheckTrue(t, what, (PetscBool)(PetscIsNanReal(impl[j].sum(c, NSWEEP, chi, chi1)) && PetscIsNanReal(impl[j].finish(in, scale, out, NSWEEP, chi, chi1, mx)) && mx[2] == 1)));
    c[8]  = SweepC((8 * 37) % NSWEEP);
    in[8] = c[8] / scale;
  }
  PetscCall(CheckTrue(t, "the scalar build is always among the implementations", (PetscBool)(ni >= 1 && !strcmp(impl[ni - 1].name, "scalar"))));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "Unit tests of uphill thermodynamics"));
  t.comm = PETSC_COMM_SELF;
  PetscCall(TestMobilityPhi(&t));
  PetscCall(TestDerivatives(&t));
  PetscCall(TestMixing(&t));
  PetscCall(TestDiffusivity(&t));
  PetscCall(TestPhaseDiagram(&t));
  PetscCall(TestStability(&t));
  PetscCall(TestPolynomial(&t));
  PetscCall(TestRedlichKister(&t));
  PetscCall(TestElastic(&t));
  PetscCall(TestSumF(&t));
  PetscCall(TestScaleSumF(&t));
  PetscCall(TestVecMathImplementations(&t));
  PetscCall(TallySummary(&t));
  PetscCall(PetscFinalize());
  return t.failed > 0 ? 1 : 0;
}

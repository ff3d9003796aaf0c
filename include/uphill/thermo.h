#pragma once
/* Thermodynamics and kinetics of a binary A-B solid solution (DESIGN.md section 1).
 *
 * Pure functions: no MPI, no FFTW, no global state. Pointwise quantities return
 * their value; anything that iterates or can fail returns a PetscErrorCode.
 * Units are SI (J/mol, K, m^2/s) unless the name says "Reduced". c is the mole
 * fraction of B. */
#include <petscsys.h>
#include <uphill/compat.h>

#define UPHILL_R 8.314462618 /* gas constant, J/(mol K) */

/* ---- regular solution, SI ---- */
PetscReal ThermoRegularF(PetscReal c, PetscReal omega, PetscReal T);   /* f(c), J/mol */
PetscReal ThermoRegularDF(PetscReal c, PetscReal omega, PetscReal T);  /* f'(c) */
PetscReal ThermoRegularD2F(PetscReal c, PetscReal omega, PetscReal T); /* f''(c) */
PetscReal ThermoPhi(PetscReal c, PetscReal omega, PetscReal T);        /* 1 - 2 Omega c(1-c)/RT */
PetscReal ThermoMobility(PetscReal c, PetscReal Dstar, PetscReal T);   /* D* c(1-c)/RT */
PetscReal ThermoMobilityDarken(PetscReal c, PetscReal DA, PetscReal DB, PetscReal T);
PetscReal ThermoDarkenDstar(PetscReal c, PetscReal DA, PetscReal DB); /* (1-c) DA + c DB */

/* ---- tracer diffusivity ---- */
PetscReal ThermoDstarArrhenius(PetscReal D0, PetscReal Q, PetscReal T);
/* D* = f (z a^2/6) nu exp(-(Qf+Qm)/RT), seed self-diffusion */
PetscReal ThermoDstarVacancy(PetscReal fcorr, PetscReal z, PetscReal a, PetscReal nu, PetscReal Qf, PetscReal Qm, PetscReal T);

/* ---- phase diagram of the symmetric regular solution ---- */
PetscReal      ThermoCriticalT(PetscReal omega);                 /* Tc = Omega/2R */
PetscReal      ThermoSpinodalT(PetscReal omega, PetscReal c);    /* T with Phi(c)=0 */
PetscErrorCode ThermoSpinodal(PetscReal omega, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists);
PetscErrorCode ThermoBinodal(PetscReal omega, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists);

/* ---- mixing thermodynamics per mole ---- */
PetscReal ThermoSmix(PetscReal c);                               /* -R[c ln c + (1-c) ln(1-c)] */
PetscReal ThermoHmix(PetscReal c, PetscReal omega);              /* Omega c(1-c) */
PetscReal ThermoGmix(PetscReal c, PetscReal omega, PetscReal T); /* H - T S */

/* ---- linear stability of a uniform state (any consistent units) ---- */
PetscReal      ThermoGrowthRate(PetscReal k, PetscReal M0, PetscReal fpp, PetscReal kappa); /* R(k) */
PetscErrorCode ThermoFastestMode(PetscReal M0, PetscReal fpp, PetscReal kappa, PetscReal *km, PetscReal *lambda_m, PetscReal *Rmax, PetscBool *unstable);

/* ---- polynomial double well f = rho (c-ca)^2 (cb-c)^2 ---- */
PetscReal      ThermoPolyF(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb);
PetscReal      ThermoPolyDF(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb);
PetscReal      ThermoPolyD2F(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb);
/* Landau (quartic) equivalent of the regular solution about c = 1/2, valid for chi > 2 */
PetscErrorCode ThermoPolyEquivalent(PetscReal omega, PetscReal T, PetscReal *rho, PetscReal *ca, PetscReal *cb, PetscBool *valid);
/* f'' = 0 of the double well: c = (ca+cb)/2 -/+ (cb-ca)/(2 sqrt 3) */
PetscErrorCode ThermoPolySpinodal(PetscReal ca, PetscReal cb, PetscReal *c1, PetscReal *c2);

/* ---- equilibrium interface width delta = (c2 - c1) / max_c sqrt(2 df(c)/kappa), df the free
 * energy above the common tangent between the coexisting compositions c1 < c2 ---- */
/* regular solution in reduced units (kappa = 1): delta in l = sqrt(kappa/RT); exists = FALSE for chi <= 2 */
PetscErrorCode ThermoInterfaceWidthReduced(PetscReal chi, PetscReal *delta, PetscBool *exists);
/* double well, in the model's own units */
PetscErrorCode ThermoInterfaceWidthPoly(PetscReal rho, PetscReal ca, PetscReal cb, PetscReal kappa, PetscReal *delta);

/* ---- reduced units (energy RT, length sqrt(kappa/RT), time l^2/D*), chi = Omega/RT ----
 * Used by the solver kernels. They clamp c into [eps, 1-eps] before any logarithm so a
 * bound excursion is finite here and is reported by the caller, not turned into NaN. */
#define THERMO_C_EPS 1e-12
PetscReal ThermoReducedDF(PetscReal c, PetscReal chi);  /* ln(c/(1-c)) + chi (1-2c) */
PetscReal ThermoReducedF(PetscReal c, PetscReal chi);   /* chi c(1-c) + c ln c + (1-c) ln(1-c) */
PetscReal ThermoReducedPhi(PetscReal c, PetscReal chi); /* 1 - 2 chi c(1-c) */
PetscReal ThermoReducedD2F(PetscReal c, PetscReal chi); /* 1/(c(1-c)) - 2 chi = Phi/(c(1-c)) */

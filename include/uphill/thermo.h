#pragma once
/* Thermodynamics and kinetics of a binary A-B solid solution (DESIGN.md section 1).
 *
 * Pure functions: no MPI, no FFTW, no global state. Pointwise quantities return
 * their value; anything that iterates or can fail returns a PetscErrorCode.
 * Units are SI (J/mol, K, m^2/s) unless the name says "Reduced". c is the mole
 * fraction of B. */
#include <petscsys.h>
#include <uphill/compat.h>

#define UPHILL_R  8.314462618   /* gas constant, J/(mol K) */
#define UPHILL_NA 6.02214076e23 /* Avogadro constant, 1/mol */

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

/* ---- Redlich-Kister (sub-regular) solution, c = x_B ----
 *   G_ex = c(1-c) [L0 + L1 (1-2c)],  L_j(T) = a_j + b_j T
 * The regular solution is L0 = Omega, L1 = 0. Energies in J/mol at temperature T. */
typedef struct {
  PetscReal a0, b0; /* L0 = a0 + b0 T: J/mol, J/(mol K) */
  PetscReal a1, b1; /* L1 = a1 + b1 T */
} ThermoRK;

PetscReal      ThermoRKL0(const ThermoRK *p, PetscReal T);
PetscReal      ThermoRKL1(const ThermoRK *p, PetscReal T);
PetscReal      ThermoRKF(const ThermoRK *p, PetscReal c, PetscReal T);   /* f = G_ex + RT[c ln c + (1-c) ln(1-c)] */
PetscReal      ThermoRKDF(const ThermoRK *p, PetscReal c, PetscReal T);  /* f' */
PetscReal      ThermoRKD2F(const ThermoRK *p, PetscReal c, PetscReal T); /* f'' */
PetscReal      ThermoRKPhi(const ThermoRK *p, PetscReal c, PetscReal T); /* c(1-c) f''/RT */
PetscReal      ThermoRKHmix(const ThermoRK *p, PetscReal c, PetscReal T); /* H_mix = G_ex - T dG_ex/dT */
/* the temperature below which c is inside the spinodal (f''(c) = 0); <= 0 when never */
PetscReal      ThermoRKSpinodalT(const ThermoRK *p, PetscReal c);
/* the critical point: the top of the spinodal (and of the miscibility gap) */
PetscErrorCode ThermoRKCritical(const ThermoRK *p, PetscReal *Tc, PetscReal *cc, PetscBool *exists);
PetscErrorCode ThermoRKSpinodal(const ThermoRK *p, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists);
/* the common tangent, f'(c1) = f'(c2) and f(c2) - f(c1) = f'(c1)(c2 - c1), c1 < c2 */
PetscErrorCode ThermoRKBinodal(const ThermoRK *p, PetscReal T, PetscReal *c1, PetscReal *c2, PetscBool *exists);

/* ---- coherency strain (Khachaturyan's microelasticity, homogeneous modulus) ----
 * Eigenstrain eps0_ij = eta (c - cbar) delta_ij, eta = (1/a) da/dc (Vegard), cubic elastic
 * constants C11, C12, C44 (Pa). A composition wave along the unit vector n costs
 *   E_el = (V/2) sum_k B(n_k) |c_k|^2,   B(n) = eta^2 (C11+2C12) [3 - (C11+2C12) n.Omega(n).n],
 *   n.Omega.n = S / (1 + (C12+C44) S),  S = sum_p n_p^2 / (C44 + xi n_p^2),  xi = C11 - C12 - 2 C44
 * B is an energy per volume (Pa): times Vm per mole. Isotropic (xi = 0): B = 2 eta^2 E/(1-nu)
 * for every n; cubic: the soft directions are <100> when xi < 0. */
typedef struct {
  PetscReal eta, C11, C12, C44;
} ThermoElastic;

PetscReal ThermoElasticB(const ThermoElastic *e, const PetscReal n[3]); /* B(n), Pa; n a unit vector */
/* min and max of B over directions (the soft and the hard one), with a direction of the min */
PetscErrorCode ThermoElasticRange(const ThermoElastic *e, PetscReal *Bmin, PetscReal *Bmax, PetscReal nmin[3]);

/* B(n) of the model in its units (el_scale B, 0 at k = 0 and without elasticity), from the
 * squared wavevector components: the form UphillGridEvalSpectral takes (ctx: ThermoModel) */
PetscReal ThermoModelElasticKernel(const PetscReal k2[3], void *ctx);

/* ---- mixing thermodynamics per mole ---- */
PetscReal ThermoSmix(PetscReal c);                               /* -R[c ln c + (1-c) ln(1-c)] */
PetscReal ThermoHmix(PetscReal c, PetscReal omega);              /* Omega c(1-c) */
PetscReal ThermoGmix(PetscReal c, PetscReal omega, PetscReal T); /* H - T S */

/* ---- linear stability of a uniform state (any consistent units) ---- */
PetscReal      ThermoGrowthRate(PetscReal k, PetscReal M0, PetscReal fpp, PetscReal kappa); /* R(k) */
PetscErrorCode ThermoFastestMode(PetscReal M0, PetscReal fpp, PetscReal kappa, PetscReal *km, PetscReal *lambda_m, PetscReal *Rmax, PetscBool *unstable);

/* ---- polynomial double well f = rho (c-ca)^2 (cb-c)^2 ---- */
/* inline: the solver evaluates f' at every point of every step */
static inline PetscReal ThermoPolyF(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb)
{
  /* f = rho (c-ca)^2 (cb-c)^2 */
  const PetscReal a = c - ca, b = cb - c;
  return rho * a * a * b * b;
}
static inline PetscReal ThermoPolyDF(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb)
{
  /* f' = 2 rho (c-ca)(cb-c)(ca+cb-2c) */
  const PetscReal a = c - ca, b = cb - c;
  return 2.0 * rho * a * b * (b - a);
}
static inline PetscReal ThermoPolyD2F(PetscReal c, PetscReal rho, PetscReal ca, PetscReal cb)
{
  /* f'' = 2 rho [(c-ca)^2 + (cb-c)^2 - 4 (c-ca)(cb-c)] */
  const PetscReal a = c - ca, b = cb - c;
  return 2.0 * rho * (a * a + b * b - 4.0 * a * b);
}
/* Landau (quartic) equivalent of the regular solution about c = 1/2, valid for chi > 2 */
PetscErrorCode ThermoPolyEquivalent(PetscReal omega, PetscReal T, PetscReal *rho, PetscReal *ca, PetscReal *cb, PetscBool *valid);
/* f'' = 0 of the double well: c = (ca+cb)/2 -/+ (cb-ca)/(2 sqrt 3) */
PetscErrorCode ThermoPolySpinodal(PetscReal ca, PetscReal cb, PetscReal *c1, PetscReal *c2);

/* ---- equilibrium interface width delta = (c2 - c1) / max_c sqrt(2 df(c)/kappa), df the free
 * energy above the common tangent between the coexisting compositions c1 < c2 ---- */
/* regular solution in reduced units (kappa = 1): delta in l = sqrt(kappa/RT); exists = FALSE for chi <= 2 */
PetscErrorCode ThermoInterfaceWidthReduced(PetscReal chi, PetscReal *delta, PetscBool *exists);
/* Redlich-Kister solution at T: delta in l = sqrt(kappa/RT) */
PetscErrorCode ThermoInterfaceWidthRK(const ThermoRK *p, PetscReal T, PetscReal *delta, PetscBool *exists);
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

/* ---- the model in the solver's units ----
 * Regular (Redlich-Kister) solution in reduced units (energy RT, length l = sqrt(kappa/RT),
 * time l^2/D*_A):
 *   f = c(1-c)[chi + chi1 (1-2c)] + c ln c + (1-c) ln(1-c),   M = c(1-c)[(1-c) + r c],
 *   kappa = 1, chi = L0/RT, chi1 = L1/RT (0 for the regular solution),
 * r = D*_B/D*_A (1 for one tracer). Polynomial double well in its own units:
 *   f = rho (c-ca)^2 (cb-c)^2,  M constant. */
typedef enum { THERMO_MODEL_REGULAR, THERMO_MODEL_POLYNOMIAL } ThermoModelKind;

typedef struct {
  ThermoModelKind kind;
  PetscReal       chi, chi1, r;           /* regular: L0/RT, L1/RT (Redlich-Kister), D*_B/D*_A */
  PetscReal       hchi, hchi1;            /* regular: the enthalpy parts a0/RT, a1/RT of L0, L1 */
  PetscBool       elastic;                /* coherency strain on (regular model) */
  ThermoElastic   el;                     /* its constants (SI) */
  PetscReal       el_scale;               /* B (Pa) -> the model's units: Vm/RT */
  PetscReal       rho, ca, cb, mobility;  /* polynomial */
  PetscReal       kappa;                  /* 1 for the regular model */
} ThermoModel;

PetscReal ThermoModelF(const ThermoModel *m, PetscReal c);        /* bulk f */
PetscReal ThermoModelDF(const ThermoModel *m, PetscReal c);       /* f' */
PetscReal ThermoModelD2F(const ThermoModel *m, PetscReal c);      /* f'' */
PetscReal ThermoModelExcessD2F(const ThermoModel *m, PetscReal c); /* regular: f'' less the ideal 1/(c(1-c)) */
PetscReal ThermoModelMobility(const ThermoModel *m, PetscReal c); /* M(c) */
PetscReal ThermoModelMaxMobility(const ThermoModel *m);           /* max of M over [0,1] */
/* Per mole, regular model only (NaN for the polynomial one): H_mix/RT = chi c(1-c) and
 * S_mix/R = -[c ln c + (1-c) ln(1-c)] */
PetscReal ThermoModelHmix(const ThermoModel *m, PetscReal c);
PetscReal ThermoModelSmix(const ThermoModel *m, PetscReal c);
/* f'(c) of n values into df (in place allowed); the logarithm of the regular solution is
 * vectorized (vecmath.h), with c clamped into [THERMO_C_EPS, 1 - THERMO_C_EPS] (NaN passes) */
void ThermoModelDFArray(const ThermoModel *m, const PetscReal *c, PetscReal *df, PetscInt n);
/* sum of the bulk f over n values; vectorized logs (vecmath.h) for the regular model, so a
 * value outside (0,1) gives NaN, which the caller's checks must see */
PetscReal ThermoModelSumF(const ThermoModel *m, const PetscReal *c, PetscInt n);
/* c = scale in (n values) and the same sum over c, with the bounds merged into mx: max(mx[0],
 * -min c), max(mx[1], max c), max(mx[2], the count of NaN or Inf) */
PetscReal ThermoModelScaleSumF(const ThermoModel *m, const double *in, PetscReal scale, PetscReal *c, PetscInt n, PetscReal mx[3]);

/* M = c(1-c)[(1-c) + r c] with c clamped to [0,1]: a c pushed outside must not give a
 * negative mobility (anti-diffusion); the excursion itself is reported by bound checks. */
static inline PetscReal ThermoReducedMobility(PetscReal c, PetscReal r)
{
  const PetscReal cc = c < 0.0 ? 0.0 : (c > 1.0 ? 1.0 : c);
  return cc * (1.0 - cc) * (1.0 + (r - 1.0) * cc);
}


/* MPI tests of the VALUES of the diagnostics columns (src/diag.c) through the library API,
 * against closed forms and direct counts:
 *
 *  (a) a uniform field c = c0: mixing entropy -[c0 ln c0 + (1-c0) ln(1-c0)] V (in R, with
 *      the unit factors 1), mixing enthalpy chi c0(1-c0) V, bulk f(c0) V, no gradient energy,
 *      spinodal fraction 1 or 0 as Phi(c0) = 1 - 2 chi c0(1-c0) is negative or not, length the
 *      box (no structure), dissipation 0; 2D, 3D and an odd N; the polynomial model's
 *      undefined columns are NaN;
 *  (b) two-phase fields: sharp 0.1 | 0.9 halves (no point in the spinodal), a tanh profile
 *      (spinodal fraction = a direct count of the points between the spinodal compositions),
 *      three sharp stripes 0.1 | 0.5 | 0.9 (fraction = the 0.5 stripe's share of columns);
 *  (c) a cosine mode c0 + a cos(2 pi m.x/L): length = L/|m| to round-off along an axis, for
 *      the 2D oblique modes (3,4) and (6,8) and the 3D mode (1,2,2), whose |m| are integers;
 *      a mode with a non-integer |m| lands in the nearest shell (checked: within half a shell);
 *  (d) dissipation = -dF/dt: one first-order step of h = 1e-5 from a smooth field,
 *      (F(h) - F(0))/h against -D to 1e-3 (regular with the log-free and the logarithmic flux,
 *      Darken r = 3, polynomial, 3D regular);
 *  (e) the unit factors of UphillDiagParams scale each column as documented;
 *  (f) the structure factor of one mode (square, rectangular and cubic boxes): its shell,
 *      S = a^2/(2 n_s) there against a direct count of the shell's modes, 0 elsewhere, and
 *      the list of shells written.
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/diag.h>
#include <uphill/scheme.h>
#include <uphill/package.h>
#include "tally.h"

/* ---- set-up ------------------------------------------------------------------------------ */

static ThermoModel Regular(PetscReal chi, PetscReal r)
{
  ThermoModel m;
  (void)PetscMemzero(&m, sizeof(m));
  m.kind  = THERMO_MODEL_REGULAR;
  m.chi   = chi;
  m.hchi  = chi; /* a regular solution: L0 = Omega is all enthalpy */
  m.r     = r;
  m.kappa = 1.0;
  return m;
}

static ThermoModel Poly(void)
{
  ThermoModel m;
  (void)PetscMemzero(&m, sizeof(m));
  m.kind     = THERMO_MODEL_POLYNOMIAL;
  m.rho      = 5.0;
  m.ca       = 0.3;
  m.cb       = 0.7;
  m.kappa    = 2.0;
  m.mobility = 5.0;
  m.r        = 1.0;
  return m;
}

typedef struct {
  ThermoModel    m;
  PetscReal      L;
  UphillGrid     g;
  UphillGridInfo gi;
  UphillScheme   s;
  UphillDiag     d;
  Vec            c;
  PetscReal      V; /* box volume (area in 2D), reduced units */
} Setup;

/* a box of n[a] points and side len[a] per axis (SetupCreate: the cube) */
static PetscErrorCode SetupCreateBoxBC(MPI_Comm comm, PetscInt dim, const PetscInt n[3], const PetscReal len[3], PetscBool walls, const ThermoModel *m, UphillFluxForm flux, Setup *su);
static PetscErrorCode SetupCreateBox(MPI_Comm comm, PetscInt dim, const PetscInt n[3], const PetscReal len[3], const ThermoModel *m, UphillFluxForm flux, Setup *su)
{
  PetscFunctionBeginUser;
  PetscCall(SetupCreateBoxBC(comm, dim, n, len, PETSC_FALSE, m, flux, su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SetupCreate(MPI_Comm comm, PetscInt dim, PetscInt N, PetscReal L, const ThermoModel *m, UphillFluxForm flux, Setup *su)
{
  const PetscInt  n[3]   = {N, N, N};
  const PetscReal len[3] = {L, L, L};

  PetscFunctionBeginUser;
  PetscCall(SetupCreateBox(comm, dim, n, len, m, flux, su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SetupCreateBoxBC(MPI_Comm comm, PetscInt dim, const PetscInt n[3], const PetscReal len[3], PetscBool walls, const ThermoModel *m, UphillFluxForm flux, Setup *su)
{
  UphillGridParams   gp;
  UphillDiagParams   dp;
  UphillSchemeParams sp;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(su, sizeof(*su)));
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  PetscCall(PetscMemzero(&sp, sizeof(sp)));
  su->m  = *m;
  su->L  = len[0];
  gp.dim = dim;
  for (PetscInt a = 0; a < dim; a++) {
    gp.n[a]   = n[a];
    gp.len[a] = len[a];
  }
  gp.unit   = 1.0;
  gp.plan   = 0;
  gp.wisdom = "none";
  gp.walls  = walls;
  PetscCall(UphillGridCreate(comm, &gp, &su->g));
  PetscCall(UphillGridGetInfo(su->g, &su->gi));
  sp.model = *m;
  sp.order = 1;
  sp.flux  = flux;
  sp.A = sp.S = -1;
  PetscCall(UphillSchemeCreate(su->g, &sp, &su->s));
  dp.model  = *m;
  dp.energy = dp.entropy = dp.length = dp.time = 1.0;
  PetscCall(UphillDiagCreate(su->g, &dp, &su->d));
  PetscCall(UphillGridCreateVec(su->g, &su->c));
  su->V = su->gi.cell * (PetscReal)su->gi.ntot;
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

/* A field as a function of the point (coordinates x, grid indices ix) and parameters. */
typedef PetscReal (*Profile)(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm);

static PetscErrorCode Fill(Setup *su, Profile f, const PetscReal *prm)
{
  PetscScalar *x;

  PetscFunctionBeginUser;
  PetscCall(VecGetArray(su->c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) {
    const PetscInt64 gi = UphillGridGlobalIndex(&su->gi, i);
    PetscReal        p[3];
    PetscInt         ix[3];
    UphillGridCoordinates(&su->gi, i, p);
    ix[0] = (PetscInt)(gi % su->gi.n[0]);
    ix[1] = (PetscInt)((gi / su->gi.n[0]) % su->gi.n[1]);
    ix[2] = su->gi.dim == 3 ? (PetscInt)(gi / ((PetscInt64)su->gi.n[0] * su->gi.n[1])) : 0;
    x[i]  = f(su, p, ix, prm);
  }
  PetscCall(VecRestoreArray(su->c, &x));
  PetscCall(UphillSchemeSetState(su->s, su->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The diagnostics of the scheme's current state (what a run's row reports). */
static PetscErrorCode Diag(Setup *su, UphillDiag d, UphillDiagValues *v)
{
  Vec                  c;
  const UphillComplex *chat;

  PetscFunctionBeginUser;
  PetscCall(UphillSchemeGetState(su->s, &c));
  PetscCall(UphillSchemeGetSpectralState(su->s, &chat));
  PetscCall(UphillDiagCompute(d, c, chat, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscReal Rel(PetscReal got, PetscReal want)
{
  return PetscAbsReal(got - want) / PetscMax(PetscAbsReal(want), PETSC_SMALL * PETSC_SMALL);
}

/* profiles */
static PetscReal Uniform(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  (void)su;
  (void)x;
  (void)ix;
  return prm[0];
}

/* prm: c0, amp, m0, m1, m2 */
static PetscReal Mode(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  const PetscReal a = 2.0 * PETSC_PI / su->L;
  (void)ix;
  return prm[0] + prm[1] * PetscCosReal(a * (prm[2] * x[0] + prm[3] * x[1] + prm[4] * x[2]));
}

/* prm: c0, amp, m0, m1, m2 with 2 pi m_a/len_a along each axis (a box) */
static PetscReal ModeBox(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  PetscReal ph = 0;
  (void)ix;
  for (PetscInt a = 0; a < su->gi.dim; a++) ph += 2.0 * PETSC_PI * prm[2 + a] * x[a] / su->gi.len[a];
  return prm[0] + prm[1] * PetscCosReal(ph);
}

/* prm: c0 */
static PetscReal Smooth(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  const PetscReal a = 2.0 * PETSC_PI / su->L;
  (void)ix;
  return prm[0] + 0.08 * PetscCosReal(a * x[0]) * PetscCosReal(a * x[1] + a * x[2]) + 0.04 * PetscSinReal(2 * a * x[0] - a * x[1]);
}

/* prm: low, high: low on the first half of the x columns, high on the second */
static PetscReal Halves(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  (void)x;
  return 2 * ix[0] < su->gi.n[0] ? prm[0] : prm[1];
}

/* prm: low, high, width: low + (high - low) s(x), s a periodic pair of tanh interfaces at
 * L/4 and 3L/4 */
static PetscReal Tanh(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  const PetscReal s = 0.5 * (PetscTanhReal((x[0] - 0.25 * su->L) / prm[2]) - PetscTanhReal((x[0] - 0.75 * su->L) / prm[2]));
  (void)ix;
  return prm[0] + (prm[1] - prm[0]) * s;
}

/* prm: a, b, c: the x columns in thirds */
static PetscReal Stripes(const Setup *su, const PetscReal x[3], const PetscInt ix[3], const PetscReal *prm)
{
  (void)x;
  return prm[3 * ix[0] / su->gi.n[0]];
}

/* ---- (a) uniform fields ------------------------------------------------------------------ */

static PetscErrorCode TestUniform(Tally *t, PetscInt dim, PetscInt N, PetscReal L, PetscReal chi, PetscReal c0)
{
  Setup            su;
  ThermoModel      m = Regular(chi, 1.0);
  UphillDiagValues v;
  const PetscReal  S = -(c0 * PetscLogReal(c0) + (1 - c0) * PetscLogReal(1 - c0)), H = chi * c0 * (1 - c0), phi = 1 - 2 * chi * c0 * (1 - c0);
  char             name[64];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, dim, N, L, &m, UPHILL_FLUX_IDEAL, &su));
  PetscCall(Fill(&su, Uniform, &c0));
  PetscCall(Diag(&su, su.d, &v));
  (void)snprintf(name, sizeof(name), "uniform c0 = %g, chi = %g, %" PetscInt_FMT "^%" PetscInt_FMT, (double)c0, (double)chi, N, dim);
  TallyCheckf(t, (PetscBool)(Rel(v.smix, S * su.V) <= 1e-12), "%s: mixing_entropy %.15g = -[c0 ln c0 + (1-c0) ln(1-c0)] V = %.15g (rel %.2e <= 1e-12)", name, (double)v.smix, (double)(S * su.V), (double)Rel(v.smix, S * su.V));
  TallyCheckf(t, (PetscBool)(Rel(v.hmix, H * su.V) <= 1e-12), "%s: mixing_enthalpy %.15g = chi c0(1-c0) V = %.15g (rel %.2e <= 1e-12)", name, (double)v.hmix, (double)(H * su.V), (double)Rel(v.hmix, H * su.V));
  TallyCheckf(t, (PetscBool)(Rel(v.bulk, (H - S) * su.V) <= 1e-12 && PetscAbsReal(v.grad) <= 1e-20 * su.V), "%s: bulk_energy %.15g = (H - S) V, gradient_energy %.3g = 0", name, (double)v.bulk, (double)v.grad);
  TallyCheckf(t, (PetscBool)(v.spinodal_fraction == (phi < 0 ? 1.0 : 0.0)), "%s: Phi(c0) = %+.4f, spinodal_fraction %g (want %g)", name, (double)phi, (double)v.spinodal_fraction, phi < 0 ? 1.0 : 0.0);
  TallyCheckf(t, (PetscBool)(Rel(v.length, L) <= 1e-12), "%s: length %.15g = the box %g (no structure)", name, (double)v.length, (double)L);
  TallyCheckf(t, (PetscBool)(PetscAbsReal(v.dissipation) <= 1e-20 * su.V), "%s: dissipation %.3g = 0", name, (double)v.dissipation);
  TallyCheckf(t, (PetscBool)(Rel(v.cmean, c0) <= PETSC_MACHINE_EPSILON * su.gi.ntot && v.cmin == c0 && v.cmax == c0), "%s: c_mean, c_min, c_max = c0 (%.17g %.17g %.17g)", name, (double)v.cmean, (double)v.cmin, (double)v.cmax);
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestUniformPoly(Tally *t)
{
  Setup            su;
  ThermoModel      m = Poly();
  UphillDiagValues v;
  const PetscReal  c0s[2] = {0.5, 0.25};

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, 2, 32, 32.0, &m, UPHILL_FLUX_IDEAL, &su));
  for (PetscInt j = 0; j < 2; j++) {
    const PetscReal c0 = c0s[j], f = ThermoPolyF(c0, m.rho, m.ca, m.cb), fpp = ThermoPolyD2F(c0, m.rho, m.ca, m.cb);
    PetscCall(Fill(&su, Uniform, &c0));
    PetscCall(Diag(&su, su.d, &v));
    TallyCheckf(t, (PetscBool)(PetscIsNanReal(v.smix) && PetscIsNanReal(v.hmix) && PetscIsNanReal(v.entropy_production)), "polynomial uniform c0 = %g: mixing entropy, enthalpy and entropy production are NaN (not defined)", (double)c0);
    TallyCheckf(t, (PetscBool)(Rel(v.bulk, f * su.V) <= 1e-12 && Rel(v.total, f * su.V) <= 1e-12), "polynomial uniform c0 = %g: bulk = free energy = f(c0) V = %.15g (got %.15g)", (double)c0, (double)(f * su.V), (double)v.bulk);
    TallyCheckf(t, (PetscBool)(v.spinodal_fraction == (fpp < 0 ? 1.0 : 0.0)), "polynomial uniform c0 = %g: f'' = %+.4f, spinodal_fraction %g", (double)c0, (double)fpp, (double)v.spinodal_fraction);
    TallyCheckf(t, (PetscBool)(Rel(v.length, 32.0) <= 1e-12 && PetscAbsReal(v.dissipation) <= 1e-20 * su.V), "polynomial uniform c0 = %g: length %.15g = box, dissipation %.3g = 0", (double)c0, (double)v.length, (double)v.dissipation);
  }
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- (b) two-phase fields: the spinodal fraction ------------------------------------------ */

/* Points strictly between the spinodal compositions of the model, over the box. */
static PetscErrorCode DirectSpinodalFraction(Setup *su, PetscReal *frac)
{
  const PetscScalar *x;
  Vec                c;
  PetscReal          c1, c2, n = 0;

  PetscFunctionBeginUser;
  if (su->m.kind == THERMO_MODEL_REGULAR) {
    const PetscReal q = PetscSqrtReal(1.0 - 2.0 / su->m.chi); /* Phi = 0 at c = (1 -/+ q)/2 */
    c1                = 0.5 * (1 - q);
    c2                = 0.5 * (1 + q);
  } else PetscCall(ThermoPolySpinodal(su->m.ca, su->m.cb, &c1, &c2));
  PetscCall(UphillSchemeGetState(su->s, &c));
  PetscCall(VecGetArrayRead(c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) n += (x[i] > c1 && x[i] < c2) ? 1.0 : 0.0;
  PetscCall(VecRestoreArrayRead(c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPIU_REAL, MPIU_SUM, su->gi.comm));
  *frac = n / (PetscReal)su->gi.ntot;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestTwoPhase(Tally *t)
{
  Setup            su;
  ThermoModel      m = Regular(3.0, 1.0), mp = Poly();
  UphillDiagValues v;
  PetscReal        direct;
  const PetscInt   N  = 60; /* a multiple of 2 and 3: halves and thirds are whole columns */
  const PetscReal  L  = 40.0;
  const PetscReal  hv[2] = {0.1, 0.9}, st[3] = {0.1, 0.5, 0.9}, th[3] = {0.1, 0.9, 1.5}, thp[3] = {0.25, 0.75, 2.0};
  const PetscReal  S1 = -(0.1 * PetscLogReal(0.1) + 0.9 * PetscLogReal(0.9));

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, 2, N, L, &m, UPHILL_FLUX_IDEAL, &su));
  /* sharp halves: both phases outside the spinodal (Phi(0.1) = Phi(0.9) = 0.46) */
  PetscCall(Fill(&su, Halves, hv));
  PetscCall(Diag(&su, su.d, &v));
  TallyCheckf(t, (PetscBool)(v.spinodal_fraction == 0.0), "halves 0.1 | 0.9 (chi 3): spinodal_fraction %g = 0", (double)v.spinodal_fraction);
  TallyCheckf(t, (PetscBool)(Rel(v.smix, S1 * su.V) <= 1e-12 && Rel(v.hmix, 3.0 * 0.09 * su.V) <= 1e-12), "halves 0.1 | 0.9: mixing entropy %.12g = S(0.1) V, enthalpy %.12g = chi 0.09 V", (double)v.smix, (double)v.hmix);
  TallyCheckf(t, (PetscBool)(Rel(v.cmean, 0.5) <= PETSC_MACHINE_EPSILON * su.gi.ntot && v.cmin == 0.1 && v.cmax == 0.9), "halves 0.1 | 0.9: c_mean %.17g, c_min %g, c_max %g", (double)v.cmean, (double)v.cmin, (double)v.cmax);
  /* three stripes: the 0.5 stripe (Phi = -0.5) is a third of the columns */
  PetscCall(Fill(&su, Stripes, st));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(DirectSpinodalFraction(&su, &direct));
  TallyCheckf(t, (PetscBool)(v.spinodal_fraction == direct && PetscAbsReal(direct - 1.0 / 3.0) < 1e-15), "stripes 0.1 | 0.5 | 0.9: spinodal_fraction %.17g = direct count %.17g = 1/3", (double)v.spinodal_fraction, (double)direct);
  /* a tanh profile: the interfaces cross the spinodal */
  PetscCall(Fill(&su, Tanh, th));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(DirectSpinodalFraction(&su, &direct));
  TallyCheckf(t, (PetscBool)(v.spinodal_fraction == direct && direct > 0 && direct < 0.5), "tanh 0.1 -> 0.9 (width 1.5): spinodal_fraction %.17g = direct count of c in the spinodal %.17g", (double)v.spinodal_fraction, (double)direct);
  PetscCall(SetupDestroy(&su));

  /* the polynomial model: its spinodal from f'' = 0 of the double well */
  PetscCall(SetupCreate(t->comm, 2, N, L, &mp, UPHILL_FLUX_IDEAL, &su));
  PetscCall(Fill(&su, Tanh, thp));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(DirectSpinodalFraction(&su, &direct));
  TallyCheckf(t, (PetscBool)(v.spinodal_fraction == direct && direct > 0 && direct < 0.5), "polynomial tanh 0.25 -> 0.75 (width 2): spinodal_fraction %.17g = direct count %.17g", (double)v.spinodal_fraction, (double)direct);
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- (c) the length of a single mode ------------------------------------------------------ */

static PetscErrorCode TestModeLength(Tally *t, PetscInt dim, PetscInt N, PetscReal L, PetscInt m0, PetscInt m1, PetscInt m2)
{
  Setup            su;
  ThermoModel      m = Regular(3.0, 1.0);
  UphillDiagValues v;
  const PetscReal  prm[5] = {0.4, 0.05, (PetscReal)m0, (PetscReal)m1, (PetscReal)m2};
  const PetscReal  mm = PetscSqrtReal((PetscReal)(m0 * m0 + m1 * m1 + m2 * m2)), lambda = L / mm;

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, dim, N, L, &m, UPHILL_FLUX_IDEAL, &su));
  PetscCall(Fill(&su, Mode, prm));
  PetscCall(Diag(&su, su.d, &v));
  if (mm == PetscFloorReal(mm)) {
    TallyCheckf(t, (PetscBool)(Rel(v.length, lambda) <= 1e-12), "mode (%d,%d,%d) in %g^%d: length %.15g = lambda = L/|m| = %.15g (rel %.2e <= 1e-12)", (int)m0, (int)m1, (int)m2, (double)L, (int)dim, (double)v.length, (double)lambda, (double)Rel(v.length, lambda));
  } else {
    /* |k| falls between shells: it counts at the nearest shell centre, so 2 pi/length is
     * within half a shell width (2 pi/L) of |k| */
    const PetscReal k = 2 * PETSC_PI / lambda, k1 = 2 * PETSC_PI / v.length, dk = 2 * PETSC_PI / L;
    TallyCheckf(t, (PetscBool)(PetscAbsReal(k1 - k) <= 0.5 * dk + 1e-12), "mode (%d,%d,%d), |m| = %.4f not an integer: 2 pi/length = %.6f within half a shell (%.6f) of |k| = %.6f (length %.6g, lambda %.6g)", (int)m0, (int)m1, (int)m2, (double)mm, (double)k1, (double)(0.5 * dk), (double)k, (double)v.length, (double)lambda);
  }
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- (f) the structure factor of a single mode ------------------------------------------ */

/* c0 + a cos(k.x) puts |c_k|^2 = a^2/4 on k and -k and nothing elsewhere: the shell
 * round(|k|/dk), dk = 2 pi/max(len), must hold S = 2 (a^2/4)/n_s, n_s the modes of the full
 * spectrum in that shell (counted here by walking every DFT index), at k = s dk; every other
 * shell 0; and the shells listed are the non-empty ones with (s + 1/2) dk <= the smallest
 * axis' largest |k|. A rectangular box checks that the bins follow the longest side. */
/* walls: cosine modes n = 0..N-1, k = pi n/L, shells of width pi/L_max up to pi (N-1)/L; the
 * mode cos(2 pi m x/L) at the cell centres is cosine mode 2m (one nonzero m only: a wave
 * oblique to the axes is no single cosine mode) */
static PetscErrorCode TestModeSpectrum(Tally *t, PetscBool walls, PetscInt dim, const PetscInt n[3], const PetscReal len[3], PetscInt m0, PetscInt m1, PetscInt m2)
{
  const PetscReal  kf = walls ? PETSC_PI : 2 * PETSC_PI; /* fundamental times L */
  enum { MAXS = 512 };
  Setup            su;
  ThermoModel      m      = Regular(3.0, 1.0);
  const PetscReal  prm[5] = {0.4, 0.05, (PetscReal)m0, (PetscReal)m1, (PetscReal)m2}, mv[3] = {(PetscReal)m0, (PetscReal)m1, (PetscReal)m2};
  PetscReal        dk = 0, kiso = PETSC_MAX_REAL, kmode = 0, k[MAXS], S[MAXS], other = 0, Sgot = -1, kgot = -1;
  PetscInt         count[MAXS] = {0}, ns, nexp = 0, shell;
  UphillDiagValues v;

  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < dim; a++) {
    dk = PetscMax(dk, len[a]);
    kiso  = PetscMin(kiso, PETSC_PI * (walls ? n[a] - 1 : n[a]) / len[a]);
    kmode += PetscSqr(2 * PETSC_PI * mv[a] / len[a]);
  }
  dk    = kf / dk;
  kmode = PetscSqrtReal(kmode);
  shell = (PetscInt)PetscFloorReal(kmode / dk + 0.5);
  for (PetscInt i = 0; i < n[0]; i++)
    for (PetscInt j = 0; j < (dim > 1 ? n[1] : 1); j++)
      for (PetscInt l = 0; l < (dim > 2 ? n[2] : 1); l++) {
        const PetscInt  idx[3] = {i, j, l};
        PetscReal       k2     = 0;
        PetscInt        sh;
        for (PetscInt a = 0; a < dim; a++) k2 += PetscSqr(kf * (walls || idx[a] <= n[a] / 2 ? idx[a] : idx[a] - n[a]) / len[a]);
        sh = (PetscInt)PetscFloorReal(PetscSqrtReal(k2) / dk + 0.5);
        if (sh < MAXS) count[sh]++;
      }
  for (PetscInt sh = 1; sh < MAXS && (sh + 0.5) * dk <= kiso * (1 + 1e-12); sh++) nexp += count[sh] > 0;
  PetscCall(SetupCreateBoxBC(t->comm, dim, n, len, walls, &m, UPHILL_FLUX_IDEAL, &su));
  PetscCall(Fill(&su, ModeBox, prm));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(UphillDiagGetStructureFactor(su.d, MAXS, k, S, &ns));
  for (PetscInt i = 0; i < ns; i++) {
    if (PetscAbsReal(k[i] - shell * dk) <= 1e-9 * dk) {
      Sgot = S[i];
      kgot = k[i];
    } else other = PetscMax(other, S[i]);
  }
  TallyCheckf(t, (PetscBool)(ns == nexp), "S(k) of mode (%d,%d,%d) in %gx%gx%g%s: %d shells listed, %d expected (non-empty, inside the isotropic range)", (int)m0, (int)m1, (int)m2, (double)len[0], (double)len[1], (double)(dim > 2 ? len[2] : 0), walls ? " between walls" : "", (int)ns, (int)nexp);
  TallyCheckf(t, (PetscBool)(Rel(Sgot, 2 * 0.25 * prm[1] * prm[1] / count[shell]) <= 1e-12 && Rel(kgot, shell * dk) <= 1e-14), "  |k| = %.6f -> shell %d (k = %.6f, %d modes): S = %.15g = a^2/(2 n_s) = %.15g", (double)kmode, (int)shell, (double)kgot, (int)count[shell], (double)Sgot, (double)(0.5 * prm[1] * prm[1] / count[shell]));
  TallyCheckf(t, (PetscBool)(other <= 1e-28), "  every other shell empty: max S elsewhere %.3g <= 1e-28", (double)other);
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- (d) dissipation = -dF/dt ----------------------------------------------------------- */

static PetscErrorCode TestDissipation(Tally *t, const char *name, PetscInt dim, PetscInt N, PetscReal L, const ThermoModel *m, UphillFluxForm flux, PetscReal c0)
{
  Setup            su;
  UphillDiagValues v;
  UphillStepResult r;
  PetscReal        F0, rate, rel;
  const PetscReal  h = 1e-5;

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, dim, N, L, m, flux, &su));
  PetscCall(Fill(&su, Smooth, &c0));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(UphillSchemeGetEnergy(su.s, &F0, NULL, NULL));
  PetscCall(UphillSchemeTry(su.s, h, &r));
  PetscCall(UphillSchemeAccept(su.s));
  rate = (r.F - F0) / h;
  rel  = PetscAbsReal(rate + v.dissipation) / v.dissipation;
  TallyCheckf(t, (PetscBool)(v.dissipation > 0 && rel <= 1e-3 && r.order == 1), "%s: dissipation %.10g vs -(F(h) - F(0))/h = %.10g at h = %g: rel %.2e <= 1e-3", name, (double)v.dissipation, (double)-rate, (double)h, (double)rel);
  TallyCheckf(t, (PetscBool)(Rel(v.total, F0) <= 1e-12), "%s: the row's free_energy %.15g = the scheme's energy %.15g", name, (double)v.total, (double)F0);
  if (m->kind == THERMO_MODEL_REGULAR) TallyCheckf(t, (PetscBool)(v.entropy_production == v.dissipation), "%s: entropy_production = dissipation in reduced units (T = 1)", name);
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- (e) unit factors ---------------------------------------------------------------------- */

static PetscErrorCode TestUnits(Tally *t)
{
  Setup            su;
  ThermoModel      m = Regular(3.0, 1.0);
  UphillDiagParams dp;
  UphillDiag       d2;
  UphillDiagValues v, w;
  const PetscReal  c0 = 0.4, E = 2.0, Sf = 3.0, Lf = 5.0, T = 7.0;

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, 2, 32, 24.0, &m, UPHILL_FLUX_IDEAL, &su));
  dp.model   = m;
  dp.energy  = E;
  dp.entropy = Sf;
  dp.length  = Lf;
  dp.time    = T;
  PetscCall(UphillDiagCreate(su.g, &dp, &d2));
  PetscCall(Fill(&su, Smooth, &c0));
  PetscCall(Diag(&su, su.d, &v));
  PetscCall(Diag(&su, d2, &w));
  TallyCheckf(t, (PetscBool)(Rel(w.total, E * v.total) <= 1e-14 && Rel(w.bulk, E * v.bulk) <= 1e-14 && Rel(w.grad, E * v.grad) <= 1e-14 && Rel(w.hmix, E * v.hmix) <= 1e-14), "units: energies and mixing enthalpy scale with the energy factor");
  TallyCheckf(t, (PetscBool)(Rel(w.smix, Sf * v.smix) <= 1e-14), "units: mixing entropy scales with the entropy factor");
  TallyCheckf(t, (PetscBool)(Rel(w.length, Lf * v.length) <= 1e-14), "units: length scales with the length factor");
  TallyCheckf(t, (PetscBool)(Rel(w.dissipation, E / T * v.dissipation) <= 1e-14 && Rel(w.entropy_production, Sf / T * v.dissipation) <= 1e-14), "units: dissipation scales as energy/time, entropy production as entropy/time");
  TallyCheckf(t, (PetscBool)(w.total_red == v.total_red && w.cmean == v.cmean && w.spinodal_fraction == v.spinodal_fraction), "units: reduced total, c_mean and spinodal fraction do not depend on the factors");
  TallyCheckf(t, (PetscBool)(Rel(UphillDiagEnergyToRun(d2, v.total_red), w.total) <= 1e-14), "units: UphillDiagEnergyToRun(total_red) = the row's free energy");
  PetscCall(UphillDiagDestroy(&d2));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_diag: values of the diagnostics columns"));
  PetscCall(UphillInitializePackage());
  t.comm = PETSC_COMM_WORLD;
  /* (a) chi = 3: spinodal 0.211..0.789 */
  PetscCall(TestUniform(&t, 2, 32, 20.0, 3.0, 0.5));
  PetscCall(TestUniform(&t, 2, 32, 20.0, 3.0, 0.3));
  PetscCall(TestUniform(&t, 2, 32, 20.0, 3.0, 0.15));
  PetscCall(TestUniform(&t, 2, 32, 20.0, 1.5, 0.5)); /* above Tc: stable everywhere */
  PetscCall(TestUniform(&t, 2, 15, 12.0, 3.0, 0.4)); /* odd N */
  PetscCall(TestUniform(&t, 3, 12, 10.0, 3.0, 0.4));
  PetscCall(TestUniformPoly(&t));
  /* (b) */
  PetscCall(TestTwoPhase(&t));
  /* (c) */
  PetscCall(TestModeLength(&t, 2, 64, 32.0, 4, 0, 0));
  PetscCall(TestModeLength(&t, 2, 64, 32.0, 0, 6, 0));
  PetscCall(TestModeLength(&t, 2, 64, 32.0, 3, 4, 0));
  PetscCall(TestModeLength(&t, 2, 64, 32.0, 6, 8, 0));
  PetscCall(TestModeLength(&t, 2, 64, 32.0, 2, 1, 0));
  PetscCall(TestModeLength(&t, 3, 16, 16.0, 1, 2, 2));
  /* (d) */
  {
    const ThermoModel reg = Regular(3.0, 1.0), dk = Regular(3.0, 3.0), poly = Poly();
    PetscCall(TestDissipation(&t, "regular, log-free flux", 2, 64, 32.0, &reg, UPHILL_FLUX_IDEAL, 0.4));
    PetscCall(TestDissipation(&t, "regular, logarithmic flux", 2, 64, 32.0, &reg, UPHILL_FLUX_LOG, 0.4));
    PetscCall(TestDissipation(&t, "Darken r = 3", 2, 64, 32.0, &dk, UPHILL_FLUX_IDEAL, 0.4));
    PetscCall(TestDissipation(&t, "Darken r = 3, logarithmic flux", 2, 64, 32.0, &dk, UPHILL_FLUX_LOG, 0.4));
    PetscCall(TestDissipation(&t, "polynomial", 2, 64, 32.0, &poly, UPHILL_FLUX_IDEAL, 0.5));
    PetscCall(TestDissipation(&t, "3D regular", 3, 24, 16.0, &reg, UPHILL_FLUX_IDEAL, 0.4));
  }
  /* (e) */
  PetscCall(TestUnits(&t));
  /* (f) */
  {
    const PetscInt  sq[3] = {64, 64, 1}, rect[3] = {64, 32, 1}, cube[3] = {16, 16, 16};
    const PetscReal lsq[3] = {32, 32, 1}, lrect[3] = {32, 16, 1}, lcube[3] = {16, 16, 16};
    PetscCall(TestModeSpectrum(&t, PETSC_FALSE, 2, sq, lsq, 3, 4, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_FALSE, 2, sq, lsq, 2, 1, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_FALSE, 2, rect, lrect, 0, 1, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_FALSE, 2, rect, lrect, 1, 1, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_FALSE, 3, cube, lcube, 1, 2, 2));
    PetscCall(TestModeSpectrum(&t, PETSC_TRUE, 2, sq, lsq, 3, 0, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_TRUE, 2, rect, lrect, 0, 1, 0));
    PetscCall(TestModeSpectrum(&t, PETSC_TRUE, 3, cube, lcube, 0, 0, 2));
  }
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    PetscCall(UphillFinalizePackage());
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

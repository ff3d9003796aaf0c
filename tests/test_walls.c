/* MPI tests of no-flux walls (-bc noflux, DESIGN.md 6.6):
 *
 *  - grid: cosine round trip of a random field; the n = 0 coefficient is 2^d sum c; Parseval
 *    with the wall weights; the spectral derivative of a cosine series (cosine -> sine through
 *    the odd backward transform) and the divergence of a sine series (the odd forward
 *    transform -> cosine) exact to 1e-12, along every axis, 2D and 3D, N even and odd, so at
 *    2 and 4 ranks the sine shift crosses ranks (and a rank with no spectral planes);
 *  - scheme: a single cosine mode (with the mobility sweep, and without it inside a phase)
 *    grows or decays at UphillSchemeAmplification per step to
 *    1e-6 (cos(pi x/L), 2D and 3D modes, and with coherency strain along <100> and <110>); mass to 1e-12 and F non-increasing at every step over
 *    1000 steps; the step's energy equals the diagnostics' one, its RMS change (the norm of
 *    the error estimate, Parseval with nrms) the real-space one; the diagnostics' dissipation
 *    (odd transforms) equals -dF/dt over one tiny step; the logarithmic and log-free flux forms
 *    agree to round-off on a smooth cosine field (one tracer; Redlich-Kister with Darken), and
 *    a tiny step moves c_k by h dc_k/dt; Darken, Redlich-Kister and the logarithmic flux keep
 *    mass and monotone F too.
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/diag.h>
#include <uphill/scheme.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include "tally.h"

typedef struct {
  PetscInt  dim, N;
  PetscReal L;
} Case;

static PetscErrorCode GridNew(MPI_Comm comm, PetscInt dim, PetscInt N, PetscReal L, UphillGrid *g)
{
  UphillGridParams gp;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  gp.dim = dim;
  for (PetscInt d = 0; d < dim; d++) {
    gp.n[d]   = N;
    gp.len[d] = L;
  }
  gp.plan   = 0;
  gp.wisdom = "none";
  gp.walls  = PETSC_TRUE;
  PetscCall(UphillGridCreate(comm, &gp, g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* u = cos(3ax)cos(2ay)[cos(az)] + 0.3 cos(ax)cos(4ay)[cos(2az)], a = pi/L: a cosine series
 * (no flux through the walls). what = 0: u; 1+d: du/dx_d; 4+d: d^2u/dx_d^2. */
static PetscReal Field(PetscInt dim, PetscReal a, const PetscReal x[3], PetscInt what)
{
  const PetscInt  m[2][3] = {{3, 2, 1}, {1, 4, 2}};
  const PetscReal amp[2]  = {1.0, 0.3};
  PetscReal       sum     = 0;

  for (PetscInt t = 0; t < 2; t++) {
    PetscReal v = amp[t];
    for (PetscInt d = 0; d < dim; d++) {
      const PetscReal k = m[t][d] * a;
      if (what == 1 + d) v *= -k * PetscSinReal(k * x[d]);
      else if (what == 4 + d) v *= -k * k * PetscCosReal(k * x[d]);
      else v *= PetscCosReal(k * x[d]);
    }
    sum += v;
  }
  return sum;
}

static PetscErrorCode FillField(UphillGrid g, PetscReal a, PetscInt what, Vec v)
{
  UphillGridInfo gi;
  PetscScalar   *x;

  PetscFunctionBeginUser;
  PetscCall(UphillGridGetInfo(g, &gi));
  PetscCall(VecGetArray(v, &x));
  for (PetscInt i = 0; i < gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&gi, i, p);
    x[i] = Field(gi.dim, a, p, what);
  }
  PetscCall(VecRestoreArray(v, &x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* the complex view of the buffer times i k_d */
static PetscErrorCode TimesIK(UphillGrid g, PetscInt d)
{
  UphillSpectral sp;
  double        *buf;
  UphillComplex *w;

  PetscFunctionBeginUser;
  PetscCall(UphillGridGetSpectral(g, &sp));
  PetscCall(UphillGridGetBuffer(g, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt a = 0, i = 0; a < sp.nlev[0]; a++)
    for (PetscInt b = 0; b < sp.nlev[1]; b++)
      for (PetscInt e = 0; e < sp.nlev[2]; e++, i++) {
        const PetscInt  lev = sp.level_of_axis[d];
        const PetscReal k = sp.k[lev][lev == 0 ? a : (lev == 1 ? b : e)], re = w[i][0], im = w[i][1];
        w[i][0] = -k * im;
        w[i][1] = k * re;
      }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RelDiff(Vec a, Vec ref, PetscReal *rel)
{
  Vec       w;
  PetscReal d, s;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(a, &w));
  PetscCall(VecWAXPY(w, -1.0, ref, a));
  PetscCall(VecNorm(w, NORM_INFINITY, &d));
  PetscCall(VecNorm(ref, NORM_INFINITY, &s));
  *rel = d / s;
  PetscCall(VecDestroy(&w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestGrid(Tally *t, const Case *cs)
{
  UphillGrid     g;
  UphillGridInfo gi;
  UphillSpectral sp;
  Vec            u, v, ref;
  PetscReal      err, a = PETSC_PI / cs->L;
  double        *buf;
  char           tag[64], what[256];

  PetscFunctionBeginUser;
  PetscCall(GridNew(t->comm, cs->dim, cs->N, cs->L, &g));
  PetscCall(UphillGridGetInfo(g, &gi));
  PetscCall(UphillGridGetSpectral(g, &sp));
  PetscCall(UphillGridGetBuffer(g, &buf));
  PetscCall(PetscSNPrintf(tag, sizeof(tag), "walls %" PetscInt_FMT "D N=%" PetscInt_FMT, cs->dim, cs->N));
  PetscCall(UphillGridCreateVec(g, &u));
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &ref));
  {
    PetscScalar *x;
    PetscReal    sum, ss, c0 = 0, ps = 0;
    PetscCall(VecGetArray(u, &x));
    for (PetscInt i = 0; i < gi.nlocal; i++) x[i] = UphillHashUniform(0x77ULL, (uint64_t)UphillGridGlobalIndex(&gi, i));
    PetscCall(VecRestoreArray(u, &x));
    PetscCall(VecSum(u, &sum));
    PetscCall(VecDot(u, u, &ss));
    PetscCall(UphillGridVecToBuf(g, u, 1.0));
    PetscCall(UphillGridForward(g));
    {
      const UphillComplex *w = (const UphillComplex *)buf;
      if (sp.nloc_k > 0 && sp.ksq[0] == 0) c0 = w[0][0];
      for (PetscInt A = 0, i = 0; A < sp.nlev[0]; A++)
        for (PetscInt b = 0; b < sp.nlev[1]; b++)
          for (PetscInt e = 0; e < sp.nlev[2]; e++, i++) ps += sp.w[0][A] * sp.w[1][b] * sp.w[2][e] * (w[i][0] * w[i][0] + w[i][1] * w[i][1]);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c0, 1, MPIU_REAL, MPIU_SUM, t->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ps, 1, MPIU_REAL, MPIU_SUM, t->comm));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: n = 0 coefficient / 2^d equals the sum of the field, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(c0 / (cs->dim == 2 ? 4.0 : 8.0) - sum) / sum, 1e-13));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval sum_k w |c_k|^2 / ntot = sum_x c^2, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(ps / sp.ntot - ss) / ss, 1e-12));
    PetscCall(UphillGridBackward(g));
    PetscCall(UphillGridBufToVec(g, v, 1.0 / sp.ntot));
    PetscCall(RelDiff(v, u, &err));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: cosine round trip of a random field, max |diff| / max", tag));
    PetscCall(TallyBound(t, what, err, 1e-13));
  }
  PetscCall(FillField(g, a, 0, u));
  for (PetscInt d = 0; d < cs->dim; d++) {
    /* cosine -> sine: d/dx_d */
    PetscCall(FillField(g, a, 1 + d, ref));
    PetscCall(UphillGridVecToBuf(g, u, 1.0));
    PetscCall(UphillGridForward(g));
    PetscCall(TimesIK(g, d));
    PetscCall(UphillGridBackwardOdd(g, d));
    PetscCall(UphillGridBufToVec(g, v, 1.0 / sp.ntot));
    PetscCall(RelDiff(v, ref, &err));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: spectral d/dx%" PetscInt_FMT " of a cosine series vs analytic, max |diff| / max", tag, d));
    PetscCall(TallyBound(t, what, err, 1e-12));
    /* sine -> cosine: the divergence of the flux du/dx_d is d^2u/dx_d^2 */
    PetscCall(UphillGridVecToBuf(g, ref, 1.0));
    PetscCall(FillField(g, a, 4 + d, ref));
    PetscCall(UphillGridForwardOdd(g, d));
    PetscCall(TimesIK(g, d));
    PetscCall(UphillGridBackward(g));
    PetscCall(UphillGridBufToVec(g, v, 1.0 / sp.ntot));
    PetscCall(RelDiff(v, ref, &err));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: spectral d/dx%" PetscInt_FMT " of the sine series du/dx%" PetscInt_FMT " vs analytic, max |diff| / max", tag, d, d));
    PetscCall(TallyBound(t, what, err, 1e-12));
  }
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&ref));
  PetscCall(UphillGridDestroy(&g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- scheme -------------------------------------------------------------------------- */

typedef struct {
  UphillGrid     g;
  UphillGridInfo gi;
  UphillScheme   s;
  UphillDiag     d;
  Vec            c;
} Setup;

static UphillSchemeParams Regular(PetscReal chi, PetscInt order)
{
  UphillSchemeParams p;
  (void)PetscMemzero(&p, sizeof(p));
  p.model.kind  = THERMO_MODEL_REGULAR;
  p.model.chi   = chi;
  p.model.r     = 1.0;
  p.model.kappa = 1.0;
  p.order       = order;
  p.A = p.S = -1;
  p.correct     = PETSC_TRUE; /* the program's default (-stab_correct) */
  return p;
}

static UphillSchemeParams Poly(PetscInt order)
{
  UphillSchemeParams p;
  (void)PetscMemzero(&p, sizeof(p));
  p.model.kind     = THERMO_MODEL_POLYNOMIAL;
  p.model.rho      = 5.0;
  p.model.ca       = 0.3;
  p.model.cb       = 0.7;
  p.model.kappa    = 2.0;
  p.model.mobility = 5.0;
  p.model.r        = 1.0;
  p.order          = order;
  p.A = p.S = -1;
  return p;
}

static PetscErrorCode SetupCreate(MPI_Comm comm, PetscInt dim, PetscInt N, PetscReal L, const UphillSchemeParams *sp, Setup *su)
{
  UphillDiagParams dp;

  PetscFunctionBeginUser;
  PetscCall(GridNew(comm, dim, N, L, &su->g));
  PetscCall(UphillGridGetInfo(su->g, &su->gi));
  PetscCall(UphillSchemeCreate(su->g, sp, &su->s));
  dp.model  = sp->model;
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

/* the wall mode m: prod_d cos(pi m_d x_d / L) */
static PetscReal Mode(const Setup *su, const PetscInt m[3], const PetscReal p[3])
{
  PetscReal v = 1;
  for (PetscInt d = 0; d < su->gi.dim; d++) v *= PetscCosReal(PETSC_PI * m[d] * p[d] / su->gi.len[d]);
  return v;
}

/* amplitude of the mode in the current state by projection: sum (c - c0) phi / sum phi^2 */
static PetscErrorCode ModeAmplitude(Setup *su, PetscReal c0, const PetscInt m[3], PetscReal *amp)
{
  const PetscScalar *x;
  Vec                c;
  PetscReal          s[2] = {0, 0};

  PetscFunctionBeginUser;
  PetscCall(UphillSchemeGetState(su->s, &c));
  PetscCall(VecGetArrayRead(c, &x));
  for (PetscInt i = 0; i < su->gi.nlocal; i++) {
    PetscReal p[3], phi;
    UphillGridCoordinates(&su->gi, i, p);
    phi = Mode(su, m, p);
    s[0] += (x[i] - c0) * phi;
    s[1] += phi * phi;
  }
  PetscCall(VecRestoreArrayRead(c, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 2, MPIU_REAL, MPIU_SUM, su->gi.comm));
  *amp = s[0] / s[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestMode(Tally *t, const char *name, PetscInt dim, PetscInt N, PetscReal L, const UphillSchemeParams *sp0, PetscReal c0, const PetscInt m[3], PetscBool grows)
{
  Setup              su;
  UphillSchemeParams sp = *sp0, spe;
  UphillStepResult   r;
  const PetscReal    amp0 = 1e-6, dt = 0.1;
  PetscReal          kv[3] = {0, 0, 0}, G, A0, A, Aprev, dev = 0;
  PetscScalar       *x;
  char               what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, dim, N, L, &sp, &su));
  PetscCall(UphillSchemeGetParams(su.s, &spe));
  for (PetscInt d = 0; d < dim; d++) kv[d] = PETSC_PI * m[d] / L;
  G = UphillSchemeAmplification(&spe, c0, kv, dt);
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < su.gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su.gi, i, p);
    x[i] = c0 + amp0 * Mode(&su, m, p);
  }
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(ModeAmplitude(&su, c0, m, &A0));
  Aprev = A0;
  for (PetscInt s = 0; s < 50; s++) {
    PetscCall(UphillSchemeTry(su.s, dt, &r));
    PetscCall(UphillSchemeAccept(su.s));
    PetscCall(ModeAmplitude(&su, c0, m, &A));
    dev   = PetscMax(dev, PetscAbsReal(A / Aprev / G - 1.0));
    Aprev = A;
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: mode %s (G = %.10f, A_50/A_0 = %.6g)", name, grows ? "grows" : "decays", (double)G, (double)(A / A0)));
  PetscCall(TallyTrue(t, what, (PetscBool)(grows ? A > A0 : A < A0)));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over 50 steps |A_{n+1}/A_n / G - 1|", name));
  PetscCall(TallyBound(t, what, dev, 1e-6));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestMassEnergy(Tally *t, const char *name, PetscInt dim, PetscInt N, PetscReal L, const UphillSchemeParams *sp, PetscReal c0, PetscReal dt, PetscInt nsteps)
{
  Setup               su;
  UphillStepResult    r;
  UphillDiagValues    v;
  Vec                 c;
  PetscScalar        *x;
  const UphillComplex *chat;
  PetscReal           mass0, mass, F0, Fprev, dmass = 0, rise = -PETSC_MAX_REAL, scale;
  PetscInt            nrise = 0;
  char                what[256];

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, dim, N, L, sp, &su));
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < su.gi.nlocal; i++) x[i] = c0 + 0.05 * (2.0 * UphillHashUniform(7, (uint64_t)UphillGridGlobalIndex(&su.gi, i)) - 1.0);
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(VecSum(su.c, &mass0));
  PetscCall(UphillSchemeGetEnergy(su.s, &F0, NULL, NULL));
  /* the step's energy against the diagnostics' (both with the wall weights) */
  PetscCall(UphillSchemeGetSpectralState(su.s, &chat));
  PetscCall(UphillDiagCompute(su.d, su.c, chat, &v));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: F(0) of the scheme = the diagnostics' total, rel", name));
  PetscCall(TallyBound(t, what, PetscAbsReal(v.total_red - F0) / PetscAbsReal(F0), 1e-12));
  scale = PetscAbsReal(F0) + 1e-3 * su.gi.cell * su.gi.ntot;
  {
    /* the step's RMS change (Parseval with nrms, as its error estimate) against real space */
    Vec       c0v;
    PetscReal d2;
    PetscCall(VecDuplicate(su.c, &c0v));
    PetscCall(VecCopy(su.c, c0v));
    PetscCall(UphillSchemeTry(su.s, dt, &r));
    PetscCall(UphillSchemeGetTrial(su.s, &c));
    PetscCall(VecAXPY(c0v, -1.0, c));
    PetscCall(VecNorm(c0v, NORM_2, &d2));
    d2 /= PetscSqrtReal((PetscReal)su.gi.ntot);
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: RMS change of a step (spectral, nrms) = real-space RMS %.6e, rel", name, (double)d2));
    PetscCall(TallyBound(t, what, PetscAbsReal(r.change - d2) / d2, 1e-10));
    PetscCall(VecDestroy(&c0v));
  }
  Fprev = F0;
  for (PetscInt k = 1; k <= nsteps; k++) {
    PetscCall(UphillSchemeTry(su.s, dt, &r));
    PetscCall(UphillSchemeAccept(su.s));
    PetscCall(UphillSchemeGetState(su.s, &c));
    PetscCall(VecSum(c, &mass));
    dmass = PetscMax(dmass, PetscAbsReal(mass - mass0) / PetscAbsReal(mass0));
    rise  = PetscMax(rise, r.F - Fprev);
    if (r.F > Fprev + 1e-12 * scale || PetscIsInfOrNanReal(r.F)) nrise++;
    Fprev = r.F;
  }
  PetscCall(UphillSchemeGetSpectralState(su.s, &chat));
  PetscCall(UphillDiagCompute(su.d, c, chat, &v));
  PetscCall(PetscPrintf(t->comm, "---- %s: %" PetscInt_FMT " steps of %g: F %.10g -> %.10g, largest rise %+.3e\n", name, nsteps, (double)dt, (double)F0, (double)r.F, (double)rise));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: max over steps |sum c - sum c0| / sum c0", name));
  PetscCall(TallyBound(t, what, dmass, 1e-12));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: steps where F rose by more than 1e-12 x scale", name));
  PetscCall(TallyBound(t, what, (PetscReal)nrise, 0));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: F decreased (coarsening happened)", name));
  PetscCall(TallyTrue(t, what, (PetscBool)(r.F < F0 - 1e-3 * PetscAbsReal(F0))));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: final F of the step = the diagnostics' total, rel", name));
  PetscCall(TallyBound(t, what, PetscAbsReal(v.total_red - r.F) / PetscAbsReal(r.F), 1e-10));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The diagnostics' dissipation int M |grad mu|^2 (its odd backward transforms) against
 * -(F(h) - F(0))/h over one first-order step of h = 1e-5 from a smooth cosine field. */
static PetscErrorCode TestDissipation(Tally *t, const char *name, PetscInt dim, const UphillSchemeParams *sp0, PetscReal c0)
{
  Setup                su;
  UphillSchemeParams   sp = *sp0;
  UphillStepResult     r;
  UphillDiagValues     v;
  const UphillComplex *chat;
  PetscScalar         *x;
  const PetscReal      h = 1e-5, L = 16.0;
  PetscReal            F0, rel;

  PetscFunctionBeginUser;
  sp.order = 1;
  PetscCall(SetupCreate(t->comm, dim, 32, L, &sp, &su));
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < su.gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su.gi, i, p);
    x[i] = c0 + 0.05 * Field(dim, PETSC_PI / L, p, 0);
  }
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(UphillSchemeGetEnergy(su.s, &F0, NULL, NULL));
  PetscCall(UphillSchemeGetSpectralState(su.s, &chat));
  PetscCall(UphillDiagCompute(su.d, su.c, chat, &v));
  PetscCall(UphillSchemeTry(su.s, h, &r));
  rel = PetscAbsReal(-(r.F - F0) / h - v.dissipation) / v.dissipation;
  TallyCheckf(t, (PetscBool)(v.dissipation > 0 && rel <= 1e-3), "%s: dissipation %.10g vs -(F(h) - F(0))/h = %.10g: rel %.2e <= 1e-3", name, (double)v.dissipation, (double)(-(r.F - F0) / h), (double)rel);
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* dc_k/dt with the logarithm (mu = f'(c) - lap c, div(M grad mu)) against the log-free ideal
 * form (lap g + div(M grad psi)) on a smooth cosine field: the two flux forms are the same
 * equation, so they agree to the aliasing of the products (round-off when resolved); and a
 * step of 1e-7 moves c_k by h dc_k/dt (the step's odd transforms against the tendency's). */
static PetscErrorCode TestFluxForms(Tally *t, const char *name, const UphillSchemeParams *sp, PetscReal c0)
{
  Setup                su;
  UphillComplex       *a, *b;
  const UphillComplex *cn;
  UphillStepResult     r;
  PetscScalar         *x;
  PetscReal            d[2] = {0, 0}, e = 0;
  const PetscReal      L = 16.0, h = 1e-7;

  PetscFunctionBeginUser;
  PetscCall(SetupCreate(t->comm, 2, 48, L, sp, &su));
  PetscCall(VecGetArray(su.c, &x));
  for (PetscInt i = 0; i < su.gi.nlocal; i++) {
    PetscReal p[3];
    UphillGridCoordinates(&su.gi, i, p);
    x[i] = c0 + 0.08 * Field(2, PETSC_PI / L, p, 0);
  }
  PetscCall(VecRestoreArray(su.c, &x));
  PetscCall(UphillSchemeSetState(su.s, su.c));
  PetscCall(UphillGridAllocComplex(su.g, &a));
  PetscCall(UphillGridAllocComplex(su.g, &b));
  PetscCall(UphillSchemeTendency(su.s, UPHILL_FLUX_LOG, a));
  PetscCall(UphillSchemeTendency(su.s, UPHILL_FLUX_IDEAL, b));
  for (PetscInt i = 0; i < su.gi.nloc_k; i++) {
    d[0] = PetscMax(d[0], PetscSqrtReal(PetscSqr(a[i][0] - b[i][0]) + PetscSqr(a[i][1] - b[i][1])));
    d[1] = PetscMax(d[1], PetscSqrtReal(PetscSqr(a[i][0]) + PetscSqr(a[i][1])));
  }
  PetscCall(UphillSchemeGetSpectralState(su.s, &cn));
  PetscCall(PetscArraycpy((PetscReal *)a, (const PetscReal *)cn, 2 * su.gi.nloc_k));
  PetscCall(UphillSchemeTry(su.s, h, &r));
  PetscCall(UphillSchemeAccept(su.s));
  PetscCall(UphillSchemeGetSpectralState(su.s, &cn));
  for (PetscInt i = 0; i < su.gi.nloc_k; i++) e = PetscMax(e, PetscSqrtReal(PetscSqr((cn[i][0] - a[i][0]) / h - b[i][0]) + PetscSqr((cn[i][1] - a[i][1]) / h - b[i][1])));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d, 2, MPIU_REAL, MPIU_MAX, t->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPIU_REAL, MPIU_MAX, t->comm));
  TallyCheckf(t, (PetscBool)(d[0] / d[1] <= 1e-11), "%s: dc_k/dt with the logarithm vs without, max |diff| / max: %.3e <= 1e-11", name, (double)(d[0] / d[1]));
  TallyCheckf(t, (PetscBool)(e / d[1] <= 1e-5), "%s: a step of 1e-7 moves c_k by h dc_k/dt, max |diff| / max: %.3e <= 1e-5", name, (double)(e / d[1]));
  PetscCall(UphillGridFreeComplex(&a));
  PetscCall(UphillGridFreeComplex(&b));
  PetscCall(SetupDestroy(&su));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_walls: no-flux walls, grid and scheme"));
  PetscCall(UphillInitializePackage());
  t.comm = PETSC_COMM_WORLD;
  {
    /* at 4 ranks N = 9 gives spectral planes 3,3,3,0 and N = 10 gives 3,3,3,1 */
    const Case cases[] = {{2, 10, 7.0}, {2, 9, 6.0}, {3, 9, 5.0}, {3, 10, 6.5}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) PetscCall(TestGrid(&t, &cases[i]));
  }
  {
    /* chi = 3, c0 = 0.4: k_m = 0.957, k_c = 1.354. pi/3.2 = 0.98; pi 10/32 = 0.98 for (6,8);
     * pi 16/32 = 1.57 decays */
    const PetscInt     m1[3] = {1, 0, 0}, m68[3] = {6, 8, 0}, m16[3] = {0, 16, 0}, mz[3] = {0, 1, 2}, m10[3] = {10, 0, 0}, m77[3] = {7, 7, 0};
    UphillSchemeParams p     = Regular(3.0, 1);
    PetscCall(TestMode(&t, "walls cos(pi x/L), L = 3.2", 2, 16, 3.2, &p, 0.4, m1, PETSC_TRUE));
    PetscCall(TestMode(&t, "walls mode (6,8), L = 32", 2, 32, 32.0, &p, 0.4, m68, PETSC_TRUE));
    PetscCall(TestMode(&t, "walls mode (0,16) beyond k_c", 2, 32, 32.0, &p, 0.4, m16, PETSC_FALSE));
    PetscCall(TestMode(&t, "walls 3D mode (0,1,2), L = 7", 3, 12, 7.0, &p, 0.4, mz, PETSC_TRUE));
    /* inside a phase (c0 = 0.05, M 5x below A), with the mobility sweep and without */
    PetscCall(TestMode(&t, "walls mode (6,8) at c0 = 0.05, mobility sweep", 2, 32, 32.0, &p, 0.05, m68, PETSC_FALSE));
    p.correct = PETSC_FALSE;
    PetscCall(TestMode(&t, "walls mode (6,8) at c0 = 0.05, stabilizer only", 2, 32, 32.0, &p, 0.05, m68, PETSC_FALSE));
    p.correct = PETSC_TRUE;
    /* coherency strain (Cu constants, misfit 0.05, 1000 K): B(n) is even in every component,
     * so a cosine mode (the four waves (+-kx, +-ky)) has one B: along <100> it still grows,
     * along <110> (stiffer, nearly the same |k|) it decays, as in the periodic box */
    p.model.elastic  = PETSC_TRUE;
    p.model.el       = (ThermoElastic){0.05, 168.4e9, 121.4e9, 75.4e9};
    p.model.el_scale = 8.5e-6 / (UPHILL_R * 1000.0);
    PetscCall(TestMode(&t, "walls coherent mode (10,0) along <100>", 2, 32, 32.0, &p, 0.4, m10, PETSC_TRUE));
    PetscCall(TestMode(&t, "walls coherent mode (7,7) along <110>", 2, 32, 32.0, &p, 0.4, m77, PETSC_FALSE));
  }
  {
    UphillSchemeParams p = Regular(3.0, 2);
    PetscCall(TestMassEnergy(&t, "walls 2D regular BDF2", 2, 32, 32.0, &p, 0.4, 0.1, 1000));
    p = Poly(2);
    PetscCall(TestMassEnergy(&t, "walls 2D polynomial BDF2", 2, 30, 30.0, &p, 0.5, 0.5, 1000));
    /* Darken r = 2 with the Redlich-Kister chi1 (the c*^2 transform), and the logarithmic flux */
    p            = Regular(3.09, 2);
    p.model.chi1 = 0.51;
    p.model.r    = 2.0;
    PetscCall(TestMassEnergy(&t, "walls 2D Redlich-Kister + Darken r=2 BDF2", 2, 32, 24.0, &p, 0.4, 0.05, 400));
    p      = Regular(3.0, 2);
    p.flux = UPHILL_FLUX_LOG;
    PetscCall(TestMassEnergy(&t, "walls 2D regular, logarithmic flux, BDF2", 2, 32, 32.0, &p, 0.4, 0.1, 400));
    p = Regular(3.0, 2);
    PetscCall(TestMassEnergy(&t, "walls 3D regular BDF2", 3, 12, 12.0, &p, 0.4, 0.05, 300));
  }
  {
    UphillSchemeParams p = Regular(3.0, 2);
    PetscCall(TestFluxForms(&t, "walls regular, one tracer", &p, 0.4));
    p            = Regular(3.09, 2);
    p.model.chi1 = 0.51;
    p.model.r    = 3.0;
    PetscCall(TestFluxForms(&t, "walls Redlich-Kister, Darken r = 3", &p, 0.4));
  }
  {
    UphillSchemeParams p = Regular(3.0, 1);
    PetscCall(TestDissipation(&t, "walls 2D regular", 2, &p, 0.4));
    PetscCall(TestDissipation(&t, "walls 3D regular", 3, &p, 0.4));
    p = Poly(1);
    PetscCall(TestDissipation(&t, "walls 2D polynomial", 2, &p, 0.5));
  }
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    PetscCall(UphillFinalizePackage());
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

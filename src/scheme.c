/* Semi-implicit Fourier-spectral steps (docs/design.md, "The scheme").
 *
 * Regular solution, reduced units, c* the explicit state; D = max(1, r) = max g'(c). The
 * ideal-entropy flux M grad ln(c/(1-c)) in one of two forms (AUTO starts IDEAL and turns LOG
 * for the rest of the run when a step leaves (0,1)):
 *   IDEAL: dc/dt = lap g(c) + div( M(c) grad psi ),  g = c + (r-1)c^2/2,
 *          psi = chi(1-2c) + chi1(1-6c+6c^2) - lap c  (+ the coherency strain, B(n) c_k),
 *          because M grad ln(c/(1-c)) = grad g exactly (DESIGN.md 6.1): no logarithm, and the
 *          k^2 of lap c is implicit exactly ((D-1) k^2 stabilizes Darken's (r-1)c^2/2). A step
 *          needs d inverse transforms (grad psi), d forward ones (the flux M grad psi) and one
 *          inverse (the new c): 2d+1; Darken or Redlich-Kister (chi1) add the forward
 *          transform of c*^2, which both share: 2d+2.
 *   LOG:   dc/dt = div( M(c) grad mu ),  mu = f'(c) - lap c, logarithm and all explicit: the
 *          whole D k^2 is a stabilizer, and the forward transform of f'(c*) makes 2d+2.
 * Polynomial double well, constant M: dc_k/dt = -M k^2 (FT f'(c) + kappa k^2 c_k): one
 * forward transform of f'(c*) and one inverse (2), M kappa k^4 implicit exactly.
 * Thermal noise: the random flux rides the regular model's flux transforms (no more); the
 * polynomial model draws its divergence with one forward transform (1 more).
 *
 * Time discretization, h = h_n, w = h_n/h_{n-1} (variable-step BDF2; Euler: a0 = a1 = 1,
 * a2 = 0, c* = c^n):
 *   a0 c^{n+1} - a1 c^n + a2 c^{n-1} = h [ N(c*) - L (c^{n+1} - c*) ] - h Limp c^{n+1}
 *   a0 = (1+2w)/(1+w), a1 = 1+w, a2 = w^2/(1+w),  c* = (1+w) c^n - w c^{n-1}
 * with N the explicit tendency, Limp the exact implicit part (k^2 of IDEAL, none for LOG,
 * M kappa k^4 for the polynomial model) and L the stabilizers ((D-1+S) k^2 + A kappa k^4 for
 * IDEAL, (D+S) k^2 + A kappa k^4 for LOG, S k^2 for the polynomial model), all diagonal in k.
 * BDF2 starts (and restarts past the zero-stability limit w = 1+sqrt 2) with an Euler step.
 *
 * Local error (Milne): the predictor P is the polynomial through the last p+1 states (p the
 * order) evaluated at t_{n+1}. With E c^{(p+1)} the step's local error and -Q c^{(p+1)} the
 * predictor's, c^{n+1} - P = (E + Q) c^{(p+1)}, so err = E/(E+Q) |c^{n+1} - P|:
 *   BDF2:  E = h^3 (1+w)^2 / (6 w (1+2w)),   Q = h (h+h1)(h+h1+h2)/6   (2/11 for equal steps)
 *   Euler: E = h^2/2,                          Q = h (h+h1)/2           (1/3 for equal steps)
 * so BDF2 has an estimate from its third state on, Euler from its second, and a BDF2 (re)start
 * step none. That misses the error of the splitting itself: the stabilizers L act on
 * c^{n+1} - c*, an O(h^p) difference, which adds (h/a0) (J + L)(c* - c^{n+1}) to the local
 * error (J the Jacobian of the explicit terms). The Milne term sees only E/(E+Q) of it; since
 * the stabilizers are chosen to dominate J, the estimate adds the whole (h/a0) L (c* - c^{n+1}),
 * L without the exact implicit part. The sum is scaled by a0/rho'(1) = a0/(2 a0 - a1) (1 for
 * Euler, 3/2 for BDF2 at equal steps), the share of a local error in the global one, and
 * taken in the RMS norm over the grid, by Parseval on the Fourier coefficients. */
#include <uphill/scheme.h>
#include <uphill/package.h>
#include <uphill/hash.h>
#include <petscviewerhdf5.h>
#include <math.h>
#include <string.h>

const char *const UphillFluxNames[] = {"ideal", "log", "auto", "UphillFluxForm", "UPHILL_FLUX_", NULL};

struct _n_UphillScheme {
  UphillGrid         grid;
  UphillGridInfo     gi;
  UphillSpectral     sp;
  UphillSchemeParams p;
  PetscReal          Dimp;   /* implicit coefficient of the ideal part (regular model) */
  PetscBool          fluxes; /* variable mobility: the d flux transforms are needed */
  PetscBool          nlfwd;  /* a pointwise nonlinearity is transformed first */
  PetscBool          logflux; /* regular model: the LOG form is in use */
  PetscBool          acc;     /* during a trial: the new coefficients hold an accumulated part */
  PetscBool          fused;   /* 2D fluxes: both directions in transform at once (psi's array) */
  PetscBool          fused3;  /* 3D fluxes: all three at once (the buffer, psi's and the new
                               * coefficients' arrays) */
  Vec                c[3];   /* real states: [0] trial, [1] current c^n, [2] c^{n-1} */
  UphillComplex     *ch[4];  /* their coefficients, and [3] c^{n-2} */
  UphillComplex     *psi;    /* psi_k of c*, for the gradient directions after the first; when
                              * fused, i k_y psi_k, then FT of the y flux */
  PetscReal         *Bel;    /* coherency strain: B(n_k) per coefficient, the model's units */
  PetscInt           nhist;  /* states held: 1 (c^n) to 3 */
  PetscInt64         nstep;  /* index of the next step: keys the thermal noise */
  uint64_t           nseed;  /* the noise's stream, apart from the initial field's */
  PetscReal          hprev[2];
  PetscReal          F, cmin, cmax; /* of the current state */
  PetscBool          have_trial;
  PetscReal          h_trial;
  UphillStepResult   trial;
};

/* The coefficients of one step. */
typedef struct {
  PetscInt  order;
  PetscReal h, a0, a1, a2, e1, e2; /* BDF weights and the extrapolation c* = e1 c^n + e2 c^{n-1} */
  PetscReal l0, l1, l2, errc;      /* predictor weights on c^n, c^{n-1}, c^{n-2}; Milne factor */
  PetscReal gfac;                  /* local error -> its share of the global error */
  PetscBool estimate;              /* the history supports an estimate of this order */
  PetscReal fd2, fd4;              /* the damping a defect sees, k^2 (fd2 + fd4 k^2): SpectralFinal */
} StepCoef;

static void Coefficients(const UphillScheme s, PetscReal h, StepCoef *k)
{
  const PetscReal h1 = s->hprev[0], h2 = s->hprev[1];

  memset(k, 0, sizeof(*k));
  k->h = h;
  /* the true operator's damping of a mode, where it is diagonal in k and known: the polynomial
   * model's M k^2 (f'' + kappa k^2) at the smallest f'', -rho (cb - ca)^2 (the well's middle);
   * the regular model's variable mobility couples the modes, so no damping is assumed there */
  if (s->p.model.kind == THERMO_MODEL_POLYNOMIAL) {
    const ThermoModel *m = &s->p.model;
    k->fd2               = -m->mobility * m->rho * (m->cb - m->ca) * (m->cb - m->ca);
    k->fd4               = m->mobility * m->kappa;
  }
  /* BDF2 needs c^{n-1}; a ratio past the zero-stability limit 1+sqrt(2) restarts it */
  if (s->p.order == 2 && s->nhist >= 2 && h / h1 < 1.0 + PETSC_SQRT2) {
    const PetscReal w = h / h1;
    k->order          = 2;
    k->a0             = (1.0 + 2.0 * w) / (1.0 + w);
    k->a1             = 1.0 + w;
    k->a2             = w * w / (1.0 + w);
    k->e1             = 1.0 + w;
    k->e2             = -w;
    if (s->nhist >= 3) {
      /* quadratic through t_n = 0, t_{n-1} = -h1, t_{n-2} = -(h1+h2), at h */
      const PetscReal E = h * h * h * (1.0 + w) * (1.0 + w) / (6.0 * w * (1.0 + 2.0 * w));
      const PetscReal Q = h * (h + h1) * (h + h1 + h2) / 6.0;
      k->l0             = (h + h1) * (h + h1 + h2) / (h1 * (h1 + h2));
      k->l1             = -h * (h + h1 + h2) / (h1 * h2);
      k->l2             = h * (h + h1) / ((h1 + h2) * h2);
      /* a local error e adds a0/rho'(1) e to the global error (rho(x) = a0 x^2 - a1 x + a2,
       * rho'(1) = 2 a0 - a1 = (1 + 2w - w^2)/(1 + w), 1 at equal steps, 0 at the zero-stability
       * limit 1 + sqrt 2): the estimate is that contribution */
      k->gfac           = k->a0 / (2.0 * k->a0 - k->a1);
      k->errc           = k->gfac * E / (E + Q);
      k->estimate       = PETSC_TRUE;
    }
  } else {
    k->order = 1;
    k->a0 = k->a1 = k->e1 = 1.0;
    if (s->p.order == 1 && s->nhist >= 2) {
      /* line through t_n = 0 and t_{n-1} = -h1, at h */
      k->l0       = (h + h1) / h1;
      k->l1       = -h / h1;
      k->gfac     = 1.0;
      k->errc     = h / (2.0 * h + h1);
      k->estimate = PETSC_TRUE;
    }
  }
}

/* ------------------------------------------------------------------ create / destroy */

/* The polynomial model's k^2 stabilizer: -S, or by default S = M max f'' over [ca, cb], which
 * is f'' at the ends, 2 rho (cb-ca)^2: the explicit bulk term M f'' k^2 it must dominate. */
static PetscReal PolynomialS(const UphillSchemeParams *p)
{
  const ThermoModel *m = &p->model;
  return p->S >= 0 ? p->S : m->mobility * 2.0 * m->rho * PetscSqr(m->cb - m->ca);
}

PetscErrorCode UphillSchemeCreate(UphillGrid grid, const UphillSchemeParams *p, UphillScheme *scheme)
{
  UphillScheme s;

  PetscFunctionBegin;
  PetscCheck(p->order == 1 || p->order == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "scheme order must be 1 or 2");
  PetscCall(PetscNew(&s));
  s->grid = grid;
  s->p    = *p;
  PetscCall(UphillGridGetInfo(grid, &s->gi));
  PetscCall(UphillGridGetSpectral(grid, &s->sp));
  if (p->model.kind == THERMO_MODEL_REGULAR) {
    /* A >= max M tames the explicit part of the variable-mobility k^4 term; the ideal part
     * is implicit with D = max g'(c) = max(1, r), so no k^2 stabilizer is needed */
    s->Dimp   = PetscMax(1.0, p->model.r);
    s->p.A    = p->A >= 0 ? p->A : ThermoModelMaxMobility(&p->model);
    s->p.S    = p->S >= 0 ? p->S : 0.0;
    s->fluxes  = PETSC_TRUE;
    s->logflux = (PetscBool)(p->flux == UPHILL_FLUX_LOG);
    s->nlfwd   = (PetscBool)(s->logflux || p->model.r != 1.0 || p->model.chi1 != 0.0);
  } else {
    /* its noise divergence i s(k)|k| FT(j) needs both k and -k: periodic only */
    PetscCheck(!(s->gi.walls && p->theta > 0), s->gi.comm, PETSC_ERR_SUP, "-thermal_noise with -bc noflux is not available for -model polynomial");
    s->p.A   = 0.0;
    s->p.S   = PolynomialS(p);
    s->nlfwd = PETSC_TRUE;
  }
  for (PetscInt i = 0; i < 3; i++) PetscCall(UphillGridCreateVec(grid, &s->c[i]));
  for (PetscInt i = 0; i < 4; i++) PetscCall(UphillGridAllocComplex(grid, &s->ch[i]));
  if (s->fluxes) PetscCall(UphillGridAllocComplex(grid, &s->psi));
  /* fused 2D fluxes: periodic only (the second array's transforms have no sine variant) */
  s->fused = (PetscBool)(s->fluxes && s->gi.dim == 2 && !s->gi.walls);
  /* fused 3D: the third array is the new coefficients', free until the final pass unless
   * Darken's part accumulates there (IDEAL with r != 1), which then takes the sequential path */
  s->fused3 = (PetscBool)(s->fluxes && s->gi.dim == 3 && !s->gi.walls && (s->logflux || p->model.r == 1.0) && !p->sequential);
  if (s->fluxes && p->model.elastic) {
    PetscCall(PetscMalloc1(PetscMax(s->gi.nloc_k, 1), &s->Bel));
    PetscCall(UphillGridEvalSpectral(grid, ThermoModelElasticKernel, &s->p.model, s->Bel));
  }
  s->nhist = 0;
  s->nseed = UphillHash64((uint64_t)p->noise_seed, 0x6e6f697365ULL);
  *scheme  = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeDestroy(UphillScheme *scheme)
{
  UphillScheme s = *scheme;

  PetscFunctionBegin;
  if (!s) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < 3; i++) PetscCall(VecDestroy(&s->c[i]));
  for (PetscInt i = 0; i < 4; i++) PetscCall(UphillGridFreeComplex(&s->ch[i]));
  PetscCall(UphillGridFreeComplex(&s->psi));
  PetscCall(PetscFree(s->Bel));
  PetscCall(PetscFree(s));
  *scheme = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetParams(UphillScheme s, UphillSchemeParams *p)
{
  PetscFunctionBegin;
  *p = s->p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ energy and bounds */

/* Sums over the local real points of one field: bulk f, -min, max, NaN count. */
static void RealSums(const UphillScheme s, const PetscReal *c, PetscReal sum[1], PetscReal mx[3])
{
  const PetscInt nx = s->gi.nx;

  for (PetscInt r = 0; r < s->gi.rows; r++) {
    const PetscReal *cr = c + r * nx;
    PetscReal        lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, bad = 0;
    for (PetscInt i = 0; i < nx; i++) {
      lo = PetscMin(lo, cr[i]);
      hi = PetscMax(hi, cr[i]);
      bad += !(cr[i] - cr[i] == 0.0); /* NaN or Inf */
    }
    sum[0] += ThermoModelSumF(&s->p.model, cr, nx);
    mx[0] = PetscMax(mx[0], -lo);
    mx[1] = PetscMax(mx[1], hi);
    mx[2] = PetscMax(mx[2], bad);
  }
}

/* sum_k w (kappa |k|^2 + B_k) |c_k|^2 over the local coefficients: by Parseval N^d times the
 * gradient energy density sum, plus the coherency energy */
static PetscReal GradientSum(const UphillScheme s, const UphillComplex *ch)
{
  const UphillSpectral *sp  = &s->sp;
  const PetscReal       kap = s->p.model.kappa;
  PetscReal             sum = 0;

  for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++) {
      const PetscReal wab = sp->w[0][a] * sp->w[1][b];
      for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) sum += wab * sp->w[2][e] * (kap * sp->ksq[i] + (s->Bel ? s->Bel[i] : 0.0)) * (ch[i][0] * ch[i][0] + ch[i][1] * ch[i][1]);
    }
  return sum;
}

/* Reduce the local sums of a state into its energy and bounds, F = h^d [ sum_x f(c) +
 * (kappa/2) sum_x |grad c|^2 ] + E_el (grad: GradientSum's sum), and the nextra other sums
 * along (summed in place). */
static PetscErrorCode FinishEnergy(const UphillScheme s, PetscReal bulk, PetscReal grad, const PetscReal mx[3], PetscReal *F, PetscReal *cmin, PetscReal *cmax, PetscInt nextra, PetscReal *extra)
{
  PetscReal sum[4] = {bulk, grad, 0, 0}, m[3] = {mx[0], mx[1], mx[2]};

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nextra; i++) sum[2 + i] = extra[i];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, 2 + nextra, MPIU_REAL, MPIU_SUM, s->gi.comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, m, 3, MPIU_REAL, MPIU_MAX, s->gi.comm));
  *F    = (sum[0] + 0.5 * sum[1] / s->sp.ntot) * s->gi.cell;
  *cmin = m[2] > 0 ? NAN : -m[0];
  *cmax = m[2] > 0 ? NAN : m[1];
  if (m[2] > 0) *F = NAN;
  for (PetscInt i = 0; i < nextra; i++) extra[i] = sum[2 + i];
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode StateEnergy(UphillScheme s)
{
  const PetscReal *c;
  PetscReal        bulk = 0, mx[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0};

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(s->c[1], &c));
  RealSums(s, c, &bulk, mx);
  PetscCall(VecRestoreArrayRead(s->c[1], &c));
  PetscCall(FinishEnergy(s, bulk, GradientSum(s, s->ch[1]), mx, &s->F, &s->cmin, &s->cmax, 0, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeSetState(UphillScheme s, Vec c)
{
  double *buf;

  PetscFunctionBegin;
  PetscCall(VecCopy(c, s->c[1]));
  PetscCall(UphillGridVecToBuf(s->grid, c, 1.0));
  PetscCall(UphillGridForward(s->grid));
  PetscCall(UphillGridGetBuffer(s->grid, &buf));
  PetscCall(PetscArraycpy((PetscReal *)s->ch[1], buf, 2 * s->gi.nloc_k));
  s->nhist      = 1;
  s->hprev[0]   = 0;
  s->hprev[1]   = 0;
  s->have_trial = PETSC_FALSE;
  PetscCall(StateEnergy(s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetState(UphillScheme s, Vec *c)
{
  PetscFunctionBegin;
  *c = s->c[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetSpectralState(UphillScheme s, const UphillComplex **chat)
{
  PetscFunctionBegin;
  *chat = (const UphillComplex *)s->ch[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetEnergy(UphillScheme s, PetscReal *F, PetscReal *cmin, PetscReal *cmax)
{
  PetscFunctionBegin;
  if (F) *F = s->F;
  if (cmin) *cmin = s->cmin;
  if (cmax) *cmax = s->cmax;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetPreviousStep(UphillScheme s, PetscReal *h)
{
  PetscFunctionBegin;
  *h = s->nhist >= 2 ? s->hprev[0] : 0.0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeFallback(UphillScheme s, PetscBool *switched)
{
  PetscFunctionBegin;
  *switched = (PetscBool)(s->p.flux == UPHILL_FLUX_AUTO && s->fluxes && !s->logflux);
  if (*switched) {
    s->logflux = PETSC_TRUE;
    s->nlfwd   = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetFluxForm(UphillScheme s, UphillFluxForm *form)
{
  PetscFunctionBegin;
  *form = s->logflux ? UPHILL_FLUX_LOG : UPHILL_FLUX_IDEAL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetTransformCount(UphillScheme s, PetscInt64 *count)
{
  PetscFunctionBegin;
  PetscCall(UphillGridGetTransformCount(s->grid, count));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetScratch(UphillScheme s, PetscReal **w)
{
  PetscFunctionBegin;
  /* UphillGridAllocComplex sizes it for the transform buffer, which holds the real slab too */
  *w = s->psi ? (PetscReal *)s->psi : NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeGetTrial(UphillScheme s, Vec *c)
{
  PetscFunctionBegin;
  *c = s->c[0];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ the step */

/* Wavenumber of axis d along the row (a, b) of the spectral walk: constant over the row,
 * or the innermost level's array (then *kc is unused). */
static inline const PetscReal *RowK(const UphillSpectral *sp, PetscInt d, PetscInt a, PetscInt b, PetscReal *kc)
{
  const PetscInt lev = sp->level_of_axis[d];
  *kc                = lev == 0 ? sp->k[0][a] : (lev == 1 ? sp->k[1][b] : 0.0);
  return lev == 2 ? sp->k[2] : NULL;
}

/* buf = phi(c*) for the forward transform of the explicit nonlinearity: f'(c*) (polynomial,
 * or the regular solution's with its logarithm in the LOG form), or c*^2 in the IDEAL form,
 * the one nonlinear field both Darken's (r-1) c^2/2 and the Redlich-Kister 6 chi1 c^2 of psi
 * need */
UPHILL_KERNEL static PetscErrorCode PointwiseNonlinear(UphillScheme s, const StepCoef *k, double *buf)
{
  const PetscReal   *cn, *cp;
  const ThermoModel *m  = &s->p.model;
  const PetscInt     nx = s->gi.nx, np = s->gi.nxpad;
  const PetscReal    e1 = k->e1, e2 = k->e2;
  const PetscBool    df = (PetscBool)(m->kind == THERMO_MODEL_POLYNOMIAL || s->logflux);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(s->c[1], &cn));
  PetscCall(VecGetArrayRead(s->c[2], &cp));
  for (PetscInt r = 0; r < s->gi.rows; r++) {
    const PetscReal *a = cn + r * nx, *b = cp + r * nx;
    double          *o = buf + r * np;
#pragma omp simd
    for (PetscInt i = 0; i < nx; i++) o[i] = e1 * a[i] + e2 * b[i];
    if (df) ThermoModelDFArray(m, o, o, nx);
    else {
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) o[i] = o[i] * o[i];
    }
  }
  PetscCall(VecRestoreArrayRead(s->c[2], &cp));
  PetscCall(VecRestoreArrayRead(s->c[1], &cn));
  PetscCall(PetscLogEventEnd(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* b[j] (grad_{d+j} psi, unnormalized) <- M(c*) grad_{d+j} psi / N^d for the nb = 1, 2 or 3
 * directions in transform, M formed once for all, plus with thermal noise the random flux
 * sqrt(2 M theta/(h dV)) xi, xi ~ N(0,1) per cell, step and direction (DESIGN.md 6.5): it
 * rides the flux's own forward transform, so the noise costs no transform */
UPHILL_KERNEL static PetscErrorCode PointwiseFlux(UphillScheme s, const StepCoef *k, PetscInt d, PetscInt nb, PetscBool noise, double *b0, double *b1, double *b2)
{
  const PetscReal *cn, *cp;
  const PetscInt   nx = s->gi.nx, np = s->gi.nxpad;
  const PetscReal  e1 = k->e1, e2 = k->e2, invN = 1.0 / s->sp.ntot, r = s->p.model.r;
  const PetscReal  q2 = noise ? 2.0 * s->p.theta / (k->h * s->gi.cell) : 0.0;
  double          *b[3] = {b0, b1, b2};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(s->c[1], &cn));
  PetscCall(VecGetArrayRead(s->c[2], &cp));
  for (PetscInt row = 0; row < s->gi.rows; row++) {
    const PetscReal *restrict a = cn + row * nx, *restrict c = cp + row * nx;
    double *restrict o = b[0] + row * np, *restrict o1 = nb > 1 ? b[1] + row * np : NULL, *restrict o2 = nb > 2 ? b[2] + row * np : NULL;
    if (q2 > 0) {
      for (PetscInt j = 0; j < nb; j++) {
        const uint64_t base = ((uint64_t)s->nstep * (uint64_t)s->gi.dim + (uint64_t)(d + j)) * (uint64_t)s->gi.ntot + (uint64_t)UphillGridGlobalIndex(&s->gi, 0);
        double        *oj   = b[j] + row * np;
        for (PetscInt i = 0; i < nx; i++) {
          const PetscReal M = ThermoReducedMobility(e1 * a[i] + e2 * c[i], r);
          oj[i]             = invN * M * oj[i] + PetscSqrtReal(q2 * PetscMax(M, 0.0)) * UphillHashNormal(s->nseed, base + (uint64_t)(row * nx + i));
        }
      }
    } else if (nb > 2) {
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) {
        const PetscReal M = invN * ThermoReducedMobility(e1 * a[i] + e2 * c[i], r);
        o[i] *= M;
        o1[i] *= M;
        o2[i] *= M;
      }
    } else if (nb > 1) {
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) {
        const PetscReal M = invN * ThermoReducedMobility(e1 * a[i] + e2 * c[i], r);
        o[i] *= M;
        o1[i] *= M;
      }
    } else {
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) o[i] *= invN * ThermoReducedMobility(e1 * a[i] + e2 * c[i], r);
    }
  }
  PetscCall(VecRestoreArrayRead(s->c[2], &cp));
  PetscCall(VecRestoreArrayRead(s->c[1], &cn));
  PetscCall(PetscLogEventEnd(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Constant mobility (polynomial model): the divergence of the random flux, sum_d i k_d FT(j_d),
 * has the statistics of i s(k)|k| FT(j) for one white field j, so one forward transform draws
 * it; h times it starts the accumulated part of the new coefficients. s(k) = +-1, the sign of
 * the first non-zero component, makes the multiplier odd in k like i k_d: an even one (i|k|)
 * would break the conjugate symmetry of a real field where both k and -k are stored. */
static PetscErrorCode NoiseConstantMobility(UphillScheme s, const StepCoef *k, double *buf)
{
  const UphillSpectral *sp = &s->sp;
  const PetscInt        nx = s->gi.nx, np = s->gi.nxpad;
  const PetscReal       q = PetscSqrtReal(2.0 * s->p.model.mobility * s->p.theta / (k->h * s->gi.cell));
  const uint64_t        base = (uint64_t)s->nstep * (uint64_t)s->gi.ntot + (uint64_t)UphillGridGlobalIndex(&s->gi, 0);
  UphillComplex        *w = (UphillComplex *)buf, *nw = s->ch[0];

  PetscFunctionBegin;
  for (PetscInt row = 0; row < s->gi.rows; row++)
    for (PetscInt i = 0; i < nx; i++) buf[row * np + i] = q * UphillHashNormal(s->nseed, base + (uint64_t)(row * nx + i));
  PetscCall(UphillGridForward(s->grid));
  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal kc[3], kk;
      const PetscReal *kv[3];
      for (PetscInt d = 0; d < s->gi.dim; d++) kv[d] = RowK(sp, d, a, b, &kc[d]);
      for (PetscInt e = 0; e < sp->nlev[2]; e++) {
        PetscReal sgn = 0;
        kk            = 0;
        for (PetscInt d = 0; d < s->gi.dim; d++) {
          const PetscReal kd = kv[d] ? kv[d][e] : kc[d]; /* odd-derivative wavenumbers: Nyquist zeroed */
          kk += kd * kd;
          if (sgn == 0 && kd != 0) sgn = kd > 0 ? 1.0 : -1.0;
        }
        kk = sgn * PetscSqrtReal(kk);
        nw[row + e][0] = -k->h * kk * w[row + e][1];
        nw[row + e][1] = k->h * kk * w[row + e][0];
      }
    }
  s->acc = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The constants of the first pass (see SpectralStartRegular). */
typedef struct {
  PetscReal h, kap, lin, q6, hr, e1, e2;
  PetscBool lg, quad;
} StartCoef;

/* One row of the first pass; the flags are constants at every call (always inlined), so each
 * variant is a branch-free loop the compiler vectorizes. The buffer is loaded always and
 * used only where it holds FT f'(c*) or FT(c*^2). */
static inline __attribute__((always_inline)) void StartRow(const StartCoef *q, PetscInt n, PetscReal k2ab, const PetscReal *restrict k2e, const PetscReal *restrict kv, PetscReal kc, const PetscReal *restrict kyv, const PetscReal *restrict bel, const UphillComplex *restrict c1, const UphillComplex *restrict c2, UphillComplex *restrict psi, UphillComplex *restrict nw, UphillComplex *restrict w, PetscReal ky, PetscReal kz, PetscBool darken, PetscBool karr, PetscBool el, PetscBool fused, PetscBool three)
{
  const PetscReal h = q->h, kap = q->kap, lin = q->lin, q6 = q->q6, hr = q->hr, e1 = q->e1, e2 = q->e2;
  const PetscBool lg = q->lg, quad = q->quad;

#pragma omp simd
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal k2 = k2ab + k2e[i], kx = karr ? kv[i] : kc; /* = ksq[i], without its stream */
    const PetscReal sr = e1 * c1[i][0] + e2 * c2[i][0], si = e1 * c1[i][1] + e2 * c2[i][1];
    const PetscReal wr = w[i][0], wi = w[i][1], qr = quad ? wr : 0.0, qi = quad ? wi : 0.0;
    const PetscReal bk = el ? bel[i] : 0.0; /* coherency: mu_el,k = B(n_k) c_k, linear */
    const PetscReal pr = (lg ? wr + kap * k2 * sr : (kap * k2 - lin) * sr + q6 * qr) + bk * sr;
    const PetscReal pi = (lg ? wi + kap * k2 * si : (kap * k2 - lin) * si + q6 * qi) + bk * si;
    if (darken) {
      nw[i][0] = -h * k2 * hr * qr;
      nw[i][1] = -h * k2 * hr * qi;
    }
    if (three) { /* 3D fused: i k_y psi_k, i k_z psi_k, both constant along the row */
      nw[i][0] = -kz * pi;
      nw[i][1] = kz * pr;
    }
    psi[i][0] = fused ? -kyv[i] * pi : (three ? -ky * pi : pr);
    psi[i][1] = fused ? kyv[i] * pr : (three ? ky * pr : pi);
    w[i][0]   = -kx * pi;
    w[i][1]   = kx * pr;
  }
}

/* Regular model, first spectral pass: keep psi*_k (2D: put i k_y psi*_k in its place, the
 * second field in transform; 3D fused: that, and i k_z psi*_k in the new coefficients' array)
 * and put i k_x psi*_k in the buffer; the history and the explicit linear terms are added in the final pass, which reads c^n and
 * c^{n-1} anyway (the step is bound by memory traffic, so no pass writes what a later one
 * can form from data it reads):
 *   IDEAL: psi_k = (kappa k^2 - 2 chi - 6 chi1) c*_k + 6 chi1 FT(c*^2) (Redlich-Kister: psi's
 *          bulk part chi (1-2c) + chi1 (1 - 6c + 6c^2)); Darken also needs
 *          -h k^2 (r-1)/2 FT(c*^2), which only this pass sees, so it starts the accumulation
 *   LOG:   psi_k = FT f'(c*) + kappa k^2 c*_k (= mu*_k) */
UPHILL_KERNEL static void SpectralStartRegular(UphillScheme s, const StepCoef *k, UphillComplex *w)
{
  const UphillSpectral *sp = &s->sp;
  const ThermoModel    *m  = &s->p.model;
  const PetscBool       darken = (PetscBool)(!s->logflux && m->r != 1.0);
  const StartCoef       q      = {k->h, m->kappa, 2.0 * m->chi + 6.0 * m->chi1, 6.0 * m->chi1, 0.5 * (m->r - 1.0), k->e1, k->e2, s->logflux, (PetscBool)(!s->logflux && s->nlfwd)};

  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal        kc, ky = 0, kz = 0;
      const PetscReal *kv = RowK(sp, 0, a, b, &kc), *bel = s->Bel ? s->Bel + row : NULL;
      const PetscReal *kyv = s->fused || s->fused3 ? RowK(sp, 1, a, b, &ky) : NULL; /* 2D: k_y is the row */
#define START_ROW3(D, K, E, F, T) StartRow(&q, sp->nlev[2], sp->k2[0][a] + sp->k2[1][b], sp->k2[2], kv, kc, kyv, bel, s->ch[1] + row, s->ch[2] + row, s->psi + row, s->ch[0] + row, w + row, ky, kz, D, K, E, F, T)
#define START_ROW(D, K, E, F) START_ROW3(D, K, E, F, PETSC_FALSE)
      if (s->fused3) { /* 3D: k_x along the row (kv), k_y and k_z constant; never Darken */
        (void)RowK(sp, 2, a, b, &kz);
        bel ? START_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE) : START_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE);
      } else if (s->fused) { /* 2D: k_x is constant along the row */
        if (darken) bel ? START_ROW(PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE) : START_ROW(PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE);
        else bel ? START_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE) : START_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE);
      } else if (darken) {
        if (kv) bel ? START_ROW(PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE) : START_ROW(PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE);
        else bel ? START_ROW(PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE) : START_ROW(PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
      } else {
        if (kv) bel ? START_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE) : START_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE);
        else bel ? START_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE) : START_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
      }
#undef START_ROW
#undef START_ROW3
    }
  s->acc = darken;
}

/* What the final spectral pass starts from. */
typedef enum {
  FINAL_POLYNOMIAL, /* the buffer holds FT f'(c*): the whole right-hand side is made here */
  FINAL_FLUX,       /* the new coefficients hold the accumulated right-hand side but for the
                     * last flux direction, whose transform is in the buffer */
  FINAL_FLUX2,      /* 2D, fused: the x flux's transform is in the buffer, the y flux's in
                     * psi's array, and the new coefficients hold at most Darken's part */
  FINAL_FLUX2_SWEEP, /* as FINAL_FLUX2, and the mobility sweep follows: the buffer and psi's
                     * array get what CorrectStart would put there, no sums are taken */
  FINAL_FLUX3,      /* 3D, fused: the x, y and z fluxes' transforms in the buffer, psi's array
                     * and the new coefficients' array (which nothing accumulated in) */
  FINAL_FLUX3_SWEEP /* as FINAL_FLUX3, and the mobility sweep follows: the buffer and psi's
                     * array get its x and y gradients (CorrectMid3 does z), no sums */
} FinalMode;

/* The constants of the final pass (see SpectralFinal). */
typedef struct {
  PetscReal h, kap, M, S, D2, D4, E2, E4, hm, a0, a1, a2, e1, e2, l0, l1, l2, errc, L2, A4, fd2, fd4;
} FinalCoef;

/* One row of the final pass. The flags are constants at every call (always inlined), so each
 * variant is a loop without branches or conditional loads, which the compiler vectorizes;
 * restrict: the seven arrays are distinct. */
static inline __attribute__((always_inline)) void FinalRow(const FinalCoef *q, PetscInt n, PetscReal k2ab, const PetscReal *restrict k2e, const PetscReal *restrict we, const PetscReal *restrict kv, PetscReal kc, PetscReal kx, PetscReal ky, PetscReal kz, const PetscReal *restrict bel, const UphillComplex *restrict p1, const UphillComplex *restrict p2, const UphillComplex *restrict p3, UphillComplex *restrict fy, UphillComplex *restrict nr, UphillComplex *restrict wr, PetscBool acc, PetscBool poly, PetscBool karr, PetscBool el, PetscBool two, PetscBool sw, PetscBool three, PetscReal sum[3])
{
  const PetscReal h = q->h, a0 = q->a0, a1 = q->a1, a2 = q->a2, e1 = q->e1, e2 = q->e2, l0 = q->l0, l1 = q->l1, l2 = q->l2, errc = q->errc;
  PetscReal       er = 0, gr = 0, cr = 0;

#pragma omp simd reduction(+ : er, gr, cr)
  for (PetscInt e = 0; e < n; e++) {
    const PetscReal k2 = k2ab + k2e[e], f = 1.0 / (a0 + h * k2 * (q->D2 + q->D4 * k2));
    const PetscReal sr = e1 * p1[e][0] + e2 * p2[e][0], si = e1 * p1[e][1] + e2 * p2[e][1];
    const PetscReal ar = nr[e][0], ai = nr[e][1]; /* loaded always, used only when acc (three: the z flux) */
    PetscReal       nre, nim;
    if (poly) {
      nre = a1 * p1[e][0] - a2 * p2[e][0] + h * k2 * (q->S * sr - q->M * wr[e][0]) + (acc ? ar : 0.0);
      nim = a1 * p1[e][1] - a2 * p2[e][1] + h * k2 * (q->S * si - q->M * wr[e][1]) + (acc ? ai : 0.0);
    } else if (three) {
      /* as below, with the three fluxes: kv is k_x along the row, k_y and k_z constant */
      const PetscReal lin = k2 * (q->L2 + q->A4 * k2), kxe = kv[e];
      const PetscReal gr_ = -(kxe * wr[e][1] + ky * fy[e][1] + kz * ai), gi_ = kxe * wr[e][0] + ky * fy[e][0] + kz * ar;
      nre = a1 * p1[e][0] - a2 * p2[e][0] + h * (lin * sr + gr_);
      nim = a1 * p1[e][1] - a2 * p2[e][1] + h * (lin * si + gi_);
    } else {
      /* history, explicit linear terms (lin = (D - 1 + [LOG]) k^2 + (S + A kappa k^2) k^2),
       * what earlier passes accumulated (two: plus the x flux, as FluxAdd adds it),
       * and the last flux direction */
      const PetscReal kd = karr ? kv[e] : kc, lin = k2 * (q->L2 + q->A4 * k2);
      const PetscReal fr = two ? fy[e][0] : wr[e][0], fi = two ? fy[e][1] : wr[e][1];
      const PetscReal xr = two ? (acc ? ar : 0.0) - h * kx * wr[e][1] : (acc ? ar : 0.0);
      const PetscReal xi = two ? (acc ? ai : 0.0) + h * kx * wr[e][0] : (acc ? ai : 0.0);
      nre = a1 * p1[e][0] - a2 * p2[e][0] + h * (lin * sr - kd * fi) + xr;
      nim = a1 * p1[e][1] - a2 * p2[e][1] + h * (lin * si + kd * fr) + xi;
    }
    /* the k = 0 mode (mass) is never changed, not even by the round-off of a0 */
    const PetscReal re = k2 > 0 ? f * nre : p1[e][0], im = k2 > 0 ? f * nim : p1[e][1];
    /* local error: Milne on the predictor, plus the splitting error of the stabilizers,
     * which the predictor cannot see: the defect h L (c* - c^{n+1}) is damped like any error
     * by the true operator, so it enters c^{n+1} as h L (c* - c^{n+1})/(a0 + h G), with
     * G = k^2 (fd2 + fd4 k^2) >= 0 where known, the polynomial model (the filtered estimate of
     * stiff integrators, Hairer & Wanner II, IV.8); else (h/a0) L (c* - c^{n+1}) */
    const PetscReal G  = poly ? PetscMax(k2 * (q->fd2 + q->fd4 * k2), 0.0) : 0.0;
    const PetscReal L  = poly ? q->hm * a0 * k2 * (q->E2 + q->E4 * k2) / (a0 + h * G) : q->hm * k2 * (q->E2 + q->E4 * k2);
    const PetscReal dr = errc * (re - (l0 * p1[e][0] + l1 * p2[e][0] + l2 * p3[e][0])) + L * (sr - re);
    const PetscReal di = errc * (im - (l0 * p1[e][1] + l1 * p2[e][1] + l2 * p3[e][1])) + L * (si - im);
    nr[e][0] = re;
    nr[e][1] = im;
    if (sw) { /* CorrectStart's gradient of kappa k^2 (x0 - c*), made while x0 and c* are
               * in registers: x and y (2D: k_x constant, k_y the row; 3D: k_x the row, k_y
               * constant) */
      const PetscReal vr = q->kap * k2 * (re - sr), vi = q->kap * k2 * (im - si);
      const PetscReal kxs = three ? kv[e] : kx, kys = three ? ky : kv[e];
      fy[e][0] = -kys * vi;
      fy[e][1] = kys * vr;
      wr[e][0] = -kxs * vi;
      wr[e][1] = kxs * vr;
    } else {
      wr[e][0] = re;
      wr[e][1] = im;
      er += we[e] * (dr * dr + di * di);
      gr += we[e] * (q->kap * k2 + (el ? bel[e] : 0.0)) * (re * re + im * im);
      cr += we[e] * ((re - p1[e][0]) * (re - p1[e][0]) + (im - p1[e][1]) * (im - p1[e][1]));
    }
  }
  sum[0] = er;
  sum[1] = gr;
  sum[2] = cr;
}

/* c^{n+1}_k = right-hand side / (a0 + h D2 k^2 + h D4 k^4), with the sums of the error
 * estimate and of the gradient energy taken on the way; the buffer gets c^{n+1}_k for the
 * last transform (FINAL_FLUX2_SWEEP: no sums, and the buffer and psi get the sweep's
 * gradient instead, see CorrectStart). One pass over the coefficients, because the step is
 * bound by memory:
 *   polynomial:  rhs = a1 c^n - a2 c^{n-1} + h k^2 [S c* - M FT f'(c*)]
 *   regular:     rhs = a1 c^n - a2 c^{n-1} + h lin c* + [accumulated] + h i k_d FT(M grad_d psi*)
 *                with d the last direction */
UPHILL_KERNEL static void SpectralFinal(UphillScheme s, const StepCoef *k, UphillComplex *w, FinalMode mode, PetscInt dlast, PetscReal sums[3])
{
  const UphillSpectral *sp = &s->sp;
  const ThermoModel    *m  = &s->p.model;
  const PetscBool       reg = (PetscBool)(m->kind == THERMO_MODEL_REGULAR), poly = (PetscBool)(mode == FINAL_POLYNOMIAL);
  const PetscBool       sw = (PetscBool)(mode == FINAL_FLUX2_SWEEP || mode == FINAL_FLUX3_SWEEP), three = (PetscBool)(mode == FINAL_FLUX3 || mode == FINAL_FLUX3_SWEEP);
  const PetscBool       two = (PetscBool)(mode == FINAL_FLUX2 || mode == FINAL_FLUX2_SWEEP), acc = s->acc;
  FinalCoef             q;
  PetscReal             es = 0, gs = 0, cs = 0;

  q.h = k->h, q.kap = m->kappa, q.M = m->mobility, q.S = s->p.S;
  /* denominator: a0 + h (D2 k^2 + D4 k^4); of it, E2 k^2 + E4 k^4 acts on c^{n+1} - c* (the
   * stabilizers L: all but the exact implicit parts, k^2 of the IDEAL flux and M kappa k^4 of
   * the polynomial model) */
  q.D2 = reg ? s->Dimp + q.S : q.S;
  q.D4 = reg ? s->p.A * q.kap : q.M * q.kap;
  q.E2 = reg ? q.D2 - (s->logflux ? 0.0 : 1.0) : q.S;
  q.E4 = reg ? q.D4 : 0.0;
  q.fd2 = k->fd2, q.fd4 = k->fd4;
  q.hm = k->gfac * k->h / k->a0, q.a0 = k->a0, q.a1 = k->a1, q.a2 = k->a2, q.e1 = k->e1, q.e2 = k->e2;
  q.l0 = k->l0, q.l1 = k->l1, q.l2 = k->l2, q.errc = k->errc;
  q.L2 = s->Dimp - (s->logflux ? 0.0 : 1.0) + q.S, q.A4 = s->p.A * q.kap;
  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      const PetscInt   n = sp->nlev[2];
      const PetscReal  wab = sp->w[0][a] * sp->w[1][b], k2ab = sp->k2[0][a] + sp->k2[1][b];
      PetscReal        kc = 0, kx = 0, r[3];
      PetscReal        ky = 0, kz = 0;
      const PetscReal *kv = poly ? NULL : RowK(sp, three ? 0 : dlast, a, b, &kc), *bel = s->Bel ? s->Bel + row : NULL;
      UphillComplex   *nr = s->ch[0] + row, *wr = w + row, *p1 = s->ch[1] + row, *p2 = s->ch[2] + row, *p3 = s->ch[3] + row;
#define FINAL_ROW3(P, K, E, T, W, T3) FinalRow(&q, n, k2ab, sp->k2[2], sp->w[2], kv, kc, kx, ky, kz, bel, p1, p2, p3, s->psi + row, nr, wr, acc, P, K, E, T, W, T3, r)
#define FINAL_ROW(P, K, E, T, W) FINAL_ROW3(P, K, E, T, W, PETSC_FALSE)
      if (poly) FINAL_ROW(PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
      else if (three) {
        (void)RowK(sp, 1, a, b, &ky);
        (void)RowK(sp, 2, a, b, &kz); /* acc is false here: fused3 excludes Darken */
        if (sw) bel ? FINAL_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE) : FINAL_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE);
        else bel ? FINAL_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE) : FINAL_ROW3(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE);
      }
      else if (two) { /* 2D: k_x constant along the row, k_y (the last direction) the row */
        (void)RowK(sp, 0, a, b, &kx);
        if (sw) bel ? FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE) : FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE);
        else bel ? FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE) : FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE);
      } else if (kv) {
        if (bel) FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE);
        else FINAL_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
      } else {
        if (bel) FINAL_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE);
        else FINAL_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
      }
#undef FINAL_ROW
#undef FINAL_ROW3
      es += wab * r[0];
      gs += wab * r[1];
      cs += wab * r[2];
    }
  sums[0] = es; /* estimate, squared */
  sums[1] = gs; /* gradient energy */
  sums[2] = cs; /* change over the step, squared */
}

/* One row of FluxAdd; the flags are constants at every call (always inlined), so each variant
 * is a branch-free loop the compiler vectorizes, as FinalRow: acc, the new coefficients hold
 * something; ka/kb, k_d/k_{d+1} vary along the row (else kc/kn); pre, the sweep's P^{-1} (else
 * the constant scale/a0, and no division) */
static inline __attribute__((always_inline)) void FluxAddRow(PetscInt n, PetscReal k2ab, const PetscReal *restrict k2e, const PetscReal *restrict kv, PetscReal kc, const PetscReal *restrict knv, PetscReal kn, UphillComplex *restrict nw, UphillComplex *restrict w, const UphillComplex *restrict psi, PetscReal scale, PetscReal a0, PetscReal hp, PetscReal D2, PetscReal D4, PetscBool acc, PetscBool ka, PetscBool kb, PetscBool pre)
{
  const PetscReal g0 = scale / a0;

#pragma omp simd
  for (PetscInt e = 0; e < n; e++) {
    const PetscReal k2 = k2ab + k2e[e]; /* = ksq, without its stream */
    const PetscReal g = pre ? scale / (a0 + hp * k2 * (D2 + D4 * k2)) : g0;
    const PetscReal kd = ka ? kv[e] : kc, k1 = kb ? knv[e] : kn;
    const PetscReal fr = w[e][0], fi = w[e][1];
    nw[e][0] = (acc ? nw[e][0] : 0.0) - g * kd * fi;
    nw[e][1] = (acc ? nw[e][1] : 0.0) + g * kd * fr;
    w[e][0]  = -k1 * psi[e][1];
    w[e][1]  = k1 * psi[e][0];
  }
}

/* After the forward transform of flux d (not the last): add g i k_d FT(flux_d) to the new
 * coefficients (to what they hold if acc), g = scale/(a0 + hp k^2 (D2 + D4 k^2)): the step's h
 * (a0 = 1, hp = 0), or the mobility sweep's (h/theta) P^{-1}; and put the next direction's
 * i k_{d+1} psi_k in the buffer. */
UPHILL_KERNEL static void FluxAdd(UphillScheme s, PetscInt d, UphillComplex *w, PetscBool acc, PetscReal scale, PetscReal a0, PetscReal hp, PetscReal D2, PetscReal D4)
{
  const UphillSpectral *sp = &s->sp;
  const PetscBool       pre = (PetscBool)(hp != 0.0);

  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal        kc, kn;
      const PetscReal *kv = RowK(sp, d, a, b, &kc), *knv = RowK(sp, d + 1, a, b, &kn);
      const PetscReal  k2ab = sp->k2[0][a] + sp->k2[1][b];
#define FLUX_ADD_ROW(A, KA, KB, P) FluxAddRow(sp->nlev[2], k2ab, sp->k2[2], kv, kc, knv, kn, s->ch[0] + row, w + row, s->psi + row, scale, a0, hp, D2, D4, A, KA, KB, P)
#define FLUX_ADD_K(A, P) \
  do { \
    if (kv && knv) FLUX_ADD_ROW(A, PETSC_TRUE, PETSC_TRUE, P); \
    else if (kv) FLUX_ADD_ROW(A, PETSC_TRUE, PETSC_FALSE, P); /* 3D: x along the row, y next */ \
    else if (knv) FLUX_ADD_ROW(A, PETSC_FALSE, PETSC_TRUE, P); /* 2D walls: y next, along the row */ \
    else FLUX_ADD_ROW(A, PETSC_FALSE, PETSC_FALSE, P); \
  } while (0)
      if (pre) { /* the sweep, which adds to x0 */
        if (acc) FLUX_ADD_K(PETSC_TRUE, PETSC_TRUE);
        else FLUX_ADD_K(PETSC_FALSE, PETSC_TRUE);
      } else if (acc) FLUX_ADD_K(PETSC_TRUE, PETSC_FALSE);
      else FLUX_ADD_K(PETSC_FALSE, PETSC_FALSE);
#undef FLUX_ADD_K
#undef FLUX_ADD_ROW
    }
}

/* ------------------------------------------------------------------ the mobility sweep
 *
 * -stab_correct: the step above treats the stiff term -kappa div(M grad lap c) as
 * A kappa k^4 (c^{n+1} - c*) plus the term at c*, with A >= max M. Where M << A (the bulk of
 * both phases, M ~ c_b (1 - c_b), 8x below A in the Cu-Ag run) a stiff mode is then damped
 * only by |z| = sqrt(1 - M/A) per BDF2 step, so it rings, and the step stays small. The
 * linearly implicit equation it approximates is
 *   K x = b,  K = P - h R,  P = a0 + h k^2 (D2 + D4 k^2)  (the step's denominator),
 *   R v = A kappa k^4 v - kappa div(M(c*) grad lap v)
 *       = A kappa k^4 v_k + i k . FT( M(c*) grad(kappa k^2 v)_x ),
 * and the stabilized step x0 solves P x0 = b + h R c*, so its defect is r0 = h R (x0 - c*).
 * P^{-1} K is similar (conjugated by (-lap)^{1/2}) to a symmetric operator whose Rayleigh
 * quotients lie in [alpha, beta] = [min(1, M_min/A), max(1, max M/A)]; one Chebyshev sweep
 * on that interval is
 *   x1 = x0 + P^{-1} r0 / theta,  theta = (alpha + beta)/2,
 * 2d transforms (the gradient of kappa lap (x0 - c*), times M(c*), back). It leaves at most
 * (beta - alpha)/(beta + alpha) of the splitting defect in any mode and none where the
 * quotient is theta; on a late Cu-Ag state its steps differ from the fully implicit solve's
 * (GMRES to 1e-8) by 5 % of their own error, so the error estimate drops A's splitting share:
 * what is left of it is below the scheme's own truncation error, which Milne sees. The k^2
 * stabilizer's share (LOG's D + S, Darken's r - 1, S > 0), which the sweep leaves, stays. */
typedef struct {
  PetscReal h, ht, kap, A, D2, D4, a0, e1, e2, l0, l1, l2, errc, hm, E2;
} CorrectCoef;

/* theta, the middle of [alpha, beta] = [min(1, M_min/A), max(1, max M/A)], A > 0: M_min from
 * the state's bounds (M rises then falls on [0,1], Darken's included, so its least value over
 * [cmin, cmax] is at an end; an estimate off by a little only slows the sweep, it cannot make
 * it diverge: the factor 1 - lambda/theta stays within [-1, 1]) */
static PetscReal CorrectTheta(const ThermoModel *m, PetscReal A, PetscReal cmin, PetscReal cmax)
{
  const PetscReal lo = PetscMin(PetscMax(cmin, 0.0), 1.0), hi = PetscMin(PetscMax(cmax, 0.0), 1.0);
  const PetscReal Mlo = PetscMax(0.0, PetscMin(ThermoReducedMobility(lo, m->r), ThermoReducedMobility(hi, m->r)));
  return 0.5 * (PetscMin(1.0, Mlo / A) + PetscMax(1.0, ThermoModelMaxMobility(m) / A));
}

static void CorrectCoefficients(UphillScheme s, const StepCoef *k, CorrectCoef *q)
{
  const ThermoModel *m = &s->p.model;

  q->h = k->h, q->ht = k->h / CorrectTheta(m, s->p.A, s->cmin, s->cmax), q->kap = m->kappa, q->A = s->p.A;
  q->D2 = s->Dimp + s->p.S, q->D4 = s->p.A * m->kappa, q->a0 = k->a0, q->e1 = k->e1, q->e2 = k->e2;
  q->l0 = k->l0, q->l1 = k->l1, q->l2 = k->l2, q->errc = k->errc;
  /* the k^2 stabilizer (LOG's D + S, Darken's r - 1, S), which the sweep leaves as it is */
  q->hm = k->gfac * k->h / k->a0, q->E2 = q->D2 - (s->logflux ? 0.0 : 1.0);
}

/* kappa k^2 v_k, v = x0 - c*, into psi and i k_d of it into the buffer (d the direction of the
 * next flux: kv along the row if karr, else the constant kc); mid (3D fused, after the x and y
 * fluxes of the sweep, whose transforms the buffer and psi's array hold): first
 * x0 += (h/theta) P^{-1} i (k_x FT(flux_x) + k_y FT(flux_y)) (k_x the row kxv, k_y constant),
 * what FluxAdd adds direction by direction, v taken from the x0 before it */
static inline __attribute__((always_inline)) void SweepGradientRow(const CorrectCoef *q, PetscInt n, PetscReal k2ab, const PetscReal *restrict k2e, const PetscReal *restrict kv, PetscReal kc, const PetscReal *restrict kxv, PetscReal ky, UphillComplex *restrict x0, const UphillComplex *restrict c1, const UphillComplex *restrict c2, UphillComplex *restrict psi, UphillComplex *restrict w, PetscBool karr, PetscBool mid)
{
  const PetscReal h = q->h, ht = q->ht, kap = q->kap, a0 = q->a0, D2 = q->D2, D4 = q->D4, e1 = q->e1, e2 = q->e2;

#pragma omp simd
  for (PetscInt e = 0; e < n; e++) {
    const PetscReal k2 = k2ab + k2e[e], kq = kap * k2, kd = karr ? kv[e] : kc;
    const PetscReal vr = kq * (x0[e][0] - e1 * c1[e][0] - e2 * c2[e][0]);
    const PetscReal vi = kq * (x0[e][1] - e1 * c1[e][1] - e2 * c2[e][1]);
    if (mid) {
      const PetscReal g = ht / (a0 + h * k2 * (D2 + D4 * k2)), kx = kxv[e];
      x0[e][0] -= g * (kx * w[e][1] + ky * psi[e][1]);
      x0[e][1] += g * (kx * w[e][0] + ky * psi[e][0]);
    }
    psi[e][0] = vr;
    psi[e][1] = vi;
    w[e][0]   = -kd * vi;
    w[e][1]   = kd * vr;
  }
}

/* The sweep's start where the step does the directions in turn (walls, 3D with Darken): psi
 * <- kappa k^2 (x0 - c*)_k and the buffer <- i k_x of it. (Fused, SpectralFinal's _SWEEP modes
 * make the gradients.) */
UPHILL_KERNEL static void CorrectStart(UphillScheme s, const CorrectCoef *q, UphillComplex *w)
{
  const UphillSpectral *sp = &s->sp;

  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal        kc;
      const PetscReal *kv   = RowK(sp, 0, a, b, &kc);
      const PetscReal  k2ab = sp->k2[0][a] + sp->k2[1][b];
      if (kv) SweepGradientRow(q, sp->nlev[2], k2ab, sp->k2[2], kv, kc, NULL, 0.0, s->ch[0] + row, s->ch[1] + row, s->ch[2] + row, s->psi + row, w + row, PETSC_TRUE, PETSC_FALSE);
      else SweepGradientRow(q, sp->nlev[2], k2ab, sp->k2[2], kv, kc, NULL, 0.0, s->ch[0] + row, s->ch[1] + row, s->ch[2] + row, s->psi + row, w + row, PETSC_FALSE, PETSC_FALSE);
    }
}

/* 3D fused: the sweep after its x and y fluxes (SweepGradientRow's mid), z next */
UPHILL_KERNEL static void CorrectMid3(UphillScheme s, const CorrectCoef *q, UphillComplex *w)
{
  const UphillSpectral *sp = &s->sp;

  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal        kc, ky, kz;
      const PetscReal *kxv = RowK(sp, 0, a, b, &kc); /* 3D periodic: x is the row */
      (void)RowK(sp, 1, a, b, &ky);
      (void)RowK(sp, 2, a, b, &kz);
      SweepGradientRow(q, sp->nlev[2], sp->k2[0][a] + sp->k2[1][b], sp->k2[2], NULL, kz, kxv, ky, s->ch[0] + row, s->ch[1] + row, s->ch[2] + row, s->psi + row, w + row, PETSC_FALSE, PETSC_TRUE);
    }
}

/* One row of CorrectFinal; the flags are constants at every call (always inlined), so each
 * variant is a branch-free loop the compiler vectorizes, as FinalRow. */
static inline __attribute__((always_inline)) void CorrectRow(const CorrectCoef *q, PetscInt n, const PetscReal *restrict ksq, const PetscReal *restrict we, const PetscReal *restrict kv, PetscReal kc, PetscReal kx, const PetscReal *restrict bel, UphillComplex *restrict x, UphillComplex *restrict w, const UphillComplex *restrict psi, const UphillComplex *restrict p1, const UphillComplex *restrict p2, const UphillComplex *restrict p3, PetscBool fused, PetscBool karr, PetscBool el, PetscReal sum[3])
{
  const PetscReal h = q->h, ht = q->ht, kap = q->kap, A = q->A, D2 = q->D2, D4 = q->D4, a0 = q->a0, e1 = q->e1, e2 = q->e2;
  const PetscReal l0 = q->l0, l1 = q->l1, l2 = q->l2, errc = q->errc, hE2 = q->hm * q->E2;
  PetscReal       er = 0, gr = 0, cr = 0;

#pragma omp simd reduction(+ : er, gr, cr)
  for (PetscInt e = 0; e < n; e++) {
    const PetscReal k2 = ksq[e], f = ht / (a0 + h * k2 * (D2 + D4 * k2)), kd = karr ? kv[e] : kc;
    const PetscReal sr = e1 * p1[e][0] + e2 * p2[e][0], si = e1 * p1[e][1] + e2 * p2[e][1];
    /* kappa k^2 v_k: recomputed when fused (x0 is intact), kept in psi otherwise; fused: the x
     * flux in the buffer, the y flux (the last direction) in psi */
    const PetscReal vr = fused ? kap * k2 * (x[e][0] - sr) : psi[e][0], vi = fused ? kap * k2 * (x[e][1] - si) : psi[e][1];
    const PetscReal dr = (fused ? -kx * w[e][1] - kd * psi[e][1] : -kd * w[e][1]) + A * k2 * vr;
    const PetscReal di = (fused ? kx * w[e][0] + kd * psi[e][0] : kd * w[e][0]) + A * k2 * vi;
    const PetscReal re = k2 > 0 ? x[e][0] + f * dr : p1[e][0], im = k2 > 0 ? x[e][1] + f * di : p1[e][1];
    /* Milne, plus the k^2 stabilizer's splitting defect (h/a0) E2 k^2 (c* - c^{n+1}) */
    const PetscReal dre = errc * (re - (l0 * p1[e][0] + l1 * p2[e][0] + l2 * p3[e][0])) + hE2 * k2 * (sr - re);
    const PetscReal die = errc * (im - (l0 * p1[e][1] + l1 * p2[e][1] + l2 * p3[e][1])) + hE2 * k2 * (si - im);
    x[e][0] = w[e][0] = re;
    x[e][1] = w[e][1] = im;
    er += we[e] * (dre * dre + die * die);
    gr += we[e] * (kap * k2 + (el ? bel[e] : 0.0)) * (re * re + im * im);
    cr += we[e] * ((re - p1[e][0]) * (re - p1[e][0]) + (im - p1[e][1]) * (im - p1[e][1]));
  }
  sum[0] = er;
  sum[1] = gr;
  sum[2] = cr;
}

/* The last direction: x1 = x0 + (h/theta) P^{-1} [i k . FT(M(c*) grad kappa k^2 v) + A kappa k^4 v],
 * v = x0 - c*, and the sums of SpectralFinal on x1 (the error estimate: Milne's, plus the k^2
 * stabilizer's share where there is one; none of A's, see above). */
UPHILL_KERNEL static void CorrectFinal(UphillScheme s, const CorrectCoef *q, UphillComplex *w, PetscInt dlast, PetscReal sums[3])
{
  const UphillSpectral *sp = &s->sp;
  PetscReal             es = 0, gs = 0, cs = 0;

  for (PetscInt a = 0, row = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++, row += sp->nlev[2]) {
      PetscReal        kc, kx = 0, r[3];
      const PetscReal  wab = sp->w[0][a] * sp->w[1][b];
      const PetscReal *kv = RowK(sp, dlast, a, b, &kc), *bel = s->Bel ? s->Bel + row : NULL;
#define CORRECT_ROW(F, K, E) CorrectRow(q, sp->nlev[2], sp->ksq + row, sp->w[2], kv, kc, kx, bel, s->ch[0] + row, w + row, s->psi + row, s->ch[1] + row, s->ch[2] + row, s->ch[3] + row, F, K, E, r)
      if (s->fused) { /* 2D: k_x constant along the row, k_y (the last direction) the row */
        (void)RowK(sp, 0, a, b, &kx);
        bel ? CORRECT_ROW(PETSC_TRUE, PETSC_TRUE, PETSC_TRUE) : CORRECT_ROW(PETSC_TRUE, PETSC_TRUE, PETSC_FALSE);
      } else if (kv) bel ? CORRECT_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_TRUE) : CORRECT_ROW(PETSC_FALSE, PETSC_TRUE, PETSC_FALSE);
      else bel ? CORRECT_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_TRUE) : CORRECT_ROW(PETSC_FALSE, PETSC_FALSE, PETSC_FALSE);
#undef CORRECT_ROW
      es += wab * r[0];
      gs += wab * r[1];
      cs += wab * r[2];
    }
  sums[0] = es;
  sums[1] = gs;
  sums[2] = cs;
}

/* The new field from the buffer (after the last inverse transform), with its bounds and bulk
 * energy taken in the same loop, row by row (ThermoModelScaleSumF). */
UPHILL_KERNEL static PetscErrorCode FinishReal(UphillScheme s, const double *buf, PetscReal *bulk, PetscReal mx[3])
{
  PetscReal      *x;
  const PetscInt  nx = s->gi.nx, np = s->gi.nxpad;
  const PetscReal invN = 1.0 / s->sp.ntot;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscCall(VecGetArray(s->c[0], &x));
  for (PetscInt r = 0; r < s->gi.rows; r++) *bulk += ThermoModelScaleSumF(&s->p.model, buf + r * np, invN, x + r * nx, nx, mx);
  PetscCall(VecRestoreArray(s->c[0], &x));
  PetscCall(PetscLogEventEnd(UPHILL_POINTWISE, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeTry(UphillScheme s, PetscReal h, UphillStepResult *res)
{
  StepCoef       k;
  double        *buf;
  UphillComplex *w;
  PetscReal      sums[3] = {0, 0, 0}, bulk = 0, mx[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0};
  const PetscBool sweep = (PetscBool)(s->fluxes && s->p.correct && s->p.A > 0); /* -stab_A 0: no stabilizer to correct */

  PetscFunctionBegin;
  PetscCheck(s->nhist >= 1, s->gi.comm, PETSC_ERR_ORDER, "the scheme has no state: call UphillSchemeSetState first");
  PetscCheck(h > 0, s->gi.comm, PETSC_ERR_ARG_OUTOFRANGE, "step size must be positive, got %g", (double)h);
  PetscCall(PetscLogEventBegin(UPHILL_STEP, 0, 0, 0, 0));
  Coefficients(s, h, &k);
  PetscCall(UphillGridGetBuffer(s->grid, &buf));
  w = (UphillComplex *)buf;
  s->acc = PETSC_FALSE;
  if (s->p.theta > 0 && !s->fluxes) PetscCall(NoiseConstantMobility(s, &k, buf));
  if (s->nlfwd) {
    PetscCall(PointwiseNonlinear(s, &k, buf));
    PetscCall(UphillGridForward(s->grid));
  }
  PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
  if (s->fluxes) SpectralStartRegular(s, &k, w);
  else SpectralFinal(s, &k, w, FINAL_POLYNOMIAL, 0, sums);
  PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
  if (s->fused) {
    /* 2D: both directions in transform at once, the y one in psi's array, so one pointwise
     * pass forms M(c*) for both and no spectral pass runs between the fluxes */
    PetscCall(UphillGridBackward(s->grid));              /* grad_x psi* */
    PetscCall(UphillGridBackwardArray(s->grid, s->psi)); /* grad_y psi* */
    PetscCall(PointwiseFlux(s, &k, 0, 2, PETSC_TRUE, buf, (double *)s->psi, NULL));
    PetscCall(UphillGridForward(s->grid));              /* FT(M(c*) grad_x psi*) */
    PetscCall(UphillGridForwardArray(s->grid, s->psi)); /* FT(M(c*) grad_y psi*) */
    PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
    SpectralFinal(s, &k, w, sweep ? FINAL_FLUX2_SWEEP : FINAL_FLUX2, 1, sums);
    PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
  }
  if (s->fused3) {
    /* 3D: the three directions in transform at once, the z one in the new coefficients'
     * array, so M(c*) is formed once and no spectral pass runs between the fluxes */
    PetscCall(UphillGridBackward(s->grid));
    PetscCall(UphillGridBackwardArray(s->grid, s->psi));
    PetscCall(UphillGridBackwardArray(s->grid, s->ch[0]));
    PetscCall(PointwiseFlux(s, &k, 0, 3, PETSC_TRUE, buf, (double *)s->psi, (double *)s->ch[0]));
    PetscCall(UphillGridForward(s->grid));
    PetscCall(UphillGridForwardArray(s->grid, s->psi));
    PetscCall(UphillGridForwardArray(s->grid, s->ch[0]));
    PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
    SpectralFinal(s, &k, w, sweep ? FINAL_FLUX3_SWEEP : FINAL_FLUX3, 2, sums);
    PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
  }
  for (PetscInt d = 0; s->fluxes && !s->fused && !s->fused3 && d < s->gi.dim; d++) {
    PetscCall(UphillGridBackwardOdd(s->grid, d)); /* grad_d psi* */
    PetscCall(PointwiseFlux(s, &k, d, 1, PETSC_TRUE, buf, NULL, NULL));
    PetscCall(UphillGridForwardOdd(s->grid, d)); /* FT(M(c*) grad_d psi*) */
    PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
    if (d + 1 < s->gi.dim) {
      FluxAdd(s, d, w, s->acc, k.h, 1.0, 0.0, 0.0, 0.0);
      s->acc = PETSC_TRUE;
    }
    else SpectralFinal(s, &k, w, FINAL_FLUX, d, sums);
    PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
  }
  if (sweep) {
    CorrectCoef q;
    CorrectCoefficients(s, &k, &q);
    if (s->fused) { /* SpectralFinal (FINAL_FLUX2_SWEEP) has made the gradient */
      PetscCall(UphillGridBackward(s->grid));
      PetscCall(UphillGridBackwardArray(s->grid, s->psi));
      PetscCall(PointwiseFlux(s, &k, 0, 2, PETSC_FALSE, buf, (double *)s->psi, NULL));
      PetscCall(UphillGridForward(s->grid));
      PetscCall(UphillGridForwardArray(s->grid, s->psi));
    } else if (s->fused3) { /* x and y at once (SpectralFinal made their gradients); z below */
      PetscCall(UphillGridBackward(s->grid));
      PetscCall(UphillGridBackwardArray(s->grid, s->psi));
      PetscCall(PointwiseFlux(s, &k, 0, 2, PETSC_FALSE, buf, (double *)s->psi, NULL));
      PetscCall(UphillGridForward(s->grid));
      PetscCall(UphillGridForwardArray(s->grid, s->psi));
      PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
      CorrectMid3(s, &q, w);
      PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
    } else {
      PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
      CorrectStart(s, &q, w);
      PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
    }
    for (PetscInt d = s->fused3 ? 2 : 0; !s->fused && d < s->gi.dim; d++) {
      PetscCall(UphillGridBackwardOdd(s->grid, d));
      PetscCall(PointwiseFlux(s, &k, d, 1, PETSC_FALSE, buf, NULL, NULL));
      PetscCall(UphillGridForwardOdd(s->grid, d));
      if (d + 1 < s->gi.dim) {
        PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
        FluxAdd(s, d, w, PETSC_TRUE, q.ht, q.a0, q.h, q.D2, q.D4); /* x0 + the sweep so far */
        PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
      }
    }
    PetscCall(PetscLogEventBegin(UPHILL_SPECTRAL, 0, 0, 0, 0));
    CorrectFinal(s, &q, w, s->fused ? 1 : s->gi.dim - 1, sums);
    PetscCall(PetscLogEventEnd(UPHILL_SPECTRAL, 0, 0, 0, 0));
  }
  PetscCall(UphillGridBackward(s->grid)); /* c^{n+1} */
  PetscCall(FinishReal(s, buf, &bulk, mx));
  {
    PetscReal extra[2] = {sums[0], sums[2]};
    PetscCall(FinishEnergy(s, bulk, sums[1], mx, &res->F, &res->cmin, &res->cmax, 2, extra));
    /* RMS over the grid by Parseval: (1/N^d) sum_x e^2 = (1/N^2d) sum_k w |e_k|^2 (periodic;
     * nrms^2 = ntot N^d in general, see UphillSpectral) */
    res->err    = k.estimate ? PetscSqrtReal(extra[0]) / s->sp.nrms : -1.0;
    res->change = PetscSqrtReal(extra[1]) / s->sp.nrms;
  }
  res->order = k.order;
  s->trial      = *res;
  s->h_trial    = h;
  s->have_trial = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(UPHILL_STEP, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeSetStepIndex(UphillScheme s, PetscInt64 step)
{
  PetscFunctionBegin;
  s->nstep = step;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeAccept(UphillScheme s)
{
  Vec            v;
  UphillComplex *a;

  PetscFunctionBegin;
  PetscCheck(s->have_trial, s->gi.comm, PETSC_ERR_ORDER, "no trial step to accept");
  /* rotate, so nothing is copied: trial -> current -> previous -> the one before */
  v        = s->c[2];
  s->c[2]  = s->c[1];
  s->c[1]  = s->c[0];
  s->c[0]  = v;
  a        = s->ch[3];
  s->ch[3] = s->ch[2];
  s->ch[2] = s->ch[1];
  s->ch[1] = s->ch[0];
  s->ch[0] = a;
  /* a BDF2 restart (first-order step) keeps only the state it started from */
  if (s->p.order == 2 && s->trial.order == 1) s->nhist = 1;
  s->hprev[1]   = s->hprev[0];
  s->hprev[0]   = s->h_trial;
  s->nhist      = PetscMin(s->nhist + 1, 3);
  s->F          = s->trial.F;
  s->cmin       = s->trial.cmin;
  s->cmax       = s->trial.cmax;
  s->have_trial = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ checkpoints */

/* Fourier coefficients as a Vec: the transposed half spectrum has the same global order for
 * any rank count (rows of the transposed axis in rank order), so it reloads anywhere. */
static PetscErrorCode SpectralVec(UphillScheme s, UphillComplex *a, const char *name, Vec *v)
{
  PetscFunctionBegin;
  PetscCall(VecCreateMPIWithArray(s->gi.comm, 1, 2 * s->gi.nloc_k, PETSC_DECIDE, (PetscScalar *)a, v));
  PetscCall(PetscObjectSetName((PetscObject)*v, name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ViewSpectral(UphillScheme s, PetscViewer viewer, UphillComplex *a, const char *name)
{
  Vec v;

  PetscFunctionBegin;
  PetscCall(SpectralVec(s, a, name, &v));
  PetscCall(VecView(v, viewer));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* VecLoad may swap in its own storage, so load into a Vec of the same layout and copy */
static PetscErrorCode LoadSpectral(UphillScheme s, PetscViewer viewer, UphillComplex *a, const char *name)
{
  Vec                v;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecCreateMPI(s->gi.comm, 2 * s->gi.nloc_k, PETSC_DECIDE, &v));
  PetscCall(PetscObjectSetName((PetscObject)v, name));
  PetscCall(VecLoad(v, viewer));
  PetscCall(VecGetArrayRead(v, &x));
  PetscCall(PetscArraycpy((PetscReal *)a, x, 2 * s->gi.nloc_k));
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ViewNamed(Vec v, const char *name, PetscViewer viewer, PetscBool load)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectSetName((PetscObject)v, name));
  if (load) PetscCall(VecLoad(v, viewer));
  else PetscCall(VecView(v, viewer));
  PetscCall(PetscObjectSetName((PetscObject)v, "c"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Datasets /c, /chat (current), /c_prev, /chat_prev, /chat_prev2 (history, when held) and
 * the attributes history, h_prev1, h_prev2 on /c. */
PetscErrorCode UphillSchemeView(UphillScheme s, PetscViewer viewer)
{
  PetscInt nh = s->nhist;

  PetscFunctionBegin;
  PetscCall(ViewNamed(s->c[1], "c", viewer, PETSC_FALSE));
  PetscCall(ViewSpectral(s, viewer, s->ch[1], "chat"));
  if (nh >= 2) PetscCall(ViewNamed(s->c[2], "c_prev", viewer, PETSC_FALSE));
  if (nh >= 2) PetscCall(ViewSpectral(s, viewer, s->ch[2], "chat_prev"));
  if (nh >= 3) PetscCall(ViewSpectral(s, viewer, s->ch[3], "chat_prev2"));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "history", PETSC_INT, &nh));
  {
    PetscInt lg = s->logflux;
    PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "flux_log", PETSC_INT, &lg));
  }
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "h_prev1", PETSC_REAL, &s->hprev[0]));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "h_prev2", PETSC_REAL, &s->hprev[1]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeLoad(UphillScheme s, PetscViewer viewer)
{
  PetscInt  nh = 1;
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(ViewNamed(s->c[1], "c", viewer, PETSC_TRUE));
  PetscCall(LoadSpectral(s, viewer, s->ch[1], "chat"));
  PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", "history", &has));
  if (has) PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "history", PETSC_INT, NULL, &nh));
  PetscCheck(nh >= 1 && nh <= 3, s->gi.comm, PETSC_ERR_FILE_UNEXPECTED, "the checkpoint's scheme history (%" PetscInt_FMT " states) is not 1 to 3", nh);
  s->hprev[0] = s->hprev[1] = 0;
  if (nh >= 2) {
    PetscCall(ViewNamed(s->c[2], "c_prev", viewer, PETSC_TRUE));
    PetscCall(LoadSpectral(s, viewer, s->ch[2], "chat_prev"));
    PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "h_prev1", PETSC_REAL, NULL, &s->hprev[0]));
  }
  if (nh >= 3) {
    PetscCall(LoadSpectral(s, viewer, s->ch[3], "chat_prev2"));
    PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "h_prev2", PETSC_REAL, NULL, &s->hprev[1]));
  }
  /* the AUTO form continues in the form the run had reached */
  PetscCall(PetscViewerHDF5HasAttribute(viewer, "/c", "flux_log", &has));
  if (has && s->p.flux == UPHILL_FLUX_AUTO && s->fluxes) {
    PetscInt lg;
    PetscCall(PetscViewerHDF5ReadAttribute(viewer, "/c", "flux_log", PETSC_INT, NULL, &lg));
    if (lg) s->logflux = s->nlfwd = PETSC_TRUE;
  }
  s->nhist      = nh;
  s->have_trial = PETSC_FALSE;
  PetscCall(StateEnergy(s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ linear theory, tests */

/* The linearized step about c0 for the mode kv splits its rate lambda = E - Im into the part
 * taken at c* (E) and the implicit one (Im, the stabilizers and the exact implicit part):
 *   a0 z^2 - a1 z + a2 = h E (e1 z + e2) - h Im z^2      (z the growth per step) */
static void LinearParts(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal *E, PetscReal *Im)
{
  const ThermoModel *m       = &p->model;
  const PetscReal    kc2[3] = {kv[0] * kv[0], kv[1] * kv[1], kv[2] * kv[2]}, k2 = kc2[0] + kc2[1] + kc2[2];

  if (m->kind == THERMO_MODEL_POLYNOMIAL) {
    /* lambda = -M k^2 (f'' + kappa k^2): S k^2 stabilizes, M kappa k^4 implicit */
    const PetscReal S = PolynomialS(p);
    *E                = k2 * (S - m->mobility * ThermoPolyD2F(c0, m->rho, m->ca, m->cb));
    *Im               = k2 * (S + m->mobility * m->kappa * k2);
  } else {
    /* linearized about c0: dc_k/dt = -k^2 g'(c0) c_k - M0 k^2 (kappa k^2 + e'' + B(n)) c_k,
     * g' = 1 + (r-1)c0, e'' = -2 chi - 6 chi1 (1 - 2 c0) the excess part of f'', B(n) the
     * coherency strain (explicit, like e'') */
    const PetscReal A = p->A >= 0 ? p->A : ThermoModelMaxMobility(m), S = p->S >= 0 ? p->S : 0.0, D = PetscMax(1.0, m->r);
    const PetscReal M0 = ThermoReducedMobility(c0, m->r), gp = 1.0 + (m->r - 1.0) * c0;
    const PetscReal ex = ThermoModelExcessD2F(m, c0) + ThermoModelElasticKernel(kc2, (void *)m);
    const PetscReal L  = S * k2 + A * m->kappa * k2 * k2;
    *E                 = L - k2 * (gp - D) - M0 * k2 * (m->kappa * k2 + ex);
    *Im                = D * k2 + L;
  }
}

/* The sweep's gain on a mode about c0, where R is (A - M0) kappa k^4: x1 = (1 + g) x0 - g c*,
 * g = h (A - M0) kappa k^4 / (theta (a0 + h Im)); 0 without the sweep. */
static PetscReal CorrectGain(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal h, PetscReal a0, PetscReal Im)
{
  const ThermoModel *m = &p->model;
  const PetscReal    A = p->A >= 0 ? p->A : ThermoModelMaxMobility(m), k2 = kv[0] * kv[0] + kv[1] * kv[1] + kv[2] * kv[2];

  if (m->kind != THERMO_MODEL_REGULAR || !p->correct || !(A > 0)) return 0.0;
  return h * (A - ThermoReducedMobility(c0, m->r)) * m->kappa * k2 * k2 / (CorrectTheta(m, A, c0, c0) * (a0 + h * Im));
}

PetscReal UphillSchemeAmplification(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal h)
{
  PetscReal E, Im, G, g;

  LinearParts(p, c0, kv, &E, &Im);
  G = (1.0 + h * E) / (1.0 + h * Im);
  g = CorrectGain(p, c0, kv, h, 1.0, Im);
  return (1.0 + g) * G - g;
}

PetscReal UphillSchemeDiscreteRate(const UphillSchemeParams *p, PetscReal c0, const PetscReal kv[3], PetscReal h)
{
  PetscReal E, Im, a, b, c, disc, z, g;

  if (p->order == 1) return PetscLogReal(PetscAbsReal(UphillSchemeAmplification(p, c0, kv, h))) / h;
  /* equal-step BDF2 (a0 = 3/2, a1 = 2, a2 = 1/2, c* = 2 c^n - c^{n-1}) with c^n = z c^{n-1}:
   * x0 = [(2 + 2 h E) z - (1/2 + h E)] / (3/2 + h Im), c^{n+1} = (1 + g) x0 - g (2 z - 1) = z^2,
   * the root of largest modulus */
  LinearParts(p, c0, kv, &E, &Im);
  g    = CorrectGain(p, c0, kv, h, 1.5, Im);
  a    = 1.5 + h * Im;
  b    = -(1.0 + g) * (2.0 + 2.0 * h * E) + 2.0 * g * a;
  c    = (1.0 + g) * (0.5 + h * E) - g * a;
  disc = b * b - 4.0 * a * c;
  if (disc < 0) z = PetscSqrtReal(c / a); /* complex pair: |z|^2 = c/a */
  else z = PetscMax(PetscAbsReal((-b + PetscSqrtReal(disc)) / (2 * a)), PetscAbsReal((-b - PetscSqrtReal(disc)) / (2 * a)));
  return PetscLogReal(z) / h;
}

/* out += sum_d i k_d FT( M(c) IFFT(i k_d q) )/N^d for the spectral potential q */
static PetscErrorCode AddFluxDivergence(UphillScheme s, const PetscReal *c, const UphillComplex *q, UphillComplex *out)
{
  const UphillSpectral *sp = &s->sp;
  double               *buf;
  UphillComplex        *w;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(s->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt d = 0; d < s->gi.dim; d++) {
    for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
      for (PetscInt b = 0; b < sp->nlev[1]; b++) {
        PetscReal        kc;
        const PetscReal *kv = RowK(sp, d, a, b, &kc);
        for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
          const PetscReal kd = kv ? kv[e] : kc;
          w[i][0]            = -kd * q[i][1];
          w[i][1]            = kd * q[i][0];
        }
      }
    PetscCall(UphillGridBackwardOdd(s->grid, d));
    for (PetscInt r = 0; r < s->gi.rows; r++)
      for (PetscInt i = 0; i < s->gi.nx; i++) buf[r * s->gi.nxpad + i] *= ThermoModelMobility(&s->p.model, c[r * s->gi.nx + i]) / s->sp.ntot;
    PetscCall(UphillGridForwardOdd(s->grid, d));
    for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
      for (PetscInt b = 0; b < sp->nlev[1]; b++) {
        PetscReal        kc;
        const PetscReal *kv = RowK(sp, d, a, b, &kc);
        for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
          const PetscReal kd = kv ? kv[e] : kc;
          out[i][0] -= kd * w[i][1];
          out[i][1] += kd * w[i][0];
        }
      }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* FT of a pointwise function of the current state into q */
static PetscErrorCode TransformPointwise(UphillScheme s, const PetscReal *c, PetscReal (*fn)(const ThermoModel *, PetscReal), UphillComplex *q)
{
  double *buf;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(s->grid, &buf));
  for (PetscInt r = 0; r < s->gi.rows; r++)
    for (PetscInt i = 0; i < s->gi.nx; i++) buf[r * s->gi.nxpad + i] = fn(&s->p.model, c[r * s->gi.nx + i]);
  PetscCall(UphillGridForward(s->grid));
  PetscCall(PetscArraycpy((PetscReal *)q, buf, 2 * s->gi.nloc_k));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscReal Square(const ThermoModel *m, PetscReal c)
{
  (void)m;
  return c * c;
}

PetscErrorCode UphillSchemeTendency(UphillScheme s, UphillFluxForm form, UphillComplex *out)
{
  const ThermoModel *m = &s->p.model;
  const PetscReal   *c;
  UphillComplex     *q, *ch = s->ch[1];

  PetscFunctionBegin;
  PetscCall(UphillGridAllocComplex(s->grid, &q));
  PetscCall(PetscArrayzero((PetscReal *)out, 2 * s->gi.nloc_k));
  PetscCall(VecGetArrayRead(s->c[1], &c));
  if (form == UPHILL_FLUX_LOG) {
    /* the whole chemical potential, logarithm included: mu_k = FT f'(c) + kappa k^2 c_k */
    PetscCall(TransformPointwise(s, c, ThermoModelDF, q));
    for (PetscInt i = 0; i < s->gi.nloc_k; i++)
      for (PetscInt j = 0; j < 2; j++) q[i][j] += (m->kappa * s->sp.ksq[i] + (s->Bel ? s->Bel[i] : 0.0)) * ch[i][j];
    PetscCall(AddFluxDivergence(s, c, q, out));
  } else if (m->kind == THERMO_MODEL_REGULAR) {
    /* -k^2 FT g(c) + div(M grad psi), g = c + (r-1)c^2/2,
     * psi_k = (kappa k^2 - 2 chi - 6 chi1) c_k + 6 chi1 FT(c^2) */
    PetscCall(TransformPointwise(s, c, Square, q));
    for (PetscInt i = 0; i < s->gi.nloc_k; i++)
      for (PetscInt j = 0; j < 2; j++) {
        out[i][j] = -s->sp.ksq[i] * (ch[i][j] + 0.5 * (m->r - 1.0) * q[i][j]);
        q[i][j]   = (m->kappa * s->sp.ksq[i] - 2.0 * m->chi - 6.0 * m->chi1 + (s->Bel ? s->Bel[i] : 0.0)) * ch[i][j] + 6.0 * m->chi1 * q[i][j];
      }
    PetscCall(AddFluxDivergence(s, c, q, out));
  } else {
    /* constant M: -M k^2 (FT f'(c) + kappa k^2 c_k) */
    PetscCall(TransformPointwise(s, c, ThermoModelDF, q));
    for (PetscInt i = 0; i < s->gi.nloc_k; i++)
      for (PetscInt j = 0; j < 2; j++) out[i][j] = -m->mobility * s->sp.ksq[i] * (q[i][j] + m->kappa * s->sp.ksq[i] * ch[i][j]);
  }
  PetscCall(VecRestoreArrayRead(s->c[1], &c));
  PetscCall(UphillGridFreeComplex(&q));
  PetscFunctionReturn(PETSC_SUCCESS);
}

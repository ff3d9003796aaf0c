/* The stabilized variable-mobility semi-implicit spectral step (Zhu, Chen, Shen, Tikare
 * 1999) with the extra S k^2 stabilizer of DESIGN.md section 2:
 *
 *   (1 + dt S k^2 + dt A kappa k^4) c^{n+1}_k
 *       = (1 + dt S k^2 + dt A kappa k^4) c^n_k + dt [i k . FT(M(c^n) grad mu^n)]_k
 *
 * evaluated in the mu form: 1 forward FFT of f'(c), d inverse FFTs of i k mu_k, d forward
 * FFTs of the fluxes, 1 inverse FFT of c: 2d+2 transforms per step. */
#include <uphill/scheme.h>
#include <uphill/thermo.h>
#include <math.h>

PetscReal SchemeMobility(const SchemeModel *m, PetscReal c)
{
  if (m->model == UPHILL_MODEL_POLYNOMIAL) return m->mobility;
  /* M = c(1-c)[(1-c) D*_A + c D*_B]/RT in units of D*_A/RT. A c pushed outside [0,1]
   * must not give a negative mobility (anti-diffusion); the excursion itself is
   * reported by the bounds check. */
  const PetscReal cc = PetscMin(PetscMax(c, 0.0), 1.0);
  return cc * (1.0 - cc) * ((1.0 - cc) + m->r_darken * cc);
}

PetscReal SchemeBulkMu(const SchemeModel *m, PetscReal c)
{
  if (m->model == UPHILL_MODEL_POLYNOMIAL) return ThermoPolyDF(c, m->rho, m->ca, m->cb);
  return ThermoReducedDF(c, m->chi);
}

PetscReal SchemeBulkF(const SchemeModel *m, PetscReal c)
{
  if (m->model == UPHILL_MODEL_POLYNOMIAL) return ThermoPolyF(c, m->rho, m->ca, m->cb);
  return ThermoReducedF(c, m->chi);
}

PetscErrorCode SchemeModelFromOptions(const UphillOptions *opt, SchemeModel *m)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->model = opt->model;
  if (opt->model == UPHILL_MODEL_REGULAR) {
    m->chi      = opt->chi_eff;
    m->r_darken = opt->r_darken;
    m->kappa    = 1.0;
    /* A >= max M over (0,1), sampled finely: M is a cubic, its max is smooth */
    PetscReal Mmax = 0;
    for (PetscInt i = 1; i < 4096; i++) Mmax = PetscMax(Mmax, SchemeMobility(m, i / 4096.0));
    m->A = opt->stab_A >= 0 ? opt->stab_A : Mmax;
    /* M f'' = D*(c) Phi(c) and Phi <= 1: the bulk diffusivity never exceeds max D* */
    m->S = opt->stab_S >= 0 ? opt->stab_S : PetscMax(1.0, m->r_darken);
  } else {
    m->rho      = opt->rho;
    m->ca       = opt->c_alpha;
    m->cb       = opt->c_beta;
    m->kappa    = opt->kappa;
    m->mobility = opt->mobility;
    m->A        = opt->stab_A >= 0 ? opt->stab_A : opt->mobility;
    /* max f'' over the working range [ca, cb] is at its ends: 2 rho (cb-ca)^2 */
    m->S = opt->stab_S >= 0 ? opt->stab_S : opt->mobility * 2.0 * opt->rho * PetscSqr(opt->c_beta - opt->c_alpha);
  }
  m->order = opt->scheme == UPHILL_SCHEME_BDF2 ? 2 : 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal UphillSchemeAmplification(const SchemeModel *m, PetscReal c0, PetscReal k, PetscReal dt)
{
  PetscReal fpp, M0 = SchemeMobility(m, c0);
  const PetscReal k2 = k * k;

  if (m->model == UPHILL_MODEL_POLYNOMIAL) fpp = ThermoPolyD2F(c0, m->rho, m->ca, m->cb);
  else fpp = 1.0 / (c0 * (1.0 - c0)) - 2.0 * m->chi;
  return 1.0 + dt * (-M0 * k2 * (fpp + m->kappa * k2)) / (1.0 + dt * m->S * k2 + dt * m->A * m->kappa * k2 * k2);
}

PetscErrorCode UphillSchemeCreate(UphillGrid grid, const SchemeModel *m, UphillScheme *s)
{
  UphillScheme sc;

  PetscFunctionBegin;
  PetscCall(PetscNew(&sc));
  sc->grid = grid;
  sc->m    = *m;
  PetscCall(UphillGridAllocComplex(grid, &sc->chat));
  PetscCall(UphillGridAllocComplex(grid, &sc->muhat));
  PetscCall(PetscCalloc1(PetscMax(grid->nloc_k, 1), &sc->fac));
  if (m->order == 2) {
    PetscCall(UphillGridAllocComplex(grid, &sc->chat_prev));
    PetscCall(DMCreateGlobalVector(grid->da, &sc->c_prev));
  }
  sc->fac_dt  = NAN; /* equal to no step: the first use computes the factors */
  sc->dt_prev = NAN;
  PetscCall(PetscLogEventRegister("UphillStep", DM_CLASSID, &sc->ev_step));
  PetscCall(PetscLogEventRegister("UphillPointwise", DM_CLASSID, &sc->ev_pointwise));
  PetscCall(PetscLogEventRegister("UphillSpectral", DM_CLASSID, &sc->ev_spectral));
  *s = sc;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeDestroy(UphillScheme *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillGridFreeComplex(&(*s)->chat));
  PetscCall(UphillGridFreeComplex(&(*s)->muhat));
  PetscCall(PetscFree((*s)->fac));
  PetscCall(UphillGridFreeComplex(&(*s)->chat_prev));
  PetscCall(VecDestroy(&(*s)->c_prev));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeSetState(UphillScheme s, Vec c)
{
  UphillGrid g = s->grid;

  PetscFunctionBegin;
  PetscCall(UphillGridVecToBuf(g, c, 1.0));
  PetscCall(UphillGridForward(g));
  s->nfft++;
  PetscCall(PetscArraycpy((PetscReal *)s->chat, g->buf, 2 * g->nloc_k));
  s->have_prev = PETSC_FALSE; /* a new state has no history: BDF2 restarts with one Euler step */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* dt/(1 + dt S k^2 + dt A kappa k^4): recomputed only when dt changes (a fixed-step run
 * computes it once), so the update loop has no division. */
static void SchemeFactors(UphillScheme s, PetscReal dt)
{
  UphillGrid         g = s->grid;
  const SchemeModel *m = &s->m;
  PetscInt           idx = 0;

  if (dt == s->fac_dt) return; /* (a BDF2 factor is cached under -dt, never equal) */
  for (PetscInt a = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++) {
      const PetscReal k2ab = g->k2lev[0][a] + g->k2lev[1][b];
      for (PetscInt e = 0; e < g->nlev[2]; e++, idx++) {
        const PetscReal k2 = k2ab + g->k2lev[2][e];
        s->fac[idx]        = dt / (1.0 + dt * m->S * k2 + dt * m->A * m->kappa * k2 * k2);
      }
    }
  s->fac_dt = dt;
}

/* The wavenumber of axis d along a row (a, b) of the spectral walk: constant over the
 * row, or the innermost level's array (then *kc is unused). */
static inline const PetscReal *RowK(UphillGrid g, PetscInt d, PetscInt a, PetscInt b, PetscReal *kc)
{
  const PetscInt lev = g->level_of_axis[d];
  *kc                = lev == 0 ? g->klev[0][a] : (lev == 1 ? g->klev[1][b] : 0.0);
  return lev == 2 ? g->klev[2] : NULL;
}

/* bulk mu = f'(c) into the padded real buffer; the model test is outside the loop and the
 * regular model's logit is one log (c/(1-c) is exact enough in floating point) */
static void PointwiseBulkMu(UphillGrid g, const SchemeModel *m, const PetscReal *c)
{
  const PetscInt rows = (PetscInt)g->nr * g->rows_per_slab, nx = g->nx, np = g->nxpad;

  if (m->model == UPHILL_MODEL_REGULAR) {
    const PetscReal chi = m->chi, lo = THERMO_C_EPS, hi = 1.0 - THERMO_C_EPS;
    for (PetscInt r = 0; r < rows; r++) {
      const PetscReal *cr = c + r * nx;
      double          *br = g->buf + r * np;
      for (PetscInt i = 0; i < nx; i++) {
        /* mu = ln(c/(1-c)) + chi (1-2c); c clamped into [eps, 1-eps] before the log */
        const PetscReal ci = cr[i], cc = ci < lo ? lo : (ci > hi ? hi : ci);
        br[i] = PetscLogReal(cc / (1.0 - cc)) + chi * (1.0 - 2.0 * cc);
      }
    }
  } else {
    for (PetscInt r = 0; r < rows; r++) {
      const PetscReal *cr = c + r * nx;
      double          *br = g->buf + r * np;
      for (PetscInt i = 0; i < nx; i++) br[i] = SchemeBulkMu(m, cr[i]);
    }
  }
}

/* flux_d = M(c) grad_d mu (grad_d mu arrives unnormalized in buf) */
static void PointwiseFlux(UphillGrid g, const SchemeModel *m, const PetscReal *c)
{
  const PetscInt  rows = (PetscInt)g->nr * g->rows_per_slab, nx = g->nx, np = g->nxpad;
  const PetscReal invN = 1.0 / (PetscReal)g->Ntot;

  if (m->model == UPHILL_MODEL_REGULAR) {
    const PetscReal r1 = m->r_darken - 1.0;
    for (PetscInt r = 0; r < rows; r++) {
      const PetscReal *cr = c + r * nx;
      double          *br = g->buf + r * np;
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) {
        /* M = c(1-c)[(1-c) + r c] with c clamped to [0,1] (no anti-diffusion outside) */
        const PetscReal cc = PetscMin(PetscMax(cr[i], 0.0), 1.0);
        const PetscReal M = cc * (1.0 - cc) * (1.0 + r1 * cc);
        br[i]             = M * invN * br[i];
      }
    }
  } else {
    const PetscReal M = m->mobility;
    for (PetscInt r = 0; r < rows; r++) {
      double *br = g->buf + r * np;
#pragma omp simd
      for (PetscInt i = 0; i < nx; i++) br[i] = M * invN * br[i];
    }
  }
}

/* i k_d mu_k in the buffer -> FT(M(c) grad_d mu): one inverse and one forward transform */
static PetscErrorCode FluxSpectrum(UphillScheme s, const PetscReal *c)
{
  PetscFunctionBegin;
  PetscCall(UphillGridBackward(s->grid)); /* grad_d mu */
  PetscCall(PetscLogEventBegin(s->ev_pointwise, 0, 0, 0, 0));
  PointwiseFlux(s->grid, &s->m, c);
  PetscCall(PetscLogEventEnd(s->ev_pointwise, 0, 0, 0, 0));
  PetscCall(UphillGridForward(s->grid)); /* FT(M grad_d mu) */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* c = IFFT(c_k)/N^d from the buffer's spectral view, with the bounds of the new field
 * taken on the way (so no separate min/max pass is needed) */
static PetscErrorCode FinishStep(UphillScheme s, Vec cvec)
{
  UphillGrid g = s->grid;

  PetscFunctionBegin;
  PetscCall(UphillGridBackward(g));
  {
    const PetscInt  rows = (PetscInt)g->nr * g->rows_per_slab, nx = g->nx, np = g->nxpad;
    const PetscReal invN = 1.0 / (PetscReal)g->Ntot;
    PetscReal      *x, red[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, 0.0}; /* -min, max, NaN */
    PetscCall(VecGetArray(cvec, &x));
    for (PetscInt r = 0; r < rows; r++) {
      const double *br = g->buf + r * np;
      PetscReal    *xr = x + r * nx, lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, bad = 0;
      for (PetscInt i = 0; i < nx; i++) {
        const PetscReal v = br[i] * invN;
        xr[i]             = v;
        lo                = PetscMin(lo, v);
        hi                = PetscMax(hi, v);
        bad += (v != v);
      }
      red[0] = PetscMax(red[0], -lo);
      red[1] = PetscMax(red[1], hi);
      red[2] = PetscMax(red[2], bad);
    }
    PetscCall(VecRestoreArray(cvec, &x));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, red, 3, MPIU_REAL, MPIU_MAX, g->comm));
    s->cmin = red[2] > 0 ? NAN : -red[0];
    s->cmax = red[2] > 0 ? NAN : red[1];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Second-order step (order 2): BDF2 for the time derivative, the explicit terms
 * extrapolated to c* = 2 c^n - c^{n-1}, the stabilizers L = S k^2 + A kappa k^4 acting on
 * c^{n+1} - c*:
 *   (3 c^{n+1} - 4 c^n + c^{n-1}) / (2 dt) = [i k . FT(M(c*) grad mu(c*))] - L (c^{n+1} - c*)
 * so c^{n+1} = [4 c^n - c^{n-1} + 2 dt L c* + 2 dt i k . FT(...)] / (3 + 2 dt L).
 * Same 2d+2 transforms as the first-order step; the spectral state of the previous step
 * doubles as the accumulator of the right-hand side. */
static PetscErrorCode SchemeStepBDF2(UphillScheme s, Vec cvec, PetscReal dt)
{
  UphillGrid         g  = s->grid;
  const SchemeModel *m  = &s->m;
  const PetscInt     n0 = g->nlev[0], n1 = g->nlev[1], n2 = g->nlev[2];
  const PetscReal   *cs, *k2in = g->k2lev[2], tdt = 2.0 * dt;
  UphillComplex     *w = (UphillComplex *)g->buf, *chat = s->chat, *rhs = s->chat_prev, *muhat = s->muhat;

  PetscFunctionBegin;
  /* 1/(3 + 2 dt L), cached per dt like the first-order factors (negative key: BDF2) */
  if (s->fac_dt != -dt) {
    for (PetscInt a = 0, idx = 0; a < n0; a++)
      for (PetscInt b = 0; b < n1; b++)
        for (PetscInt e = 0; e < n2; e++, idx++) {
          const PetscReal k2 = g->k2lev[0][a] + g->k2lev[1][b] + k2in[e];
          s->fac[idx]        = 1.0 / (3.0 + tdt * (m->S * k2 + m->A * m->kappa * k2 * k2));
        }
    s->fac_dt = -dt;
  }
  /* c* = 2 c^n - c^{n-1}, in the previous state's storage (c^n is kept in cvec) */
  PetscCall(VecAXPBY(s->c_prev, 2.0, -1.0, cvec));
  PetscCall(VecGetArrayRead(s->c_prev, &cs));
  PetscCall(PetscLogEventBegin(s->ev_pointwise, 0, 0, 0, 0));
  PointwiseBulkMu(g, m, cs);
  PetscCall(PetscLogEventEnd(s->ev_pointwise, 0, 0, 0, 0));
  PetscCall(UphillGridForward(g));

  /* mu*_k = FT(f'(c*)) + kappa k^2 c*_k; rhs = 4 c^n_k - c^{n-1}_k + 2 dt L c*_k; w = i k_x mu*_k */
  PetscCall(PetscLogEventBegin(s->ev_spectral, 0, 0, 0, 0));
  for (PetscInt a = 0, row = 0; a < n0; a++)
    for (PetscInt b = 0; b < n1; b++, row += n2) {
      const PetscReal  k2ab = g->k2lev[0][a] + g->k2lev[1][b];
      PetscReal        kc;
      const PetscReal *kv = RowK(g, 0, a, b, &kc);
      for (PetscInt e = 0; e < n2; e++) {
        const PetscInt  i  = row + e;
        const PetscReal k2 = k2ab + k2in[e], k = kv ? kv[e] : kc, L = m->S * k2 + m->A * m->kappa * k2 * k2;
        const PetscReal sr = 2.0 * chat[i][0] - rhs[i][0], si = 2.0 * chat[i][1] - rhs[i][1];
        const PetscReal re = w[i][0] + m->kappa * k2 * sr, im = w[i][1] + m->kappa * k2 * si;
        rhs[i][0]   = 4.0 * chat[i][0] - rhs[i][0] + tdt * L * sr;
        rhs[i][1]   = 4.0 * chat[i][1] - rhs[i][1] + tdt * L * si;
        muhat[i][0] = re;
        muhat[i][1] = im;
        w[i][0]     = -k * im;
        w[i][1]     = k * re;
      }
    }
  PetscCall(PetscLogEventEnd(s->ev_spectral, 0, 0, 0, 0));

  for (PetscInt d = 0; d < g->dim; d++) {
    const PetscBool more = (PetscBool)(d + 1 < g->dim);

    PetscCall(FluxSpectrum(s, cs));

    /* rhs += 2 dt i k_d FT(flux_d); then the next gradient, or after the last direction
     * c^{n+1}_k = rhs/(3 + 2 dt L), with c^n_k kept as the new previous state */
    PetscCall(PetscLogEventBegin(s->ev_spectral, 0, 0, 0, 0));
    for (PetscInt a = 0, row = 0; a < n0; a++)
      for (PetscInt b = 0; b < n1; b++, row += n2) {
        PetscReal        kc, kn = 0;
        const PetscReal *kv = RowK(g, d, a, b, &kc), *knv = more ? RowK(g, d + 1, a, b, &kn) : NULL;
        for (PetscInt e = 0; e < n2; e++) {
          const PetscInt  i  = row + e;
          const PetscReal k  = kv ? kv[e] : kc;
          const PetscReal rr = rhs[i][0] - tdt * k * w[i][1], ri = rhs[i][1] + tdt * k * w[i][0];
          if (more) {
            const PetscReal k1 = knv ? knv[e] : kn;
            rhs[i][0]          = rr;
            rhs[i][1]          = ri;
            w[i][0]            = -k1 * muhat[i][1];
            w[i][1]            = k1 * muhat[i][0];
          } else {
            const PetscReal f = s->fac[i], nr = f * rr, ni = f * ri;
            rhs[i][0]         = chat[i][0];
            rhs[i][1]         = chat[i][1];
            chat[i][0] = w[i][0] = nr;
            chat[i][1] = w[i][1] = ni;
          }
        }
      }
    PetscCall(PetscLogEventEnd(s->ev_spectral, 0, 0, 0, 0));
  }
  PetscCall(VecRestoreArrayRead(s->c_prev, &cs));
  PetscCall(VecCopy(cvec, s->c_prev)); /* c^n becomes the previous state */
  PetscCall(FinishStep(s, cvec));
  s->nfft += 2 * g->dim + 2;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeStep(UphillScheme s, Vec cvec, PetscReal dt)
{
  UphillGrid         g  = s->grid;
  const SchemeModel *m  = &s->m;
  const PetscInt     n0 = g->nlev[0], n1 = g->nlev[1], n2 = g->nlev[2];
  const PetscReal   *c, *k2in = g->k2lev[2];
  UphillComplex     *w = (UphillComplex *)g->buf, *chat = s->chat, *muhat = s->muhat;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(s->ev_step, 0, 0, 0, 0));
  /* the BDF2 weights assume equal steps: after a change of step (the shortened last step,
   * a restart with another -dt) one first-order step starts a new history */
  if (m->order == 2 && s->have_prev && !(PetscAbsReal(dt - s->dt_prev) <= 1e-12 * dt)) s->have_prev = PETSC_FALSE;
  s->dt_prev = dt;
  if (m->order == 2 && s->have_prev) {
    PetscCall(SchemeStepBDF2(s, cvec, dt));
    PetscCall(PetscLogEventEnd(s->ev_step, 0, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (m->order == 2) {
    /* BDF2 starts from one first-order step, which leaves it the previous state */
    PetscCall(VecCopy(cvec, s->c_prev));
    PetscCall(PetscArraycpy((PetscReal *)s->chat_prev, (PetscReal *)s->chat, 2 * g->nloc_k));
    s->have_prev = PETSC_TRUE;
  }
  SchemeFactors(s, dt);
  PetscCall(VecGetArrayRead(cvec, &c));

  PetscCall(PetscLogEventBegin(s->ev_pointwise, 0, 0, 0, 0));
  PointwiseBulkMu(g, m, c);
  PetscCall(PetscLogEventEnd(s->ev_pointwise, 0, 0, 0, 0));
  PetscCall(UphillGridForward(g));

  /* mu_k = FT(f')_k + kappa k^2 c_k, and in the same pass w = i k_x mu_k */
  PetscCall(PetscLogEventBegin(s->ev_spectral, 0, 0, 0, 0));
  for (PetscInt a = 0, row = 0; a < n0; a++)
    for (PetscInt b = 0; b < n1; b++, row += n2) {
      const PetscReal  k2ab = g->k2lev[0][a] + g->k2lev[1][b], kap = m->kappa;
      PetscReal        kc;
      const PetscReal *kv = RowK(g, 0, a, b, &kc);
      UphillComplex   *wr = w + row, *mr = muhat + row, *cr = chat + row;
      for (PetscInt e = 0; e < n2; e++) {
        const PetscReal kk = kap * (k2ab + k2in[e]), k = kv ? kv[e] : kc;
        const PetscReal re = wr[e][0] + kk * cr[e][0], im = wr[e][1] + kk * cr[e][1];
        mr[e][0] = re;
        mr[e][1] = im;
        wr[e][0] = -k * im;
        wr[e][1] = k * re;
      }
    }
  PetscCall(PetscLogEventEnd(s->ev_spectral, 0, 0, 0, 0));

  for (PetscInt d = 0; d < g->dim; d++) {
    const PetscBool more = (PetscBool)(d + 1 < g->dim);

    PetscCall(FluxSpectrum(s, c));

    /* c_k += fac i k_d FT(flux_d)_k; in the same pass set up the next transform: the
     * next gradient i k_{d+1} mu_k, or after the last direction the new c_k itself */
    PetscCall(PetscLogEventBegin(s->ev_spectral, 0, 0, 0, 0));
    for (PetscInt a = 0, row = 0; a < n0; a++)
      for (PetscInt b = 0; b < n1; b++, row += n2) {
        PetscReal        kc, kn = 0;
        const PetscReal *kv = RowK(g, d, a, b, &kc), *knv = more ? RowK(g, d + 1, a, b, &kn) : NULL;
        UphillComplex   *wr = w + row, *mr = muhat + row, *cr = chat + row;
        const PetscReal *fr = s->fac + row;
        for (PetscInt e = 0; e < n2; e++) {
          const PetscReal k = kv ? kv[e] : kc, f = fr[e] * k;
          const PetscReal cre = cr[e][0] - f * wr[e][1], cim = cr[e][1] + f * wr[e][0];
          cr[e][0] = cre;
          cr[e][1] = cim;
          if (more) {
            const PetscReal k1 = knv ? knv[e] : kn;
            wr[e][0] = -k1 * mr[e][1];
            wr[e][1] = k1 * mr[e][0];
          } else {
            wr[e][0] = cre;
            wr[e][1] = cim;
          }
        }
      }
    PetscCall(PetscLogEventEnd(s->ev_spectral, 0, 0, 0, 0));
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));

  PetscCall(FinishStep(s, cvec));
  s->nfft += 2 * g->dim + 2;
  PetscCall(PetscLogEventEnd(s->ev_step, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Recomputes mu of the current state (d+1 transforms, only when a diagnostics row asks):
 * the step's own flux belongs to the state before it, one step too early for a row. */
PetscErrorCode UphillSchemeDissipation(UphillScheme s, Vec cvec, PetscReal *diss)
{
  UphillGrid         g = s->grid;
  const SchemeModel *m = &s->m;
  const PetscReal   *c;
  UphillComplex     *w = (UphillComplex *)g->buf;
  const PetscInt     rows = (PetscInt)g->nr * g->rows_per_slab, nx = g->nx, np = g->nxpad;
  const PetscReal    invN = 1.0 / (PetscReal)g->Ntot;
  PetscReal          sum  = 0.0;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(cvec, &c));
  PointwiseBulkMu(g, m, c);
  PetscCall(UphillGridForward(g));
  for (PetscInt a = 0, row = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++, row += g->nlev[2]) {
      const PetscReal k2ab = g->k2lev[0][a] + g->k2lev[1][b];
      for (PetscInt e = 0; e < g->nlev[2]; e++) {
        const PetscReal kk = m->kappa * (k2ab + g->k2lev[2][e]);
        s->muhat[row + e][0] = w[row + e][0] + kk * s->chat[row + e][0];
        s->muhat[row + e][1] = w[row + e][1] + kk * s->chat[row + e][1];
      }
    }
  for (PetscInt d = 0; d < g->dim; d++) {
    for (PetscInt a = 0, row = 0; a < g->nlev[0]; a++)
      for (PetscInt b = 0; b < g->nlev[1]; b++, row += g->nlev[2]) {
        PetscReal        kc;
        const PetscReal *kv = RowK(g, d, a, b, &kc);
        for (PetscInt e = 0; e < g->nlev[2]; e++) {
          const PetscReal k = kv ? kv[e] : kc;
          w[row + e][0]     = -k * s->muhat[row + e][1];
          w[row + e][1]     = k * s->muhat[row + e][0];
        }
      }
    PetscCall(UphillGridBackward(g));
    for (PetscInt r = 0; r < rows; r++) {
      const PetscReal *cr = c + r * nx;
      const double    *br = g->buf + r * np;
      for (PetscInt i = 0; i < nx; i++) {
        const PetscReal gm = br[i] * invN;
        sum += SchemeMobility(m, cr[i]) * gm * gm;
      }
    }
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, g->comm));
  *diss = sum * PetscPowRealInt(g->h, g->dim);
  PetscFunctionReturn(PETSC_SUCCESS);
}

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
  PetscCall(PetscLogEventRegister("UphillStep", DM_CLASSID, &sc->ev_step));
  PetscCall(PetscLogEventRegister("UphillPointwise", DM_CLASSID, &sc->ev_pointwise));
  *s = sc;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeDestroy(UphillScheme *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillGridFreeComplex(&(*s)->chat));
  PetscCall(UphillGridFreeComplex(&(*s)->muhat));
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
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillSchemeStep(UphillScheme s, Vec cvec, PetscReal dt)
{
  UphillGrid         g  = s->grid;
  const SchemeModel *m  = &s->m;
  const PetscInt     n0 = g->nlev[0], n1 = g->nlev[1], n2 = g->nlev[2];
  const PetscInt     rows = (PetscInt)g->nr * g->rows_per_slab, nx = g->nx, np = g->nxpad;
  const PetscReal    invN = 1.0 / (PetscReal)g->Ntot;
  const PetscReal   *c;
  UphillComplex     *w = (UphillComplex *)g->buf;
  PetscReal          diss = 0.0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(s->ev_step, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(cvec, &c));

  /* mu_k = FT(f'(c))_k + kappa k^2 c_k */
  PetscCall(PetscLogEventBegin(s->ev_pointwise, 0, 0, 0, 0));
  for (PetscInt r = 0; r < rows; r++) {
    const PetscReal *cr = c + r * nx;
    double          *br = g->buf + r * np;
    for (PetscInt i = 0; i < nx; i++) br[i] = SchemeBulkMu(m, cr[i]);
  }
  PetscCall(PetscLogEventEnd(s->ev_pointwise, 0, 0, 0, 0));
  PetscCall(UphillGridForward(g));
  {
    PetscInt idx = 0;
    for (PetscInt a = 0; a < n0; a++)
      for (PetscInt b = 0; b < n1; b++) {
        const PetscReal k2ab = g->k2lev[0][a] + g->k2lev[1][b];
        for (PetscInt e = 0; e < n2; e++, idx++) {
          const PetscReal kk = m->kappa * (k2ab + g->k2lev[2][e]);
          s->muhat[idx][0] = w[idx][0] + kk * s->chat[idx][0];
          s->muhat[idx][1] = w[idx][1] + kk * s->chat[idx][1];
        }
      }
  }

  for (PetscInt d = 0; d < g->dim; d++) {
    const PetscInt   lev = g->level_of_axis[d];
    const PetscReal *kd  = g->klev[lev];

    /* grad_d mu = IFFT(i k_d mu_k) */
    {
      PetscInt idx = 0;
      for (PetscInt a = 0; a < n0; a++)
        for (PetscInt b = 0; b < n1; b++)
          for (PetscInt e = 0; e < n2; e++, idx++) {
            const PetscReal k = lev == 0 ? kd[a] : (lev == 1 ? kd[b] : kd[e]);
            w[idx][0] = -k * s->muhat[idx][1];
            w[idx][1] = k * s->muhat[idx][0];
          }
    }
    PetscCall(UphillGridBackward(g));

    /* flux component M(c) grad_d mu; M |grad mu|^2 summed on the way is the
     * dissipation -dF/dt, i.e. T times the entropy production */
    PetscCall(PetscLogEventBegin(s->ev_pointwise, 0, 0, 0, 0));
    for (PetscInt r = 0; r < rows; r++) {
      const PetscReal *cr = c + r * nx;
      double          *br = g->buf + r * np;
      for (PetscInt i = 0; i < nx; i++) {
        const PetscReal gm = br[i] * invN, M = SchemeMobility(m, cr[i]);
        diss += M * gm * gm;
        br[i] = M * gm;
      }
    }
    PetscCall(PetscLogEventEnd(s->ev_pointwise, 0, 0, 0, 0));
    PetscCall(UphillGridForward(g));

    /* c_k += dt i k_d FT(flux_d)_k / (1 + dt S k^2 + dt A kappa k^4) */
    {
      PetscInt idx = 0;
      for (PetscInt a = 0; a < n0; a++)
        for (PetscInt b = 0; b < n1; b++) {
          const PetscReal k2ab = g->k2lev[0][a] + g->k2lev[1][b];
          for (PetscInt e = 0; e < n2; e++, idx++) {
            const PetscReal k   = lev == 0 ? kd[a] : (lev == 1 ? kd[b] : kd[e]);
            const PetscReal k2  = k2ab + g->k2lev[2][e];
            const PetscReal fac = dt * k / (1.0 + dt * m->S * k2 + dt * m->A * m->kappa * k2 * k2);
            s->chat[idx][0] -= fac * w[idx][1];
            s->chat[idx][1] += fac * w[idx][0];
          }
        }
    }
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));

  /* c = IFFT(c_k) / N^d */
  PetscCall(PetscArraycpy(g->buf, (PetscReal *)s->chat, 2 * g->nloc_k));
  PetscCall(UphillGridBackward(g));
  PetscCall(UphillGridBufToVec(g, cvec, invN));
  s->nfft += 2 * g->dim + 2;

  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &diss, 1, MPIU_REAL, MPIU_SUM, g->comm));
  s->dissipation = diss * PetscPowRealInt(g->h, g->dim);
  PetscCall(PetscLogEventEnd(s->ev_step, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

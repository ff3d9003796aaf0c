/* The diffusion flux J = -M grad mu, J.grad c and the uphill measures (flux.h). */
#include <uphill/flux.h>
#include <uphill/package.h>

struct _n_UphillFlux {
  UphillGrid     grid;
  UphillGridInfo gi;
  UphillSpectral sp;
  ThermoModel    model;
  UphillComplex *muhat; /* mu_k of the state */
  PetscReal     *Bel;   /* coherency kernel per coefficient, or NULL */
  PetscReal     *gmu, *gc; /* [dim][nlocal]: grad mu and grad c */
};

PetscErrorCode UphillFluxCreate(UphillGrid grid, const ThermoModel *m, UphillFlux *flux)
{
  UphillFlux f;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  f->grid  = grid;
  f->model = *m;
  PetscCall(UphillGridGetInfo(grid, &f->gi));
  PetscCall(UphillGridGetSpectral(grid, &f->sp));
  PetscCall(UphillGridAllocComplex(grid, &f->muhat));
  if (m->elastic) {
    PetscCall(PetscMalloc1(PetscMax(f->gi.nloc_k, 1), &f->Bel));
    PetscCall(UphillGridEvalSpectral(grid, ThermoModelElasticKernel, &f->model, f->Bel));
  }
  PetscCall(PetscMalloc2(PetscMax(f->gi.dim * f->gi.nlocal, 1), &f->gmu, PetscMax(f->gi.dim * f->gi.nlocal, 1), &f->gc));
  *flux = f;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFluxDestroy(UphillFlux *flux)
{
  PetscFunctionBegin;
  if (!*flux) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillGridFreeComplex(&(*flux)->muhat));
  PetscCall(PetscFree((*flux)->Bel));
  PetscCall(PetscFree2((*flux)->gmu, (*flux)->gc));
  PetscCall(PetscFree(*flux));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* out (nlocal real values) <- IFFT(i k_ax a)/N^d: the derivative along axis ax (with walls the
 * derivative of a cosine series is a sine series along ax: the odd transform) */
static PetscErrorCode Derivative(UphillFlux f, const UphillComplex *a, PetscInt ax, PetscReal *out)
{
  const UphillSpectral *sp  = &f->sp;
  const UphillGridInfo *g   = &f->gi;
  const PetscInt        lev = sp->level_of_axis[ax];
  double               *buf;
  UphillComplex        *w;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(f->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt l0 = 0, i = 0; l0 < sp->nlev[0]; l0++)
    for (PetscInt l1 = 0; l1 < sp->nlev[1]; l1++)
      for (PetscInt l2 = 0; l2 < sp->nlev[2]; l2++, i++) {
        const PetscReal k = sp->k[lev][lev == 0 ? l0 : (lev == 1 ? l1 : l2)];
        w[i][0]           = -k * a[i][1];
        w[i][1]           = k * a[i][0];
      }
  PetscCall(UphillGridBackwardOdd(f->grid, ax)); /* walls: a sine series along ax */
  for (PetscInt r = 0; r < g->rows; r++)
    for (PetscInt i = 0; i < g->nx; i++) out[r * g->nx + i] = buf[r * g->nxpad + i] / sp->ntot;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* mu_k = FT f'(c) + (kappa k^2 + B(n_k)) c_k (DESIGN.md 6.4 for B); mu itself on request */
static PetscErrorCode ChemicalPotential(UphillFlux f, const PetscReal *c, const UphillComplex *ch, Vec mu)
{
  const UphillGridInfo *g = &f->gi;
  double               *buf;
  UphillComplex        *w;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(f->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt r = 0; r < g->rows; r++)
    for (PetscInt i = 0; i < g->nx; i++) buf[r * g->nxpad + i] = ThermoModelDF(&f->model, c[r * g->nx + i]);
  PetscCall(UphillGridForward(f->grid));
  for (PetscInt i = 0; i < f->sp.nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) f->muhat[i][j] = w[i][j] + (f->model.kappa * f->sp.ksq[i] + (f->Bel ? f->Bel[i] : 0.0)) * ch[i][j];
  if (mu) {
    PetscCall(PetscArraycpy(buf, (PetscReal *)f->muhat, 2 * f->sp.nloc_k));
    PetscCall(UphillGridBackward(f->grid));
    PetscCall(UphillGridBufToVec(f->grid, mu, 1.0 / f->sp.ntot));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFluxCompute(UphillFlux f, Vec cvec, const UphillComplex *chat, const UphillFluxFields *fields, UphillFluxStats *st)
{
  const UphillGridInfo *g = &f->gi;
  const PetscInt        n = g->nlocal;
  const PetscReal      *c;
  PetscReal            *jg = NULL, *jx = NULL, mx[2] = {0, 0}, s[4] = {0, 0, 0, 0}, tol;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(cvec, &c));
  PetscCall(ChemicalPotential(f, c, chat, fields ? fields->mu : NULL));
  for (PetscInt ax = 0; ax < g->dim; ax++) {
    PetscCall(Derivative(f, f->muhat, ax, f->gmu + ax * n));
    PetscCall(Derivative(f, chat, ax, f->gc + ax * n));
  }
  if (fields && fields->jgc) PetscCall(VecGetArray(fields->jgc, &jg));
  if (fields && fields->jx) PetscCall(VecGetArray(fields->jx, &jx));
  /* per point: J.grad c = -M grad mu.grad c and |J| |grad c|; the threshold needs the global
   * max, so J.grad c and |J| are kept (over grad c and grad mu of axis 0, read by then) */
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal M = ThermoModelMobility(&f->model, c[i]);
    PetscReal       dot = 0, gm2 = 0, gc2 = 0;
    for (PetscInt ax = 0; ax < g->dim; ax++) {
      dot += f->gmu[ax * n + i] * f->gc[ax * n + i];
      gm2 += PetscSqr(f->gmu[ax * n + i]);
      gc2 += PetscSqr(f->gc[ax * n + i]);
    }
    mx[0] = PetscMax(mx[0], M * PetscSqrtReal(gm2 * gc2));
    mx[1] = PetscMax(mx[1], PetscAbsReal(M * dot));
    s[0] += M * gm2;
    if (jg) jg[i] = -M * dot;
    if (jx) jx[i] = -M * f->gmu[i];
    f->gc[i]  = -M * dot;
    f->gmu[i] = M * PetscSqrtReal(gm2);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mx, 2, MPIU_REAL, MPIU_MAX, g->comm));
  tol = UPHILL_FLUX_TOL * mx[0];
  for (PetscInt i = 0; i < n; i++) {
    s[3] += f->gmu[i];
    if (f->gc[i] > tol) {
      s[1] += 1.0;
      s[2] += f->gmu[i];
    }
  }
  if (jg) PetscCall(VecRestoreArray(fields->jgc, &jg));
  if (jx) PetscCall(VecRestoreArray(fields->jx, &jx));
  PetscCall(VecRestoreArrayRead(cvec, &c));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 4, MPIU_REAL, MPIU_SUM, g->comm));
  st->dissipation     = s[0] * g->cell;
  st->uphill_fraction = s[1] / (PetscReal)g->ntot;
  st->uphill_flux     = s[3] > 0 ? s[2] / s[3] : 0.0;
  st->jg_max          = mx[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

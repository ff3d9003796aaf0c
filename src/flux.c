/* The diffusion flux J = -M grad mu, J.grad c and the uphill measures (flux.h). */
#include <uphill/flux.h>
#include <uphill/package.h>

struct _n_UphillFlux {
  UphillGrid     grid;
  UphillGridInfo gi;
  UphillSpectral sp;
  ThermoModel    model;
  PetscReal     *Bel;      /* coherency kernel per coefficient, or NULL */
  PetscReal     *dot, *j2; /* per point: grad mu.grad c and |grad mu|^2, summed over the axes */
  PetscReal     *own;      /* nlocal: d_ax c, unless a scratch array was lent */
  PetscReal     *tmp;      /* own, or the lent scratch */
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
  if (m->elastic) {
    PetscCall(PetscMalloc1(PetscMax(f->gi.nloc_k, 1), &f->Bel));
    PetscCall(UphillGridEvalSpectral(grid, ThermoModelElasticKernel, &f->model, f->Bel));
  }
  PetscCall(PetscMalloc2(PetscMax(f->gi.nlocal, 1), &f->dot, PetscMax(f->gi.nlocal, 1), &f->j2));
  *flux = f;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFluxDestroy(UphillFlux *flux)
{
  PetscFunctionBegin;
  if (!*flux) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*flux)->Bel));
  PetscCall(PetscFree2((*flux)->dot, (*flux)->j2));
  PetscCall(PetscFree((*flux)->own));
  PetscCall(PetscFree(*flux));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFluxSetScratch(UphillFlux f, PetscReal *w)
{
  PetscFunctionBegin;
  if (w) PetscCall(PetscFree(f->own));
  f->tmp = w;
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

/* The buffer <- mu_k = FT f'(c) + (kappa k^2 + B(n_k)) c_k (DESIGN.md 6.4 for B), times i k_ax
 * for ax >= 0 (then ready for the odd inverse transform of d_ax mu). Formed again for every
 * axis, one forward transform each, rather than kept: mu_k would cost 8-16 bytes per point
 * for the whole run, for a diagnostics row now and then. */
static PetscErrorCode MuToBuffer(UphillFlux f, const PetscReal *c, const UphillComplex *ch, PetscInt ax)
{
  const UphillGridInfo *g  = &f->gi;
  const UphillSpectral *sp = &f->sp;
  double               *buf;
  UphillComplex        *w;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(f->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt r = 0; r < g->rows; r++)
    for (PetscInt i = 0; i < g->nx; i++) buf[r * g->nxpad + i] = ThermoModelDF(&f->model, c[r * g->nx + i]);
  PetscCall(UphillGridForward(f->grid));
  for (PetscInt l0 = 0, i = 0; l0 < sp->nlev[0]; l0++)
    for (PetscInt l1 = 0; l1 < sp->nlev[1]; l1++)
      for (PetscInt l2 = 0; l2 < sp->nlev[2]; l2++, i++) {
        const PetscReal q  = f->model.kappa * sp->ksq[i] + (f->Bel ? f->Bel[i] : 0.0);
        const PetscReal mr = w[i][0] + q * ch[i][0], mi = w[i][1] + q * ch[i][1];
        if (ax < 0) {
          w[i][0] = mr;
          w[i][1] = mi;
        } else {
          const PetscInt  lev = sp->level_of_axis[ax];
          const PetscReal k   = sp->k[lev][lev == 0 ? l0 : (lev == 1 ? l1 : l2)];
          w[i][0]             = -k * mi;
          w[i][1]             = k * mr;
        }
      }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Axis by axis: d_ax c into tmp, d_ax mu in the transform buffer, summed into dot and j2 (and
 * J_x on request); the largest (d_ax c)^2 of the axis into gcmax. */
static PetscErrorCode AccumulateAxis(UphillFlux f, const PetscReal *c, const UphillComplex *chat, PetscInt ax, PetscReal *jx, PetscReal *gcmax)
{
  const UphillGridInfo *g = &f->gi;
  const PetscReal       inv = 1.0 / f->sp.ntot;
  double               *buf;
  PetscReal             m = 0;

  PetscFunctionBegin;
  PetscCall(Derivative(f, chat, ax, f->tmp));
  PetscCall(MuToBuffer(f, c, chat, ax));
  PetscCall(UphillGridBackwardOdd(f->grid, ax)); /* walls: a sine series along ax */
  PetscCall(UphillGridGetBuffer(f->grid, &buf));
  for (PetscInt r = 0; r < g->rows; r++)
    for (PetscInt i = 0; i < g->nx; i++) {
      const PetscInt  p  = r * g->nx + i;
      const PetscReal gm = buf[r * g->nxpad + i] * inv, gc = f->tmp[p];
      f->dot[p] = (ax ? f->dot[p] : 0.0) + gm * gc;
      f->j2[p]  = (ax ? f->j2[p] : 0.0) + gm * gm;
      m         = PetscMax(m, gc * gc);
      if (jx) jx[p] = -ThermoModelMobility(&f->model, c[p]) * gm;
    }
  *gcmax = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFluxCompute(UphillFlux f, Vec cvec, const UphillComplex *chat, const UphillFluxFields *fields, UphillFluxStats *st)
{
  const UphillGridInfo *g = &f->gi;
  const PetscInt        n = g->nlocal;
  const PetscReal      *c;
  PetscReal            *jg = NULL, *jx = NULL, mx[2] = {0, 0}, gcm[3] = {0, 0, 0}, s[4] = {0, 0, 0, 0}, tol, gmax = 0;

  PetscFunctionBegin;
  if (!f->tmp) {
    PetscCall(PetscMalloc1(PetscMax(n, 1), &f->own));
    f->tmp = f->own;
  }
  PetscCall(VecGetArrayRead(cvec, &c));
  if (fields && fields->mu) {
    PetscCall(MuToBuffer(f, c, chat, -1));
    PetscCall(UphillGridBackward(f->grid));
    PetscCall(UphillGridBufToVec(f->grid, fields->mu, 1.0 / f->sp.ntot));
  }
  if (fields && fields->jx) PetscCall(VecGetArray(fields->jx, &jx));
  for (PetscInt ax = 0; ax < g->dim; ax++) PetscCall(AccumulateAxis(f, c, chat, ax, ax == 0 ? jx : NULL, &gcm[ax]));
  if (jx) PetscCall(VecRestoreArray(fields->jx, &jx));
  if (fields && fields->jgc) PetscCall(VecGetArray(fields->jgc, &jg));
  /* per point J.grad c = -M grad mu.grad c and |J| = M |grad mu|, kept in dot and j2 for the
   * count below, which needs the global threshold first */
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal M = ThermoModelMobility(&f->model, c[i]), J = M * PetscSqrtReal(f->j2[i]);
    s[0] += M * f->j2[i];
    f->dot[i] *= -M;
    f->j2[i] = J;
    mx[0]    = PetscMax(mx[0], J);
    mx[1]    = PetscMax(mx[1], PetscAbsReal(f->dot[i]));
    if (jg) jg[i] = f->dot[i];
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mx, 2, MPIU_REAL, MPIU_MAX, g->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, gcm, 3, MPIU_REAL, MPIU_MAX, g->comm));
  /* max |grad c| <= sqrt(sum over axes of the largest (d_ax c)^2): a bound, so the threshold is
   * at least the product of the largest |J| and |grad c| it stands for */
  for (PetscInt ax = 0; ax < g->dim; ax++) gmax += gcm[ax];
  tol = UPHILL_FLUX_TOL * mx[0] * PetscSqrtReal(gmax);
  for (PetscInt i = 0; i < n; i++) {
    s[3] += f->j2[i];
    if (f->dot[i] > tol) {
      s[1] += 1.0;
      s[2] += f->j2[i];
    }
  }
  if (jg) PetscCall(VecRestoreArray(fields->jgc, &jg));
  PetscCall(VecRestoreArrayRead(cvec, &c));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 4, MPIU_REAL, MPIU_SUM, g->comm));
  st->dissipation     = s[0] * g->cell;
  st->uphill_fraction = s[1] / (PetscReal)g->ntot;
  st->uphill_flux     = s[3] > 0 ? s[2] / s[3] : 0.0;
  st->jg_max          = mx[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Diagnostics: domain integrals and spectral measures of the field. */
#include <uphill/diag.h>
#include <uphill/collective.h>
#include <uphill/package.h>
#include <math.h>
#include <string.h>

struct _n_UphillDiag {
  UphillGrid       grid;
  UphillGridInfo   gi;
  UphillSpectral   sp;
  UphillDiagParams p;
  PetscInt         nshell; /* structure-factor shells of width 2 pi/L_max */
  PetscReal        dk;
  PetscReal       *shell;  /* [2*nshell]: sum of S and count per shell */
  UphillComplex   *muhat;  /* work: mu_k of the row's state */
  PetscReal       *Bel;    /* coherency kernel per coefficient, or NULL */
  FILE            *csv;    /* rank 0 only */
  char             csv_path[PETSC_MAX_PATH_LEN];
};

PetscErrorCode UphillDiagCreate(UphillGrid grid, const UphillDiagParams *p, UphillDiag *diag)
{
  UphillDiag d;
  PetscReal  lmax = 0, kmax = 0;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  d->grid = grid;
  d->p    = *p;
  PetscCall(UphillGridGetInfo(grid, &d->gi));
  PetscCall(UphillGridGetSpectral(grid, &d->sp));
  for (PetscInt a = 0; a < d->gi.dim; a++) {
    lmax = PetscMax(lmax, d->gi.len[a]);
    kmax += PetscSqr(PETSC_PI / d->gi.h[a]);
  }
  d->dk     = 2.0 * PETSC_PI / lmax;
  d->nshell = (PetscInt)(PetscSqrtReal(kmax) / d->dk) + 2;
  PetscCall(PetscMalloc1(2 * d->nshell, &d->shell));
  PetscCall(UphillGridAllocComplex(grid, &d->muhat));
  if (p->model.elastic) {
    PetscCall(PetscMalloc1(PetscMax(d->gi.nloc_k, 1), &d->Bel));
    PetscCall(UphillGridEvalSpectral(grid, ThermoModelElasticKernel, &d->p.model, d->Bel));
  }
  *diag = d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagDestroy(UphillDiag *diag)
{
  PetscFunctionBegin;
  if (!*diag) PetscFunctionReturn(PETSC_SUCCESS);
  if ((*diag)->csv) (void)fclose((*diag)->csv);
  PetscCall(PetscFree((*diag)->shell));
  PetscCall(UphillGridFreeComplex(&(*diag)->muhat));
  PetscCall(PetscFree((*diag)->Bel));
  PetscCall(PetscFree(*diag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Parseval on the half spectrum: sum_x |grad c|^2 = (1/N^d) sum_k w |k|^2 |c_k|^2; and the
 * shell sums of the structure factor S(k) = |c_k|^2 (k = 0 excluded). */
static PetscReal SpectralSums(UphillDiag d, const UphillComplex *ch, PetscReal *elastic)
{
  const UphillSpectral *sp  = &d->sp;
  PetscReal             sum = 0, el = 0;

  memset(d->shell, 0, 2 * (size_t)d->nshell * sizeof(PetscReal));
  for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++)
      for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
        const PetscReal w  = sp->w[0][a] * sp->w[1][b] * sp->w[2][e], S = ch[i][0] * ch[i][0] + ch[i][1] * ch[i][1];
        const PetscInt  sh = (PetscInt)PetscFloorReal(PetscSqrtReal(sp->ksq[i]) / d->dk + 0.5);
        sum += w * sp->ksq[i] * S;
        if (d->Bel) el += w * d->Bel[i] * S;
        /* walls: a cosine mode is one sample; the weight 1/2 of a zero index only makes up for
         * its doubled coefficient */
        if (sh >= 1 && sh < d->nshell) {
          d->shell[2 * sh] += w * S;
          d->shell[2 * sh + 1] += d->gi.walls ? 1.0 : w;
        }
      }
  *elastic = el / sp->ntot;
  return sum / sp->ntot;
}

/* Integral of M |grad mu|^2 over the box (reduced units), mu = f'(c) - kappa lap c with the
 * logarithm of the regular solution evaluated as is: d+1 transforms. */
static PetscErrorCode Dissipation(UphillDiag d, const PetscReal *c, const UphillComplex *ch, PetscReal *diss)
{
  const UphillSpectral *sp = &d->sp;
  const UphillGridInfo *g  = &d->gi;
  double               *buf;
  UphillComplex        *w;
  PetscReal             sum = 0;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(d->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt r = 0; r < g->rows; r++)
    for (PetscInt i = 0; i < g->nx; i++) buf[r * g->nxpad + i] = ThermoModelDF(&d->p.model, c[r * g->nx + i]);
  PetscCall(UphillGridForward(d->grid));
  /* mu_k = FT f'(c) + kappa k^2 c_k (+ B(n_k) c_k with coherency strain) */
  for (PetscInt i = 0; i < sp->nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) d->muhat[i][j] = w[i][j] + (d->p.model.kappa * sp->ksq[i] + (d->Bel ? d->Bel[i] : 0.0)) * ch[i][j];
  for (PetscInt ax = 0; ax < g->dim; ax++) {
    const PetscInt lev = sp->level_of_axis[ax];
    for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
      for (PetscInt b = 0; b < sp->nlev[1]; b++)
        for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
          const PetscReal k = sp->k[lev][lev == 0 ? a : (lev == 1 ? b : e)];
          w[i][0]           = -k * d->muhat[i][1];
          w[i][1]           = k * d->muhat[i][0];
        }
    PetscCall(UphillGridBackwardOdd(d->grid, ax));
    for (PetscInt r = 0; r < g->rows; r++)
      for (PetscInt i = 0; i < g->nx; i++) {
        const PetscReal gm = buf[r * g->nxpad + i] / sp->ntot;
        sum += ThermoModelMobility(&d->p.model, c[r * g->nx + i]) * gm * gm;
      }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, g->comm));
  *diss = sum * g->cell;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagCompute(UphillDiag d, Vec cvec, const UphillComplex *chat, UphillDiagValues *v)
{
  const ThermoModel    *m   = &d->p.model;
  const UphillGridInfo *g   = &d->gi;
  const PetscBool       reg = (PetscBool)(m->kind == THERMO_MODEL_REGULAR);
  const PetscReal      *c;
  /* sums: bulk f, smix (R), hmix (RT), c, spinodal count, gradient, elastic; then -min, max */
  PetscReal s[7] = {0, 0, 0, 0, 0, 0, 0}, mm[2] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL}, diss = 0, num = 0, den = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_DIAG, 0, 0, 0, 0));
  PetscCall(VecGetArrayRead(cvec, &c));
  for (PetscInt i = 0; i < g->nlocal; i++) {
    const PetscReal ci = c[i];
    s[0] += ThermoModelF(m, ci);
    if (reg) {
      s[1] += ThermoModelSmix(m, PetscMin(PetscMax(ci, 0.0), 1.0));
      s[2] += ThermoModelHmix(m, ci);
    }
    s[3] += ci;
    s[4] += ThermoModelD2F(m, ci) < 0 ? 1.0 : 0.0; /* Phi < 0 <=> f'' < 0 */
    mm[0] = PetscMax(mm[0], -ci);
    mm[1] = PetscMax(mm[1], ci);
    if (PetscIsNanReal(ci)) mm[0] = mm[1] = NAN;
  }
  s[5] = SpectralSums(d, chat, &s[6]);
  PetscCall(Dissipation(d, c, chat, &diss));
  PetscCall(VecRestoreArrayRead(cvec, &c));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 7, MPIU_REAL, MPIU_SUM, g->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPIU_REAL, MPIU_MAX, g->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d->shell, 2 * d->nshell, MPIU_REAL, MPIU_SUM, g->comm));

  v->total_red        = (s[0] + 0.5 * m->kappa * s[5] + 0.5 * s[6]) * g->cell;
  v->bulk              = s[0] * g->cell * d->p.energy;
  v->grad              = 0.5 * m->kappa * s[5] * g->cell * d->p.energy;
  v->elastic           = 0.5 * s[6] * g->cell * d->p.energy;
  v->total             = v->bulk + v->grad + v->elastic;
  v->smix              = reg ? s[1] * g->cell * d->p.entropy : NAN;
  v->hmix              = reg ? s[2] * g->cell * d->p.energy : NAN;
  v->cmean             = s[3] / (PetscReal)g->ntot;
  v->spinodal_fraction = s[4] / (PetscReal)g->ntot;
  v->cmin              = -mm[0];
  v->cmax              = mm[1];
  /* dS/dt = (1/T) int M |grad mu|^2 / Vm: the seed's D (dc/dx)^2/(c(1-c)) for an ideal
   * solution, generalized to the Cahn-Hilliard flux; in reduced units T = 1 (energy RT) */
  v->entropy_production = reg ? diss * d->p.entropy / d->p.time : NAN;
  v->dissipation        = diss * d->p.energy / d->p.time;
  /* L = 2 pi / k1, k1 = sum_s k_s S(k_s) / sum_s S(k_s), S shell-averaged */
  for (PetscInt sh = 1; sh < d->nshell; sh++) {
    if (d->shell[2 * sh + 1] <= 0) continue;
    const PetscReal S = d->shell[2 * sh] / d->shell[2 * sh + 1];
    num += sh * d->dk * S;
    den += S;
  }
  v->length = (num > 0 ? 2.0 * PETSC_PI * den / num : 2.0 * PETSC_PI / d->dk) * d->p.length;
  PetscCall(PetscLogEventEnd(UPHILL_DIAG, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal UphillDiagEnergyToRun(UphillDiag d, PetscReal F_red)
{
  return F_red * d->p.energy;
}

static const char CSVHeader[] = "step,t,dt,free_energy,bulk_energy,gradient_energy,mixing_entropy,mixing_enthalpy,c_mean,c_min,c_max,spinodal_fraction,length,t_reduced,dt_reduced,entropy_production,dissipation,elastic_energy\n";

typedef struct {
  const char *path;
  PetscInt    keep_through;
} KeepRows;

/* Copy the header and the rows with step <= keep_through; a line cut by a kill during
 * writing has no newline: it and what follows go. */
static int CopyKeptRows(FILE *out, void *ctx)
{
  const KeepRows *k  = (const KeepRows *)ctx;
  FILE           *in = fopen(k->path, "r");
  char            line[4096];
  int             err = 0;

  if (!in) return UphillErrno();
  while (!err && fgets(line, sizeof(line), in)) {
    long long step;
    size_t    n = strlen(line);
    if (n == 0 || line[n - 1] != '\n') break;
    if (sscanf(line, "%lld,", &step) == 1 && step > k->keep_through) break;
    if (fputs(line, out) == EOF) err = UphillErrno();
  }
  (void)fclose(in);
  return err;
}

PetscErrorCode UphillDiagOpenCSV(UphillDiag d, const char *path, PetscInt keep_through)
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(d->csv_path, path, sizeof(d->csv_path)));
  PetscCallMPI(MPI_Comm_rank(d->gi.comm, &rank));
  if (rank == 0) {
    KeepRows k = {path, keep_through};
    errno      = 0;
    if (keep_through >= 0) err = UphillWriteFileAtomic(path, "w", CopyKeptRows, &k);
    if (!err) d->csv = fopen(path, keep_through >= 0 ? "a" : "w");
    if (!err && !d->csv) err = UphillErrno();
    if (!err && keep_through < 0 && (fputs(CSVHeader, d->csv) == EOF || fflush(d->csv))) err = UphillErrno();
  }
  PetscCall(UphillCheckRoot(d->gi.comm, err, PETSC_ERR_FILE_OPEN, "cannot write %s", path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Quantities a model does not define are written as nan, not as a made-up zero. */
static int Field(FILE *fp, PetscReal x)
{
  return PetscIsNanReal(x) ? fprintf(fp, ",nan") : fprintf(fp, ",%.12e", (double)x);
}

static int WriteRow(UphillDiag d, PetscInt step, PetscReal t, PetscReal dt, const UphillDiagValues *v)
{
  FILE           *fp     = d->csv;
  const PetscReal vals[] = {t * d->p.time, dt * d->p.time, v->total, v->bulk, v->grad, v->smix, v->hmix, v->cmean, v->cmin, v->cmax, v->spinodal_fraction, v->length, t, dt, v->entropy_production, v->dissipation, v->elastic};
  int             bad    = fprintf(fp, "%lld", (long long)step) < 0;

  errno = 0;
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) bad |= Field(fp, vals[i]) < 0;
  bad |= fputc('\n', fp) == EOF;
  bad |= fflush(fp) != 0 || ferror(fp);
  return bad ? UphillErrno() : 0;
}

/* Rank 0 writes; all ranks learn whether it worked (a full disk stops every rank). */
PetscErrorCode UphillDiagWriteRow(UphillDiag d, PetscInt step, PetscReal t, PetscReal dt, const UphillDiagValues *v)
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_IO, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(d->gi.comm, &rank));
  if (rank == 0 && d->csv) err = WriteRow(d, step, t, dt, v);
  PetscCall(UphillCheckRoot(d->gi.comm, err, PETSC_ERR_FILE_WRITE, "writing %s failed", d->csv_path));
  PetscCall(PetscLogEventEnd(UPHILL_IO, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

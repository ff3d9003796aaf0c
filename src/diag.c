/* Diagnostics: domain integrals and spectral measures of the field. */
#include <uphill/diag.h>
#include <uphill/thermo.h>
#include <math.h>
#include <errno.h>

struct _n_UphillDiag {
  UphillScheme         scheme;
  const UphillOptions *opt;
  PetscReal            escale;  /* energy integral: core -> run units */
  PetscReal            sscale;  /* entropy integral: core -> run units */
  PetscReal            lscale, tscale;
  PetscInt             nshell;  /* structure-factor shells of width 2 pi/L */
  PetscReal           *shell;   /* [2*nshell]: sum of S and count per shell */
  FILE                *csv;     /* rank 0 only */
  PetscLogEvent        ev_diag;
};

PetscErrorCode UphillDiagCreate(UphillScheme scheme, const UphillOptions *opt, UphillDiag *diag)
{
  UphillDiag      d;
  const PetscReal vol = PetscPowRealInt(opt->ell, (PetscInt)opt->dim);

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  d->scheme = scheme;
  d->opt    = opt;
  d->lscale = opt->ell;
  d->tscale = opt->tau;
  if (opt->model == UPHILL_MODEL_REGULAR && opt->units == UPHILL_UNITS_SI) {
    /* F = (1/Vm) int f dV, f in RT and lengths in l */
    d->escale = opt->RT / opt->Vm * vol;
    d->sscale = UPHILL_R / opt->Vm * vol;
  } else {
    d->escale = 1.0;
    d->sscale = 1.0;
  }
  d->nshell = scheme->grid->N / 2 + 1;
  PetscCall(PetscMalloc1(2 * d->nshell, &d->shell));
  PetscCall(PetscLogEventRegister("UphillDiag", DM_CLASSID, &d->ev_diag));
  *diag = d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagDestroy(UphillDiag *diag)
{
  PetscFunctionBegin;
  if (!*diag) PetscFunctionReturn(PETSC_SUCCESS);
  if ((*diag)->csv) (void)fclose((*diag)->csv);
  PetscCall(PetscFree((*diag)->shell));
  PetscCall(PetscFree(*diag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Gradient energy by Parseval on the spectral state, so it costs no transform:
 * sum_x |grad c|^2 = (1/N^d) sum_k |k|^2 |c_k|^2 over the full spectrum. */
static PetscReal GradientSum(UphillGrid g, const UphillComplex *chat)
{
  PetscReal sum = 0;
  PetscInt  idx = 0;
  for (PetscInt a = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++)
      for (PetscInt e = 0; e < g->nlev[2]; e++, idx++) {
        const PetscReal k2 = g->k2lev[0][a] + g->k2lev[1][b] + g->k2lev[2][e];
        const PetscReal w  = g->wlev[0][a] * g->wlev[1][b] * g->wlev[2][e];
        sum += w * k2 * (chat[idx][0] * chat[idx][0] + chat[idx][1] * chat[idx][1]);
      }
  return sum / (PetscReal)g->Ntot;
}

PetscErrorCode UphillDiagEnergyBounds(UphillDiag d, Vec cvec, PetscReal *F, PetscReal *cmin, PetscReal *cmax)
{
  UphillGrid         g = d->scheme->grid;
  const SchemeModel *m = &d->scheme->m;
  const PetscReal   *c;
  PetscInt           n;
  PetscReal          loc[3] = {0, PETSC_MAX_REAL, PETSC_MAX_REAL}; /* sum, -max, min */
  const PetscReal    hd     = PetscPowRealInt(g->h, g->dim);

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(cvec, &n));
  PetscCall(VecGetArrayRead(cvec, &c));
  for (PetscInt i = 0; i < n; i++) {
    loc[0] += SchemeBulkF(m, c[i]);
    loc[1] = PetscMin(loc[1], -c[i]);
    loc[2] = PetscMin(loc[2], c[i]);
    /* a NaN never compares smaller: make it visible in the minimum */
    if (PetscIsNanReal(c[i])) loc[2] = loc[1] = -(PetscReal)INFINITY; /* PETSC_NINFINITY is finite in 3.18 */
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));
  loc[0] = loc[0] + 0.5 * m->kappa * GradientSum(g, d->scheme->chat);
  {
    PetscReal sum = loc[0], mm[2] = {loc[1], loc[2]};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, g->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPIU_REAL, MPIU_MIN, g->comm));
    *F    = sum * hd;
    *cmax = -mm[0];
    *cmin = mm[1];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagCompute(UphillDiag d, Vec cvec, DiagValues *v)
{
  UphillGrid         g = d->scheme->grid;
  const SchemeModel *m = &d->scheme->m;
  const PetscBool    reg = (PetscBool)(m->model == UPHILL_MODEL_REGULAR);
  const PetscReal   *c;
  PetscInt           n;
  const PetscReal    hd = PetscPowRealInt(g->h, g->dim);
  /* sums: bulk, grad, smix, hmix, c, spinodal count */
  PetscReal          s[6] = {0, 0, 0, 0, 0, 0};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(d->ev_diag, 0, 0, 0, 0));
  PetscCall(VecGetLocalSize(cvec, &n));
  PetscCall(VecGetArrayRead(cvec, &c));
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal ci = c[i];
    s[0] += SchemeBulkF(m, ci);
    if (reg) {
      s[2] += ThermoSmix(PetscMin(PetscMax(ci, 0.0), 1.0)) / UPHILL_R; /* in R */
      s[3] += m->chi * ci * (1.0 - ci);                                /* in RT */
      s[5] += ThermoReducedPhi(ci, m->chi) < 0 ? 1.0 : 0.0;
    } else {
      s[5] += ThermoPolyD2F(ci, m->rho, m->ca, m->cb) < 0 ? 1.0 : 0.0;
    }
    s[4] += ci;
  }
  PetscCall(VecRestoreArrayRead(cvec, &c));
  s[1] = 0.5 * m->kappa * GradientSum(g, d->scheme->chat);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 6, MPIU_REAL, MPIU_SUM, g->comm));
  PetscCall(VecMin(cvec, NULL, &v->cmin));
  PetscCall(VecMax(cvec, NULL, &v->cmax));

  v->total_core        = (s[0] + s[1]) * hd;
  v->bulk              = s[0] * hd * d->escale;
  v->grad              = s[1] * hd * d->escale;
  v->total             = v->bulk + v->grad;
  v->smix              = reg ? s[2] * hd * d->sscale : NAN;
  v->hmix              = reg ? s[3] * hd * d->escale : NAN;
  v->cmean             = s[4] / (PetscReal)g->Ntot;
  v->spinodal_fraction = s[5] / (PetscReal)g->Ntot;
  /* dS/dt = (1/T) int M |grad mu|^2 / Vm: the seed's D (dc/dx)^2/(c(1-c)) for an ideal
   * solution, generalized to the Cahn-Hilliard flux. In core units T = 1 (energy RT). */
  {
    PetscReal diss;
    PetscCall(UphillSchemeDissipation(d->scheme, cvec, &diss));
    v->entropy_production = reg ? diss * d->sscale / d->tscale : NAN;
    v->dissipation        = diss * d->escale / d->tscale;
  }

  /* L = 2 pi / k1, k1 = sum_s k_s S(k_s) / sum_s S(k_s), S shell-averaged (k = 0 excluded) */
  {
    const PetscReal dk = 2.0 * PETSC_PI / g->L;
    PetscInt        idx = 0;
    PetscReal       num = 0, den = 0;
    PetscCall(PetscArrayzero(d->shell, 2 * d->nshell));
    for (PetscInt a = 0; a < g->nlev[0]; a++)
      for (PetscInt b = 0; b < g->nlev[1]; b++)
        for (PetscInt e = 0; e < g->nlev[2]; e++, idx++) {
          const PetscReal k2 = g->k2lev[0][a] + g->k2lev[1][b] + g->k2lev[2][e];
          const PetscInt  sh = (PetscInt)PetscFloorReal(PetscSqrtReal(k2) / dk + 0.5);
          if (sh < 1 || sh >= d->nshell) continue;
          const PetscReal w = g->wlev[0][a] * g->wlev[1][b] * g->wlev[2][e];
          d->shell[2 * sh] += w * (d->scheme->chat[idx][0] * d->scheme->chat[idx][0] + d->scheme->chat[idx][1] * d->scheme->chat[idx][1]);
          d->shell[2 * sh + 1] += w;
        }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, d->shell, 2 * d->nshell, MPIU_REAL, MPIU_SUM, g->comm));
    for (PetscInt sh = 1; sh < d->nshell; sh++) {
      if (d->shell[2 * sh + 1] <= 0) continue;
      const PetscReal S = d->shell[2 * sh] / d->shell[2 * sh + 1];
      num += sh * dk * S;
      den += S;
    }
    v->length = (num > 0 ? 2.0 * PETSC_PI * den / num : g->L) * d->lscale;
  }
  PetscCall(PetscLogEventEnd(d->ev_diag, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal UphillDiagEnergyToRun(UphillDiag d, PetscReal F_core)
{
  return F_core * d->escale;
}

static const char CSVHeader[] = "step,t,dt,free_energy,bulk_energy,gradient_energy,mixing_entropy,mixing_enthalpy,c_mean,c_min,c_max,spinodal_fraction,length,t_reduced,dt_reduced,entropy_production,dissipation\n";

/* Rank 0 only. Rewrites path keeping the header and rows with step <= keep_through. */
static PetscErrorCode TruncateCSV(const char *path, PetscInt keep_through, PetscBool *ok)
{
  FILE *in, *out;
  char  tmp[PETSC_MAX_PATH_LEN + 8], line[4096];

  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  in = fopen(path, "r");
  if (!in) PetscFunctionReturn(PETSC_SUCCESS);
  out = fopen(tmp, "w");
  if (!out) {
    (void)fclose(in);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  while (fgets(line, sizeof(line), in)) {
    long long step;
    size_t    n = strlen(line);
    /* a line cut by a kill during writing has no newline: it and what follows go */
    if (n == 0 || line[n - 1] != '\n') break;
    if (sscanf(line, "%lld,", &step) == 1 && step > keep_through) break;
    if (fputs(line, out) == EOF) break;
  }
  (void)fclose(in);
  *ok = (PetscBool)(fclose(out) == 0 && rename(tmp, path) == 0);
  if (!*ok) (void)remove(tmp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagOpenCSV(UphillDiag d, const char *path, PetscInt keep_through)
{
  PetscMPIInt rank;
  PetscInt    err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(d->scheme->grid->comm, &rank));
  if (rank == 0) {
    PetscBool kept = PETSC_FALSE;
    if (keep_through >= 0) PetscCall(TruncateCSV(path, keep_through, &kept));
    d->csv = fopen(path, kept ? "a" : "w");
    if (d->csv && !kept && (fputs(CSVHeader, d->csv) == EOF || fflush(d->csv))) err = errno ? errno : EIO;
    if (!d->csv) err = errno ? errno : EIO;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_INT, 0, d->scheme->grid->comm));
  PetscCheck(!err, d->scheme->grid->comm, PETSC_ERR_FILE_OPEN, "cannot write %s (%s)", path, strerror((int)err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Quantities a model does not define are written as nan, not as a made-up zero. */
static PetscErrorCode Field(FILE *fp, PetscReal x)
{
  PetscFunctionBegin;
  if (PetscIsNanReal(x)) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, ",nan"));
  else PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, ",%.12e", (double)x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteRow(UphillDiag d, PetscInt step, PetscReal t, PetscReal dt, const DiagValues *v, PetscBool *ok)
{
  FILE *fp = d->csv;

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (!fp) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "%" PetscInt_FMT, step));
  PetscCall(Field(fp, t * d->tscale));
  PetscCall(Field(fp, dt * d->tscale));
  PetscCall(Field(fp, v->total));
  PetscCall(Field(fp, v->bulk));
  PetscCall(Field(fp, v->grad));
  PetscCall(Field(fp, v->smix));
  PetscCall(Field(fp, v->hmix));
  PetscCall(Field(fp, v->cmean));
  PetscCall(Field(fp, v->cmin));
  PetscCall(Field(fp, v->cmax));
  PetscCall(Field(fp, v->spinodal_fraction));
  PetscCall(Field(fp, v->length));
  PetscCall(Field(fp, t));
  PetscCall(Field(fp, dt));
  PetscCall(Field(fp, v->entropy_production));
  PetscCall(Field(fp, v->dissipation));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "\n"));
  *ok = (PetscBool)(fflush(fp) == 0 && !ferror(fp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 writes; all ranks learn whether it worked (a full disk stops every rank). */
PetscErrorCode UphillDiagWriteRow(UphillDiag d, PetscInt step, PetscReal t, PetscReal dt, const DiagValues *v)
{
  PetscBool ok;
  PetscInt  err;

  PetscFunctionBegin;
  errno = 0;
  PetscCall(WriteRow(d, step, t, dt, v, &ok));
  err = ok ? 0 : (errno ? errno : EIO);
  PetscCallMPI(MPI_Bcast(&err, 1, MPIU_INT, 0, d->scheme->grid->comm));
  PetscCheck(!err, d->scheme->grid->comm, PETSC_ERR_FILE_WRITE, "writing diagnostics.csv in the run directory failed (%s)", strerror((int)err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Diagnostics: domain integrals and spectral measures of the field. */
#include <uphill/diag.h>
#include <uphill/flux.h>
#include <uphill/collective.h>
#include <uphill/package.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

struct _n_UphillDiag {
  UphillGrid       grid;
  UphillGridInfo   gi;
  UphillSpectral   sp;
  UphillDiagParams p;
  PetscInt         nshell; /* structure-factor shells of width dk */
  PetscInt         nwrite; /* shells 1..nwrite-1 lie inside every axis' largest |k| */
  PetscReal        dk;     /* the smallest nonzero wavenumber over the axes */
  PetscReal       *shell;  /* [2*nshell]: sum of w |c_k|^2 and of w per shell */
  UphillFlux       flux;   /* J = -M grad mu: dissipation and the uphill measures */
  PetscReal       *Bel;    /* coherency kernel per coefficient, or NULL */
  FILE            *csv, *sf; /* diagnostics.csv, structure_factor.csv: rank 0 only */
  char             csv_path[PETSC_MAX_PATH_LEN], sf_path[PETSC_MAX_PATH_LEN];
};

/* The shell width and the isotropic range from the grid's own wavenumber tables, so that
 * rectangular boxes (dk = 2 pi/L_max) and cosine series (k = pi n/L) need no special case:
 * per level the smallest nonzero and the largest k^2, over the ranks (a slab level is
 * spread over them; a rank may hold none of it). */
static PetscErrorCode ShellRange(UphillDiag d, PetscReal *dk, PetscReal *kiso, PetscReal *kmax)
{
  const UphillSpectral *sp = &d->sp;
  PetscReal             lo[3], hi[3];

  PetscFunctionBegin;
  for (PetscInt l = 0; l < 3; l++) {
    lo[l] = PETSC_MAX_REAL;
    hi[l] = 0;
    for (PetscInt i = 0; i < sp->nlev[l]; i++) {
      if (sp->k2[l][i] > 0) lo[l] = PetscMin(lo[l], sp->k2[l][i]);
      hi[l] = PetscMax(hi[l], sp->k2[l][i]);
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, lo, 3, MPIU_REAL, MPIU_MIN, d->gi.comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hi, 3, MPIU_REAL, MPIU_MAX, d->gi.comm));
  *dk = *kiso = PETSC_MAX_REAL;
  *kmax       = 0;
  for (PetscInt l = 0; l < 3; l++) {
    if (hi[l] <= 0) continue; /* the dummy level of a 2D grid */
    *dk   = PetscMin(*dk, PetscSqrtReal(lo[l]));
    *kiso = PetscMin(*kiso, PetscSqrtReal(hi[l]));
    *kmax += hi[l];
  }
  *kmax = PetscSqrtReal(*kmax);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagCreate(UphillGrid grid, const UphillDiagParams *p, UphillDiag *diag)
{
  UphillDiag d;
  PetscReal  kiso, kmax;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  d->grid = grid;
  d->p    = *p;
  PetscCall(UphillGridGetInfo(grid, &d->gi));
  PetscCall(UphillGridGetSpectral(grid, &d->sp));
  PetscCall(ShellRange(d, &d->dk, &kiso, &kmax));
  d->nshell = (PetscInt)(kmax / d->dk) + 2;
  /* shells whose outer edge (s + 1/2) dk lies within the range of every axis */
  d->nwrite = PetscMin(d->nshell, (PetscInt)PetscFloorReal(kiso / d->dk - 0.5 + 1e-9) + 1);
  PetscCall(PetscMalloc1(2 * d->nshell, &d->shell));
  PetscCall(UphillFluxCreate(grid, &p->model, &d->flux));
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
  if ((*diag)->sf) (void)fclose((*diag)->sf);
  PetscCall(PetscFree((*diag)->shell));
  PetscCall(UphillFluxDestroy(&(*diag)->flux));
  PetscCall(PetscFree((*diag)->Bel));
  PetscCall(PetscFree(*diag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagSetScratch(UphillDiag d, PetscReal *w)
{
  PetscFunctionBegin;
  PetscCall(UphillFluxSetScratch(d->flux, w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Parseval on the half spectrum: sum_x |grad c|^2 = (1/N^d) sum_k w |k|^2 |c_k|^2; and the
 * shell sums of the structure factor S(k) = |c_k|^2 (k = 0 excluded): shell s holds
 * (s - 1/2) dk <= |k| < (s + 1/2) dk, each coefficient with its Parseval weight w, so a shell
 * averages over the modes of the whole spectrum (both of k and -k). */
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
         * its doubled coefficient, and 2^d puts the mirror-extended box's share back, so that,
         * as in a periodic box, the shell sums of S add up to the variance of c */
        if (sh >= 1 && sh < d->nshell) {
          d->shell[2 * sh] += (d->gi.walls ? (PetscReal)(1 << d->gi.dim) : 1.0) * w * S;
          d->shell[2 * sh + 1] += d->gi.walls ? 1.0 : w;
        }
      }
  *elastic = el / sp->ntot;
  return sum / sp->ntot;
}

/* S(k_s) = <|c_k|^2> over shell s, c_k = (1/N) sum_x (c - cbar) e^{-i k.x} = chat/ntot (the
 * mirror-extended box of ntot points for a cosine series); false for an empty shell. */
static PetscBool ShellAverage(UphillDiag d, PetscInt sh, PetscReal *S)
{
  if (d->shell[2 * sh + 1] <= 0) return PETSC_FALSE;
  *S = d->shell[2 * sh] / d->shell[2 * sh + 1] / (d->sp.ntot * d->sp.ntot);
  return PETSC_TRUE;
}

PetscErrorCode UphillDiagCompute(UphillDiag d, Vec cvec, const UphillComplex *chat, UphillDiagValues *v)
{
  const ThermoModel    *m   = &d->p.model;
  const UphillGridInfo *g   = &d->gi;
  const PetscBool       reg = (PetscBool)(m->kind == THERMO_MODEL_REGULAR);
  const PetscReal      *c;
  /* sums: bulk f, smix (R), hmix (RT), c, spinodal count, gradient, elastic; then -min, max */
  PetscReal s[7] = {0, 0, 0, 0, 0, 0, 0}, mm[2] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL}, diss, num = 0, den = 0;
  UphillFluxStats fs;

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
  PetscCall(VecRestoreArrayRead(cvec, &c));
  /* int M |grad mu|^2 with the logarithm evaluated as is; uphill where J.grad c > 0 */
  PetscCall(UphillFluxCompute(d->flux, cvec, chat, NULL, &fs));
  diss                = fs.dissipation;
  v->uphill_fraction = fs.uphill_fraction;
  v->uphill_flux     = fs.uphill_flux;
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
    PetscReal S;
    if (!ShellAverage(d, sh, &S)) continue;
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

static const char CSVHeader[] = "step,t,dt,free_energy,bulk_energy,gradient_energy,mixing_entropy,mixing_enthalpy,c_mean,c_min,c_max,spinodal_fraction,length,t_reduced,dt_reduced,entropy_production,dissipation,elastic_energy,uphill_fraction,uphill_flux\n";

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

static const char SFHeader[] = "step,t,k,S\n";

/* rank 0: a new file with its header, or the kept rows of an earlier one; with `fresh` an
 * earlier file that is not there (structure_factor.csv of a run that predates it) starts again
 * with its header, else that is an error */
static int OpenOne(const char *path, const char *header, PetscInt keep_through, PetscBool fresh, FILE **fp)
{
  int err = 0;

  errno = 0;
  if (fresh && keep_through >= 0 && access(path, F_OK)) keep_through = -1;
  if (keep_through >= 0) {
    KeepRows k = {path, keep_through};
    err        = UphillWriteFileAtomic(path, "w", CopyKeptRows, &k);
  }
  if (!err) *fp = fopen(path, keep_through >= 0 ? "a" : "w");
  if (!err && !*fp) err = UphillErrno();
  if (!err && keep_through < 0 && (fputs(header, *fp) == EOF || fflush(*fp))) err = UphillErrno();
  return err;
}

PetscErrorCode UphillDiagOpenCSV(UphillDiag d, const char *path, PetscInt keep_through)
{
  PetscMPIInt rank;
  const char *slash = strrchr(path, '/');
  int         err   = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(d->csv_path, path, sizeof(d->csv_path)));
  PetscCall(PetscSNPrintf(d->sf_path, sizeof(d->sf_path), "%.*sstructure_factor.csv", slash ? (int)(slash - path + 1) : 0, path));
  PetscCallMPI(MPI_Comm_rank(d->gi.comm, &rank));
  if (rank == 0) err = OpenOne(path, CSVHeader, keep_through, PETSC_FALSE, &d->csv);
  PetscCall(UphillCheckRoot(d->gi.comm, err, PETSC_ERR_FILE_OPEN, "cannot write %s", path));
  if (rank == 0) err = OpenOne(d->sf_path, SFHeader, keep_through, PETSC_TRUE, &d->sf);
  PetscCall(UphillCheckRoot(d->gi.comm, err, PETSC_ERR_FILE_OPEN, "cannot write %s", d->sf_path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillDiagGetStructureFactor(UphillDiag d, PetscInt n, PetscReal k[], PetscReal S[], PetscInt *nout)
{
  PetscInt m = 0;

  PetscFunctionBegin;
  for (PetscInt sh = 1; sh < d->nwrite && m < n; sh++)
    if (ShellAverage(d, sh, &S[m])) k[m++] = sh * d->dk / d->p.length;
  *nout = m;
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
  const PetscReal vals[] = {t * d->p.time, dt * d->p.time, v->total, v->bulk, v->grad, v->smix, v->hmix, v->cmean, v->cmin, v->cmax, v->spinodal_fraction, v->length, t, dt, v->entropy_production, v->dissipation, v->elastic, v->uphill_fraction, v->uphill_flux};
  int             bad    = fprintf(fp, "%lld", (long long)step) < 0;

  errno = 0;
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) bad |= Field(fp, vals[i]) < 0;
  bad |= fputc('\n', fp) == EOF;
  bad |= fflush(fp) != 0 || ferror(fp);
  return bad ? UphillErrno() : 0;
}

/* One row per shell of the isotropic range that holds modes: k in the run's 1/length */
static int WriteShells(UphillDiag d, PetscInt step, PetscReal t)
{
  int bad = 0;

  errno = 0;
  for (PetscInt sh = 1; sh < d->nwrite && !bad; sh++) {
    PetscReal S;
    if (ShellAverage(d, sh, &S)) bad |= fprintf(d->sf, "%lld,%.12e,%.12e,%.12e\n", (long long)step, (double)(t * d->p.time), (double)(sh * d->dk / d->p.length), (double)S) < 0;
  }
  bad |= fflush(d->sf) != 0 || ferror(d->sf);
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
  if (rank == 0 && d->sf) err = WriteShells(d, step, t);
  PetscCall(UphillCheckRoot(d->gi.comm, err, PETSC_ERR_FILE_WRITE, "writing %s failed", d->sf_path));
  PetscCall(PetscLogEventEnd(UPHILL_IO, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

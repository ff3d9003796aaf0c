/* MPI tests of the grid module (DESIGN.md section 3): FFT round trip, spectral derivatives
 * and Laplacian on the transposed complex layout, Parseval gradient energy (the diag
 * module's sum), and the slab layout itself, for N even and odd in 2D and 3D.
 *
 * Options: -expect_empty  assert that some case left a rank with zero real rows and some
 *                         case a rank with zero spectral rows (run it at 4 ranks: N = 9
 *                         gives FFTW blocks 3,3,3,0; the 2D half spectrum of N = 10 gives
 *                         2,2,2,0), and that everything still works there.
 * Prints one line per check and "N passed, M failed"; exits non-zero on any failure. */
#include <uphill/diag.h>
#include "mpi_tally.h"

typedef struct {
  PetscInt  dim, N;
  PetscReal L;
} Case;

/* splitmix64 of the global index: a field that is the same for any decomposition */
static PetscReal Hash(PetscInt64 i)
{
  uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z          = z ^ (z >> 31);
  return (PetscReal)(z >> 11) * 0x1.0p-53;
}

static void Coords(UphillGrid g, PetscInt i, PetscReal *x, PetscReal *y, PetscReal *z)
{
  const PetscInt64 gi = UphillGridGlobalIndex(g, i);
  *x = (PetscReal)(gi % g->N) * g->h;
  *y = (PetscReal)((gi / g->N) % g->N) * g->h;
  *z = g->dim == 3 ? (PetscReal)(gi / ((PetscInt64)g->N * g->N)) * g->h : 0.0;
}

/* A smooth periodic field with modes below every tested N/2 (mode 4 < 9/2), one of them
 * oblique with wavevectors of mixed sign; out = u, u_x, u_y, u_z, lap u. */
static void Analytic(PetscInt dim, PetscReal a, PetscReal x, PetscReal y, PetscReal z, PetscReal out[5])
{
  if (dim == 2) {
    const PetscReal p = a * x - 4 * a * y;
    out[0] = PetscSinReal(3 * a * x) * PetscCosReal(2 * a * y) + 0.3 * PetscCosReal(p);
    out[1] = 3 * a * PetscCosReal(3 * a * x) * PetscCosReal(2 * a * y) - 0.3 * a * PetscSinReal(p);
    out[2] = -2 * a * PetscSinReal(3 * a * x) * PetscSinReal(2 * a * y) + 1.2 * a * PetscSinReal(p);
    out[3] = 0;
    out[4] = -13 * a * a * PetscSinReal(3 * a * x) * PetscCosReal(2 * a * y) - 0.3 * 17 * a * a * PetscCosReal(p);
  } else {
    const PetscReal p = a * x - 4 * a * y + 2 * a * z;
    const PetscReal s3 = PetscSinReal(3 * a * x), c3 = PetscCosReal(3 * a * x), c2 = PetscCosReal(2 * a * y), s2 = PetscSinReal(2 * a * y);
    const PetscReal c1 = PetscCosReal(a * z), s1 = PetscSinReal(a * z);
    out[0] = s3 * c2 * c1 + 0.3 * PetscCosReal(p);
    out[1] = 3 * a * c3 * c2 * c1 - 0.3 * a * PetscSinReal(p);
    out[2] = -2 * a * s3 * s2 * c1 + 1.2 * a * PetscSinReal(p);
    out[3] = -a * s3 * c2 * s1 - 0.6 * a * PetscSinReal(p);
    out[4] = -14 * a * a * s3 * c2 * c1 - 0.3 * 21 * a * a * PetscCosReal(p);
  }
}

/* Multiply the complex view of buf (transposed layout) by i k_d (what = 0, 1, 2) or by
 * -|k|^2 (what = 3), walking the three levels as the scheme does. */
static void ApplyMultiplier(UphillGrid g, PetscInt what)
{
  UphillComplex *w   = (UphillComplex *)g->buf;
  PetscInt       idx = 0;
  for (PetscInt a = 0; a < g->nlev[0]; a++)
    for (PetscInt b = 0; b < g->nlev[1]; b++)
      for (PetscInt e = 0; e < g->nlev[2]; e++, idx++) {
        if (what == 3) {
          const PetscReal k2 = g->k2lev[0][a] + g->k2lev[1][b] + g->k2lev[2][e];
          w[idx][0] *= -k2;
          w[idx][1] *= -k2;
        } else {
          const PetscInt   lev = g->level_of_axis[what];
          const PetscReal  k   = g->klev[lev][lev == 0 ? a : (lev == 1 ? b : e)];
          const PetscReal  re = w[idx][0], im = w[idx][1];
          w[idx][0] = -k * im;
          w[idx][1] = k * re;
        }
      }
}

/* max |a - b| over the grid (collective) */
static PetscErrorCode MaxDiff(Vec a, Vec b, Vec work, PetscReal *d)
{
  PetscFunctionBeginUser;
  PetscCall(VecWAXPY(work, -1.0, b, a));
  PetscCall(VecNorm(work, NORM_INFINITY, d));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestCase(Tally *t, const Case *cs, PetscBool *empty_real, PetscBool *empty_spec)
{
  MPI_Comm         comm = t->comm;
  UphillGridParams gp;
  UphillGrid       g;
  Vec              u, v, ref, work;
  PetscMPIInt      size, rank;
  PetscInt         n, nr_min, nk_min, rows[2];
  PetscReal        err, scale, a;
  char             what[256], tag[64];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  gp.dim        = cs->dim;
  gp.N          = cs->N;
  gp.L          = cs->L;
  gp.fftw_flags = FFTW_ESTIMATE;
  gp.wisdom     = "none";
  PetscCall(UphillGridCreate(comm, &gp, &g));
  a = 2.0 * PETSC_PI / g->L;
  PetscCall(PetscSNPrintf(tag, sizeof(tag), "%" PetscInt_FMT "D N=%" PetscInt_FMT, cs->dim, cs->N));

  /* ---- layout: slab rows and spectral rows per rank; DMDA ownership = FFTW slab ---- */
  {
    PetscInt *all;
    PetscInt  lo, hi, zs, ys, zm, ym;
    PetscCall(PetscMalloc1(2 * size, &all));
    rows[0] = (PetscInt)g->nr;
    rows[1] = (PetscInt)g->nk;
    PetscCallMPI(MPI_Allgather(rows, 2, MPIU_INT, all, 2, MPIU_INT, comm));
    PetscCall(PetscPrintf(comm, "---- %s, L = %g, %d rank(s): real rows", tag, (double)cs->L, (int)size));
    for (PetscMPIInt r = 0; r < size; r++) PetscCall(PetscPrintf(comm, " %" PetscInt_FMT, all[2 * r]));
    PetscCall(PetscPrintf(comm, "; spectral rows"));
    for (PetscMPIInt r = 0; r < size; r++) PetscCall(PetscPrintf(comm, " %" PetscInt_FMT, all[2 * r + 1]));
    PetscCall(PetscPrintf(comm, "\n"));
    nr_min = nk_min = PETSC_MAX_INT;
    for (PetscMPIInt r = 0; r < size; r++) {
      nr_min = PetscMin(nr_min, all[2 * r]);
      nk_min = PetscMin(nk_min, all[2 * r + 1]);
    }
    PetscCall(PetscFree(all));
    if (nr_min == 0) *empty_real = PETSC_TRUE;
    if (nk_min == 0) *empty_spec = PETSC_TRUE;

    PetscCall(DMDAGetCorners(g->da, NULL, &ys, &zs, NULL, &ym, &zm));
    lo = cs->dim == 2 ? ys : zs;
    hi = lo + (cs->dim == 2 ? ym : zm);
    PetscCall(DMCreateGlobalVector(g->da, &u));
    PetscCall(VecGetLocalSize(u, &n));
    {
      /* an empty slab has no meaningful start: FFTW and the DMDA may disagree on it */
      PetscInt bad = (n != (PetscInt)g->nr * g->plane || hi - lo != (PetscInt)g->nr || (g->nr > 0 && lo != (PetscInt)g->r0)) ? 1 : 0;
      PetscCall(PetscSynchronizedPrintf(comm, "  [rank %d] FFTW slab [%" PetscInt_FMT ", %" PetscInt_FMT "), DMDA rows [%" PetscInt_FMT ", %" PetscInt_FMT "), local size %" PetscInt_FMT "\n", (int)rank, (PetscInt)g->r0, (PetscInt)(g->r0 + g->nr), lo, hi, n));
      PetscCall(PetscSynchronizedFlush(comm, PETSC_STDOUT));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: DMDA ownership equals the FFTW slab on every rank", tag));
      PetscCall(TallyTrue(t, what, (PetscBool)(bad == 0)));
    }
  }
  PetscCall(VecDuplicate(u, &v));
  PetscCall(VecDuplicate(u, &ref));
  PetscCall(VecDuplicate(u, &work));

  /* ---- FFT round trip of a random field (all modes, Nyquist included) ---- */
  {
    PetscScalar *x;
    PetscCall(VecGetArray(u, &x));
    for (PetscInt i = 0; i < n; i++) x[i] = Hash(UphillGridGlobalIndex(g, i));
    PetscCall(VecRestoreArray(u, &x));
    PetscCall(UphillGridVecToBuf(g, u, 1.0));
    PetscCall(UphillGridForward(g));
    PetscCall(UphillGridBackward(g));
    PetscCall(UphillGridBufToVec(g, v, 1.0 / (PetscReal)g->Ntot));
    PetscCall(MaxDiff(u, v, work, &err));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: FFT round trip of a random field in [0,1), max |diff|", tag));
    PetscCall(TallyBound(t, what, err, 1e-13));
  }

  /* ---- sum of the field = the k = 0 coefficient (checks the transposed indexing) ---- */
  {
    PetscReal sum, c0 = 0;
    PetscCall(VecSum(u, &sum));
    PetscCall(UphillGridVecToBuf(g, u, 1.0));
    PetscCall(UphillGridForward(g));
    if (g->k0 == 0 && g->nk > 0) c0 = g->buf[0];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c0, 1, MPIU_REAL, MPIU_SUM, comm));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: k = 0 coefficient equals the sum of the field, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(c0 - sum) / PetscAbsReal(sum), 1e-13));
  }

  /* ---- spectral derivatives and Laplacian of the smooth field ---- */
  {
    PetscScalar *x, *r;
    const char  *names[4] = {"d/dx", "d/dy", "d/dz", "Laplacian"};
    PetscCall(VecGetArray(u, &x));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal p[3], out[5];
      Coords(g, i, &p[0], &p[1], &p[2]);
      Analytic(cs->dim, a, p[0], p[1], p[2], out);
      x[i] = out[0];
    }
    PetscCall(VecRestoreArray(u, &x));
    for (PetscInt what_i = 0; what_i < 4; what_i++) {
      if (what_i == 2 && cs->dim == 2) continue;
      PetscCall(VecGetArray(ref, &r));
      for (PetscInt i = 0; i < n; i++) {
        PetscReal p[3], out[5];
        Coords(g, i, &p[0], &p[1], &p[2]);
        Analytic(cs->dim, a, p[0], p[1], p[2], out);
        r[i] = out[what_i + 1];
      }
      PetscCall(VecRestoreArray(ref, &r));
      PetscCall(UphillGridVecToBuf(g, u, 1.0));
      PetscCall(UphillGridForward(g));
      ApplyMultiplier(g, what_i);
      PetscCall(UphillGridBackward(g));
      PetscCall(UphillGridBufToVec(g, v, 1.0 / (PetscReal)g->Ntot));
      PetscCall(MaxDiff(v, ref, work, &err));
      PetscCall(VecNorm(ref, NORM_INFINITY, &scale));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: spectral %s vs analytic, max |diff| / max |ref| (max |ref| %.3g)", tag, names[what_i], (double)scale));
      PetscCall(TallyBound(t, what, err / scale, 1e-10));
    }
  }

  /* ---- Parseval gradient energy through the diag module: rho = 0 leaves only
   *      (kappa/2) h^d sum_k w |k|^2 |c_k|^2 / N^d; compare with the real-space sum of
   *      the analytic |grad u|^2, which equals it exactly for a band-limited field ---- */
  {
    SchemeModel   m;
    UphillScheme  s;
    UphillDiag    d;
    UphillOptions opt;
    DiagValues    dv;
    PetscReal     F, cmin, cmax, gsum = 0, hd = PetscPowRealInt(g->h, g->dim), want;
    PetscScalar  *x;

    PetscCall(PetscMemzero(&m, sizeof(m)));
    m.model    = UPHILL_MODEL_POLYNOMIAL;
    m.rho      = 0.0;
    m.ca       = 0.0;
    m.cb       = 1.0;
    m.kappa    = 2.0;
    m.mobility = 1.0;
    m.A        = 1.0;
    m.S        = 0.0;
    PetscCall(PetscMemzero(&opt, sizeof(opt)));
    opt.model = UPHILL_MODEL_POLYNOMIAL;
    opt.units = UPHILL_UNITS_REDUCED;
    opt.dim   = cs->dim;
    opt.N     = cs->N;
    opt.ell = opt.tau = opt.RT = 1.0;
    PetscCall(UphillSchemeCreate(g, &m, &s));
    PetscCall(UphillDiagCreate(s, &opt, &d));
    PetscCall(UphillSchemeSetState(s, u));
    PetscCall(UphillDiagEnergyBounds(d, u, &F, &cmin, &cmax));
    PetscCall(UphillDiagCompute(d, u, &dv));
    PetscCall(VecGetArray(u, &x));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal p[3], out[5];
      Coords(g, i, &p[0], &p[1], &p[2]);
      Analytic(cs->dim, a, p[0], p[1], p[2], out);
      gsum += out[1] * out[1] + out[2] * out[2] + out[3] * out[3];
    }
    PetscCall(VecRestoreArray(u, &x));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &gsum, 1, MPIU_REAL, MPIU_SUM, comm));
    want = 0.5 * m.kappa * gsum * hd;
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval gradient energy (UphillDiagEnergyBounds, rho = 0) = real-space sum of (kappa/2)|grad u|^2, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(F - want) / want, 1e-12));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval gradient energy (UphillDiagCompute .grad) = real-space sum, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(dv.grad - want) / want, 1e-12));

    /* ---- Parseval weights of the half spectrum on a random field (every mode, the
     *      Nyquist planes of even N included): the diag sum must equal the real-space
     *      sum of u (-lap u), with -lap = |k|^2 as the scheme's mu uses it ---- */
    {
      PetscReal dot;
      PetscCall(VecGetArray(u, &x));
      for (PetscInt i = 0; i < n; i++) x[i] = Hash(UphillGridGlobalIndex(g, i)) - 0.5;
      PetscCall(VecRestoreArray(u, &x));
      PetscCall(UphillSchemeSetState(s, u));
      PetscCall(UphillDiagEnergyBounds(d, u, &F, &cmin, &cmax));
      PetscCall(UphillGridVecToBuf(g, u, 1.0));
      PetscCall(UphillGridForward(g));
      ApplyMultiplier(g, 3);
      PetscCall(UphillGridBackward(g));
      PetscCall(UphillGridBufToVec(g, v, -1.0 / (PetscReal)g->Ntot));
      PetscCall(VecDot(u, v, &dot));
      want = 0.5 * m.kappa * dot * hd;
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval on a random field (all modes): diag gradient energy = (kappa/2) h^d sum u (-lap u), rel", tag));
      PetscCall(TallyBound(t, what, PetscAbsReal(F - want) / want, 1e-12));
    }

    /* ---- the step itself on this layout (zero-row ranks included): a random field of
     *      the double well, 20 steps, mass conserved and the field finite ---- */
    {
      PetscReal m0, m1, nrm;
      m.rho = 5.0;
      m.ca  = 0.3;
      m.cb  = 0.7;
      s->m  = m;
      PetscCall(VecGetArray(u, &x));
      for (PetscInt i = 0; i < n; i++) x[i] = 0.5 + 0.05 * (2.0 * Hash(UphillGridGlobalIndex(g, i)) - 1.0);
      PetscCall(VecRestoreArray(u, &x));
      PetscCall(UphillSchemeSetState(s, u));
      PetscCall(VecSum(u, &m0));
      for (PetscInt k = 0; k < 20; k++) PetscCall(UphillSchemeStep(s, u, 0.1));
      PetscCall(VecSum(u, &m1));
      PetscCall(VecNorm(u, NORM_INFINITY, &nrm));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: 20 scheme steps on this layout: mass change (rel), field finite (max %.4f)", tag, (double)nrm));
      PetscCall(TallyBound(t, what, PetscIsInfOrNanReal(nrm) ? PETSC_INFINITY : PetscAbsReal(m1 - m0) / PetscAbsReal(m0), 1e-13));
    }
    PetscCall(UphillDiagDestroy(&d));
    PetscCall(UphillSchemeDestroy(&s));
  }

  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&ref));
  PetscCall(VecDestroy(&work));
  PetscCall(UphillGridDestroy(&g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally     t = {MPI_COMM_NULL, 0, 0};
  PetscBool expect_empty = PETSC_FALSE, empty_real = PETSC_FALSE, empty_spec = PETSC_FALSE;
  /* even and odd N, L = 2 pi and an arbitrary L */
  const Case cases[] = {
    {2, 24, 2.0 * PETSC_PI},
    {2, 25, 7.3          },
    {2, 9,  5.0          },
    {2, 10, 2.0 * PETSC_PI},
    {3, 24, 2.0 * PETSC_PI},
    {3, 25, 7.3          },
    {3, 10, 5.0          },
    {3, 9,  2.0 * PETSC_PI},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_grid: FFT layout, round trip, spectral derivatives, Parseval"));
  fftw_mpi_init();
  t.comm = PETSC_COMM_WORLD;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-expect_empty", &expect_empty, NULL));
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) PetscCall(TestCase(&t, &cases[i], &empty_real, &empty_spec));
  PetscCall(PetscPrintf(t.comm, "---- decomposition: some rank had zero real rows: %s; zero spectral rows: %s\n", empty_real ? "yes" : "no", empty_spec ? "yes" : "no"));
  if (expect_empty) {
    PetscCall(TallyTrue(&t, "-expect_empty: some case gave a rank zero real rows (and the checks above ran on it)", empty_real));
    PetscCall(TallyTrue(&t, "-expect_empty: some case gave a rank zero spectral rows (and the checks above ran on it)", empty_spec));
  }
  PetscCall(TallySummary(&t));
  {
    const PetscInt failed = t.failed;
    fftw_mpi_cleanup();
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

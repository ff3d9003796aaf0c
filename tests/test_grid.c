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
#include <uphill/scheme.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include "tally.h"

typedef struct {
  PetscInt  dim, N;
  PetscReal L;
} Case;

/* a field that is the same for any decomposition */
static PetscReal Hash(PetscInt64 i)
{
  return UphillHashUniform(0x1234567ULL, (uint64_t)i);
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

/* Multiply the complex view of the buffer (transposed layout) by i k_d (what = 0, 1, 2) or
 * by -|k|^2 (what = 3), walking the three levels as the scheme does. */
static PetscErrorCode ApplyMultiplier(UphillGrid g, PetscInt what)
{
  UphillSpectral sp;
  double        *buf;
  UphillComplex *w;
  PetscInt       idx = 0;

  PetscFunctionBeginUser;
  PetscCall(UphillGridGetSpectral(g, &sp));
  PetscCall(UphillGridGetBuffer(g, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt a = 0; a < sp.nlev[0]; a++)
    for (PetscInt b = 0; b < sp.nlev[1]; b++)
      for (PetscInt e = 0; e < sp.nlev[2]; e++, idx++) {
        if (what == 3) {
          w[idx][0] *= -sp.ksq[idx];
          w[idx][1] *= -sp.ksq[idx];
        } else {
          const PetscInt  lev = sp.level_of_axis[what];
          const PetscReal k   = sp.k[lev][lev == 0 ? a : (lev == 1 ? b : e)];
          const PetscReal re = w[idx][0], im = w[idx][1];
          w[idx][0] = -k * im;
          w[idx][1] = k * re;
        }
      }
  PetscFunctionReturn(PETSC_SUCCESS);
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
  UphillGridInfo   gi;
  UphillSpectral   sp;
  Vec              u, v, ref, work;
  PetscMPIInt      size, rank;
  PetscInt         n, nr_min, nk_min, rows[2];
  PetscReal        err, scale, a;
  char             what[256], tag[64];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  gp.dim = cs->dim;
  for (PetscInt d = 0; d < cs->dim; d++) {
    gp.n[d]   = cs->N;
    gp.len[d] = cs->L;
  }
  gp.plan   = 0; /* estimate */
  gp.wisdom = "none";
  PetscCall(UphillGridCreate(comm, &gp, &g));
  PetscCall(UphillGridGetInfo(g, &gi));
  PetscCall(UphillGridGetSpectral(g, &sp));
  a = 2.0 * PETSC_PI / gi.len[0];
  PetscCall(PetscSNPrintf(tag, sizeof(tag), "%" PetscInt_FMT "D N=%" PetscInt_FMT, cs->dim, cs->N));

  /* ---- layout: slab rows and spectral rows per rank; DMDA ownership = FFTW slab ---- */
  {
    PetscInt *all;
    PetscInt  lo, hi, zs, ys, zm, ym;
    PetscCall(PetscMalloc1(2 * size, &all));
    rows[0] = gi.nr;
    rows[1] = cs->dim == 2 ? sp.nlev[1] : sp.nlev[0]; /* local rows of the transposed axis */
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

    PetscCall(DMDAGetCorners(gi.da, NULL, &ys, &zs, NULL, &ym, &zm));
    lo = cs->dim == 2 ? ys : zs;
    hi = lo + (cs->dim == 2 ? ym : zm);
    PetscCall(UphillGridCreateVec(g, &u));
    PetscCall(VecGetLocalSize(u, &n));
    {
      /* an empty slab has no meaningful start: FFTW and the DMDA may disagree on it */
      PetscInt bad = (n != gi.nr * gi.plane || n != gi.nlocal || hi - lo != gi.nr || (gi.nr > 0 && lo != gi.r0)) ? 1 : 0;
      PetscCall(PetscSynchronizedPrintf(comm, "  [rank %d] FFTW slab [%" PetscInt_FMT ", %" PetscInt_FMT "), DMDA rows [%" PetscInt_FMT ", %" PetscInt_FMT "), local size %" PetscInt_FMT "\n", (int)rank, gi.r0, gi.r0 + gi.nr, lo, hi, n));
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
    for (PetscInt i = 0; i < n; i++) x[i] = Hash(UphillGridGlobalIndex(&gi, i));
    PetscCall(VecRestoreArray(u, &x));
    PetscCall(UphillGridVecToBuf(g, u, 1.0));
    PetscCall(UphillGridForward(g));
    PetscCall(UphillGridBackward(g));
    PetscCall(UphillGridBufToVec(g, v, 1.0 / (PetscReal)gi.ntot));
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
    {
      double *buf;
      PetscCall(UphillGridGetBuffer(g, &buf));
      if (sp.nloc_k > 0 && sp.ksq[0] == 0) c0 = buf[0]; /* the rank holding k = 0 */
    }
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
      UphillGridCoordinates(&gi, i, p);
      Analytic(cs->dim, a, p[0], p[1], p[2], out);
      x[i] = out[0];
    }
    PetscCall(VecRestoreArray(u, &x));
    for (PetscInt what_i = 0; what_i < 4; what_i++) {
      if (what_i == 2 && cs->dim == 2) continue;
      PetscCall(VecGetArray(ref, &r));
      for (PetscInt i = 0; i < n; i++) {
        PetscReal p[3], out[5];
        UphillGridCoordinates(&gi, i, p);
        Analytic(cs->dim, a, p[0], p[1], p[2], out);
        r[i] = out[what_i + 1];
      }
      PetscCall(VecRestoreArray(ref, &r));
      PetscCall(UphillGridVecToBuf(g, u, 1.0));
      PetscCall(UphillGridForward(g));
      PetscCall(ApplyMultiplier(g, what_i));
      PetscCall(UphillGridBackward(g));
      PetscCall(UphillGridBufToVec(g, v, 1.0 / (PetscReal)gi.ntot));
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
    UphillSchemeParams   m;
    UphillScheme         s;
    UphillDiag           d;
    UphillDiagParams     dp;
    UphillDiagValues     dv;
    const UphillComplex *chat;
    PetscReal            F, gsum = 0, hd = gi.cell, want;
    PetscScalar         *x;

    PetscCall(PetscMemzero(&m, sizeof(m)));
    m.model.kind     = THERMO_MODEL_POLYNOMIAL;
    m.model.rho      = 0.0;
    m.model.ca       = 0.0;
    m.model.cb       = 1.0;
    m.model.kappa    = 2.0;
    m.model.mobility = 1.0;
    m.model.r        = 1.0;
    m.order          = 1;
    m.A              = -1;
    m.S              = 0.0;
    dp.model         = m.model;
    dp.energy = dp.entropy = dp.length = dp.time = 1.0;
    PetscCall(UphillSchemeCreate(g, &m, &s));
    PetscCall(UphillDiagCreate(g, &dp, &d));
    PetscCall(UphillSchemeSetState(s, u));
    PetscCall(UphillSchemeGetEnergy(s, &F, NULL, NULL));
    PetscCall(UphillSchemeGetSpectralState(s, &chat));
    PetscCall(UphillDiagCompute(d, u, chat, &dv));
    PetscCall(VecGetArray(u, &x));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal p[3], out[5];
      UphillGridCoordinates(&gi, i, p);
      Analytic(cs->dim, a, p[0], p[1], p[2], out);
      gsum += out[1] * out[1] + out[2] * out[2] + out[3] * out[3];
    }
    PetscCall(VecRestoreArray(u, &x));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &gsum, 1, MPIU_REAL, MPIU_SUM, comm));
    want = 0.5 * m.model.kappa * gsum * hd;
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval gradient energy (the scheme's F, rho = 0) = real-space sum of (kappa/2)|grad u|^2, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(F - want) / want, 1e-12));
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval gradient energy (UphillDiagCompute .grad) = real-space sum, rel", tag));
    PetscCall(TallyBound(t, what, PetscAbsReal(dv.grad - want) / want, 1e-12));

    /* ---- Parseval weights of the half spectrum on a random field (every mode, the
     *      Nyquist planes of even N included): the diag sum must equal the real-space
     *      sum of u (-lap u), with -lap = |k|^2 as the scheme's mu uses it ---- */
    {
      PetscReal dot;
      PetscCall(VecGetArray(u, &x));
      for (PetscInt i = 0; i < n; i++) x[i] = Hash(UphillGridGlobalIndex(&gi, i)) - 0.5;
      PetscCall(VecRestoreArray(u, &x));
      PetscCall(UphillSchemeSetState(s, u));
      PetscCall(UphillSchemeGetEnergy(s, &F, NULL, NULL));
      PetscCall(UphillGridVecToBuf(g, u, 1.0));
      PetscCall(UphillGridForward(g));
      PetscCall(ApplyMultiplier(g, 3));
      PetscCall(UphillGridBackward(g));
      PetscCall(UphillGridBufToVec(g, v, -1.0 / (PetscReal)gi.ntot));
      PetscCall(VecDot(u, v, &dot));
      want = 0.5 * m.model.kappa * dot * hd;
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: Parseval on a random field (all modes): diag gradient energy = (kappa/2) h^d sum u (-lap u), rel", tag));
      PetscCall(TallyBound(t, what, PetscAbsReal(F - want) / want, 1e-12));
    }

    /* ---- the step itself on this layout (zero-row ranks included): a random field of
     *      the double well, 20 steps, mass conserved and the field finite ---- */
    {
      PetscReal        m0, m1, nrm;
      UphillScheme     s2;
      UphillStepResult r;
      Vec              c;
      m.model.rho = 5.0;
      m.model.ca  = 0.3;
      m.model.cb  = 0.7;
      m.order     = 2;
      PetscCall(UphillSchemeCreate(g, &m, &s2));
      PetscCall(VecGetArray(u, &x));
      for (PetscInt i = 0; i < n; i++) x[i] = 0.5 + 0.05 * (2.0 * Hash(UphillGridGlobalIndex(&gi, i)) - 1.0);
      PetscCall(VecRestoreArray(u, &x));
      PetscCall(UphillSchemeSetState(s2, u));
      PetscCall(VecSum(u, &m0));
      for (PetscInt k = 0; k < 20; k++) {
        PetscCall(UphillSchemeTry(s2, 0.1, &r));
        PetscCall(UphillSchemeAccept(s2));
      }
      PetscCall(UphillSchemeGetState(s2, &c));
      PetscCall(VecSum(c, &m1));
      PetscCall(VecNorm(c, NORM_INFINITY, &nrm));
      PetscCall(UphillSchemeDestroy(&s2));
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
  PetscCall(UphillInitializePackage());
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
    PetscCall(UphillFinalizePackage());
    PetscCall(PetscFinalize());
    return failed ? 1 : 0;
  }
}

/* Conserved thermal noise (Cahn-Hilliard-Cook, DESIGN.md 6.5) against its equilibrium.
 *
 * A stable uniform alloy driven by the noise settles into fluctuations whose structure factor
 * is, in the continuum, Ornstein-Zernike: <|c_k|^2> = theta/(V (f''(c0) + kappa k^2)), c_k the
 * normalized Fourier coefficient. The step changes that by a known factor. Linearized about
 * c0, a mode obeys
 *   Euler: (1 + h B) c^{n+1} = (1 + h (B + R)) c^n + h n_k,
 *   BDF2:  (3/2 + h B) c^{n+1} = 2 c^n - c^{n-1}/2 + h (B + R)(2 c^n - c^{n-1}) + h n_k,
 * R = -M0 k^2 (f'' + kappa k^2) the growth rate, B the implicit coefficient of the step
 * (recovered from UphillSchemeAmplification), n_k the divergence of the random flux with
 * E|n_k|^2 = 2 M0 theta k^2/(h V). The stationary variance is b^2/(1 - a^2) for the first
 * and the AR(2) variance for the second. The measured, shell-averaged ratio of <|c_k|^2> to
 * that prediction must be 1 within four standard errors (from batch means), and the errors
 * must be small enough (a few %) for the check to mean something; the continuum OZ value is
 * printed beside it. Mass is conserved to round-off.
 * Cases: regular solution (variable mobility: noise added to the flux in real space), Euler
 * and BDF2, 2D and 3D; polynomial model (constant mobility: noise drawn in Fourier space,
 * where a multiplier even in k once broke the conjugate symmetry and inflated S at low k by
 * up to 45 %: this test found it); regular Euler with no-flux walls (cosine modes, the random
 * flux through the sine transforms). */
#include <uphill/scheme.h>
#include <uphill/package.h>
#include "tally.h"

#define NSHELL 9
#define NBATCH 20

typedef struct {
  const char        *name;
  PetscInt           dim, N; /* grid N^dim of side N (h = 1) */
  UphillSchemeParams sp;
  PetscReal          c0, h, kmin, kmax;
  PetscInt           burn, every, samples; /* steps before sampling, steps between samples */
  PetscBool          walls;                 /* no-flux walls: cosine modes */
} Case;

/* Stationary <|c_k|^2> of the linearized step for one mode (k odd = k, no Nyquist axis). */
static PetscReal Predicted(const UphillSchemeParams *sp, PetscReal c0, const PetscReal kv[3], PetscReal h, PetscReal V)
{
  const ThermoModel *m  = &sp->model;
  const PetscReal    k2 = kv[0] * kv[0] + kv[1] * kv[1] + kv[2] * kv[2];
  const PetscReal    M0 = ThermoModelMobility(m, c0);
  const PetscReal    R  = ThermoGrowthRate(PetscSqrtReal(k2), M0, ThermoModelD2F(m, c0), m->kappa);
  const PetscReal    G  = UphillSchemeAmplification(sp, c0, kv, h);
  const PetscReal    B  = (G - 1.0 - h * R) / (h * (1.0 - G)); /* G (1 + h B) = 1 + h (B + R) */
  const PetscReal    q2 = 2.0 * M0 * sp->theta * k2 * h / V;   /* h^2 E|n_k|^2 */

  if (sp->order == 1) return q2 / PetscSqr(1.0 + h * B) / (1.0 - G * G);
  {
    const PetscReal den = 1.5 + h * B, p1 = (2.0 + 2.0 * h * (B + R)) / den, p2 = -(0.5 + h * (B + R)) / den;
    return q2 / (den * den) * (1.0 - p2) / ((1.0 + p2) * (PetscSqr(1.0 - p2) - p1 * p1));
  }
}

static PetscReal Continuum(const UphillSchemeParams *sp, PetscReal c0, PetscReal k2, PetscReal V)
{
  return sp->theta / (V * (ThermoModelD2F(&sp->model, c0) + sp->model.kappa * k2));
}

/* Add |c_k|^2 / prediction (and the continuum's ratio to the prediction) per shell. */
static void Sample(UphillScheme s, const UphillSpectral *sp, PetscInt dim, const Case *cs, PetscReal V, PetscReal *ratio, PetscReal *oz, PetscReal *count)
{
  const UphillComplex *ch;
  const PetscReal      dk = (cs->kmax - cs->kmin) / NSHELL;

  (void)UphillSchemeGetSpectralState(s, &ch);
  for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
    for (PetscInt b = 0; b < sp->nlev[1]; b++)
      for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
        const PetscInt  lv[3] = {a, b, e};
        PetscReal       kv[3] = {0, 0, 0}, k;
        PetscBool       nyq   = PETSC_FALSE;
        PetscInt        sh;
        for (PetscInt d = 0; d < dim; d++) {
          const PetscInt lev = sp->level_of_axis[d];
          kv[d]              = sp->k[lev][lv[lev]];
          if (kv[d] == 0 && sp->k2[lev][lv[lev]] > 0) nyq = PETSC_TRUE;
        }
        k  = PetscSqrtReal(sp->ksq[i]);
        sh = (PetscInt)PetscFloorReal((k - cs->kmin) / dk);
        if (nyq || k < cs->kmin || sh < 0 || sh >= NSHELL) continue;
        {
          /* walls: each cosine mode is one sample, and 2^d w |c_k|^2 / ntot^2 is what a periodic
           * mode's |c_k|^2 / N^2d is at the same energy (ntot = prod 2N; a cosine is two plane
           * waves per axis; the Parseval weight 1/2 of a zero index makes up for its doubled
           * coefficient, so it must not also count as half a sample) */
          const PetscReal wp = sp->w[0][a] * sp->w[1][b] * sp->w[2][e], w = cs->walls ? 1.0 : wp;
          const PetscReal S  = (cs->walls ? (dim == 2 ? 4.0 : 8.0) * wp : 1.0) * (ch[i][0] * ch[i][0] + ch[i][1] * ch[i][1]) / (sp->ntot * sp->ntot);
          const PetscReal Sp = Predicted(&cs->sp, cs->c0, kv, cs->h, V);
          ratio[sh] += w * S / Sp;
          oz[sh] += w * Continuum(&cs->sp, cs->c0, sp->ksq[i], V) / Sp;
          count[sh] += w;
        }
      }
}

static PetscErrorCode RunCase(Tally *t, const Case *cs)
{
  const PetscInt   N = cs->N, nper = cs->samples / NBATCH;
  const PetscReal  L = (PetscReal)N, V = PetscPowRealInt(L, cs->dim);
  UphillGridParams gp;
  UphillGrid       g;
  UphillSpectral   sp;
  UphillScheme     s;
  UphillStepResult r;
  Vec              c, cend;
  PetscReal        ratio[NBATCH][NSHELL], oz[NSHELL], count[NBATCH][NSHELL], mean0, mean1, worst = 0, widest = 0;
  PetscInt64       step = 0;
  char             what[256];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  PetscCall(PetscMemzero(ratio, sizeof(ratio)));
  PetscCall(PetscMemzero(count, sizeof(count)));
  PetscCall(PetscMemzero(oz, sizeof(oz)));
  gp.dim    = cs->dim;
  gp.wisdom = "none";
  gp.walls  = cs->walls;
  for (PetscInt d = 0; d < cs->dim; d++) {
    gp.n[d]   = N;
    gp.len[d] = L;
  }
  PetscCall(UphillGridCreate(t->comm, &gp, &g));
  PetscCall(UphillGridGetSpectral(g, &sp));
  PetscCall(UphillSchemeCreate(g, &cs->sp, &s));
  PetscCall(UphillGridCreateVec(g, &c));
  PetscCall(VecSet(c, cs->c0));
  PetscCall(UphillSchemeSetState(s, c));
  PetscCall(VecSum(c, &mean0));
  for (PetscInt n = 0; n < cs->burn + cs->samples * cs->every; n++, step++) {
    PetscCall(UphillSchemeSetStepIndex(s, step));
    PetscCall(UphillSchemeTry(s, cs->h, &r));
    PetscCall(UphillSchemeAccept(s));
    if (n >= cs->burn && (n - cs->burn) % cs->every == cs->every - 1) {
      const PetscInt j = (n - cs->burn) / cs->every, batch = PetscMin(j / nper, NBATCH - 1);
      Sample(s, &sp, cs->dim, cs, V, ratio[batch], oz, count[batch]);
    }
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, ratio, NBATCH * NSHELL, MPIU_REAL, MPIU_SUM, t->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, count, NBATCH * NSHELL, MPIU_REAL, MPIU_SUM, t->comm));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, oz, NSHELL, MPIU_REAL, MPIU_SUM, t->comm));
  PetscCall(PetscPrintf(t->comm, "---- %s: %" PetscInt_FMT "^%" PetscInt_FMT ", theta %g, c0 %g, h %g, %" PetscInt_FMT " samples every %" PetscInt_FMT " steps after %" PetscInt_FMT "\n", cs->name, N, cs->dim, (double)cs->sp.theta, (double)cs->c0, (double)cs->h, cs->samples, cs->every, cs->burn));
  PetscCall(PetscPrintf(t->comm, "     k shell        measured/predicted  std.err  continuum OZ/predicted\n"));
  for (PetscInt sh = 0; sh < NSHELL; sh++) {
    PetscReal m = 0, m2 = 0, ctot = 0, se;
    for (PetscInt b = 0; b < NBATCH; b++) {
      const PetscReal x = ratio[b][sh] / count[b][sh];
      m += x / NBATCH;
      m2 += x * x / NBATCH;
      ctot += count[b][sh];
    }
    se = PetscSqrtReal(PetscMax(m2 - m * m, 0.0) / (NBATCH - 1));
    PetscCall(PetscPrintf(t->comm, "     [%.3f, %.3f)  %.4f              %.4f   %.4f\n", (double)(cs->kmin + sh * (cs->kmax - cs->kmin) / NSHELL), (double)(cs->kmin + (sh + 1) * (cs->kmax - cs->kmin) / NSHELL), (double)m, (double)se,
                          (double)(oz[sh] / ctot)));
    worst  = PetscMax(worst, PetscAbsReal(m - 1.0) / se);
    widest = PetscMax(widest, se);
  }
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: every shell's S(k) within 4 standard errors of the prediction (worst, in standard errors)", cs->name));
  PetscCall(TallyBound(t, what, worst, 4.0));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: the standard errors are small enough to test (largest)", cs->name));
  PetscCall(TallyBound(t, what, widest, 0.03));
  PetscCall(UphillSchemeGetState(s, &cend));
  PetscCall(VecSum(cend, &mean1));
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s: mass conserved under the noise, |sum c - sum c(0)| / N^d", cs->name));
  PetscCall(TallyBound(t, what, PetscAbsReal(mean1 - mean0) / sp.ntot, 1e-13));
  PetscCall(VecDestroy(&c));
  PetscCall(UphillSchemeDestroy(&s));
  PetscCall(UphillGridDestroy(&g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static UphillSchemeParams Params(ThermoModelKind kind, PetscInt order, PetscReal theta)
{
  UphillSchemeParams p;

  (void)PetscMemzero(&p, sizeof(p));
  p.model.kind = kind;
  if (kind == THERMO_MODEL_REGULAR) {
    p.model.chi   = 1.5; /* f''(1/2) = 4 - 3 = 1: stable */
    p.model.r     = 1.0;
    p.model.kappa = 1.0;
  } else {
    p.model.rho      = 5.0;
    p.model.ca       = 0.3;
    p.model.cb       = 0.7;
    p.model.kappa    = 2.0;
    p.model.mobility = 5.0;
    p.model.r        = 1.0;
  }
  p.order      = order;
  p.A          = -1;
  p.S          = -1;
  p.theta      = theta;
  p.noise_seed = 7;
  return p;
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test_noise: thermal noise against the equilibrium structure factor"));
  PetscCall(UphillInitializePackage());
  t.comm = PETSC_COMM_WORLD;
  {
    /* regular, c0 = 1/2: relaxation rate of the variance at k = 0.6 is 2 M0 k^2 (f'' + k^2) = 0.24 */
    const Case cases[] = {
      {"regular Euler", 2, 64, Params(THERMO_MODEL_REGULAR, 1, 1e-4), 0.5, 0.2, 0.6, 2.4, 300, 5, 600, PETSC_FALSE},
      {"regular BDF2", 2, 64, Params(THERMO_MODEL_REGULAR, 2, 1e-4), 0.5, 0.2, 0.6, 2.4, 300, 5, 600, PETSC_FALSE},
      {"3D regular BDF2", 3, 16, Params(THERMO_MODEL_REGULAR, 2, 1e-4), 0.5, 0.2, 0.8, 2.6, 300, 5, 600, PETSC_FALSE},
      /* polynomial at c0 = 0.2, outside the spinodal of wells 0.3/0.7: f'' = 4.6 */
      {"polynomial Euler", 2, 64, Params(THERMO_MODEL_POLYNOMIAL, 1, 1e-4), 0.2, 0.01, 0.4, 2.2, 200, 10, 600, PETSC_FALSE},
      /* no-flux walls: the random flux is a sine series along its axis, like the flux */
      {"walls regular Euler", 2, 48, Params(THERMO_MODEL_REGULAR, 1, 1e-4), 0.5, 0.2, 0.6, 2.4, 300, 5, 600, PETSC_TRUE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) PetscCall(RunCase(&t, &cases[i]));
  }
  PetscCall(PetscPrintf(t.comm, "%" PetscInt_FMT " passed, %" PetscInt_FMT " failed\n", t.passed, t.failed));
  PetscCall(UphillFinalizePackage());
  PetscCall(PetscFinalize());
  return t.failed ? 1 : 0;
}

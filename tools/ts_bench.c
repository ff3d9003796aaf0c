/* uphill-ts: the same Cahn-Hilliard problem advanced by PETSc's own adaptive integrators, for
 * the work-precision study of tools/bench (docs/design.md, "Time integrators compared").
 *
 * The state is the Fourier coefficients of c (normalized, U_k = FT(c)_k / N^d), so the stiff
 * linear part is diagonal: an IMEX method (TSARKIMEX) treats
 *   implicit   -Lambda U,  Lambda = D k^2 + A kappa k^4 (regular: the ideal flux and the
 *              stabilizer of the variable-mobility k^4 term) or S k^2 + M kappa k^4 (polynomial)
 *   explicit   T(U) + Lambda U,  T the whole tendency of src/scheme.c (UphillSchemeTendency's
 *              forms, with the transforms of one evaluation: 2d+1, or 2 for the polynomial model)
 * and the implicit stage equations (shift + Lambda) U = r are solved exactly by KSPPREONLY with
 * PCJACOBI on a shell matrix that knows its diagonal; SNESKSPONLY, since they are linear.
 * TSAdapt (basic, or -ts_adapt_type dsp) controls the step with the embedded pair.
 * With -ts_type bdf everything is implicit instead: Newton-Krylov (GMRES) with the Jacobian
 * applied by finite differences and that diagonal as the preconditioner.
 *
 *   uphill-ts -options_file inputs/pfhub1a.opts -output DIR -force -report_times 100,200,300
 *             -ts_type arkimex -ts_arkimex_type 3 -ts_atol 1e-6 -ts_rtol 0
 *
 * Prints one JSON line: steps, rejected steps, right-hand-side evaluations, transforms, wall
 * time, and the free energy (run units) and length L at each -report_times (run units). */
#include <petscts.h>
#include <uphill/run.h>
#include <uphill/diag.h>
#include <uphill/package.h>

static const char help[] = "uphill-ts: the uphill problem advanced by PETSc TS (ARKIMEX) for comparison\n";

typedef struct {
  UphillGrid     grid;
  UphillGridInfo gi;
  UphillSpectral sp;
  ThermoModel    m;
  PetscReal      A, S, D;   /* stabilizers and the ideal flux's implicit coefficient */
  PetscReal     *lambda;    /* implicit diagonal per coefficient */
  PetscReal      shift;
  Vec            c;         /* real field, work */
  UphillComplex *q, *chat;  /* work: a potential, unnormalized coefficients */
  PetscInt       nrhs;
} Ctx;

/* U (normalized coefficients, as reals) -> unnormalized chat and the real field c */
static PetscErrorCode ToReal(Ctx *x, Vec U)
{
  const PetscScalar *u;
  double            *buf;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < 2 * x->gi.nloc_k; i++) ((PetscReal *)x->chat)[i] = u[i] * x->sp.ntot;
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(UphillGridGetBuffer(x->grid, &buf));
  PetscCall(PetscArraycpy(buf, (PetscReal *)x->chat, 2 * x->gi.nloc_k));
  PetscCall(UphillGridBackward(x->grid));
  PetscCall(UphillGridBufToVec(x->grid, x->c, 1.0 / x->sp.ntot));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* out += sum_d i k_d FT(M(c) IFFT(i k_d q)) / N^d (unnormalized) */
static PetscErrorCode FluxDivergence(Ctx *x, const PetscReal *c, UphillComplex *out)
{
  const UphillSpectral *sp = &x->sp;
  double               *buf;
  UphillComplex        *w;

  PetscFunctionBegin;
  PetscCall(UphillGridGetBuffer(x->grid, &buf));
  w = (UphillComplex *)buf;
  for (PetscInt d = 0; d < x->gi.dim; d++) {
    const PetscInt lev = sp->level_of_axis[d];
    for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
      for (PetscInt b = 0; b < sp->nlev[1]; b++)
        for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
          const PetscReal k = sp->k[lev][lev == 0 ? a : (lev == 1 ? b : e)];
          w[i][0]           = -k * x->q[i][1];
          w[i][1]           = k * x->q[i][0];
        }
    PetscCall(UphillGridBackwardOdd(x->grid, d)); /* walls: the flux is a sine series along d */
    for (PetscInt r = 0; r < x->gi.rows; r++)
      for (PetscInt i = 0; i < x->gi.nx; i++) buf[r * x->gi.nxpad + i] *= ThermoReducedMobility(c[r * x->gi.nx + i], x->m.r) / sp->ntot;
    PetscCall(UphillGridForwardOdd(x->grid, d));
    for (PetscInt a = 0, i = 0; a < sp->nlev[0]; a++)
      for (PetscInt b = 0; b < sp->nlev[1]; b++)
        for (PetscInt e = 0; e < sp->nlev[2]; e++, i++) {
          const PetscReal k = sp->k[lev][lev == 0 ? a : (lev == 1 ? b : e)];
          out[i][0] -= k * w[i][1];
          out[i][1] += k * w[i][0];
        }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* G(t, U) = T(U) + Lambda U: the explicit part */
static PetscErrorCode RHS(TS ts, PetscReal t, Vec U, Vec G, void *ctx)
{
  Ctx               *x = (Ctx *)ctx;
  const PetscScalar *u;
  const PetscReal   *c;
  PetscScalar       *g;
  double            *buf;
  UphillComplex     *out;

  PetscFunctionBegin;
  (void)ts;
  (void)t;
  x->nrhs++;
  PetscCall(ToReal(x, U));
  PetscCall(UphillGridAllocComplex(x->grid, &out));
  PetscCall(VecGetArrayRead(x->c, &c));
  PetscCall(UphillGridGetBuffer(x->grid, &buf));
  if (x->m.kind == THERMO_MODEL_POLYNOMIAL) {
    /* -M k^2 (FT f'(c) + kappa k^2 c_k) */
    for (PetscInt r = 0; r < x->gi.rows; r++) ThermoModelDFArray(&x->m, c + r * x->gi.nx, buf + r * x->gi.nxpad, x->gi.nx);
    PetscCall(UphillGridForward(x->grid));
    for (PetscInt i = 0; i < x->gi.nloc_k; i++)
      for (PetscInt j = 0; j < 2; j++) out[i][j] = -x->m.mobility * x->sp.ksq[i] * (buf[2 * i + j] + x->m.kappa * x->sp.ksq[i] * x->chat[i][j]);
  } else {
    /* -k^2 FT g(c) + div(M grad psi), psi_k = (kappa k^2 - 2 chi) c_k; g = c for one tracer */
    PetscCheck(x->m.r == 1.0, PETSC_COMM_WORLD, PETSC_ERR_SUP, "uphill-ts: one tracer only");
    for (PetscInt i = 0; i < x->gi.nloc_k; i++)
      for (PetscInt j = 0; j < 2; j++) {
        out[i][j]  = -x->sp.ksq[i] * x->chat[i][j];
        x->q[i][j] = (x->m.kappa * x->sp.ksq[i] - 2.0 * x->m.chi) * x->chat[i][j];
      }
    PetscCall(FluxDivergence(x, c, out));
  }
  PetscCall(VecRestoreArrayRead(x->c, &c));
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(G, &g));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) g[2 * i + j] = out[i][j] / x->sp.ntot + x->lambda[i] * u[2 * i + j];
  PetscCall(VecRestoreArray(G, &g));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(UphillGridFreeComplex(&out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* F(t, U, Udot) = Udot + Lambda U: the implicit, linear, diagonal part */
static PetscErrorCode IFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  Ctx               *x = (Ctx *)ctx;
  const PetscScalar *u, *ud;
  PetscScalar       *f;

  PetscFunctionBegin;
  (void)ts;
  (void)t;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayRead(Udot, &ud));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) f[2 * i + j] = ud[2 * i + j] + x->lambda[i] * u[2 * i + j];
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(Udot, &ud));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* F(t, U, Udot) = Udot - T(U): the whole problem implicit (TSBDF), T = G - Lambda U */
static PetscErrorCode IFunctionFull(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  Ctx               *x = (Ctx *)ctx;
  const PetscScalar *u, *ud;
  PetscScalar       *f;

  PetscFunctionBegin;
  PetscCall(RHS(ts, t, U, F, ctx));
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayRead(Udot, &ud));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) f[2 * i + j] = ud[2 * i + j] - (f[2 * i + j] - x->lambda[i] * u[2 * i + j]);
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(Udot, &ud));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ShellMult(Mat J, Vec in, Vec out)
{
  Ctx               *x;
  const PetscScalar *a;
  PetscScalar       *b;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &x));
  PetscCall(VecGetArrayRead(in, &a));
  PetscCall(VecGetArray(out, &b));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++)
    for (PetscInt j = 0; j < 2; j++) b[2 * i + j] = (x->shift + x->lambda[i]) * a[2 * i + j];
  PetscCall(VecRestoreArray(out, &b));
  PetscCall(VecRestoreArrayRead(in, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ShellDiagonal(Mat J, Vec d)
{
  Ctx         *x;
  PetscScalar *b;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(J, &x));
  PetscCall(VecGetArray(d, &b));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++) b[2 * i] = b[2 * i + 1] = x->shift + x->lambda[i];
  PetscCall(VecRestoreArray(d, &b));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* dF/dU + shift dF/dUdot = shift + Lambda: only the shift changes */
static PetscErrorCode IJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat J, Mat P, void *ctx)
{
  Ctx *x = (Ctx *)ctx;

  PetscFunctionBegin;
  (void)ts;
  (void)t;
  (void)U;
  (void)Udot;
  (void)P;
  x->shift = shift;
  /* a new state of the operator, so PCJACOBI takes the new diagonal */
  PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The problem's implicit diagonal, work arrays, and the diagnostics in the run's units. */
static PetscErrorCode ContextCreate(UphillRun run, const UphillOptions *opt, Ctx *x, UphillDiag *diag)
{
  UphillScheme       scheme;
  UphillSchemeParams sp;
  UphillDiagParams   dp;

  PetscFunctionBegin;
  PetscCall(UphillRunGetScheme(run, &scheme));
  PetscCall(UphillRunGetGrid(run, &x->grid));
  PetscCall(UphillSchemeGetParams(scheme, &sp));
  PetscCall(UphillGridGetInfo(x->grid, &x->gi));
  PetscCall(UphillGridGetSpectral(x->grid, &x->sp));
  x->m    = sp.model;
  x->A    = sp.A;
  x->S    = sp.S;
  x->D    = PetscMax(1.0, x->m.r);
  x->nrhs = 0;
  PetscCall(PetscMalloc1(PetscMax(x->gi.nloc_k, 1), &x->lambda));
  for (PetscInt i = 0; i < x->gi.nloc_k; i++) {
    const PetscReal k2 = x->sp.ksq[i];
    x->lambda[i]       = x->m.kind == THERMO_MODEL_POLYNOMIAL ? k2 * (x->S + x->m.mobility * x->m.kappa * k2) : k2 * (x->D + x->S + x->A * x->m.kappa * k2);
  }
  PetscCall(UphillGridCreateVec(x->grid, &x->c));
  PetscCall(UphillGridAllocComplex(x->grid, &x->q));
  PetscCall(UphillGridAllocComplex(x->grid, &x->chat));
  dp.model  = x->m;
  dp.energy = dp.entropy = 1.0;
  if (opt->model == UPHILL_MODEL_REGULAR && opt->units == UPHILL_UNITS_SI) {
    dp.energy  = opt->RT / opt->Vm * PetscPowRealInt(opt->ell, opt->dim);
    dp.entropy = UPHILL_R / opt->Vm * PetscPowRealInt(opt->ell, opt->dim);
  }
  dp.length = opt->ell;
  dp.time   = opt->tau;
  PetscCall(UphillDiagCreate(x->grid, &dp, diag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ContextDestroy(Ctx *x)
{
  PetscFunctionBegin;
  PetscCall(VecDestroy(&x->c));
  PetscCall(UphillGridFreeComplex(&x->q));
  PetscCall(UphillGridFreeComplex(&x->chat));
  PetscCall(PetscFree(x->lambda));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ARKIMEX (default): implicit diagonal part, exact linear solve; -ts_type bdf: all implicit */
static PetscErrorCode SetUpTS(TS ts, Mat J, Ctx *x, const UphillOptions *opt)
{
  SNES      snes;
  KSP       ksp;
  PC        pc;
  PetscBool bdf;

  PetscFunctionBegin;
  PetscCall(TSSetType(ts, TSARKIMEX));
  PetscCall(TSARKIMEXSetType(ts, TSARKIMEX3));
  PetscCall(TSSetTimeStep(ts, opt->dt_red > 0 ? opt->dt_red : 1e-3 * opt->t_end_red));
  PetscCall(TSSetMaxSteps(ts, opt->max_steps));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetTolerances(ts, 1e-6, NULL, 0.0, NULL));
  PetscCall(TSSetFromOptions(ts));
  PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSBDF, &bdf));
  PetscCall(TSGetSNES(ts, &snes));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  if (bdf) {
    /* everything implicit: Newton-Krylov with the Jacobian applied matrix-free (finite
     * differences of F) and the diagonal shift + Lambda, inverted exactly, as preconditioner */
    PetscCall(TSSetIFunction(ts, NULL, IFunctionFull, x));
    PetscCall(TSSetIJacobian(ts, J, J, IJacobian, x));
    PetscCall(PetscOptionsSetValue(NULL, "-snes_mf_operator", NULL));
    PetscCall(KSPSetType(ksp, KSPGMRES));
  } else {
    PetscCall(TSARKIMEXSetFullyImplicit(ts, PETSC_FALSE));
    PetscCall(TSSetRHSFunction(ts, NULL, RHS, x));
    PetscCall(TSSetIFunction(ts, NULL, IFunction, x));
    PetscCall(TSSetIJacobian(ts, J, J, IJacobian, x));
    /* the implicit stage equations are linear and diagonal: one exact solve */
    PetscCall(SNESSetType(snes, SNESKSPONLY));
    PetscCall(KSPSetType(ksp, KSPPREONLY));
  }
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(TSSetFromOptions(ts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void AppendList(char *line, size_t len, const char *key, const PetscReal *v, PetscInt n, const char *fmt)
{
  char item[64];
  (void)strncat(line, key, len - strlen(line) - 1);
  for (PetscInt i = 0; i < n; i++) {
    if (i) (void)strncat(line, ", ", len - strlen(line) - 1);
    (void)snprintf(item, sizeof(item), fmt, (double)v[i]);
    (void)strncat(line, item, len - strlen(line) - 1);
  }
  (void)strncat(line, "]", len - strlen(line) - 1);
}

static PetscErrorCode Report(TS ts, const Ctx *x, PetscInt64 transforms, PetscLogDouble wall, const PetscReal *times, const PetscReal *F, const PetscReal *Lv, PetscInt n)
{
  TSType   type;
  PetscInt steps, rejected;
  char     line[8192];

  PetscFunctionBegin;
  PetscCall(TSGetType(ts, &type));
  PetscCall(TSGetStepNumber(ts, &steps));
  PetscCall(TSGetStepRejections(ts, &rejected));
  (void)snprintf(line, sizeof(line), "{\"tool\": \"uphill-ts\", \"ts_type\": \"%s\", \"steps\": %d, \"rejected\": %d, \"rhs_evaluations\": %d, \"transforms\": %lld, \"wall_s\": %.4f", type, (int)steps, (int)rejected, (int)x->nrhs, (long long)transforms, wall);
  AppendList(line, sizeof(line), ", \"t\": [", times, n, "%.10g");
  AppendList(line, sizeof(line), ", \"free_energy\": [", F, n, "%.12g");
  AppendList(line, sizeof(line), ", \"length\": [", Lv, n, "%.12g");
  (void)strncat(line, "}\n", sizeof(line) - strlen(line) - 1);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  UphillOptions        opt;
  UphillRun            run;
  UphillScheme         scheme;
  UphillDiag           diag;
  UphillDiagValues     v;
  Ctx                  x;
  TS                   ts;
  Mat                  J;
  Vec                  U;
  const UphillComplex *chat0;
  PetscReal            times[32], F[32], Lv[32];
  PetscInt             ntimes = 32;
  PetscLogDouble       t0, t1;
  PetscInt64           nfft0, nfft1;
  PetscScalar         *u;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(UphillInitializePackage());
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-report_times", times, &ntimes, NULL));
  PetscCall(UphillOptionsSetFromOptions(PETSC_COMM_WORLD, &opt));
  PetscCall(UphillRunCreate(PETSC_COMM_WORLD, &opt, &run));
  PetscCall(UphillRunSetUp(run));
  PetscCall(ContextCreate(run, &opt, &x, &diag));
  /* the state: the scheme's initial coefficients, normalized */
  PetscCall(UphillRunGetScheme(run, &scheme));
  PetscCall(UphillSchemeGetSpectralState(scheme, &chat0));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, 2 * x.gi.nloc_k, PETSC_DECIDE, &U));
  PetscCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < 2 * x.gi.nloc_k; i++) u[i] = ((const PetscReal *)chat0)[i] / x.sp.ntot;
  PetscCall(VecRestoreArray(U, &u));
  PetscCall(MatCreateShell(PETSC_COMM_WORLD, 2 * x.gi.nloc_k, 2 * x.gi.nloc_k, PETSC_DETERMINE, PETSC_DETERMINE, &x, &J));
  PetscCall(MatShellSetOperation(J, MATOP_MULT, (void (*)(void))ShellMult));
  PetscCall(MatShellSetOperation(J, MATOP_GET_DIAGONAL, (void (*)(void))ShellDiagonal));
  PetscCall(TSCreate(PETSC_COMM_WORLD, &ts));
  PetscCall(SetUpTS(ts, J, &x, &opt));

  PetscCall(UphillGridGetTransformCount(x.grid, &nfft0));
  PetscCall(PetscTime(&t0));
  for (PetscInt i = 0; i < ntimes; i++) {
    PetscCall(TSSetMaxTime(ts, times[i] / opt.tau));
    PetscCall(TSSolve(ts, U));
    PetscCall(ToReal(&x, U));
    PetscCall(UphillDiagCompute(diag, x.c, x.chat, &v));
    F[i]  = v.total;
    Lv[i] = v.length;
  }
  PetscCall(PetscTime(&t1));
  PetscCall(UphillGridGetTransformCount(x.grid, &nfft1));
  PetscCall(Report(ts, &x, nfft1 - nfft0, t1 - t0, times, F, Lv, ntimes));
  PetscCall(TSDestroy(&ts));
  PetscCall(MatDestroy(&J));
  PetscCall(VecDestroy(&U));
  PetscCall(ContextDestroy(&x));
  PetscCall(UphillDiagDestroy(&diag));
  PetscCall(UphillRunDestroy(&run));
  PetscCall(UphillFinalizePackage());
  PetscCall(PetscFinalize());
  return 0;
}

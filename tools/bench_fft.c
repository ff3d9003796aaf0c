/* uphill-bench-fft: the FFT floor of an uphill step, and the step itself, in one process.
 *
 * Times the grid's own in-place r2c + c2r pair (src/grid.c: the same plans, buffer and
 * wisdom a run uses, because it is the same code) and, with -step, one step of the scheme
 * (src/scheme.c: trial and acceptance, with its error estimate and energy) on the same
 * grid, so step / (FFTs per step x transform) is measured side by side.
 *
 *   mpiexec -n 2 uphill-bench-fft -dim 2 -N 512 [-plan measure] [-wisdom FILE]
 *                                 [-time 1.0] [-repeats 7] [-step regular|darken|polynomial|sweep]
 *
 * regular: the stabilized step alone; sweep: the same with the mobility sweep (-stab_correct,
 * the program's default for the regular model)
 *
 * Method: warm up, then `repeats` timed blocks of `reps` pairs and, by turns, blocks of
 * steps, each block bracketed by MPI_Barrier + MPI_Wtime (so the slowest rank sets the time);
 * `reps` is chosen from the warm-up so that each kind's blocks take about -time seconds. The
 * transform buffer is refilled (untimed) before each block of pairs: an unnormalized round
 * trip multiplies the data by N^d. Output: one JSON line on stdout (rank 0);
 * transform_s_min/_median are the minimum/median over blocks of (pair time)/2,
 * step_s_min/_median the same for one step, step_per_transform_min/_median those of the
 * ratio of each step block to the transform block just before it (drift cancels in it). */
#include <uphill/scheme.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include <uphill/vecmath.h>

static const char help[] = "uphill-bench-fft: time the grid's transform pair and a scheme step\n";

static int CmpReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

/* A block of `reps` calls of fn (after an untimed refill), bracketed by MPI_Barrier +
 * MPI_Wtime so the slowest rank sets the time; the time per call. */
typedef PetscErrorCode (*BenchFn)(void *ctx, PetscBool refill);

static PetscErrorCode TimeBlock(MPI_Comm comm, BenchFn fn, void *ctx, PetscInt reps, PetscReal *t)
{
  double t0;

  PetscFunctionBegin;
  PetscCall(fn(ctx, PETSC_TRUE));
  PetscCallMPI(MPI_Barrier(comm));
  t0 = MPI_Wtime();
  for (PetscInt p = 0; p < reps; p++) PetscCall(fn(ctx, PETSC_FALSE));
  PetscCallMPI(MPI_Barrier(comm));
  *t = (MPI_Wtime() - t0) / reps;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Warm up and choose `reps` so that `repeats` blocks take about `target` seconds. */
static PetscErrorCode Calibrate(MPI_Comm comm, BenchFn fn, void *ctx, PetscReal target, PetscInt repeats, PetscInt max_reps, PetscInt *reps)
{
  PetscReal elapsed;
  PetscInt  cnt = 0;
  double    t0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < 2; i++) PetscCall(fn(ctx, (PetscBool)(i == 0)));
  PetscCallMPI(MPI_Barrier(comm));
  t0 = MPI_Wtime();
  do {
    PetscCall(fn(ctx, PETSC_FALSE));
    cnt++;
    elapsed = MPI_Wtime() - t0;
    PetscCallMPI(MPI_Bcast(&elapsed, 1, MPIU_REAL, 0, comm)); /* every rank stops together */
  } while (elapsed < 0.1 && cnt < max_reps);
  *reps = PetscMax(1, PetscMin(max_reps, (PetscInt)(target / repeats / (elapsed / cnt))));
  PetscCallMPI(MPI_Bcast(reps, 1, MPIU_INT, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* minimum and median of n values (sorts them) */
static void MinMedian(PetscReal *t, PetscInt n, PetscReal *tmin, PetscReal *tmed)
{
  qsort(t, (size_t)n, sizeof(PetscReal), CmpReal);
  *tmin = t[0];
  *tmed = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

typedef struct {
  UphillGrid  grid;
  Vec         init;
  UphillScheme scheme;
  PetscReal   h;
} Bench;

/* one forward + backward pair; refill: the buffer from the initial field (untimed) */
static PetscErrorCode Pair(void *ctx, PetscBool refill)
{
  Bench *b = (Bench *)ctx;

  PetscFunctionBegin;
  if (refill) PetscCall(UphillGridVecToBuf(b->grid, b->init, 1.0));
  else {
    PetscCall(UphillGridForward(b->grid));
    PetscCall(UphillGridBackward(b->grid));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* one step of the scheme; refill: start again from the initial field (untimed) */
static PetscErrorCode Step(void *ctx, PetscBool refill)
{
  Bench           *b = (Bench *)ctx;
  UphillStepResult r;

  PetscFunctionBegin;
  if (refill) PetscCall(UphillSchemeSetState(b->scheme, b->init));
  else {
    PetscCall(UphillSchemeTry(b->scheme, b->h, &r));
    PetscCall(UphillSchemeAccept(b->scheme));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscInt         dim = 2, N = 0, repeats = 7, max_reps = 10000, plan = 1, step = -1, reps, reps_step = 0, ffts = 0;
  PetscReal        target = 1.0, tmin, tmed, smin = 0, smed = 0, rmin = 0, rmed = 0, *tp, *ts, *tr;
  char             wisdom[PETSC_MAX_PATH_LEN] = "none";
  const char      *plans[] = {"estimate", "measure", "patient", "exhaustive"};
  const char      *models[] = {"regular", "darken", "polynomial", "sweep"};
  UphillGridParams gp;
  UphillGridInfo   gi;
  Bench            b;
  PetscMPIInt      size;
  PetscScalar     *x;
  PetscInt64       n0, n1;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(UphillInitializePackage());
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-dim", &dim, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-N", &N, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeats", &repeats, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-max_reps", &max_reps, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-time", &target, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-wisdom", wisdom, sizeof(wisdom), NULL));
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-plan", plans, 4, &plan, NULL));
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-step", models, 4, &step, NULL));
  PetscCheck(N >= 8 && (dim == 2 || dim == 3) && repeats >= 1 && target > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "need -N >= 8, -dim 2|3, -repeats >= 1, -time > 0");
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));

  PetscCall(PetscMemzero(&gp, sizeof(gp)));
  gp.dim    = dim;
  gp.plan   = plan;
  gp.wisdom = wisdom;
  gp.unit   = 1.0;
  for (PetscInt d = 0; d < dim; d++) {
    gp.n[d]   = N;
    gp.len[d] = 0.45 * N; /* the default run's spacing, 0.45 l */
  }
  PetscCall(UphillGridCreate(PETSC_COMM_WORLD, &gp, &b.grid));
  PetscCall(UphillGridGetInfo(b.grid, &gi));
  PetscCall(UphillGridCreateVec(b.grid, &b.init));
  PetscCall(VecGetArray(b.init, &x));
  for (PetscInt i = 0; i < gi.nlocal; i++) x[i] = 0.4 + 0.02 * (2.0 * UphillHashUniform(1, (uint64_t)UphillGridGlobalIndex(&gi, i)) - 1.0);
  PetscCall(VecRestoreArray(b.init, &x));
  b.scheme = NULL;
  PetscCall(PetscMalloc3(repeats, &tp, repeats, &ts, repeats, &tr));
  PetscCall(Calibrate(PETSC_COMM_WORLD, Pair, &b, target, repeats, max_reps, &reps));

  if (step >= 0) {
    UphillSchemeParams sp;
    PetscCall(PetscMemzero(&sp, sizeof(sp)));
    sp.order = 2;
    sp.A = sp.S = -1;
    if (step == 2) {
      sp.model = (ThermoModel){.kind = THERMO_MODEL_POLYNOMIAL, .r = 1, .rho = 5, .ca = 0.3, .cb = 0.7, .mobility = 5, .kappa = 2};
      b.h      = 0.5;
    } else {
      sp.model = (ThermoModel){.kind = THERMO_MODEL_REGULAR, .chi = 3.61, .hchi = 3.61, .r = step == 1 ? 3.0 : 1.0, .kappa = 1};
      b.h      = 0.4;
      sp.correct = (PetscBool)(step == 3); /* sweep: the program's default step, 2d more transforms */
    }
    PetscCall(UphillSchemeCreate(b.grid, &sp, &b.scheme));
    PetscCall(UphillSchemeSetState(b.scheme, b.init));
    PetscCall(UphillGridGetTransformCount(b.grid, &n0));
    PetscCall(Step(&b, PETSC_FALSE));
    PetscCall(Step(&b, PETSC_FALSE));
    PetscCall(Step(&b, PETSC_FALSE));
    PetscCall(UphillGridGetTransformCount(b.grid, &n1));
    ffts = (PetscInt)((n1 - n0) / 3);
    PetscCall(Calibrate(PETSC_COMM_WORLD, Step, &b, target, repeats, max_reps, &reps_step));
  }
  /* blocks of pairs and of steps by turns, so a drift of the machine's speed moves both and
   * their ratio, block by block, survives it */
  for (PetscInt r = 0; r < repeats; r++) {
    PetscCall(TimeBlock(PETSC_COMM_WORLD, Pair, &b, reps, &tp[r]));
    tp[r] *= 0.5; /* one transform */
    if (step < 0) continue;
    PetscCall(TimeBlock(PETSC_COMM_WORLD, Step, &b, reps_step, &ts[r]));
    tr[r] = ts[r] / tp[r];
  }
  MinMedian(tp, repeats, &tmin, &tmed);
  if (step >= 0) {
    MinMedian(ts, repeats, &smin, &smed);
    MinMedian(tr, repeats, &rmin, &rmed);
    PetscCall(UphillSchemeDestroy(&b.scheme));
  }
  PetscCall(PetscFree3(tp, ts, tr));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "{\"tool\": \"uphill-bench-fft\", \"dim\": %d, \"N\": %d, \"points\": %.0f, \"ranks\": %d, \"plan\": \"%s\", \"pairs_per_block\": %d, \"blocks\": %d, "
                        "\"transform_s_min\": %.6e, \"transform_s_median\": %.6e, \"ns_per_point_transform\": %.4g, \"step_model\": \"%s\", \"steps_per_block\": %d, "
                        "\"step_s_min\": %.6e, \"step_s_median\": %.6e, \"step_per_transform_min\": %.6g, \"step_per_transform_median\": %.6g, \"ffts_per_step\": %d, \"vecmath\": \"%s\"}\n",
                        (int)dim, (int)N, (double)gi.ntot, (int)size, plans[plan], (int)reps, (int)repeats, (double)tmin, (double)tmed, (double)(tmin / (double)gi.ntot * 1e9), step >= 0 ? models[step] : "none", (int)reps_step,
                        (double)smin, (double)smed, (double)rmin, (double)rmed, (int)ffts, UphillVecMathKind()));
  PetscCall(VecDestroy(&b.init));
  PetscCall(UphillGridDestroy(&b.grid));
  PetscCall(UphillFinalizePackage());
  PetscCall(PetscFinalize());
  return 0;
}

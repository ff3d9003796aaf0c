/* Every option of uphill in one table: name, type, defaults, bounds, unit, where it applies
 * and help. Parsing, the refusal of options that do not apply, -help and run.opts are all
 * driven by the table, so adding an option is one entry here (and a field in options.h). */
#include <uphill/options.h>
#include <uphill/thermo.h>
#include <uphill/version.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uphill/fileio.h>
#include <uphill/scheme.h>

const char *const UphillModelNames[]        = {"regular", "polynomial", "UphillModel", "UPHILL_MODEL_", NULL};
const char *const UphillUnitsNames[]        = {"si", "reduced", "UphillUnits", "UPHILL_UNITS_", NULL};
const char *const UphillICNames[]           = {"random", "pfhub1a", "mode", "file", "couple", "UphillIC", "UPHILL_IC_", NULL};
const char *const UphillMobilityNames[]     = {"single", "darken", "UphillMobility", "UPHILL_MOBILITY_", NULL};
const char *const UphillFrameSpacingNames[] = {"log", "linear", "UphillFrameSpacing", "UPHILL_FRAMES_", NULL};
const char *const UphillSchemeNames[]       = {"euler", "bdf2", "UphillSchemeType", "UPHILL_SCHEME_", NULL};
const char *const UphillElasticNames[]      = {"none", "cubic", "UphillElasticModel", "UPHILL_ELASTIC_", NULL};
const char *const UphillFrameFieldNames[]   = {"c", "uphill", "mu", "UphillFrameField", "UPHILL_FRAME_", NULL};
const char *const UphillBoundaryNames[]     = {"periodic", "noflux", "UphillBoundary", "UPHILL_BC_", NULL};
const char *const UphillPlanNames[]         = {"estimate", "measure", "patient", "exhaustive", "UphillPlan", "UPHILL_PLAN_", NULL};

typedef enum { OPT_REAL, OPT_INT, OPT_BOOL, OPT_ENUM, OPT_STRING, OPT_REAL_LIST, OPT_INT_LIST } OptType;

/* the contexts an option can apply to: model and units */
enum { SI = 1, RED = 2, POLY = 4, ALL = 7, REG = SI | RED };
/* bounds excluded from the allowed interval */
enum { CLOSED = 0, LO_OPEN = 1, HI_OPEN = 2, OPEN = 3 };

typedef struct {
  const char        *name;
  OptType            type;
  size_t             offset;      /* of the value in UphillOptions */
  unsigned           applies;     /* SI | RED | POLY */
  double             def[3];      /* default in SI, reduced and polynomial runs */
  double             lo, hi;      /* allowed interval (real and int options) */
  unsigned           open;        /* LO_OPEN, HI_OPEN */
  const char *const *names;       /* enum values */
  const char        *req;         /* applies only when this enum or bool option ... */
  int                req_value;   /* ... has this value */
  const char        *unit[3];     /* unit in SI, reduced and polynomial runs */
  const char        *help;
  size_t             count;       /* OPT_*_LIST: offset of the PetscInt number of values */
  PetscInt           maxn;        /* OPT_*_LIST: most values (0: UPHILL_MAX_LIST) */
} OptSpec;

#define F(field) offsetof(UphillOptions, field)
#define D3(x)    {x, x, x}
#define U3(x)    {x, x, x}

/* The order matters: -model and -units first (the other defaults depend on them), -dt
 * before -adapt (whose default is "no -dt given"). */
static const OptSpec specs[] = {
  {"-model", OPT_ENUM, F(model), ALL, D3(0), 0, 0, 0, UphillModelNames, NULL, 0, U3(""), "Free-energy model: regular solution, or the polynomial double well of the benchmarks", 0, 0},
  {"-units", OPT_ENUM, F(units), REG, D3(0), 0, 0, 0, UphillUnitsNames, NULL, 0, U3(""), "Units of inputs and outputs: si (m, s, J/mol, K) or reduced (l = sqrt(kappa/RT), tau = l^2/D*)", 0, 0},
  /* thermodynamics and kinetics */
  {"-T", OPT_REAL, F(T), SI, D3(1000), 0, 1e5, LO_OPEN, NULL, NULL, 0, U3("K"), "Temperature", 0, 0},
  {"-omega", OPT_REAL, F(omega), SI, D3(30e3), -1e6, 1e6, CLOSED, NULL, NULL, 0, U3("J/mol"), "Regular-solution interaction parameter Omega; negative: no miscibility gap", 0, 0},
  {"-chi", OPT_REAL, F(chi), RED, D3(3), -100, 100, CLOSED, NULL, NULL, 0, U3(""), "chi = Omega/RT (L0/RT); a miscibility gap opens for chi > 2 (with -chi1 0)", 0, 0},
  {"-chi1", OPT_REAL, F(chi1), RED, D3(0), -100, 100, CLOSED, NULL, NULL, 0, U3(""), "L1/RT of the Redlich-Kister excess c(1-c)[L0 + L1 (1-2c)] (0: regular solution)", 0, 0},
  {"-L0", OPT_REAL_LIST, F(L0), SI, D3(0), -1e7, 1e7, CLOSED, NULL, NULL, 0, U3("J/mol, J/(mol K)"), "Redlich-Kister L0 = a + b T as a,b (instead of -omega, which is L0 = Omega,0)", F(nL0), 2},
  {"-L1", OPT_REAL_LIST, F(L1), SI, D3(0), -1e7, 1e7, CLOSED, NULL, NULL, 0, U3("J/mol, J/(mol K)"), "Redlich-Kister L1 = a + b T as a,b: the asymmetric excess c(1-c) L1 (1-2c), c = x_B", F(nL1), 2},
  {"-kappa", OPT_REAL, F(kappa), SI | POLY, {5e-15, 5e-15, 2}, 0, 1e30, LO_OPEN, NULL, NULL, 0, {"J m^2/mol", "", "model units"}, "Gradient-energy coefficient", 0, 0},
  {"-Vm", OPT_REAL, F(Vm), SI, D3(8.5e-6), 0, 1, LO_OPEN, NULL, NULL, 0, U3("m^3/mol"), "Molar volume", 0, 0},
  {"-rho", OPT_REAL, F(rho), POLY, D3(5), 0, 1e12, LO_OPEN, NULL, NULL, 0, U3(""), "Polynomial model: well depth rho of f = rho (c - c_alpha)^2 (c_beta - c)^2", 0, 0},
  {"-c_alpha", OPT_REAL, F(c_alpha), POLY, D3(0.3), -10, 10, CLOSED, NULL, NULL, 0, U3(""), "Polynomial model: composition of the first well", 0, 0},
  {"-c_beta", OPT_REAL, F(c_beta), POLY, D3(0.7), -10, 10, CLOSED, NULL, NULL, 0, U3(""), "Polynomial model: composition of the second well (> c_alpha)", 0, 0},
  {"-elastic", OPT_ENUM, F(elastic), SI, D3(0), 0, 0, 0, UphillElasticNames, NULL, 0, U3(""), "Coherency strain: none, or cubic (Khachaturyan's microelasticity, homogeneous modulus, Vegard eigenstrain)", 0, 0},
  {"-misfit", OPT_REAL, F(misfit), SI, D3(0.12), -1, 1, CLOSED, NULL, "-elastic", UPHILL_ELASTIC_CUBIC, U3(""), "Lattice misfit eta = (1/a) da/dc (Cu-Ag: (4.086 - 3.615)/3.85 = 0.12)", 0, 0},
  {"-C11", OPT_REAL, F(C11), SI, D3(168.4e9), 0, 1e13, LO_OPEN, NULL, "-elastic", UPHILL_ELASTIC_CUBIC, U3("Pa"), "Cubic elastic constant C11 (default: Cu)", 0, 0},
  {"-C12", OPT_REAL, F(C12), SI, D3(121.4e9), 0, 1e13, LO_OPEN, NULL, "-elastic", UPHILL_ELASTIC_CUBIC, U3("Pa"), "Cubic elastic constant C12 (default: Cu)", 0, 0},
  {"-C44", OPT_REAL, F(C44), SI, D3(75.4e9), 0, 1e13, LO_OPEN, NULL, "-elastic", UPHILL_ELASTIC_CUBIC, U3("Pa"), "Cubic elastic constant C44 (default: Cu; isotropic when C44 = (C11 - C12)/2)", 0, 0},
  {"-thermal_noise", OPT_BOOL, F(thermal_noise), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Conserved thermal noise (Cahn-Hilliard-Cook): a random flux of covariance 2 M kT, so a metastable alloy can nucleate; needs a fixed step -dt", 0, 0},
  {"-noise_theta", OPT_REAL, F(noise_theta), ALL, D3(0), 0, 1e6, CLOSED, NULL, "-thermal_noise", 1, U3(""), "Noise strength theta = v_atom/l^3 (2D: v_atom/(l^2 thickness)) in the solver's units; 0 in SI runs: computed from -Vm, l and -thickness", 0, 0},
  {"-noise_scale", OPT_REAL, F(noise_scale), ALL, D3(1), 0, 1e12, CLOSED, NULL, "-thermal_noise", 1, U3(""), "Multiplier of the noise strength (1: physical; larger makes nucleation visible in a short run; 0 switches the noise off, for a run to compare with)", 0, 0},
  {"-thickness", OPT_REAL, F(thickness), SI, D3(0), 0, 1, CLOSED, NULL, "-thermal_noise", 1, U3("m"), "2D runs: thickness of the film the plane stands for, turning its area into a volume for the noise (0: one grid spacing)", 0, 0},
  {"-mobility_model", OPT_ENUM, F(mobility_model), REG, D3(0), 0, 0, 0, UphillMobilityNames, NULL, 0, U3(""), "Mobility: one tracer diffusivity D*, or Darken with the tracer diffusivities of A and B", 0, 0},
  {"-D0", OPT_REAL, F(D0), SI, D3(7.8e-5), 0, 1, LO_OPEN, NULL, NULL, 0, U3("m^2/s"), "Arrhenius prefactor of the tracer diffusivity D*_A", 0, 0},
  {"-Q", OPT_REAL, F(Q), SI, D3(211e3), 0, 1e7, CLOSED, NULL, NULL, 0, U3("J/mol"), "Activation energy of D*_A", 0, 0},
  {"-D0_B", OPT_REAL, F(D0_B), SI, D3(7.8e-5), 0, 1, LO_OPEN, NULL, "-mobility_model", UPHILL_MOBILITY_DARKEN, U3("m^2/s"), "Darken: Arrhenius prefactor of D*_B", 0, 0},
  {"-Q_B", OPT_REAL, F(Q_B), SI, D3(211e3), 0, 1e7, CLOSED, NULL, "-mobility_model", UPHILL_MOBILITY_DARKEN, U3("J/mol"), "Darken: activation energy of D*_B", 0, 0},
  {"-D_ratio", OPT_REAL, F(D_ratio), RED, D3(1), 0, 1e12, LO_OPEN, NULL, "-mobility_model", UPHILL_MOBILITY_DARKEN, U3(""), "Darken: D*_B/D*_A", 0, 0},
  {"-mobility", OPT_REAL, F(mobility), POLY, D3(5), 0, 1e30, LO_OPEN, NULL, NULL, 0, U3("model units"), "Polynomial model: constant mobility M", 0, 0},
  /* grid */
  {"-dim", OPT_INT, F(dim), ALL, D3(2), 2, 3, CLOSED, NULL, NULL, 0, U3(""), "Dimension", 0, 0},
  /* the grid and the spectral state must fit PETSc's 32-bit indices: at most 46340^2 points
   * (N <= 46340 in 2D, 1289 in 3D for a square or cube) */
  {"-N", OPT_INT_LIST, F(N), ALL, {512, 256, 200}, 8, 46340, CLOSED, NULL, NULL, 0, U3(""), "Grid points per side: one value (square or cube) or one per axis, nx,ny[,nz]", F(nN), 3},
  {"-L", OPT_REAL_LIST, F(L), ALL, {1.784e-7, 154, 200}, 0, 1e30, LO_OPEN, NULL, NULL, 0, {"m", "l", "model units"}, "Box side: one value (square or cube) or one per axis, lx,ly[,lz]", F(nL), 3},
  {"-bc", OPT_ENUM, F(bc), ALL, D3(UPHILL_BC_PERIODIC), 0, 0, 0, UphillBoundaryNames, NULL, 0, U3(""), "Boundaries, the same on every axis: periodic, or noflux (closed walls: cosine series, points at cell centres)", 0, 0},
  /* time */
  {"-dt", OPT_REAL, F(dt), ALL, D3(0), 0, 1e30, LO_OPEN, NULL, NULL, 0, {"s", "tau", "model units"}, "Time step: alone, a fixed step; with -adapt, the first step. Not given: error-controlled steps", 0, 0},
  {"-t_end", OPT_REAL, F(t_end), ALL, {9.72, 2000, 1000}, 0, 1e30, LO_OPEN, NULL, NULL, 0, {"s", "tau", "model units"}, "End time", 0, 0},
  {"-max_steps", OPT_INT, F(max_steps), ALL, D3(PETSC_MAX_INT), 1, PETSC_MAX_INT, CLOSED, NULL, NULL, 0, U3(""), "Stop after this many steps", 0, 0},
  {"-scheme", OPT_ENUM, F(scheme), ALL, D3(UPHILL_SCHEME_BDF2), 0, 0, 0, UphillSchemeNames, NULL, 0, U3(""), "Time scheme: bdf2 (variable-step second order) or euler (stabilized semi-implicit, first order)", 0, 0},
  {"-adapt", OPT_BOOL, F(adapt), ALL, D3(1), 0, 0, 0, NULL, NULL, 0, U3(""), "Error-controlled step size (default: on unless -dt is given)", 0, 0},
  {"-adapt_tol", OPT_REAL, F(adapt_tol), ALL, D3(3e-7), 0, 0.1, LO_OPEN, NULL, "-adapt", 1, U3(""), "Tolerated local error per step, RMS of c over the grid: the one accuracy knob", 0, 0},
  {"-dt_max", OPT_REAL, F(dt_max), ALL, D3(-1), -1, 1e30, CLOSED, NULL, "-adapt", 1, {"s", "tau", "model units"}, "Largest adaptive step; <= 0: no limit", 0, 0},
  {"-flux", OPT_ENUM, F(flux), REG, D3(2), 0, 0, 0, UphillFluxNames, NULL, 0, U3(""), "Ideal-entropy flux: ideal (grad c, implicit, no logarithm, one transform fewer), log (logarithm evaluated, keeps c in (0,1)), auto (ideal until c would leave (0,1), then log)", 0, 0},
  {"-stab_A", OPT_REAL, F(stab_A), REG, D3(-1), -1, 1e30, CLOSED, NULL, NULL, 0, U3("reduced units"), "Stabilizer A of the kappa k^4 term; < 0: max M", 0, 0},
  {"-stab_S", OPT_REAL, F(stab_S), ALL, D3(-1), -1, 1e30, CLOSED, NULL, NULL, 0, {"reduced units", "reduced units", "model units"}, "Stabilizer S of the k^2 term; < 0: the scheme's default (0 for the regular model, M max f'' for the polynomial one)", 0, 0},
  {"-stab_correct", OPT_BOOL, F(stab_correct), REG, D3(1), 0, 0, 0, NULL, NULL, 0, U3(""), "One sweep toward the implicit variable-mobility kappa k^4 term (2d more transforms per step): damps the stiff modes the A stabilizer leaves ringing where M << A", 0, 0},
  /* initial condition */
  {"-ic", OPT_ENUM, F(ic), ALL, {UPHILL_IC_RANDOM, UPHILL_IC_RANDOM, UPHILL_IC_PFHUB1A}, 0, 0, 0, UphillICNames, NULL, 0, U3(""), "Initial condition", 0, 0},
  {"-c0", OPT_REAL, F(c0), ALL, {0.4, 0.4, 0.5}, 0, 1, OPEN, NULL, NULL, 0, U3(""), "Mean composition (mole fraction of B)", 0, 0},
  /* -ic random or couple: checked in CheckConsistency (a condition names one value) */
  {"-noise", OPT_REAL, F(noise), ALL, {0.02, 0.02, 0.01}, 0, 1, HI_OPEN, NULL, NULL, 0, U3(""), "Amplitude of the uniform random fluctuation of the initial field (-ic random or couple)", 0, 0},
  {"-seed", OPT_INT, F(seed), ALL, D3(1), 0, PETSC_MAX_INT, CLOSED, NULL, NULL, 0, U3(""), "Seed of the random initial field (the same field for any rank count)", 0, 0},
  {"-ic_mode", OPT_INT, F(ic_mode), ALL, D3(1), 1, 1 << 20, CLOSED, NULL, "-ic", UPHILL_IC_MODE, U3(""), "Index m of the cosine mode cos(2 pi m x/L)", 0, 0},
  {"-ic_amp", OPT_REAL, F(ic_amp), ALL, D3(1e-4), 0, 1, HI_OPEN, NULL, "-ic", UPHILL_IC_MODE, U3(""), "Amplitude of the cosine mode", 0, 0},
  {"-couple_c", OPT_REAL_LIST, F(couple_c), ALL, D3(0), 0, 1, OPEN, NULL, "-ic", UPHILL_IC_COUPLE, U3(""), "Diffusion couple: the compositions left,right of the interface at x = L_x/2", F(ncouple_c), 2},
  {"-couple_width", OPT_REAL, F(couple_width), ALL, {2e-9, 3, 3}, 0, 1e30, LO_OPEN, NULL, "-ic", UPHILL_IC_COUPLE, {"m", "l", "model units"}, "Diffusion couple: width w of the tanh profile (c_l + c_r)/2 + (c_r - c_l)/2 tanh((x - L_x/2)/w)", 0, 0},
  {"-ic_file", OPT_STRING, F(ic_file), ALL, D3(0), 0, 0, 0, NULL, "-ic", UPHILL_IC_FILE, U3(""), "HDF5 file with dataset /c of the run's grid", 0, 0},
  /* output */
  {"-output", OPT_STRING, F(output), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Run directory", 0, 0},
  {"-frames", OPT_INT, F(frames), ALL, {80, 40, 40}, 0, 100000, CLOSED, NULL, NULL, 0, U3(""), "PNG frames over the run (0: none)", 0, 0},
  {"-frame_spacing", OPT_ENUM, F(frame_spacing), ALL, D3(0), 0, 0, 0, UphillFrameSpacingNames, NULL, 0, U3(""), "Frame times: log (coarsening spans decades) or linear", 0, 0},
  {"-frame_scale", OPT_INT, F(frame_scale), ALL, D3(0), 0, 16, CLOSED, NULL, NULL, 0, U3(""), "Integer upscale of frame pixels (0: automatic, frames at least ~256 pixels wide)", 0, 0},
  {"-frame_autorange", OPT_BOOL, F(frame_autorange), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Colour range from each frame's min/max instead of [0,1]", 0, 0},
  {"-frame_field", OPT_ENUM, F(frame_field), ALL, D3(0), 0, 0, 0, UphillFrameFieldNames, NULL, 0, U3(""), "What frames show: c (composition), uphill (J.grad c, positive where diffusion runs up the gradient) or mu (chemical potential)", 0, 0},
  {"-frame_colorbar", OPT_BOOL, F(frame_colorbar), ALL, D3(1), 0, 0, 0, NULL, NULL, 0, U3(""), "Draw a colour bar and a time label on frames", 0, 0},
  {"-diag_times", OPT_REAL_LIST, F(diag_times), ALL, D3(0), 0, 1e30, LO_OPEN, NULL, NULL, 0, {"s", "tau", "model units"}, "Also a diagnostics row at each of these times (comma-separated, at most 64): error-controlled steps land on each exactly; a fixed step writes the row at the first step at or after it", F(ndiag_times), 0},
  {"-diag_every", OPT_INT, F(diag_every), ALL, D3(10), 1, PETSC_MAX_INT, CLOSED, NULL, NULL, 0, U3(""), "Write a diagnostics row every this many steps (and at every frame)", 0, 0},
  {"-dump_times", OPT_REAL_LIST, F(dump_times), ALL, D3(0), 0, 1e30, LO_OPEN, NULL, NULL, 0, {"s", "tau", "model units"}, "Also write the field to fields/ at each of these times (comma-separated, at most 64): error-controlled steps land on each exactly; a fixed step writes at the first step at or after it", F(ndump_times), 0},
  {"-dump_every", OPT_INT, F(dump_every), ALL, D3(0), 0, PETSC_MAX_INT, CLOSED, NULL, NULL, 0, U3(""), "Write the field to fields/c_STEP.h5 (+ .xmf) every this many steps (0: never)", 0, 0},
  {"-checkpoint_every", OPT_INT, F(checkpoint_every), ALL, D3(0), 0, PETSC_MAX_INT, CLOSED, NULL, NULL, 0, U3(""), "Write a checkpoint every this many steps (0: only at the end and on a signal)", 0, 0},
  {"-checkpoint_wall", OPT_REAL, F(checkpoint_wall), ALL, D3(0), 0, 1e6, CLOSED, NULL, NULL, 0, U3("minutes"), "Write a checkpoint every this many minutes of wall time (0: off)", 0, 0},
  {"-restart", OPT_STRING, F(restart), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Continue from a checkpoint file, or 'auto' for the newest checkpoint in -output", 0, 0},
  {"-force", OPT_BOOL, F(force), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Start a new run in an -output directory that already holds one (its files are removed once the inputs are read)", 0, 0},
  {"-quiet", OPT_BOOL, F(quiet), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "No progress output", 0, 0},
  {"-explain", OPT_BOOL, F(explain), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "Print the thermodynamic and stability analysis of the inputs and exit", 0, 0},
  {"-fftw_wisdom", OPT_STRING, F(wisdom), ALL, D3(0), 0, 0, 0, NULL, NULL, 0, U3(""), "FFTW wisdom file, loaded and updated so later runs skip planning (none: off)", 0, 0},
  {"-fftw_plan", OPT_ENUM, F(fftw_plan), ALL, D3(UPHILL_PLAN_MEASURE), 0, 0, 0, UphillPlanNames, NULL, 0, U3(""), "FFTW planner rigour", 0, 0},
};
#define NSPECS ((PetscInt)(sizeof(specs) / sizeof(specs[0])))

/* options that are never written to run.opts: they describe this invocation, not the run */
static PetscBool Ephemeral(const OptSpec *s)
{
  return (PetscBool)(!strcmp(s->name, "-restart") || !strcmp(s->name, "-force") || !strcmp(s->name, "-explain") || !strcmp(s->name, "-quiet") || !strcmp(s->name, "-fftw_wisdom"));
}

static PetscInt SpecIndex(const char *name)
{
  for (PetscInt i = 0; i < NSPECS; i++)
    if (!strcmp(specs[i].name, name)) return i;
  return -1;
}

static void *Field(UphillOptions *o, const OptSpec *s)
{
  return (char *)o + s->offset;
}

/* The value of an enum or bool option as an int (for the "req" conditions). */
static int IntValue(const UphillOptions *o, const char *name)
{
  const OptSpec *s = &specs[SpecIndex(name)];
  const void    *p = (const char *)o + s->offset;
  return s->type == OPT_BOOL ? (int)*(const PetscBool *)p : (int)*(const PetscEnum *)p;
}

static PetscInt Context(const UphillOptions *o)
{
  return o->model == UPHILL_MODEL_POLYNOMIAL ? 2 : (o->units == UPHILL_UNITS_SI ? 0 : 1);
}

static void FormatRange(const OptSpec *s, char *buf, size_t len)
{
  if (s->type == OPT_INT || s->type == OPT_INT_LIST) (void)snprintf(buf, len, "[%lld, %lld]", (long long)s->lo, (long long)s->hi);
  else (void)snprintf(buf, len, "%s%g, %g%s", (s->open & LO_OPEN) ? "(" : "[", s->lo, s->hi, (s->open & HI_OPEN) ? ")" : "]");
}

static PetscBool InRange(const OptSpec *s, double v)
{
  const PetscBool lo = (s->open & LO_OPEN) ? v > s->lo : v >= s->lo, hi = (s->open & HI_OPEN) ? v < s->hi : v <= s->hi;
  return (PetscBool)(lo && hi);
}

/* A PETSc range error names no option: it is caught here (under a quiet handler) and
 * reported with the option and the allowed range, which is what a user needs. */
static PetscErrorCode ParseInt(PetscOptionItems *PetscOptionsObject, const OptSpec *s, const char *text, PetscInt *v, PetscBool *set)
{
  PetscErrorCode ierr;
  char           range[96];
  const PetscInt lo = (PetscInt)s->lo, hi = (PetscInt)s->hi;

  PetscFunctionBegin;
  FormatRange(s, range, sizeof(range));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PetscOptionsRangeInt(s->name, text, NULL, *v, v, set, lo, hi);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(!ierr, PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %" PetscInt_FMT " is out of range (or not an integer); allowed range %s", s->name, *v, range);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A comma-separated list: one slot more than allowed, so a value too many is seen rather than
 * dropped; every value in range. Integers are read under a quiet handler, so "4.5" is
 * reported with the option's name. */
static PetscErrorCode ParseList(PetscOptionItems *PetscOptionsObject, UphillOptions *o, const OptSpec *s, const char *text, const char *range, PetscBool *set)
{
  PetscInt      *n    = (PetscInt *)((char *)o + s->count);
  const PetscInt most = s->maxn > 0 ? s->maxn : UPHILL_MAX_LIST;
  PetscReal      buf[UPHILL_MAX_LIST + 1];

  PetscFunctionBegin;
  /* -help shows the buffers as the current values: the defaults, not stack garbage */
  for (PetscInt j = 0; j <= most; j++) buf[j] = j < PetscMax(*n, 1) ? (s->type == OPT_INT_LIST ? (PetscReal)((PetscInt *)Field(o, s))[j] : ((PetscReal *)Field(o, s))[j]) : 0.0;
  *n = most + 1;
  if (s->type == OPT_INT_LIST) {
    PetscInt       ibuf[UPHILL_MAX_LIST + 1];
    PetscErrorCode ierr;
    for (PetscInt j = 0; j <= most; j++) ibuf[j] = (PetscInt)buf[j];
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PetscOptionsIntArray(s->name, text, NULL, ibuf, n, set);
    PetscCall(PetscPopErrorHandler());
    PetscCheck(!ierr, PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s takes integers (comma-separated, at most %" PetscInt_FMT "); allowed range %s", s->name, most, range);
    for (PetscInt j = 0; *set && j < PetscMin(*n, most); j++) buf[j] = (PetscReal)ibuf[j];
  } else PetscCall(PetscOptionsRealArray(s->name, text, NULL, buf, n, set));
  if (!*set) *n = 0;
  PetscCheck(*n <= most, PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s takes at most %" PetscInt_FMT " comma-separated values", s->name, most);
  for (PetscInt j = 0; j < *n; j++) {
    char val[32];
    (void)snprintf(val, sizeof(val), "%g", (double)buf[j]);
    PetscCheck(!PetscIsInfOrNanReal(buf[j]) && InRange(s, buf[j]), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: value %s is out of range; allowed range %s", s->name, val, range);
    if (s->type == OPT_INT_LIST) ((PetscInt *)Field(o, s))[j] = (PetscInt)buf[j];
    else ((PetscReal *)Field(o, s))[j] = buf[j];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ParseOne(PetscOptionItems *PetscOptionsObject, UphillOptions *o, PetscInt i)
{
  const OptSpec *s   = &specs[i];
  const PetscInt ctx = Context(o);
  void          *p   = Field(o, s);
  char           text[640], range[96] = "";
  PetscBool      set = PETSC_FALSE;

  PetscFunctionBegin;
  if (s->type != OPT_BOOL && s->type != OPT_ENUM && s->type != OPT_STRING) FormatRange(s, range, sizeof(range));
  PetscCall(PetscSNPrintf(text, sizeof(text), "%s%s%s%s%s", s->help, s->unit[ctx][0] ? " (" : "", s->unit[ctx], s->unit[ctx][0] ? ")" : "", range[0] ? ", in " : ""));
  PetscCall(PetscStrlcat(text, range, sizeof(text)));
  switch (s->type) {
  case OPT_REAL: {
    PetscReal *v = (PetscReal *)p;
    char       val[32];
    PetscCall(PetscOptionsReal(s->name, text, NULL, *v, v, &set));
    (void)snprintf(val, sizeof(val), "%g", (double)*v);
    if (set) PetscCheck(!PetscIsInfOrNanReal(*v), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %s is not a number; allowed range %s", s->name, val, range);
    if (set) PetscCheck(InRange(s, *v), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %s is out of range; allowed range %s", s->name, val, range);
  } break;
  case OPT_INT:
    PetscCall(ParseInt(PetscOptionsObject, s, text, (PetscInt *)p, &set));
    break;
  case OPT_BOOL: {
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PetscOptionsBool(s->name, text, NULL, *(PetscBool *)p, (PetscBool *)p, &set);
    PetscCall(PetscPopErrorHandler());
    PetscCheck(!ierr, PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG, "%s takes true or false (also 1/0, yes/no, on/off)", s->name);
  } break;
  case OPT_ENUM:
    PetscCall(PetscOptionsEnum(s->name, text, NULL, s->names, *(PetscEnum *)p, (PetscEnum *)p, &set));
    break;
  case OPT_STRING:
    PetscCall(PetscOptionsString(s->name, text, NULL, (char *)p, (char *)p, PETSC_MAX_PATH_LEN, &set));
    break;
  case OPT_REAL_LIST:
  case OPT_INT_LIST:
    PetscCall(ParseList(PetscOptionsObject, o, s, text, range, &set));
    break;
  }
  o->given[i] = set;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void SetDefault(UphillOptions *o, PetscInt i)
{
  const OptSpec *s = &specs[i];
  const double   v = s->def[Context(o)];
  void          *p = Field(o, s);

  switch (s->type) {
  case OPT_REAL:
    *(PetscReal *)p = v;
    break;
  case OPT_INT:
    *(PetscInt *)p = (PetscInt)v;
    break;
  case OPT_BOOL:
    *(PetscBool *)p = v != 0 ? PETSC_TRUE : PETSC_FALSE;
    break;
  case OPT_ENUM:
    *(PetscEnum *)p = (PetscEnum)(int)v;
    break;
  case OPT_REAL_LIST:
    *(PetscReal *)p = v; /* the first value: -L's default; the count stays 0 until given */
    break;
  case OPT_INT_LIST:
    *(PetscInt *)p = (PetscInt)v;
    break;
  case OPT_STRING:
    break; /* string defaults are set in SetStringDefaults */
  }
}

static PetscErrorCode SetStringDefaults(UphillOptions *o)
{
  const char *home = getenv("HOME");

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(o->output, "output/run", sizeof(o->output)));
  if (home) PetscCall(PetscSNPrintf(o->wisdom, sizeof(o->wisdom), "%s/.uphill-fftw-wisdom", home));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Does the option apply to this run? (context, and its "req" condition) */
static PetscBool Applies(const UphillOptions *o, const OptSpec *s, char *why, size_t len)
{
  const PetscInt ctx = Context(o);
  if (!(s->applies & (1u << ctx))) {
    const char *now = ctx == 2 ? "-model polynomial" : (ctx == 0 ? "-units si" : "-units reduced");
    const char *for_ = s->applies == POLY ? "-model polynomial" : (s->applies == SI ? "-units si" : (s->applies == RED ? "-units reduced" : NULL));
    if (why && ctx != 2 && s->applies == POLY) (void)snprintf(why, len, "with -model regular (it is a -model polynomial parameter)");
    else if (why && for_) (void)snprintf(why, len, "with %s (it is a %s parameter)", now, for_);
    else if (why) (void)snprintf(why, len, "with %s", now);
    return PETSC_FALSE;
  }
  if (s->req && IntValue(o, s->req) != s->req_value) {
    const OptSpec *r = &specs[SpecIndex(s->req)];
    if (why) (void)snprintf(why, len, "without %s %s", s->req, r->type == OPT_BOOL ? (s->req_value ? "true" : "false") : r->names[s->req_value]);
    return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Options that mean nothing for this run are refused, not silently ignored: a user who sets
 * -T in a reduced run believes it changed something. */
static PetscErrorCode RefuseUnused(MPI_Comm comm, const UphillOptions *o)
{
  char why[128];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < NSPECS; i++)
    PetscCheck(!o->given[i] || Applies(o, &specs[i], why, sizeof(why)), comm, PETSC_ERR_ARG_INCOMP, "%s is not used %s; remove it", specs[i].name, why);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* -N and -L: one value for every axis or one per axis; the axes past dim are one cell. The
 * points must fit PETSc's 32-bit indices (46340^2 in all). */
static PetscErrorCode ResolveBox(MPI_Comm comm, UphillOptions *o)
{
  PetscReal pts = 1;

  PetscFunctionBegin;
  if (!o->nN) o->nN = 1;
  if (!o->nL) o->nL = 1;
  PetscCheck(o->nN == 1 || o->nN == o->dim, comm, PETSC_ERR_ARG_WRONG, "-N takes one value (the same on every axis) or %" PetscInt_FMT " (nx,ny%s) for -dim %" PetscInt_FMT "; got %" PetscInt_FMT, o->dim, o->dim == 3 ? ",nz" : "", o->dim, o->nN);
  PetscCheck(o->nL == 1 || o->nL == o->dim, comm, PETSC_ERR_ARG_WRONG, "-L takes one value (the same on every axis) or %" PetscInt_FMT " (lx,ly%s) for -dim %" PetscInt_FMT "; got %" PetscInt_FMT, o->dim, o->dim == 3 ? ",lz" : "", o->dim, o->nL);
  for (PetscInt d = 1; d < 3; d++) {
    if (o->nN == 1) o->N[d] = o->N[0];
    if (o->nL == 1) o->L[d] = o->L[0];
  }
  if (o->dim == 2) {
    o->N[2] = 1;
    o->L[2] = o->L[0] / o->N[0];
  }
  for (PetscInt d = 0; d < o->dim; d++) pts *= (PetscReal)o->N[d];
  PetscCheck(o->dim == 2 || o->nN > 1 || o->N[0] <= 1289, comm, PETSC_ERR_ARG_OUTOFRANGE, "-N = %" PetscInt_FMT " is out of range for -dim 3; allowed range [8, 1289]", o->N[0]);
  PetscCheck(pts <= 46340.0 * 46340.0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-N: %g points in all exceed PETSc's 32-bit indices; at most 46340^2 = 2147395600", (double)pts);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* -ic couple: two compositions; the mean composition is theirs. */
static PetscErrorCode ResolveCouple(MPI_Comm comm, UphillOptions *o)
{
  PetscFunctionBegin;
  if (o->ic != UPHILL_IC_COUPLE) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(o->ncouple_c == 2, comm, PETSC_ERR_ARG_WRONG, "-ic couple needs -couple_c left,right (two compositions, each in (0, 1))");
  PetscCheck(!UphillOptionsGiven(o, "-c0"), comm, PETSC_ERR_ARG_INCOMP, "-c0 is not used with -ic couple (the mean composition follows from -couple_c); remove it");
  o->c0 = 0.5 * (o->couple_c[0] + o->couple_c[1]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Conditions between options that one entry of the table cannot state. */
static PetscErrorCode CheckConsistency(MPI_Comm comm, const UphillOptions *o)
{
  const PetscBool poly = (PetscBool)(o->model == UPHILL_MODEL_POLYNOMIAL);

  PetscFunctionBegin;
  PetscCheck(!(UphillOptionsGiven(o, "-omega") && UphillOptionsGiven(o, "-L0")), comm, PETSC_ERR_ARG_INCOMP, "-omega and -L0 both set the regular part of the excess energy: give one (-omega W is -L0 W,0)");
  PetscCheck(o->elastic == UPHILL_ELASTIC_NONE || (o->C11 > o->C12 && o->C11 + 2 * o->C12 > 0), comm, PETSC_ERR_ARG_OUTOFRANGE, "-C11 %g, -C12 %g: a stable cubic crystal needs C11 > C12 and C11 + 2 C12 > 0", (double)o->C11, (double)o->C12);
  PetscCheck(!poly || o->c_alpha < o->c_beta, comm, PETSC_ERR_ARG_OUTOFRANGE, "-c_alpha (%g) must be smaller than -c_beta (%g)", (double)o->c_alpha, (double)o->c_beta);
  PetscCheck(o->adapt || UphillOptionsGiven(o, "-dt"), comm, PETSC_ERR_ARG_WRONG, "-adapt false needs a fixed step: give -dt");
  PetscCheck(!(o->restart[0] && o->force), comm, PETSC_ERR_ARG_INCOMP, "-restart and -force contradict each other: -restart continues the run in -output, -force replaces it");
  PetscCheck(o->ic != UPHILL_IC_FILE || o->ic_file[0], comm, PETSC_ERR_ARG_WRONG, "-ic file needs -ic_file PATH (an HDF5 file with dataset /c)");
  {
    /* between walls cos(2 pi m x/L) at the cell centres is cosine mode 2m <= N-1; m = N/2 would
     * vanish at every point */
    const PetscInt mmax = o->bc == UPHILL_BC_NOFLUX ? (o->N[0] - 1) / 2 : o->N[0] / 2;
    PetscCheck(o->ic != UPHILL_IC_MODE || o->ic_mode <= mmax, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic_mode = %" PetscInt_FMT " is out of range; allowed range [1, %s = %" PetscInt_FMT "] (N along x)", o->ic_mode, o->bc == UPHILL_BC_NOFLUX ? "(N-1)/2 with -bc noflux" : "N/2", mmax);
  }
  PetscCheck(!UphillOptionsGiven(o, "-noise") || o->ic == UPHILL_IC_RANDOM || o->ic == UPHILL_IC_COUPLE, comm, PETSC_ERR_ARG_INCOMP, "-noise is not used without -ic random or -ic couple; remove it");
  PetscCheck(o->ic != UPHILL_IC_PFHUB1A || o->dim == 2, comm, PETSC_ERR_ARG_INCOMP, "-ic pfhub1a is the 2D benchmark field; use -dim 2");
  if (!poly) {
    const PetscReal room = PetscMin(o->c0, 1.0 - o->c0);
    const PetscReal croom = o->ic == UPHILL_IC_COUPLE ? PetscMin(PetscMin(o->couple_c[0], 1.0 - o->couple_c[0]), PetscMin(o->couple_c[1], 1.0 - o->couple_c[1])) : 1.0;
    PetscCheck(o->ic != UPHILL_IC_COUPLE || o->noise < croom, comm, PETSC_ERR_ARG_OUTOFRANGE, "-noise = %g would push c outside (0,1) around -couple_c %g,%g; allowed range [0, %g)", (double)o->noise, (double)o->couple_c[0], (double)o->couple_c[1], (double)croom);
    PetscCheck(o->ic != UPHILL_IC_RANDOM || o->noise < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-noise = %g would push c outside (0,1) around -c0 = %g; allowed range [0, %g)", (double)o->noise, (double)o->c0, (double)room);
    PetscCheck(o->ic != UPHILL_IC_MODE || o->ic_amp < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic_amp = %g would push c outside (0,1) around -c0 = %g; allowed range [0, %g)", (double)o->ic_amp, (double)o->c0, (double)room);
    PetscCheck(o->ic != UPHILL_IC_PFHUB1A || 0.06 < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic pfhub1a adds up to +-0.06 to -c0 = %g, which leaves (0,1)", (double)o->c0);
  }
  PetscCheck(!o->thermal_noise || !o->adapt, comm, PETSC_ERR_ARG_INCOMP, "-thermal_noise needs a fixed step: give -dt (the error estimate of the adaptive step would measure the noise, not the error)");
  PetscCheck(!o->thermal_noise || o->noise_theta > 0 || (!poly && o->units == UPHILL_UNITS_SI), comm, PETSC_ERR_ARG_WRONG, "-thermal_noise in %s units needs -noise_theta (theta = v_atom/l^d, e.g. 0.01 for a metal with l = 1 nm)", poly ? "the polynomial model's" : "reduced");
  PetscCheck(!(poly && o->thermal_noise && o->bc == UPHILL_BC_NOFLUX), comm, PETSC_ERR_ARG_INCOMP, "-thermal_noise with -bc noflux is not available for -model polynomial (its noise divergence is drawn on the periodic spectrum); use -bc periodic or -model regular");
  PetscCheck(!UphillOptionsGiven(o, "-thickness") || o->dim == 2, comm, PETSC_ERR_ARG_INCOMP, "-thickness applies to 2D runs (a 3D cell is already a volume)");
  PetscCheck(o->dt <= o->t_end, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt = %g is larger than -t_end = %g", (double)o->dt, (double)o->t_end);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The solver's units: l = sqrt(kappa/RT), tau = l^2/D*_A, energy RT (regular, SI); 1 else. */
static PetscErrorCode Derive(MPI_Comm comm, UphillOptions *o)
{
  PetscFunctionBegin;
  o->r_darken = 1.0;
  o->ell = o->tau = o->RT = 1.0;
  o->chi_eff  = o->chi;
  o->chi1_eff = o->chi1;
  o->hchi     = o->chi;
  o->hchi1    = o->chi1;
  if (o->model == UPHILL_MODEL_REGULAR && o->units == UPHILL_UNITS_SI) {
    ThermoRK rk;
    PetscCall(UphillOptionsRK(o, &rk));
    o->RT       = UPHILL_R * o->T;
    o->chi_eff  = ThermoRKL0(&rk, o->T) / o->RT;
    o->chi1_eff = ThermoRKL1(&rk, o->T) / o->RT;
    o->hchi     = rk.a0 / o->RT;
    o->hchi1    = rk.a1 / o->RT;
    o->DA      = ThermoDstarArrhenius(o->D0, o->Q, o->T);
    o->DB      = o->mobility_model == UPHILL_MOBILITY_DARKEN ? ThermoDstarArrhenius(o->D0_B, o->Q_B, o->T) : o->DA;
    PetscCheck(o->DA > 0 && o->DB > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "D* underflows to 0 at -T %g with -Q %g: the alloy does not diffuse at this temperature", (double)o->T, (double)o->Q);
    o->r_darken = o->DB / o->DA;
    o->ell      = PetscSqrtReal(o->kappa / o->RT);
    o->tau      = o->ell * o->ell / o->DA;
  } else if (o->model == UPHILL_MODEL_REGULAR) {
    o->r_darken = o->mobility_model == UPHILL_MOBILITY_DARKEN ? o->D_ratio : 1.0;
  }
  for (PetscInt d = 0; d < 3; d++) o->L_red[d] = o->L[d] / o->ell;
  o->dt_red     = UphillOptionsGiven(o, "-dt") ? o->dt / o->tau : 0.0;
  o->t_end_red  = o->t_end / o->tau;
  o->dt_max_red = o->dt_max > 0 ? o->dt_max / o->tau : PETSC_MAX_REAL;
  o->theta      = 0.0;
  if (o->thermal_noise) {
    /* theta = v_atom/l^3, v_atom = Vm/N_A (DESIGN.md 6.5); a 2D plane stands for a film of
     * the given thickness (default one grid spacing, so its cells are cubes like in 3D) */
    const PetscReal thick = o->thickness > 0 ? o->thickness / o->ell : o->L_red[0] / o->N[0];
    o->theta              = o->noise_theta > 0 ? o->noise_theta : o->Vm / UPHILL_NA / (o->ell * o->ell * o->ell) / (o->dim == 2 ? thick : 1.0);
    o->theta *= o->noise_scale;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOptionsSetFromOptions(MPI_Comm comm, UphillOptions *o)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCheck(NSPECS <= UPHILL_MAX_OPTIONS, comm, PETSC_ERR_PLIB, "raise UPHILL_MAX_OPTIONS");
  PetscCall(SetStringDefaults(o));
  PetscOptionsBegin(comm, NULL, "uphill: Cahn-Hilliard spinodal decomposition with a regular-solution free energy", "uphill");
  for (PetscInt i = 0; i < NSPECS; i++) {
    /* defaults depend on -model and -units, which come first; -adapt's on -dt */
    SetDefault(o, i);
    if (!strcmp(specs[i].name, "-adapt")) o->adapt = (PetscBool)!UphillOptionsGiven(o, "-dt");
    PetscCall(ParseOne(PetscOptionsObject, o, i));
  }
  PetscOptionsEnd();
  PetscCall(RefuseUnused(comm, o));
  PetscCall(ResolveBox(comm, o));
  PetscCall(ResolveCouple(comm, o));
  PetscCall(CheckConsistency(comm, o));
  PetscCall(Derive(comm, o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOptionsRK(const UphillOptions *o, ThermoRK *rk)
{
  PetscFunctionBegin;
  /* -omega W is L0 = W, 0; a single value of -L0/-L1 is a temperature-independent L */
  rk->a0 = UphillOptionsGiven(o, "-L0") ? o->L0[0] : o->omega;
  rk->b0 = UphillOptionsGiven(o, "-L0") && o->nL0 > 1 ? o->L0[1] : 0.0;
  rk->a1 = UphillOptionsGiven(o, "-L1") ? o->L1[0] : 0.0;
  rk->b1 = UphillOptionsGiven(o, "-L1") && o->nL1 > 1 ? o->L1[1] : 0.0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscBool UphillOptionsGiven(const UphillOptions *o, const char *name)
{
  const PetscInt i = SpecIndex(name);
  return i >= 0 ? o->given[i] : PETSC_FALSE;
}

const char *UphillOptionsTimeUnit(const UphillOptions *o)
{
  if (o->model == UPHILL_MODEL_POLYNOMIAL) return "";
  return o->units == UPHILL_UNITS_SI ? "s" : "tau";
}

int UphillOptionsWrite(const UphillOptions *o, FILE *fp)
{
  UphillOptions *w = (UphillOptions *)o; /* Field() is shared with the parser; nothing is written */

  if (fprintf(fp, "# uphill %s\n# every option in force; repeat with: uphill -options_file run.opts\n", UPHILL_VERSION) < 0) return UphillErrno();
  for (PetscInt i = 0; i < NSPECS; i++) {
    const OptSpec *s = &specs[i];
    const void    *p = Field(w, s);
    int            n = 0;
    if (Ephemeral(s) || !Applies(o, s, NULL, 0)) continue;
    /* a step not given stays not given: the adaptive run chooses its first step itself */
    if (!strcmp(s->name, "-dt") && !o->given[i]) continue;
    /* a couple's mean composition follows from -couple_c */
    if (!strcmp(s->name, "-c0") && o->ic == UPHILL_IC_COUPLE) continue;
    if (!strcmp(s->name, "-noise") && o->ic != UPHILL_IC_RANDOM && o->ic != UPHILL_IC_COUPLE) continue;
    switch (s->type) {
    case OPT_REAL:
      n = fprintf(fp, "%s %.17g\n", s->name, (double)*(const PetscReal *)p);
      break;
    case OPT_INT:
      if (!strcmp(s->name, "-max_steps") && *(const PetscInt *)p == PETSC_MAX_INT) continue;
      n = fprintf(fp, "%s %lld\n", s->name, (long long)*(const PetscInt *)p);
      break;
    case OPT_BOOL:
      n = fprintf(fp, "%s %s\n", s->name, *(const PetscBool *)p ? "true" : "false");
      break;
    case OPT_ENUM:
      n = fprintf(fp, "%s %s\n", s->name, s->names[*(const PetscEnum *)p]);
      break;
    case OPT_STRING:
      if (((const char *)p)[0]) n = fprintf(fp, "%s %s\n", s->name, (const char *)p);
      break;
    case OPT_REAL_LIST:
    case OPT_INT_LIST: {
      const PetscInt nv = *(const PetscInt *)((const char *)o + s->count);
      if (!nv) continue;
      n = fprintf(fp, "%s ", s->name);
      for (PetscInt j = 0; j < nv && n >= 0; j++) {
        if (s->type == OPT_INT_LIST) n = fprintf(fp, "%s%lld", j ? "," : "", (long long)((const PetscInt *)p)[j]);
        else n = fprintf(fp, "%s%.17g", j ? "," : "", (double)((const PetscReal *)p)[j]);
      }
      if (n >= 0) n = fprintf(fp, "\n");
    } break;
    }
    if (n < 0) return UphillErrno();
  }
  return 0;
}

/* Before PetscInitialize (no MPI yet; every rank looks for itself): what PETSc would refuse in
 * an options file, or what it would read as something else, as one sentence in why. A file is
 * lines of "-option [value]" (or "alias"), '#' starting a comment: no NUL or other control
 * bytes (a binary file), no line longer than a path can be, and may name further files. */
static int BadOptionsFile(const char *path, int depth, char *why, size_t len)
{
  FILE  *fp;
  char  *text = NULL;
  size_t n = 0, cap = 0, line = 1;
  int    bad = 0, c;

  errno = 0;
  if (!(fp = fopen(path, "r"))) {
    (void)snprintf(why, len, "-options_file %s: %s", path, strerror(errno ? errno : EIO));
    return 1;
  }
  while (!bad && (c = fgetc(fp)) != EOF) {
    if (n + 2 > cap) {
      char *t = realloc(text, cap = cap ? 2 * cap : 4096);
      if (!t) break;
      text = t;
    }
    if (n >= (size_t)1 << 20) bad = snprintf(why, len, "-options_file %s: larger than 1 MiB; not an options file", path);
    else if ((c < 32 && c != '\n' && c != '\t' && c != '\r' && c != '\f' && c != '\v') || c == 127)
      bad = snprintf(why, len, "-options_file %s: not a text file (byte 0x%02x on line %zu); it must hold lines of -option value", path, c, line);
    text[n++] = (char)c;
    if (c == '\n') line++;
  }
  if (!bad && ferror(fp)) bad = snprintf(why, len, "-options_file %s: %s", path, strerror(errno ? errno : EIO));
  (void)fclose(fp);
  line = 1;
  for (char *l = text, *next; !bad && l && l < text + n; l = next, line++) {
    char  *end = memchr(l, '\n', (size_t)(text + n - l)), *tok, *save = NULL;
    size_t ll;
    next  = end ? end + 1 : text + n;
    ll    = (size_t)((end ? end : text + n) - l);
    l[ll] = 0;
    if (ll >= PETSC_MAX_PATH_LEN) {
      bad = snprintf(why, len, "-options_file %s: line %zu is %zu characters long (at most %d)", path, line, ll, PETSC_MAX_PATH_LEN - 1);
      break;
    }
    if ((tok = strchr(l, '#'))) *tok = 0;
    tok = strtok_r(l, " \t\r\f\v", &save);
    if (!tok) continue;
    if (tok[0] != '-' && strcasecmp(tok, "alias")) bad = snprintf(why, len, "-options_file %s: line %zu starts with \"%.40s\", not an option (options start with -)", path, line, tok);
    else if (!strcmp(tok, "-options_file")) {
      const char *f = strtok_r(NULL, " \t\r\f\v", &save);
      if (!f) bad = snprintf(why, len, "-options_file %s: line %zu: -options_file without a file name", path, line);
      else if (depth >= 8) bad = snprintf(why, len, "-options_file %s: options files nested too deep", path);
      else bad = BadOptionsFile(f, depth + 1, why, len);
    }
  }
  free(text);
  return bad != 0;
}

int UphillOptionsFileCheck(const char *path, char *why, size_t len)
{
  return BadOptionsFile(path, 0, why, len);
}

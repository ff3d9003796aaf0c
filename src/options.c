/* Every option of uphill: name, help, bounds, default, and the conversion of SI inputs to
 * the core's units. Names are the fixed interface of DESIGN.md section 5. */
#include <uphill/options.h>
#include <uphill/thermo.h>
#include <uphill/version.h>
#include <fftw3.h>

const char *const UphillModelNames[]        = {"regular", "polynomial", "UphillModel", "UPHILL_MODEL_", NULL};
const char *const UphillUnitsNames[]        = {"si", "reduced", "UphillUnits", "UPHILL_UNITS_", NULL};
const char *const UphillICNames[]           = {"random", "pfhub1a", "mode", "file", "UphillIC", "UPHILL_IC_", NULL};
const char *const UphillMobilityNames[]     = {"single", "darken", "UphillMobility", "UPHILL_MOBILITY_", NULL};
const char *const UphillFrameSpacingNames[] = {"log", "linear", "UphillFrameSpacing", "UPHILL_FRAMES_", NULL};
const char *const UphillSchemeNames[]       = {"euler", "bdf2", "UphillScheme", "UPHILL_SCHEME_", NULL};
static const char *const PlanNames[]        = {"estimate", "measure", "patient", "exhaustive", "FFTWPlan", "", NULL};

/* A real option with an allowed interval; open ends are excluded. The message names the
 * option, the value and the interval, which is what a user needs to fix a typo. */
static PetscErrorCode OptReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscReal *v, PetscReal lo, PetscBool lo_open, PetscReal hi, PetscBool hi_open, PetscBool *set)
{
  PetscBool flg;
  char      text[512], range[96], val[32];

  PetscFunctionBegin;
  /* C's %g: PETSc's printf writes whole numbers as "1." */
  (void)snprintf(range, sizeof(range), "%s%g, %g%s", lo_open ? "(" : "[", (double)lo, (double)hi, hi_open ? ")" : "]");
  PetscCall(PetscSNPrintf(text, sizeof(text), "%s, in %s", help, range));
  PetscCall(PetscOptionsReal(name, text, NULL, *v, v, &flg));
  if (set) *set = flg;
  (void)snprintf(val, sizeof(val), "%g", (double)*v);
  PetscCheck(!PetscIsInfOrNanReal(*v), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %s is not a number; allowed range %s", name, val, range);
  PetscCheck((lo_open ? *v > lo : *v >= lo) && (hi_open ? *v < hi : *v <= hi), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %s is out of range; allowed range %s", name, val, range);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OptInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscInt *v, PetscInt lo, PetscInt hi, PetscBool *set)
{
  PetscBool flg;
  char      text[512];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(text, sizeof(text), "%s, in [%" PetscInt_FMT ", %" PetscInt_FMT "]", help, lo, hi));
  PetscCall(PetscOptionsInt(name, text, NULL, *v, v, &flg));
  if (set) *set = flg;
  PetscCheck(*v >= lo && *v <= hi, PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s = %" PetscInt_FMT " is out of range; allowed range [%" PetscInt_FMT ", %" PetscInt_FMT "]", name, *v, lo, hi);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Options that mean nothing for the chosen model/units are refused, not silently
 * ignored: a user who sets -T in a reduced run believes it changed something. */
static PetscErrorCode RefuseUnused(MPI_Comm comm, PetscBool set, const char *name, const char *why)
{
  PetscFunctionBegin;
  PetscCheck(!set, comm, PETSC_ERR_ARG_INCOMP, "%s is not used %s; remove it", name, why);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOptionsSetFromOptions(MPI_Comm comm, UphillOptions *o)
{
  PetscBool setT, setOmega, setChi, setD0, setQ, setKappa, setVm, setD0B, setQB, setRatio, setRho, setCa, setCb, setMob, setFile, setMode = PETSC_FALSE, setAmp = PETSC_FALSE;
  PetscInt  plan = 1;
  PetscBool si, poly, setUnits = PETSC_FALSE, setMobModel = PETSC_FALSE, setTol = PETSC_FALSE, setDtMax = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  o->model = UPHILL_MODEL_REGULAR;
  o->units = UPHILL_UNITS_SI;
  PetscOptionsBegin(comm, NULL, "uphill: Cahn-Hilliard spinodal decomposition with a regular-solution free energy", "uphill");
  PetscCall(PetscOptionsEnum("-model", "Free-energy model", NULL, UphillModelNames, (PetscEnum)o->model, (PetscEnum *)&o->model, NULL));
  PetscCall(PetscOptionsEnum("-units", "Units of inputs and outputs (regular model): si (m, s, J/mol, K) or reduced (l = sqrt(kappa/RT), tau = l^2/D*)", NULL, UphillUnitsNames, (PetscEnum)o->units, (PetscEnum *)&o->units, &setUnits));

  /* Defaults depend on the model and units, so they are set after those are known:
   * SI defaults are the Cu-Ag-like alloy quenched to 1000 K of inputs/cuag.opts, which
   * explains each value (that file also selects -scheme bdf2); reduced defaults a chi = 3 quench; polynomial defaults the PFHub 1a
   * benchmark. */
  si   = (PetscBool)(o->model == UPHILL_MODEL_REGULAR && o->units == UPHILL_UNITS_SI);
  poly = (PetscBool)(o->model == UPHILL_MODEL_POLYNOMIAL);
  o->mobility_model = UPHILL_MOBILITY_SINGLE;
  o->T = 1000.0;
  o->omega = 30.0e3;
  o->chi = 3.0;
  o->c0 = poly ? 0.5 : 0.4;
  o->noise = poly ? 0.01 : 0.02;
  o->seed = 1;
  o->D0 = 7.8e-5;
  o->Q = 211.0e3;
  o->kappa = poly ? 2.0 : 5.0e-15;
  o->Vm = 8.5e-6;
  o->D0_B = 7.8e-5;
  o->Q_B = 211.0e3;
  o->D_ratio = 1.0;
  o->rho = 5.0;
  o->c_alpha = 0.3;
  o->c_beta = 0.7;
  o->mobility = 5.0;
  o->dim = 2;
  o->N = poly ? 200 : (si ? 512 : 256);
  o->L = si ? 1.784e-7 : (poly ? 200.0 : 154.0);
  o->dt = si ? 3.2e-4 : (poly ? 0.1 : 0.5);
  o->t_end = si ? 9.72 : (poly ? 1000.0 : 2000.0);
  o->max_steps = PETSC_MAX_INT;
  o->adapt = PETSC_FALSE;
  o->adapt_tol = 1e-3;
  o->dt_max = -1;
  o->stab_A = -1;
  o->stab_S = -1;
  o->ic = poly ? UPHILL_IC_PFHUB1A : UPHILL_IC_RANDOM;
  o->ic_mode = 1;
  o->ic_amp = 1e-4;
  o->frames = si ? 80 : 40;
  o->frame_scale = 0;
  o->frame_spacing = UPHILL_FRAMES_LOG;
  o->frame_autorange = PETSC_FALSE;
  o->frame_colorbar = PETSC_TRUE;
  o->diag_every = 10;
  PetscCall(PetscStrncpy(o->output, "output/run", sizeof(o->output)));
  {
    const char *home = getenv("HOME");
    if (home) PetscCall(PetscSNPrintf(o->wisdom, sizeof(o->wisdom), "%s/.uphill-fftw-wisdom", home));
  }

  PetscCall(OptReal(PetscOptionsObject, "-T", "Temperature (K)", &o->T, 0, PETSC_TRUE, 1e5, PETSC_FALSE, &setT));
  PetscCall(OptReal(PetscOptionsObject, "-omega", "Regular-solution interaction parameter Omega (J/mol); negative: no miscibility gap", &o->omega, -1e6, PETSC_FALSE, 1e6, PETSC_FALSE, &setOmega));
  PetscCall(OptReal(PetscOptionsObject, "-chi", "chi = Omega/RT (with -units reduced); a gap opens for chi > 2", &o->chi, -100, PETSC_FALSE, 100, PETSC_FALSE, &setChi));
  PetscCall(OptReal(PetscOptionsObject, "-kappa", "Gradient-energy coefficient (J m^2/mol in SI; model units for polynomial)", &o->kappa, 0, PETSC_TRUE, 1e30, PETSC_FALSE, &setKappa));
  PetscCall(OptReal(PetscOptionsObject, "-Vm", "Molar volume (m^3/mol)", &o->Vm, 0, PETSC_TRUE, 1, PETSC_FALSE, &setVm));
  PetscCall(OptReal(PetscOptionsObject, "-rho", "Polynomial model: well depth rho", &o->rho, 0, PETSC_TRUE, 1e12, PETSC_FALSE, &setRho));
  PetscCall(OptReal(PetscOptionsObject, "-c_alpha", "Polynomial model: composition of the first well", &o->c_alpha, -10, PETSC_FALSE, 10, PETSC_FALSE, &setCa));
  PetscCall(OptReal(PetscOptionsObject, "-c_beta", "Polynomial model: composition of the second well (> c_alpha)", &o->c_beta, -10, PETSC_FALSE, 10, PETSC_FALSE, &setCb));

  PetscCall(PetscOptionsEnum("-mobility_model", "Regular model: single tracer D* or Darken with two tracer diffusivities", NULL, UphillMobilityNames, (PetscEnum)o->mobility_model, (PetscEnum *)&o->mobility_model, &setMobModel));
  PetscCall(OptReal(PetscOptionsObject, "-D0", "Arrhenius prefactor of the tracer diffusivity D*_A (m^2/s)", &o->D0, 0, PETSC_TRUE, 1, PETSC_FALSE, &setD0));
  PetscCall(OptReal(PetscOptionsObject, "-Q", "Activation energy of D*_A (J/mol)", &o->Q, 0, PETSC_FALSE, 1e7, PETSC_FALSE, &setQ));
  PetscCall(OptReal(PetscOptionsObject, "-D0_B", "Darken: Arrhenius prefactor of D*_B (m^2/s)", &o->D0_B, 0, PETSC_TRUE, 1, PETSC_FALSE, &setD0B));
  PetscCall(OptReal(PetscOptionsObject, "-Q_B", "Darken: activation energy of D*_B (J/mol)", &o->Q_B, 0, PETSC_FALSE, 1e7, PETSC_FALSE, &setQB));
  PetscCall(OptReal(PetscOptionsObject, "-D_ratio", "Darken with -units reduced: D*_B/D*_A", &o->D_ratio, 0, PETSC_TRUE, 1e12, PETSC_FALSE, &setRatio));
  PetscCall(OptReal(PetscOptionsObject, "-mobility", "Polynomial model: constant mobility M", &o->mobility, 0, PETSC_TRUE, 1e30, PETSC_FALSE, &setMob));

  PetscCall(OptInt(PetscOptionsObject, "-dim", "Dimension", &o->dim, 2, 3, NULL));
  /* N^d (and the spectral state, 2 N^(d-1) (N/2+1) reals) must fit PETSc's 32-bit indices */
  PetscCall(OptInt(PetscOptionsObject, "-N", "Grid points per side", &o->N, 8, o->dim == 2 ? 46340 : 1289, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-L", "Box side (m in SI, l in reduced units)", &o->L, 0, PETSC_TRUE, 1e30, PETSC_FALSE, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-dt", "Time step (s in SI, tau in reduced units); the first step with -adapt", &o->dt, 0, PETSC_TRUE, 1e30, PETSC_FALSE, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-t_end", "End time (s in SI, tau in reduced units)", &o->t_end, 0, PETSC_TRUE, 1e30, PETSC_FALSE, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-max_steps", "Stop after this many steps", &o->max_steps, 1, PETSC_MAX_INT, NULL));
  PetscCall(PetscOptionsEnum("-scheme", "Time step: euler (stabilized semi-implicit, first order) or bdf2 (second order, fixed -dt)", NULL, UphillSchemeNames, (PetscEnum)o->scheme, (PetscEnum *)&o->scheme, NULL));
  PetscCall(PetscOptionsBool("-adapt", "Adaptive time step (step-doubling error control, energy monotone)", NULL, o->adapt, &o->adapt, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-adapt_tol", "Adaptive stepping: tolerated local error in c per step (max norm)", &o->adapt_tol, 0, PETSC_TRUE, 0.1, PETSC_FALSE, &setTol));
  PetscCall(OptReal(PetscOptionsObject, "-dt_max", "Adaptive stepping: largest step (run time units); <= 0: no limit", &o->dt_max, -1, PETSC_FALSE, 1e30, PETSC_FALSE, &setDtMax));
  PetscCall(OptReal(PetscOptionsObject, "-stab_A", "Stabilizer A of the kappa k^4 term (core units); < 0: max M", &o->stab_A, -1, PETSC_FALSE, 1e30, PETSC_FALSE, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-stab_S", "Stabilizer S of the k^2 term (core units); < 0: largest bulk diffusivity", &o->stab_S, -1, PETSC_FALSE, 1e30, PETSC_FALSE, NULL));

  PetscCall(PetscOptionsEnum("-ic", "Initial condition", NULL, UphillICNames, (PetscEnum)o->ic, (PetscEnum *)&o->ic, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-c0", "Mean composition (mole fraction of B)", &o->c0, 0, PETSC_TRUE, 1, PETSC_TRUE, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-noise", "Amplitude of the uniform random fluctuation (-ic random)", &o->noise, 0, PETSC_FALSE, 1, PETSC_TRUE, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-seed", "Seed of the random initial field (same field for any rank count)", &o->seed, 0, PETSC_MAX_INT, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-ic_mode", "-ic mode: index m of the cosine mode cos(2 pi m x/L)", &o->ic_mode, 1, 1 << 20, &setMode));
  PetscCall(OptReal(PetscOptionsObject, "-ic_amp", "-ic mode: amplitude of the cosine", &o->ic_amp, 0, PETSC_FALSE, 1, PETSC_TRUE, &setAmp));
  PetscCall(PetscOptionsString("-ic_file", "-ic file: HDF5 file with dataset /c of the run's grid", NULL, o->ic_file, o->ic_file, sizeof(o->ic_file), &setFile));

  PetscCall(PetscOptionsString("-output", "Run directory", NULL, o->output, o->output, sizeof(o->output), NULL));
  PetscCall(OptInt(PetscOptionsObject, "-frames", "PNG frames over the run (0: none)", &o->frames, 0, 100000, NULL));
  PetscCall(PetscOptionsEnum("-frame_spacing", "Frame times: log (coarsening spans decades) or linear", NULL, UphillFrameSpacingNames, (PetscEnum)o->frame_spacing, (PetscEnum *)&o->frame_spacing, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-frame_scale", "Integer upscale of frame pixels (0: automatic, frames at least ~256 pixels wide)", &o->frame_scale, 0, 16, NULL));
  PetscCall(PetscOptionsBool("-frame_autorange", "Colour range from each frame's min/max instead of [0,1]", NULL, o->frame_autorange, &o->frame_autorange, NULL));
  PetscCall(PetscOptionsBool("-frame_colorbar", "Draw a colour bar and a time label on frames", NULL, o->frame_colorbar, &o->frame_colorbar, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-diag_every", "Write a diagnostics row every this many steps (and at every frame)", &o->diag_every, 1, PETSC_MAX_INT, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-dump_every", "Write the field to fields/c_STEP.h5 (+ .xmf) every this many steps (0: never)", &o->dump_every, 0, PETSC_MAX_INT, NULL));
  PetscCall(OptInt(PetscOptionsObject, "-checkpoint_every", "Write a checkpoint every this many steps (0: only at the end and on a signal)", &o->checkpoint_every, 0, PETSC_MAX_INT, NULL));
  PetscCall(OptReal(PetscOptionsObject, "-checkpoint_wall", "Write a checkpoint every this many minutes of wall time (0: off)", &o->checkpoint_wall, 0, PETSC_FALSE, 1e6, PETSC_FALSE, NULL));
  PetscCall(PetscOptionsString("-restart", "Continue from a checkpoint file, or 'auto' for the newest checkpoint in -output", NULL, o->restart, o->restart, sizeof(o->restart), NULL));
  PetscCall(PetscOptionsBool("-force", "Start a new run in an -output directory that already holds one (the old run's files are removed once the inputs are read)", NULL, o->force, &o->force, NULL));
  PetscCall(PetscOptionsBool("-quiet", "No progress output", NULL, o->quiet, &o->quiet, NULL));
  PetscCall(PetscOptionsBool("-explain", "Print the thermodynamic and stability analysis of the inputs and exit", NULL, o->explain, &o->explain, NULL));
  PetscCall(PetscOptionsString("-fftw_wisdom", "FFTW wisdom file, loaded and updated so later runs skip planning (none: off)", NULL, o->wisdom, o->wisdom, sizeof(o->wisdom), NULL));
  PetscCall(PetscOptionsEList("-fftw_plan", "FFTW planner rigour", NULL, PlanNames, 4, PlanNames[plan], &plan, NULL));
  PetscOptionsEnd();
  {
    const unsigned flags[] = {FFTW_ESTIMATE, FFTW_MEASURE, FFTW_PATIENT, FFTW_EXHAUSTIVE};
    o->fftw_flags = (PetscInt)flags[plan];
  }

  /* ---- consistency: refuse what the chosen model and units do not use ---- */
  if (poly) {
    const char *why = "with -model polynomial (it uses -rho -c_alpha -c_beta -kappa -mobility)";
    PetscCall(RefuseUnused(comm, setT, "-T", why));
    PetscCall(RefuseUnused(comm, setOmega, "-omega", why));
    PetscCall(RefuseUnused(comm, setChi, "-chi", why));
    PetscCall(RefuseUnused(comm, setD0 || setD0B, "-D0/-D0_B", why));
    PetscCall(RefuseUnused(comm, setQ || setQB, "-Q/-Q_B", why));
    PetscCall(RefuseUnused(comm, setVm, "-Vm", why));
    PetscCall(RefuseUnused(comm, setRatio, "-D_ratio", why));
    PetscCall(RefuseUnused(comm, setUnits, "-units", "with -model polynomial (it works in its own units)"));
    PetscCall(RefuseUnused(comm, setMobModel, "-mobility_model", why));
    PetscCheck(o->c_alpha < o->c_beta, comm, PETSC_ERR_ARG_OUTOFRANGE, "-c_alpha (%g) must be smaller than -c_beta (%g)", (double)o->c_alpha, (double)o->c_beta);
  } else {
    const char *why = "with -model regular (it is a polynomial-model parameter)";
    PetscCall(RefuseUnused(comm, setRho, "-rho", why));
    PetscCall(RefuseUnused(comm, setCa, "-c_alpha", why));
    PetscCall(RefuseUnused(comm, setCb, "-c_beta", why));
    PetscCall(RefuseUnused(comm, setMob, "-mobility", why));
    if (si) {
      PetscCall(RefuseUnused(comm, setChi, "-chi", "with -units si (chi = Omega/RT follows from -omega and -T; use -units reduced to set chi)"));
      PetscCall(RefuseUnused(comm, setRatio, "-D_ratio", "with -units si (give -D0_B and -Q_B)"));
    } else {
      const char *whyr = "with -units reduced (only -chi sets the thermodynamics; lengths are in l, times in tau)";
      PetscCall(RefuseUnused(comm, setT, "-T", whyr));
      PetscCall(RefuseUnused(comm, setOmega, "-omega", whyr));
      PetscCall(RefuseUnused(comm, setKappa, "-kappa", whyr));
      PetscCall(RefuseUnused(comm, setD0 || setD0B, "-D0/-D0_B", whyr));
      PetscCall(RefuseUnused(comm, setQ || setQB, "-Q/-Q_B", whyr));
      PetscCall(RefuseUnused(comm, setVm, "-Vm", whyr));
    }
    if (o->mobility_model == UPHILL_MOBILITY_SINGLE) {
      PetscCall(RefuseUnused(comm, setD0B || setQB || setRatio, "-D0_B/-Q_B/-D_ratio", "with -mobility_model single (use -mobility_model darken)"));
    }
  }
  PetscCall(RefuseUnused(comm, !o->adapt && (setTol || setDtMax), "-adapt_tol/-dt_max", "without -adapt"));
  PetscCheck(!(o->adapt && o->scheme == UPHILL_SCHEME_BDF2), comm, PETSC_ERR_ARG_INCOMP, "-scheme bdf2 needs a fixed -dt; -adapt works with -scheme euler");
  PetscCheck(!(o->restart[0] && o->force), comm, PETSC_ERR_ARG_INCOMP, "-restart and -force contradict each other: -restart continues the run in -output, -force replaces it");
  PetscCheck(o->ic == UPHILL_IC_FILE || !setFile, comm, PETSC_ERR_ARG_INCOMP, "-ic_file is only used with -ic file");
  PetscCheck(o->ic != UPHILL_IC_FILE || setFile, comm, PETSC_ERR_ARG_WRONG, "-ic file needs -ic_file PATH (an HDF5 file with dataset /c)");
  PetscCheck(o->ic == UPHILL_IC_MODE || !(setMode || setAmp), comm, PETSC_ERR_ARG_INCOMP, "-ic_mode/-ic_amp are only used with -ic mode");
  PetscCheck(o->ic != UPHILL_IC_MODE || o->ic_mode <= o->N / 2, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic_mode = %" PetscInt_FMT " is out of range; allowed range [1, N/2 = %" PetscInt_FMT "]", o->ic_mode, o->N / 2);
  if (!poly) {
    const PetscReal room = PetscMin(o->c0, 1.0 - o->c0);
    PetscCheck(o->ic != UPHILL_IC_RANDOM || o->noise < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-noise = %g would push c outside (0,1) around -c0 = %g; allowed range [0, %g)", (double)o->noise, (double)o->c0, (double)room);
    PetscCheck(o->ic != UPHILL_IC_MODE || o->ic_amp < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic_amp = %g would push c outside (0,1) around -c0 = %g; allowed range [0, %g)", (double)o->ic_amp, (double)o->c0, (double)room);
    PetscCheck(o->ic != UPHILL_IC_PFHUB1A || 0.06 < room, comm, PETSC_ERR_ARG_OUTOFRANGE, "-ic pfhub1a adds up to +-0.06 to -c0 = %g, which leaves (0,1)", (double)o->c0);
  }

  /* ---- derived: the core's units ---- */
  o->r_darken = 1.0;
  o->ell = o->tau = 1.0;
  o->RT = 1.0;
  if (si) {
    o->RT      = UPHILL_R * o->T;
    o->chi_eff = o->omega / o->RT;
    o->DA      = ThermoDstarArrhenius(o->D0, o->Q, o->T);
    o->DB      = o->mobility_model == UPHILL_MOBILITY_DARKEN ? ThermoDstarArrhenius(o->D0_B, o->Q_B, o->T) : o->DA;
    PetscCheck(o->DA > 0 && o->DB > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "D* underflows to 0 at -T %g with -Q %g: the alloy does not diffuse at this temperature", (double)o->T, (double)o->Q);
    o->r_darken = o->DB / o->DA;
    o->ell      = PetscSqrtReal(o->kappa / o->RT); /* l = sqrt(kappa/RT) */
    o->tau      = o->ell * o->ell / o->DA;         /* tau = l^2/D*_A */
  } else if (!poly) {
    o->chi_eff  = o->chi;
    o->r_darken = o->mobility_model == UPHILL_MOBILITY_DARKEN ? o->D_ratio : 1.0;
  }
  o->L_core      = o->L / o->ell;
  o->dt_core     = o->dt / o->tau;
  o->t_end_core  = o->t_end / o->tau;
  o->dt_max_core = o->dt_max > 0 ? o->dt_max / o->tau : PETSC_MAX_REAL;
  PetscCheck(o->dt_core <= o->t_end_core, comm, PETSC_ERR_ARG_OUTOFRANGE, "-dt = %g is larger than -t_end = %g", (double)o->dt, (double)o->t_end);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillOptionsWrite(const UphillOptions *o, FILE *fp)
{
  const PetscBool poly = (PetscBool)(o->model == UPHILL_MODEL_POLYNOMIAL);
  const PetscBool si   = (PetscBool)(!poly && o->units == UPHILL_UNITS_SI);
  const char     *plan = o->fftw_flags == FFTW_ESTIMATE ? "estimate" : o->fftw_flags == FFTW_PATIENT ? "patient" : o->fftw_flags == FFTW_EXHAUSTIVE ? "exhaustive" : "measure";

  PetscFunctionBegin;
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "# uphill %s\n# every option in force; repeat with: uphill -options_file run.opts\n", UPHILL_VERSION));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-model %s\n", UphillModelNames[o->model]));
  if (!poly) {
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-units %s\n-mobility_model %s\n", UphillUnitsNames[o->units], UphillMobilityNames[o->mobility_model]));
    if (si) {
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-T %.17g\n-omega %.17g\n-D0 %.17g\n-Q %.17g\n-kappa %.17g\n-Vm %.17g\n", (double)o->T, (double)o->omega, (double)o->D0, (double)o->Q, (double)o->kappa, (double)o->Vm));
      if (o->mobility_model == UPHILL_MOBILITY_DARKEN) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-D0_B %.17g\n-Q_B %.17g\n", (double)o->D0_B, (double)o->Q_B));
    } else {
      PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-chi %.17g\n", (double)o->chi));
      if (o->mobility_model == UPHILL_MOBILITY_DARKEN) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-D_ratio %.17g\n", (double)o->D_ratio));
    }
  } else {
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-rho %.17g\n-c_alpha %.17g\n-c_beta %.17g\n-kappa %.17g\n-mobility %.17g\n", (double)o->rho, (double)o->c_alpha, (double)o->c_beta, (double)o->kappa, (double)o->mobility));
  }
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-dim %" PetscInt_FMT "\n-N %" PetscInt_FMT "\n-L %.17g\n-dt %.17g\n-t_end %.17g\n", o->dim, o->N, (double)o->L, (double)o->dt, (double)o->t_end));
  if (o->max_steps < PETSC_MAX_INT) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-max_steps %" PetscInt_FMT "\n", o->max_steps));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-scheme %s\n-adapt %s\n", UphillSchemeNames[o->scheme], o->adapt ? "true" : "false"));
  if (o->adapt) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-adapt_tol %.17g\n-dt_max %.17g\n", (double)o->adapt_tol, (double)o->dt_max));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-stab_A %.17g\n-stab_S %.17g\n", (double)o->stab_A, (double)o->stab_S));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-ic %s\n-c0 %.17g\n", UphillICNames[o->ic], (double)o->c0));
  if (o->ic == UPHILL_IC_RANDOM) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-noise %.17g\n-seed %" PetscInt_FMT "\n", (double)o->noise, o->seed));
  if (o->ic == UPHILL_IC_MODE) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-ic_mode %" PetscInt_FMT "\n-ic_amp %.17g\n", o->ic_mode, (double)o->ic_amp));
  if (o->ic == UPHILL_IC_FILE) PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-ic_file %s\n", o->ic_file));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-output %s\n-frames %" PetscInt_FMT "\n-frame_spacing %s\n-frame_scale %" PetscInt_FMT "\n-frame_autorange %s\n-frame_colorbar %s\n-diag_every %" PetscInt_FMT "\n-dump_every %" PetscInt_FMT "\n-checkpoint_every %" PetscInt_FMT "\n-checkpoint_wall %.17g\n", o->output, o->frames,
                         UphillFrameSpacingNames[o->frame_spacing], o->frame_scale, o->frame_autorange ? "true" : "false", o->frame_colorbar ? "true" : "false", o->diag_every, o->dump_every, o->checkpoint_every, (double)o->checkpoint_wall));
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, fp, "-fftw_plan %s\n", plan));
  PetscFunctionReturn(PETSC_SUCCESS);
}

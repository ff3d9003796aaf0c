#pragma once
/* Every run-time option (names fixed by DESIGN.md section 5). One table in options.c holds,
 * per option, its type, default, bounds, unit, the models and units it applies to and its
 * help text; parsing, the refusals of options that do not apply, -help and run.opts all come
 * from that table. */
#include <stdio.h>
#include <petscsys.h>
#include <uphill/compat.h>
#include <uphill/thermo.h>

typedef enum { UPHILL_MODEL_REGULAR, UPHILL_MODEL_POLYNOMIAL } UphillModel;
typedef enum { UPHILL_UNITS_SI, UPHILL_UNITS_REDUCED } UphillUnits;
typedef enum { UPHILL_IC_RANDOM, UPHILL_IC_PFHUB1A, UPHILL_IC_MODE, UPHILL_IC_FILE, UPHILL_IC_COUPLE } UphillIC;
typedef enum { UPHILL_MOBILITY_SINGLE, UPHILL_MOBILITY_DARKEN } UphillMobility;
typedef enum { UPHILL_FRAMES_LOG, UPHILL_FRAMES_LINEAR } UphillFrameSpacing;
typedef enum { UPHILL_SCHEME_EULER, UPHILL_SCHEME_BDF2 } UphillSchemeType;
typedef enum { UPHILL_ELASTIC_NONE, UPHILL_ELASTIC_CUBIC } UphillElasticModel;
typedef enum { UPHILL_FRAME_C, UPHILL_FRAME_UPHILL, UPHILL_FRAME_MU } UphillFrameField;
typedef enum { UPHILL_BC_PERIODIC, UPHILL_BC_NOFLUX } UphillBoundary;
typedef enum { UPHILL_PLAN_ESTIMATE, UPHILL_PLAN_MEASURE, UPHILL_PLAN_PATIENT, UPHILL_PLAN_EXHAUSTIVE } UphillPlan;

extern const char *const UphillModelNames[];
extern const char *const UphillUnitsNames[];
extern const char *const UphillICNames[];
extern const char *const UphillMobilityNames[];
extern const char *const UphillFrameSpacingNames[];
extern const char *const UphillSchemeNames[];
extern const char *const UphillPlanNames[];
extern const char *const UphillElasticNames[];
extern const char *const UphillFrameFieldNames[];
extern const char *const UphillBoundaryNames[];

#define UPHILL_MAX_OPTIONS 80
#define UPHILL_MAX_LIST    64 /* values of a list option (-diag_times a,b,...) */

typedef struct {
  /* ---- as given (SI when -units si) ---- */
  UphillModel        model;
  UphillUnits        units;
  UphillMobility     mobility_model;
  PetscReal          T, omega, chi; /* K, J/mol, - ; chi only with -units reduced */
  PetscReal          L0[2], L1[2];  /* Redlich-Kister L_j = a + b T: (a J/mol, b J/(mol K)) */
  PetscInt           nL0, nL1;
  PetscReal          chi1;          /* L1/RT with -units reduced */
  PetscReal          c0, noise;
  PetscInt           seed;
  PetscReal          D0, Q, kappa, Vm;   /* m^2/s, J/mol, J m^2/mol, m^3/mol */
  PetscReal          D0_B, Q_B, D_ratio; /* Darken: tracer of B (SI) or D*_B/D*_A (reduced) */
  PetscReal          rho, c_alpha, c_beta, mobility;
  UphillElasticModel elastic;
  PetscReal          misfit, C11, C12, C44; /* eta = (1/a) da/dc; Pa */
  PetscBool          thermal_noise;
  PetscReal          noise_theta, noise_scale, thickness; /* theta (0: from Vm and l), -, m */
  PetscInt           dim, N[3], nN;  /* points per axis; one value given: the same on every axis */
  PetscReal          L[3];           /* box side per axis (run units); as -N */
  PetscInt           nL;
  UphillBoundary     bc;
  PetscReal          dt, t_end; /* run units: m and s (SI), l and tau (reduced) */
  PetscInt           max_steps;
  UphillSchemeType   scheme;
  PetscBool          adapt;
  PetscReal          adapt_tol, dt_max;
  PetscEnum          flux;           /* UphillFluxForm (scheme.h) */
  PetscReal          stab_A, stab_S; /* < 0: the scheme's default */
  PetscBool          stab_correct;
  UphillIC           ic;
  PetscInt           ic_mode;
  PetscReal          ic_amp;
  char               ic_file[PETSC_MAX_PATH_LEN];
  PetscReal          couple_c[2], couple_width; /* -ic couple: left and right c; tanh width (run units) */
  PetscInt           ncouple_c;
  char               output[PETSC_MAX_PATH_LEN];
  PetscInt           frames, frame_scale, diag_every, dump_every, checkpoint_every;
  PetscReal          diag_times[UPHILL_MAX_LIST]; /* run units; the run lands on each */
  PetscInt           ndiag_times;
  PetscReal          dump_times[UPHILL_MAX_LIST]; /* run units; the run lands on each */
  PetscInt           ndump_times;
  PetscReal          checkpoint_wall; /* minutes */
  UphillFrameSpacing frame_spacing;
  PetscBool          frame_autorange, frame_colorbar;
  UphillFrameField   frame_field;
  char               restart[PETSC_MAX_PATH_LEN];
  char               wisdom[PETSC_MAX_PATH_LEN];
  UphillPlan         fftw_plan;
  PetscBool          explain, quiet, force;
  PetscBool          given[UPHILL_MAX_OPTIONS]; /* per table entry: set by the user */

  /* ---- derived ----
   * Regular model: the solver works in reduced units, length l = sqrt(kappa/RT), time
   * tau = l^2/D*_A, energy RT. Polynomial model: its own units (scales 1). */
  PetscReal RT;       /* J/mol (regular, SI) */
  PetscReal chi_eff;  /* L0/RT (Omega/RT), or -chi */
  PetscReal chi1_eff; /* L1/RT, or -chi1 */
  PetscReal hchi, hchi1; /* the enthalpy parts a0/RT, a1/RT (H_mix), = chi, chi1 in reduced runs */
  PetscReal DA, DB;   /* tracer diffusivities, m^2/s (SI) */
  PetscReal ell, tau; /* length and time units of the solver; 1 when not SI */
  PetscReal L_red[3], dt_red, t_end_red, dt_max_red; /* in the solver's units (dt_red 0: not given) */
  PetscReal r_darken; /* D*_B/D*_A, 1 for a single tracer */
  PetscReal theta;    /* thermal noise strength in the solver's units (0: none) */
} UphillOptions;

PetscErrorCode UphillOptionsSetFromOptions(MPI_Comm comm, UphillOptions *opt);
/* The Redlich-Kister parameters of an SI regular run (-omega, -L0, -L1). */
PetscErrorCode UphillOptionsRK(const UphillOptions *opt, ThermoRK *rk);
/* Was the option (e.g. "-dt") given by the user? */
PetscBool UphillOptionsGiven(const UphillOptions *opt, const char *name);
/* Every option in force, in options-file syntax, with the version (run.opts). Rank 0. */
int UphillOptionsWrite(const UphillOptions *opt, FILE *fp);
/* Before PetscInitialize (plain C, no MPI): non-zero, with one sentence in why, if PETSc would
 * refuse the options file or read it as something else (missing, binary, over-long lines,
 * lines that are not options; nested -options_file followed). */
int UphillOptionsFileCheck(const char *path, char *why, size_t len);
/* The run's name for its time unit ("s", "tau" or "" for the polynomial model). */
const char *UphillOptionsTimeUnit(const UphillOptions *opt);

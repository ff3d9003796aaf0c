#pragma once
/* Every run-time option: names (DESIGN.md section 5), help text, bounds, defaults,
 * and the derived quantities of the solver's internal units. */
#include <petscsys.h>
#include <uphill/compat.h>

typedef enum { UPHILL_MODEL_REGULAR, UPHILL_MODEL_POLYNOMIAL } UphillModel;
typedef enum { UPHILL_UNITS_SI, UPHILL_UNITS_REDUCED } UphillUnits;
typedef enum { UPHILL_IC_RANDOM, UPHILL_IC_PFHUB1A, UPHILL_IC_MODE, UPHILL_IC_FILE } UphillIC;
typedef enum { UPHILL_MOBILITY_SINGLE, UPHILL_MOBILITY_DARKEN } UphillMobility;
typedef enum { UPHILL_FRAMES_LOG, UPHILL_FRAMES_LINEAR } UphillFrameSpacing;
typedef enum { UPHILL_SCHEME_EULER, UPHILL_SCHEME_BDF2 } UphillScheme_t;

extern const char *const UphillModelNames[];
extern const char *const UphillUnitsNames[];
extern const char *const UphillICNames[];
extern const char *const UphillMobilityNames[];
extern const char *const UphillFrameSpacingNames[];
extern const char *const UphillSchemeNames[];

typedef struct {
  /* ---- as given (SI when -units si) ---- */
  UphillModel    model;
  UphillUnits    units;
  UphillMobility mobility_model;
  PetscReal      T, omega, chi; /* K, J/mol, - ; chi only with -units reduced */
  PetscReal      c0, noise;
  PetscInt       seed;
  PetscReal      D0, Q, kappa, Vm;   /* m^2/s, J/mol, J m^2/mol, m^3/mol */
  PetscReal      D0_B, Q_B, D_ratio; /* Darken: tracer of B (SI) or D*_B/D*_A (reduced) */
  PetscReal      rho, c_alpha, c_beta, mobility;
  PetscInt       dim, N;
  PetscReal      L, dt, t_end; /* run units: m and s (si), l and tau (reduced) */
  PetscInt       max_steps;
  PetscBool      adapt;
  UphillScheme_t scheme;
  PetscReal      adapt_tol, dt_max;
  PetscReal      stab_A, stab_S; /* < 0: default (max M, max bulk diffusivity) */
  UphillIC       ic;
  PetscInt       ic_mode;
  PetscReal      ic_amp;
  char           ic_file[PETSC_MAX_PATH_LEN];
  char           output[PETSC_MAX_PATH_LEN];
  PetscInt       frames, frame_scale, diag_every, dump_every, checkpoint_every;
  PetscReal      checkpoint_wall; /* minutes */
  UphillFrameSpacing frame_spacing;
  PetscBool      frame_autorange, frame_colorbar;
  char           restart[PETSC_MAX_PATH_LEN];
  char           wisdom[PETSC_MAX_PATH_LEN];
  PetscInt       fftw_flags; /* FFTW planner rigour */
  PetscBool      explain, quiet, force;

  /* ---- derived by UphillOptionsSetFromOptions ----
   * Regular model: the core works in reduced units, length l = sqrt(kappa/RT),
   * time tau = l^2/D*_A, energy RT. Polynomial model: its own units (scale 1). */
  PetscReal RT;        /* J/mol (regular, SI) */
  PetscReal chi_eff;   /* Omega/RT, or -chi */
  PetscReal DA, DB;    /* tracer diffusivities, m^2/s (SI) */
  PetscReal ell, tau;  /* length and time scales of the core; 1 when not SI */
  PetscReal L_core, dt_core, t_end_core, dt_max_core;
  PetscReal r_darken;  /* D*_B/D*_A, 1 for a single tracer */
} UphillOptions;

PetscErrorCode UphillOptionsSetFromOptions(MPI_Comm comm, UphillOptions *opt);
/* Print every option in force (and the version) in options-file syntax. */
PetscErrorCode UphillOptionsWrite(const UphillOptions *opt, FILE *fp);

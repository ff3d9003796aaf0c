/* -explain: the thermodynamic and stability analysis of the inputs, in words a teacher can
 * read aloud. Every equation lives in thermo.c; this file only chooses what to call and how
 * to say it. */
#include <stdio.h>
#include <uphill/explain.h>
#include <uphill/thermo.h>

/* Grid recommendations.
 * - Points per fastest-growing wavelength: the pseudo-spectral derivatives are exact for every
 *   resolved mode, but the logarithm in f' feeds the growing pattern into its harmonics; 8
 *   points per lambda_m keep the third harmonic (lambda_m/3, 2.7 points) above the Nyquist
 *   limit of 2 points per wavelength.
 * - Points per interface width: a tanh-like profile of width delta has Fourier amplitudes
 *   falling like exp(-pi k delta/4), so the spectrum cut at the Nyquist k = pi/h leaves a
 *   ringing of order exp(-pi^2 delta/(4h)); delta/h >= 3 keeps it below 1e-3 of the
 *   composition jump, small against the c ~ 1e-2 of a dilute phase that must stay in (0, 1).
 * - Wavelengths per box side: the box only holds modes spaced by dk = 2 pi/L = k_m lambda_m/L;
 *   with 8 lambda_m per side a mode lies within k_m/16 of the fastest one (its growth rate
 *   within 2% of R_max), and a 2D box starts with ~64 domains, enough for a structure factor
 *   and a coarsening law before the domains outgrow the box. */
#define EXPLAIN_PTS_PER_LAMBDA 8.0
#define EXPLAIN_PTS_PER_DELTA  3.0
#define EXPLAIN_LAMBDA_PER_BOX 8.0

/* Numbers are formatted with C's %.4g (PETSc's own %g appends a '.' to integral values,
 * which reads badly in prose). The buffers rotate so one print call can use several. */
typedef struct {
  char        buf[24][48];
  PetscInt    next;
  PetscBool   si;  /* regular model with SI units: print SI and reduced values */
  PetscReal   ell; /* m, when si */
  PetscReal   tau; /* s, when si */
  const char *lu;  /* run length unit */
  const char *tu;  /* run time unit */
} Fmt;

static char *NextBuf(Fmt *f)
{
  char *b = f->buf[f->next];
  f->next = (f->next + 1) % 24;
  return b;
}

static const char *Num(Fmt *f, PetscReal x)
{
  char *b = NextBuf(f);
  snprintf(b, sizeof(f->buf[0]), "%.4g", (double)x);
  return b;
}

/* a length given in run units, with its reduced value when the run is in SI */
static const char *Len(Fmt *f, PetscReal x)
{
  char *b = NextBuf(f);
  if (f->si) snprintf(b, sizeof(f->buf[0]), "%.4g m (%.4g l)", (double)x, (double)(x / f->ell));
  else snprintf(b, sizeof(f->buf[0]), "%.4g %s", (double)x, f->lu);
  return b;
}

static const char *Time(Fmt *f, PetscReal x)
{
  char *b = NextBuf(f);
  if (f->si) snprintf(b, sizeof(f->buf[0]), "%.4g s (%.4g tau)", (double)x, (double)(x / f->tau));
  else snprintf(b, sizeof(f->buf[0]), "%.4g %s", (double)x, f->tu);
  return b;
}

/* smallest even n' >= n whose only prime factors are 2, 3, 5, 7: fast FFTW sizes */
static PetscInt FastFFTSize(PetscInt n)
{
  for (PetscInt m = PetscMax(n, 2);; ++m) {
    PetscInt r = m;
    if (m % 2) continue;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) r /= 3;
    while (r % 5 == 0) r /= 5;
    while (r % 7 == 0) r /= 7;
    if (r == 1) return m;
  }
}

/* "n (m is a fast FFT size)" for a needed number of points per side n = ceil(x) */
static const char *NPoints(Fmt *f, PetscReal x)
{
  char *b = NextBuf(f);
  /* beyond any grid one could run, the exact count and FFT size say nothing more */
  if (!(x < 1e8)) snprintf(b, sizeof(f->buf[0]), "%.4g", (double)x);
  else {
    const PetscInt n = (PetscInt)PetscCeilReal(x);
    snprintf(b, sizeof(f->buf[0]), "%" PetscInt_FMT " (%" PetscInt_FMT " is a fast FFT size)", n, FastFFTSize(n));
  }
  return b;
}

typedef enum { STATE_UNSTABLE, STATE_METASTABLE, STATE_STABLE } State;

/* What the analysis found, lengths and times in run units (m and s, l and tau, or model units). */
typedef struct {
  PetscBool gap;               /* a miscibility gap exists */
  PetscReal cb1, cb2;          /* coexisting compositions */
  PetscReal cs1, cs2;          /* spinodal */
  State     state;             /* of the uniform alloy at c0 */
  PetscReal lambda_m, t_grow;  /* fastest wavelength and 1/R_max, when unstable */
  PetscReal delta;             /* interface width, when gap */
  PetscReal t_decay_box;       /* decay time of the box-size mode, when linearly stable */
} Analysis;

static State Classify(PetscReal c0, const Analysis *a)
{
  if (!a->gap) return STATE_STABLE;
  if (c0 > a->cs1 && c0 < a->cs2) return STATE_UNSTABLE;
  if (c0 > a->cb1 && c0 < a->cb2) return STATE_METASTABLE;
  return STATE_STABLE;
}

static PetscErrorCode PrintVerdict(const UphillOptions *opt, PetscViewer v, State s)
{
  PetscFunctionBeginUser;
  switch (s) {
  case STATE_UNSTABLE:
    PetscCall(PetscViewerASCIIPrintf(v, "  UNSTABLE: any small fluctuation grows, diffusion runs uphill (spontaneous spinodal decomposition).\n"));
    break;
  case STATE_METASTABLE:
    PetscCall(PetscViewerASCIIPrintf(v, "  METASTABLE: needs nucleation, small fluctuations decay.\n"));
    PetscCall(PetscViewerASCIIPrintf(v, "    The alloy lies inside the miscibility gap but outside the spinodal: two phases would be\n"));
    PetscCall(PetscViewerASCIIPrintf(v, "    better, but small composition waves raise the free energy and die out.\n"));
    if (opt->thermal_noise) PetscCall(PetscViewerASCIIPrintf(v, "    With -thermal_noise, fluctuations keep exploring until one passes the critical nucleus size:\n    expect particles to appear after a waiting time, at random places (see Thermal noise below).\n"));
    else PetscCall(PetscViewerASCIIPrintf(v, "    Without -thermal_noise a run stays mixed unless its initial condition already holds\n    precipitates; with it, fluctuations can nucleate them.\n"));
    break;
  case STATE_STABLE:
    PetscCall(PetscViewerASCIIPrintf(v, "  STABLE: stays mixed. Any fluctuation decays, diffusion runs downhill as in Fick's law.\n"));
    break;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A rectangular box: resolution is judged on the coarsest spacing, the domain count on the
 * shortest side. */
static void BoxExtent(const UphillOptions *opt, PetscReal *hmax, PetscReal *Lmin, PetscReal *Lmax)
{
  *hmax = 0;
  *Lmin = PETSC_MAX_REAL;
  *Lmax = 0;
  for (PetscInt d = 0; d < opt->dim; d++) {
    *hmax = PetscMax(*hmax, opt->L[d] / (PetscReal)opt->N[d]);
    *Lmin = PetscMin(*Lmin, opt->L[d]);
    *Lmax = PetscMax(*Lmax, opt->L[d]);
  }
}

/* the slowest mode of a box is the longest side's */
static PetscReal LongestSide(const UphillOptions *opt)
{
  PetscReal h, Lmin, Lmax;
  BoxExtent(opt, &h, &Lmin, &Lmax);
  return Lmax;
}

/* The longest wave the box holds: one period (periodic), half of one between no-flux walls */
static PetscReal BoxK(const UphillOptions *opt)
{
  return (opt->bc == UPHILL_BC_NOFLUX ? 1.0 : 2.0) * PETSC_PI / LongestSide(opt);
}

static PetscErrorCode PrintBox(const UphillOptions *opt, PetscViewer v, Fmt *f, PetscReal h)
{
  PetscFunctionBeginUser;
  if (opt->nN == 1 && opt->nL == 1) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Your grid: %" PetscInt_FMT "D, N = %" PetscInt_FMT " points per side, box side L = %s, spacing h = L/N = %s.\n", opt->dim, opt->N[0], Len(f, opt->L[0]), Len(f, h)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  Your grid: %" PetscInt_FMT "D, %" PetscInt_FMT " x %" PetscInt_FMT, opt->dim, opt->N[0], opt->N[1]));
  if (opt->dim == 3) PetscCall(PetscViewerASCIIPrintf(v, " x %" PetscInt_FMT, opt->N[2]));
  PetscCall(PetscViewerASCIIPrintf(v, " points, box %s x %s", Len(f, opt->L[0]), Len(f, opt->L[1])));
  if (opt->dim == 3) PetscCall(PetscViewerASCIIPrintf(v, " x %s", Len(f, opt->L[2])));
  PetscCall(PetscViewerASCIIPrintf(v, ", coarsest spacing h = %s (judged below; L is the shortest side).\n", Len(f, h)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PrintGrid(const UphillOptions *opt, PetscViewer v, Fmt *f, const Analysis *a)
{
  PetscReal       h, Lmin, Lmax;
  const PetscBool use_lam = (PetscBool)(a->state == STATE_UNSTABLE);
  /* interfaces appear when the alloy separates; a metastable run may hold precipitates */
  const PetscBool use_del = (PetscBool)(a->gap && a->state != STATE_STABLE);
  PetscReal       hrec    = PETSC_MAX_REAL;
  PetscBool       fine    = PETSC_TRUE;

  PetscFunctionBeginUser;
  BoxExtent(opt, &h, &Lmin, &Lmax);
  (void)Lmax;
  PetscCall(PetscViewerASCIIPrintf(v, "\nGrid\n"));
  PetscCall(PrintBox(opt, v, f, h));
  if (!use_lam && !use_del) {
    PetscCall(PetscViewerASCIIPrintf(v, "  No pattern or interface will form, so the grid only has to carry your initial fluctuations.\n"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (use_lam) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Points per fastest-growing wavelength lambda_m/h = %s (recommended >= %s).\n", Num(f, a->lambda_m / h), Num(f, EXPLAIN_PTS_PER_LAMBDA)));
    PetscCall(PetscViewerASCIIPrintf(v, "  Wavelengths lambda_m per box side L/lambda_m = %s (recommended >= %s, for enough domains to average over).\n", Num(f, Lmin / a->lambda_m), Num(f, EXPLAIN_LAMBDA_PER_BOX)));
    hrec = PetscMin(hrec, a->lambda_m / EXPLAIN_PTS_PER_LAMBDA);
  }
  if (use_del) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Points per interface width delta/h = %s (recommended >= %s).\n", Num(f, a->delta / h), Num(f, EXPLAIN_PTS_PER_DELTA)));
    hrec = PetscMin(hrec, a->delta / EXPLAIN_PTS_PER_DELTA);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  Recommended: h <= %s; for this box that is N >= %s.\n", Len(f, hrec), NPoints(f, Lmin / hrec)));
  if (use_lam && Lmin / a->lambda_m < EXPLAIN_LAMBDA_PER_BOX) {
    const PetscReal Lrec = EXPLAIN_LAMBDA_PER_BOX * a->lambda_m;
    PetscCall(PetscViewerASCIIPrintf(v, "  WARNING: the box holds only %s fastest-growing wavelengths per side; too few domains for statistics.\n", Num(f, Lmin / a->lambda_m)));
    PetscCall(PetscViewerASCIIPrintf(v, "           Use L >= %s, which at the recommended spacing needs N >= %s.\n", Len(f, Lrec), NPoints(f, Lrec / hrec)));
    fine = PETSC_FALSE;
  }
  if (use_lam && a->lambda_m / h < EXPLAIN_PTS_PER_LAMBDA) {
    PetscCall(PetscViewerASCIIPrintf(v, "  WARNING: the grid under-resolves the fastest-growing wavelength (%s points per lambda_m, need >= %s).\n", Num(f, a->lambda_m / h), Num(f, EXPLAIN_PTS_PER_LAMBDA)));
    fine = PETSC_FALSE;
  }
  if (use_del && a->delta / h < EXPLAIN_PTS_PER_DELTA) {
    PetscCall(PetscViewerASCIIPrintf(v, "  WARNING: the grid under-resolves the interfaces (%s points per interface width, need >= %s);\n", Num(f, a->delta / h), Num(f, EXPLAIN_PTS_PER_DELTA)));
    PetscCall(PetscViewerASCIIPrintf(v, "           expect ringing near interfaces and compositions pushed towards the bounds 0 and 1.\n"));
    fine = PETSC_FALSE;
  }
  if (fine) PetscCall(PetscViewerASCIIPrintf(v, "  The grid resolves the pattern and the interfaces, and the box holds enough of them.\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Thermal noise (DESIGN.md 6.5): its strength, and how far a grid cell's composition wanders
 * in equilibrium, sigma^2 = (theta/dV) <1/(f'' + kappa k^2)> over the grid's modes
 * (Ornstein-Zernike summed; the mean over the Brillouin zone is taken on at most 128^d points).
 * fpp and kappa in the solver's units. */
static PetscErrorCode PrintNoise(const UphillOptions *opt, PetscViewer v, Fmt *f, PetscReal fpp, PetscReal kappa)
{
  const PetscInt  nx = PetscMin(opt->N[0], 128), ny = PetscMin(opt->N[1], 128), nd = opt->dim == 3 ? PetscMin(opt->N[2], 128) : 1;
  const PetscReal hx = opt->L_red[0] / opt->N[0], hy = opt->L_red[1] / opt->N[1], hz = opt->dim == 3 ? opt->L_red[2] / opt->N[2] : 1.0;
  const PetscReal knx = PETSC_PI / hx, kny = PETSC_PI / hy, knz = PETSC_PI / hz, cell = hx * hy * (opt->dim == 3 ? hz : 1.0);
  PetscReal       mean = 0, sigma;

  PetscFunctionBeginUser;
  if (!opt->thermal_noise) PetscFunctionReturn(PETSC_SUCCESS);
  if (opt->theta == 0) {
    PetscCall(PetscViewerASCIIPrintf(v, "\nThermal noise\n  Switched off by -noise_scale 0: the run to compare a noisy one with.\n"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "\nThermal noise\n  theta = %s (%s), a random flux of covariance 2 M theta per cell and step.\n", Num(f, opt->theta),
                                   opt->noise_theta > 0 ? "-noise_theta" : (opt->dim == 2 ? "v_atom/(l^2 thickness)" : "v_atom/l^3")));
  if (fpp <= 0) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Inside the spinodal the noise only seeds the decomposition, which needs no help.\n"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt i = 0; i < nx; i++)
    for (PetscInt j = 0; j < ny; j++)
      for (PetscInt l = 0; l < nd; l++) {
        const PetscReal kx = knx * (2.0 * (i + 0.5) / nx - 1.0), ky = kny * (2.0 * (j + 0.5) / ny - 1.0), kz = opt->dim == 3 ? knz * (2.0 * (l + 0.5) / nd - 1.0) : 0.0;
        mean += 1.0 / (fpp + kappa * (kx * kx + ky * ky + kz * kz));
      }
  mean /= (PetscReal)nx * ny * nd;
  sigma = PetscSqrtReal(opt->theta / cell * mean);
  PetscCall(PetscViewerASCIIPrintf(v, "  In equilibrium a grid cell's composition fluctuates about c0 by +-%s (one standard deviation).\n", Num(f, sigma)));
  if (opt->model == UPHILL_MODEL_REGULAR && (opt->c0 - 4 * sigma <= 0 || opt->c0 + 4 * sigma >= 1))
    PetscCall(PetscViewerASCIIPrintf(v, "  WARNING: 4 standard deviations reach the bounds 0 or 1: expect a run to stop with c leaving (0,1).\n"
                                        "           Lower -noise_theta or -noise_scale (the variance per cell also grows as the cells shrink).\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Early-stage pattern, printed for both models once the analysis is done. */
static PetscErrorCode PrintStability(const UphillOptions *opt, PetscViewer v, Fmt *f, const Analysis *a, PetscReal M0, const char *Munit)
{
  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(v, "\nEarly stage (linear stability of the uniform alloy, mobility M0 = M(c0) = %s %s)\n", Num(f, M0), Munit));
  if (a->state == STATE_UNSTABLE) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Fastest-growing wavelength lambda_m = %s: the first pattern has this spacing.\n", Len(f, a->lambda_m)));
    PetscCall(PetscViewerASCIIPrintf(v, "  Its amplitude grows by a factor e every 1/R_max = %s.\n", Time(f, a->t_grow)));
    PetscCall(PetscViewerASCIIPrintf(v, "  Your run lasts t_end = %s, that is %s growth times.\n", Time(f, opt->t_end), Num(f, opt->t_end / a->t_grow)));
  } else {
    PetscCall(PetscViewerASCIIPrintf(v, "  No wavelength grows. The slowest fluctuation, %s across the box, fades by a factor e in %s.\n", opt->bc == UPHILL_BC_NOFLUX ? "half a wave (no-flux walls)" : "one wave", Time(f, a->t_decay_box)));
  }
  if (a->gap && a->state != STATE_STABLE) {
    PetscCall(PetscViewerASCIIPrintf(v, "\nInterfaces\n"));
    PetscCall(PetscViewerASCIIPrintf(v, "  Width of an equilibrium interface between the two phases: delta = %s\n", Len(f, a->delta)));
    PetscCall(PetscViewerASCIIPrintf(v, "  (composition jump divided by the steepest slope, from the free energy above the common tangent).\n"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The model, chi, the critical point, binodal and spinodal (fills a->cb1/cb2/gap and
 * a->cs1/cs2) of the Redlich-Kister solution (the regular one when L1 = 0). Energies in
 * "computation units" (J/mol, or RT with T = 1/R, L0 = chi, L1 = chi1 in reduced runs). */
static PetscErrorCode PrintGap(const UphillOptions *opt, PetscViewer v, Fmt *f, const ThermoRK *rk, PetscReal T, PetscReal RT, Analysis *pa)
{
  const PetscBool si = (PetscBool)(opt->units == UPHILL_UNITS_SI), asym = (PetscBool)(rk->a1 != 0 || rk->b1 != 0);
  const PetscReal chi = ThermoRKL0(rk, T) / RT, chi1 = ThermoRKL1(rk, T) / RT;
  Analysis        a   = *pa;
  PetscReal       Tc, cc;
  PetscBool       ex, crit;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(v, "Model: %s solution. Free energy of mixing per mole, with c the mole fraction of B:\n", asym ? "sub-regular (Redlich-Kister)" : "regular"));
  if (asym) PetscCall(PetscViewerASCIIPrintf(v, "  f(c) = c(1-c) [L0 + L1 (1-2c)] + RT [c ln c + (1-c) ln(1-c)]   (excess minus T times the ideal mixing entropy)\n"));
  else PetscCall(PetscViewerASCIIPrintf(v, "  f(c) = Omega c(1-c) + RT [c ln c + (1-c) ln(1-c)]   (mixing enthalpy minus T times mixing entropy)\n"));
  if (si && asym) {
    PetscCall(PetscViewerASCIIPrintf(v, "  L0 = %s %+g T = %s J/mol, L1 = %s %+g T = %s J/mol at T = %s K, RT = %s J/mol.\n", Num(f, rk->a0), (double)rk->b0, Num(f, ThermoRKL0(rk, T)), Num(f, rk->a1), (double)rk->b1, Num(f, ThermoRKL1(rk, T)), Num(f, opt->T), Num(f, RT)));
  } else if (si) {
    PetscCall(PetscViewerASCIIPrintf(v, "  Omega = %s J/mol, T = %s K, RT = %s J/mol.\n", Num(f, ThermoRKL0(rk, T)), Num(f, opt->T), Num(f, RT)));
  } else {
    PetscCall(PetscViewerASCIIPrintf(v, "  Reduced units: energies in RT, lengths in l = sqrt(kappa/RT), times in tau = l^2/D*_A.\n"));
  }

  PetscCall(PetscViewerASCIIPrintf(v, "\nThermodynamics\n"));
  if (asym) PetscCall(PetscViewerASCIIPrintf(v, "  chi = L0/RT = %s, chi1 = L1/RT = %s.\n", Num(f, chi), Num(f, chi1)));
  else PetscCall(PetscViewerASCIIPrintf(v, "  chi = Omega/RT = %s. A miscibility gap opens when chi > 2.\n", Num(f, chi)));
  /* the critical point: the top of the spinodal T_s(c) */
  PetscCall(ThermoRKCritical(rk, &Tc, &cc, &crit));
  if (crit && si && !asym && rk->b0 == 0) PetscCall(PetscViewerASCIIPrintf(v, "  Critical temperature Tc = Omega/2R = %s K; you are at T/Tc = %s.\n", Num(f, Tc), Num(f, T / Tc)));
  else if (crit && si) PetscCall(PetscViewerASCIIPrintf(v, "  Critical point Tc = %s K at c = %s (the top of the miscibility gap); you are at T/Tc = %s.\n", Num(f, Tc), Num(f, cc), Num(f, T / Tc)));
  else if (crit && !asym) PetscCall(PetscViewerASCIIPrintf(v, "  Temperature relative to the critical temperature: T/Tc = 2/chi = %s.\n", Num(f, T / Tc)));
  else if (crit) PetscCall(PetscViewerASCIIPrintf(v, "  Temperature relative to the critical temperature: T/Tc = %s (critical composition c = %s).\n", Num(f, T / Tc), Num(f, cc)));
  PetscCall(ThermoRKBinodal(rk, T, &a.cb1, &a.cb2, &a.gap));
  PetscCall(ThermoRKSpinodal(rk, T, &a.cs1, &a.cs2, &ex));
  if (!crit) {
    PetscCall(PetscViewerASCIIPrintf(v, "  The excess energy never outweighs the mixing entropy: A and B mix at every temperature.\n"));
    PetscCall(PetscViewerASCIIPrintf(v, "  There is no miscibility gap.\n"));
  } else if (!a.gap) {
    PetscCall(PetscViewerASCIIPrintf(v, "  T >= Tc: the mixing entropy wins at every composition. There is no miscibility gap.\n"));
  } else {
    PetscCall(PetscViewerASCIIPrintf(v, "  Binodal (edges of the miscibility gap): c = %s and %s.\n", Num(f, a.cb1), Num(f, a.cb2)));
    PetscCall(PetscViewerASCIIPrintf(v, "    Between them the alloy is better off as two phases of exactly these compositions.\n"));
    PetscCall(PetscViewerASCIIPrintf(v, "  Spinodal: c = %s and %s.\n", Num(f, a.cs1), Num(f, a.cs2)));
    PetscCall(PetscViewerASCIIPrintf(v, "    Between them the free-energy curve bends downwards (f'' < 0), so even tiny fluctuations lower it.\n"));
  }
  *pa = a;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Coherency strain: the elastic cost of a composition wave, the coherent spinodal and
 * critical point (f'' + B_min Vm = 0: the chemical ones with L0 lowered by B_min Vm/2), and
 * whether coherency suppresses spinodal decomposition at c0. Returns B_min Vm (J/mol). */
static PetscErrorCode PrintCoherency(const UphillOptions *opt, PetscViewer v, Fmt *f, const ThermoRK *rk, PetscReal *BVm)
{
  const ThermoElastic e = {opt->misfit, opt->C11, opt->C12, opt->C44};
  const PetscReal     T = opt->T, c0 = opt->c0, xi = e.C11 - e.C12 - 2 * e.C44;
  PetscReal           Bmin, Bmax, n[3], s1, s2, Tc, cc, Tsc;
  PetscBool           sp, crit;
  ThermoRK            coh = *rk;

  PetscFunctionBeginUser;
  PetscCall(ThermoElasticRange(&e, &Bmin, &Bmax, n));
  *BVm = Bmin * opt->Vm;
  coh.a0 -= 0.5 * *BVm;
  PetscCall(PetscViewerASCIIPrintf(v, "\nCoherency strain (misfit eta = %s, C11/C12/C44 = %s/%s/%s GPa)\n", Num(f, e.eta), Num(f, 1e-9 * e.C11), Num(f, 1e-9 * e.C12), Num(f, 1e-9 * e.C44)));
  PetscCall(PetscViewerASCIIPrintf(v, "  A coherent composition wave along n costs B(n) |c_k|^2 V/2: B = %s J/m^3 (%s J/mol, %s RT) along the soft direction %s,\n", Num(f, Bmin), Num(f, Bmin * opt->Vm), Num(f, Bmin * opt->Vm / opt->RT),
                                   xi < 0 ? "<100>" : (xi > 0 ? "<111>" : "(any: isotropic)")));
  PetscCall(PetscViewerASCIIPrintf(v, "  %s J/mol along the hard one. %s\n", Num(f, Bmax * opt->Vm), xi != 0 ? "Particles and plates align with the soft directions." : "Elastically isotropic: no preferred direction."));
  PetscCall(ThermoRKSpinodal(&coh, T, &s1, &s2, &sp));
  PetscCall(ThermoRKCritical(&coh, &Tc, &cc, &crit));
  Tsc = ThermoRKSpinodalT(&coh, c0);
  if (crit) PetscCall(PetscViewerASCIIPrintf(v, "  Coherent critical temperature %s K (chemical: see above).\n", Num(f, Tc)));
  else PetscCall(PetscViewerASCIIPrintf(v, "  The elastic cost exceeds the chemical driving force at every temperature: no coherent spinodal.\n"));
  if (sp) PetscCall(PetscViewerASCIIPrintf(v, "  Coherent spinodal at T: c = %s and %s.\n", Num(f, s1), Num(f, s2)));
  else if (crit) PetscCall(PetscViewerASCIIPrintf(v, "  No coherent spinodal at this temperature.\n"));
  if (sp && s1 < c0 && c0 < s2) PetscCall(PetscViewerASCIIPrintf(v, "  c0 is inside the coherent spinodal: coherent spinodal decomposition.\n"));
  else if (ThermoRKD2F(rk, c0, T) < 0)
    PetscCall(PetscViewerASCIIPrintf(v, "  Coherency strain SUPPRESSES spinodal decomposition here: c0 is inside the chemical spinodal but not the coherent one;\n  it decomposes spinodally only below %s K, else by nucleation of (semi-)coherent particles.\n", Tsc > 0 ? Num(f, Tsc) : "0"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tracer diffusivity at c0 (Darken's mixture of D*_A and D*_B, or one D*) and the
 * chemical one, D* Phi, whose sign says uphill or downhill. */
static PetscErrorCode PrintDiffusivity(const UphillOptions *opt, PetscViewer v, Fmt *f, PetscReal DA, PetscReal DB, PetscReal Dstar, PetscReal phi)
{
  const PetscBool si = (PetscBool)(opt->units == UPHILL_UNITS_SI);
  const PetscBool dk = (PetscBool)(opt->mobility_model == UPHILL_MOBILITY_DARKEN);

  PetscFunctionBeginUser;
  if (si) {
    if (dk) {
      PetscCall(PetscViewerASCIIPrintf(v, "  Tracer diffusivities D*_A = %s m^2/s, D*_B = %s m^2/s (ratio %s);\n", Num(f, DA), Num(f, DB), Num(f, opt->r_darken)));
      PetscCall(PetscViewerASCIIPrintf(v, "  Darken's D* at c0 = (1-c0) D*_A + c0 D*_B = %s m^2/s.\n", Num(f, Dstar)));
    } else {
      PetscCall(PetscViewerASCIIPrintf(v, "  Tracer diffusivity D* = D0 exp(-Q/RT) = %s m^2/s (D0 = %s m^2/s, Q = %s J/mol).\n", Num(f, Dstar), Num(f, opt->D0), Num(f, opt->Q)));
    }
    PetscCall(PetscViewerASCIIPrintf(v, "  Chemical diffusivity D_chem = D* Phi = %s m^2/s", Num(f, Dstar * phi)));
  } else {
    if (dk) PetscCall(PetscViewerASCIIPrintf(v, "  Darken: D*_B/D*_A = %s; at c0, D* = (1-c0) + c0 D*_B/D*_A = %s D*_A.\n", Num(f, opt->r_darken), Num(f, Dstar)));
    PetscCall(PetscViewerASCIIPrintf(v, "  Chemical diffusivity D_chem = D* Phi = %s D*_A", Num(f, Dstar * phi)));
  }
  if (phi < 0.0) PetscCall(PetscViewerASCIIPrintf(v, ": negative: uphill diffusion, atoms flow towards higher concentration.\n"));
  else PetscCall(PetscViewerASCIIPrintf(v, ": positive: ordinary downhill diffusion.\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ExplainRegular(const UphillOptions *opt, PetscViewer v, Fmt *f)
{
  const PetscReal c0  = opt->c0;
  const PetscBool si  = (PetscBool)(opt->units == UPHILL_UNITS_SI);
  const PetscBool dk  = (PetscBool)(opt->mobility_model == UPHILL_MOBILITY_DARKEN);
  const PetscReal chi = opt->chi_eff;
  /* The formulas of thermo.c hold in reduced units too: energies in RT (T = 1/R, L0 = chi,
   * L1 = chi1), diffusivities in D*_A, kappa = 1. So one path computes both, in
   * "computation units". */
  ThermoRK        rk;
  const PetscReal T     = si ? opt->T : 1.0 / UPHILL_R;
  const PetscReal RT    = si ? opt->RT : 1.0;
  const PetscReal DA    = si ? opt->DA : 1.0;
  const PetscReal DB    = si ? opt->DB : opt->r_darken;
  const PetscReal kappa = si ? opt->kappa : 1.0;
  PetscReal       Dstar, M0, phi, fpp, km, Rmax, delta_l, BVm = 0.0;
  PetscBool       ex, unstable;
  Analysis        a;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&a, sizeof(a)));
  if (si) PetscCall(UphillOptionsRK(opt, &rk));
  else rk = (ThermoRK){chi, 0.0, opt->chi1_eff, 0.0};
  PetscCall(PrintGap(opt, v, f, &rk, T, RT, &a));
  phi   = ThermoRKPhi(&rk, c0, T);
  fpp   = ThermoRKD2F(&rk, c0, T);
  Dstar = dk ? ThermoDarkenDstar(c0, DA, DB) : DA;
  M0    = dk ? ThermoMobilityDarken(c0, DA, DB, T) : ThermoMobility(c0, DA, T);
  /* coherency strain adds B_min Vm to f'' for the softest wave: inside the chemical spinodal
   * the alloy may still be coherently metastable */
  if (si && opt->elastic == UPHILL_ELASTIC_CUBIC) PetscCall(PrintCoherency(opt, v, f, &rk, &BVm));
  a.state = Classify(c0, &a);
  if (a.state == STATE_UNSTABLE && fpp + BVm >= 0) a.state = STATE_METASTABLE;

  PetscCall(PetscViewerASCIIPrintf(v, "\nYour alloy: c0 = %s\n", Num(f, c0)));
  PetscCall(PrintVerdict(opt, v, a.state));
  if (BVm > 0 && fpp < 0 && fpp + BVm >= 0)
    PetscCall(PetscViewerASCIIPrintf(v, "    Here c0 is inside the chemical spinodal, but coherency strain lifts f'' + B Vm above 0 for\n    every wave: coherent spinodal decomposition is suppressed.\n"));
  if (rk.a1 == 0 && rk.b1 == 0) PetscCall(PetscViewerASCIIPrintf(v, "  Thermodynamic factor Phi(c0) = 1 - 2 chi c0(1-c0) = %s.\n", Num(f, phi)));
  else PetscCall(PetscViewerASCIIPrintf(v, "  Thermodynamic factor Phi(c0) = c0(1-c0) f''(c0)/RT = %s.\n", Num(f, phi)));
  if (si) PetscCall(PetscViewerASCIIPrintf(v, "  Curvature of the free energy f''(c0) = %s J/mol (%s RT).\n", Num(f, fpp), Num(f, fpp / RT)));
  else PetscCall(PetscViewerASCIIPrintf(v, "  Curvature of the free energy f''(c0) = %s RT.\n", Num(f, fpp)));
  if (si && ThermoRKSpinodalT(&rk, c0) > 0.0) {
    PetscCall(PetscViewerASCIIPrintf(v, "  This composition is unstable below its spinodal temperature T_s = %s K (where f''(c0) = 0).\n", Num(f, ThermoRKSpinodalT(&rk, c0))));
  }
  PetscCall(PrintDiffusivity(opt, v, f, DA, DB, Dstar, phi));

  fpp += BVm;
  /* linear stability in computation units, then into run units (m, s or l, tau) */
  {
    PetscReal lam, kbox;
    PetscCall(ThermoFastestMode(M0, fpp, kappa, &km, &lam, &Rmax, &unstable));
    a.lambda_m = lam;
    a.t_grow   = unstable ? 1.0 / Rmax : 0.0;
    /* the box length in computation units: m for SI, l for reduced (same as run units) */
    kbox          = BoxK(opt);
    a.t_decay_box = unstable ? 0.0 : -1.0 / ThermoGrowthRate(kbox, M0, fpp, kappa);
  }
  if (a.gap) {
    PetscCall(ThermoInterfaceWidthRK(&rk, T, &delta_l, &ex));
    a.delta = si ? delta_l * opt->ell : delta_l;
  }
  if (si) {
    PetscCall(PetscViewerASCIIPrintf(v, "\nReduced units of the solver: l = sqrt(kappa/RT) = %s m, tau = l^2/D*_A = %s s (kappa = %s J m^2/mol).\n", Num(f, opt->ell), Num(f, opt->tau), Num(f, opt->kappa)));
  }
  PetscCall(PrintStability(opt, v, f, &a, M0, si ? "m^2 mol/(J s)" : "l^2/(RT tau)"));
  PetscCall(PrintGrid(opt, v, f, &a));
  PetscCall(PrintNoise(opt, v, f, fpp / opt->RT, 1.0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ExplainPolynomial(const UphillOptions *opt, PetscViewer v, Fmt *f)
{
  const PetscReal c0 = opt->c0, rho = opt->rho, ca = opt->c_alpha, cb = opt->c_beta, M = opt->mobility, kappa = opt->kappa;
  PetscReal       fpp, km, Rmax, lam;
  PetscBool       unstable;
  Analysis        a;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&a, sizeof(a)));
  PetscCall(PetscViewerASCIIPrintf(v, "Model: polynomial double well f(c) = rho (c - c_alpha)^2 (c_beta - c)^2, constant mobility M.\n"));
  PetscCall(PetscViewerASCIIPrintf(v, "  rho = %s, c_alpha = %s, c_beta = %s, M = %s, kappa = %s, all in the model's own units.\n", Num(f, rho), Num(f, ca), Num(f, cb), Num(f, M), Num(f, kappa)));
  PetscCall(PetscViewerASCIIPrintf(v, "  The model has no temperature: its phase diagram is fixed by c_alpha and c_beta.\n"));

  PetscCall(PetscViewerASCIIPrintf(v, "\nThermodynamics\n"));
  a.gap = PETSC_TRUE;
  a.cb1 = ca;
  a.cb2 = cb;
  PetscCall(ThermoPolySpinodal(ca, cb, &a.cs1, &a.cs2));
  PetscCall(PetscViewerASCIIPrintf(v, "  Miscibility gap: c = %s to %s (the two wells, which share the tangent f = 0).\n", Num(f, a.cb1), Num(f, a.cb2)));
  PetscCall(PetscViewerASCIIPrintf(v, "  Spinodal: c = %s to %s; between them f'' < 0.\n", Num(f, a.cs1), Num(f, a.cs2)));

  fpp     = ThermoPolyD2F(c0, rho, ca, cb);
  a.state = Classify(c0, &a);
  PetscCall(PetscViewerASCIIPrintf(v, "\nYour alloy: c0 = %s\n", Num(f, c0)));
  PetscCall(PrintVerdict(opt, v, a.state));
  PetscCall(PetscViewerASCIIPrintf(v, "  Curvature of the free energy f''(c0) = %s.\n", Num(f, fpp)));
  PetscCall(PetscViewerASCIIPrintf(v, "  Effective diffusivity D_eff = M f''(c0) = %s", Num(f, M * fpp)));
  if (fpp < 0.0) PetscCall(PetscViewerASCIIPrintf(v, ": negative: uphill diffusion, material flows towards higher concentration.\n"));
  else PetscCall(PetscViewerASCIIPrintf(v, ": positive: ordinary downhill diffusion.\n"));

  PetscCall(ThermoFastestMode(M, fpp, kappa, &km, &lam, &Rmax, &unstable));
  a.lambda_m    = lam;
  a.t_grow      = unstable ? 1.0 / Rmax : 0.0;
  a.t_decay_box = unstable ? 0.0 : -1.0 / ThermoGrowthRate(BoxK(opt), M, fpp, kappa);
  PetscCall(ThermoInterfaceWidthPoly(rho, ca, cb, kappa, &a.delta));
  PetscCall(PrintStability(opt, v, f, &a, M, "(model units)"));
  PetscCall(PrintGrid(opt, v, f, &a));
  PetscCall(PrintNoise(opt, v, f, fpp, kappa));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillExplain(const UphillOptions *opt, PetscViewer viewer)
{
  PetscBool isascii;
  Fmt       f;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  PetscCheck(isascii, PetscObjectComm((PetscObject)viewer), PETSC_ERR_SUP, "-explain prints text: it needs an ASCII viewer");
  PetscCheck(opt->N[0] > 0 && opt->L[0] > 0.0, PetscObjectComm((PetscObject)viewer), PETSC_ERR_ARG_OUTOFRANGE, "-explain needs a grid: N = %" PetscInt_FMT " and L = %g must be positive", opt->N[0], (double)opt->L[0]);
  PetscCall(PetscMemzero(&f, sizeof(f)));
  f.si  = (PetscBool)(opt->model == UPHILL_MODEL_REGULAR && opt->units == UPHILL_UNITS_SI);
  f.ell = opt->ell;
  f.tau = opt->tau;
  f.lu  = opt->model == UPHILL_MODEL_REGULAR ? "l" : "(model length units)";
  f.tu  = opt->model == UPHILL_MODEL_REGULAR ? "tau" : "(model time units)";
  if (f.si) PetscCheck(f.ell > 0.0 && f.tau > 0.0, PetscObjectComm((PetscObject)viewer), PETSC_ERR_ARG_WRONGSTATE, "-explain needs the derived length and time scales l, tau (call UphillOptionsSetFromOptions first)");

  PetscCall(PetscViewerASCIIPrintf(viewer, "What these inputs mean (uphill -explain)\n"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "========================================\n"));
  if (opt->model == UPHILL_MODEL_REGULAR) PetscCall(ExplainRegular(opt, viewer, &f));
  else PetscCall(ExplainPolynomial(opt, viewer, &f));
  PetscFunctionReturn(PETSC_SUCCESS);
}

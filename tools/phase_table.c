/* Binodal and spinodal of the regular or Redlich-Kister solution as CSV, for
 * tools/phase-diagram. The curves come from thermo.c so that the plot and the solver can
 * never disagree about the phase diagram. Output: a comment line
 * "# Tc,<K>,cc,<c>,L0,<a>,<b>,L1,<a>,<b>,Tc_coherent,<K>", then the header
 * "T,binodal_lo,binodal_hi,spinodal_lo,spinodal_hi,coherent_lo,coherent_hi" and one row per
 * temperature below Tc (or, with -at T, the one row at that temperature; no row if T >= Tc).
 * The coherent spinodal (f'' + B_min Vm = 0, with -misfit and the elastic constants) is NaN
 * where there is none (always, without -misfit). */
#include <uphill/thermo.h>

static const char help[] = "Print the binodal and spinodal of the regular (or Redlich-Kister) solution as CSV.\n"
                           "  -omega <J/mol>     regular-solution interaction parameter Omega (default 30000)\n"
                           "  -L0 a,b, -L1 a,b   Redlich-Kister L_j = a + b T (J/mol, J/(mol K)) instead of -omega\n"
                           "  -n <rows>          number of temperatures (default 400)\n"
                           "  -tmin <T/Tc>       lowest temperature as a fraction of Tc (default 0.05)\n"
                           "  -at <K>            only the row at this temperature\n"
                           "  -misfit eta -C11 -C12 -C44 <Pa> -Vm <m^3/mol>   coherency strain: adds the coherent spinodal\n";

static PetscErrorCode PrintRow(const ThermoRK *rk, const ThermoRK *coh, PetscReal T)
{
  PetscReal b1, b2, s1, s2, q1 = NAN, q2 = NAN;
  PetscBool bex, sex, qex;

  PetscFunctionBeginUser;
  PetscCall(ThermoRKBinodal(rk, T, &b1, &b2, &bex));
  PetscCall(ThermoRKSpinodal(rk, T, &s1, &s2, &sex));
  if (coh) {
    PetscCall(ThermoRKSpinodal(coh, T, &q1, &q2, &qex));
    if (!qex) q1 = q2 = NAN;
  }
  /* at or above Tc there is no gap, so no row */
  if (bex && sex) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", (double)T, (double)b1, (double)b2, (double)s1, (double)s2, (double)q1, (double)q2));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscReal omega = 30000.0, tmin = 0.05, at = -1, Tc, cc, L0[2] = {0, 0}, L1[2] = {0, 0}, Tq = NAN, cq;
  PetscReal eta = 0, C11 = 168.4e9, C12 = 121.4e9, C44 = 75.4e9, Vm = 8.5e-6;
  PetscBool elastic = PETSC_FALSE, qgap;
  ThermoRK  coh;
  PetscInt  n = 400, n0 = 2, n1 = 2;
  PetscBool one = PETSC_FALSE, set0 = PETSC_FALSE, set1 = PETSC_FALSE, gap;
  ThermoRK  rk;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Phase-diagram table", NULL);
  PetscCall(PetscOptionsReal("-omega", "interaction parameter Omega (J/mol)", NULL, omega, &omega, NULL));
  PetscCall(PetscOptionsRealArray("-L0", "Redlich-Kister L0 = a + b T as a,b", NULL, L0, &n0, &set0));
  PetscCall(PetscOptionsRealArray("-L1", "Redlich-Kister L1 = a + b T as a,b", NULL, L1, &n1, &set1));
  PetscCall(PetscOptionsInt("-n", "number of temperatures", NULL, n, &n, NULL));
  PetscCall(PetscOptionsReal("-tmin", "lowest temperature as a fraction of Tc", NULL, tmin, &tmin, NULL));
  PetscCall(PetscOptionsReal("-at", "only the row at this temperature (K)", NULL, at, &at, &one));
  PetscCall(PetscOptionsReal("-misfit", "coherency strain: misfit eta", NULL, eta, &eta, &elastic));
  PetscCall(PetscOptionsReal("-C11", "elastic constant C11 (Pa)", NULL, C11, &C11, NULL));
  PetscCall(PetscOptionsReal("-C12", "elastic constant C12 (Pa)", NULL, C12, &C12, NULL));
  PetscCall(PetscOptionsReal("-C44", "elastic constant C44 (Pa)", NULL, C44, &C44, NULL));
  PetscCall(PetscOptionsReal("-Vm", "molar volume (m^3/mol)", NULL, Vm, &Vm, NULL));
  PetscOptionsEnd();
  rk = (ThermoRK){set0 ? L0[0] : omega, set0 && n0 > 1 ? L0[1] : 0.0, set1 ? L1[0] : 0.0, set1 && n1 > 1 ? L1[1] : 0.0};
  PetscCheck(n >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 2, got %" PetscInt_FMT, n);
  PetscCheck(tmin > 0 && tmin < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tmin must lie in (0, 1), got %g", (double)tmin);
  PetscCheck(!one || at > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-at must be a positive temperature in K, got %g", (double)at);
  PetscCall(ThermoRKCritical(&rk, &Tc, &cc, &gap));
  PetscCheck(gap, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "these parameters give no miscibility gap at any temperature (a gap needs a positive excess energy)");
  if (elastic) {
    /* f'' + B_min Vm = 0: the chemical spinodal with L0 lowered by B_min Vm / 2 */
    const ThermoElastic e = {eta, C11, C12, C44};
    PetscReal           Bmin, Bmax;
    PetscCall(ThermoElasticRange(&e, &Bmin, &Bmax, NULL));
    coh = rk;
    coh.a0 -= 0.5 * Bmin * Vm;
    PetscCall(ThermoRKCritical(&coh, &Tq, &cq, &qgap));
    if (!qgap) Tq = 0;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# Tc,%.10g,cc,%.10g,L0,%.10g,%.10g,L1,%.10g,%.10g,Tc_coherent,%.10g\n", (double)Tc, (double)cc, (double)rk.a0, (double)rk.b0, (double)rk.a1, (double)rk.b1, (double)Tq));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "T,binodal_lo,binodal_hi,spinodal_lo,spinodal_hi,coherent_lo,coherent_hi\n"));
  if (one) PetscCall(PrintRow(&rk, elastic ? &coh : NULL, at));
  else {
    for (PetscInt i = 0; i < n; i++) {
      /* Quadratic spacing in (Tc - T) crowds rows near Tc, where both curves turn over
       * sharply, so the plotted dome closes smoothly. */
      const PetscReal u = 1.0 - (PetscReal)i / n;
      PetscCall(PrintRow(&rk, elastic ? &coh : NULL, Tc * (1.0 - (1.0 - tmin) * u * u)));
    }
  }
  PetscCall(PetscFinalize());
  return 0;
}

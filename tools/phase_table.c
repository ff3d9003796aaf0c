/* Binodal and spinodal of the regular solution as CSV, for tools/phase-diagram.
 *
 * The curves come from thermo.c so that the plot and the solver can never disagree about
 * the phase diagram. Output: a comment line "# Tc,<K>,omega,<J/mol>", then the header
 * "T,binodal_lo,binodal_hi,spinodal_lo,spinodal_hi" and one row per temperature below Tc
 * (or, with -at T, the one row at that temperature; no row if T >= Tc). */
#include <uphill/thermo.h>


static const char help[] = "Print the binodal and spinodal of the regular-solution model as CSV.\n"
                           "  -omega <J/mol>   interaction parameter Omega (default 30000)\n"
                           "  -n <rows>        number of temperatures (default 400)\n"
                           "  -tmin <T/Tc>     lowest temperature as a fraction of Tc (default 0.05)\n"
                           "  -at <K>          only the row at this temperature\n";

static PetscErrorCode PrintRow(PetscReal omega, PetscReal T)
{
  PetscReal b1, b2, s1, s2;
  PetscBool bex, sex;

  PetscFunctionBeginUser;
  PetscCall(ThermoBinodal(omega, T, &b1, &b2, &bex));
  PetscCall(ThermoSpinodal(omega, T, &s1, &s2, &sex));
  /* at or above Tc there is no gap, so no row */
  if (bex && sex) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%.10g,%.10g,%.10g,%.10g,%.10g\n", (double)T, (double)b1, (double)b2, (double)s1, (double)s2));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscReal omega = 30000.0, tmin = 0.05, at = -1, Tc;
  PetscInt  n     = 400;
  PetscBool one   = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Phase-diagram table", NULL);
  PetscCall(PetscOptionsReal("-omega", "interaction parameter Omega (J/mol)", NULL, omega, &omega, NULL));
  PetscCall(PetscOptionsInt("-n", "number of temperatures", NULL, n, &n, NULL));
  PetscCall(PetscOptionsReal("-tmin", "lowest temperature as a fraction of Tc", NULL, tmin, &tmin, NULL));
  PetscCall(PetscOptionsReal("-at", "only the row at this temperature (K)", NULL, at, &at, &one));
  PetscOptionsEnd();
  PetscCheck(omega > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-omega must be positive (a miscibility gap needs Omega > 0), got %g", (double)omega);
  PetscCheck(n >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-n must be at least 2, got %" PetscInt_FMT, n);
  PetscCheck(tmin > 0 && tmin < 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-tmin must lie in (0, 1), got %g", (double)tmin);
  PetscCheck(!one || at > 0, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-at must be a positive temperature in K, got %g", (double)at);

  Tc = ThermoCriticalT(omega);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# Tc,%.10g,omega,%.10g\n", (double)Tc, (double)omega));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "T,binodal_lo,binodal_hi,spinodal_lo,spinodal_hi\n"));
  if (one) PetscCall(PrintRow(omega, at));
  else {
    for (PetscInt i = 0; i < n; i++) {
      /* Quadratic spacing in (Tc - T) crowds rows near Tc, where both curves turn over
       * sharply, so the plotted dome closes smoothly. */
      const PetscReal u = 1.0 - (PetscReal)i / n;

      PetscCall(PrintRow(omega, Tc * (1.0 - (1.0 - tmin) * u * u)));
    }
  }
  PetscCall(PetscFinalize());
  return 0;
}

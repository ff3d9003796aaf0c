#pragma once
/* The one pass/fail bookkeeping of the C tests: every check is printed (once, by rank 0 of
 * t->comm: MPI tests evaluate checks on values every rank agrees on, after reductions) and
 * counted; a test ends with "N passed, M failed" and a non-zero exit on any failure. */
#include <stdarg.h>
#include <stdio.h>
#include <petscsys.h>
#include <uphill/compat.h>

typedef struct {
  MPI_Comm comm;
  PetscInt passed, failed;
} Tally;

/* |got - want| <= tol (NaN fails). */
static inline PetscErrorCode TallyCheck(Tally *t, const char *what, PetscReal got, PetscReal want, PetscReal tol)
{
  const PetscReal err = PetscAbsReal(got - want);
  const PetscBool ok  = (err <= tol) ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  if (ok) t->passed++;
  else t->failed++;
  PetscCall(PetscPrintf(t->comm, "%s  %s: got %.15g, want %.15g, |err| %.3g <= %.3g\n", ok ? "PASS" : "FAIL", what, (double)got, (double)want, (double)err, (double)tol));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A measured error (>= 0) against its bound (NaN fails). */
static inline PetscErrorCode TallyBound(Tally *t, const char *what, PetscReal err, PetscReal tol)
{
  const PetscBool ok = (err <= tol) ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  if (ok) t->passed++;
  else t->failed++;
  PetscCall(PetscPrintf(t->comm, "%s  %s: %.3e <= %.1e\n", ok ? "PASS" : "FAIL", what, (double)err, (double)tol));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscErrorCode TallyTrue(Tally *t, const char *what, PetscBool cond)
{
  PetscFunctionBeginUser;
  if (cond) t->passed++;
  else t->failed++;
  PetscCall(PetscPrintf(t->comm, "%s  %s\n", cond ? "PASS" : "FAIL", what));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A condition with a printf-style description (for checks whose text carries values). */
static inline void TallyCheckf(Tally *t, PetscBool ok, const char *fmt, ...)
{
  char    text[1024];
  va_list ap;

  va_start(ap, fmt);
  (void)vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (ok) t->passed++;
  else t->failed++;
  (void)PetscPrintf(t->comm, "%s  %s\n", ok ? "PASS" : "FAIL", text);
}

static inline PetscErrorCode TallySummary(Tally *t)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(t->comm, "%" PetscInt_FMT " passed, %" PetscInt_FMT " failed\n", t->passed, t->failed));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#pragma once
/* Vectorized logarithms for the energy sums of the regular solution. SLEEF's 1-ulp vector
 * logs (when uphill is built with libsleef) are chosen at run time for the widest vector
 * unit the processor has (AVX-512, AVX2), else glibc's scalar log. Neither needs
 * -ffast-math, so a value outside (0,1) still gives NaN and the solver's checks see it. */
#include <petscsys.h>
#include <math.h>

/* the regular solution's bulk f at one c, the scalar form every build's tail shares */
static inline PetscReal UphillMixF1(PetscReal c, PetscReal chi, PetscReal chi1)
{
  return c * (1.0 - c) * (chi + chi1 * ((1.0 - c) - c)) + c * log(c) + (1.0 - c) * log(1.0 - c);
}

/* sum over i of the regular solution's bulk f(c_i) = c(1-c)[chi + chi1 (1-2c)] + c ln c +
 * (1-c) ln(1-c), in one pass. Its SLEEF logs are the 3.5-ulp ones (u35, ~1.7x faster than
 * u10 here): the sum feeds only the free energy, whose rise check allows 1e-11 (|F| + 1e-3 V),
 * while 3.5 ulp on both logs is at most ~6e-16 V even if every point erred the same way; and
 * u35 gives NaN (or -Inf at 0) for the same arguments as u10, so F stays NaN off (0,1). */
PetscReal UphillSumMixF(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);
/* out_i = scale in_i and the same sum of f(out_i), in one loop (the step's last pass: the
 * stream overlaps the logs); mx gets max(mx[0], -min), max(mx[1], max), max(mx[2], the count of
 * NaN or Inf) */
void      UphillScaleBounds(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal mx[3]); /* the same without the sum */
PetscReal UphillFinishMixF(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3]);
/* out_i = ln(in_i), in place allowed */
void UphillVecLog(const PetscReal *in, PetscReal *out, PetscInt n);
/* Every implementation this processor can run, the one UphillVecMathKind names first, so a
 * test can check each (the AVX2 build is otherwise never run on an AVX-512 machine) */
typedef struct {
  const char *name;
  PetscReal (*sum)(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);
  PetscReal (*finish)(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3]);
  void (*log)(const PetscReal *in, PetscReal *out, PetscInt n);
} UphillVecMathImpl;
PetscInt UphillVecMathImplementations(UphillVecMathImpl impl[3]);
/* which implementation the processor gets: "avx512", "avx2" or "scalar" */
const char *UphillVecMathKind(void);

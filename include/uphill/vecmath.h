#pragma once
/* Vectorized logarithms for the energy sums of the regular solution. SLEEF's 1-ulp vector
 * logs (when uphill is built with libsleef) are chosen at run time for the widest vector
 * unit the processor has (AVX-512, AVX2), else glibc's scalar log. Neither needs
 * -ffast-math, so a value outside (0,1) still gives NaN and the solver's checks see it. */
#include <petscsys.h>

/* sum over i of c_i ln c_i + (1-c_i) ln(1-c_i) */
PetscReal UphillSumXLogX(const PetscReal *c, PetscInt n);
/* out_i = ln(in_i), in place allowed */
void UphillVecLog(const PetscReal *in, PetscReal *out, PetscInt n);
/* which implementation the processor gets: "avx512", "avx2" or "scalar" */
const char *UphillVecMathKind(void);

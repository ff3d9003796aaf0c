#pragma once
/* PETSc version differences (Debian 12 ships PETSc 3.18). */
#include <petscsys.h>
#if !defined(PETSC_SUCCESS)
  #define PETSC_SUCCESS 0 /* added in PETSc 3.19; PetscErrorCode is an int before */
#endif

/* Hot loops compiled twice, for the x86-64 baseline and for AVX2+FMA (x86-64-v3), and
 * chosen once at load time (GCC function multiversioning): a Debian build runs on any x86-64
 * yet uses the wide registers where the CPU has them. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(UPHILL_NO_CLONES)
  #define UPHILL_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
  #define UPHILL_KERNEL
#endif

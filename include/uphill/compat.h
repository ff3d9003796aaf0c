#pragma once
/* PETSc version differences (Debian 12 ships PETSc 3.18). */
#include <petscsys.h>
#if !defined(PETSC_SUCCESS)
  #define PETSC_SUCCESS 0 /* added in PETSc 3.19; PetscErrorCode is an int before */
#endif

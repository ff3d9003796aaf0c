#pragma once
/* The counter-based random numbers of uphill: a value depends only on (seed, index), never
 * on the rank count or the order of evaluation, so random fields are bitwise equal on any
 * decomposition and a restart needs no generator state. */
#include <stdint.h>
#include <petscsys.h>

/* splitmix64's finalizer applied to seed and counter */
static inline uint64_t UphillHash64(uint64_t seed, uint64_t index)
{
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* uniform in [0,1) with 53 random bits */
static inline PetscReal UphillHashUniform(uint64_t seed, uint64_t index)
{
  return (PetscReal)(UphillHash64(seed, index) >> 11) * 0x1.0p-53;
}

/* standard normal (Box-Muller on the uniforms of indices 2i and 2i+1) */
static inline PetscReal UphillHashNormal(uint64_t seed, uint64_t index)
{
  const PetscReal u1 = 1.0 - UphillHashUniform(seed, 2 * index), u2 = UphillHashUniform(seed, 2 * index + 1);
  return PetscSqrtReal(-2.0 * PetscLogReal(u1)) * PetscCosReal(2.0 * PETSC_PI * u2);
}

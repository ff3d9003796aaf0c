/* One source, compiled once per vector width (CMake sets -mavx512f or -mavx2 -mfma and
 * UPHILL_SIMD_WIDTH): c ln c + (1-c) ln(1-c) summed with SLEEF's 1-ulp vector log. */
#include <math.h>
#include <immintrin.h>
#include <sleef.h>
#include <petscsys.h>

#if UPHILL_SIMD_WIDTH == 8
typedef double vdouble __attribute__((vector_size(64)));
  #define VLOG(x) ((vdouble)Sleef_logd8_u10avx512f((__m512d)(x)))
  #define FNAME   UphillSumXLogX_avx512
  #define LNAME   UphillVecLog_avx512
#elif UPHILL_SIMD_WIDTH == 4
typedef double vdouble __attribute__((vector_size(32)));
  #define VLOG(x) ((vdouble)Sleef_logd4_u10avx2((__m256d)(x)))
  #define FNAME   UphillSumXLogX_avx2
  #define LNAME   UphillVecLog_avx2
#else
  #error "UPHILL_SIMD_WIDTH must be 4 or 8"
#endif
#define W UPHILL_SIMD_WIDTH

PetscReal FNAME(const PetscReal *c, PetscInt n);

PetscReal FNAME(const PetscReal *c, PetscInt n)
{
  vdouble   acc = {0}, one;
  PetscInt  i = 0;
  PetscReal s = 0.0;

  for (int j = 0; j < W; j++) one[j] = 1.0;
  for (; i + W <= n; i += W) {
    vdouble x;
    __builtin_memcpy(&x, c + i, sizeof(x)); /* unaligned load */
    const vdouble y = one - x;
    acc += x * VLOG(x) + y * VLOG(y);
  }
  for (int j = 0; j < W; j++) s += acc[j];
  for (; i < n; i++) s += c[i] * log(c[i]) + (1.0 - c[i]) * log(1.0 - c[i]);
  return s;
}

void LNAME(const PetscReal *in, PetscReal *out, PetscInt n);

void LNAME(const PetscReal *in, PetscReal *out, PetscInt n)
{
  PetscInt i = 0;

  for (; i + W <= n; i += W) {
    vdouble x;
    __builtin_memcpy(&x, in + i, sizeof(x));
    x = VLOG(x);
    __builtin_memcpy(out + i, &x, sizeof(x));
  }
  for (; i < n; i++) out[i] = log(in[i]);
}

/* One source, compiled once per vector width (CMake sets -mavx512f or -mavx2 -mfma and
 * UPHILL_SIMD_WIDTH): the regular solution's bulk f summed with SLEEF's 3.5-ulp vector log
 * (vecmath.h says why that suffices), and SLEEF's 1-ulp log of an array. */
#include <math.h>
#include <immintrin.h>
#include <sleef.h>
#include <petscsys.h>

#if UPHILL_SIMD_WIDTH == 8
typedef double vdouble __attribute__((vector_size(64)));
  #define VLOG(x)   ((vdouble)Sleef_logd8_u10avx512f((__m512d)(x)))
  #define VLOG35(x) ((vdouble)Sleef_logd8_u35avx512f((__m512d)(x)))
  #define FNAME     UphillSumMixF_avx512
  #define LNAME     UphillVecLog_avx512
#elif UPHILL_SIMD_WIDTH == 4
typedef double vdouble __attribute__((vector_size(32)));
  #define VLOG(x)   ((vdouble)Sleef_logd4_u10avx2((__m256d)(x)))
  #define VLOG35(x) ((vdouble)Sleef_logd4_u35avx2((__m256d)(x)))
  #define FNAME     UphillSumMixF_avx2
  #define LNAME     UphillVecLog_avx2
#else
  #error "UPHILL_SIMD_WIDTH must be 4 or 8"
#endif
#define W UPHILL_SIMD_WIDTH

PetscReal FNAME(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);

/* f = c(1-c)[chi + chi1 (1-2c)] + c ln c + (1-c) ln(1-c), with 1-2c as (1-c) - c */
PetscReal FNAME(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1)
{
  vdouble   acc = {0}, one, a, b;
  PetscInt  i = 0;
  PetscReal s = 0.0;

  for (int j = 0; j < W; j++) {
    one[j] = 1.0;
    a[j]   = chi;
    b[j]   = chi1;
  }
  for (; i + W <= n; i += W) {
    vdouble x;
    __builtin_memcpy(&x, c + i, sizeof(x)); /* unaligned load */
    const vdouble y = one - x;
    acc += x * y * (a + b * (y - x)) + x * VLOG35(x) + y * VLOG35(y);
  }
  for (int j = 0; j < W; j++) s += acc[j];
  for (; i < n; i++) s += c[i] * (1.0 - c[i]) * (chi + chi1 * ((1.0 - c[i]) - c[i])) + c[i] * log(c[i]) + (1.0 - c[i]) * log(1.0 - c[i]);
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

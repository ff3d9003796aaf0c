/* One source, compiled once per vector width (CMake sets -mavx512f or -mavx2 -mfma and
 * UPHILL_SIMD_WIDTH): the regular solution's bulk f summed with SLEEF's 3.5-ulp vector log
 * (vecmath.h says why that suffices), and SLEEF's 1-ulp log of an array. */
#include <math.h>
#include <immintrin.h>
#include <sleef.h>
#include <uphill/vecmath.h>

#if UPHILL_SIMD_WIDTH == 8
typedef double vdouble __attribute__((vector_size(64)));
  #define VLOG(x)   ((vdouble)Sleef_logd8_u10avx512f((__m512d)(x)))
  #define VLOG35(x) ((vdouble)Sleef_logd8_u35avx512f((__m512d)(x)))
  #define FNAME     UphillSumMixF_avx512
  #define GNAME     UphillFinishMixF_avx512
  #define LNAME     UphillVecLog_avx512
#elif UPHILL_SIMD_WIDTH == 4
typedef double vdouble __attribute__((vector_size(32)));
  #define VLOG(x)   ((vdouble)Sleef_logd4_u10avx2((__m256d)(x)))
  #define VLOG35(x) ((vdouble)Sleef_logd4_u35avx2((__m256d)(x)))
  #define FNAME     UphillSumMixF_avx2
  #define GNAME     UphillFinishMixF_avx2
  #define LNAME     UphillVecLog_avx2
#else
  #error "UPHILL_SIMD_WIDTH must be 4 or 8"
#endif
#define W UPHILL_SIMD_WIDTH

/* f = c(1-c)[chi + chi1 (1-2c)] + c ln c + (1-c) ln(1-c), with 1-2c as (1-c) - c */
static inline vdouble MixF(vdouble x, PetscReal chi, PetscReal chi1)
{
  const vdouble y = 1.0 - x;
  return x * y * (chi + chi1 * (y - x)) + x * VLOG35(x) + y * VLOG35(y);
}

PetscReal FNAME(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);

PetscReal FNAME(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1)
{
  vdouble   acc = {0};
  PetscInt  i   = 0;
  PetscReal s   = 0.0;

  for (; i + W <= n; i += W) {
    vdouble x;
    __builtin_memcpy(&x, c + i, sizeof(x)); /* unaligned load */
    acc += MixF(x, chi, chi1);
  }
  for (int j = 0; j < W; j++) s += acc[j];
  for (; i < n; i++) s += UphillMixF1(c[i], chi, chi1);
  return s;
}

PetscReal GNAME(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3]);

/* out = scale in, and FNAME's sum of f(out) in the same loop: the stream of in and out then
 * runs while the logs compute, instead of before them. mx: -min, max, and the count of NaN or
 * Inf (min/max may skip a NaN), each merged into what mx holds. */
PetscReal GNAME(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3])
{
  typedef long long vlong __attribute__((vector_size(W * 8)));
  vdouble   acc = {0}, lo, hi;
  vlong     bad = {0};
  PetscInt  i   = 0;
  PetscReal s = 0.0, nb = 0;

  for (int j = 0; j < W; j++) {
    lo[j] = PETSC_MAX_REAL;
    hi[j] = -PETSC_MAX_REAL;
  }
  for (; i + W <= n; i += W) {
    vdouble x;
    __builtin_memcpy(&x, in + i, sizeof(x));
    x = x * scale;
    __builtin_memcpy(out + i, &x, sizeof(x));
    const vlong m1 = x < lo, m2 = x > hi;
    lo = (vdouble)(((vlong)x & m1) | ((vlong)lo & ~m1));
    hi = (vdouble)(((vlong)x & m2) | ((vlong)hi & ~m2));
    bad -= (x - x != 0.0); /* -1 where NaN or Inf */
    acc += MixF(x, chi, chi1);
  }
  PetscReal tail[3] = {mx[0], mx[1], 0};
  for (int j = 0; j < W; j++) {
    s += acc[j];
    tail[0] = PetscMax(tail[0], -lo[j]);
    tail[1] = PetscMax(tail[1], hi[j]);
    nb += (PetscReal)bad[j];
  }
  /* the tail (fewer than W values): the scalar loops */
  UphillScaleBounds(in + i, scale, out + i, n - i, tail);
  mx[0] = tail[0];
  mx[1] = tail[1];
  mx[2] = PetscMax(mx[2], nb + tail[2]);
  return s + FNAME(out + i, n - i, chi, chi1);
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

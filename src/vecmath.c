/* Run-time choice among the SIMD builds of vecmath_simd.c and the scalar fallback. */
#include <uphill/vecmath.h>
#include <math.h>

#if defined(UPHILL_HAVE_SIMD_AVX512)
PetscReal UphillSumMixF_avx512(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);
PetscReal UphillFinishMixF_avx512(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3]);
void      UphillVecLog_avx512(const PetscReal *in, PetscReal *out, PetscInt n);
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
PetscReal UphillSumMixF_avx2(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1);
PetscReal UphillFinishMixF_avx2(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3]);
void      UphillVecLog_avx2(const PetscReal *in, PetscReal *out, PetscInt n);
#endif

static PetscReal SumMixFScalar(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1)
{
  PetscReal s = 0.0;
  for (PetscInt i = 0; i < n; i++) s += c[i] * (1.0 - c[i]) * (chi + chi1 * ((1.0 - c[i]) - c[i])) + c[i] * log(c[i]) + (1.0 - c[i]) * log(1.0 - c[i]);
  return s;
}

static PetscReal FinishMixFScalar(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3])
{
  UphillScaleBounds(in, scale, out, n, mx);
  return SumMixFScalar(out, n, chi, chi1);
}

PetscInt UphillVecMathImplementations(UphillVecMathImpl impl[3])
{
  PetscInt n = 0;

#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) impl[n++] = (UphillVecMathImpl){"avx512", UphillSumMixF_avx512, UphillFinishMixF_avx512};
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) impl[n++] = (UphillVecMathImpl){"avx2", UphillSumMixF_avx2, UphillFinishMixF_avx2};
#endif
  impl[n++] = (UphillVecMathImpl){"scalar", SumMixFScalar, FinishMixFScalar};
  return n;
}

const char *UphillVecMathKind(void)
{
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) return "avx512";
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
  return "scalar";
}

PetscReal UphillSumMixF(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1)
{
  /* __builtin_cpu_supports reads flags libgcc filled in at start-up: cheap enough per row */
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) return UphillSumMixF_avx512(c, n, chi, chi1);
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return UphillSumMixF_avx2(c, n, chi, chi1);
#endif
  return SumMixFScalar(c, n, chi, chi1);
}

void UphillScaleBounds(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal mx[3])
{
  PetscReal lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, bad = 0;

  for (PetscInt i = 0; i < n; i++) {
    const PetscReal v = out[i] = scale * in[i];
    lo                         = PetscMin(lo, v);
    hi                         = PetscMax(hi, v);
    bad += (v - v != 0.0); /* NaN or Inf: min/max may skip a NaN */
  }
  mx[0] = PetscMax(mx[0], -lo);
  mx[1] = PetscMax(mx[1], hi);
  mx[2] = PetscMax(mx[2], bad);
}

PetscReal UphillFinishMixF(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3])
{
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) return UphillFinishMixF_avx512(in, scale, out, n, chi, chi1, mx);
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return UphillFinishMixF_avx2(in, scale, out, n, chi, chi1, mx);
#endif
  return FinishMixFScalar(in, scale, out, n, chi, chi1, mx);
}

void UphillVecLog(const PetscReal *in, PetscReal *out, PetscInt n)
{
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) {
    UphillVecLog_avx512(in, out, n);
    return;
  }
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    UphillVecLog_avx2(in, out, n);
    return;
  }
#endif
  for (PetscInt i = 0; i < n; i++) out[i] = log(in[i]);
}

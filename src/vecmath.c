/* Run-time choice among the SIMD builds of vecmath_simd.c and the scalar fallback. */
#include <uphill/vecmath.h>
#include <math.h>

#if defined(UPHILL_HAVE_SIMD_AVX512)
PetscReal UphillSumXLogX_avx512(const PetscReal *c, PetscInt n);
void      UphillVecLog_avx512(const PetscReal *in, PetscReal *out, PetscInt n);
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
PetscReal UphillSumXLogX_avx2(const PetscReal *c, PetscInt n);
void      UphillVecLog_avx2(const PetscReal *in, PetscReal *out, PetscInt n);
#endif

static PetscReal SumXLogXScalar(const PetscReal *c, PetscInt n)
{
  PetscReal s = 0.0;
  for (PetscInt i = 0; i < n; i++) s += c[i] * log(c[i]) + (1.0 - c[i]) * log(1.0 - c[i]);
  return s;
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

PetscReal UphillSumXLogX(const PetscReal *c, PetscInt n)
{
  /* __builtin_cpu_supports reads flags libgcc filled in at start-up: cheap enough per row */
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) return UphillSumXLogX_avx512(c, n);
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return UphillSumXLogX_avx2(c, n);
#endif
  return SumXLogXScalar(c, n);
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

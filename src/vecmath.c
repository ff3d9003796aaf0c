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
  for (PetscInt i = 0; i < n; i++) s += UphillMixF1(c[i], chi, chi1);
  return s;
}

static PetscReal FinishMixFScalar(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3])
{
  UphillScaleBounds(in, scale, out, n, mx);
  return SumMixFScalar(out, n, chi, chi1);
}

static void LogScalar(const PetscReal *in, PetscReal *out, PetscInt n)
{
  for (PetscInt i = 0; i < n; i++) out[i] = log(in[i]);
}

PetscInt UphillVecMathImplementations(UphillVecMathImpl impl[3])
{
  PetscInt n = 0;

  /* __builtin_cpu_supports reads flags libgcc filled in at start-up: cheap enough per row */
#if defined(UPHILL_HAVE_SIMD_AVX512)
  if (__builtin_cpu_supports("avx512f")) impl[n++] = (UphillVecMathImpl){"avx512", UphillSumMixF_avx512, UphillFinishMixF_avx512, UphillVecLog_avx512};
#endif
#if defined(UPHILL_HAVE_SIMD_AVX2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) impl[n++] = (UphillVecMathImpl){"avx2", UphillSumMixF_avx2, UphillFinishMixF_avx2, UphillVecLog_avx2};
#endif
  impl[n++] = (UphillVecMathImpl){"scalar", SumMixFScalar, FinishMixFScalar, LogScalar};
  return n;
}

/* the widest build this processor runs */
static UphillVecMathImpl Best(void)
{
  UphillVecMathImpl impl[3];

  (void)UphillVecMathImplementations(impl);
  return impl[0];
}

const char *UphillVecMathKind(void)
{
  return Best().name;
}

PetscReal UphillSumMixF(const PetscReal *c, PetscInt n, PetscReal chi, PetscReal chi1)
{
  return Best().sum(c, n, chi, chi1);
}

PetscReal UphillFinishMixF(const double *in, PetscReal scale, PetscReal *out, PetscInt n, PetscReal chi, PetscReal chi1, PetscReal mx[3])
{
  return Best().finish(in, scale, out, n, chi, chi1, mx);
}

void UphillVecLog(const PetscReal *in, PetscReal *out, PetscInt n)
{
  Best().log(in, out, n);
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

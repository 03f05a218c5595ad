// The AVX2 + FMA register-tile kernel of the packed GEMM (kernels/sgemm.h). Everything after the
// includes is compiled for AVX2 and FMA and has internal linkage; sgemm_kernels_avx2() checks
// the CPU before handing it out.
//
// A 6×16 tile of C lives in 12 ymm accumulators. Per step of k: two loads of the packed B row,
// six broadcasts of A, twelve FMAs, so the two FMA ports stay the bound.
#include "kernels/sgemm.h"
#include "kernels/isa_target.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

SZ0_TARGET_BEGIN("avx2,fma")

namespace sz0::kernels {

namespace {

template <int MR>
void micro_t(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate,
             const float* prefetch) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    c0[r] = accumulate ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
    c1[r] = accumulate ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
  }
  const float* ar[MR];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) ar[r] = a + r * lda;
  const float* pf = prefetch ? prefetch : b;  // without a next panel, touch this one (a no-op)
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    _mm_prefetch(reinterpret_cast<const char*>(pf + p * kSgemmPanel), _MM_HINT_T0);
    const __m256 b0 = _mm256_load_ps(b + p * kSgemmPanel);
    const __m256 b1 = _mm256_load_ps(b + p * kSgemmPanel + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(ar[r] + p);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, c0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
  }
}

// One or two rows (a batch-1 fully-connected layer): the six-row tile's accumulators would form
// only two or four dependent FMA chains, bound by FMA latency. Four partial sums over k give the
// core enough independent chains; reading B is then the bound.
template <int MR>
void micro_few(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate,
               const float* prefetch) {
  constexpr int S = 4;
  if (prefetch)
    for (int64_t p = 0; p < kc; ++p) _mm_prefetch(reinterpret_cast<const char*>(prefetch + p * kSgemmPanel), _MM_HINT_T0);
  __m256 c0[S][MR], c1[S][MR];
  for (int s = 0; s < S; ++s)
    for (int r = 0; r < MR; ++r) c0[s][r] = c1[s][r] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + S <= kc; p += S) {
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s) {
      const __m256 b0 = _mm256_load_ps(b + (p + s) * kSgemmPanel);
      const __m256 b1 = _mm256_load_ps(b + (p + s) * kSgemmPanel + 8);
      for (int r = 0; r < MR; ++r) {
        const __m256 av = _mm256_broadcast_ss(a + r * lda + p + s);
        c0[s][r] = _mm256_fmadd_ps(av, b0, c0[s][r]);
        c1[s][r] = _mm256_fmadd_ps(av, b1, c1[s][r]);
      }
    }
  }
  for (; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b + p * kSgemmPanel);
    const __m256 b1 = _mm256_load_ps(b + p * kSgemmPanel + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + p);
      c0[0][r] = _mm256_fmadd_ps(av, b0, c0[0][r]);
      c1[0][r] = _mm256_fmadd_ps(av, b1, c1[0][r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    __m256 s0 = _mm256_add_ps(_mm256_add_ps(c0[0][r], c0[1][r]), _mm256_add_ps(c0[2][r], c0[3][r]));
    __m256 s1 = _mm256_add_ps(_mm256_add_ps(c1[0][r], c1[1][r]), _mm256_add_ps(c1[2][r], c1[3][r]));
    if (accumulate) {
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(c + r * ldc));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(c + r * ldc + 8));
    }
    _mm256_storeu_ps(c + r * ldc, s0);
    _mm256_storeu_ps(c + r * ldc + 8, s1);
  }
}

void micro(int64_t mr, int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate,
           const float* pf) {
  switch (mr) {
    case 1: return micro_few<1>(kc, a, lda, b, c, ldc, accumulate, pf);
    case 2: return micro_few<2>(kc, a, lda, b, c, ldc, accumulate, pf);
    case 3: return micro_t<3>(kc, a, lda, b, c, ldc, accumulate, pf);
    case 4: return micro_t<4>(kc, a, lda, b, c, ldc, accumulate, pf);
    case 5: return micro_t<5>(kc, a, lda, b, c, ldc, accumulate, pf);
    default: return micro_t<6>(kc, a, lda, b, c, ldc, accumulate, pf);
  }
}

}  // namespace

}  // namespace sz0::kernels

SZ0_TARGET_END

namespace sz0::kernels {

const SgemmKernels* sgemm_kernels_avx2() {
  static const SgemmKernels k{"avx2", micro};
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok ? &k : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const SgemmKernels* sgemm_kernels_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif

// The AVX2 kernel of the few-row int8 products (kernels/qgemv.h). Everything after the includes
// is compiled for AVX2 and has internal linkage; qgemv_kernels_avx2() checks the CPU first.
//
// Per 32 bytes of k and column: vpmaddubsw (32 u8·s8 products summed in pairs to int16),
// vpmaddwd by ones (pairs of those to int32), vpaddd. Four columns share each load of A.
#include "kernels/qgemv.h"
#include "kernels/isa_target.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

SZ0_TARGET_BEGIN("avx2")

namespace sz0::kernels {

namespace {

inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

inline __m256i dot_step(__m256i acc, __m256i a, const int8_t* w, __m256i ones) {
  const __m256i p = _mm256_maddubs_epi16(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(w)));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
}

void row_avx2(const uint8_t* a, const PackedS8& w, int64_t j0, int64_t j1, int32_t* y) {
  const __m256i ones = _mm256_set1_epi16(1);
  const int64_t kp = w.kp;
  const int8_t* base = w.data.data();
  int64_t j = j0;
  for (; j + 4 <= j1; j += 4) {
    const int8_t* w0 = base + j * kp;
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
    for (int64_t kk = 0; kk < kp; kk += kQgemvAlign) {
      const __m256i av = _mm256_load_si256(reinterpret_cast<const __m256i*>(a + kk));
      c0 = dot_step(c0, av, w0 + kk, ones);
      c1 = dot_step(c1, av, w0 + kp + kk, ones);
      c2 = dot_step(c2, av, w0 + 2 * kp + kk, ones);
      c3 = dot_step(c3, av, w0 + 3 * kp + kk, ones);
    }
    y[j] = hsum(c0);
    y[j + 1] = hsum(c1);
    y[j + 2] = hsum(c2);
    y[j + 3] = hsum(c3);
  }
  for (; j < j1; ++j) {
    __m256i c = _mm256_setzero_si256();
    for (int64_t kk = 0; kk < kp; kk += kQgemvAlign)
      c = dot_step(c, _mm256_load_si256(reinterpret_cast<const __m256i*>(a + kk)), base + j * kp + kk, ones);
    y[j] = hsum(c);
  }
}

}  // namespace

}  // namespace sz0::kernels

SZ0_TARGET_END

namespace sz0::kernels {

const QgemvKernels* qgemv_kernels_avx2() {
  static const QgemvKernels k{"avx2", row_avx2};
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok ? &k : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const QgemvKernels* qgemv_kernels_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif

// The AVX2 + FMA float32 kernel table: eight lanes, fused multiply-adds, masked loads for tails.
// Everything after the includes is compiled for AVX2 and FMA and has internal linkage, so no
// function the rest of the program shares is built with instructions an older CPU lacks;
// simd_f32_avx2() checks the CPU before handing the table out.
#include "kernels/simd_f32.h"
#include "kernels/isa_target.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

SZ0_TARGET_BEGIN("avx2,fma")

namespace sz0::kernels {
namespace {

constexpr int kW = 8;
using V = float __attribute__((vector_size(32)));
using VI = int32_t __attribute__((vector_size(32)));
using VD = double __attribute__((vector_size(32)));
constexpr const char* kName = "avx2";

inline V vfma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V vsqrt(V v) { return _mm256_sqrt_ps(v); }
inline void vwiden(V v, VD& lo, VD& hi) {
  lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
}

// Lane i is loaded / stored where i < m.
inline __m256i lane_mask(int64_t m) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(m)), idx);
}
inline V vload_part(const float* p, int64_t m) { return _mm256_maskload_ps(p, lane_mask(m)); }
inline void vstore_part(float* p, V v, int64_t m) { _mm256_maskstore_ps(p, lane_mask(m), v); }

}  // namespace
}  // namespace sz0::kernels

#include "kernels/simd_f32_impl.h"

SZ0_TARGET_END

namespace sz0::kernels {

const SimdF32Kernels* simd_f32_avx2() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok ? &kTable : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const SimdF32Kernels* simd_f32_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif

// The portable float32 kernel table: four-lane GCC/Clang vector extensions, which every target
// lowers (SSE2 on x86-64). The fallback on CPUs without AVX2, and the reference the faster tables
// are tested against.
#include "kernels/simd_f32.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sz0::kernels {
namespace {

constexpr int kW = 4;
using V = float __attribute__((vector_size(16)));
using VI = int32_t __attribute__((vector_size(16)));
using VD = double __attribute__((vector_size(16)));
constexpr const char* kName = "portable";

// No fused multiply-add here: the baseline ISA has none, and a libm fmaf per lane would be slow.
inline V vfma(V a, V b, V c) { return a * b + c; }

inline V vsqrt(V v) {
#if defined(__SSE2__)
  return _mm_sqrt_ps(v);
#else
  for (int i = 0; i < kW; ++i) v[i] = __builtin_sqrtf(v[i]);
  return v;
#endif
}

inline void vwiden(V v, VD& lo, VD& hi) {
#if defined(__SSE2__)
  lo = _mm_cvtps_pd(v);
  hi = _mm_cvtps_pd(_mm_movehl_ps(v, v));
#else
  lo = VD{v[0], v[1]};
  hi = VD{v[2], v[3]};
#endif
}

inline V vload_part(const float* p, int64_t m) {
  V v{};
  for (int64_t i = 0; i < m; ++i) v[i] = p[i];
  return v;
}
inline void vstore_part(float* p, V v, int64_t m) {
  for (int64_t i = 0; i < m; ++i) p[i] = v[i];
}

}  // namespace
}  // namespace sz0::kernels

#include "kernels/simd_f32_impl.h"

namespace sz0::kernels {

const SimdF32Kernels& simd_f32_portable() { return kTable; }

}  // namespace sz0::kernels

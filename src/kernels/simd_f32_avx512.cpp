// The AVX-512 float32 kernel table: sixteen lanes, fused multiply-adds, masked tails. Only
// AVX512F is used. Everything after the includes is compiled for AVX-512 and has internal
// linkage; simd_f32_avx512() checks the CPU (CPUID, through __builtin_cpu_supports) before
// handing the table out, so machines without AVX-512 never run it. It shares every line of its
// kernels with the AVX2 and portable tables (simd_f32_impl.h); only the primitives below are its
// own.
#include "kernels/simd_f32.h"
#include "kernels/isa_target.h"

#include <cstdint>

#if defined(__x86_64__)

#include <immintrin.h>

SZ0_TARGET_BEGIN("avx512f,avx2,fma")

namespace sz0::kernels {
namespace {

constexpr int kW = 16;
using V = float __attribute__((vector_size(64)));
using VI = int32_t __attribute__((vector_size(64)));
using VD = double __attribute__((vector_size(64)));
constexpr const char* kName = "avx512";

inline V vfma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
inline V vsqrt(V v) { return _mm512_sqrt_ps(v); }
inline void vwiden(V v, VD& lo, VD& hi) {
  lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

inline __mmask16 lane_mask(int64_t m) { return static_cast<__mmask16>((1u << m) - 1u); }
inline V vload_part(const float* p, int64_t m) { return _mm512_maskz_loadu_ps(lane_mask(m), p); }
inline void vstore_part(float* p, V v, int64_t m) { _mm512_mask_storeu_ps(p, lane_mask(m), v); }

}  // namespace
}  // namespace sz0::kernels

#include "kernels/simd_f32_impl.h"

SZ0_TARGET_END

namespace sz0::kernels {

const SimdF32Kernels* simd_f32_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
                         __builtin_cpu_supports("fma");
  return ok ? &kTable : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86-64

namespace sz0::kernels {
const SimdF32Kernels* simd_f32_avx512() { return nullptr; }
}  // namespace sz0::kernels

#endif

// Branch-free float16/bfloat16 ⇄ float32 conversion of whole arrays, four lanes at a time.
// Bit-identical to Float16/BFloat16's own conversions (round to nearest even, NaN payloads
// kept and quieted), but vectorized: elementwise kernels on halves convert blocks to float,
// compute there, and convert back.
#pragma once

#include "ops/math/vmath.h"

#include <sz0/dtype.h>

namespace sz0::ops::math {

using u16x4 = uint16_t __attribute__((vector_size(8)));

template <class V> struct UIntOf { using type = uint32_t; };
template <> struct UIntOf<f32x4> { using type = u32x4; };

// float16 bits (widened to 32-bit lanes) → float.
template <class U>
inline auto f16_bits_to_float(U h) {
  using V = std::conditional_t<std::is_same_v<U, u32x4>, f32x4, float>;
  const U sign = (h & 0x8000u) << 16;
  const U o = (h & 0x7fffu) << 13;  // exponent and mantissa in float position
  const U exp = o & 0x0f800000u;
  const U normal = o + ((127u - 15u) << 23);
  const U special = o + ((255u - 31u) << 23);  // inf/NaN: exponent all ones
  // Subnormal: renormalize through one exact float subtraction.
  const U sub = std::bit_cast<U>(std::bit_cast<V>(o + (113u << 23)) - std::bit_cast<float>(113u << 23));
  const U r = exp == 0x0f800000u ? special : (exp == 0u ? sub : normal);
  return std::bit_cast<V>(r | sign);
}

// float → float16 bits (in 32-bit lanes), round to nearest even.
template <class V>
inline auto float_to_f16_bits(V x) {
  using U = typename UIntOf<V>::type;
  const U u = std::bit_cast<U>(x);
  const U sign = (u >> 16) & 0x8000u;
  const U f = u & 0x7fffffffu;
  const U nan = 0x7e00u | ((f >> 13) & 0x3ffu);
  const U big = f > 0x7f800000u ? nan : U{} + 0x7c00u;  // overflow rounds to inf
  // Below the smallest normal half: adding 0.5 lets the FPU round the mantissa for us.
  const U sub = std::bit_cast<U>(std::bit_cast<V>(f) + 0.5f) - std::bit_cast<uint32_t>(0.5f);
  const U normal = (f + ((15u - 127u) << 23) + 0xfffu + ((f >> 13) & 1u)) >> 13;
  const U r = f >= 0x47800000u ? big : (f < 0x38800000u ? sub : normal);
  return r | sign;
}

// bfloat16 bits → float and back (round to nearest even, NaN quieted).
template <class U>
inline auto bf16_bits_to_float(U h) {
  using V = std::conditional_t<std::is_same_v<U, u32x4>, f32x4, float>;
  return std::bit_cast<V>(h << 16);
}
template <class V>
inline auto float_to_bf16_bits(V x) {
  using U = typename UIntOf<V>::type;
  const U u = std::bit_cast<U>(x);
  const U rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return (u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : rounded;
}

template <class H>
inline void halves_to_float(const H* src, float* dst, int64_t n) {
  static_assert(sizeof(H) == 2);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    u16x4 h;
    std::memcpy(&h, src + i, sizeof h);
    const u32x4 w = __builtin_convertvector(h, u32x4);
    f32x4 v;
    if constexpr (std::is_same_v<H, Float16>) v = f16_bits_to_float(w);
    else v = bf16_bits_to_float(w);
    std::memcpy(dst + i, &v, sizeof v);
  }
  for (; i < n; ++i) {
    const uint32_t w = src[i].bits;
    if constexpr (std::is_same_v<H, Float16>) dst[i] = f16_bits_to_float(w);
    else dst[i] = bf16_bits_to_float(w);
  }
}

template <class H>
inline void float_to_halves(const float* src, H* dst, int64_t n) {
  static_assert(sizeof(H) == 2);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    f32x4 v;
    std::memcpy(&v, src + i, sizeof v);
    u32x4 w;
    if constexpr (std::is_same_v<H, Float16>) w = float_to_f16_bits(v);
    else w = float_to_bf16_bits(v);
    const u16x4 h = __builtin_convertvector(w, u16x4);
    std::memcpy(static_cast<void*>(dst + i), &h, sizeof h);
  }
  for (; i < n; ++i) {
    if constexpr (std::is_same_v<H, Float16>) dst[i].bits = static_cast<uint16_t>(float_to_f16_bits(src[i]));
    else dst[i].bits = static_cast<uint16_t>(float_to_bf16_bits(src[i]));
  }
}

}  // namespace sz0::ops::math

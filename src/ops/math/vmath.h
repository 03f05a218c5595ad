// Branch-free float32 exp/tanh/sigmoid/erf, written once for a scalar `float` and for a SIMD
// vector of floats (GCC/Clang vector extensions): libm calls block vectorization, and the
// compiler turns the clamps of a scalar version into branches, so the hot loops call the vector
// form explicitly through `simd_map`. Accurate to a few ulp over the whole float range, with IEEE
// results at the edges (overflow → inf, underflow → 0/denormal, NaN → NaN).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace sz0::ops::math {

// Four floats: the baseline x86-64 (SSE2) register, so no ABI or ISA assumptions.
using f32x4 = float __attribute__((vector_size(16)));
using i32x4 = int32_t __attribute__((vector_size(16)));
constexpr int64_t kLanes = 4;

using u32x4 = uint32_t __attribute__((vector_size(16)));

template <class V> struct IntOf { using type = int32_t; using utype = uint32_t; };
template <> struct IntOf<f32x4> { using type = i32x4; using utype = u32x4; };

// 2^k as a float for integer k in [-126, 127] (exponent bits built in unsigned arithmetic).
template <class V>
inline V pow2i(typename IntOf<V>::type k) {
  using U = typename IntOf<V>::utype;
  return std::bit_cast<V>(std::bit_cast<U>(k + 127) << 23);
}

template <class V>
inline V splat(float c) {
  return V{} + c;
}

// exp(x): x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 polynomial (Cephes' expf
// coefficients), 2^n applied in two halves so that n down to -150 still yields denormals.
template <class V>
inline V vexp(V x) {
  using I = typename IntOf<V>::type;
  x = x > 89.0f ? splat<V>(89.0f) : x;
  x = x < -104.0f ? splat<V>(-104.0f) : x;
  constexpr float kShift = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer in the low bits
  const V t = x * 1.44269504088896341f + kShift;
  const V n = t - kShift;
  const I ni = std::bit_cast<I>(t) - std::bit_cast<int32_t>(kShift);
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V p = splat<V>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const I h = ni >> 1;
  return p * pow2i<V>(h) * pow2i<V>(ni - h);
}

// 1 / (1 + exp(-x)); no cancellation anywhere, so plain vexp suffices.
template <class V>
inline V vsigmoid(V x) {
  return 1.0f / (1.0f + vexp(-x));
}

// tanh(x): an odd polynomial near 0 (Cephes' tanhf), (1 - e)/(1 + e) with e = exp(-2|x|) elsewhere.
template <class V>
inline V vtanh(V x) {
  const V a = x < 0.0f ? -x : x;
  const V z = x * x;
  V p = splat<V>(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const V small = p * z * x + x;
  const V e = vexp(-2.0f * a);
  V big = (1.0f - e) / (1.0f + e);
  big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : big;
}

// erf(x): |x| < 1 by an odd polynomial x·P(x²); beyond, 1 - exp(-x²)·R(1/|x|) with R fitted to
// erfc(x)·exp(x²) on [1, 4] (erf rounds to 1 past 4). Both fits are least-squares on Chebyshev
// nodes: relative error 1.4e-9 and absolute 3.9e-9 before float rounding.
template <class V>
inline V verf(V x) {
  const V a = x < 0.0f ? -x : x;
  const V z = x * x;
  V p = splat<V>(7.889303328051378e-05f);
  p = p * z - 8.020900695339117e-04f;
  p = p * z + 5.189542717119577e-03f;
  p = p * z - 2.6854448980929757e-02f;
  p = p * z + 1.1283600302804822e-01f;
  p = p * z - 3.7612627151521705e-01f;
  p = p * z + 1.1283791659191598f;
  const V small = a * p;
  const V b = a > 4.0f ? splat<V>(4.0f) : a;
  const V u = 1.0f / b;
  V r = splat<V>(2.5378464604071782e-02f);
  r = r * u - 1.3875231293515017e-01f;
  r = r * u + 3.086568811885726e-01f;
  r = r * u - 3.0997117520636186e-01f;
  r = r * u - 3.394193298866288e-02f;
  r = r * u + 5.778749650533974e-01f;
  r = r * u - 1.6613030995882394e-03f;
  const V big = 1.0f - vexp(-b * b) * r;
  const V v = a < 1.0f ? small : big;
  return x < 0.0f ? -v : v;
}

// y[i] = f(x[i]) with f a generic callable valid for float and f32x4.
template <class F>
inline void simd_map(const float* x, float* y, int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    f32x4 v;
    std::memcpy(&v, x + i, sizeof v);
    v = f(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  for (; i < n; ++i) y[i] = f(x[i]);
}

// y[i] = f(a[i], b[i]), likewise.
template <class F>
inline void simd_map2(const float* a, const float* b, float* y, int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    f32x4 u, v;
    std::memcpy(&u, a + i, sizeof u);
    std::memcpy(&v, b + i, sizeof v);
    u = f(u, v);
    std::memcpy(y + i, &u, sizeof u);
  }
  for (; i < n; ++i) y[i] = f(a[i], b[i]);
}

}  // namespace sz0::ops::math

// Branch-free float32 exp/tanh/sigmoid that the compiler vectorizes inside elementwise loops
// (libm calls block vectorization). Accurate to a few ulp over the whole float range, with
// IEEE results at the edges (overflow → inf, underflow → 0/denormal, NaN → NaN).
#pragma once

#include <bit>
#include <cstdint>

namespace sz0::ops::math {

// exp(x): x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 polynomial (Cephes' expf
// coefficients), 2^n applied in two halves so that n down to -150 still yields denormals.
inline float vexp(float x) {
  x = x > 89.0f ? 89.0f : x;
  x = x < -104.0f ? -104.0f : x;
  constexpr float kShift = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer in the low bits
  const float t = x * 1.44269504088896341f + kShift;
  const float n = t - kShift;
  const int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kShift);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t h = ni >> 1;
  const float s1 = std::bit_cast<float>((h + 127) << 23);
  const float s2 = std::bit_cast<float>((ni - h + 127) << 23);
  return p * s1 * s2;
}

// 1 / (1 + exp(-x)); no cancellation anywhere, so plain vexp suffices.
inline float vsigmoid(float x) { return 1.0f / (1.0f + vexp(-x)); }

// tanh(x): an odd polynomial near 0 (Cephes' tanhf), (1 - e)/(1 + e) with e = exp(-2|x|) elsewhere.
inline float vtanh(float x) {
  const float a = x < 0 ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float e = vexp(-2.0f * a);
  float big = (1.0f - e) / (1.0f + e);
  big = x < 0 ? -big : big;
  return a < 0.625f ? small : big;
}

}  // namespace sz0::ops::math

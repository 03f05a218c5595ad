// Plain reference arithmetic for the quantization op tests.
#pragma once

#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sz0::test::qref {

inline int32_t qmin(DType t) { return t == DType::Int8 ? -128 : 0; }
inline int32_t qmax(DType t) { return t == DType::Int8 ? 127 : 255; }

// saturate(round_half_even(v) + zp) for the quantized type t.
inline int32_t quantize(double v, int32_t zp, DType t) {
  if (std::isnan(v)) return qmin(t);
  double r = std::nearbyint(v) + zp;  // default rounding mode: ties to even
  r = std::min<double>(std::max<double>(r, qmin(t)), qmax(t));
  return static_cast<int32_t>(r);
}

// A tensor of the quantized type t from int values.
inline Tensor qtensor(DType t, const std::vector<int32_t>& v, Shape shape) {
  Tensor out(t, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) {
    if (t == DType::UInt8) out.data<uint8_t>()[i] = static_cast<uint8_t>(v[i]);
    else if (t == DType::Int8) out.data<int8_t>()[i] = static_cast<int8_t>(v[i]);
    else out.data<int32_t>()[i] = v[i];
  }
  return out;
}

inline std::vector<int32_t> ints(const Tensor& t) {
  std::vector<int32_t> v;
  for (int64_t x : t.to_int64()) v.push_back(static_cast<int32_t>(x));
  return v;
}

// Random values covering the whole range of t.
inline Tensor random_q(DType t, Shape shape, uint32_t seed) {
  return random_tensor(t, std::move(shape), seed, qmin(t), qmax(t));
}

// Row-major index helpers.
inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = i % s[d];
    i /= s[d];
  }
  return idx;
}
inline int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t i = 0;
  for (size_t d = 0; d < s.size(); ++d) i = i * s[d] + idx[d];
  return i;
}

}  // namespace sz0::test::qref

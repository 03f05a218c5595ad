// Shared helpers for the indexing op tests: coordinates, tensors from double values, error checks.
#pragma once

#include "util/op_test.h"

#include <string>
#include <vector>

namespace sz0::test::index {

inline Shape unravel(int64_t flat, const Shape& s) {
  Shape c(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    c[d] = flat % s[d];
    flat /= s[d];
  }
  return c;
}

inline int64_t ravel(const Shape& c, const Shape& s) {
  int64_t f = 0;
  for (size_t d = 0; d < s.size(); ++d) f = f * s[d] + c[d];
  return f;
}

// A tensor of `dtype` holding `v` (converted with Cast semantics).
inline Tensor make(DType dtype, Shape shape, const std::vector<double>& v) {
  return Tensor::from_vector<double>(v, std::move(shape)).cast(dtype);
}

// Data in a small integer range for ints (so int8/uint8 hold it), [-1, 1) for floats, 0/1 for bool.
inline Tensor data_tensor(DType dtype, Shape shape, uint32_t seed) {
  if (dtype == DType::Bool) return random_tensor(DType::Int32, shape, seed, 0, 1).cast(DType::Bool);
  if (dtype_is_float(dtype)) return random_tensor(dtype, shape, seed, -1, 1);
  return random_tensor(dtype, shape, seed, dtype_is_unsigned_int(dtype) ? 0 : -50, 50);
}

inline Tensor index_tensor(DType dtype, Shape shape, uint32_t seed, int64_t lo, int64_t hi) {
  return random_tensor(dtype, std::move(shape), seed, static_cast<double>(lo), static_cast<double>(hi));
}

inline const std::vector<DType>& data_dtypes() {
  static const std::vector<DType> k = {DType::Float, DType::Int64, DType::Int32, DType::Bool,
                                       DType::Float16, DType::Double, DType::UInt8, DType::BFloat16};
  return k;
}

// The run failed with a message naming the node and containing `what`.
inline ::testing::AssertionResult fails_with(const Result<std::vector<Tensor>>& r, const std::string& what) {
  if (r.ok()) return ::testing::AssertionFailure() << "expected an error containing '" << what << "'";
  const std::string& m = r.status().message();
  if (m.find("n0") == std::string::npos || m.find(what) == std::string::npos)
    return ::testing::AssertionFailure() << "error '" << m << "' lacks the node name or '" << what << "'";
  return ::testing::AssertionSuccess();
}

}  // namespace sz0::test::index

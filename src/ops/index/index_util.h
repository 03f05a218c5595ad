// Helpers shared by the indexing ops: reading index tensors, byte-wise element copies, dims.
#pragma once

#include "ops/op.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

namespace sz0::ops::index {

inline bool is_index_dtype(DType t) { return t == DType::Int32 || t == DType::Int64; }

// Element i of an int32/int64 tensor as int64; one branch per read keeps callers dtype-free.
struct IndexReader {
  const void* data = nullptr;
  bool wide = true;
  explicit IndexReader(const Tensor& t) : data(t.raw()), wide(t.dtype() == DType::Int64) {}
  int64_t operator[](int64_t i) const {
    return wide ? static_cast<const int64_t*>(data)[i] : static_cast<const int32_t*>(data)[i];
  }
};

// A float converted to int64 with truncation; nullopt when NaN or beyond int64.
inline std::optional<int64_t> float_to_int64(double v) {
  if (std::isnan(v) || v >= 9.2233720368547758e18 || v < -9.2233720368547758e18) return std::nullopt;
  return static_cast<int64_t>(v);
}

// Element i of any numeric tensor as int64 (floats truncated toward zero); nullopt if not representable.
inline std::optional<int64_t> numeric_as_int64(const Tensor& t, int64_t i) {
  if (dtype_is_float(t.dtype())) return float_to_int64(t.get_double(i));
  if (t.dtype() == DType::UInt64) {
    const uint64_t u = t.data<uint64_t>()[i];
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  return t.get_int64(i);
}

// Reads a scalar-like input (rank 0, or rank 1 with one element) as int64.
inline Result<int64_t> scalar_int(const Node& node, const Tensor& t, std::string_view what) {
  if (t.rank() > 1 || t.numel() != 1)
    return error("{}: {} must be a scalar or a 1-element tensor, got shape {}", node.label(), what, shape_str(t.shape()));
  auto v = numeric_as_int64(t, 0);
  if (!v) return error("{}: {} value is not a representable integer", node.label(), what);
  return *v;
}

inline int64_t prod(std::span<const int64_t> s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// Product of known dims; nullopt if any is unknown.
inline std::optional<int64_t> known_prod(const std::vector<Dim>& d, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) {
    if (!d[i].known()) return std::nullopt;
    p *= d[i].value;
  }
  return p;
}

// Inputs 0..n-1 are present (the kernels read them unconditionally).
inline Status require_inputs(const InferContext& ctx, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!ctx.has_input(i)) return ctx.fail("expects {} inputs, input {} is missing", n, i);
  return {};
}

inline Status require_not_string(const Node& node, DType t, std::string_view what) {
  if (t == DType::String || t == DType::Undefined || dtype_size(t) == 0)
    return error("{}: {} of type {} is not supported", node.label(), what, dtype_name(t));
  return {};
}

// Arithmetic type for T: halves compute in float.
template <class T>
using compute_t = std::conditional_t<std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>, float, T>;

// a > b, where NaN counts as larger than any number (numpy's sort order).
template <class C>
inline bool greater_nan_max(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

// Calls f(i, base) for each element i (row-major) of a tensor of shape `shape`, where `base` is
// the offset of the same coordinate in a tensor with `strides`, leaving out dimension `skip`.
template <class F>
void walk_skipping_axis(const Shape& shape, const Shape& strides, int64_t skip, F&& f) {
  const int r = static_cast<int>(shape.size());
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> coord(r, 0);
  int64_t base = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, base);
    for (int d = r - 1; d >= 0; --d) {
      if (++coord[d] < shape[d]) {
        if (d != skip) base += strides[d];
        break;
      }
      if (d != skip) base -= (coord[d] - 1) * strides[d];
      coord[d] = 0;
    }
  }
}

}  // namespace sz0::ops::index

// Helpers shared by the data-movement ops of this folder (shape math on Dims, int inputs,
// dispatch on element size for ops that only move bytes).
#pragma once

#include "ops/op.h"
#include "ops/shape_util.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sz0::ops::tensorops {

// The concrete shape of a type when every dim is known.
inline std::optional<Shape> known_shape(const TypeInfo& t) {
  if (!t.fully_known()) return std::nullopt;
  return t.concrete();
}

inline bool all_known(std::span<const Dim> dims) {
  for (const Dim& d : dims)
    if (!d.known()) return false;
  return true;
}

// Product of dims: known when all are, the lone symbol when the rest multiply to 1, else unknown.
inline Dim dim_product(std::span<const Dim> dims) {
  int64_t p = 1;
  const Dim* sym = nullptr;
  int unknown = 0;
  for (const Dim& d : dims) {
    if (d.known()) {
      p *= d.value;
    } else {
      ++unknown;
      sym = &d;
    }
  }
  if (p == 0) return Dim(0);
  if (unknown == 0) return Dim(p);
  if (unknown == 1 && p == 1) return *sym;
  return Dim();
}

// Values of an integer tensor (shape, axes, pads...); error when it is not integral.
inline Result<std::vector<int64_t>> int_values(const Node& node, const Tensor& t, std::string_view what) {
  if (!dtype_is_int(t.dtype()))
    return error("{}: {} must be an integer tensor, got {}", node.label(), what, dtype_name(t.dtype()));
  return t.to_int64();
}

// Calls f.template operator()<U>() with an unsigned integer type as wide as one element of `dtype`,
// for ops that only move elements. Returns false for types without a fixed size (string).
template <class F>
bool visit_elem_size(DType dtype, F&& f) {
  switch (dtype_size(dtype)) {
    case 1: f.template operator()<uint8_t>(); return true;
    case 2: f.template operator()<uint16_t>(); return true;
    case 4: f.template operator()<uint32_t>(); return true;
    case 8: f.template operator()<uint64_t>(); return true;
    default: return false;
  }
}

// Shape of the data input for infer functions: the dims, or nullopt when the rank is unknown.
inline const std::optional<std::vector<Dim>>& in_dims(const InferContext& ctx, size_t i) { return ctx.in(i).shape; }

}  // namespace sz0::ops::tensorops

namespace sz0::ops::tensorops {

// Copies the elements of a strided view: for every index i over `shape`,
//   dst[sum(i_k * dst_strides[k])] = src[sum(i_k * src_strides[k])]
// (strides in elements; src strides may be 0 or negative, src/dst point at index 0 of the view).
// Axes are simplified first (size-1 axes dropped, mergeable neighbours merged), rows whose both
// sides are contiguous are memcpy'd, and transposes go through cache-sized tiles.
void strided_copy(size_t elem_size, const void* src, std::span<const int64_t> src_strides, void* dst,
                  std::span<const int64_t> dst_strides, std::span<const int64_t> shape, int threads);

// Same with a contiguous destination.
void strided_gather(size_t elem_size, const void* src, std::span<const int64_t> src_strides, void* dst,
                    std::span<const int64_t> shape, int threads);

}  // namespace sz0::ops::tensorops

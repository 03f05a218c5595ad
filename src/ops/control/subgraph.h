// Helpers shared by If, Loop and Scan: subgraph output types, slicing and stacking of tensors
// along an axis.
#pragma once

#include "ops/op.h"

#include <span>
#include <vector>

namespace sz0::ops::control {

// A type with only the dtype known (rank unknown).
inline TypeInfo dtype_only(DType t) {
  TypeInfo r;
  r.dtype = t;
  return r;
}

// Types of `g`'s outputs: the declared ones, completed by inference through `g`'s nodes where a
// declaration lacks the dtype. `inputs` are the types the caller knows for g's formal inputs (in
// order); a declared input type wins over them. Never fails: what cannot be told stays unknown.
std::vector<TypeInfo> subgraph_output_types(const Graph& g, std::span<const TypeInfo> inputs, int64_t opset);

// Fails when a subgraph output has a non-tensor (sequence, optional, map) declared type.
Status check_tensor_outputs(const Node& node, const Graph& g);

// A type both `a` and `b` fit: dtype of `a` (else `b`); dims kept where they agree.
TypeInfo merge_types(const TypeInfo& a, const TypeInfo& b);

// `t` with `dim` inserted at `axis` (0..rank); unknown rank stays unknown.
TypeInfo insert_dim(const TypeInfo& t, int64_t axis, Dim dim);
// `t` without the dim at `axis`; unknown rank stays unknown.
TypeInfo remove_dim(const TypeInfo& t, int64_t axis);

// x[..., index, ...] at `axis`: rank one less. Shares x's buffer when the slice is contiguous.
Tensor slice_axis(const Tensor& x, int64_t axis, int64_t index);

// Stacks `items` (same dtype and shape `item_shape`; nullptr = zeros) along a new `axis`
// (0..rank of item_shape). `reverse` places item i at position n-1-i.
Tensor stack_axis(std::span<const Tensor* const> items, DType dtype, const Shape& item_shape, int64_t axis,
                  bool reverse);

// For outputs of loops that ran no iteration: the per-iteration shape as far as declared, with
// unknown dims taken as 0 (scalar when even the rank is unknown), and its dtype (float if unknown).
Shape shape_or_zeros(const TypeInfo& t);
DType dtype_or_float(const TypeInfo& t);

}  // namespace sz0::ops::control

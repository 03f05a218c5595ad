// Helpers shared by shape inference and kernels, so each shape rule is written once.
#pragma once

#include "ops/op.h"

#include <span>
#include <vector>

namespace sz0::ops {

// Normalizes a possibly negative axis against `rank`; error names the node.
Result<int64_t> normalize_axis(const Node& node, int64_t axis, int64_t rank);
Result<std::vector<int64_t>> normalize_axes(const Node& node, std::span<const int64_t> axes, int64_t rank);

// Multidirectional (numpy) broadcast of concrete shapes.
Result<Shape> broadcast_shapes(const Node& node, std::span<const Shape> shapes);
// Broadcast of possibly symbolic dims; unknown where it cannot be decided.
Result<std::vector<Dim>> broadcast_dims(const Node& node, std::span<const std::vector<Dim>> shapes);

// Dims from a concrete shape and back.
std::vector<Dim> to_dims(std::span<const int64_t> shape);

// Output i gets input j's type (dtype and shape).
Status infer_same_as_input(InferContext& ctx);  // every output = input 0
// Elementwise broadcast over all present inputs; output dtype = input 0's (or `out_dtype`).
Status infer_broadcast(InferContext& ctx, DType out_dtype = DType::Undefined);

// For an output index, the flat offset into an input broadcast to `out_shape`.
// Precompute once per call: strides of the input aligned to the output rank (0 on broadcast dims).
std::vector<int64_t> broadcast_strides(std::span<const int64_t> in_shape, std::span<const int64_t> out_shape);

}  // namespace sz0::ops

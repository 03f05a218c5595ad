// Evaluating nodes on constant inputs with the runtime's kernels, shared by the constant-folding
// pass and the analysis.
#pragma once

#include "ops/op.h"

#include <optional>

namespace sz0::passes {

// A node whose outputs may be computed ahead of time when its inputs are known: ai.onnx,
// deterministic, no subgraph.
bool can_fold(const Node& node);

// The value of a Shape or Size node whose input shape (`in`) is fully known; nullopt otherwise.
std::optional<Tensor> shape_value(const Node& node, int64_t opset, const TypeInfo* in);

// Runs `node`'s kernel on the constant inputs in `ictx` (types inferred, values set). Fails when
// an output's shape was not known beforehand or the kernel's result disagrees with it.
Result<std::vector<Tensor>> evaluate_node(const Node& node, int64_t opset, const ops::InferContext& ictx);

}  // namespace sz0::passes

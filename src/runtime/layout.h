// Runtime-only rewrite of float 1-D and 2-D convolution chains into the blocked channel layout
// (ops/internal.h): Conv becomes BlockedConv (oneDNN, activation fused), layout-agnostic ops in
// between (activations, broadcasting Add/Mul, pooling, channel Concat, global average pooling)
// run on the blocked tensors directly, and reorders appear only where a plain consumer needs the
// value. Needs the graph's types (channel counts); leaves anything it cannot prove unchanged.
#pragma once

#include <sz0/session.h>

namespace sz0 {

// Returns how many Conv nodes now run blocked. Adds the internal opset import when it rewrites.
int rewrite_blocked_layout(Model& model, const GraphTypes& types);

}  // namespace sz0

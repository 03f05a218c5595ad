// Runtime-only fusion of scaled dot-product attention written out (MatMul, Mul/Div by a
// constant, an optional mask Add, Softmax over the last axis, MatMul; passes::match_attention)
// into the internal Attention op (ops/nn/attention.cpp). Never written to files.
#pragma once

#include <sz0/graph.h>

namespace sz0 {

// Returns how many patterns were fused. Adds the internal opset import when it rewrites.
int fuse_attention(Model& model);

}  // namespace sz0

// Runtime-only fusion of MatMul / Gemm epilogues: a MatMul or Gemm with a constant float weight,
// followed by a bias Add, an activation (GELU written out included) or a residual Add, becomes
// one internal FusedMatMul node (ops/nn/matmul_packed.cpp) whose GEMM applies them to each tile
// of the output while it is in cache. Never written to files.
#pragma once

#include <sz0/graph.h>

namespace sz0 {

// Returns how many nodes were fused. Adds the internal opset import when it rewrites.
int fuse_matmul_epilogues(Model& model);

}  // namespace sz0

// Internal: what pruning reports — parameter and multiply-accumulate counts.
#pragma once

#include <sz0/graph.h>

#include <map>
#include <string>

namespace sz0::prune {

// Elements of float initializers (float32, float16, bfloat16, double).
int64_t float_params(const Model& model);

// Multiply-accumulates per inference of every Conv, ConvTranspose, Gemm and MatMul node (by
// name), at the shapes inferred with `input_shapes` (other symbolic dims taken as 1). A node
// whose shapes are unknown is absent.
std::map<std::string, int64_t> node_macs(const Model& model, const std::map<std::string, Shape>& input_shapes);

// `input_shapes` completed with every runtime input whose dims are all known once unnamed or
// symbolic dims are taken as 1.
std::map<std::string, Shape> concrete_input_shapes(const Model& model, std::map<std::string, Shape> input_shapes);

}  // namespace sz0::prune

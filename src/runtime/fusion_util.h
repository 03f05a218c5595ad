// Helpers shared by the session's runtime-only fusions (runtime/layout.cpp, fuse_matmul.cpp).
#pragma once

#include <sz0/graph.h>

#include "passes/pass.h"

#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace sz0 {

// Activations a fused epilogue runs (the ONNX op names; attributes as activation_params).
bool is_fusable_activation(const std::string& op_type);

// The activation_params attribute of a fused node for activation node `a`: LeakyRelu alpha;
// HardSigmoid alpha, beta; Clip min, max (from attributes before opset 11, from constant inputs
// after). nullopt when a Clip bound is not a constant. `constant` looks a value up.
std::optional<std::vector<float>> activation_params(const Node& a, int64_t opset,
                                                    const std::function<const Tensor*(const std::string&)>& constant);

// Sets the activation and activation_params attributes of fused node `n`.
void set_activation(Node& n, const std::string& act, const std::vector<float>& params);

// Activations written out of elementary ops (GELU with Erf, SiLU with Sigmoid, hard swish with
// HardSigmoid or Clip below opset 14), keyed by their input: the activation name ("Gelu",
// "Silu", "HardSwish"), the pattern's nodes and its output.
struct WrittenOutActivation {
  std::string act;
  std::vector<int> nodes;
  std::string output;
};
std::map<std::string, WrittenOutActivation> written_out_activations(const passes::GraphView& v);

// Whether every reader of `name` is one of `nodes` (and the value is not a graph output).
bool readers_within(const passes::GraphView& v, const std::string& name, const std::vector<int>& nodes);

// Applies a runtime fusion's patch to the main graph (all or nothing) and imports the internal
// opset; returns the patch's rewrites, 0 when it is empty or does not apply.
int apply_runtime_patch(Model& model, passes::Patch patch);

}  // namespace sz0

// The activation of a fused node (FusedMatMul, BlockedConv's GEMM path) as a SIMD unary kernel:
// attributes activation (string: "", Relu, LeakyRelu, Clip, HardSwish, HardSigmoid, Sigmoid,
// Tanh, Gelu, GeluTanh, Silu) and activation_params (floats: LeakyRelu alpha; Clip min, max;
// HardSigmoid alpha, beta).
#pragma once

#include "kernels/simd_f32.h"
#include "ops/op.h"

#include <dnnl.hpp>

#include <optional>

namespace sz0::ops {

struct UnaryStep {
  kernels::UnaryF32 op = kernels::UnaryF32::Copy;
  kernels::UnaryArgs args;
};

// nullopt for no activation; an error for an unknown name.
Result<std::optional<UnaryStep>> activation_step(const Node& node);

// The same activation as oneDNN post-ops (eltwise). Clip's bounds are multiplied by
// `clip_scale` (an int8 kernel that runs Clip on values already divided by the output scale).
Status append_dnnl_activation(const Node& node, dnnl::post_ops& po, float clip_scale = 1.0f);

// The node's affine attribute [a, b] (y = a·y + b after the activation) as a step, if any.
std::optional<UnaryStep> affine_step(const Node& node);

}  // namespace sz0::ops

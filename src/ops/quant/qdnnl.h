// Helpers shared by the oneDNN int8 kernels of the session's quantized fusions (QConv,
// QMatMul, DynQMatMul; runtime/fuse_qdq.cpp makes them): the engine, the output type and
// activation attributes. Each kernel's registration takes a node only where oneDNN runs it with an
// optimized kernel; the fusion asks the registry before rewriting, so a configuration oneDNN
// serves only with its reference kernel stays as it was.
#pragma once

#include "ops/op.h"

#include <dnnl.hpp>

#include <optional>
#include <string>
#include <utility>

namespace sz0::ops::quant {

dnnl::engine& dnnl_cpu_engine();
dnnl::stream& dnnl_thread_stream();

// oneDNN's data type for uint8, int8, int32 and float32; nullopt for the rest.
std::optional<dnnl::memory::data_type> dnnl_type(DType t);

// The reference implementations ("ref:any", "ref_int8:any", ...) are orders of magnitude slower
// than the float graph the fusion replaces.
bool is_reference_impl(const char* impl_info);

// The fused node's output type from its `output` attribute: "uint8", "int8" or "" (float).
DType fused_output_type(const Node& node);

// The activation of a fused node (attributes `activation`, `activation_params`) as oneDNN
// post-ops. With an 8-bit output (`y_scale` > 0), activations that commute with the scale
// (Relu, LeakyRelu, Clip with its bounds divided) run on values the output scales already
// divided by y_scale; any other runs on real values and a linear post-op divides after it
// (output_divisor says which: the output scales divide by what it returns).
Status append_quant_activation(const Node& node, float y_scale, dnnl::post_ops& po);
float output_divisor(const Node& node, float y_scale);

// Without VNNI, oneDNN's int8 kernels multiply with vpmaddubsw, which adds pairs of u8·s8
// products into a saturating int16: the result is exact only while |w| <= 64 (255·64·2 < 2^15).
// Quantizers targeting such CPUs keep weights to 7 bits for this reason ("reduce range"). True
// when int8 weights `w` give exact products on this CPU.
bool weights_exact_here(const Tensor& w);

// X (n floats) quantized to uint8 as DynamicQuantizeLinear does (ops/quant/quantize.cpp): the
// range extended to include 0, scale (max - min) / 255, round half to even. Returns the scale
// and the zero point.
std::pair<float, int32_t> dynamic_quantize(const float* x, int64_t n, uint8_t* q, int threads);

// Activations the 8-bit output path can run after the output scale (they commute with it).
bool activation_scale_invariant(const std::string& act);

}  // namespace sz0::ops::quant

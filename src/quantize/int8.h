// Internal: the INT8 rewrites behind ModelQuantizer (static QDQ / QOperator, dynamic).
#pragma once

#include <sz0/quantize.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sz0::quant {

// A node INT8 mode quantizes: its index, which input holds the weight, and the weight's output
// channel axis (Conv: 0; MatMul and Gemm without transB: 1; Gemm with transB: 0).
struct Int8Target {
  int node = -1;
  int weight_axis = 0;
};

// The nodes of the top-level graph that INT8 quantization takes: op types of options.op_types
// with float data and a constant weight, not excluded by op type or name. Nodes passed over by
// exclusion are appended to `excluded` with the reason.
std::vector<Int8Target> int8_targets(const Model& model, const QuantizeOptions& options,
                                     std::vector<FencedNode>& excluded);

// The activation tensors static quantization needs ranges for: the data input of each target,
// and for the QOperator format also its output.
std::set<std::string> int8_activations(const Model& model, const std::vector<Int8Target>& targets,
                                       const QuantizeOptions& options);

// Static INT8: QDQ pairs on activation inputs, int8 weights, int32 biases (or QLinear ops).
Status write_int8_static(Model& model, const std::vector<Int8Target>& targets,
                         const std::map<std::string, TensorRange>& ranges, const QuantizeOptions& options,
                         QuantizeReport& report);

// Dynamic INT8: DynamicQuantizeLinear + MatMulInteger / ConvInteger + float rescale (and bias)
// for MatMul, Gemm and Conv.
Status write_int8_dynamic(Model& model, const std::vector<Int8Target>& targets, const QuantizeOptions& options,
                          QuantizeReport& report);

// Symmetric int8 quantization of a float weight: one scale per slice along `axis` (or one for
// the whole tensor when axis < 0); values in [-qmax, qmax].
struct QuantizedWeight {
  Tensor values;  // int8, the weight's shape
  Tensor scale;   // float: [channels] or a scalar
};
QuantizedWeight quantize_weight(const Tensor& w, int axis, int qmax = 127);

}  // namespace sz0::quant

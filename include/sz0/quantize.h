// Quantization: lower-precision copies of a float32 model that stay standard ONNX.
//
//   ModelQuantizer q({.type = QuantizationType::Fp16});
//   Result<QuantizeReport> r = q.quantize(model);   // rewrites `model` in place
//
// FP16: float32 initializers and computation become float16; Cast nodes at the edges keep the
// graph's inputs and outputs float32 (keep_io_types). Ops that would overflow float16 (seen by
// running the float model on sample inputs) or that are numerically fragile stay float32, with
// Casts around them; the report lists each such "fenced" node and why.
//
// BF16: ONNX Runtime's CPU provider has almost no bfloat16 kernels, and many ONNX schemas do not
// admit bfloat16 at opset 17 (Conv, pools, RNNs), so BF16 stores the weights as bfloat16 with a
// Cast to float32 after each one, and computes in float32: half the file, unchanged speed.
//
// INT8 (dynamic, static) is declared and returns "not implemented yet".
#pragma once

#include <sz0/graph.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sz0 {

enum class QuantizationType { Fp16, Bf16, Int8Dynamic, Int8Static };

// "fp16", "bf16", "int8-dynamic", "int8-static"
const char* quantization_type_name(QuantizationType t);
Result<QuantizationType> parse_quantization_type(const std::string& name);

// Op types kept in float32 by default in FP16 mode, with the reason (docs/quantize.md).
const std::map<std::string, std::string>& default_fp32_ops();

struct QuantizeOptions {
  QuantizationType type = QuantizationType::Fp16;
  // Graph inputs and outputs stay float32 (Casts inside the graph) when true.
  bool keep_io_types = true;
  // Op types that stay float32 whatever the data says; empty: default_fp32_ops().
  std::map<std::string, std::string> fp32_ops;
  // |x| above this (float16's largest finite value is 65504) fences the op that reads or writes x.
  float overflow_limit = 60000.f;
  // ReduceSum/ReduceMean over more elements than this (per output element) stay float32.
  int64_t max_reduce_elements = 4096;
  // Samples the float model is run on to measure activation ranges; empty: one generated
  // sample (uniform [-1, 1) floats, integers in [0, 10), symbolic dims 1), seeded.
  std::vector<std::map<std::string, Tensor>> samples;
  uint32_t seed = 0;
  // BF16: initializers with fewer elements stay float32 (a Cast costs more than it saves).
  int64_t min_bf16_elements = 16;
  // Run the converted model on the samples and fail when an output is not finite.
  bool verify_finite = true;
};

struct FencedNode {
  std::string name;
  std::string op_type;
  std::string reason;
};

struct QuantizeReport {
  QuantizationType type = QuantizationType::Fp16;
  int nodes_converted = 0;                 // compute nodes now running in the low precision
  std::map<std::string, int> converted_ops;  // op type → count
  std::vector<FencedNode> fenced;          // float nodes kept in float32, with the reason
  int casts_added = 0;
  int initializers_converted = 0;
  int64_t parameters = 0;                  // elements of float initializers
  int64_t bytes_before = 0;                // initializer bytes
  int64_t bytes_after = 0;
};

class ModelQuantizer {
 public:
  explicit ModelQuantizer(QuantizeOptions options = {}) : options_(std::move(options)) {}
  // Rewrites `model` in place; on error the model is left unspecified (work on a copy).
  Result<QuantizeReport> quantize(Model& model) const;
  const QuantizeOptions& options() const { return options_; }

 private:
  QuantizeOptions options_;
};

// Largest |value| of every float tensor (initializers, inputs, node outputs) of the top-level
// graph when `model` runs (sz0 Session, unoptimized) on each sample; the maximum over samples.
Result<std::map<std::string, double>> activation_ranges(const Model& model,
                                                        const std::vector<std::map<std::string, Tensor>>& samples);

// A deterministic sample for every runtime input: floats in [-1, 1), integers in [0, 10), bools;
// symbolic or unknown dims 1.
std::map<std::string, Tensor> generated_sample(const Model& model, uint32_t seed);

}  // namespace sz0

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
// INT8 dynamic: MatMul, Gemm and Conv with constant weights become DynamicQuantizeLinear +
// MatMulInteger / ConvInteger (int8 symmetric weights, per output channel by default) and a
// float rescale.
//
// INT8 static: the float model runs over calibration samples, one at a time (histograms, never
// all activations at once); a range per activation tensor is chosen (min-max, percentile, KL
// entropy or MSE); the inputs of Conv/MatMul/Gemm get QuantizeLinear → DequantizeLinear pairs,
// weights become int8 (per channel) and biases int32 (QDQ format), or the ops become
// QLinearConv/QLinearMatMul (QOperator format). See docs/quantize.md.
#pragma once

#include <sz0/graph.h>

#include <cstddef>
#include <functional>
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

enum class CalibrationMethod { MinMax, Percentile, Entropy, Mse };
// "minmax", "percentile", "entropy", "mse"
const char* calibration_method_name(CalibrationMethod m);
Result<CalibrationMethod> parse_calibration_method(const std::string& name);

enum class QuantFormat { Qdq, QOperator };

// The quantization of one activation tensor: the calibrated range and what it gives.
struct TensorRange {
  float min = 0, max = 0;  // the chosen range (after the calibration method clipped it)
  float scale = 1;
  int zero_point = 0;
};

// Calibration samples read one at a time, so memory holds one sample however many there are.
struct SampleStream {
  size_t count = 0;
  std::function<Result<std::map<std::string, Tensor>>(size_t)> read;
};

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

  // --- INT8 ---
  // Calibration samples streamed one at a time (preferred over `samples` for large sets).
  SampleStream stream;
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.99;   // kept share of values, for CalibrationMethod::Percentile
  int histogram_bins = 2048;
  bool per_channel = true;     // weight scales per output channel (else one per tensor)
  // Weights in [-63, 63] (7 bits) instead of [-127, 127]. x86 CPUs without VNNI multiply
  // uint8 by int8 with an instruction (vpmaddubsw) whose int16 pair sums saturate once
  // 255·|w1| + 255·|w2| > 32767; ONNX Runtime's and oneDNN's kernels both do, and the outputs
  // then drift (measured: SQNR 13 dB instead of 40 on a classifier head). With 7-bit weights no
  // pair can saturate, at the cost of one bit of weight precision.
  bool reduce_range = true;
  DType activation_type = DType::UInt8;  // UInt8: asymmetric; Int8: symmetric (zero point 0)
  QuantFormat format = QuantFormat::Qdq;
  // Ops quantized. RNN, GRU and LSTM get int8 W and R (their input stays float).
  std::set<std::string> op_types = {"Conv", "MatMul", "Gemm", "RNN", "GRU", "LSTM"};
  std::set<std::string> exclude_ops;    // op types kept float
  std::set<std::string> exclude_nodes;  // node names kept float
  // Ranges to use instead of calibrating (a calibration cache); must cover every tensor.
  std::map<std::string, TensorRange> ranges;
  // Called after each calibration sample: (pass, samples done, samples in all).
  std::function<void(int, size_t, size_t)> progress;
  // Per-node sensitivity (each node quantized alone; the SQNR of the model's outputs).
  bool sensitivity = false;
  // Keep the most sensitive nodes float until the outputs' SQNR reaches min_sqnr_db.
  bool auto_exclude = false;
  double min_sqnr_db = 30;
};

struct LayerSensitivity {
  std::string node, op_type;
  double sqnr_db = 0, cosine = 0;  // of the model's outputs with this node alone quantized
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
  // INT8: the activation ranges used (the calibration cache's content), nodes left float by
  // exclusion, and the float-vs-quantized agreement on the calibration samples.
  std::map<std::string, TensorRange> ranges;
  std::vector<FencedNode> excluded;
  double min_cosine = 1, min_sqnr_db = 0;
  int verified_samples = 0;
  std::vector<LayerSensitivity> sensitivity;  // in graph order, when asked for
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

// How far a candidate's output is from a reference's, accumulated over samples.
struct OutputAgreement {
  double dot = 0, ref_sq = 0, cand_sq = 0, err_sq = 0, max_abs = 0, sum_abs = 0;
  int64_t count = 0, rows = 0, top1_same = 0;
  bool class_scores = false;  // [rows, classes] outputs: top-1 agreement is tracked
  bool finite = true;         // the candidate produced no NaN/Inf

  // Same shapes expected.
  void add(const Tensor& ref, const Tensor& cand);
  void merge(const OutputAgreement& other);  // as if `other`'s pairs had been added here
  double cosine() const;
  double sqnr_db() const;  // 10·log10(|ref|² / |ref - cand|²), 300 when identical
  double mean_abs_error() const { return count ? sum_abs / static_cast<double>(count) : 0.0; }
  double top1_agreement() const { return rows ? static_cast<double>(top1_same) / static_cast<double>(rows) : 1.0; }
};

// Calibration cache: JSON {"method", "activation_type", "tensors": {name: {"min", "max",
// "scale", "zero_point"}}}, written atomically; reading checks every field, and that the cache
// was made for `activation_type`.
Status write_calibration_cache(const std::string& path, const std::map<std::string, TensorRange>& ranges,
                               const QuantizeOptions& options);
Result<std::map<std::string, TensorRange>> read_calibration_cache(const std::string& path, DType activation_type);

// A deterministic sample for every runtime input: floats in [-1, 1), integers in [0, 10), bools;
// the shape from `shapes` where it names the input, else symbolic or unknown dims 1.
std::map<std::string, Tensor> generated_sample(const Model& model, uint32_t seed,
                                               const std::map<std::string, Shape>& shapes = {});

}  // namespace sz0

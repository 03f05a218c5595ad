// Pruning: sparser or physically smaller copies of a float32 model that stay standard ONNX.
//
//   ModelPruner p({.strategy = PruningStrategy::Magnitude, .amount = 0.5});
//   Result<PruneReport> r = p.prune(model);   // rewrites `model` in place
//
// Magnitude / random: the smallest-|w| (or randomly chosen) weights of Conv, Gemm, MatMul, GRU
// and LSTM become zero, per layer or over all layers at once (scope). The file keeps its shapes.
//
// Structured: output channels of Conv / Gemm / MatMul are removed, together with the matching
// input channels of every consumer. Tensors whose channels must stay aligned (a residual Add, a
// squeeze-excitation Mul, a depthwise convolution, BatchNormalization, activations) form one
// dependency group, pruned jointly by importance summed over the group. The result is a smaller
// dense model: every kernel runs fewer channels.
//
// N:M (2:4): in every group of M consecutive weights along the reduction axis (input channels),
// at most N stay non-zero: the pattern sparse tensor cores run.
//
// Reconstruction (calibration data): each pruned layer's remaining weights are re-fitted so the
// layer reproduces the original layer's outputs on the data (least squares on the layer inputs'
// second moments, with the inverse-Hessian updates of SparseGPT/OBS for unstructured and N:M
// masks); after structured pruning, BatchNormalization statistics are re-estimated. Data are
// streamed one sample at a time. See docs/prune.md.
#pragma once

#include <sz0/graph.h>
#include <sz0/quantize.h>  // SampleStream

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sz0 {

enum class PruningStrategy { Magnitude, Random, Structured, NM };
enum class PruningScope { Layer, Global };
// Channel importance for structured pruning: L1 or L2 norm of the channel's weights summed over
// the dependency group, or |gamma| of the BatchNormalizations on the group.
enum class ChannelImportance { L1, L2, BnScale };

// "magnitude", "random", "structured", "2:4" (any "N:M")
std::string pruning_strategy_name(PruningStrategy s, int n = 2, int m = 4);
// Parses a strategy; for "N:M" sets `n` and `m`.
Result<PruningStrategy> parse_pruning_strategy(const std::string& name, int& n, int& m);

struct PruneOptions {
  PruningStrategy strategy = PruningStrategy::Magnitude;
  // Share of the prunable weights set to zero (magnitude, random), or of each dependency
  // group's channels removed (structured). Ignored by N:M, whose share is 1 - n/m.
  double amount = 0.5;
  int n = 2, m = 4;  // N:M: at most n non-zero in every m
  PruningScope scope = PruningScope::Layer;
  ChannelImportance importance = ChannelImportance::L1;
  // Structured: a group whose channel count is a multiple of this keeps a multiple of it
  // (rounded to the nearest, at least one multiple). The runtime's fast convolutions work on
  // blocks of 8 channels; a count off the block falls back to slower kernels. 1: exact counts.
  int64_t channel_multiple = 8;
  std::set<std::string> exclude_nodes;  // node names left as they are (an unknown name is an error)
  // Layers with fewer weights than this are skipped (and reported): pruning them saves nothing.
  int64_t min_params = 1024;
  uint32_t seed = 0;  // random strategy
  // Re-fit the remaining weights on calibration data (`stream` must hold samples).
  bool reconstruct = false;
  SampleStream stream;
  double damp = 0.01;  // added to the Hessian's diagonal, as a share of its mean
  // Prune in `steps` stages (cubic schedule: amount·(1 - (1 - t/steps)³) after stage t), with
  // reconstruction after each when asked.
  int steps = 1;
  // Symbolic input dims for shape inference (MAC counts, Flatten sizes); unnamed dims are 1.
  std::map<std::string, Shape> input_shapes;
  // Called as work proceeds: (what, done, total).
  std::function<void(const std::string&, size_t, size_t)> progress;
};

struct LayerPruning {
  std::string node, op_type;
  int64_t params_before = 0, params_after = 0;  // weight elements (structured: the tensor shrinks)
  int64_t zeros_before = 0, zeros_after = 0;
  int64_t macs_before = 0, macs_after = 0;      // per inference, at the inferred shapes
  int64_t channels_before = 0, channels_after = 0;  // output channels
  bool pruned = false;
  std::string skipped;   // why not pruned: "excluded", "too small (N weights)", "channels reach a graph output", ...
  std::string runtime;   // how sz0 runs it: "smaller dense kernel", "dense kernel (zeros not exploited)"
  double reconstruction_gain_db = 0;  // layer output SQNR after re-fit minus before, when reconstructed
  std::string not_refit;              // why reconstruction left this layer as pruned (too little data)
};

struct PruneReport {
  PruningStrategy strategy = PruningStrategy::Magnitude;
  double amount = 0;
  int64_t params_before = 0, params_after = 0;      // all float initializer elements
  int64_t prunable_params = 0, prunable_zeros = 0;  // weights of the layers not skipped, after
  int64_t macs_before = 0, macs_after = 0;
  std::vector<LayerPruning> layers;  // graph order
  int channel_groups = 0, groups_pruned = 0;  // structured
  bool reconstructed = false;
  int samples = 0;  // calibration samples used
  // Outputs against the original's, over up to 16 calibration samples (one generated sample
  // without data). With reconstruction, the same pruning without it is measured too.
  int evaluated_samples = 0;
  double cosine = 0, sqnr_db = 0;
  double cosine_without_reconstruction = 0, sqnr_db_without_reconstruction = 0;
  double sparsity() const {
    return prunable_params ? static_cast<double>(prunable_zeros) / static_cast<double>(prunable_params) : 0.0;
  }
};

class ModelPruner {
 public:
  explicit ModelPruner(PruneOptions options = {}) : options_(std::move(options)) {}
  // Rewrites `model` in place; on error the model is left unspecified (work on a copy).
  Result<PruneReport> prune(Model& model) const;
  const PruneOptions& options() const { return options_; }

 private:
  PruneOptions options_;
};

// Sparsity of a model's weights.
struct LayerSparsity {
  std::string node, op_type, weight;
  int64_t params = 0, zeros = 0;
  int64_t out_channels = 0, in_channels = 0;
  bool nm_2_4 = false;  // every group of 4 along the input channels holds ≤ 2 non-zeros
  double sparsity() const { return params ? static_cast<double>(zeros) / static_cast<double>(params) : 0.0; }
};

struct SparsityReport {
  int64_t params = 0, zeros = 0;                    // all float initializer elements
  int64_t prunable_params = 0, prunable_zeros = 0;  // weights of Conv/Gemm/MatMul/GRU/LSTM
  std::vector<LayerSparsity> layers;                // graph order
  double sparsity() const { return params ? static_cast<double>(zeros) / static_cast<double>(params) : 0.0; }
  double prunable_sparsity() const {
    return prunable_params ? static_cast<double>(prunable_zeros) / static_cast<double>(prunable_params) : 0.0;
  }
};

SparsityReport model_sparsity(const Model& model);

}  // namespace sz0

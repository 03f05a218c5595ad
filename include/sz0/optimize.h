// Graph optimization: an ordered pipeline of rewrite passes per level, applied until nothing
// changes. The result is standard ONNX (ai.onnx ops valid at the model's opset, no custom
// domains), so any ONNX runtime loads it; runtime-only fusions are not written to files.
//
//   basic     constant folding, dead-code elimination, Identity / inference-Dropout removal,
//             common subexpression elimination
//   extended  basic + BatchNormalization folding, MatMul+Add → Gemm, Transpose / Reshape /
//             Squeeze-Unsqueeze cancellation
//   all       extended + fusions into standard ops the opset has: LayerNormalization,
//             HardSigmoid, HardSwish, Gelu
#pragma once

#include <sz0/graph.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sz0 {

enum class OptLevel { Basic, Extended, All };

// "basic", "extended", "all" (nullopt for anything else).
std::optional<OptLevel> parse_opt_level(std::string_view name);
std::string_view opt_level_name(OptLevel level);

struct OptimizeOptions {
  OptLevel level = OptLevel::All;
  // Fixes input dims (NAME → shape): the inputs' declared shapes become these, and shape
  // arithmetic that depended on them folds to constants. The model then accepts only them.
  std::map<std::string, Shape> fixed_shapes;
  // Upper bound on pipeline rounds; each round runs every pass of the level once.
  int max_rounds = 16;
  // The result is run in memory, not written: constant folding may then grow the model (a
  // Cast of float16 or bfloat16 weights to float becomes a float initializer, computed once
  // instead of on every run).
  bool in_memory = false;
};

struct OptimizeReport {
  std::map<std::string, int> ops_before, ops_after;       // op type → count, subgraphs included
  std::vector<std::pair<std::string, int>> applied;       // pass name → rewrites, pipeline order
  // Patterns recognized for the runtime's internal fusions; they have no standard op at the
  // model's opset, so they are counted here and left in the file unchanged.
  std::vector<std::pair<std::string, int>> detected;
  int64_t params_before = 0, params_after = 0;            // elements in initializers
  int rounds = 0;                                         // pipeline rounds run
};

// Raises the ai.onnx opset to `target` (no-op when it is already there), rewriting the nodes
// whose schema changed on the way, each keeping its meaning: Slice, Pad, TopK, Clip attributes
// become inputs; Squeeze, Unsqueeze, ReduceSum axes and Split sizes become inputs (13);
// inference Dropout becomes Identity; Scatter becomes ScatterElements; Softmax, LogSoftmax and
// Hardmax over a non-last axis are wrapped in Flatten/Reshape (their pre-13 2-D view). Upsample
// and Resize before 11 are refused. On error the model may be partly rewritten.
Status upgrade_opset(Model& model, int64_t target);

// Rewrites `model` in place. Graph input and output names, and the outputs' values, are kept.
// On error the model may be partly rewritten; callers that need the original keep a copy.
Result<OptimizeReport> optimize_model(Model& model, const OptimizeOptions& opts);

}  // namespace sz0

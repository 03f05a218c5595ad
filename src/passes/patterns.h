// Matchers for subgraphs that compute one well-known function. Passes use them to fuse into a
// standard op where the model's opset has one (LayerNormalization, Gelu); the runtime can use
// them for internal fusions where none exists (SiLU, scaled dot-product attention), which are
// never written to files.
//
// Each matcher looks at one anchor node (the last node of the pattern) and, on success, names
// the pattern's inputs, its nodes (interior values are read by the pattern only) and its output.
#pragma once

#include "passes/pass.h"

#include <optional>
#include <string>
#include <vector>

namespace sz0::passes {

struct PatternMatch {
  std::vector<int> nodes;  // every node of the pattern, the anchor included
  std::string output;      // the anchor's output
};

// y = x * Sigmoid(x) (either operand order). Anchor: the Mul.
struct SiluMatch : PatternMatch {
  std::string x;
};
std::optional<SiluMatch> match_silu(const GraphView& v, int anchor);

// y = x * HardSigmoid(x) with alpha 1/6 and beta 1/2, or (x * Clip(x + 3, 0, 6)) / 6 (or
// times 1/6): hard swish as exporters write it below opset 14. Anchor: the Mul (or Div).
struct HardSwishMatch : PatternMatch {
  std::string x;
};
std::optional<HardSwishMatch> match_hard_swish(const GraphView& v, int anchor);

// y = 0.5 * x * (1 + Erf(x / sqrt(2))) in the orders exporters write it (x / sqrt 2 or
// x * (1 / sqrt 2); the 0.5 applied to x, to (1 + erf) or to the product). Anchor: the last Mul.
struct GeluMatch : PatternMatch {
  std::string x;
};
std::optional<GeluMatch> match_gelu(const GraphView& v, int anchor);

// ReduceMean / Sub / Pow 2 (or Mul by itself) / ReduceMean / Add eps / Sqrt / Div, then an
// optional Mul by a constant scale and Add of a constant bias, over trailing axes. Anchor: the
// last node (Add, Mul or Div). `axis` is negative (counted from the end).
struct LayerNormMatch : PatternMatch {
  std::string x;
  int64_t axis = -1;
  float epsilon = 1e-5f;
  std::string scale, bias;  // constant names; empty when the pattern has none
  Shape normalized;         // dims of x from `axis` on (known)
};
std::optional<LayerNormMatch> match_layer_norm(const GraphView& v, int anchor);

// softmax(Q·K [/ or * scale] [+ mask]) · V. Anchor: the last MatMul. `scale` is the factor the
// scores are multiplied by (1 / c for a Div by c; 1 when there is none).
struct AttentionMatch : PatternMatch {
  std::string q, k, v;
  std::string mask;  // empty when there is none
  double scale = 1.0;
  int64_t softmax_axis = -1;
};
std::optional<AttentionMatch> match_attention(const GraphView& v, int anchor);

// Clip(x + shift, lo, hi) with constant shift and bounds (the core of hard sigmoid / swish).
// Matched from the Clip's output, whose Add must feed nothing else.
struct ShiftedClip : PatternMatch {
  std::string x;
  double shift = 0, lo = 0, hi = 0;
};
std::optional<ShiftedClip> match_shifted_clip(const GraphView& v, const std::string& clip_output);

// Counts of matches over a graph and its subgraphs ("silu", "gelu", "layer_norm", "attention").
std::vector<std::pair<std::string, int>> detect_patterns(const Model& model);

}  // namespace sz0::passes

// Gelu fusion (all).
// Targets: the exact (erf) form, 0.5 * x * (1 + Erf(x / sqrt 2)), however its product is
//          grouped (see match_gelu).
// Applies: the model's ai.onnx opset is 20 or newer (Gelu's first version), the runtime can run
//          Gelu (so that optimized files stay runnable here), and the pattern's inner values
//          feed nothing else.
// Changes: the pattern becomes one Gelu node.
#include "passes/patterns.h"

#include "ops/op.h"

#include <cmath>

namespace sz0::passes {

namespace {

// Loose enough for the constants of a float16 export (sqrt 2 stored as 1.4140625): GELU with
// them differs from exact GELU by less than float16 itself resolves.
constexpr double kTol = 1e-3;

// Leaves of a product: the anchor Mul's operands, expanding an operand that is itself a Mul
// read only here (two levels: every grouping of a three-factor product).
void factors(const GraphView& v, const std::string& name, int depth, std::vector<std::string>& leaves, std::vector<int>& nodes) {
  const Node* mul = v.producer_of(name, "Mul");
  const bool expand = mul && mul->inputs.size() == 2 && (depth == 0 || (depth == 1 && v.single_use(name)));
  if (!expand) {
    leaves.push_back(name);
    return;
  }
  nodes.push_back(v.producer(name));
  for (const std::string& in : mul->inputs) factors(v, in, depth + 1, leaves, nodes);
}

// 1 + Erf(x / sqrt 2): returns x and the pattern's nodes.
std::optional<std::string> one_plus_erf(const GraphView& v, const std::string& name, std::vector<int>& nodes) {
  const Node* add = v.producer_of(name, "Add");
  if (!add || add->inputs.size() != 2 || !v.single_use(name)) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    if (!is_scalar_value(v.constant(add->inputs[static_cast<size_t>(1 - side)]), 1.0, kTol)) continue;
    const std::string& e = add->inputs[static_cast<size_t>(side)];
    const Node* erf = v.producer_of(e, "Erf");
    if (!erf || erf->inputs.size() != 1 || !v.single_use(e)) continue;
    const std::string& t = erf->inputs[0];
    const int tp = v.producer(t);
    if (tp < 0 || !v.single_use(t)) continue;
    const Node& scale = v.node(tp);
    if (!is_onnx_domain(scale.domain) || scale.inputs.size() != 2) continue;
    std::optional<std::string> x;
    if (scale.op_type == "Div" && is_scalar_value(v.constant(scale.inputs[1]), std::sqrt(2.0), kTol)) x = scale.inputs[0];
    for (int s = 0; s < 2 && scale.op_type == "Mul" && !x; ++s)
      if (is_scalar_value(v.constant(scale.inputs[static_cast<size_t>(1 - s)]), 1.0 / std::sqrt(2.0), kTol))
        x = scale.inputs[static_cast<size_t>(s)];
    if (!x) continue;
    nodes.insert(nodes.end(), {v.producer(name), v.producer(e), tp});
    return x;
  }
  return std::nullopt;
}

}  // namespace

std::optional<GeluMatch> match_gelu(const GraphView& v, int anchor) {
  const Node& mul = v.node(anchor);
  if (!is_onnx_domain(mul.domain) || mul.op_type != "Mul" || mul.inputs.size() != 2 || !mul.has_output(0)) return std::nullopt;
  std::vector<std::string> leaves;
  std::vector<int> nodes;
  factors(v, mul.outputs[0], 0, leaves, nodes);
  if (leaves.size() != 3) return std::nullopt;
  // One leaf is 0.5, one is 1 + erf(x / sqrt 2), one is x itself.
  for (size_t half = 0; half < 3; ++half) {
    if (!is_scalar_value(v.constant(leaves[half]), 0.5, kTol)) continue;
    for (size_t e = 0; e < 3; ++e) {
      if (e == half) continue;
      const size_t xi = 3 - half - e;
      std::vector<int> inner;
      auto x = one_plus_erf(v, leaves[e], inner);
      if (!x || *x != leaves[xi]) continue;
      GeluMatch m;
      m.x = *x;
      m.nodes = nodes;
      m.nodes.insert(m.nodes.end(), inner.begin(), inner.end());
      m.output = mul.outputs[0];
      return m;
    }
  }
  return std::nullopt;
}

Result<Patch> fuse_gelu(const GraphView& v, PassContext&) {
  Patch p;
  const int64_t opset = v.opset();
  if (opset < 20 || !ops::is_supported("", "Gelu", opset)) return p;
  for (int i = 0; i < v.size(); ++i) {
    auto m = match_gelu(v, i);
    if (!m || !p.free(m->nodes)) continue;
    p.replace(m->nodes, {make_node("Gelu", {m->x}, {m->output}, v.node(i).name)});
  }
  return p;
}

}  // namespace sz0::passes

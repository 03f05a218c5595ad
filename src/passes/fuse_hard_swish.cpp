// HardSwish fusion (all).
// Targets: x * HardSigmoid(x) with alpha 1/6 and beta 1/2, and x * Clip(x + 3, 0, 6) / 6 (or
//          times 1/6): the forms exporters write for hard swish below opset 14.
// Applies: ai.onnx opset 14 or newer (HardSwish's first version); interior values feed nothing
//          else.
// Changes: one HardSwish(x) node.
#include "passes/patterns.h"

#include <cmath>

namespace sz0::passes {

namespace {

constexpr double kTol = 1e-5;

bool near(double a, double b) { return std::fabs(a - b) <= kTol * std::max(1.0, std::fabs(b)); }

// x * HardSigmoid(x): the nodes, or nullopt.
std::optional<std::vector<int>> times_hard_sigmoid(const GraphView& v, const Node& mul, int anchor, std::string& x) {
  for (int side = 0; side < 2; ++side) {
    const std::string& h = mul.inputs[static_cast<size_t>(1 - side)];
    const Node* hs = v.producer_of(h, "HardSigmoid");
    if (!hs || hs->inputs.size() != 1 || hs->inputs[0] != mul.inputs[static_cast<size_t>(side)] || !v.single_use(h)) continue;
    if (!near(hs->attr_float("alpha", 0.2f), 1.0 / 6.0) || !near(hs->attr_float("beta", 0.5f), 0.5)) continue;
    x = hs->inputs[0];
    return std::vector<int>{v.producer(h), anchor};
  }
  return std::nullopt;
}

// (x * Clip(x + 3, 0, 6)) / 6 or * (1/6): the nodes, or nullopt.
std::optional<std::vector<int>> scaled_product(const GraphView& v, const Node& n, int anchor, std::string& x) {
  for (int side = 1; side >= (n.op_type == "Mul" ? 0 : 1); --side) {
    const Tensor* k = v.constant(n.inputs[static_cast<size_t>(side)]);
    if (!k || k->numel() != 1 || !near(n.op_type == "Div" ? k->get_double(0) : 1.0 / k->get_double(0), 6.0)) continue;
    const std::string& t = n.inputs[static_cast<size_t>(1 - side)];
    const Node* mul = v.producer_of(t, "Mul");
    if (!mul || mul->inputs.size() != 2 || !v.single_use(t)) continue;
    for (int s = 0; s < 2; ++s) {
      const std::string& c = mul->inputs[static_cast<size_t>(1 - s)];
      auto m = match_shifted_clip(v, c);
      if (!m || !v.single_use(c) || m->x != mul->inputs[static_cast<size_t>(s)]) continue;
      if (!near(m->shift, 3.0) || m->lo != 0 || !near(m->hi, 6.0)) continue;
      x = m->x;
      std::vector<int> nodes = m->nodes;
      nodes.insert(nodes.end(), {v.producer(t), anchor});
      return nodes;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Patch> fuse_hard_swish(const GraphView& v, PassContext&) {
  Patch p;
  if (v.opset() < 14) return p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (!is_onnx_domain(n.domain) || n.inputs.size() != 2 || !n.has_output(0)) continue;
    std::string x;
    std::optional<std::vector<int>> nodes;
    if (n.op_type == "Mul") nodes = times_hard_sigmoid(v, n, i, x);
    if (!nodes && (n.op_type == "Mul" || n.op_type == "Div")) nodes = scaled_product(v, n, i, x);
    if (!nodes || !p.free(*nodes)) continue;
    p.replace(*nodes, {make_node("HardSwish", {x}, {n.outputs[0]}, n.name)});
  }
  return p;
}

}  // namespace sz0::passes

// Hard swish as exporters write it below opset 14 (HardSwish's first version): for the
// optimizer's fusion into HardSwish, and for the runtime's internal fusions at older opsets.
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

std::optional<HardSwishMatch> match_hard_swish(const GraphView& v, int anchor) {
  const Node& n = v.node(anchor);
  if (!is_onnx_domain(n.domain) || n.inputs.size() != 2 || !n.has_output(0)) return std::nullopt;
  HardSwishMatch m;
  std::optional<std::vector<int>> nodes;
  if (n.op_type == "Mul") nodes = times_hard_sigmoid(v, n, anchor, m.x);
  if (!nodes && (n.op_type == "Mul" || n.op_type == "Div")) nodes = scaled_product(v, n, anchor, m.x);
  if (!nodes) return std::nullopt;
  m.nodes = std::move(*nodes);
  m.output = n.outputs[0];
  return m;
}

}  // namespace sz0::passes

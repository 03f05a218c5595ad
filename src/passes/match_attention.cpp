// Scaled dot-product attention: softmax(Q·K * scale + mask)·V. ONNX has no standard op for it
// below opset 23, so it is only detected, for the runtime's internal fusions and the report.
#include "passes/patterns.h"

namespace sz0::passes {

namespace {

// The constant scalar among a binary node's inputs and the other input; nullopt if none.
std::optional<std::pair<double, std::string>> scalar_operand(const GraphView& v, const Node& n, bool either_side) {
  if (n.inputs.size() != 2) return std::nullopt;
  for (int side = 1; side >= (either_side ? 0 : 1); --side) {
    const Tensor* c = v.constant(n.inputs[static_cast<size_t>(side)]);
    if (c && c->numel() == 1 && dtype_is_float(c->dtype()))
      return std::make_pair(c->get_double(0), n.inputs[static_cast<size_t>(1 - side)]);
  }
  return std::nullopt;
}

}  // namespace

std::optional<AttentionMatch> match_attention(const GraphView& v, int anchor) {
  const Node& out = v.node(anchor);
  if (!is_onnx_domain(out.domain) || out.op_type != "MatMul" || out.inputs.size() != 2 || !out.has_output(0)) return std::nullopt;
  AttentionMatch m;
  m.v = out.inputs[1];
  m.output = out.outputs[0];
  const Node* softmax = v.producer_of(out.inputs[0], "Softmax");
  if (!softmax || !v.single_use(out.inputs[0])) return std::nullopt;
  m.softmax_axis = softmax->attr_int("axis", v.opset() >= 13 ? -1 : 1);
  std::vector<int> nodes = {v.producer(out.inputs[0]), anchor};
  std::string scores = softmax->inputs[0];
  // Optional mask: whichever Add operand is not the (scaled) scores.
  if (const Node* add = v.producer_of(scores, "Add"); add && add->inputs.size() == 2 && v.single_use(scores)) {
    for (int side = 0; side < 2; ++side) {
      const std::string& s = add->inputs[static_cast<size_t>(side)];
      const int p = v.producer(s);
      if (p < 0 || !v.single_use(s)) continue;
      const std::string& op = v.node(p).op_type;
      if (op != "Div" && op != "Mul" && op != "MatMul") continue;
      nodes.push_back(v.producer(scores));
      m.mask = add->inputs[static_cast<size_t>(1 - side)];
      scores = s;
      break;
    }
  }
  // Optional scale.
  if (const int p = v.producer(scores); p >= 0 && v.single_use(scores)) {
    const Node& n = v.node(p);
    if (is_onnx_domain(n.domain) && (n.op_type == "Div" || n.op_type == "Mul")) {
      auto c = scalar_operand(v, n, n.op_type == "Mul");
      if (!c || c->first == 0) return std::nullopt;
      m.scale = n.op_type == "Div" ? 1.0 / c->first : c->first;
      nodes.push_back(p);
      scores = c->second;
    }
  }
  const Node* qk = v.producer_of(scores, "MatMul");
  if (!qk || qk->inputs.size() != 2 || !v.single_use(scores)) return std::nullopt;
  nodes.push_back(v.producer(scores));
  m.q = qk->inputs[0];
  m.k = qk->inputs[1];
  m.nodes = std::move(nodes);
  return m;
}

}  // namespace sz0::passes

// SiLU (x * sigmoid(x)): no standard op at any opset up to 22, so it is only detected, for the
// runtime's internal fusions and for the optimizer's report.
#include "passes/patterns.h"

namespace sz0::passes {

std::optional<SiluMatch> match_silu(const GraphView& v, int anchor) {
  const Node& mul = v.node(anchor);
  if (!is_onnx_domain(mul.domain) || mul.op_type != "Mul" || mul.inputs.size() != 2 || !mul.has_output(0)) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const std::string& x = mul.inputs[static_cast<size_t>(side)];
    const std::string& s = mul.inputs[static_cast<size_t>(1 - side)];
    const Node* sig = v.producer_of(s, "Sigmoid");
    if (!sig || sig->inputs.size() != 1 || sig->inputs[0] != x || !v.single_use(s)) continue;
    SiluMatch m;
    m.x = x;
    m.nodes = {v.producer(s), anchor};
    m.output = mul.outputs[0];
    return m;
  }
  return std::nullopt;
}

}  // namespace sz0::passes

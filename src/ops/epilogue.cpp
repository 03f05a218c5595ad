#include "ops/epilogue.h"

namespace sz0::ops {

Result<std::optional<UnaryStep>> activation_step(const Node& node) {
  using kernels::UnaryF32;
  const std::string act = node.attr_string("activation", "");
  if (act.empty()) return std::optional<UnaryStep>();
  const std::vector<float> p = node.attr_floats("activation_params");
  auto param = [&](size_t i, float fallback) { return i < p.size() ? p[i] : fallback; };
  UnaryStep s;
  if (act == "Relu") s.op = UnaryF32::Relu;
  else if (act == "LeakyRelu") s = {UnaryF32::LeakyRelu, {param(0, 0.01f), 0.0f}};
  else if (act == "Clip") s = {UnaryF32::Clip, {param(0, -3.4e38f), param(1, 3.4e38f)}};
  else if (act == "HardSwish") s.op = UnaryF32::HardSwish;
  else if (act == "HardSigmoid") s = {UnaryF32::HardSigmoid, {param(0, 0.2f), param(1, 0.5f)}};
  else if (act == "Sigmoid") s.op = UnaryF32::Sigmoid;
  else if (act == "Tanh") s.op = UnaryF32::Tanh;
  else if (act == "Gelu") s.op = UnaryF32::Gelu;
  else if (act == "GeluTanh") s.op = UnaryF32::GeluTanh;
  else if (act == "Silu") s.op = UnaryF32::Silu;
  else return error("{}: unknown activation '{}'", node.label(), act);
  return std::optional<UnaryStep>(s);
}

std::optional<UnaryStep> affine_step(const Node& node) {
  const std::vector<float> af = node.attr_floats("affine");
  if (af.size() != 2) return std::nullopt;
  return UnaryStep{kernels::UnaryF32::Affine, {af[0], af[1]}};
}

}  // namespace sz0::ops

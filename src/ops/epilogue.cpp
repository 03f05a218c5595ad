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

Status append_dnnl_activation(const Node& node, dnnl::post_ops& po, float clip_scale) {
  const std::string act = node.attr_string("activation", "");
  const std::vector<float> p = node.attr_floats("activation_params");
  auto param = [&](size_t i, float fallback) { return i < p.size() ? p[i] : fallback; };
  using alg = dnnl::algorithm;
  if (act.empty()) return {};
  if (act == "Relu") po.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f);
  else if (act == "LeakyRelu") po.append_eltwise(1.f, alg::eltwise_relu, param(0, 0.01f), 0.f);
  else if (act == "Clip")
    po.append_eltwise(1.f, alg::eltwise_clip_v2, param(0, -3.4e38f) * clip_scale, param(1, 3.4e38f) * clip_scale);
  else if (act == "HardSwish") po.append_eltwise(1.f, alg::eltwise_hardswish, 0.f, 0.f);
  else if (act == "HardSigmoid") {
    po.append_eltwise(1.f, alg::eltwise_linear, param(0, 0.2f), param(1, 0.5f));
    po.append_eltwise(1.f, alg::eltwise_clip_v2, 0.f, 1.f);
  } else if (act == "Sigmoid") po.append_eltwise(1.f, alg::eltwise_logistic, 0.f, 0.f);
  else if (act == "Tanh") po.append_eltwise(1.f, alg::eltwise_tanh, 0.f, 0.f);
  else if (act == "Gelu") po.append_eltwise(1.f, alg::eltwise_gelu_erf, 0.f, 0.f);
  else if (act == "GeluTanh") po.append_eltwise(1.f, alg::eltwise_gelu_tanh, 0.f, 0.f);
  else if (act == "Silu") po.append_eltwise(1.f, alg::eltwise_swish, 1.f, 0.f);
  else return error("{}: unknown activation '{}'", node.label(), act);
  return {};
}

}  // namespace sz0::ops

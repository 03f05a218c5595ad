#include "ops/quant/qdnnl.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sz0::ops::quant {

dnnl::engine& dnnl_cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& dnnl_thread_stream() {
  thread_local dnnl::stream stream(dnnl_cpu_engine());
  return stream;
}

std::optional<dnnl::memory::data_type> dnnl_type(DType t) {
  using dt = dnnl::memory::data_type;
  switch (t) {
    case DType::UInt8: return dt::u8;
    case DType::Int8: return dt::s8;
    case DType::Int32: return dt::s32;
    case DType::Float: return dt::f32;
    default: return std::nullopt;
  }
}

bool is_reference_impl(const char* impl_info) { return !impl_info || std::strncmp(impl_info, "ref", 3) == 0; }

bool weights_exact_here(const Tensor& w) {
  static const bool vnni = [] {
    const int isa = static_cast<int>(dnnl::get_effective_cpu_isa());
    auto has = [isa](dnnl::cpu_isa x) { return (isa & static_cast<int>(x)) == static_cast<int>(x); };
    return has(dnnl::cpu_isa::avx2_vnni) || has(dnnl::cpu_isa::avx512_core_vnni);
  }();
  if (vnni) return true;
  if (w.dtype() != DType::Int8) return false;
  const int8_t* v = w.data<int8_t>();
  return std::all_of(v, v + w.numel(), [](int8_t x) { return x >= -64 && x <= 64; });
}

DType fused_output_type(const Node& node) {
  const std::string t = node.attr_string("output", "");
  return t == "uint8" ? DType::UInt8 : t == "int8" ? DType::Int8 : DType::Float;
}

bool activation_scale_invariant(const std::string& act) {
  return act.empty() || act == "Relu" || act == "LeakyRelu" || act == "Clip";
}

Status append_quant_activation(const Node& node, float y_scale, dnnl::post_ops& po) {
  const std::string act = node.attr_string("activation", "");
  const std::vector<float> p = node.attr_floats("activation_params");
  auto param = [&](size_t i, float fallback) { return i < p.size() ? p[i] : fallback; };
  using alg = dnnl::algorithm;
  if (act.empty()) return {};
  const bool late = y_scale > 0 && !activation_scale_invariant(act);
  const float inv = y_scale > 0 && !late ? 1.0f / y_scale : 1.0f;
  if (act == "Relu") po.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f);
  else if (act == "LeakyRelu") po.append_eltwise(1.f, alg::eltwise_relu, param(0, 0.01f), 0.f);
  else if (act == "Clip") po.append_eltwise(1.f, alg::eltwise_clip_v2, param(0, -3.4e38f) * inv, param(1, 3.4e38f) * inv);
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
  if (late) po.append_eltwise(1.f, alg::eltwise_linear, 1.0f / y_scale, 0.f);
  return {};
}

float output_divisor(const Node& node, float y_scale) {
  return y_scale > 0 && activation_scale_invariant(node.attr_string("activation", "")) ? y_scale : 1.0f;
}

}  // namespace sz0::ops::quant

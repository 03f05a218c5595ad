#include "ops/quant/qdnnl.h"

#include "ops/epilogue.h"

#include "kernels/parallel.h"
#include "ops/quant/quant_util.h"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

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
  if (act.empty()) return {};
  const bool late = y_scale > 0 && !activation_scale_invariant(act);
  if (late && act == "HardSigmoid") {
    // clip(a·v + b, 0, 1) / y_scale as two post-ops: oneDNN 2.6's int8 kernels with an 8-bit
    // output compute the three-op chain (linear, clip, linear) wrongly (1 where 250 is right).
    const std::vector<float> ap = node.attr_floats("activation_params");
    const float inv = 1.0f / y_scale, a = ap.size() > 0 ? ap[0] : 0.2f, b = ap.size() > 1 ? ap[1] : 0.5f;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, a * inv, b * inv);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip_v2, 0.f, inv);
    return {};
  }
  SZ0_TRY(append_dnnl_activation(node, po, y_scale > 0 && !late ? 1.0f / y_scale : 1.0f));
  if (late) po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.0f / y_scale, 0.f);
  return {};
}

float output_divisor(const Node& node, float y_scale) {
  return y_scale > 0 && activation_scale_invariant(node.attr_string("activation", "")) ? y_scale : 1.0f;
}

std::pair<float, int32_t> dynamic_quantize(const float* x, int64_t n, uint8_t* q, int threads) {
  // The range always includes zero; NaNs are skipped. minps/maxps return their second operand
  // when either is NaN, which is `x < lo ? x : lo` exactly; the compiler leaves that scalar.
  float lo = 0, hi = 0;
  int64_t i = 0;
#if defined(__SSE2__)
  __m128 vlo = _mm_setzero_ps(), vhi = _mm_setzero_ps(), vlo2 = vlo, vhi2 = vhi;
  for (; i + 8 <= n; i += 8) {
    const __m128 a0 = _mm_loadu_ps(x + i), a1 = _mm_loadu_ps(x + i + 4);
    vlo = _mm_min_ps(a0, vlo);
    vhi = _mm_max_ps(a0, vhi);
    vlo2 = _mm_min_ps(a1, vlo2);
    vhi2 = _mm_max_ps(a1, vhi2);
  }
  alignas(16) float l[8], h[8];
  _mm_store_ps(l, vlo);
  _mm_store_ps(l + 4, vlo2);
  _mm_store_ps(h, vhi);
  _mm_store_ps(h + 4, vhi2);
  for (int u = 0; u < 8; ++u) {
    lo = l[u] < lo ? l[u] : lo;
    hi = h[u] > hi ? h[u] : hi;
  }
#endif
  for (; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  const int32_t zp = static_cast<int32_t>(round_half_even_small(std::clamp(0.0f - lo / scale, 0.0f, 255.0f)));
  const float qlo = static_cast<float>(0 - zp), qhi = static_cast<float>(255 - zp);
  kernels::parallel_for(n, threads, [&](int64_t b, int64_t e) {
    const float s = scale, l = qlo, h = qhi;
    const int32_t z = zp;
    const float* xs = x;
    uint8_t* ys = q;
    for (int64_t i = b; i < e; ++i) ys[i] = static_cast<uint8_t>(quantize_value(xs[i] / s, z, l, h));
  }, 1 << 15);
  return {scale, zp};
}

}  // namespace sz0::ops::quant

// QMatMul and DynQMatMul: matrix products of 8-bit activations by int8 weights on oneDNN's int8
// matmul, which the session makes of quantized MatMul / Gemm patterns (runtime/fuse_qdq.cpp).
// A's leading dimensions are stacked into rows. oneDNN's u8·s8 product is several times faster
// on this kind of CPU than s8·s8, so int8 activations are shifted to uint8 (a + 128 with the zero
// point + 128: the same differences) before the product.
//
// QMatMul(A [..., k] uint8/int8, W int8 initializer [k, n] ([n, k] when trans_b), B? float [n])
//   attributes: a_scale (float), a_zero_point (int), w_scales (floats: one or n), trans_b (int),
//   output ("uint8" / "int8" / absent: float), y_scale (float), y_zero_point (int), activation,
//   activation_params
//   y = act(a_scale · w_scale[j] · Σ (A - a_zero_point) · W + B[j]), then quantized when output is
//   set: saturate(round(y / y_scale) + y_zero_point).
//
// DynQMatMul(X [..., k] float, W int8 initializer [k, n], B? float [n]) -> float
//   attributes: w_scales (floats: one or n), activation, activation_params
//   X is quantized to uint8 as DynamicQuantizeLinear does (scale and zero point from X's range
//   extended to include 0, round half to even); then y = act(x_scale · w_scale[j] · Σ (X_q -
//   x_zero_point) · W + B[j]).
#include "kernels/parallel.h"
#include "ops/internal.h"
#include "ops/dnnl_scratch.h"
#include "ops/quant/qdnnl.h"
#include "ops/quant/qfew.h"
#include "ops/quant/quant_util.h"

#include <map>
#include <mutex>
#include <tuple>

namespace sz0::ops::quant {
namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

const Tensor* constant_at(const KernelInit& init, size_t i) {
  return i < init.constants.size() && init.node.has_input(i) ? init.constants[i] : nullptr;
}

Status infer_qmatmul(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs A and W");
  const TypeInfo& a = ctx.in(0);
  const TypeInfo& w = ctx.in(1);
  const bool dynamic = ctx.node.op_type == "DynQMatMul";
  TypeInfo& y = ctx.out(0);
  y.dtype = dynamic ? DType::Float : fused_output_type(ctx.node);
  if (a.dtype != DType::Undefined && (dynamic ? a.dtype != DType::Float : !is_q8(a.dtype)))
    return ctx.fail("unexpected input type {}", dtype_name(a.dtype));
  if (!a.has_rank() || !w.has_rank()) return {};
  if (w.rank() != 2 || a.rank() < 1) return ctx.fail("expects A of rank >= 1 and a 2-D W");
  const bool tb = ctx.node.attr_int("trans_b", 0) != 0;
  const Dim& k = (*w.shape)[tb ? 1 : 0];
  const Dim& ka = a.shape->back();
  if (k.known() && ka.known() && k.value != ka.value) return ctx.fail("inner dimensions differ: A {} vs W {}", ka.value, k.value);
  std::vector<Dim> d = *a.shape;
  d.back() = (*w.shape)[tb ? 0 : 1];
  y.shape = d;
  return {};
}

// Everything but the row count, parsed once.
struct MatMulParams {
  bool dynamic = false, trans_b = false;
  int64_t k = 0, n = 0;
  float a_scale = 1, y_scale = 0;  // y_scale 0: float output
  int32_t a_zp = 0, y_zp = 0;
  DType out_type = DType::Float;
  std::vector<float> w_scales, out_scales, bias, bias_acc;  // out_scales, bias_acc: static case
  dnnl::post_ops post_ops;
};

Result<MatMulParams> parse_params(const Node& node, const Tensor& w, const Tensor* b) {
  MatMulParams p;
  p.dynamic = node.op_type == "DynQMatMul";
  p.trans_b = node.attr_int("trans_b", 0) != 0;
  if (w.dtype() != DType::Int8 || w.rank() != 2) return error("{}: W must be an int8 2-D initializer", node.label());
  p.k = p.trans_b ? w.dim(1) : w.dim(0);
  p.n = p.trans_b ? w.dim(0) : w.dim(1);
  p.w_scales = node.attr_floats("w_scales");
  if (p.w_scales.size() == 1) p.w_scales.assign(static_cast<size_t>(p.n), p.w_scales[0]);
  if (static_cast<int64_t>(p.w_scales.size()) != p.n)
    return error("{}: w_scales has {} values for {} columns", node.label(), p.w_scales.size(), p.n);
  if (b && (b->dtype() != DType::Float || b->numel() != p.n)) return error("{}: B must hold {} floats", node.label(), p.n);
  if (b) p.bias.assign(b->data<float>(), b->data<float>() + p.n);
  if (!p.dynamic) {
    p.a_scale = node.attr_float("a_scale", 0.f);
    p.a_zp = static_cast<int32_t>(node.attr_int("a_zero_point", 0));
    p.out_type = fused_output_type(node);
    if (p.out_type != DType::Float) {
      p.y_scale = node.attr_float("y_scale", 0.f);
      p.y_zp = static_cast<int32_t>(node.attr_int("y_zero_point", 0));
      if (!(p.y_scale > 0)) return error("{}: y_scale must be positive", node.label());
    }
    for (int64_t j = 0; j < p.n; ++j) {
      // The accumulator counts in units of a_scale·w_scale[j]; oneDNN adds the bias before
      // scaling, so it goes in those units.
      const float unit = p.a_scale * p.w_scales[j];
      if (!(unit > 0)) return error("{}: scales must be positive", node.label());
      p.out_scales.push_back(unit / output_divisor(node, p.y_scale));
      if (b) p.bias_acc.push_back(p.bias[j] / unit);
    }
  }
  SZ0_TRY(append_quant_activation(node, p.y_scale, p.post_ops));
  return p;
}

struct Plan {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul mm;
  dnnl::memory weights;  // in this primitive's layout (shared with plans of the same layout)
};

// The primitive for `rows` rows of uint8 A; nullopt when oneDNN rejects it or has only its
// reference kernel.
std::optional<Plan> build_plan(const MatMulParams& p, int64_t rows) {
  const auto dst_dt = dnnl_type(p.out_type);
  if (!dst_dt || rows <= 0) return std::nullopt;
  dnnl::primitive_attr attr;
  use_caller_scratchpad(attr);
  const int mask = p.w_scales.size() > 1 ? 1 << 1 : 0;
  if (p.dynamic) attr.set_output_scales(mask, {DNNL_RUNTIME_F32_VAL});
  else attr.set_output_scales(mask, mask ? p.out_scales : std::vector<float>{p.out_scales[0]});
  // A's zero point is folded into the bias (see QMatMul::bias_for): oneDNN's own zero-point
  // compensation doubles the time of one-row products.
  if (p.y_zp != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
  attr.set_post_ops(p.post_ops);
  try {
    const dnnl::memory::desc a_md({rows, p.k}, dt::u8, tag::ab), w_md({p.k, p.n}, dt::s8, tag::any),
        b_md({1, p.n}, dt::f32, tag::ab), y_md({rows, p.n}, *dst_dt, tag::ab);
    auto desc = dnnl::matmul::desc(a_md, w_md, b_md, y_md);
    Plan plan;
    plan.pd = dnnl::matmul::primitive_desc(desc, attr, dnnl_cpu_engine());
    if (is_reference_impl(plan.pd.impl_info_str())) return std::nullopt;
    plan.mm = dnnl::matmul(plan.pd);
    return plan;
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

// Per-thread staging: A as uint8 and the dynamic case's per-call scales and bias.
struct Scratch {
  std::vector<uint8_t> a;
  std::vector<float> scales, bias;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

class QMatMul final : public Kernel {
 public:
  Status init(const KernelInit& in) {
    node_ = &in.node;
    const Tensor* w = constant_at(in, 1);
    const Tensor* b = constant_at(in, 2);
    if (!w) return error("{}: W must be an initializer", node_->label());
    if (in.node.has_input(2) && !b) return error("{}: B must be an initializer", node_->label());
    w_ = *w;
    SZ0_ASSIGN(p_, parse_params(in.node, w_, b));
    auto& eng = dnnl_cpu_engine();
    y_zp_ = p_.y_zp;
    y_zp_mem_ = dnnl::memory(dnnl::memory::desc({1}, dt::s32, tag::x), eng, &y_zp_);
    // Σ_k (a_k - z)·w_kn = Σ_k a_k·w_kn - z·colsum_n: the zero point's share is a per-column
    // constant, added to the bias in accumulator units (few_ keeps the column sums).
    SZ0_TRY(few_.init(in.node, p_.trans_b, p_.k, p_.n, w_.data<int8_t>()));
    for (int64_t j = 0; j < p_.n && !p_.dynamic; ++j) units_.push_back(p_.a_scale * p_.w_scales[j]);
    if (!in.inputs.empty() && in.inputs[0].fully_known() && p_.k > 0) {
      const int64_t rows = shape_numel(in.inputs[0].concrete()) / p_.k;
      if (rows > 0 && !(rows <= kFewRows && few_.usable())) SZ0_TRY(prepare(rows).status());
    }
    return {};
  }

  Status run(KernelContext& ctx) override {
    const Tensor& a = ctx.in(0);
    const int64_t k = p_.k, n = p_.n;
    if (a.rank() < 1 || a.dim(a.rank() - 1) != k)
      return ctx.fail("A {} does not end in the weight's {} rows", shape_str(a.shape()), k);
    const int64_t rows = k == 0 ? 0 : a.numel() / k;
    Tensor& y = ctx.output_for_overwrite(0);
    if (y.numel() != rows * n) return ctx.fail("output {} does not hold {}x{}", shape_str(y.shape()), rows, n);
    if (rows == 0 || n == 0) return {};
    if (k == 0) return ctx.fail("an empty inner dimension is not supported");
    const bool few = rows <= kFewRows && few_.usable();
    Plan* plan = nullptr;
    if (!few) {
      SZ0_ASSIGN(plan, prepare(rows));
    }
    Scratch& s = scratch();
    const void* a_u8 = a.raw();
    int32_t a_zp = p_.a_zp;
    float a_scale = p_.a_scale;
    if (p_.dynamic) {
      if (a.dtype() != DType::Float) return ctx.fail("X must be float");
      s.a.resize(static_cast<size_t>(a.numel()));
      std::tie(a_scale, a_zp) = dynamic_quantize(a.data<float>(), a.numel(), s.a.data(), ctx.threads());
      a_u8 = s.a.data();
      s.scales.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) s.scales[j] = a_scale * p_.w_scales[j];
      // In accumulator units (oneDNN adds it before the output scale); the scale is never 0.
      s.bias.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j)
        s.bias[j] = (p_.bias.empty() ? 0.f : p_.bias[j] / s.scales[j]) - static_cast<float>(a_zp) * few_.colsum[j];
    } else if (a.dtype() == DType::Int8) {
      // a + 128 as uint8 (flipping the sign bit), zero point + 128: the same differences.
      s.a.resize(static_cast<size_t>(a.numel()));
      const uint8_t* src = static_cast<const uint8_t*>(a.raw());
      uint8_t* dst = s.a.data();
      for (int64_t i = 0; i < a.numel(); ++i) dst[i] = static_cast<uint8_t>(src[i] ^ 0x80u);
      a_u8 = dst;
      a_zp += 128;
    } else if (a.dtype() != DType::UInt8) {
      return ctx.fail("A must be uint8 or int8, got {}", dtype_name(a.dtype()));
    }
    if (few) return run_few(ctx, static_cast<const uint8_t*>(a_u8), rows, a_zp, y);
    auto& eng = dnnl_cpu_engine();
    auto& stream = dnnl_thread_stream();
    dnnl::memory a_mem(plan->pd.src_desc(), eng, const_cast<void*>(a_u8));
    dnnl::memory y_mem(plan->pd.dst_desc(), eng, y.raw());
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, plan->weights}, {DNNL_ARG_DST, y_mem}};
    if (p_.y_zp != 0) args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST, y_zp_mem_);
    if (p_.dynamic) {
      const int64_t ns = p_.w_scales.size() > 1 ? n : 1;
      args.emplace(DNNL_ARG_ATTR_OUTPUT_SCALES, dnnl::memory(dnnl::memory::desc({ns}, dt::f32, tag::x), eng, s.scales.data()));
      args.emplace(DNNL_ARG_BIAS, dnnl::memory(dnnl::memory::desc({1, n}, dt::f32, tag::ab), eng, s.bias.data()));
    } else {
      args.emplace(DNNL_ARG_BIAS, bias_for(a_zp));
    }
    add_thread_scratchpad(args, plan->pd.scratchpad_desc(), eng);
    plan->mm.execute(stream, args);
    stream.wait();
    return {};
  }

 private:
  Result<Plan*> prepare(int64_t rows) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = plans_.find(rows); it != plans_.end()) return &it->second;
    std::optional<Plan> plan = build_plan(p_, rows);
    if (!plan) return error("{}: oneDNN has no int8 matmul for {} rows", node_->label(), rows);
    try {
      // Weights in the primitive's layout, reordered once per distinct layout.
      // Plans cached for other shapes may use another layout: each plan keeps its own (shared
      // between plans whose layouts agree).
      for (auto& [key, other] : plans_)
        if (other.weights.get(true) && other.weights.get_desc() == plan->pd.weights_desc()) plan->weights = other.weights;
      if (!plan->weights.get(true)) {
        auto& eng = dnnl_cpu_engine();
        dnnl::memory user(dnnl::memory::desc({p_.k, p_.n}, dt::s8, p_.trans_b ? tag::ba : tag::ab), eng,
                          const_cast<void*>(w_.raw()));
        plan->weights = dnnl::memory(plan->pd.weights_desc(), eng);
        dnnl::stream s(eng);
        dnnl::reorder(user, plan->weights).execute(s, user, plan->weights);
        s.wait();
      }
    } catch (const dnnl::error& e) {
      return error("{}: oneDNN cannot reorder the weights: {}", node_->label(), e.what());
    }
    return &plans_.emplace(rows, std::move(*plan)).first->second;
  }

  static constexpr int64_t kFewRows = 4;
  Status run_few(KernelContext& ctx, const uint8_t* a, int64_t rows, int32_t a_zp, Tensor& y) {
    const Scratch& s = scratch();
    const float* bias = p_.dynamic ? s.bias.data() : static_cast<const float*>(bias_for(a_zp).get_data_handle());
    const float* unit = p_.dynamic ? s.scales.data() : units_.data();
    few_.run(rows, a, p_.k, bias, unit, p_.out_type, p_.y_scale, p_.y_zp, y.raw(), ctx.threads());
    return {};
  }

  // The static bias with zero point `zp` folded in (one per zero point: uint8 input, or int8
  // shifted by 128).
  dnnl::memory bias_for(int32_t zp) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = biases_.find(zp);
    if (it == biases_.end()) it = biases_.emplace(zp, few_.folded_bias(p_.bias_acc, zp)).first;
    return dnnl::memory(dnnl::memory::desc({1, p_.n}, dt::f32, tag::ab), dnnl_cpu_engine(), it->second.data());
  }

  const Node* node_ = nullptr;
  Tensor w_;
  MatMulParams p_;
  std::vector<float> units_;  // a_scale · w_scale[j] (static)
  FewRows few_;              // W for few-row products, its column sums, the activation
  std::map<int32_t, std::vector<float>> biases_;
  int32_t y_zp_ = 0;
  dnnl::memory y_zp_mem_;
  std::mutex mu_;
  std::map<int64_t, Plan> plans_;
};

Result<std::unique_ptr<Kernel>> make_qmatmul(const KernelInit& init) {
  auto k = std::make_unique<QMatMul>();
  SZ0_TRY(k->init(init));
  return std::unique_ptr<Kernel>(std::move(k));
}

// Only configurations oneDNN runs with an optimized kernel, probed at the known row count (one
// row when it is unknown).
bool accepts_qmatmul(const KernelInit& init) {
  const Tensor* w = constant_at(init, 1);
  const Tensor* b = constant_at(init, 2);
  if (!w || (init.node.has_input(2) && !b) || !weights_exact_here(*w)) return false;
  auto p = parse_params(init.node, *w, b);
  if (!p.ok()) return false;
  int64_t rows = 1;
  if (!init.inputs.empty() && init.inputs[0].fully_known() && p->k > 0) rows = shape_numel(init.inputs[0].concrete()) / p->k;
  return build_plan(*p, std::max<int64_t>(rows, 1)).has_value();
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QMatMul", .since = 1, .infer = infer_qmatmul,
                .factory = make_qmatmul, .accepts = accepts_qmatmul, .kernel_name = "onednn_int8");
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "DynQMatMul", .since = 1, .infer = infer_qmatmul,
                .factory = make_qmatmul, .accepts = accepts_qmatmul, .kernel_name = "onednn_int8");

}  // namespace
}  // namespace sz0::ops::quant

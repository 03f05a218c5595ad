// QConv: a 1-D or 2-D convolution of 8-bit activations by int8 weights on oneDNN's int8
// convolution, which the session makes of DequantizeLinear → Conv → [activation] →
// [QuantizeLinear] (runtime/fuse_qdq.cpp). oneDNN's optimized int8 kernels for this CPU take
// channels-last tensors only, so the input is reordered to NHWC and the output back to NCHW
// inside the kernel; the weights are reordered once.
//
// Inputs: X [N, C, (H,) W] uint8 or int8; W [M, C / group, (kh,) kw] int8 initializer; B
// (optional) [M] float initializer, in real units.
// Attributes: those of Conv, and
//   x_scale (float), x_zero_point (int)     X's quantization
//   w_scales (floats)                       one, or one per output channel
//   output (string)                         "uint8" / "int8": Y = saturate(round(y / y_scale) +
//                                           y_zero_point); absent: Y = y in float32
//   y_scale (float), y_zero_point (int)     for an 8-bit output
//   activation, activation_params           any fusable one (see append_quant_activation)
//   dynamic (int)                           1: X is float, quantized per call to uint8 as
//                                           DynamicQuantizeLinear does (no x_scale; Y float)
//   src_channels_last, dst_channels_last    X / Y stored [N, (H,) W, C]: set by the session on
//                                           8-bit values that pass from one QConv to others
//                                           only, which then need no reorder in between
// where y = act(x_scale · w_scale[m] · Σ (X - x_zero_point) · W + B[m]).
//
// Depthwise 2-D convolutions (group = C = M) take their own kernel (qconv_depthwise.h).
#include "kernels/parallel.h"
#include "ops/internal.h"
#include "ops/dnnl_scratch.h"
#include "ops/quant/qconv_depthwise.h"
#include "ops/quant/qdnnl.h"
#include "ops/quant/qfew.h"
#include "ops/quant/quant_util.h"

#include <map>
#include <mutex>

namespace sz0::ops::quant {
namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

// [N, C, spatial...] <-> [N, spatial..., C].
template <class V>
std::vector<V> to_channels_last(const std::vector<V>& d) {
  std::vector<V> r = {d[0]};
  r.insert(r.end(), d.begin() + 2, d.end());
  r.push_back(d[1]);
  return r;
}
template <class V>
std::vector<V> from_channels_last(const std::vector<V>& d) {
  std::vector<V> r = {d[0], d.back()};
  r.insert(r.end(), d.begin() + 1, d.end() - 1);
  return r;
}

Status infer_qconv(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs X and W");
  const TypeInfo& x = ctx.in(0);
  ctx.out(0).dtype = fused_output_type(ctx.node);
  const bool dynamic = ctx.node.attr_int("dynamic", 0) != 0;
  if (x.dtype != DType::Undefined && (dynamic ? x.dtype != DType::Float : !is_q8(x.dtype)))
    return ctx.fail("unexpected input type {}", dtype_name(x.dtype));
  TypeInfo xf = x;
  xf.dtype = DType::Float;
  if (ctx.node.attr_int("src_channels_last", 0) && xf.has_rank() && xf.rank() >= 3) xf.shape = from_channels_last(*xf.shape);
  SZ0_ASSIGN(ctx.out(0).shape, conv_dims(ctx.node, xf, ctx.in(1)));
  if (ctx.node.attr_int("dst_channels_last", 0) && ctx.out(0).shape && ctx.out(0).shape->size() >= 3)
    ctx.out(0).shape = to_channels_last(*ctx.out(0).shape);
  return {};
}

// What the primitive needs from the node, parsed once.
struct QConvParams {
  bool dynamic = false;  // x_scale per call: the output scale and bias are applied after oneDNN
  int64_t group = 1, out_c = 0;
  float x_scale = 1, y_scale = 0;  // y_scale 0: float output
  int32_t x_zp = 0, y_zp = 0;
  DType out_type = DType::Float;
  std::vector<float> out_scales;   // per output channel (one when they are all equal)
  std::vector<float> bias_acc;     // B in accumulator units; empty when there is none
  dnnl::post_ops post_ops;
};

Result<QConvParams> parse_params(const Node& node, const Tensor& w, const Tensor* b) {
  QConvParams p;
  if (w.dtype() != DType::Int8 || (w.rank() != 3 && w.rank() != 4))
    return error("{}: W must be an int8 3-D or 4-D initializer", node.label());
  p.group = node.attr_int("group", 1);
  p.out_c = w.dim(0);
  if (p.group < 1 || p.out_c % p.group != 0) return error("{}: {} output channels in {} groups", node.label(), p.out_c, p.group);
  p.dynamic = node.attr_int("dynamic", 0) != 0;
  p.x_scale = p.dynamic ? 1.f : node.attr_float("x_scale", 0.f);
  p.x_zp = static_cast<int32_t>(node.attr_int("x_zero_point", 0));
  p.out_type = fused_output_type(node);
  if (p.dynamic && p.out_type != DType::Float) return error("{}: a dynamic QConv writes float", node.label());
  if (p.out_type != DType::Float) {
    p.y_scale = node.attr_float("y_scale", 0.f);
    p.y_zp = static_cast<int32_t>(node.attr_int("y_zero_point", 0));
    if (!(p.y_scale > 0)) return error("{}: y_scale must be positive", node.label());
  }
  const std::vector<float> ws = node.attr_floats("w_scales");
  if (ws.size() != 1 && static_cast<int64_t>(ws.size()) != p.out_c)
    return error("{}: w_scales has {} values for {} output channels", node.label(), ws.size(), p.out_c);
  if (!(p.x_scale > 0)) return error("{}: x_scale must be positive", node.label());
  if (b && (b->dtype() != DType::Float || b->numel() != p.out_c))
    return error("{}: B must hold {} floats", node.label(), p.out_c);
  for (size_t m = 0; m < ws.size(); ++m) {
    // The accumulator holds Σ x·w in units of x_scale·w_scale[m]; oneDNN adds the bias to it
    // before scaling.
    const float acc_unit = p.x_scale * ws[m];
    if (!(acc_unit > 0)) return error("{}: w_scales must be positive", node.label());
    p.out_scales.push_back(acc_unit / output_divisor(node, p.y_scale));
  }
  // Dynamic: oneDNN writes acc·w_scale; the kernel multiplies by the call's x_scale, then adds
  // the bias and applies the activation itself.
  if (b && !p.dynamic) {
    for (int64_t m = 0; m < p.out_c; ++m)
      p.bias_acc.push_back(b->data<float>()[m] / (p.x_scale * ws[ws.size() == 1 ? 0 : m]));
  }
  if (!p.dynamic) SZ0_TRY(append_quant_activation(node, p.y_scale, p.post_ops));
  return p;
}

// Immutable once built: concurrent runs read it (their buffers are per call or per thread).
struct Plan {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  dnnl::memory weights;  // in this primitive's layout (shared with plans of the same layout)
  dnnl::memory::desc user_src_md, user_dst_md;  // X and Y as they arrive: NC(H)W or channels last
  dnnl::memory::desc src_as_input_md;           // the primitive's source typed as the input (int8 input)
  ThreadSafeReorder to_nhwc, to_nchw;
  Shape out_shape;  // as stored (channels last when dst_channels_last)
  bool src_last = false, dst_last = false;
  // Without VNNI oneDNN halves the weights for an int8 source (losing their last bit): an int8
  // input is shifted to uint8 instead (x + 128, zero point + 128: the same differences).
  bool flip_sign = false;
  int32_t src_zp = 0;
  dnnl::memory src_zp_mem;
};

// Builds the primitive for input type `xt` and shape `xs`; nullopt when oneDNN rejects it.
std::optional<Plan> build_plan(const Node& node, const QConvParams& p, DType xt, const Shape& xs, const Tensor& w) {
  const int nd = static_cast<int>(w.rank()) - 2;
  const auto src_dt = dnnl_type(xt), dst_dt = dnnl_type(p.out_type);
  if (!src_dt || !is_q8(xt) || !dst_dt || static_cast<int>(xs.size()) != nd + 2 || xs[1] != w.dim(1) * p.group) return std::nullopt;
  auto g = parse_window(node, Shape(w.shape().begin() + 2, w.shape().end()), false);
  if (!g.ok()) return std::nullopt;
  auto out_sp = window_out_shape(node, *g, Shape(xs.begin() + 2, xs.end()));
  if (!out_sp.ok()) return std::nullopt;
  for (int64_t d : *out_sp)
    if (d <= 0) return std::nullopt;
  dims src_dims{xs[0], xs[1]}, dst_dims{xs[0], p.out_c}, strides, dil, pad_l, pad_r;
  dims wdims = p.group == 1 ? dims{p.out_c, w.dim(1)} : dims{p.group, p.out_c / p.group, w.dim(1)};
  for (int d = 0; d < nd; ++d) {
    src_dims.push_back(xs[2 + d]);
    dst_dims.push_back((*out_sp)[d]);
    wdims.push_back(w.dim(2 + d));
    strides.push_back(g->strides[d]);
    dil.push_back(g->dilations[d] - 1);
    pad_l.push_back(g->pads[d]);
    pad_r.push_back(g->pads[nd + d]);
  }
  const tag plain = nd == 1 ? tag::ncw : tag::nchw, last = nd == 1 ? tag::nwc : tag::nhwc;
  dnnl::primitive_attr attr;
  use_caller_scratchpad(attr);
  attr.set_output_scales(p.out_scales.size() == 1 ? 0 : 1 << 1, p.out_scales);
  const bool flip = xt == DType::Int8;
  const int32_t src_zp = flip ? p.x_zp + 128 : p.x_zp;
  if (src_zp != 0 || p.dynamic) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  if (p.y_zp != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
  attr.set_post_ops(p.post_ops);
  auto& eng = dnnl_cpu_engine();
  try {
    const dnnl::memory::desc src_md(src_dims, dt::u8, last), dst_md(dst_dims, *dst_dt, last);
    const dnnl::memory::desc w_md(wdims, dt::s8, tag::any), b_md(dims{p.out_c}, dt::f32, tag::x);
    const auto fwd = dnnl::prop_kind::forward_inference;
    const auto alg = dnnl::algorithm::convolution_direct;
    auto desc = p.bias_acc.empty() ? dnnl::convolution_forward::desc(fwd, alg, src_md, w_md, dst_md, strides, dil, pad_l, pad_r)
                                   : dnnl::convolution_forward::desc(fwd, alg, src_md, w_md, b_md, dst_md, strides, dil, pad_l, pad_r);
    Plan plan;
    plan.pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng);
    if (is_reference_impl(plan.pd.impl_info_str())) return std::nullopt;
    plan.conv = dnnl::convolution_forward(plan.pd);
    plan.src_last = node.attr_int("src_channels_last", 0) != 0;
    plan.dst_last = node.attr_int("dst_channels_last", 0) != 0;
    // X arriving channels last is copied only when int8 must be shifted to uint8 (in place on
    // the copy); uint8 is read where it lies.
    plan.user_src_md = dnnl::memory::desc(src_dims, *src_dt, plan.src_last ? last : plain);
    plan.user_dst_md = dnnl::memory::desc(dst_dims, *dst_dt, plain);
    plan.src_as_input_md = dnnl::memory::desc(src_dims, *src_dt, last);
    plan.to_nhwc = ThreadSafeReorder(plan.user_src_md, plan.src_as_input_md, eng);
    plan.to_nchw = ThreadSafeReorder(plan.pd.dst_desc(), plan.user_dst_md, eng);
    plan.flip_sign = flip;
    plan.src_zp = src_zp;
    plan.out_shape = Shape(dst_dims.begin(), dst_dims.end());
    if (plan.dst_last) plan.out_shape = to_channels_last(plan.out_shape);
    return plan;
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

class QConv final : public Kernel {
 public:
  Status init(const KernelInit& in) {
    node_ = &in.node;
    const Tensor* w = in.constants.size() > 1 ? in.constants[1] : nullptr;
    const Tensor* b = in.node.has_input(2) ? (in.constants.size() > 2 ? in.constants[2] : nullptr) : nullptr;
    if (!w) return error("{}: W must be an initializer", node_->label());
    if (in.node.has_input(2) && !b) return error("{}: B must be an initializer", node_->label());
    w_ = *w;
    SZ0_ASSIGN(p_, parse_params(in.node, w_, b));
    if (!p_.bias_acc.empty())
      bias_ = dnnl::memory(dnnl::memory::desc({p_.out_c}, dt::f32, tag::x), dnnl_cpu_engine(), p_.bias_acc.data());
    y_zp_ = p_.y_zp;
    auto& eng = dnnl_cpu_engine();
    y_zp_mem_ = dnnl::memory(dnnl::memory::desc({1}, dt::s32, tag::x), eng, &y_zp_);
    // A 1×1 convolution over one position (squeeze-excitation, pooled features) is a product of
    // a few rows: the dot-product kernel does it without oneDNN's per-call set-up and reorders.
    bool pointwise = p_.group == 1 && !p_.dynamic;
    for (int d = 2; d < w_.rank(); ++d) pointwise = pointwise && w_.dim(d) == 1;
    if (pointwise) {
      auto g = parse_window(in.node, Shape(w_.shape().begin() + 2, w_.shape().end()), false);
      pointwise = g.ok();
      for (size_t d = 0; pointwise && d < g->strides.size(); ++d) pointwise = g->strides[d] == 1;
      for (size_t d = 0; pointwise && d < g->pads.size(); ++d) pointwise = g->pads[d] == 0;
    }
    if (pointwise) {
      SZ0_TRY(few_.init(in.node, /*trans=*/true, w_.dim(1), p_.out_c, w_.data<int8_t>()));
      const std::vector<float> ws = in.node.attr_floats("w_scales");
      for (int64_t m = 0; m < p_.out_c; ++m) units_.push_back(p_.x_scale * ws[ws.size() == 1 ? 0 : m]);
    }
    if (DepthwiseQConv::takes(in.node, w_, p_.dynamic))  // no oneDNN plan
      return dw_.init(in.node, w_, {.x_zp = p_.x_zp, .y_zp = p_.y_zp, .y_scale = p_.y_scale, .out_type = p_.out_type,
                                    .out_scales = &p_.out_scales, .bias_acc = &p_.bias_acc});
    if (p_.dynamic) {
      SZ0_ASSIGN(act_, activation_step(in.node));
      if (b) bias_real_.assign(b->data<float>(), b->data<float>() + p_.out_c);
    }
    const DType xt = p_.dynamic ? DType::UInt8 : in.inputs.empty() ? DType::Undefined : in.inputs[0].dtype;
    if (!in.inputs.empty() && in.inputs[0].fully_known() && is_q8(xt) && in.inputs[0].rank() >= 3) {
      const Shape xs = in.inputs[0].concrete();
      SZ0_TRY(prepare(xt, in.node.attr_int("src_channels_last", 0) ? from_channels_last(xs) : xs).status());
    }
    return {};
  }

  Status run(KernelContext& ctx) override {
    if (p_.dynamic) return run_dynamic(ctx);
    return run_static(ctx, ctx.in(0));
  }

 private:
  // X float: quantized per call (DynamicQuantizeLinear's rule), the convolution on uint8 with
  // that zero point, then y = y_acc·x_scale + B[m] and the activation on the float output.
  Status run_dynamic(KernelContext& ctx) {
    const Tensor& xf = ctx.in(0);
    if (xf.dtype() != DType::Float) return ctx.fail("X must be float, got {}", dtype_name(xf.dtype()));
    thread_local Tensor xq;
    if (xq.shape() != xf.shape()) xq = Tensor(DType::UInt8, xf.shape());
    const auto [scale, zp] = dynamic_quantize(xf.data<float>(), xf.numel(), xq.data<uint8_t>(), ctx.threads());
    Tensor& y = ctx.output_for_overwrite(0);
    SZ0_TRY(run_static(ctx, xq, zp, &y));
    const int64_t planes = y.dim(0) * y.dim(1), size = planes ? y.numel() / planes : 0;
    float* yp = y.data<float>();
    const float xs = scale;
    kernels::parallel_for(planes, ctx.threads(), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const float b = bias_real_.empty() ? 0.f : bias_real_[pl % p_.out_c];
        float* v = yp + pl * size;
        for (int64_t i = 0; i < size; ++i) v[i] = v[i] * xs + b;
        if (act_) kernels::simd_f32().unary(act_->op, act_->args, v, v, size);
      }
    }, std::max<int64_t>(1, 4096 / std::max<int64_t>(size, 1)));
    return {};
  }

  // `dynamic_zp`: X's zero point of this call (dynamic mode).
  // `out`: the output when the caller already holds it (each output_for_overwrite call hands
  // out a new buffer).
  Status run_static(KernelContext& ctx, const Tensor& x, int32_t dynamic_zp = 0, Tensor* out = nullptr) {
    if (few_.usable() && x.rank() >= 3 && x.dim(0) > 0 && x.dim(0) <= 4 && x.numel() == x.dim(0) * w_.dim(1))
      return run_few(ctx, x);
    const bool src_last = node_->attr_int("src_channels_last", 0) != 0;
    if (x.numel() == 0) {  // an empty batch: nothing to compute, oneDNN takes no empty shapes
      (out ? *out : ctx.output_for_overwrite(0));
      return {};
    }
    if (src_last && x.rank() < 3) return ctx.fail("channels-last input of rank {}", x.rank());
    if (dw_.ready()) return dw_.run(ctx, x, out);
    SZ0_ASSIGN(Plan * p, prepare(x.dtype(), src_last ? from_channels_last(x.shape()) : x.shape()));
    Tensor& y = out ? *out : ctx.output_for_overwrite(0);
    if (y.shape() != p->out_shape || y.dtype() != p_.out_type)
      return ctx.fail("output {} differs from the plan's {}", shape_str(y.shape()), shape_str(p->out_shape));
    auto& stream = dnnl_thread_stream();
    auto& eng = dnnl_cpu_engine();
    dnnl::memory src;
    if (p->src_last && !p->flip_sign) {
      src = dnnl::memory(p->pd.src_desc(), eng, const_cast<void*>(x.raw()));
    } else {
      src = thread_scratch(p->pd.src_desc(), eng, ScratchSlot::Source);
      p->to_nhwc.execute(stream, dnnl::memory(p->user_src_md, eng, const_cast<void*>(x.raw())),
                         dnnl::memory(p->src_as_input_md, eng, src.get_data_handle()));
    }
    if (p->flip_sign) {
      stream.wait();
      uint8_t* v = static_cast<uint8_t*>(src.get_data_handle());
      const int64_t n = x.numel();
      for (int64_t i = 0; i < n; ++i) v[i] ^= 0x80u;
    }
    dnnl::memory dst = p->dst_last ? dnnl::memory(p->pd.dst_desc(), eng, y.raw())
                                   : thread_scratch(p->pd.dst_desc(), eng, ScratchSlot::Destination);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, p->weights}, {DNNL_ARG_DST, dst}};
    if (bias_.get(true)) args.emplace(DNNL_ARG_BIAS, bias_);
    // The call's own zero point, not stored in the plan.
    int32_t call_zp = dynamic_zp;
    if (p_.dynamic)
      args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC,
                   dnnl::memory(dnnl::memory::desc({1}, dt::s32, tag::x), dnnl_cpu_engine(), &call_zp));
    else if (p->src_zp != 0)
      args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, p->src_zp_mem);
    if (y_zp_ != 0) args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST, y_zp_mem_);
    add_thread_scratchpad(args, p->pd.scratchpad_desc(), eng);
    p->conv.execute(stream, args);
    if (!p->dst_last) p->to_nchw.execute(stream, dst, dnnl::memory(p->user_dst_md, eng, y.raw()));
    stream.wait();
    return {};
  }

 private:
  // One position per image: X is [N, C] rows whatever its layout, Y [N, M] likewise.
  Status run_few(KernelContext& ctx, const Tensor& x) {
    Tensor& y = ctx.output_for_overwrite(0);
    const int64_t rows = x.dim(0), c = w_.dim(1);
    if (y.numel() != rows * p_.out_c || y.dtype() != p_.out_type)
      return ctx.fail("output {} does not hold {}x{}", shape_str(y.shape()), rows, p_.out_c);
    const uint8_t* a = static_cast<const uint8_t*>(x.raw());
    int32_t zp = p_.x_zp;
    thread_local std::vector<uint8_t> shifted;
    if (x.dtype() == DType::Int8) {  // x + 128 as uint8, zero point + 128: the same differences
      shifted.resize(static_cast<size_t>(x.numel()));
      for (int64_t i = 0; i < x.numel(); ++i) shifted[i] = static_cast<uint8_t>(a[i] ^ 0x80u);
      a = shifted.data();
      zp += 128;
    }
    std::vector<float>* bias;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = few_bias_.find(zp);
      if (it == few_bias_.end()) it = few_bias_.emplace(zp, few_.folded_bias(p_.bias_acc, zp)).first;
      bias = &it->second;
    }
    few_.run(rows, a, c, bias->data(), units_.data(), p_.out_type, p_.y_scale, p_.y_zp, y.raw(), ctx.threads());
    return {};
  }

  Result<Plan*> prepare(DType xt, const Shape& xs) {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_pair(xt, xs);
    if (auto it = plans_.find(key); it != plans_.end()) return &it->second;
    std::optional<Plan> plan = build_plan(*node_, p_, xt, xs, w_);
    if (!plan) return error("{}: oneDNN has no int8 convolution for input {} {}", node_->label(), dtype_name(xt), shape_str(xs));
    try {
      // Weights in the primitive's layout, reordered once per distinct layout.
      // Plans cached for other shapes may use another layout: each plan keeps its own (shared
      // between plans whose layouts agree).
      for (auto& [key, other] : plans_)
        if (other.weights.get(true) && other.weights.get_desc() == plan->pd.weights_desc()) plan->weights = other.weights;
      if (!plan->weights.get(true)) {
        auto& eng = dnnl_cpu_engine();
        const int nd = static_cast<int>(w_.rank()) - 2;
        dims wd = p_.group == 1 ? dims{p_.out_c, w_.dim(1)} : dims{p_.group, p_.out_c / p_.group, w_.dim(1)};
        for (int d = 0; d < nd; ++d) wd.push_back(w_.dim(2 + d));
        const tag wt = nd == 1 ? (p_.group == 1 ? tag::oiw : tag::goiw) : (p_.group == 1 ? tag::oihw : tag::goihw);
        dnnl::memory user(dnnl::memory::desc(wd, dt::s8, wt), eng, const_cast<void*>(w_.raw()));
        plan->weights = dnnl::memory(plan->pd.weights_desc(), eng);
        dnnl::stream s(eng);
        dnnl::reorder(user, plan->weights).execute(s, user, plan->weights);
        s.wait();
      }
    } catch (const dnnl::error& e) {
      return error("{}: oneDNN cannot reorder the weights: {}", node_->label(), e.what());
    }
    Plan& placed = plans_.emplace(key, std::move(*plan)).first->second;
    placed.src_zp_mem = dnnl::memory(dnnl::memory::desc({1}, dt::s32, tag::x), dnnl_cpu_engine(), &placed.src_zp);
    return &placed;
  }

  const Node* node_ = nullptr;
  Tensor w_;
  QConvParams p_;
  int32_t y_zp_ = 0;
  dnnl::memory bias_, y_zp_mem_;
  std::mutex mu_;
  std::map<std::pair<DType, Shape>, Plan> plans_;
  FewRows few_;  // pointwise convolutions only
  std::optional<UnaryStep> act_;   // dynamic: applied after the per-call scale and the bias
  std::vector<float> bias_real_;   // dynamic: B in real units
  std::vector<float> units_;  // x_scale · w_scale[m]
  std::map<int32_t, std::vector<float>> few_bias_;  // per zero point
  DepthwiseQConv dw_;  // depthwise convolutions, when ready()
};

Result<std::unique_ptr<Kernel>> make_qconv(const KernelInit& init) {
  auto k = std::make_unique<QConv>();
  SZ0_TRY(k->init(init));
  return std::unique_ptr<Kernel>(std::move(k));
}

// Depthwise convolutions the own kernel takes (every input size, any int8 weights exactly).
bool accepts_depthwise_qconv(const KernelInit& init) {
  const Tensor* w = init.constants.size() > 1 ? init.constants[1] : nullptr;
  const Tensor* b = init.node.has_input(2) && init.constants.size() > 2 ? init.constants[2] : nullptr;
  if (!w || (init.node.has_input(2) && !b)) return false;
  auto p = parse_params(init.node, *w, b);
  if (!p.ok() || !DepthwiseQConv::takes(init.node, *w, p->dynamic)) return false;
  if (init.inputs.empty()) return true;
  const TypeInfo& x = init.inputs[0];
  return (x.dtype == DType::Undefined || is_q8(x.dtype)) && (!x.has_rank() || x.rank() == 4);
}

// Where the input's type and shape are known, only configurations oneDNN runs with an optimized
// kernel (the reference one is far slower than the float graph); otherwise the plan is built on
// first use.
bool accepts_qconv(const KernelInit& init) {
  const Tensor* w = init.constants.size() > 1 ? init.constants[1] : nullptr;
  const Tensor* b = init.node.has_input(2) && init.constants.size() > 2 ? init.constants[2] : nullptr;
  if (!w || (init.node.has_input(2) && !b) || !weights_exact_here(*w)) return false;
  auto p = parse_params(init.node, *w, b);
  if (!p.ok()) return false;
  const DType xt = p->dynamic ? DType::UInt8 : init.inputs.empty() ? DType::Undefined : init.inputs[0].dtype;
  if (init.inputs.empty() || !init.inputs[0].fully_known() || !is_q8(xt)) return true;
  Shape xs = init.inputs[0].concrete();
  if (init.node.attr_int("src_channels_last", 0)) {
    if (xs.size() < 3) return false;
    xs = from_channels_last(xs);
  }
  return build_plan(init.node, *p, xt, xs, *w).has_value();
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QConv", .since = 1, .infer = infer_qconv, .factory = make_qconv,
                .accepts = accepts_qconv, .kernel_name = "onednn_int8");
// The same kernel class; its own entry so that profiles name the depthwise layers apart.
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QConv", .since = 1, .factory = make_qconv,
                .accepts = accepts_depthwise_qconv, .priority = 1, .kernel_name = "depthwise_int8");

}  // namespace
}  // namespace sz0::ops::quant

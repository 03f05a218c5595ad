// BlockedConv: a 1-D or 2-D float convolution on oneDNN whose output is in the blocked layout
// [N, ceil(M/8), (OH,) OW, 8] (ops/internal.h) and whose input is blocked too, or plain NC(H)W
// for a network's first layer. Weights are reordered once into the layout oneDNN prefers; the bias and
// an activation run as the convolution's epilogue. The session rewrites chains of Conv into it.
//
// Attributes: those of Conv (kernel_shape, strides, pads, dilations, group, auto_pad), plus
//   in_blocked (int)   1 when X is blocked
//   channels (int)     input channels C (a blocked X shows only ceil(C/8))
//   inputs: X, W, B (may be omitted as ""), and optionally S, a blocked tensor of the output's
//   shape added to the convolution before the activation (a residual connection)
//   activation (string) "", Relu, LeakyRelu, Clip, HardSwish, HardSigmoid, Sigmoid, Tanh, Silu
//   activation_params (floats) LeakyRelu: alpha; Clip: min, max; HardSigmoid: alpha, beta
//   affine (floats)     [a, b]: y = a·y + b after the activation
#include "ops/conv_geometry.h"
#include "ops/dnnl_scratch.h"
#include "ops/nn/blocked_conv_gemm.h"
#include "ops/internal.h"
#include "ops/shape_util.h"

#include <dnnl.hpp>

#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <mutex>

namespace sz0::ops::nn {
namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

// Plain [N, C, spatial...] type of the input.
TypeInfo plain_input(const Node& node, const TypeInfo& x) {
  if (!node.attr_int("in_blocked", 0) || !x.has_rank() || x.rank() < 4) return x;
  std::vector<Dim> d(x.shape->begin(), x.shape->end() - 1);
  d[1] = Dim(node.attr_int("channels", -1));
  return TypeInfo(x.dtype, d);
}

Status infer_blocked_conv(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs X and W");
  const TypeInfo x = plain_input(ctx.node, ctx.in(0));
  const TypeInfo& w = ctx.in(1);
  TypeInfo& o = ctx.out(0);
  o.dtype = DType::Float;
  if (x.dtype != DType::Undefined && x.dtype != DType::Float) return ctx.fail("expects float32, got {}", dtype_name(x.dtype));
  SZ0_ASSIGN(auto dims, conv_dims(ctx.node, x, w));
  if (!dims) return {};
  if (dims->size() != 3 && dims->size() != 4) return ctx.fail("expects a 1-D or 2-D convolution");
  std::vector<Dim> d = *dims;
  d[1] = d[1].known() ? Dim(channel_blocks(d[1].value)) : Dim();
  d.push_back(Dim(kChannelBlock));
  o.shape = d;
  return {};
}

// The epilogue: residual sum, activation, affine.
Result<dnnl::post_ops> conv_post_ops(const Node& node) {
  dnnl::post_ops po;
  if (node.has_input(3)) po.append_sum(1.f);
  SZ0_TRY(append_dnnl_activation(node, po));
  if (const std::vector<float> af = node.attr_floats("affine"); af.size() == 2)
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, af[0], af[1]);
  return po;
}

bool gemm_path_enabled();

class BlockedConv final : public Kernel {
 public:
  Status init(const KernelInit& in) {
    node_ = &in.node;
    const Tensor* w = in.constants.size() > 1 ? in.constants[1] : nullptr;
    if (!w || w->dtype() != DType::Float || (w->rank() != 3 && w->rank() != 4))
      return error("{}: W must be a float 3-D or 4-D initializer", node_->label());
    w_ = *w;
    if (in.constants.size() > 2 && in.constants[2]) b_ = *in.constants[2];
    else if (in.node.has_input(2)) return error("{}: B must be an initializer", node_->label());
    has_sum_ = in.node.has_input(3);
    group_ = node_->attr_int("group", 1);
    blocked_in_ = node_->attr_int("in_blocked", 0) != 0;
    channels_ = node_->attr_int("channels", -1);
    if (group_ < 1 || channels_ != w_.dim(1) * group_ || w_.dim(0) % group_ != 0)
      return error("{}: W {} does not fit {} channels in {} groups", node_->label(), shape_str(w_.shape()), channels_, group_);
    SZ0_ASSIGN(post_ops_, conv_post_ops(*node_));
    // Shapes known now: build the primitive (and reorder weights) at session creation.
    if (!in.inputs.empty() && in.inputs[0].fully_known()) {
      Shape xs = in.inputs[0].concrete();
      SZ0_TRY(prepare(xs).status());
    }
    return {};
  }

  Status run(KernelContext& ctx) override {
    const Tensor& x = ctx.in(0);
    SZ0_ASSIGN(Plan * p, prepare(x.shape()));
    Tensor& y = ctx.output_for_overwrite(0);
    if (y.shape() != p->out_shape) return ctx.fail("output {} differs from the plan's {}", shape_str(y.shape()), shape_str(p->out_shape));
    if (p->gemm) {
      const Tensor* r = has_sum_ ? &ctx.in(3) : nullptr;
      if (r && r->shape() != y.shape()) return ctx.fail("residual {} differs from the output {}", shape_str(r->shape()), shape_str(y.shape()));
      p->gemm->run(x.data<float>(), r ? r->data<float>() : nullptr, y.data<float>(), ctx.threads());
      return {};
    }
    thread_local dnnl::stream stream(cpu_engine());
    auto& eng = cpu_engine();
    // Memory objects and temporaries per call: the plan is shared by concurrent runs.
    const dnnl::memory x_mem(p->src_md, eng, const_cast<void*>(x.raw()));
    const dnnl::memory y_mem(p->dst_md, eng, y.raw());
    dnnl::memory src = x_mem, dst = y_mem;
    if (p->staged) dst = thread_scratch(p->plain_dst_md, eng, ScratchSlot::Destination);
    if (has_sum_) {
      // The sum post-op accumulates into the destination: start it from the residual.
      const Tensor& r = ctx.in(3);
      if (r.shape() != y.shape()) return ctx.fail("residual {} differs from the output {}", shape_str(r.shape()), shape_str(y.shape()));
      if (p->staged) p->residual_to_plain.execute(stream, dnnl::memory(p->dst_md, eng, const_cast<void*>(r.raw())), dst);
      else std::memcpy(y.raw(), r.raw(), y.nbytes());
    }
    if (p->staged && p->to_plain) {
      src = thread_scratch(p->plain_src_md, eng, ScratchSlot::Source);
      p->to_plain.execute(stream, x_mem, src);
    } else if (p->to_padded) {
      // The border must read as zeros: the buffer is this thread's and other kernels use it.
      src = thread_scratch(p->padded_md, eng, ScratchSlot::Source);
      std::memset(src.get_data_handle(), 0, p->padded_md.get_size());
      p->to_padded.execute(stream, x_mem, dnnl::memory(p->interior_md, eng, src.get_data_handle()));
    }
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, p->weights}, {DNNL_ARG_DST, dst}};
    if (b_.defined()) args.emplace(DNNL_ARG_BIAS, bias_);
    add_thread_scratchpad(args, p->pd.scratchpad_desc(), eng);
    p->conv.execute(stream, args);
    if (p->staged) p->to_blocked.execute(stream, dst, y_mem);
    stream.wait();
    return {};
  }

 private:
  // Immutable once built: concurrent runs read it.
  struct Plan {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward conv;
    dnnl::memory::desc src_md, dst_md, plain_src_md, plain_dst_md, user_w_md;
    std::unique_ptr<ConvGemm> gemm;  // set: the GEMM path runs it instead of oneDNN
    // Input with its padding as zeros (padded_md) and its interior: to_padded set.
    dnnl::memory::desc padded_md, interior_md;
    ThreadSafeReorder to_padded;
    dnnl::memory weights;
    Shape out_shape;
    // Staged plan, for shapes oneDNN has no optimized blocked kernel for: the convolution runs
    // on plain copies (its GEMM-based kernel) between two reorders.
    bool staged = false;
    ThreadSafeReorder to_plain, to_blocked, residual_to_plain;
  };

  Result<Plan*> prepare(const Shape& xs) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = plans_.find(xs);
    if (it != plans_.end()) return &it->second;
    const Node& node = *node_;
    const int nd = w_.rank() - 2;
    if (static_cast<int>(xs.size()) != nd + (blocked_in_ ? 3 : 2)) return error("{}: input rank {} unexpected", node.label(), xs.size());
    const int64_t n = xs[0];
    if (blocked_in_ ? xs[1] != channel_blocks(channels_) : xs[1] != channels_)
      return error("{}: input {} does not hold {} channels", node.label(), shape_str(xs), channels_);
    const Shape in_sp(xs.begin() + 2, xs.begin() + 2 + nd);
    SZ0_ASSIGN(WindowGeom g, parse_window(node, Shape(w_.shape().begin() + 2, w_.shape().end()), false));
    SZ0_ASSIGN(Shape out_sp, window_out_shape(node, g, in_sp));
    const int64_t m = w_.dim(0);
    using dims = dnnl::memory::dims;
    auto& eng = cpu_engine();
    dims src_dims{n, channels_}, dst_dims{n, m}, wdims;
    if (group_ == 1) wdims = {m, channels_};
    else wdims = {group_, m / group_, channels_ / group_};
    dims strides, dil, pad_l, pad_r;
    for (int d = 0; d < nd; ++d) {
      src_dims.push_back(in_sp[d]);
      dst_dims.push_back(out_sp[d]);
      wdims.push_back(w_.dim(2 + d));
      strides.push_back(g.strides[d]);
      dil.push_back(g.dilations[d] - 1);
      pad_l.push_back(g.pads[d]);
      pad_r.push_back(g.pads[nd + d]);
    }
    const Shape out_blocked = [&] {
      Shape o{n, channel_blocks(m)};
      o.insert(o.end(), out_sp.begin(), out_sp.end());
      o.push_back(kChannelBlock);
      return o;
    }();
    if (nd == 2 && group_ == 1 && blocked_in_ && gemm_path_enabled()) {
      ConvGemmShape cs{n, channels_, in_sp[0], in_sp[1], m, out_sp[0], out_sp[1], w_.dim(2), w_.dim(3),
                       g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.pads[0], g.pads[1]};
      if (conv_gemm_preferred(cs)) {
        if (gemm_w_.empty()) pack_conv_gemm_weights(w_.data<float>(), cs, gemm_w_);
        SZ0_ASSIGN(auto act, activation_step(node));
        Plan plan;
        plan.gemm = std::make_unique<ConvGemm>(cs, &gemm_w_, b_.defined() ? b_.data<float>() : nullptr, act, affine_step(node));
        plan.out_shape = out_blocked;
        return &plans_.emplace(xs, std::move(plan)).first->second;
      }
    }
    const tag user_w_tag = nd == 1 ? (group_ == 1 ? tag::oiw : tag::goiw) : (group_ == 1 ? tag::oihw : tag::goihw);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post_ops_);
    use_caller_scratchpad(attr);
    const tag blocked_tag = nd == 1 ? tag::nCw8c : tag::nChw8c;
    const tag plain_tag = nd == 1 ? tag::ncw : tag::nchw;
    // `prepad`: the convolution reads a copy of the input with the padding written out as zeros,
    // and itself pads nothing.
    auto build = [&](bool blocked_io, bool prepad) {
      dims sd = src_dims, dd = dst_dims, wd = wdims, st = strides, dl = dil, pl = pad_l, pr = pad_r;
      Plan plan;
      plan.src_md = dnnl::memory::desc(sd, dt::f32, blocked_in_ ? blocked_tag : plain_tag);
      plan.dst_md = dnnl::memory::desc(dd, dt::f32, blocked_tag);
      plan.plain_src_md = dnnl::memory::desc(sd, dt::f32, plain_tag);
      plan.plain_dst_md = dnnl::memory::desc(dd, dt::f32, plain_tag);
      plan.user_w_md = dnnl::memory::desc(wd, dt::f32, user_w_tag);
      dnnl::memory::desc src_md = blocked_io ? plan.src_md : plan.plain_src_md;
      if (prepad) {
        dims padded = sd, offsets(sd.size(), 0);
        for (int d = 0; d < nd; ++d) {
          padded[2 + d] += pl[d] + pr[d];
          offsets[2 + d] = pl[d];
          pl[d] = pr[d] = 0;
        }
        src_md = dnnl::memory::desc(padded, dt::f32, blocked_in_ ? blocked_tag : plain_tag);
        plan.padded_md = src_md;
        plan.interior_md = src_md.submemory_desc(sd, offsets);
        plan.to_padded = ThreadSafeReorder(plan.src_md, plan.interior_md, eng);
      }
      const dnnl::memory::desc dst_md = blocked_io ? plan.dst_md : plan.plain_dst_md;
      const dnnl::memory::desc w_any(wd, dt::f32, tag::any);
      const dnnl::memory::desc b_md(dims{m}, dt::f32, tag::x);
      auto desc = b_.defined()
                      ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                                        src_md, w_any, b_md, dst_md, st, dl, pl, pr)
                      : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                                        src_md, w_any, dst_md, st, dl, pl, pr);
      plan.pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng);
      return plan;
    };
    auto is_ref = [](const Plan& p) { return std::string(p.pd.impl_info_str()).rfind("ref", 0) == 0; };
    Plan plan;
    try {
      plan = build(true, false);
      // oneDNN's optimized blocked kernels bound the padding (a causal dilated 1-D convolution
      // gets only the reference kernel); with the padding written out they take it.
      if (is_ref(plan)) plan = build(true, true);
      const char* force_staged = std::getenv("SZ0_CONV_STAGED");  // tests reach the path below with it
      if (is_ref(plan) || (force_staged && *force_staged == '1')) {
        // The reference implementation is orders of magnitude slower than staging through
        // the plain layout (its GEMM-based kernel).
        plan = build(false, false);
        plan.staged = true;
        if (blocked_in_) plan.to_plain = ThreadSafeReorder(plan.src_md, plan.plain_src_md, eng);
        if (has_sum_) plan.residual_to_plain = ThreadSafeReorder(plan.dst_md, plan.plain_dst_md, eng);
        plan.to_blocked = ThreadSafeReorder(plan.plain_dst_md, plan.dst_md, eng);
      }
      const auto& pd = plan.pd;
      plan.conv = dnnl::convolution_forward(pd);
      // Weights in the primitive's layout, reordered once per distinct layout.
      if (!weights_.get(true) || weights_.get_desc() != pd.weights_desc()) {
        dnnl::memory user(plan.user_w_md, eng, const_cast<void*>(w_.raw()));
        weights_ = dnnl::memory(pd.weights_desc(), eng);
        dnnl::stream s(eng);
        dnnl::reorder(user, weights_).execute(s, user, weights_);
        s.wait();
      }
      plan.weights = weights_;
      if (b_.defined() && !bias_.get(true))
        bias_ = dnnl::memory(dnnl::memory::desc({m}, dt::f32, tag::x), eng, const_cast<void*>(b_.raw()));
    } catch (const dnnl::error& e) {
      return error("{}: oneDNN cannot build this convolution: {}", node.label(), e.what());
    }
    plan.out_shape = out_blocked;
    return &plans_.emplace(xs, std::move(plan)).first->second;
  }

  const Node* node_ = nullptr;
  Tensor w_, b_;
  int64_t group_ = 1, channels_ = 0;
  bool blocked_in_ = false, has_sum_ = false;
  dnnl::post_ops post_ops_;
  dnnl::memory weights_, bias_;
  kernels::PackedB gemm_w_;  // the GEMM path's weights, packed on first use
  std::mutex mu_;
  std::map<Shape, Plan> plans_;
};

// SZ0_CONV_GEMM=0 turns the GEMM path off (for comparisons).
bool gemm_path_enabled() {
  const char* e = std::getenv("SZ0_CONV_GEMM");
  return !(e && *e == '0');
}

Result<std::unique_ptr<Kernel>> make_blocked_conv(const KernelInit& init) {
  auto k = std::make_unique<BlockedConv>();
  SZ0_TRY(k->init(init));
  return std::unique_ptr<Kernel>(std::move(k));
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "BlockedConv", .since = 1, .infer = infer_blocked_conv,
                .factory = make_blocked_conv, .kernel_name = "onednn");

}  // namespace
}  // namespace sz0::ops::nn

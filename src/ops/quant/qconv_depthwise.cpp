#include "ops/quant/qconv_depthwise.h"

#include "ops/quant/qdnnl.h"
#include "ops/quant/quant_util.h"

#include <cstdlib>
#include <optional>
#include <string_view>

namespace sz0::ops::quant {
namespace {

bool enabled() {
  const char* e = std::getenv("SZ0_QDW");
  return !(e && std::string_view(e) == "0");
}

// What append_quant_activation asks of oneDNN: an activation that commutes with the scale runs
// on values the output scales already divided by y_scale (Clip's bounds divided too); any other
// on real values, divided after it. nullopt for an activation the kernel lacks.
std::optional<kernels::QdwEpilogue> epilogue(const Node& node, float y_scale, int32_t y_zp, DType out_type) {
  using kernels::QdwAct;
  kernels::QdwEpilogue e;
  const std::string act = node.attr_string("activation", "");
  const std::vector<float> ap = node.attr_floats("activation_params");
  auto param = [&](size_t i, float fallback) { return i < ap.size() ? ap[i] : fallback; };
  const bool eight_bit = y_scale > 0, late = eight_bit && !activation_scale_invariant(act);
  const float inv = eight_bit ? 1.0f / y_scale : 1.0f;
  if (act == "Relu") e.act = QdwAct::Relu;
  else if (act == "LeakyRelu") e = {.act = QdwAct::LeakyRelu, .a = param(0, 0.01f)};
  else if (act == "Clip") e = {.act = QdwAct::Clip, .a = param(0, -3.4e38f) * inv, .b = param(1, 3.4e38f) * inv};
  else if (act == "HardSwish") e.act = QdwAct::HardSwish;
  else if (act == "HardSigmoid") e = {.act = QdwAct::HardSigmoid, .a = param(0, 0.2f), .b = param(1, 0.5f)};
  else if (!act.empty()) return std::nullopt;
  e.post = late ? inv : 1.0f;
  e.out = out_type == DType::UInt8 ? kernels::QdwOut::UInt8
          : out_type == DType::Int8 ? kernels::QdwOut::Int8 : kernels::QdwOut::Float;
  e.zp = y_zp;
  return e;
}

std::optional<WindowGeom> geometry(const Node& node, const Tensor& w) {
  auto g = parse_window(node, {w.dim(2), w.dim(3)}, false);
  if (!g.ok() || g->dilations[0] != 1 || g->dilations[1] != 1) return std::nullopt;
  return std::move(*g);
}

}  // namespace

bool DepthwiseQConv::takes(const Node& node, const Tensor& w, bool dynamic) {
  if (!enabled() || dynamic || w.dtype() != DType::Int8 || w.rank() != 4 || w.dim(1) != 1) return false;
  if (node.attr_int("group", 1) != w.dim(0) || w.dim(2) * w.dim(3) > kernels::kQdwMaxTaps) return false;
  // The activation alone decides; the output type and scale only set its constants.
  return geometry(node, w) && epilogue(node, 1.0f, 0, DType::UInt8);
}

Status DepthwiseQConv::init(const Node& node, const Tensor& w, const DepthwiseQuant& q) {
  auto g = geometry(node, w);
  auto e = epilogue(node, q.y_scale, q.y_zp, q.out_type);
  if (!g || !e || !q.out_scales || !q.bias_acc)
    return error("{}: not a depthwise convolution this kernel takes", node.label());
  node_ = &node;
  geom_ = std::move(*g);
  epi_ = *e;
  x_zp_ = q.x_zp;
  out_type_ = q.out_type;
  src_last_ = node.attr_int("src_channels_last", 0) != 0;
  dst_last_ = node.attr_int("dst_channels_last", 0) != 0;
  kernels::qdw_pack(w.dim(0), static_cast<int>(w.dim(2)), static_cast<int>(w.dim(3)), w.data<int8_t>(),
                    q.out_scales->data(), static_cast<int64_t>(q.out_scales->size()),
                    q.bias_acc->empty() ? nullptr : q.bias_acc->data(), packed_);
  return {};
}

Status DepthwiseQConv::run(KernelContext& ctx, const Tensor& x, Tensor* out) const {
  if (x.rank() != 4 || !is_q8(x.dtype())) return ctx.fail("X must be a 4-D 8-bit tensor, got {}", shape_str(x.shape()));
  kernels::QdwShape s;
  s.n = x.dim(0);
  const int64_t c = x.dim(src_last_ ? 3 : 1);
  s.h = x.dim(src_last_ ? 1 : 2);
  s.w = x.dim(src_last_ ? 2 : 3);
  if (c != packed_.c) return ctx.fail("X has {} channels for {} depthwise filters", c, packed_.c);
  WindowGeom g = geom_;  // auto_pad resolves per input size
  auto osp = window_out_shape(*node_, g, std::vector<int64_t>{s.h, s.w});
  if (!osp.ok()) return ctx.fail("{}", osp.status().message());
  s.oh = (*osp)[0];
  s.ow = (*osp)[1];
  if (s.oh <= 0 || s.ow <= 0) return ctx.fail("empty output for input {}", shape_str(x.shape()));
  s.sh = static_cast<int>(g.strides[0]);
  s.sw = static_cast<int>(g.strides[1]);
  s.pt = static_cast<int>(g.pads[0]);
  s.pl = static_cast<int>(g.pads[1]);
  const Shape ys = dst_last_ ? Shape{s.n, s.oh, s.ow, c} : Shape{s.n, c, s.oh, s.ow};
  Tensor& y = out ? *out : ctx.output_for_overwrite(0);
  if (y.shape() != ys || y.dtype() != out_type_)
    return ctx.fail("output {} differs from the expected {}", shape_str(y.shape()), shape_str(ys));
  kernels::qdw_run(packed_, s, epi_, x.raw(), x.dtype() == DType::Int8, !src_last_, x_zp_, y.raw(), !dst_last_,
                   ctx.threads());
  return {};
}

}  // namespace sz0::ops::quant

// Ops that only change the shape (Reshape, Flatten, Squeeze, Unsqueeze: outputs share the input
// buffer) and ops that read it (Shape, Size).
#include "ops/tensor/tensor_util.h"

#include <algorithm>

namespace sz0::ops {
namespace {

using namespace tensorops;

// Result shape of Reshape from the input dims (nullopt = rank unknown) and the requested shape.
Result<std::vector<Dim>> reshape_dims(const Node& node, const std::optional<std::vector<Dim>>& in,
                                      std::span<const int64_t> target, bool allowzero) {
  int infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] < -1) return error("{}: invalid shape entry {}", node.label(), target[i]);
    if (target[i] == -1) {
      if (infer_at >= 0) return error("{}: shape has more than one -1", node.label());
      infer_at = static_cast<int>(i);
    }
    if (target[i] == 0) has_zero = true;
  }
  if (allowzero && has_zero && infer_at >= 0)
    return error("{}: shape with allowzero=1 cannot hold both 0 and -1", node.label());

  std::vector<Dim> out(target.size());
  std::vector<bool> cancelled(in ? in->size() : 0, false);
  int64_t out_known = 1;
  int out_unknown = 0;  // output dims that are unknown and do not cancel an input dim
  for (size_t i = 0; i < target.size(); ++i) {
    if (static_cast<int>(i) == infer_at) continue;
    if (target[i] == 0 && !allowzero) {
      if (!in) {
        out[i] = Dim();
        ++out_unknown;
        continue;
      }
      if (i >= in->size())
        return error("{}: shape entry 0 at index {} copies a dimension the rank-{} input lacks", node.label(), i,
                     in->size());
      out[i] = (*in)[i];
      if (out[i].known()) out_known *= out[i].value;
      else cancelled[i] = true;  // the same dim on both sides: it drops out of the size equation
      continue;
    }
    out[i] = Dim(target[i]);
    out_known *= target[i];
  }
  if (!in) return out;

  int64_t in_known = 1;
  std::vector<const Dim*> in_rest;  // unknown input dims not matched by a copied output dim
  for (size_t i = 0; i < in->size(); ++i) {
    const Dim& d = (*in)[i];
    if (d.known()) in_known *= d.value;
    else if (!cancelled[i]) in_rest.push_back(&d);
  }
  if (infer_at >= 0) {
    Dim& o = out[infer_at];
    if (out_unknown == 0 && in_rest.empty()) {
      if (out_known == 0 || in_known % out_known != 0)
        return error("{}: cannot infer the -1 dimension: {} elements into blocks of {}", node.label(), in_known,
                     out_known);
      o = Dim(in_known / out_known);
    } else if (out_unknown == 0 && in_rest.size() == 1 && in_known == out_known) {
      o = *in_rest[0];
    } else {
      o = Dim();
    }
  } else if (out_unknown == 0 && in_rest.empty() && in_known != out_known) {
    return error("{}: cannot reshape {} elements into {}", node.label(), in_known, out_known);
  }
  return out;
}

Status infer_reshape(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const Tensor* sv = ctx.value(1);
  if (!sv) {
    const auto& ss = ctx.in(1).shape;
    if (ss && ss->size() == 1 && (*ss)[0].known()) o.shape = std::vector<Dim>(static_cast<size_t>((*ss)[0].value));
    return {};
  }
  if (sv->rank() != 1) return ctx.fail("shape must be 1-D, got rank {}", sv->rank());
  SZ0_ASSIGN(auto target, int_values(ctx.node, *sv, "shape"));
  const bool allowzero = ctx.opset >= 14 && ctx.node.attr_int("allowzero", 0) != 0;
  SZ0_ASSIGN(o.shape, reshape_dims(ctx.node, ctx.in(0).shape, target, allowzero));
  return {};
}

// Shares the input buffer under the inferred (at run time fully known) shape.
Status run_reshape_like(KernelContext& ctx) {
  const TypeInfo& t = ctx.inferred(0);
  if (!t.fully_known()) return ctx.fail("output shape could not be determined");
  Shape s = t.concrete();
  if (shape_numel(s) != ctx.in(0).numel())
    return ctx.fail("cannot reshape {} into {}", shape_str(ctx.in(0).shape()), shape_str(s));
  ctx.set_output(0, ctx.in(0).reshaped(std::move(s)));
  return {};
}

Status infer_flatten(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const auto& in = ctx.in(0).shape;
  if (!in) {
    o.shape = std::vector<Dim>(2);
    return {};
  }
  const int64_t r = static_cast<int64_t>(in->size());
  int64_t axis = ctx.node.attr_int("axis", 1);
  if (axis < -r || axis > r) return ctx.fail("axis {} out of range for rank {}", axis, r);
  if (axis < 0) axis += r;
  o.shape = std::vector<Dim>{dim_product(std::span(*in).first(axis)), dim_product(std::span(*in).subspan(axis))};
  return {};
}

// Axes of Squeeze/Unsqueeze: the attribute before opset 13, the input after. `known` is false when
// they come from an input whose value is not known yet.
struct AxesArg {
  bool present = false;
  bool known = true;
  std::vector<int64_t> axes;
};

Result<AxesArg> squeeze_axes(const InferContext& ctx) {
  AxesArg a;
  if (ctx.opset < 13) {
    if (const Attribute* at = ctx.node.attr("axes")) {
      a.present = true;
      a.axes = at->ints;
    }
    return a;
  }
  if (!ctx.has_input(1)) return a;
  a.present = true;
  const Tensor* v = ctx.value(1);
  if (!v) {
    a.known = false;
    return a;
  }
  if (v->rank() > 1) return error("{}: axes must be 1-D, got rank {}", ctx.node.label(), v->rank());
  SZ0_ASSIGN(a.axes, int_values(ctx.node, *v, "axes"));
  return a;
}

Status infer_squeeze(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  SZ0_ASSIGN(AxesArg a, squeeze_axes(ctx));
  const auto& in = ctx.in(0).shape;
  if (!in || !a.known) return {};
  const int64_t r = static_cast<int64_t>(in->size());
  std::vector<bool> drop(in->size(), false);
  if (a.present) {
    SZ0_ASSIGN(auto axes, normalize_axes(ctx.node, a.axes, r));
    for (int64_t ax : axes) {
      const Dim& d = (*in)[ax];
      if (d.known() && d.value != 1) return ctx.fail("cannot squeeze axis {} of size {}", ax, d.value);
      drop[ax] = true;
    }
  } else {
    for (size_t i = 0; i < in->size(); ++i) {
      if (!(*in)[i].known()) return {};  // whether it is 1 decides the rank
      drop[i] = (*in)[i].value == 1;
    }
  }
  std::vector<Dim> dims;
  for (size_t i = 0; i < in->size(); ++i)
    if (!drop[i]) dims.push_back((*in)[i]);
  o.shape = std::move(dims);
  return {};
}

Status infer_unsqueeze(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  SZ0_ASSIGN(AxesArg a, squeeze_axes(ctx));
  if (!a.present) return ctx.fail("axes are required");
  const auto& in = ctx.in(0).shape;
  if (!a.known) {
    const auto& as = ctx.in(1).shape;
    if (in && as && as->size() == 1 && (*as)[0].known())
      o.shape = std::vector<Dim>(in->size() + static_cast<size_t>((*as)[0].value));
    return {};
  }
  if (!in) return {};
  const int64_t r = static_cast<int64_t>(in->size() + a.axes.size());
  SZ0_ASSIGN(auto axes, normalize_axes(ctx.node, a.axes, r));
  std::vector<Dim> dims;
  size_t next = 0;
  for (int64_t i = 0; i < r; ++i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end()) dims.emplace_back(1);
    else dims.push_back((*in)[next++]);
  }
  o.shape = std::move(dims);
  return {};
}

// Shape's [start, end) after opset 15's clamping.
std::pair<int64_t, int64_t> shape_range(const Node& node, int64_t opset, int64_t r) {
  int64_t start = 0, end = r;
  if (opset >= 15) {
    start = node.attr_int("start", 0);
    end = node.attr_int("end", r);
  }
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  return {start, std::max(start, end)};
}

Status infer_shape(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = DType::Int64;
  const auto& in = ctx.in(0).shape;
  if (!in) {
    o.shape = std::vector<Dim>(1);
    return {};
  }
  auto [s, e] = shape_range(ctx.node, ctx.opset, static_cast<int64_t>(in->size()));
  o.shape = std::vector<Dim>{Dim(e - s)};
  return {};
}

Status run_shape(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  auto [s, e] = shape_range(ctx.node(), ctx.opset(), x.rank());
  Tensor& y = ctx.output(0, DType::Int64, {e - s});
  for (int64_t i = s; i < e; ++i) y.data<int64_t>()[i - s] = x.shape()[i];
  return {};
}

Status infer_size(InferContext& ctx) {
  ctx.out(0) = TypeInfo(DType::Int64, {});
  return {};
}

Status run_size(KernelContext& ctx) {
  ctx.set_output(0, Tensor::scalar<int64_t>(ctx.in(0).numel()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "Reshape", .since = 5, .infer = infer_reshape, .compute = run_reshape_like);
SZ0_REGISTER_OP(.op_type = "Flatten", .since = 1, .infer = infer_flatten, .compute = run_reshape_like);
SZ0_REGISTER_OP(.op_type = "Squeeze", .since = 1, .infer = infer_squeeze, .compute = run_reshape_like);
SZ0_REGISTER_OP(.op_type = "Unsqueeze", .since = 1, .infer = infer_unsqueeze, .compute = run_reshape_like);
SZ0_REGISTER_OP(.op_type = "Shape", .since = 1, .infer = infer_shape, .compute = run_shape);
SZ0_REGISTER_OP(.op_type = "Size", .since = 1, .infer = infer_size, .compute = run_size);

}  // namespace
}  // namespace sz0::ops

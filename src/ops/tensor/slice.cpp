// Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) from opset 10.
// The output is a strided view of the input (negative steps walk backwards), copied out.
#include "ops/tensor/tensor_util.h"

#include <algorithm>
#include <limits>

namespace sz0::ops {
namespace {

using namespace tensorops;

struct SliceParams {
  std::vector<int64_t> starts, ends, axes, steps;  // axes normalized
};

struct AxisRange {
  int64_t start = 0, step = 1, count = 0;
};

// ONNX clamping: negative indices count from the end, then starts/ends are clamped to the valid
// range for the step's direction.
AxisRange slice_axis(int64_t d, int64_t start, int64_t end, int64_t step) {
  AxisRange r;
  r.step = step;
  if (d == 0) return r;
  if (start < 0) start += d;
  if (end < 0) end += d;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, d);
    end = std::clamp<int64_t>(end, 0, d);
    r.count = end > start ? (end - start - 1) / step + 1 : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, d - 1);
    end = std::clamp<int64_t>(end, -1, d - 1);
    r.count = start > end ? (start - end - 1) / -step + 1 : 0;
  }
  r.start = start;
  return r;
}

// Values an input holds, nullopt when unknown (infer time), or an error for a wrong type/rank.
Result<std::optional<std::vector<int64_t>>> input_ints(const Node& node, const Tensor* t, std::string_view what) {
  if (!t) return std::optional<std::vector<int64_t>>();
  if (t->rank() != 1) return error("{}: {} must be 1-D, got rank {}", node.label(), what, t->rank());
  SZ0_ASSIGN(auto v, int_values(node, *t, what));
  return std::optional(std::move(v));
}

// Gathers the parameters; nullopt when some input value is still unknown.
template <class ValueFn>
Result<std::optional<SliceParams>> slice_params(const Node& node, int64_t opset, int64_t rank, size_t num_inputs,
                                                ValueFn value) {
  SliceParams p;
  std::vector<int64_t> axes;
  bool has_axes = false;
  if (opset < 10) {
    if (!node.has_attr("starts") || !node.has_attr("ends"))
      return error("{}: attributes 'starts' and 'ends' are required", node.label());
    p.starts = node.attr_ints("starts");
    p.ends = node.attr_ints("ends");
    if (node.has_attr("axes")) {
      has_axes = true;
      axes = node.attr_ints("axes");
    }
  } else {
    if (num_inputs < 3) return error("{}: inputs 'starts' and 'ends' are required", node.label());
    SZ0_ASSIGN(auto s, input_ints(node, value(1), "starts"));
    SZ0_ASSIGN(auto e, input_ints(node, value(2), "ends"));
    if (!s || !e) return std::optional<SliceParams>();
    p.starts = std::move(*s);
    p.ends = std::move(*e);
    if (num_inputs > 3 && value.present(3)) {
      SZ0_ASSIGN(auto a, input_ints(node, value(3), "axes"));
      if (!a) return std::optional<SliceParams>();
      has_axes = true;
      axes = std::move(*a);
    }
    if (num_inputs > 4 && value.present(4)) {
      SZ0_ASSIGN(auto st, input_ints(node, value(4), "steps"));
      if (!st) return std::optional<SliceParams>();
      p.steps = std::move(*st);
    }
  }
  const size_t n = p.starts.size();
  if (p.ends.size() != n) return error("{}: starts has {} entries, ends {}", node.label(), n, p.ends.size());
  if (!has_axes)
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (axes.size() != n) return error("{}: starts has {} entries, axes {}", node.label(), n, axes.size());
  if (p.steps.empty()) p.steps.assign(n, 1);
  if (p.steps.size() != n) return error("{}: starts has {} entries, steps {}", node.label(), n, p.steps.size());
  for (int64_t s : p.steps)
    if (s == 0) return error("{}: step cannot be 0", node.label());
  if (rank == 0 && n > 0) return error("{}: cannot slice a scalar", node.label());
  SZ0_ASSIGN(p.axes, normalize_axes(node, axes, rank));
  return std::optional(std::move(p));
}

struct InferValues {
  const InferContext& ctx;
  const Tensor* operator()(size_t i) const { return ctx.value(i); }
  bool present(size_t i) const { return ctx.has_input(i); }
};

struct KernelValues {
  const KernelContext& ctx;
  const Tensor* operator()(size_t i) const { return ctx.input(i); }
  bool present(size_t i) const { return ctx.has_input(i); }
};

Status infer_slice(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const auto& in = ctx.in(0).shape;
  if (!in) return {};
  SZ0_ASSIGN(auto p, slice_params(ctx.node, ctx.opset, static_cast<int64_t>(in->size()), ctx.num_inputs(),
                                  InferValues{ctx}));
  std::vector<Dim> dims = *in;
  if (!p) {
    // Only the axes that may be sliced lose their size.
    std::optional<std::vector<int64_t>> axes;
    if (ctx.opset >= 10 && ctx.has_input(3)) {
      if (const Tensor* a = ctx.value(3)) {
        auto v = input_ints(ctx.node, a, "axes");
        if (v.ok() && *v) {
          auto norm = normalize_axes(ctx.node, **v, static_cast<int64_t>(in->size()));
          if (norm.ok()) axes = *norm;
        }
      }
    }
    for (size_t k = 0; k < dims.size(); ++k)
      if (!axes || std::find(axes->begin(), axes->end(), static_cast<int64_t>(k)) != axes->end()) dims[k] = Dim();
    o.shape = std::move(dims);
    return {};
  }
  for (size_t i = 0; i < p->axes.size(); ++i) {
    Dim& d = dims[p->axes[i]];
    if (d.known()) {
      d = Dim(slice_axis(d.value, p->starts[i], p->ends[i], p->steps[i]).count);
    } else if (!(p->steps[i] == 1 && p->starts[i] == 0 && p->ends[i] >= std::numeric_limits<int32_t>::max())) {
      d = Dim();  // a full forward slice keeps even a symbolic size
    }
  }
  o.shape = std::move(dims);
  return {};
}

Status run_slice(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(auto p, slice_params(ctx.node(), ctx.opset(), x.rank(), ctx.num_inputs(), KernelValues{ctx}));
  if (!p) return ctx.fail("slice parameters are unknown");
  const Shape xs = shape_strides(x.shape());
  Shape out_shape = x.shape(), src_strides = xs;
  int64_t base = 0;
  for (size_t i = 0; i < p->axes.size(); ++i) {
    const int64_t a = p->axes[i];
    const AxisRange r = slice_axis(x.shape()[a], p->starts[i], p->ends[i], p->steps[i]);
    out_shape[a] = r.count;
    src_strides[a] = xs[a] * r.step;
    base += r.start * xs[a];
  }
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  if (y.numel() == 0) return {};
  strided_gather(es, static_cast<const char*>(x.raw()) + base * static_cast<int64_t>(es), src_strides, y.raw(),
                 out_shape, ctx.threads());
  return {};
}

SZ0_REGISTER_OP(.op_type = "Slice", .since = 1, .infer = infer_slice, .compute = run_slice);

}  // namespace
}  // namespace sz0::ops

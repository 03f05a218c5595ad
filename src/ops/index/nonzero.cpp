// NonZero (data-dependent output) and OneHot.
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

namespace sz0::ops {
namespace {

using namespace index;

// ---- NonZero ----

Status infer_nonzero(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  ctx.out(0).dtype = DType::Int64;
  const TypeInfo& x = ctx.in(0);
  // A scalar is treated as one element of a 1-D tensor, as numpy does.
  if (x.has_rank()) ctx.out(0).shape = std::vector<Dim>{Dim(std::max(x.rank(), 1)), Dim()};
  return {};
}

Status run_nonzero(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_TRY(require_not_string(ctx.node(), x.dtype(), "input"));
  std::vector<int64_t> hits;
  visit_dtype(x.dtype(), [&]<class T>() {
    const T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i)
      if (static_cast<compute_t<T>>(p[i]) != compute_t<T>(0)) hits.push_back(i);
  });
  const int r = std::max(x.rank(), 1);
  const int64_t n = static_cast<int64_t>(hits.size());
  Tensor& out = ctx.output(0, DType::Int64, {r, n});
  int64_t* o = out.data<int64_t>();
  const Shape shape = x.rank() ? x.shape() : Shape{1};
  for (int64_t j = 0; j < n; ++j) {
    int64_t flat = hits[j];
    for (int d = r - 1; d >= 0; --d) {
      o[d * n + j] = flat % shape[d];
      flat /= shape[d];
    }
  }
  return {};
}

// ---- OneHot ----

Result<int64_t> onehot_depth(const Node& node, const Tensor& t) {
  SZ0_ASSIGN(int64_t d, scalar_int(node, t, "depth"));
  if (d < 0) return error("{}: depth {} must not be negative", node.label(), d);
  return d;
}

Status infer_onehot(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 3));
  const TypeInfo& idx = ctx.in(0);
  const TypeInfo& values = ctx.in(2);
  for (size_t i : {0, 1})
    if (ctx.in(i).dtype == DType::String || ctx.in(i).dtype == DType::Bool)
      return ctx.fail("input {} must be numeric, got {}", i, dtype_name(ctx.in(i).dtype));
  if (values.has_rank() && values.rank() != 1) return ctx.fail("values must be a 1-D tensor [off, on]");
  ctx.out(0).dtype = values.dtype;
  if (!idx.has_rank()) return {};
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", -1), idx.rank() + 1));
  Dim depth;
  if (const Tensor* d = ctx.value(1)) {
    SZ0_ASSIGN(int64_t v, onehot_depth(ctx.node, *d));
    depth = Dim(v);
  }
  std::vector<Dim> s = *idx.shape;
  s.insert(s.begin() + axis, depth);
  ctx.out(0).shape = std::move(s);
  return {};
}

Status run_onehot(KernelContext& ctx) {
  const Tensor& idx = ctx.in(0);
  const Tensor& values = ctx.in(2);
  SZ0_TRY(require_not_string(ctx.node(), values.dtype(), "values"));
  if (values.numel() != 2) return ctx.fail("values must hold 2 elements [off, on], got {}", values.numel());
  SZ0_ASSIGN(int64_t depth, onehot_depth(ctx.node(), ctx.in(1)));
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", -1), idx.rank() + 1));
  Shape shape = idx.shape();
  shape.insert(shape.begin() + axis, depth);
  Tensor& out = ctx.output(0, values.dtype(), shape);
  const size_t es = dtype_size(values.dtype());
  const auto* off = static_cast<const uint8_t*>(values.raw());
  const uint8_t* on = off + es;
  auto* o = static_cast<uint8_t*>(out.raw());
  for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(o + i * es, off, es);
  const int64_t outer = prod(idx.shape(), 0, axis);
  const int64_t inner = prod(idx.shape(), axis, idx.shape().size());
  // Negative indices count from the end since opset 11; before, they select nothing.
  const bool wrap = ctx.opset() >= 11;
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t b = 0; b < inner; ++b) {
      auto v = numeric_as_int64(idx, a * inner + b);
      if (!v) continue;
      int64_t k = *v;
      if (k < 0 && wrap) k += depth;
      if (k < 0 || k >= depth) continue;  // out of range: the row stays all off
      std::memcpy(o + ((a * depth + k) * inner + b) * es, on, es);
    }
  return {};
}

SZ0_REGISTER_OP(.op_type = "NonZero", .since = 9, .infer = infer_nonzero, .compute = run_nonzero);
SZ0_REGISTER_OP(.op_type = "OneHot", .since = 9, .infer = infer_onehot, .compute = run_onehot);

}  // namespace
}  // namespace sz0::ops

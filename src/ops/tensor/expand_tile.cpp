// Expand and Tile: both read the input through a view with zero strides on repeated axes.
#include "ops/tensor/tensor_util.h"

namespace sz0::ops {
namespace {

using namespace tensorops;

Result<std::vector<int64_t>> shape_input(const Node& node, const Tensor& t, std::string_view what) {
  if (t.rank() != 1) return error("{}: {} must be 1-D, got rank {}", node.label(), what, t.rank());
  return int_values(node, t, what);
}

Status infer_expand(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const Tensor* sv = ctx.value(1);
  const auto& in = ctx.in(0).shape;
  if (!sv) {
    const auto& ss = ctx.in(1).shape;
    if (in && ss && ss->size() == 1 && (*ss)[0].known())
      o.shape = std::vector<Dim>(std::max<size_t>(in->size(), static_cast<size_t>((*ss)[0].value)));
    return {};
  }
  SZ0_ASSIGN(auto target, shape_input(ctx.node, *sv, "shape"));
  for (int64_t d : target)
    if (d < 0) return ctx.fail("negative dimension {} in shape", d);
  if (!in) return {};
  const std::vector<std::vector<Dim>> both{*in, to_dims(target)};
  SZ0_ASSIGN(o.shape, broadcast_dims(ctx.node, both));
  return {};
}

Status run_expand(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(auto target, shape_input(ctx.node(), ctx.in(1), "shape"));
  const std::vector<Shape> both{x.shape(), target};
  SZ0_ASSIGN(Shape out_shape, broadcast_shapes(ctx.node(), both));
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  const auto strides = broadcast_strides(x.shape(), out_shape);
  strided_gather(es, x.raw(), strides, y.raw(), out_shape, ctx.threads());
  return {};
}

Result<std::vector<int64_t>> tile_repeats(const Node& node, const Tensor& t, int64_t rank) {
  SZ0_ASSIGN(auto reps, shape_input(node, t, "repeats"));
  if (static_cast<int64_t>(reps.size()) != rank)
    return error("{}: repeats has {} entries for rank {}", node.label(), reps.size(), rank);
  for (int64_t r : reps)
    if (r < 0) return error("{}: negative repeat {}", node.label(), r);
  return reps;
}

Status infer_tile(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const auto& in = ctx.in(0).shape;
  if (!in) return {};
  const Tensor* rv = ctx.value(1);
  if (!rv) {
    o.shape = std::vector<Dim>(in->size());
    return {};
  }
  SZ0_ASSIGN(auto reps, tile_repeats(ctx.node, *rv, static_cast<int64_t>(in->size())));
  std::vector<Dim> dims = *in;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k].known()) dims[k] = Dim(dims[k].value * reps[k]);
    else if (reps[k] == 0) dims[k] = Dim(0);
    else if (reps[k] != 1) dims[k] = Dim();
  }
  o.shape = std::move(dims);
  return {};
}

Status run_tile(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(auto reps, tile_repeats(ctx.node(), ctx.in(1), x.rank()));
  // Output [r0*d0, r1*d1, ...] is, row-major, the view [r0, d0, r1, d1, ...] with 0 strides on r_k.
  const Shape xs = shape_strides(x.shape());
  Shape out_shape, view_shape, view_strides;
  for (int k = 0; k < x.rank(); ++k) {
    out_shape.push_back(x.dim(k) * reps[k]);
    view_shape.insert(view_shape.end(), {reps[k], x.dim(k)});
    view_strides.insert(view_strides.end(), {0, xs[k]});
  }
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  strided_gather(es, x.raw(), view_strides, y.raw(), view_shape, ctx.threads());
  return {};
}

SZ0_REGISTER_OP(.op_type = "Expand", .since = 8, .infer = infer_expand, .compute = run_expand);
SZ0_REGISTER_OP(.op_type = "Tile", .since = 6, .infer = infer_tile, .compute = run_tile);

}  // namespace
}  // namespace sz0::ops

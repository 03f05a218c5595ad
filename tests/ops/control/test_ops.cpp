// Test-only ops (domain "test") so that control-flow bodies can compute something while this
// binary links only the control family.
#include "ops/op.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace sz0::ops {
namespace {

template <class Fn>
Status binary(KernelContext& ctx, DType out_dtype, Fn fn) {
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  if (a.dtype() != b.dtype()) return ctx.fail("dtype mismatch");
  const Shape shapes[] = {a.shape(), b.shape()};
  SZ0_ASSIGN(Shape out_shape, broadcast_shapes(ctx.node(), shapes));
  Tensor& y = ctx.output(0, out_dtype == DType::Undefined ? a.dtype() : out_dtype, out_shape);
  const auto sa = broadcast_strides(a.shape(), out_shape);
  const auto sb = broadcast_strides(b.shape(), out_shape);
  const Shape st = shape_strides(out_shape);
  for (int64_t i = 0; i < y.numel(); ++i) {
    int64_t ia = 0, ib = 0, r = i;
    for (size_t d = 0; d < out_shape.size(); ++d) {
      const int64_t c = r / st[d];
      r %= st[d];
      ia += c * sa[d];
      ib += c * sb[d];
    }
    fn(y, i, ia, ib);
  }
  return {};
}

Status run_add(KernelContext& ctx) {
  const DType t = ctx.in(0).dtype();
  if (t != DType::Float && t != DType::Int64 && t != DType::Int32 && t != DType::Double)
    return ctx.fail("unsupported dtype");
  return binary(ctx, DType::Undefined, [&](Tensor& y, int64_t i, int64_t ia, int64_t ib) {
    visit_dtype(t, [&]<class T>() {
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int64_t> ||
                    std::is_same_v<T, int32_t>)
        y.data<T>()[i] = ctx.in(0).data<T>()[ia] + ctx.in(1).data<T>()[ib];
    });
  });
}

Status run_less(KernelContext& ctx) {
  return binary(ctx, DType::Bool, [&](Tensor& y, int64_t i, int64_t ia, int64_t ib) {
    y.data<bool>()[i] = ctx.in(0).get_double(ia) < ctx.in(1).get_double(ib);
  });
}

Status infer_add(InferContext& ctx) { return infer_broadcast(ctx); }
Status infer_less(InferContext& ctx) { return infer_broadcast(ctx, DType::Bool); }

Status infer_concat(InferContext& ctx) {
  ctx.out(0).dtype = ctx.in(0).dtype;
  return {};
}

Status run_concat(KernelContext& ctx) {
  const int64_t axis = ctx.node().attr_int("axis", 0);
  const Tensor& a = ctx.in(0);
  if (axis < 0 || axis >= a.rank()) return ctx.fail("bad axis");
  Shape shape = a.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) shape[axis] += ctx.in(i).dim(static_cast<int>(axis));
  Tensor& y = ctx.output(0, a.dtype(), shape);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  const size_t es = dtype_size(a.dtype());
  char* dst = static_cast<char*>(y.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& x = ctx.in(i);
      const size_t row = static_cast<size_t>(x.numel() / std::max<int64_t>(outer, 1)) * es;
      if (row == 0) continue;
      std::memcpy(dst, static_cast<const char*>(x.raw()) + o * row, row);
      dst += row;
    }
  return {};
}

SZ0_REGISTER_OP(.domain = "test", .op_type = "Add", .since = 1, .infer = infer_add, .compute = run_add);
SZ0_REGISTER_OP(.domain = "test", .op_type = "Less", .since = 1, .infer = infer_less, .compute = run_less);
SZ0_REGISTER_OP(.domain = "test", .op_type = "Concat", .since = 1, .infer = infer_concat, .compute = run_concat);

}  // namespace
}  // namespace sz0::ops

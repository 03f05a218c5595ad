// Logic and comparisons: And Or Xor Not, Equal Less LessOrEqual Greater GreaterOrEqual,
// Where, IsNaN, IsInf.
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

// ---- boolean ----------------------------------------------------------------------------------

Status infer_logical(InferContext& ctx) { return infer_binary(ctx, kBoolType); }
Status run_and(KernelContext& ctx) {
  return map_binary<kBoolType>(ctx, [](bool x, bool y) { return x && y; });
}
Status run_or(KernelContext& ctx) {
  return map_binary<kBoolType>(ctx, [](bool x, bool y) { return x || y; });
}
Status run_xor(KernelContext& ctx) {
  return map_binary<kBoolType>(ctx, [](bool x, bool y) { return x != y; });
}

Status infer_not(InferContext& ctx) { return infer_unary(ctx, kBoolType); }
Status run_not(KernelContext& ctx) {
  return map_unary<kBoolType>(ctx, [](bool x) { return !x; });
}

// ---- comparisons ------------------------------------------------------------------------------

Status infer_equal(InferContext& ctx) { return infer_binary(ctx, kAllTypes, DType::Bool); }
Status infer_compare(InferContext& ctx) { return infer_binary(ctx, kNumericTypes, DType::Bool); }

Status run_equal(KernelContext& ctx) {
  return map_binary<kAllTypes, bool>(ctx, [](auto x, auto y) { return x == y; });
}
Status run_less(KernelContext& ctx) {
  return map_binary<kNumericTypes, bool>(ctx, [](auto x, auto y) { return x < y; });
}
Status run_less_equal(KernelContext& ctx) {
  return map_binary<kNumericTypes, bool>(ctx, [](auto x, auto y) { return x <= y; });
}
Status run_greater(KernelContext& ctx) {
  return map_binary<kNumericTypes, bool>(ctx, [](auto x, auto y) { return x > y; });
}
Status run_greater_equal(KernelContext& ctx) {
  return map_binary<kNumericTypes, bool>(ctx, [](auto x, auto y) { return x >= y; });
}

// ---- Where ------------------------------------------------------------------------------------

Status infer_where(InferContext& ctx) {
  if (ctx.num_inputs() != 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2))
    return ctx.fail("expects 3 inputs");
  SZ0_TRY(check_type(ctx, 0, kBoolType));
  SZ0_TRY(check_type(ctx, 1, kAllTypes));
  SZ0_TRY(check_same_type(ctx, 1, 2));
  return infer_broadcast(ctx, ctx.in(1).dtype);
}

// Selection copies bits, so one instantiation per element size serves every dtype.
template <class U>
void where_loop(KernelContext& ctx, const BroadcastPlan& plan, Tensor& o) {
  ternary_loop(plan, ctx.in(0).data<bool>(), ctx.in(1).data<U>(), ctx.in(2).data<U>(), o.data<U>(), ctx.threads(),
               [](bool c, U x, U y) { return c ? x : y; });
}

Status run_where(KernelContext& ctx) {
  const Tensor &c = ctx.in(0), &x = ctx.in(1), &y = ctx.in(2);
  if (c.dtype() != DType::Bool) return ctx.fail("condition must be bool, got {}", dtype_name(c.dtype()));
  if (x.dtype() != y.dtype()) return ctx.fail("X and Y types differ: {} vs {}", dtype_name(x.dtype()), dtype_name(y.dtype()));
  Tensor& o = ctx.output(0);
  const BroadcastPlan plan = make_plan({&c.shape(), &x.shape(), &y.shape()}, o.shape());
  switch (dtype_size(x.dtype())) {
    case 1: where_loop<uint8_t>(ctx, plan, o); break;
    case 2: where_loop<uint16_t>(ctx, plan, o); break;
    case 4: where_loop<uint32_t>(ctx, plan, o); break;
    case 8: where_loop<uint64_t>(ctx, plan, o); break;
    default: return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  }
  return {};
}

// ---- IsNaN IsInf ------------------------------------------------------------------------------

Status infer_isnan(InferContext& ctx) { return infer_unary(ctx, kFloatTypes, DType::Bool); }
Status run_isnan(KernelContext& ctx) {
  return map_unary<kFloatTypes, bool>(ctx, [](auto x) { return std::isnan(x); });
}

Status infer_isinf(InferContext& ctx) { return infer_unary(ctx, kFloatTypes, DType::Bool); }
Status run_isinf(KernelContext& ctx) {
  const bool neg = ctx.node().attr_int("detect_negative", 1) != 0;
  const bool pos = ctx.node().attr_int("detect_positive", 1) != 0;
  return map_unary<kFloatTypes, bool>(ctx, [neg, pos](auto x) { return std::isinf(x) && (x > 0 ? pos : neg); });
}

SZ0_REGISTER_OP(.op_type = "And", .since = 1, .infer = infer_logical, .compute = run_and);
SZ0_REGISTER_OP(.op_type = "Or", .since = 1, .infer = infer_logical, .compute = run_or);
SZ0_REGISTER_OP(.op_type = "Xor", .since = 1, .infer = infer_logical, .compute = run_xor);
SZ0_REGISTER_OP(.op_type = "Not", .since = 1, .infer = infer_not, .compute = run_not);
SZ0_REGISTER_OP(.op_type = "Equal", .since = 1, .infer = infer_equal, .compute = run_equal);
SZ0_REGISTER_OP(.op_type = "Less", .since = 1, .infer = infer_compare, .compute = run_less);
SZ0_REGISTER_OP(.op_type = "LessOrEqual", .since = 12, .infer = infer_compare, .compute = run_less_equal);
SZ0_REGISTER_OP(.op_type = "Greater", .since = 1, .infer = infer_compare, .compute = run_greater);
SZ0_REGISTER_OP(.op_type = "GreaterOrEqual", .since = 12, .infer = infer_compare, .compute = run_greater_equal);
SZ0_REGISTER_OP(.op_type = "Where", .since = 9, .infer = infer_where, .compute = run_where);
SZ0_REGISTER_OP(.op_type = "IsNaN", .since = 9, .infer = infer_isnan, .compute = run_isnan);
SZ0_REGISTER_OP(.op_type = "IsInf", .since = 10, .infer = infer_isinf, .compute = run_isinf);

}  // namespace
}  // namespace sz0::ops::math

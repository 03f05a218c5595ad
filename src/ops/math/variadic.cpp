// Variadic elementwise ops (Sum Mean Min Max) and Clip.
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

// ---- Sum Mean Min Max -------------------------------------------------------------------------

Status infer_variadic(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.fail("expects at least one input");
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.fail("input {} is missing", i);
    SZ0_TRY(check_type(ctx, i, kNumericTypes));
    SZ0_TRY(check_same_type(ctx, 0, i));
  }
  return infer_broadcast(ctx);
}

// Folds the inputs left to right into the output with f (on compute types); Mean divides last.
// Float32 folds with the SIMD table's `op` instead.
template <class F>
Status fold_inputs(KernelContext& ctx, F f, kernels::BinaryF32 op, bool mean) {
  const size_t n = ctx.num_inputs();
  for (size_t i = 0; i < n; ++i) {
    if (!ctx.has_input(i)) return ctx.fail("input {} is missing", i);
    if (ctx.in(i).dtype() != ctx.in(0).dtype())
      return ctx.fail("input {} has dtype {}, input 0 {}", i, dtype_name(ctx.in(i).dtype()), dtype_name(ctx.in(0).dtype()));
  }
  if (n == 1) {  // nothing to combine: the input is the result
    ctx.set_output(0, ctx.in(0));
    return {};
  }
  Tensor& o = ctx.output_for_overwrite(0);
  if (o.dtype() == DType::Float) {
    const int threads = ctx.threads();
    binary_f32(make_plan({&ctx.in(0).shape(), &ctx.in(1).shape()}, o.shape()), op, ctx.in(0).data<float>(),
               ctx.in(1).data<float>(), o.data<float>(), threads);
    for (size_t i = 2; i < n; ++i)  // in place: each output element reads only itself
      binary_f32(make_plan({&o.shape(), &ctx.in(i).shape()}, o.shape()), op, o.data<float>(), ctx.in(i).data<float>(),
                 o.data<float>(), threads);
    if (mean) {
      const float count = static_cast<float>(n);
      const Shape scalar;
      binary_f32(make_plan({&o.shape(), &scalar}, o.shape()), kernels::BinaryF32::Div, o.data<float>(), &count,
                 o.data<float>(), threads);
    }
    return {};
  }
  bool done = false;
  visit_dtype(o.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kNumericTypes)) {
      using C = compute_t<T>;
      binary_apply(make_plan({&ctx.in(0).shape(), &ctx.in(1).shape()}, o.shape()), ctx.in(0).data<T>(),
                   ctx.in(1).data<T>(), o.data<T>(), ctx.threads(), f);
      for (size_t i = 2; i < n; ++i)  // in place: each output element reads only itself
        binary_apply(make_plan({&o.shape(), &ctx.in(i).shape()}, o.shape()), o.data<T>(), ctx.in(i).data<T>(),
                     o.data<T>(), ctx.threads(), f);
      if (mean) {
        const C count = static_cast<C>(n);
        unary_apply(o.data<T>(), o.data<T>(), o.numel(), ctx.threads(), [count](C x) { return x / count; });
      }
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(o.dtype()));
  return {};
}

template <class C>
inline C nan_min(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) return (x < y || std::isnan(x)) ? x : y;
  else return x < y ? x : y;
}
template <class C>
inline C nan_max(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) return (x > y || std::isnan(x)) ? x : y;
  else return x > y ? x : y;
}

Status run_sum(KernelContext& ctx) {
  return fold_inputs(
      ctx,
      [](auto x, auto y) {
        using C = decltype(x);
        if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<wrap_t<C>>(x) + static_cast<wrap_t<C>>(y));
        else return x + y;
      },
      kernels::BinaryF32::Add, false);
}
Status run_mean(KernelContext& ctx) {
  return fold_inputs(
      ctx,
      [](auto x, auto y) {
        using C = decltype(x);
        if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<wrap_t<C>>(x) + static_cast<wrap_t<C>>(y));
        else return x + y;
      },
      kernels::BinaryF32::Add, true);
}
Status run_min(KernelContext& ctx) {
  return fold_inputs(ctx, [](auto x, auto y) { return nan_min(x, y); }, kernels::BinaryF32::Min, false);
}
Status run_max(KernelContext& ctx) {
  return fold_inputs(ctx, [](auto x, auto y) { return nan_max(x, y); }, kernels::BinaryF32::Max, false);
}

// ---- Clip -------------------------------------------------------------------------------------

Status infer_clip(InferContext& ctx) {
  if (ctx.num_inputs() < 1 || !ctx.has_input(0)) return ctx.fail("expects an input");
  if (ctx.opset < 11 && ctx.num_inputs() > 1) return ctx.fail("takes min and max as attributes before opset 11");
  if (ctx.num_inputs() > 3) return ctx.fail("expects at most 3 inputs");
  SZ0_TRY(check_type(ctx, 0, ctx.opset < 12 ? kFloatTypes : kNumericTypes));
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    SZ0_TRY(check_same_type(ctx, 0, i));
    if (ctx.in(i).has_rank()) {
      for (const Dim& d : *ctx.in(i).shape)
        if (d.known() && d.value != 1) return ctx.fail("input {} (min/max) must be a scalar", i);
    }
  }
  ctx.out(0) = ctx.in(0);
  return {};
}

Status run_clip(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (!t) continue;
    if (t->dtype() != x.dtype()) return ctx.fail("input {} has dtype {}, expected {}", i, dtype_name(t->dtype()), dtype_name(x.dtype()));
    if (t->numel() != 1) return ctx.fail("input {} (min/max) must be a scalar, got shape {}", i, shape_str(t->shape()));
  }
  bool done = false;
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kNumericTypes)) {
      using C = compute_t<T>;
      C lo, hi;
      if constexpr (std::is_floating_point_v<C>) {
        lo = -std::numeric_limits<C>::infinity();
        hi = std::numeric_limits<C>::infinity();
      } else {
        lo = std::numeric_limits<C>::lowest();
        hi = std::numeric_limits<C>::max();
      }
      if (ctx.opset() < 11) {
        if (ctx.node().has_attr("min")) lo = saturate_cast<C>(ctx.node().attr_float("min", 0));
        if (ctx.node().has_attr("max")) hi = saturate_cast<C>(ctx.node().attr_float("max", 0));
      } else {
        if (const Tensor* t = ctx.input(1)) lo = static_cast<C>(t->data<T>()[0]);
        if (const Tensor* t = ctx.input(2)) hi = static_cast<C>(t->data<T>()[0]);
      }
      Tensor& y = ctx.output_for_overwrite(0);
      if constexpr (std::is_same_v<C, float>) {
        // Float32 and the halves: the table's Clip, min(max(x, lo), hi) as below.
        unary_table(x.data<T>(), y.data<T>(), x.numel(), ctx.threads(), kernels::UnaryF32::Clip, {lo, hi});
        done = true;
        return;
      }
      // min(max(x, lo), hi): with lo > hi every element becomes hi; NaN stays NaN.
      unary_apply(x.data<T>(), y.data<T>(), x.numel(), ctx.threads(), [lo, hi](C c) {
        c = c < lo ? lo : c;
        return c > hi ? hi : c;
      });
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "Sum", .since = 1, .infer = infer_variadic, .compute = run_sum);
SZ0_REGISTER_OP(.op_type = "Mean", .since = 1, .infer = infer_variadic, .compute = run_mean);
SZ0_REGISTER_OP(.op_type = "Min", .since = 1, .infer = infer_variadic, .compute = run_min);
SZ0_REGISTER_OP(.op_type = "Max", .since = 1, .infer = infer_variadic, .compute = run_max);
SZ0_REGISTER_OP(.op_type = "Clip", .since = 1, .infer = infer_clip, .compute = run_clip);

}  // namespace
}  // namespace sz0::ops::math

// Unary math: Sqrt Exp Log Neg Abs Reciprocal Erf, trigonometric and hyperbolic functions,
// Floor Ceil Round Sign. Float32 and the halves of Sqrt Exp Erf Neg Abs Reciprocal run through
// the SIMD kernel table (kernels/simd_f32.h).
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

using kernels::UnaryF32;

template <TypeSet Set>
Status infer_in(InferContext& ctx) {
  return infer_unary(ctx, Set);
}

// Float-only functions: f gets float (float32, halves) or double.
#define SZ0_FLOAT_UNARY(name, expr)                                          \
  Status name(KernelContext& ctx) {                                          \
    return map_unary<kFloatTypes>(ctx, [](auto x) -> decltype(x) { return expr; }); \
  }

SZ0_FLOAT_UNARY(run_log, std::log(x))
SZ0_FLOAT_UNARY(run_sin, std::sin(x))
SZ0_FLOAT_UNARY(run_cos, std::cos(x))
SZ0_FLOAT_UNARY(run_tan, std::tan(x))
SZ0_FLOAT_UNARY(run_asin, std::asin(x))
SZ0_FLOAT_UNARY(run_acos, std::acos(x))
SZ0_FLOAT_UNARY(run_atan, std::atan(x))
SZ0_FLOAT_UNARY(run_sinh, std::sinh(x))
SZ0_FLOAT_UNARY(run_cosh, std::cosh(x))
SZ0_FLOAT_UNARY(run_asinh, std::asinh(x))
SZ0_FLOAT_UNARY(run_acosh, std::acosh(x))
SZ0_FLOAT_UNARY(run_atanh, std::atanh(x))
SZ0_FLOAT_UNARY(run_floor, std::floor(x))
SZ0_FLOAT_UNARY(run_ceil, std::ceil(x))
SZ0_FLOAT_UNARY(run_round, std::nearbyint(x))  // the default rounding mode: half to even
#undef SZ0_FLOAT_UNARY

Status run_sqrt(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::Sqrt, {}, [](auto x) { return std::sqrt(x); });
}

Status run_reciprocal(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::Reciprocal, {}, [](auto x) { return decltype(x)(1) / x; });
}

Status run_exp(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::Exp, {}, [](auto x) { return std::exp(x); }, kMathGrain);
}

// Erf takes every numeric type; integers go through double.
Status run_erf(KernelContext& ctx) {
  return map_unary_table<kNumericTypes>(
      ctx, UnaryF32::Erf, {},
      [](auto x) {
        using C = decltype(x);
        if constexpr (std::is_floating_point_v<C>) return std::erf(x);
        else return static_cast<C>(std::erf(static_cast<double>(x)));
      },
      kMathGrain);
}

// Integer Abs and Neg wrap (|MIN| = MIN) instead of overflowing.
Status run_abs(KernelContext& ctx) {
  return map_unary_table<kNumericTypes>(ctx, UnaryF32::Abs, {}, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_unsigned_v<C>) return x;
    else if constexpr (std::is_integral_v<C>) return x < 0 ? static_cast<C>(wrap_t<C>(0) - static_cast<wrap_t<C>>(x)) : x;
    else return std::fabs(x);
  });
}

Status run_neg(KernelContext& ctx) {
  return map_unary_table<kSignedTypes>(ctx, UnaryF32::Neg, {}, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_integral_v<C>) return static_cast<C>(wrap_t<C>(0) - static_cast<wrap_t<C>>(x));
    else return -x;
  });
}

Status run_sign(KernelContext& ctx) {
  return map_unary<kNumericTypes>(ctx, [](auto x) {
    using C = decltype(x);
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(x)) return x;
    }
    return x > C(0) ? C(1) : (x < C(0) ? static_cast<C>(-1) : C(0));
  });
}

SZ0_REGISTER_OP(.op_type = "Sqrt", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_sqrt);
SZ0_REGISTER_OP(.op_type = "Exp", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_exp);
SZ0_REGISTER_OP(.op_type = "Log", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_log);
SZ0_REGISTER_OP(.op_type = "Reciprocal", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_reciprocal);
SZ0_REGISTER_OP(.op_type = "Neg", .since = 1, .infer = infer_in<kSignedTypes>, .compute = run_neg);
SZ0_REGISTER_OP(.op_type = "Abs", .since = 1, .infer = infer_in<kNumericTypes>, .compute = run_abs);
SZ0_REGISTER_OP(.op_type = "Erf", .since = 9, .infer = infer_in<kNumericTypes>, .compute = run_erf);
SZ0_REGISTER_OP(.op_type = "Sin", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_sin);
SZ0_REGISTER_OP(.op_type = "Cos", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_cos);
SZ0_REGISTER_OP(.op_type = "Tan", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_tan);
SZ0_REGISTER_OP(.op_type = "Asin", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_asin);
SZ0_REGISTER_OP(.op_type = "Acos", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_acos);
SZ0_REGISTER_OP(.op_type = "Atan", .since = 7, .infer = infer_in<kFloatTypes>, .compute = run_atan);
SZ0_REGISTER_OP(.op_type = "Sinh", .since = 9, .infer = infer_in<kFloatTypes>, .compute = run_sinh);
SZ0_REGISTER_OP(.op_type = "Cosh", .since = 9, .infer = infer_in<kFloatTypes>, .compute = run_cosh);
SZ0_REGISTER_OP(.op_type = "Asinh", .since = 9, .infer = infer_in<kFloatTypes>, .compute = run_asinh);
SZ0_REGISTER_OP(.op_type = "Acosh", .since = 9, .infer = infer_in<kFloatTypes>, .compute = run_acosh);
SZ0_REGISTER_OP(.op_type = "Atanh", .since = 9, .infer = infer_in<kFloatTypes>, .compute = run_atanh);
SZ0_REGISTER_OP(.op_type = "Floor", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_floor);
SZ0_REGISTER_OP(.op_type = "Ceil", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_ceil);
SZ0_REGISTER_OP(.op_type = "Round", .since = 11, .infer = infer_in<kFloatTypes>, .compute = run_round);
SZ0_REGISTER_OP(.op_type = "Sign", .since = 9, .infer = infer_in<kNumericTypes>, .compute = run_sign);

}  // namespace
}  // namespace sz0::ops::math

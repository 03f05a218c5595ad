// Binary arithmetic: Add Sub Mul Div Pow Mod BitShift.
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

constexpr TypeSet kArith = kNumericTypes;

// ---- Add Sub Mul ------------------------------------------------------------------------------

Status infer_arith(InferContext& ctx) { return infer_binary(ctx, kArith); }

template <class C>
inline C wrap_add(C x, C y) {
  if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<wrap_t<C>>(x) + static_cast<wrap_t<C>>(y));
  else return x + y;
}
template <class C>
inline C wrap_sub(C x, C y) {
  if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<wrap_t<C>>(x) - static_cast<wrap_t<C>>(y));
  else return x - y;
}
template <class C>
inline C wrap_mul(C x, C y) {
  if constexpr (std::is_integral_v<C>) return static_cast<C>(static_cast<wrap_t<C>>(x) * static_cast<wrap_t<C>>(y));
  else return x * y;
}

using kernels::BinaryF32;

Status run_add(KernelContext& ctx) {
  return map_binary_table<kArith>(ctx, BinaryF32::Add, [](auto x, auto y) { return wrap_add(x, y); });
}
Status run_sub(KernelContext& ctx) {
  return map_binary_table<kArith>(ctx, BinaryF32::Sub, [](auto x, auto y) { return wrap_sub(x, y); });
}
Status run_mul(KernelContext& ctx) {
  return map_binary_table<kArith>(ctx, BinaryF32::Mul, [](auto x, auto y) { return wrap_mul(x, y); });
}

// ---- Div and Mod ------------------------------------------------------------------------------

// Integer division by zero has no value (and traps on x86): report it instead.
Status check_no_zero_divisor(KernelContext& ctx) {
  const Tensor& b = ctx.in(1);
  bool zero = false;
  visit_dtype(b.dtype(), [&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const T* p = b.data<T>();
      for (int64_t i = 0; i < b.numel() && !zero; ++i) zero = p[i] == 0;
    }
  });
  if (zero) return ctx.fail("integer division by zero");
  return {};
}

// C semantics: truncates toward zero. MIN / -1 wraps to MIN instead of trapping.
template <class C>
inline C int_div(C x, C y) {
  if constexpr (std::is_signed_v<C>) {
    if (y == -1) return static_cast<C>(wrap_t<C>(0) - static_cast<wrap_t<C>>(x));
  }
  return static_cast<C>(x / y);
}

// Remainder with the dividend's sign (C's % / fmod).
template <class C>
inline C trunc_mod(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::fmod(x, y);
  } else {
    if constexpr (std::is_signed_v<C>) {
      if (y == -1) return C(0);
    }
    return static_cast<C>(x % y);
  }
}

// Remainder with the divisor's sign (Python's %).
template <class C>
inline C floor_mod(C x, C y) {
  C r = trunc_mod(x, y);
  if constexpr (std::is_signed_v<C>) {
    if (r != 0 && ((r < 0) != (y < 0))) r = static_cast<C>(r + y);
  }
  return r;
}

Status run_div(KernelContext& ctx) {
  if (dtype_is_int(ctx.in(0).dtype())) {
    SZ0_TRY(check_no_zero_divisor(ctx));
    return map_binary<kIntTypes>(ctx, [](auto x, auto y) { return int_div(x, y); });
  }
  return map_binary_table<kFloatTypes>(ctx, BinaryF32::Div, [](auto x, auto y) { return x / y; });
}

Result<bool> mod_fmod(const Node& node) {
  const int64_t f = node.attr_int("fmod", 0);
  if (f != 0 && f != 1) return error("{}: fmod must be 0 or 1, got {}", node.label(), f);
  return f == 1;
}

Status infer_mod(InferContext& ctx) {
  SZ0_TRY(infer_binary(ctx, kArith));
  SZ0_ASSIGN(bool fmod, mod_fmod(ctx.node));
  if (!fmod && dtype_is_float(ctx.in(0).dtype)) return ctx.fail("fmod must be 1 for floating-point inputs");
  return {};
}

Status run_mod(KernelContext& ctx) {
  SZ0_ASSIGN(bool fmod, mod_fmod(ctx.node()));
  if (dtype_is_float(ctx.in(0).dtype())) {
    if (!fmod) return ctx.fail("fmod must be 1 for floating-point inputs");
    return map_binary<kFloatTypes>(ctx, [](auto x, auto y) { return trunc_mod(x, y); });
  }
  SZ0_TRY(check_no_zero_divisor(ctx));
  if (fmod) return map_binary<kIntTypes>(ctx, [](auto x, auto y) { return trunc_mod(x, y); });
  return map_binary<kIntTypes>(ctx, [](auto x, auto y) { return floor_mod(x, y); });
}

// ---- Pow --------------------------------------------------------------------------------------

constexpr TypeSet kPowBase = kFloatTypes | bit(DType::Int32) | bit(DType::Int64);

Status infer_pow(InferContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("expects 2 inputs");
  SZ0_TRY(check_type(ctx, 0, kPowBase));
  SZ0_TRY(check_type(ctx, 1, kNumericTypes));
  // Before opset 12 base and exponent share one type.
  if (ctx.opset < 12) SZ0_TRY(check_same_type(ctx, 0, 1));
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  if (ctx.in(0).has_rank() && ctx.in(1).has_rank()) {
    const auto& a = *ctx.in(0).shape;
    SZ0_ASSIGN(auto b, legacy_b_dims(ctx.node, ctx.opset, a.size(), *ctx.in(1).shape));
    std::vector<std::vector<Dim>> shapes{a, std::move(b)};
    SZ0_ASSIGN(auto dims, broadcast_dims(ctx.node, shapes));
    o.shape = std::move(dims);
  }
  return {};
}

// Integer power by squaring, wrapping on overflow. Negative exponents give 1/x^n truncated.
template <class I>
inline I int_pow(I x, int64_t n) {
  if (n < 0) {
    if (x == 1) return 1;
    if (x == -1) return (n & 1) ? I(-1) : I(1);
    return 0;
  }
  using U = wrap_t<I>;
  U r = 1, b = static_cast<U>(x);
  while (n) {
    if (n & 1) r = static_cast<U>(r * b);
    b = static_cast<U>(b * b);
    n >>= 1;
  }
  return static_cast<I>(r);
}

template <class T, class E>
inline T pow_elem(T x, E y) {
  if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if constexpr (std::is_unsigned_v<E>) {
      if (static_cast<uint64_t>(y) > kMax) return int_pow(x, static_cast<int64_t>(kMax));
    }
    return int_pow(x, static_cast<int64_t>(y));
  } else if constexpr (std::is_integral_v<T>) {
    return saturate_cast<T>(std::pow(static_cast<double>(x), static_cast<double>(static_cast<compute_t<E>>(y))));
  } else {
    using C = compute_t<T>;
    if constexpr (std::is_same_v<C, float> && !std::is_same_v<compute_t<E>, double>) {
      return to_out<T>(std::pow(static_cast<C>(x), static_cast<float>(static_cast<compute_t<E>>(y))));
    } else {
      return to_out<T>(std::pow(static_cast<double>(static_cast<C>(x)), static_cast<double>(static_cast<compute_t<E>>(y))));
    }
  }
}

// Float exponents that normalization and activation subgraphs use (x², x³, √x) without powf.
// A one-element exponent keeps a's elements in order, whatever the output's rank.
bool pow_f32_special(const Tensor& a, double e, Tensor& o, int threads) {
  using kernels::UnaryF32;
  UnaryF32 op;
  if (e == 1.0) op = UnaryF32::Copy;
  else if (e == 2.0) op = UnaryF32::Square;
  else if (e == 3.0) op = UnaryF32::Cube;
  else if (e == 0.5) op = UnaryF32::PowHalf;  // pow(-0, .5) = +0 and pow(-inf, .5) = +inf
  else return false;
  unary_table(a.data<float>(), o.data<float>(), a.numel(), threads, op, {});
  return true;
}

Status run_pow(KernelContext& ctx) {
  const Tensor& a = ctx.in(0);
  SZ0_ASSIGN(Shape bshape, legacy_b_shape(ctx.node(), ctx.opset(), a.shape().size(), ctx.in(1).shape()));
  const Tensor b = ctx.in(1).reshaped(bshape);
  Tensor& o = ctx.output_for_overwrite(0);
  const BroadcastPlan plan = make_plan({&a.shape(), &b.shape()}, o.shape());
  bool done = false;
  visit_dtype(a.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kPowBase)) {
      visit_dtype(b.dtype(), [&]<class E>() {
        if constexpr (in_set<E>(kNumericTypes)) {
          if constexpr (std::is_same_v<T, float>) {
            if (b.numel() == 1 && pow_f32_special(a, b.get_double(0), o, ctx.threads())) {
              done = true;
              return;
            }
          }
          binary_loop(plan, a.data<T>(), b.data<E>(), o.data<T>(), ctx.threads(),
                      [](T x, E y) { return pow_elem(x, y); }, 4096);
          done = true;
        }
      });
    }
  });
  if (!done) return ctx.fail("unsupported dtypes {} ^ {}", dtype_name(a.dtype()), dtype_name(b.dtype()));
  return {};
}

// ---- BitShift ---------------------------------------------------------------------------------

Result<bool> shift_left(const Node& node) {
  const std::string d = node.attr_string("direction", "");
  if (d == "LEFT") return true;
  if (d == "RIGHT") return false;
  return error("{}: direction must be \"LEFT\" or \"RIGHT\", got \"{}\"", node.label(), d);
}

Status infer_bitshift(InferContext& ctx) {
  SZ0_TRY(infer_binary(ctx, kUnsignedIntTypes));
  return shift_left(ctx.node).status();
}

Status run_bitshift(KernelContext& ctx) {
  SZ0_ASSIGN(bool left, shift_left(ctx.node()));
  // Shifting by the width or more is undefined in C++; every bit is shifted out, so 0.
  if (left)
    return map_binary<kUnsignedIntTypes>(ctx, [](auto x, auto y) {
      using T = decltype(x);
      return y >= sizeof(T) * 8 ? T(0) : static_cast<T>(x << y);
    });
  return map_binary<kUnsignedIntTypes>(ctx, [](auto x, auto y) {
    using T = decltype(x);
    return y >= sizeof(T) * 8 ? T(0) : static_cast<T>(x >> y);
  });
}

SZ0_REGISTER_OP(.op_type = "Add", .since = 1, .infer = infer_arith, .compute = run_add);
SZ0_REGISTER_OP(.op_type = "Sub", .since = 1, .infer = infer_arith, .compute = run_sub);
SZ0_REGISTER_OP(.op_type = "Mul", .since = 1, .infer = infer_arith, .compute = run_mul);
SZ0_REGISTER_OP(.op_type = "Div", .since = 1, .infer = infer_arith, .compute = run_div);
SZ0_REGISTER_OP(.op_type = "Pow", .since = 1, .infer = infer_pow, .compute = run_pow);
SZ0_REGISTER_OP(.op_type = "Mod", .since = 10, .infer = infer_mod, .compute = run_mod);
SZ0_REGISTER_OP(.op_type = "BitShift", .since = 11, .infer = infer_bitshift, .compute = run_bitshift);

}  // namespace
}  // namespace sz0::ops::math

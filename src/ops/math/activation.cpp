// Activations: Relu LeakyRelu PRelu Elu Selu Celu Sigmoid HardSigmoid HardSwish Tanh Gelu
// Softplus Softsign Mish ThresholdedRelu Shrink. Float32 and the halves of the common ones run
// through the SIMD kernel table (kernels/simd_f32.h).
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

using kernels::UnaryF32;

template <TypeSet Set>
Status infer_in(InferContext& ctx) {
  return infer_unary(ctx, Set);
}

// log(1 + exp(x)) without overflow for large x.
template <class C>
inline C softplus(C x) {
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

Status run_relu(KernelContext& ctx) {
  return map_unary_table<kSignedTypes>(ctx, UnaryF32::Relu, {},
                                       [](auto x) { return x > decltype(x)(0) ? x : decltype(x)(0); });
}

Status run_leaky_relu(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 0.01f);
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::LeakyRelu, {alpha, 0.0f}, [alpha](auto x) {
    using C = decltype(x);
    return x < C(0) ? static_cast<C>(alpha) * x : x;
  });
}

Status run_elu(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 1.0f);
  return map_unary<kFloatTypes>(ctx, [alpha](auto x) {
    using C = decltype(x);
    return x < C(0) ? static_cast<C>(alpha) * std::expm1(x) : x;
  });
}

Status run_selu(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 1.67326319217681884765625f);
  const float gamma = ctx.node().attr_float("gamma", 1.05070102214813232421875f);
  return map_unary<kFloatTypes>(ctx, [alpha, gamma](auto x) {
    using C = decltype(x);
    const C a = static_cast<C>(alpha), g = static_cast<C>(gamma);
    return x > C(0) ? g * x : g * a * std::expm1(x);
  });
}

Status infer_celu(InferContext& ctx) {
  SZ0_TRY(infer_unary(ctx, kFloatTypes));
  if (ctx.node.attr_float("alpha", 1.0f) == 0.0f) return ctx.fail("alpha must not be 0");
  return {};
}
Status run_celu(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 1.0f);
  if (alpha == 0.0f) return ctx.fail("alpha must not be 0");
  return map_unary<kFloatTypes>(ctx, [alpha](auto x) {
    using C = decltype(x);
    const C a = static_cast<C>(alpha);
    return x > C(0) ? x : a * std::expm1(x / a);
  });
}

Status run_sigmoid(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(
      ctx, UnaryF32::Sigmoid, {},
      [](auto x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }, kMathGrain);
}

Status run_hard_sigmoid(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 0.2f);
  const float beta = ctx.node().attr_float("beta", 0.5f);
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::HardSigmoid, {alpha, beta}, [alpha, beta](auto x) {
    using C = decltype(x);
    C v = static_cast<C>(alpha) * x + static_cast<C>(beta);
    v = v < C(0) ? C(0) : v;
    return v > C(1) ? C(1) : v;
  });
}

Status run_hard_swish(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::HardSwish, {}, [](auto x) {
    using C = decltype(x);
    C v = x * static_cast<C>(1.0 / 6.0) + static_cast<C>(0.5);
    v = v < C(0) ? C(0) : v;
    v = v > C(1) ? C(1) : v;
    return x * v;
  });
}

Status run_tanh(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::Tanh, {}, [](auto x) { return std::tanh(x); }, kMathGrain);
}

// Gelu (opset 20): x·Φ(x), or with approximate = "tanh" x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).
Result<bool> gelu_tanh(const Node& node) {
  const std::string a = node.attr_string("approximate", "none");
  if (a == "none") return false;
  if (a == "tanh") return true;
  return error("{}: approximate must be \"none\" or \"tanh\", got \"{}\"", node.label(), a);
}

Status infer_gelu(InferContext& ctx) {
  SZ0_TRY(infer_unary(ctx, kFloatTypes));
  return gelu_tanh(ctx.node).status();
}

Status run_gelu(KernelContext& ctx) {
  SZ0_ASSIGN(bool approx, gelu_tanh(ctx.node()));
  if (approx)
    return map_unary_table<kFloatTypes>(
        ctx, UnaryF32::GeluTanh, {},
        [](auto x) {
          using C = decltype(x);
          const C z = static_cast<C>(0.7978845608028654) * (x + static_cast<C>(0.044715) * x * x * x);
          return static_cast<C>(0.5) * x * (C(1) + std::tanh(z));
        },
        kMathGrain);
  return map_unary_table<kFloatTypes>(
      ctx, UnaryF32::Gelu, {},
      [](auto x) {
        using C = decltype(x);
        return static_cast<C>(0.5) * x * std::erfc(-x * static_cast<C>(0.70710678118654752));
      },
      kMathGrain);
}

Status run_softplus(KernelContext& ctx) {
  return map_unary<kFloatTypes>(ctx, [](auto x) { return softplus(x); });
}

Status run_softsign(KernelContext& ctx) {
  return map_unary_table<kFloatTypes>(ctx, UnaryF32::Softsign, {}, [](auto x) {
    using C = decltype(x);
    return x / (C(1) + (x < C(0) ? -x : x));
  });
}

Status run_mish(KernelContext& ctx) {
  return map_unary<kFloatTypes>(ctx, [](auto x) { return x * std::tanh(softplus(x)); });
}

Status run_thresholded_relu(KernelContext& ctx) {
  const float alpha = ctx.node().attr_float("alpha", 1.0f);
  return map_unary<kFloatTypes>(ctx, [alpha](auto x) {
    using C = decltype(x);
    return x > static_cast<C>(alpha) ? x : C(0);
  });
}

// Shrink takes every numeric type; integers are compared and shifted in double.
Status run_shrink(KernelContext& ctx) {
  const float lambd = ctx.node().attr_float("lambd", 0.5f);
  const float bias = ctx.node().attr_float("bias", 0.0f);
  return map_unary<kNumericTypes>(ctx, [lambd, bias](auto x) {
    using C = decltype(x);
    if constexpr (std::is_integral_v<C>) {
      const double v = static_cast<double>(x);
      if (v < -lambd) return saturate_cast<C>(v + bias);
      if (v > lambd) return saturate_cast<C>(v - bias);
      return C(0);
    } else {
      if (x < static_cast<C>(-lambd)) return x + static_cast<C>(bias);
      if (x > static_cast<C>(lambd)) return x - static_cast<C>(bias);
      return C(0);
    }
  });
}

// ---- PRelu ------------------------------------------------------------------------------------

constexpr TypeSet kPReluTypes = kFloatTypes | bit(DType::Int32) | bit(DType::Int64) | bit(DType::UInt32) | bit(DType::UInt64);

// Before opset 7 a 1-D slope of X's channel count applies per channel (axis 1); since then the
// slope broadcasts to X numpy-style, in one direction only.
template <class D>
std::vector<D> slope_dims(int64_t opset, const std::vector<D>& x, const std::vector<D>& s) {
  if (opset < 7 && x.size() >= 2 && s.size() == 1 && s[0] == x[1] && !(s[0] == D(1))) {
    std::vector<D> r(x.size() - 1, D(1));
    r[0] = s[0];
    return r;
  }
  return s;
}

Status infer_prelu(InferContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("expects 2 inputs");
  SZ0_TRY(check_type(ctx, 0, kPReluTypes));
  SZ0_TRY(check_same_type(ctx, 0, 1));
  ctx.out(0) = ctx.in(0);
  if (ctx.in(0).has_rank() && ctx.in(1).has_rank()) {
    const auto& x = *ctx.in(0).shape;
    std::vector<std::vector<Dim>> shapes{x, slope_dims(ctx.opset, x, *ctx.in(1).shape)};
    SZ0_ASSIGN(auto dims, broadcast_dims(ctx.node, shapes));
    if (dims.size() != x.size()) return ctx.fail("slope has a higher rank than X");
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i].known() && x[i].known() && dims[i].value != x[i].value)
        return ctx.fail("slope does not broadcast to X's shape {}", ctx.in(0).str());
  }
  return {};
}

Status run_prelu(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor slope = ctx.in(1).reshaped(slope_dims(ctx.opset(), x.shape(), ctx.in(1).shape()));
  if (slope.dtype() != x.dtype()) return ctx.fail("slope dtype {} differs from X's {}", dtype_name(slope.dtype()), dtype_name(x.dtype()));
  const Shape shapes[] = {x.shape(), slope.shape()};
  SZ0_ASSIGN(Shape out, broadcast_shapes(ctx.node(), shapes));
  if (out != x.shape()) return ctx.fail("slope shape {} does not broadcast to X's {}", shape_str(slope.shape()), shape_str(x.shape()));
  Tensor& y = ctx.output_for_overwrite(0);
  const BroadcastPlan plan = make_plan({&x.shape(), &slope.shape()}, x.shape());
  if (x.dtype() == DType::Float) {
    binary_f32(plan, kernels::BinaryF32::PRelu, x.data<float>(), slope.data<float>(), y.data<float>(), ctx.threads());
    return {};
  }
  bool done = false;
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kPReluTypes)) {
      using C = compute_t<T>;
      binary_apply(plan, x.data<T>(), slope.data<T>(), y.data<T>(), ctx.threads(),
                   [](C v, C s) { return v < C(0) ? s * v : v; });
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "Relu", .since = 1, .infer = infer_in<kSignedTypes>, .compute = run_relu);
SZ0_REGISTER_OP(.op_type = "LeakyRelu", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_leaky_relu);
SZ0_REGISTER_OP(.op_type = "PRelu", .since = 1, .infer = infer_prelu, .compute = run_prelu);
SZ0_REGISTER_OP(.op_type = "Elu", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_elu);
SZ0_REGISTER_OP(.op_type = "Selu", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_selu);
SZ0_REGISTER_OP(.op_type = "Celu", .since = 12, .infer = infer_celu, .compute = run_celu);
SZ0_REGISTER_OP(.op_type = "Sigmoid", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_sigmoid);
SZ0_REGISTER_OP(.op_type = "HardSigmoid", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_hard_sigmoid);
SZ0_REGISTER_OP(.op_type = "HardSwish", .since = 14, .infer = infer_in<kFloatTypes>, .compute = run_hard_swish);
SZ0_REGISTER_OP(.op_type = "Tanh", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_tanh);
SZ0_REGISTER_OP(.op_type = "Gelu", .since = 20, .infer = infer_gelu, .compute = run_gelu);
SZ0_REGISTER_OP(.op_type = "Softplus", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_softplus);
SZ0_REGISTER_OP(.op_type = "Softsign", .since = 1, .infer = infer_in<kFloatTypes>, .compute = run_softsign);
SZ0_REGISTER_OP(.op_type = "Mish", .since = 18, .infer = infer_in<kFloatTypes>, .compute = run_mish);
SZ0_REGISTER_OP(.op_type = "ThresholdedRelu", .since = 10, .infer = infer_in<kFloatTypes>, .compute = run_thresholded_relu);
SZ0_REGISTER_OP(.op_type = "Shrink", .since = 9, .infer = infer_in<kNumericTypes>, .compute = run_shrink);

}  // namespace
}  // namespace sz0::ops::math

// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.
#include "kernels/parallel.h"
#include "ops/quant/quant_util.h"

#include <cmath>

namespace sz0::ops::quant {
namespace {

// x viewed as [outer, channels, inner]; channels = 1 for per-tensor parameters.
struct AxisLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

// Per-tensor when scale and zero point hold one value each; per-axis (opset 13+) when they are
// 1-D vectors as long as x's `axis` dimension.
Result<AxisLayout> axis_layout(const Node& node, int64_t opset, const Shape& x, const Shape& scale, const Shape* zp) {
  if (scale.size() > 1) return error("{}: scale must be a scalar or 1-D, got shape {}", node.label(), shape_str(scale));
  if (zp && zp->size() > 1)
    return error("{}: zero point must be a scalar or 1-D, got shape {}", node.label(), shape_str(*zp));
  const int64_t ns = shape_numel(scale), nz = zp ? shape_numel(*zp) : 1;
  AxisLayout l;
  if (ns == 1 && nz == 1) {
    l.inner = shape_numel(x);
    return l;
  }
  if (opset < 13)
    return error("{}: per-axis scale/zero point (shapes {} and {}) needs opset 13, model has {}", node.label(),
                 shape_str(scale), zp ? shape_str(*zp) : "none", opset);
  SZ0_ASSIGN(int64_t axis, normalize_axis(node, node.attr_int("axis", 1), static_cast<int64_t>(x.size())));
  if (x.empty()) return error("{}: per-axis parameters need an input of rank >= 1", node.label());
  l.channels = x[axis];
  if ((ns != 1 && ns != l.channels) || (nz != 1 && nz != l.channels))
    return error("{}: scale/zero point sizes {} and {} do not match input dim {} (= {}) along axis {}", node.label(),
                 ns, nz, axis, l.channels, axis);
  for (int64_t d = 0; d < axis; ++d) l.outer *= x[d];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) l.inner *= x[d];
  return l;
}

// Shape checks shared by the two ops' inference, done fully once every shape is known.
Status check_params(InferContext& ctx, size_t zp_index) {
  const TypeInfo& x = ctx.in(0);
  const TypeInfo& s = ctx.in(1);
  const TypeInfo* z = ctx.has_input(zp_index) ? &ctx.in(zp_index) : nullptr;
  if (!dtype_is_float(s.dtype)) return ctx.fail("scale must be a float tensor, got {}", dtype_name(s.dtype));
  if (x.fully_known() && s.fully_known() && (!z || z->fully_known())) {
    const Shape zs = z ? z->concrete() : Shape{};
    auto l = axis_layout(ctx.node, ctx.opset, x.concrete(), s.concrete(), z ? &zs : nullptr);
    if (!l.ok()) return l.status();
  } else if (s.rank() > 1 || (z && z->rank() > 1)) {
    return ctx.fail("scale and zero point must be scalars or 1-D");
  }
  return {};
}

// Per-channel parameters broadcast to `channels` entries.
template <class V>
std::vector<V> per_channel(std::vector<V> v, int64_t channels) {
  if (v.size() == 1 && channels != 1) v.assign(static_cast<size_t>(channels), v[0]);
  return v;
}

// The layout of input 0 and the scale (input 1) and zero point (input 2, 0 when omitted), one
// entry per channel.
struct ChannelParams {
  AxisLayout l;
  std::vector<float> scales;
  std::vector<int32_t> zps;
};

Result<ChannelParams> channel_params(const KernelContext& ctx) {
  const Tensor& scale = ctx.in(1);
  const Tensor* zp = ctx.input(2);
  ChannelParams p;
  SZ0_ASSIGN(p.l, axis_layout(ctx.node(), ctx.opset(), ctx.in(0).shape(), scale.shape(), zp ? &zp->shape() : nullptr));
  p.scales = per_channel(float_values(scale), p.l.channels);
  p.zps = per_channel(zp ? int32_values(*zp) : std::vector<int32_t>{0}, p.l.channels);
  return p;
}

// ----------------------------------------------------------------------------------------------
// QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point).

Status infer_quantize(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("needs inputs x and y_scale");
  const DType xt = ctx.in(0).dtype;
  if (!dtype_is_float(xt) && xt != DType::Int32)
    return ctx.fail("x must be float or int32, got {}", dtype_name(xt));
  DType yt = DType::UInt8;
  if (ctx.has_input(2)) {
    yt = ctx.in(2).dtype;
    if (!is_q8(yt)) return ctx.fail("y_zero_point must be uint8 or int8, got {}", dtype_name(yt));
  }
  SZ0_TRY(check_params(ctx, 2));
  ctx.out(0) = TypeInfo{yt, {}};
  ctx.out(0).shape = ctx.in(0).shape;
  return {};
}

template <class X, class Q>
void quantize_loop(const X* x, Q* y, const AxisLayout& l, const std::vector<float>& scale,
                   const std::vector<int32_t>& zp, int threads) {
  const QRange r = qrange(dtype_v<Q>);
  const int64_t rows = l.outer * l.channels;
  kernels::parallel_for(rows, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t c = row % l.channels;
      const int32_t z = zp[c];
      const int64_t inner = l.inner;  // a local: stores through Q* (a char type) may alias `l`
      const X* xs = x + row * inner;
      Q* ys = y + row * inner;
      if constexpr (std::is_same_v<X, float>) {
        const float s = scale[c];
        const float lo = static_cast<float>(r.lo - z), hi = static_cast<float>(r.hi - z);
        for (int64_t i = 0; i < inner; ++i) ys[i] = static_cast<Q>(quantize_value(xs[i] / s, z, lo, hi));
      } else if constexpr (std::is_same_v<X, Float16> || std::is_same_v<X, BFloat16>) {
        const float s = scale[c];
        const float lo = static_cast<float>(r.lo - z), hi = static_cast<float>(r.hi - z);
        for (int64_t i = 0; i < inner; ++i)
          ys[i] = static_cast<Q>(quantize_value(static_cast<float>(xs[i]) / s, z, lo, hi));
      } else {
        // int32 and double inputs divide in double (int32 values above 2^24 are not floats).
        const double s = scale[c];
        for (int64_t i = 0; i < inner; ++i) {
          double v = std::nearbyint(static_cast<double>(xs[i]) / s);
          v = v > r.lo - z ? v : r.lo - z;  // NaN maps to the low end
          v = v < r.hi - z ? v : r.hi - z;
          ys[i] = static_cast<Q>(static_cast<int32_t>(v) + z);
        }
      }
    }
  }, std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(l.inner, 1)));
}

Status run_quantize(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor* zp = ctx.input(2);
  SZ0_ASSIGN(const ChannelParams p, channel_params(ctx));
  const DType yt = zp ? zp->dtype() : DType::UInt8;
  Tensor& y = ctx.output(0, yt, x.shape());
  bool ok = false;
  auto go = [&]<class X>() {
    if constexpr (std::is_same_v<X, float> || std::is_same_v<X, double> || std::is_same_v<X, Float16> ||
                  std::is_same_v<X, BFloat16> || std::is_same_v<X, int32_t>) {
      ok = true;
      if (yt == DType::UInt8) quantize_loop(x.data<X>(), y.data<uint8_t>(), p.l, p.scales, p.zps, ctx.threads());
      else quantize_loop(x.data<X>(), y.data<int8_t>(), p.l, p.scales, p.zps, ctx.threads());
    }
  };
  visit_dtype(x.dtype(), go);
  if (!ok) return ctx.fail("unsupported input type {}", dtype_name(x.dtype()));
  return {};
}

// ----------------------------------------------------------------------------------------------
// DequantizeLinear: y = (x - zero_point) * scale.

Status infer_dequantize(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("needs inputs x and x_scale");
  const DType xt = ctx.in(0).dtype;
  if (!is_q8(xt) && xt != DType::Int32) return ctx.fail("x must be uint8, int8 or int32, got {}", dtype_name(xt));
  if (ctx.has_input(2) && ctx.in(2).dtype != xt)
    return ctx.fail("x_zero_point type {} differs from x type {}", dtype_name(ctx.in(2).dtype), dtype_name(xt));
  SZ0_TRY(check_params(ctx, 2));
  // float before opset 19, where the scale's type (float16, bfloat16) becomes the output's.
  ctx.out(0) = TypeInfo{ctx.in(1).dtype, {}};
  ctx.out(0).shape = ctx.in(0).shape;
  return {};
}

template <class X, class Y>
void dequantize_loop(const X* x, Y* y, const AxisLayout& l, const std::vector<float>& scale,
                     const std::vector<int32_t>& zp, int threads) {
  const int64_t rows = l.outer * l.channels;
  kernels::parallel_for(rows, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t c = row % l.channels;
      const float s = scale[c];
      const X* xs = x + row * l.inner;
      Y* ys = y + row * l.inner;
      if constexpr (std::is_same_v<X, int32_t>) {
        const int64_t z = zp[c];
        for (int64_t i = 0; i < l.inner; ++i) ys[i] = static_cast<Y>(static_cast<float>(xs[i] - z) * s);
      } else {
        const int32_t z = zp[c];
        for (int64_t i = 0; i < l.inner; ++i)
          ys[i] = static_cast<Y>(static_cast<float>(static_cast<int32_t>(xs[i]) - z) * s);
      }
    }
  }, std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(l.inner, 1)));
}

Status run_dequantize(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& scale = ctx.in(1);
  SZ0_ASSIGN(const ChannelParams p, channel_params(ctx));
  Tensor& y = ctx.output(0, scale.dtype(), x.shape());
  auto with_x = [&]<class Y>() {
    if constexpr (std::is_same_v<Y, float> || std::is_same_v<Y, double> || std::is_same_v<Y, Float16> ||
                  std::is_same_v<Y, BFloat16>) {
      switch (x.dtype()) {
        case DType::UInt8: dequantize_loop(x.data<uint8_t>(), y.data<Y>(), p.l, p.scales, p.zps, ctx.threads()); break;
        case DType::Int8: dequantize_loop(x.data<int8_t>(), y.data<Y>(), p.l, p.scales, p.zps, ctx.threads()); break;
        default: dequantize_loop(x.data<int32_t>(), y.data<Y>(), p.l, p.scales, p.zps, ctx.threads()); break;
      }
    }
  };
  if (!dtype_is_float(scale.dtype()) || (!is_q8(x.dtype()) && x.dtype() != DType::Int32))
    return ctx.fail("unsupported types x {} and scale {}", dtype_name(x.dtype()), dtype_name(scale.dtype()));
  visit_dtype(scale.dtype(), with_x);
  return {};
}

// ----------------------------------------------------------------------------------------------
// DynamicQuantizeLinear: uint8 quantization with scale and zero point from the data's range
// (extended to include 0).

Status infer_dynamic_quantize(InferContext& ctx) {
  if (!ctx.has_input(0)) return ctx.fail("needs input x");
  if (!dtype_is_float(ctx.in(0).dtype)) return ctx.fail("x must be float, got {}", dtype_name(ctx.in(0).dtype));
  ctx.out(0) = TypeInfo{DType::UInt8, {}};
  ctx.out(0).shape = ctx.in(0).shape;
  if (ctx.num_outputs() > 1) ctx.out(1) = TypeInfo{DType::Float, {}};
  if (ctx.num_outputs() > 2) ctx.out(2) = TypeInfo{DType::UInt8, {}};
  return {};
}

Status run_dynamic_quantize(KernelContext& ctx) {
  const Tensor& xt = ctx.in(0);
  const Tensor xf = xt.dtype() == DType::Float ? xt : xt.cast(DType::Float);
  const float* x = xf.data<float>();
  const int64_t n = xf.numel();
  float lo = 0, hi = 0;  // the range always includes zero
  for (int64_t i = 0; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;  // NaNs are skipped
    hi = x[i] > hi ? x[i] : hi;
  }
  // A constant-zero input has no range; any scale represents it, and 1 avoids dividing by zero.
  const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  const float zp_real = std::clamp(0.0f - lo / scale, 0.0f, 255.0f);
  const int32_t zp = static_cast<int32_t>(round_half_even_small(zp_real));
  Tensor& y = ctx.output(0, DType::UInt8, xf.shape());
  uint8_t* yd = y.data<uint8_t>();
  const float qlo = static_cast<float>(0 - zp), qhi = static_cast<float>(255 - zp);
  kernels::parallel_for(n, ctx.threads(), [&](int64_t b, int64_t e) {
    // Locals, not captures: uint8 stores may alias anything reached through the closure.
    const float s = scale, l = qlo, h = qhi;
    const int32_t z = zp;
    const float* xs = x;
    uint8_t* ys = yd;
    for (int64_t i = b; i < e; ++i) ys[i] = static_cast<uint8_t>(quantize_value(xs[i] / s, z, l, h));
  }, 1 << 15);
  if (ctx.num_outputs() > 1) ctx.output(1, DType::Float, {}).data<float>()[0] = scale;
  if (ctx.num_outputs() > 2) ctx.output(2, DType::UInt8, {}).data<uint8_t>()[0] = static_cast<uint8_t>(zp);
  return {};
}

SZ0_REGISTER_OP(.op_type = "QuantizeLinear", .since = 10, .infer = infer_quantize, .compute = run_quantize);
SZ0_REGISTER_OP(.op_type = "DequantizeLinear", .since = 10, .infer = infer_dequantize, .compute = run_dequantize);
SZ0_REGISTER_OP(.op_type = "DynamicQuantizeLinear", .since = 11, .infer = infer_dynamic_quantize,
                .compute = run_dynamic_quantize);

}  // namespace
}  // namespace sz0::ops::quant

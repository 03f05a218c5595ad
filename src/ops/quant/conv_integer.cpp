// ConvInteger and QLinearConv: grouped N-D convolution of 8-bit tensors through im2col and the
// int32-accumulating GEMM.
#include "kernels/parallel.h"
#include "ops/quant/quant_util.h"

namespace sz0::ops::quant {
namespace {

// One value, or (when allowed) one per output channel, the first dim of the weight input `w`.
Status check_per_channel(InferContext& ctx, size_t i, size_t w, const char* what, bool allow_per_channel) {
  if (!ctx.has_input(i) || !ctx.in(i).fully_known()) return {};
  const Shape s = ctx.in(i).concrete();
  const int64_t n = shape_numel(s);
  if (n == 1) return {};
  if (!allow_per_channel) return ctx.fail("{} must hold one value, got shape {}", what, shape_str(s));
  if (s.size() != 1) return ctx.fail("{} must be a scalar or 1-D, got shape {}", what, shape_str(s));
  if (ctx.in(w).has_rank() && ctx.in(w).rank() > 0 && (*ctx.in(w).shape)[0].known() &&
      (*ctx.in(w).shape)[0].value != n)
    return ctx.fail("{} has {} values but there are {} output channels", what, n, (*ctx.in(w).shape)[0].value);
  return {};
}

Status infer_conv_shape(InferContext& ctx, size_t x, size_t w, DType out) {
  ctx.out(0).dtype = out;
  SZ0_ASSIGN(ctx.out(0).shape, conv_dims(ctx.node, ctx.in(x), ctx.in(w)));
  return {};
}

// The integer convolution; calls emit(image, group, plan, acc) with acc = [out_c_g, out_size] int32
// for each image and group. `out` (optional) receives acc in place when it is the int32 output.
template <class Emit>
Status integer_conv(KernelContext& ctx, const Tensor& x, const Tensor* x_zp, const Tensor& w, const Tensor* w_zp,
                    int32_t* out, Emit&& emit) {
  const Node& node = ctx.node();
  SZ0_ASSIGN(ConvPlan p, plan_conv(node, x.shape(), w.shape()));
  if (x_zp && x_zp->numel() != 1) return ctx.fail("x_zero_point must hold one value, got shape {}", shape_str(x_zp->shape()));
  const int32_t xz = x_zp ? static_cast<int32_t>(x_zp->get_int64(0)) : 0;
  std::vector<int32_t> wz = w_zp ? int32_values(*w_zp) : std::vector<int32_t>{0};
  if (wz.size() != 1 && static_cast<int64_t>(wz.size()) != p.out_c)
    return ctx.fail("w_zero_point has {} values, expected 1 or {}", wz.size(), p.out_c);
  if (wz.size() == 1) wz.assign(static_cast<size_t>(p.out_c), wz[0]);

  const int64_t k = p.k();
  std::vector<int16_t> wq(static_cast<size_t>(p.out_c * k));
  auto pack_w = [&]<class T>(const T* src) {
    for (int64_t m = 0; m < p.out_c; ++m)
      for (int64_t j = 0; j < k; ++j)
        wq[m * k + j] = static_cast<int16_t>(static_cast<int32_t>(src[m * k + j]) - wz[m]);
  };
  if (w.dtype() == DType::UInt8) pack_w(w.data<uint8_t>());
  else pack_w(w.data<int8_t>());

  std::vector<int16_t> col(static_cast<size_t>(k * p.out_size));
  std::vector<int32_t> scratch(out ? 0 : static_cast<size_t>(p.out_c_g * p.out_size));
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t g = 0; g < p.group; ++g) {
      const int64_t x_off = (b * p.in_c + g * p.in_c_g) * p.in_size;
      if (x.dtype() == DType::UInt8) im2col_s16(p, x.data<uint8_t>() + x_off, xz, col.data(), ctx.threads());
      else im2col_s16(p, x.data<int8_t>() + x_off, xz, col.data(), ctx.threads());
      int32_t* acc = out ? out + (b * p.out_c + g * p.out_c_g) * p.out_size : scratch.data();
      gemm_s16_s32(p.out_c_g, p.out_size, k, wq.data() + g * p.out_c_g * k, k, col.data(), p.out_size, acc,
                   p.out_size, ctx.threads());
      emit(b, g, p, acc);
    }
  return {};
}

// ----------------------------------------------------------------------------------------------
// ConvInteger(x, w, x_zero_point?, w_zero_point?) -> int32

Status infer_conv_integer(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("needs inputs x and w");
  SZ0_TRY(check_q8_operands(ctx, 0, 2, 1, 3));
  SZ0_TRY(check_per_channel(ctx, 2, 1, "x_zero_point", false));
  SZ0_TRY(check_per_channel(ctx, 3, 1, "w_zero_point", true));
  return infer_conv_shape(ctx, 0, 1, DType::Int32);
}

Status run_conv_integer(KernelContext& ctx) {
  Tensor& y = ctx.output(0);
  return integer_conv(ctx, ctx.in(0), ctx.input(2), ctx.in(1), ctx.input(3), y.data<int32_t>(),
                      [](int64_t, int64_t, const ConvPlan&, const int32_t*) {});
}

// ----------------------------------------------------------------------------------------------
// QLinearConv(x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B?)
// y = saturate(round_half_even((acc + B) * x_scale * w_scale / y_scale) + y_zero_point)

Status infer_qlinear_conv(InferContext& ctx) {
  SZ0_ASSIGN(const DType yt, check_qlinear_inputs(ctx));
  if (ctx.has_input(8) && ctx.in(8).dtype != DType::Int32)
    return ctx.fail("bias must be int32, got {}", dtype_name(ctx.in(8).dtype));
  SZ0_TRY(check_per_channel(ctx, 1, 3, "x_scale", false));
  SZ0_TRY(check_per_channel(ctx, 2, 3, "x_zero_point", false));
  SZ0_TRY(check_per_channel(ctx, 4, 3, "w_scale", true));
  SZ0_TRY(check_per_channel(ctx, 5, 3, "w_zero_point", true));
  SZ0_TRY(check_per_channel(ctx, 6, 3, "y_scale", false));
  SZ0_TRY(check_per_channel(ctx, 7, 3, "y_zero_point", false));
  if (ctx.has_input(8) && ctx.in(8).fully_known() && ctx.in(3).has_rank() && ctx.in(3).rank() > 0) {
    const Shape b = ctx.in(8).concrete();
    const Dim& m = (*ctx.in(3).shape)[0];
    if (b.size() != 1 || (m.known() && b[0] != m.value))
      return ctx.fail("B has shape {}, expected one value per output channel", shape_str(b));
  }
  return infer_conv_shape(ctx, 0, 3, yt);
}

template <class Q>
void requantize_channels(const int32_t* acc, Q* y, int64_t channels, int64_t size, const float* mult,
                         const int32_t* bias, int32_t y_zp) {
  const QRange r = qrange(dtype_v<Q>);
  const float lo = static_cast<float>(r.lo - y_zp), hi = static_cast<float>(r.hi - y_zp);
  for (int64_t c = 0; c < channels; ++c) {
    const float m = mult[c];
    const uint32_t bv = static_cast<uint32_t>(bias[c]);
    const int32_t* a = acc + c * size;
    Q* o = y + c * size;
    for (int64_t i = 0; i < size; ++i) {
      const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(a[i]) + bv);  // wraps like the accumulator
      o[i] = static_cast<Q>(quantize_value(static_cast<float>(v) * m, y_zp, lo, hi));
    }
  }
}

Status run_qlinear_conv(KernelContext& ctx) {
  const Tensor& w = ctx.in(3);
  const int64_t out_c = w.rank() > 0 ? w.dim(0) : 0;
  auto one = [&](size_t i, const char* what) -> Result<float> {
    if (ctx.in(i).numel() != 1) return ctx.fail("{} must hold one value", what);
    return static_cast<float>(ctx.in(i).get_double(0));
  };
  SZ0_ASSIGN(float xs, one(1, "x_scale"));
  SZ0_ASSIGN(float ys, one(6, "y_scale"));
  std::vector<float> ws = float_values(ctx.in(4));
  if (ws.size() != 1 && static_cast<int64_t>(ws.size()) != out_c)
    return ctx.fail("w_scale has {} values, expected 1 or {}", ws.size(), out_c);
  std::vector<float> mult(static_cast<size_t>(out_c));
  for (int64_t c = 0; c < out_c; ++c) mult[c] = xs * ws[ws.size() == 1 ? 0 : c] / ys;
  std::vector<int32_t> bias(static_cast<size_t>(out_c), 0);
  if (const Tensor* bt = ctx.input(8)) {
    if (bt->numel() != out_c) return ctx.fail("B has {} values, expected {}", bt->numel(), out_c);
    bias = int32_values(*bt);
  }
  const Tensor* yzp = ctx.input(7);
  if (yzp && yzp->numel() != 1) return ctx.fail("y_zero_point must hold one value");
  const int32_t z = yzp ? static_cast<int32_t>(yzp->get_int64(0)) : 0;
  Tensor& y = ctx.output(0);
  return integer_conv(ctx, ctx.in(0), ctx.input(2), w, ctx.input(5), nullptr,
                      [&](int64_t b, int64_t g, const ConvPlan& p, const int32_t* acc) {
                        const int64_t c0 = g * p.out_c_g;
                        const int64_t off = (b * p.out_c + c0) * p.out_size;
                        if (y.dtype() == DType::UInt8)
                          requantize_channels(acc, y.data<uint8_t>() + off, p.out_c_g, p.out_size, mult.data() + c0,
                                              bias.data() + c0, z);
                        else
                          requantize_channels(acc, y.data<int8_t>() + off, p.out_c_g, p.out_size, mult.data() + c0,
                                              bias.data() + c0, z);
                      });
}

SZ0_REGISTER_OP(.op_type = "ConvInteger", .since = 10, .infer = infer_conv_integer, .compute = run_conv_integer);
SZ0_REGISTER_OP(.op_type = "QLinearConv", .since = 10, .infer = infer_qlinear_conv, .compute = run_qlinear_conv);

}  // namespace
}  // namespace sz0::ops::quant

// Conv: im2col + GEMM (oneDNN sgemm for float; halves go through float; double through a
// templated GEMM). Pointwise stride-1 unpadded convolutions skip im2col.
#include "kernels/parallel.h"
#include "ops/nn/nn_util.h"

namespace sz0::ops::nn {
namespace {

Status infer_conv(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs X and W");
  const TypeInfo& x = ctx.in(0);
  const TypeInfo& w = ctx.in(1);
  TypeInfo& o = ctx.out(0);
  o.dtype = x.dtype;
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (w.dtype != DType::Undefined && x.dtype != DType::Undefined && w.dtype != x.dtype)
    return ctx.fail("W type {} differs from X type {}", dtype_name(w.dtype), dtype_name(x.dtype));
  SZ0_ASSIGN(o.shape, conv_dims(ctx.node, x, w));
  if (ctx.has_input(2) && ctx.in(2).has_rank()) {
    const TypeInfo& b = ctx.in(2);
    if (b.rank() != 1) return ctx.fail("B must be 1-D, got rank {}", b.rank());
    if (w.has_rank() && (*b.shape)[0].known() && (*w.shape)[0].known() && (*b.shape)[0].value != (*w.shape)[0].value)
      return ctx.fail("B has {} values, expected {}", (*b.shape)[0].value, (*w.shape)[0].value);
  }
  return {};
}

// Fully resolved geometry of one Conv call.
struct ConvPlan {
  WindowGeom g;
  int64_t n = 0, c = 0, m = 0, group = 1;
  Shape in_sp, out_sp;
  int64_t in_size = 1, out_size = 1, kprod = 1;
  bool pointwise = false;
};

Result<ConvPlan> plan_conv(const KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& w = ctx.in(1);
  ConvPlan p;
  const int nd = x.rank() - 2;
  p.n = x.dim(0);
  p.c = x.dim(1);
  p.m = w.dim(0);
  p.group = ctx.node().attr_int("group", 1);
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  SZ0_ASSIGN(p.g, parse_window(ctx.node(), kernel, false));
  p.in_sp.assign(x.shape().begin() + 2, x.shape().end());
  SZ0_ASSIGN(p.out_sp, window_out_shape(ctx.node(), p.g, p.in_sp));
  p.in_size = shape_numel(p.in_sp);
  p.out_size = shape_numel(p.out_sp);
  p.kprod = shape_numel(kernel);
  p.pointwise = true;
  for (int d = 0; d < nd; ++d)
    if (kernel[d] != 1 || p.g.strides[d] != 1 || p.g.pads[d] != 0 || p.g.pads[d + nd] != 0) p.pointwise = false;
  return p;
}

// Columns for output positions whose outer coordinates (all but the last spatial axis) have flat
// index in [r0, r1): rows are (channel, kernel offset), each row holds (r1 - r0) * last_out values.
template <class T>
void im2col(const ConvPlan& p, const T* x, int64_t channels, int64_t r0, int64_t r1, T* col, int threads) {
  const int nd = p.g.nd;
  const int64_t ow = p.out_sp[nd - 1], iw = p.in_sp[nd - 1];
  const int64_t sw = p.g.strides[nd - 1], dw = p.g.dilations[nd - 1], pw = p.g.pads[nd - 1];
  const int64_t len = (r1 - r0) * ow;
  const int64_t rows = channels * p.kprod;
  kernels::parallel_for(rows, threads, [&](int64_t b, int64_t e) {
    std::vector<int64_t> koff(nd), oc(nd);
    for (int64_t row = b; row < e; ++row) {
      const int64_t ch = row / p.kprod;
      int64_t kf = row % p.kprod;
      for (int d = nd - 1; d >= 0; --d) {
        koff[d] = kf % p.g.kernel[d];
        kf /= p.g.kernel[d];
      }
      const T* xc = x + ch * p.in_size;
      T* dst = col + row * len;
      for (int64_t r = r0; r < r1; ++r, dst += ow) {
        int64_t rf = r, off = 0, stride = iw;
        bool valid = true;
        for (int d = nd - 2; d >= 0; --d) {
          const int64_t o = rf % p.out_sp[d];
          rf /= p.out_sp[d];
          const int64_t i = o * p.g.strides[d] - p.g.pads[d] + koff[d] * p.g.dilations[d];
          if (i < 0 || i >= p.in_sp[d]) valid = false;
          off += i * stride;
          stride *= p.in_sp[d];
        }
        if (!valid) {
          std::fill(dst, dst + ow, T(0));
          continue;
        }
        const T* xr = xc + off;
        const int64_t base = koff[nd - 1] * dw - pw;
        if (sw == 1 && base >= 0 && base + ow <= iw) {
          std::copy(xr + base, xr + base + ow, dst);
          continue;
        }
        for (int64_t o = 0; o < ow; ++o) {
          const int64_t i = o * sw + base;
          dst[o] = (i >= 0 && i < iw) ? xr[i] : T(0);
        }
      }
    }
  });
}

template <class T>
void conv_compute(const ConvPlan& p, const T* x, const T* w, const T* bias, T* y, int threads) {
  const int nd = p.g.nd;
  const int64_t cg = p.c / p.group, mg = p.m / p.group;
  const int64_t k = cg * p.kprod;
  const int64_t ow = p.out_sp[nd - 1];
  const int64_t outer = p.out_size / std::max<int64_t>(ow, 1);
  // A small convolution is over before a second thread would have started.
  if (p.n * p.m * p.out_size * k < (int64_t{1} << 19)) threads = 1;
  const int64_t rows_per_chunk =
      std::clamp<int64_t>(kColBudget / std::max<int64_t>(k * ow, 1), 1, std::max<int64_t>(outer, 1));
  std::vector<T> col;
  if (!p.pointwise && p.out_size > 0) col.resize(static_cast<size_t>(k * rows_per_chunk * ow));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.group; ++g) {
      const T* xg = x + (n * p.c + g * cg) * p.in_size;
      const T* wg = w + g * mg * k;
      T* yg = y + (n * p.m + g * mg) * p.out_size;
      if (p.pointwise) {
        gemm_any<T>(false, false, mg, p.out_size, cg, wg, k, xg, p.in_size, yg, p.out_size);
        continue;
      }
      for (int64_t r0 = 0; r0 < outer; r0 += rows_per_chunk) {
        const int64_t r1 = std::min(outer, r0 + rows_per_chunk);
        const int64_t len = (r1 - r0) * ow;
        im2col<T>(p, xg, cg, r0, r1, col.data(), threads);
        gemm_any<T>(false, false, mg, len, k, wg, k, col.data(), len, yg + r0 * ow, p.out_size);
      }
    }
  if (bias) add_channel_bias(y, bias, p.n * p.m, p.m, p.out_size, threads);
}

Status run_conv(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& w = ctx.in(1);
  const Tensor* b = ctx.input(2);
  if (x.rank() < 3 || w.rank() != x.rank()) return ctx.fail("bad ranks: X {}, W {}", x.rank(), w.rank());
  SZ0_ASSIGN(ConvPlan p, plan_conv(ctx));
  if (p.group <= 0 || p.c % p.group != 0 || w.dim(1) * p.group != p.c || p.m % p.group != 0)
    return ctx.fail("channels {} / filters {} do not fit group {} with W {}", p.c, p.m, p.group, shape_str(w.shape()));
  if (b && (b->rank() != 1 || b->dim(0) != p.m)) return ctx.fail("B shape {} expected [{}]", shape_str(b->shape()), p.m);
  if (w.dtype() != x.dtype() || (b && b->dtype() != x.dtype())) return ctx.fail("X, W and B must share one type");
  Shape out_shape = {p.n, p.m};
  out_shape.insert(out_shape.end(), p.out_sp.begin(), p.out_sp.end());
  return run_float_xwb(ctx, x, w, b, out_shape, [&](const auto* xp, const auto* wp, const auto* bp, auto* yp) {
    conv_compute(p, xp, wp, bp, yp, ctx.threads());
  });
}

SZ0_REGISTER_OP(.op_type = "Conv", .since = 1, .infer = infer_conv, .compute = run_conv);

}  // namespace
}  // namespace sz0::ops::nn

// ConvTranspose: GEMM (W^T x X) into columns, then col2im scatter-add into the output (a plain
// interleaving where kernel and stride tile the output exactly).
#include "kernels/parallel.h"
#include "ops/nn/nn_util.h"

namespace sz0::ops::nn {
namespace {

Status infer_conv_transpose(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs X and W");
  const TypeInfo& x = ctx.in(0);
  const TypeInfo& w = ctx.in(1);
  TypeInfo& o = ctx.out(0);
  o.dtype = x.dtype;
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (!x.has_rank() && !w.has_rank()) return {};
  const int rank = x.has_rank() ? x.rank() : w.rank();
  if (rank < 3) return ctx.fail("input rank {} too small, expected at least 3", rank);
  if (x.has_rank() && w.has_rank() && w.rank() != rank) return ctx.fail("W rank {} differs from X rank {}", w.rank(), rank);
  const int nd = rank - 2;
  const int64_t group = ctx.node.attr_int("group", 1);
  if (group <= 0) return ctx.fail("group must be positive");
  if (x.has_rank() && w.has_rank()) {
    const Dim& c = (*x.shape)[1];
    const Dim& wc = (*w.shape)[0];
    if (c.known() && wc.known() && c.value != wc.value) return ctx.fail("X has {} channels, W has {}", c.value, wc.value);
    if (c.known() && c.value % group != 0) return ctx.fail("{} channels not divisible by group {}", c.value, group);
  }
  SZ0_ASSIGN(auto kernel, conv_kernel_shape(ctx.node, w, nd));
  std::vector<Dim> dims(rank);
  if (x.has_rank()) dims[0] = (*x.shape)[0];
  if (w.has_rank() && (*w.shape)[1].known()) dims[1] = (*w.shape)[1].value * group;
  const bool kernel_known = std::all_of(kernel.begin(), kernel.end(), [](int64_t k) { return k > 0; });
  auto out_shape = ctx.node.attr_ints("output_shape");
  if (!out_shape.empty() && static_cast<int>(out_shape.size()) != nd && static_cast<int>(out_shape.size()) != nd + 2)
    return ctx.fail("output_shape has {} values, expected {}", out_shape.size(), nd);
  if (!out_shape.empty())
    for (int d = 0; d < nd; ++d) dims[d + 2] = out_shape[out_shape.size() - nd + d];
  if (kernel_known) {
    SZ0_ASSIGN(TransposeGeom g, parse_transpose(ctx.node, kernel));
    for (int d = 0; d < nd; ++d) {
      if (out_shape.empty() && x.has_rank() && (*x.shape)[d + 2].known()) {
        SZ0_ASSIGN(int64_t od, transpose_out_size(ctx.node, g, d, (*x.shape)[d + 2].value));
        dims[d + 2] = od;
      }
    }
  }
  o.shape = std::move(dims);
  return {};
}

struct TransposePlan {
  TransposeGeom g;
  int64_t n = 0, c = 0, mg = 0, group = 1;
  Shape in_sp, out_sp;
  int64_t in_size = 1, out_size = 1, kprod = 1;
};

// Adds columns for input positions with outer flat index in [r0, r1) into y (one group).
template <class T>
void col2im(const TransposePlan& p, const T* col, int64_t r0, int64_t r1, T* y, int threads) {
  const int nd = p.g.nd;
  const int64_t iw = p.in_sp[nd - 1], ow = p.out_sp[nd - 1];
  const int64_t sw = p.g.strides[nd - 1], dw = p.g.dilations[nd - 1], pw = p.g.pads[nd - 1];
  const int64_t len = (r1 - r0) * iw;
  kernels::parallel_for(p.mg, threads, [&](int64_t b, int64_t e) {
    std::vector<int64_t> koff(nd);
    for (int64_t m = b; m < e; ++m) {
      T* ym = y + m * p.out_size;
      for (int64_t kf0 = 0; kf0 < p.kprod; ++kf0) {
        int64_t kf = kf0;
        for (int d = nd - 1; d >= 0; --d) {
          koff[d] = kf % p.g.kernel[d];
          kf /= p.g.kernel[d];
        }
        const T* src = col + (m * p.kprod + kf0) * len;
        for (int64_t r = r0; r < r1; ++r, src += iw) {
          int64_t rf = r, off = 0, stride = ow;
          bool valid = true;
          for (int d = nd - 2; d >= 0; --d) {
            const int64_t i = rf % p.in_sp[d];
            rf /= p.in_sp[d];
            const int64_t o = i * p.g.strides[d] - p.g.pads[d] + koff[d] * p.g.dilations[d];
            if (o < 0 || o >= p.out_sp[d]) valid = false;
            off += o * stride;
            stride *= p.out_sp[d];
          }
          if (!valid) continue;
          T* yr = ym + off;
          const int64_t base = koff[nd - 1] * dw - pw;
          for (int64_t i = 0; i < iw; ++i) {
            const int64_t o = i * sw + base;
            if (o >= 0 && o < ow) yr[o] += src[i];
          }
        }
      }
    }
  });
}

// Whether every output position is written by exactly one (input position, kernel tap): 2-D,
// kernel equal to stride, no dilation, no padding, the output exactly input × stride (the
// upsampling ConvTranspose of segmentation and detection heads).
bool tiles_exactly(const TransposePlan& p) {
  if (p.g.nd != 2) return false;
  for (int d = 0; d < 2; ++d)
    if (p.g.kernel[d] != p.g.strides[d] || p.g.dilations[d] != 1 || p.g.pads[d] != 0 || p.g.pads[d + 2] != 0 ||
        p.out_sp[d] != p.in_sp[d] * p.g.strides[d])
      return false;
  return true;
}

// col2im for tiles_exactly: each output row (h·sh + kh) is the sw columns of taps (kh, 0..sw-1)
// interleaved; every value is written once, nothing accumulated.
template <class T>
void place_tiles(const TransposePlan& p, const T* col, int64_t r0, int64_t r1, T* y, int threads) {
  const int64_t sh = p.g.strides[0], sw = p.g.strides[1], iw = p.in_sp[1], ow = p.out_sp[1];
  const int64_t len = (r1 - r0) * iw;
  kernels::parallel_for(p.mg * sh, threads, [&](int64_t b, int64_t e) {
    for (int64_t mk = b; mk < e; ++mk) {
      const int64_t m = mk / sh, kh = mk % sh;
      const T* taps = col + (m * p.kprod + kh * sw) * len;
      for (int64_t r = r0; r < r1; ++r) {
        T* yr = y + m * p.out_size + (r * sh + kh) * ow;
        const T* src = taps + (r - r0) * iw;
        if (sw == 2) {
          const T *s0 = src, *s1 = src + len;
          for (int64_t i = 0; i < iw; ++i) {
            yr[2 * i] = s0[i];
            yr[2 * i + 1] = s1[i];
          }
          continue;
        }
        for (int64_t kw = 0; kw < sw; ++kw)
          for (int64_t i = 0; i < iw; ++i) yr[i * sw + kw] = src[kw * len + i];
      }
    }
  });
}

template <class T>
void conv_transpose_compute(const TransposePlan& p, const T* x, const T* w, const T* bias, T* y, int threads) {
  const int nd = p.g.nd;
  const int64_t cg = p.c / p.group, m = p.mg * p.group;
  const int64_t rows = p.mg * p.kprod;
  const int64_t iw = p.in_sp[nd - 1];
  const int64_t outer = p.in_size / std::max<int64_t>(iw, 1);
  const int64_t chunk = std::clamp<int64_t>(kColBudget / std::max<int64_t>(rows * iw, 1), 1, std::max<int64_t>(outer, 1));
  std::vector<T> col(static_cast<size_t>(rows * chunk * iw));
  const bool tiles = tiles_exactly(p);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.group; ++g) {
      const T* xg = x + (n * p.c + g * cg) * p.in_size;
      const T* wg = w + g * cg * rows;
      T* yg = y + (n * m + g * p.mg) * p.out_size;
      for (int64_t r0 = 0; r0 < outer; r0 += chunk) {
        const int64_t r1 = std::min(outer, r0 + chunk);
        const int64_t len = (r1 - r0) * iw;
        gemm_any<T>(true, false, rows, len, cg, wg, rows, xg + r0 * iw, p.in_size, col.data(), len);
        if (tiles) place_tiles<T>(p, col.data(), r0, r1, yg, threads);
        else col2im<T>(p, col.data(), r0, r1, yg, threads);
      }
    }
  if (bias) add_channel_bias(y, bias, p.n * m, m, p.out_size, threads);
}

Status run_conv_transpose(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& w = ctx.in(1);
  const Tensor* b = ctx.input(2);
  if (x.rank() < 3 || w.rank() != x.rank()) return ctx.fail("bad ranks: X {}, W {}", x.rank(), w.rank());
  const int nd = x.rank() - 2;
  TransposePlan p;
  p.n = x.dim(0);
  p.c = x.dim(1);
  p.group = ctx.node().attr_int("group", 1);
  if (p.group <= 0 || p.c % p.group != 0 || w.dim(0) != p.c)
    return ctx.fail("X channels {} do not fit W {} with group {}", p.c, shape_str(w.shape()), p.group);
  p.mg = w.dim(1);
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  if (ctx.node().has_attr("kernel_shape") && ctx.node().attr_ints("kernel_shape") != kernel)
    return ctx.fail("kernel_shape does not match W {}", shape_str(w.shape()));
  SZ0_ASSIGN(p.g, parse_transpose(ctx.node(), kernel));
  p.in_sp.assign(x.shape().begin() + 2, x.shape().end());
  for (int d = 0; d < nd; ++d) {
    SZ0_ASSIGN(int64_t o, transpose_out_size(ctx.node(), p.g, d, p.in_sp[d]));
    p.out_sp.push_back(o);
  }
  p.in_size = shape_numel(p.in_sp);
  p.out_size = shape_numel(p.out_sp);
  p.kprod = shape_numel(kernel);
  const int64_t m = p.mg * p.group;
  if (b && (b->rank() != 1 || b->dim(0) != m)) return ctx.fail("B shape {} expected [{}]", shape_str(b->shape()), m);
  if (w.dtype() != x.dtype() || (b && b->dtype() != x.dtype())) return ctx.fail("X, W and B must share one type");
  Shape out_shape = {p.n, m};
  out_shape.insert(out_shape.end(), p.out_sp.begin(), p.out_sp.end());
  return run_float_xwb(ctx, x, w, b, out_shape, [&](const auto* xp, const auto* wp, const auto* bp, auto* yp) {
    conv_transpose_compute(p, xp, wp, bp, yp, ctx.threads());
  });
}

SZ0_REGISTER_OP(.op_type = "ConvTranspose", .since = 1, .infer = infer_conv_transpose, .compute = run_conv_transpose);

}  // namespace
}  // namespace sz0::ops::nn

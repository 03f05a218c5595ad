// BlockedPool: MaxPool / AveragePool over 1-D or 2-D feature maps in the blocked layout
// [N, ceil(C/8), (H,) W, 8] (ops/internal.h). The eight lanes of a block are pooled together, so
// the inner loop is one 8-wide max or sum per window tap. Window geometry, ceil_mode, auto_pad,
// dilations and both count_include_pad modes follow the plain ops exactly.
//
// Attributes: those of the pooling op, plus
//   mode (string)  "max" or "average"
//   channels (int) C, the plain channel count
#include "kernels/parallel.h"
#include "ops/conv_geometry.h"
#include "ops/internal.h"
#include "ops/shape_util.h"

#include <limits>

namespace sz0::ops::nn {
namespace {

constexpr int64_t L = kChannelBlock;

Result<WindowGeom> geometry(const Node& node, int nd) {
  auto kernel = node.attr_ints("kernel_shape");
  if (static_cast<int>(kernel.size()) != nd)
    return error("{}: kernel_shape has {} values, expected {}", node.label(), kernel.size(), nd);
  return parse_window(node, kernel, /*with_ceil=*/true);
}

Status infer_blocked_pool(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  if (x.dtype != DType::Undefined && x.dtype != DType::Float) return ctx.fail("expects float32, got {}", dtype_name(x.dtype));
  const std::string mode = ctx.node.attr_string("mode", "");
  if (mode != "max" && mode != "average") return ctx.fail("mode must be 'max' or 'average', got '{}'", mode);
  if (!x.has_rank()) return {};
  if (x.rank() != 4 && x.rank() != 5) return ctx.fail("expects a blocked 1-D or 2-D map, got {}", x.str());
  const int nd = x.rank() - 3;
  SZ0_ASSIGN(WindowGeom g, geometry(ctx.node, nd));
  SZ0_ASSIGN(auto sp, window_out_dims(ctx.node, g, std::span<const Dim>(*x.shape).subspan(2, nd)));
  std::vector<Dim> d = {(*x.shape)[0], (*x.shape)[1]};
  d.insert(d.end(), sp.begin(), sp.end());
  d.push_back(Dim(L));
  y.shape = d;
  return {};
}

// Per axis and output coordinate: the first and one-past-last kernel taps inside the input, and
// the taps inside input plus padding (the count_include_pad divisor).
struct AxisWindows {
  std::vector<int64_t> k0, k1, start, padded;
};

AxisWindows axis_windows(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dil, int64_t pad_b, int64_t pad_e) {
  AxisWindows a;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t s = o * stride - pad_b;
    int64_t k0 = kernel, k1 = 0, padded = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t i = s + k * dil;
      if (i >= 0 && i < in) {
        k0 = std::min(k0, k);
        k1 = k + 1;
      }
      if (i < in + pad_e) ++padded;
    }
    if (k0 > k1) k0 = k1;
    a.k0.push_back(k0);
    a.k1.push_back(k1);
    a.start.push_back(s);
    a.padded.push_back(padded);
  }
  return a;
}

Status run_blocked_pool(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Node& node = ctx.node();
  const bool is_max = node.attr_string("mode", "") == "max";
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  const int nd = x.rank() - 3;
  SZ0_ASSIGN(WindowGeom g, geometry(node, nd));
  // A 1-D map is pooled as a 2-D map of height 1.
  const int64_t ih = nd == 2 ? x.dim(2) : 1, iw = x.dim(2 + nd - 1);
  Shape in_sp(x.shape().begin() + 2, x.shape().begin() + 2 + nd);
  SZ0_ASSIGN(Shape out_sp, window_out_shape(node, g, in_sp));
  Tensor& y = ctx.output_for_overwrite(0);
  const int64_t oh = nd == 2 ? out_sp[0] : 1, ow = out_sp[nd - 1];
  const AxisWindows wh = nd == 2 ? axis_windows(ih, oh, g.kernel[0], g.strides[0], g.dilations[0], g.pads[0], g.pads[nd])
                                 : axis_windows(1, 1, 1, 1, 1, 0, 0);
  const int dw_axis = nd - 1;
  const AxisWindows ww = axis_windows(iw, ow, g.kernel[dw_axis], g.strides[dw_axis], g.dilations[dw_axis], g.pads[dw_axis],
                                      g.pads[nd + dw_axis]);
  const int64_t dh = nd == 2 ? g.dilations[0] : 1, dwl = g.dilations[dw_axis];
  const int64_t planes = x.dim(0) * x.dim(1);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  kernels::parallel_for(planes * oh, ctx.threads(), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t plane = r / oh, o_h = r % oh;
      const float* xplane = xp + plane * ih * iw * L;
      float* yrow = yp + (plane * oh + o_h) * ow * L;
      for (int64_t o_w = 0; o_w < ow; ++o_w) {
        float acc[L];
        for (int64_t l = 0; l < L; ++l) acc[l] = is_max ? -std::numeric_limits<float>::infinity() : 0.f;
        for (int64_t kh = wh.k0[o_h]; kh < wh.k1[o_h]; ++kh) {
          const int64_t i_h = wh.start[o_h] + kh * dh;
          if (i_h < 0 || i_h >= ih) continue;
          for (int64_t kw = ww.k0[o_w]; kw < ww.k1[o_w]; ++kw) {
            const int64_t i_w = ww.start[o_w] + kw * dwl;
            if (i_w < 0 || i_w >= iw) continue;
            const float* v = xplane + (i_h * iw + i_w) * L;
            if (is_max)
              for (int64_t l = 0; l < L; ++l) acc[l] = acc[l] < v[l] ? v[l] : acc[l];
            else
              for (int64_t l = 0; l < L; ++l) acc[l] += v[l];
          }
        }
        float* out = yrow + o_w * L;
        if (is_max) {
          for (int64_t l = 0; l < L; ++l) out[l] = acc[l];
          continue;
        }
        int64_t count = 0;
        if (include_pad) {
          count = wh.padded[o_h] * ww.padded[o_w];
        } else {
          int64_t ch = 0, cw = 0;
          for (int64_t kh = wh.k0[o_h]; kh < wh.k1[o_h]; ++kh) {
            const int64_t i_h = wh.start[o_h] + kh * dh;
            ch += i_h >= 0 && i_h < ih;
          }
          for (int64_t kw = ww.k0[o_w]; kw < ww.k1[o_w]; ++kw) {
            const int64_t i_w = ww.start[o_w] + kw * dwl;
            cw += i_w >= 0 && i_w < iw;
          }
          count = ch * cw;
        }
        const float inv = count > 0 ? 1.f / static_cast<float>(count) : 0.f;
        for (int64_t l = 0; l < L; ++l) out[l] = acc[l] * inv;
      }
    }
  });
  return {};
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "BlockedPool", .since = 1, .infer = infer_blocked_pool,
                .compute = run_blocked_pool, .kernel_name = "blocked");

}  // namespace
}  // namespace sz0::ops::nn

#include "ops/nn/blocked_conv_gemm.h"

#include "ops/internal.h"

#include <cstring>

namespace sz0::ops::nn {

namespace {
constexpr int64_t B = kChannelBlock;
// At most this many output positions; past it oneDNN's direct kernel has columns enough.
constexpr int64_t kMaxPositions = 64;
// The reduction (kh·kw·C) must be deep enough for the GEMM to pay for the gather.
constexpr int64_t kMinDepth = 512;
}  // namespace

bool conv_gemm_preferred(const ConvGemmShape& s) {
  return s.c % B == 0 && s.m % B == 0 && s.n * s.oh * s.ow <= kMaxPositions && s.kh * s.kw * s.c >= kMinDepth;
}

void pack_conv_gemm_weights(const float* w, const ConvGemmShape& s, kernels::PackedB& out) {
  const int64_t k = s.kh * s.kw * s.c;
  std::vector<float> wt(static_cast<size_t>(k * s.m));
  for (int64_t oc = 0; oc < s.m; ++oc)
    for (int64_t ic = 0; ic < s.c; ++ic)
      for (int64_t y = 0; y < s.kh; ++y)
        for (int64_t x = 0; x < s.kw; ++x)
          wt[static_cast<size_t>(((y * s.kw + x) * s.c + ic) * s.m + oc)] = w[((oc * s.c + ic) * s.kh + y) * s.kw + x];
  kernels::pack_b(false, k, s.m, wt.data(), s.m, out);
}

void ConvGemm::run(const float* x, const float* residual, float* y, int threads) {
  const ConvGemmShape& s = s_;
  const int64_t k = s.kh * s.kw * s.c, cb = s.c / B, mb = s.m / B;
  const int64_t pos = s.n * s.oh * s.ow;
  // Scratch per calling thread: concurrent runs of one session share this kernel.
  thread_local std::vector<float> col_buf, out_buf;
  col_buf.resize(static_cast<size_t>(pos * k));
  out_buf.resize(static_cast<size_t>(pos * s.m));
  // Gather: row p holds, for each kernel tap, the C input channels at that tap (zeros outside).
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        float* row = col_buf.data() + ((n * s.oh + oy) * s.ow + ox) * k;
        for (int64_t ty = 0; ty < s.kh; ++ty) {
          const int64_t iy = oy * s.sh - s.pt + ty * s.dh;
          for (int64_t tx = 0; tx < s.kw; ++tx, row += s.c) {
            const int64_t ix = ox * s.sw - s.pl + tx * s.dw;
            if (iy < 0 || iy >= s.ih || ix < 0 || ix >= s.iw) {
              std::memset(row, 0, static_cast<size_t>(s.c) * sizeof(float));
              continue;
            }
            const float* src = x + ((n * cb * s.ih + iy) * s.iw + ix) * B;
            for (int64_t c = 0; c < cb; ++c) std::memcpy(row + c * B, src + c * s.ih * s.iw * B, B * sizeof(float));
          }
        }
      }
  kernels::SgemmEpilogue ep;
  ep.bias = bias_;
  kernels::sgemm_packed(pos, col_buf.data(), k, *w_, out_buf.data(), s.m, ep, threads);
  // Scatter into [N, M/8, OH, OW, 8], adding the residual on the way.
  const int64_t hw = s.oh * s.ow;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t b = 0; b < mb; ++b) {
      float* dst = y + (n * mb + b) * hw * B;
      const float* res = residual ? residual + (n * mb + b) * hw * B : nullptr;
      for (int64_t p = 0; p < hw; ++p) {
        const float* src = out_buf.data() + (n * hw + p) * s.m + b * B;
        for (int64_t l = 0; l < B; ++l) dst[p * B + l] = src[l] + (res ? res[p * B + l] : 0.0f);
      }
    }
  const kernels::SimdF32Kernels& simd = kernels::simd_f32();
  const int64_t total = s.n * s.m * hw;
  if (act_) simd.unary(act_->op, act_->args, y, y, total);
  if (affine_) simd.unary(affine_->op, affine_->args, y, y, total);
}

}  // namespace sz0::ops::nn

// Conversions between the plain NCHW layout and the blocked layout [N, ceil(C/8), H, W, 8]
// (ops/internal.h). ToBlocked zero-fills the padding lanes; ToPlain drops them. Any rank >= 2
// works: everything after the channel axis is treated as one flat spatial axis.
#include "kernels/parallel.h"
#include "ops/internal.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cstring>

namespace sz0::ops::nn {
namespace {

constexpr int64_t B = kChannelBlock;

Status infer_to_blocked(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  TypeInfo& o = ctx.out(0);
  o.dtype = x.dtype;
  if (x.dtype != DType::Undefined && x.dtype != DType::Float) return ctx.fail("expects float32, got {}", dtype_name(x.dtype));
  if (!x.has_rank()) return {};
  if (x.rank() < 2) return ctx.fail("expects rank >= 2, got {}", x.rank());
  std::vector<Dim> d = *x.shape;
  if (d[1].known()) d[1] = Dim(channel_blocks(d[1].value));
  else d[1] = Dim();
  d.push_back(Dim(B));
  o.shape = d;
  return {};
}

Status infer_to_plain(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  TypeInfo& o = ctx.out(0);
  o.dtype = x.dtype;
  const int64_t c = ctx.node.attr_int("channels", -1);
  if (c < 1) return ctx.fail("attribute 'channels' must be positive");
  if (!x.has_rank()) return {};
  if (x.rank() < 3 || !(*x.shape).back().known() || (*x.shape).back().value != B)
    return ctx.fail("expects a blocked tensor [N, C/{}, ..., {}], got {}", B, B, x.str());
  std::vector<Dim> d(x.shape->begin(), x.shape->end() - 1);
  if (d[1].known() && d[1].value != channel_blocks(c))
    return ctx.fail("{} channel blocks cannot hold {} channels", d[1].value, c);
  d[1] = Dim(c);
  o.shape = d;
  return {};
}

Status run_to_blocked(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.output_for_overwrite(0);
  const int64_t n = x.dim(0), c = x.dim(1), cb = channel_blocks(c);
  const int64_t sp = n * c == 0 ? 0 : x.numel() / (n * c);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  kernels::parallel_for(n * cb, ctx.threads(), [&](int64_t b0, int64_t b1) {
    for (int64_t nb = b0; nb < b1; ++nb) {
      const int64_t in = nb / cb, blk = nb % cb;
      const int64_t lanes = std::min(B, c - blk * B);
      const float* src = xp + (in * c + blk * B) * sp;
      float* dst = yp + nb * sp * B;
      if (lanes < B) std::memset(dst, 0, static_cast<size_t>(sp * B) * sizeof(float));
      // Tiles of 8 positions: the tile's 8 x 8 source floats are 8 short contiguous runs and
      // its destination is one contiguous 256-byte run.
      for (int64_t s0 = 0; s0 < sp; s0 += B) {
        const int64_t s1 = std::min(sp, s0 + B);
        for (int64_t l = 0; l < lanes; ++l)
          for (int64_t s = s0; s < s1; ++s) dst[s * B + l] = src[l * sp + s];
      }
    }
  });
  return {};
}

Status run_to_plain(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  Tensor& y = ctx.output_for_overwrite(0);
  const int64_t n = y.dim(0), c = y.dim(1), cb = x.dim(1);
  const int64_t sp = n * c == 0 ? 0 : y.numel() / (n * c);
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  kernels::parallel_for(n * cb, ctx.threads(), [&](int64_t b0, int64_t b1) {
    for (int64_t nb = b0; nb < b1; ++nb) {
      const int64_t in = nb / cb, blk = nb % cb;
      const int64_t lanes = std::min(B, c - blk * B);
      const float* src = xp + nb * sp * B;
      float* dst = yp + (in * c + blk * B) * sp;
      for (int64_t s0 = 0; s0 < sp; s0 += B) {
        const int64_t s1 = std::min(sp, s0 + B);
        for (int64_t l = 0; l < lanes; ++l)
          for (int64_t s = s0; s < s1; ++s) dst[l * sp + s] = src[s * B + l];
      }
    }
  });
  return {};
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "ReorderToBlocked", .since = 1, .infer = infer_to_blocked,
                .compute = run_to_blocked);
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "ReorderToPlain", .since = 1, .infer = infer_to_plain,
                .compute = run_to_plain);

}  // namespace
}  // namespace sz0::ops::nn

// Trilu, DepthToSpace, SpaceToDepth: element moves that need no arithmetic, done as raw bytes.
#include "kernels/parallel.h"
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

#include <algorithm>

namespace sz0::ops {
namespace {

using namespace index;

// ---- Trilu ----

Status infer_trilu(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  const TypeInfo& x = ctx.in(0);
  if (x.has_rank() && x.rank() < 2) return ctx.fail("input must have rank >= 2, got {}", x.rank());
  if (ctx.has_input(1) && ctx.in(1).dtype != DType::Undefined && ctx.in(1).dtype != DType::Int64)
    return ctx.fail("k must be int64, got {}", dtype_name(ctx.in(1).dtype));
  ctx.out(0) = x;
  return {};
}

Status run_trilu(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_TRY(require_not_string(ctx.node(), x.dtype(), "input"));
  if (x.rank() < 2) return ctx.fail("input must have rank >= 2, got {}", x.rank());
  int64_t k = 0;
  if (ctx.has_input(1)) {
    SZ0_ASSIGN(k, scalar_int(ctx.node(), ctx.in(1), "k"));
  }
  const bool upper = ctx.node().attr_int("upper", 1) != 0;
  const int64_t rows = x.dim(-2), cols = x.dim(-1);
  const int64_t mats = rows * cols > 0 ? x.numel() / (rows * cols) : 0;
  Tensor& out = ctx.output(0);  // zero-filled; kept elements are copied in
  const size_t es = dtype_size(x.dtype());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t i = 0; i < rows; ++i) {
      // upper keeps j >= i + k; lower keeps j <= i + k.
      int64_t b = 0, e = cols;
      if (upper) b = std::clamp<int64_t>(i + k, 0, cols);
      else e = std::clamp<int64_t>(i + k + 1, 0, cols);
      if (e <= b) continue;
      const int64_t off = (m * rows + i) * cols + b;
      std::memcpy(dst + off * es, src + off * es, static_cast<size_t>(e - b) * es);
    }
  return {};
}

// ---- DepthToSpace / SpaceToDepth ----

Result<int64_t> blocksize(const Node& node) {
  const Attribute* a = node.attr("blocksize");
  if (!a) return error("{}: blocksize attribute is required", node.label());
  if (a->i <= 0) return error("{}: blocksize {} must be positive", node.label(), a->i);
  return a->i;
}

enum class D2SMode { DCR, CRD };

Result<D2SMode> d2s_mode(const Node& node) {
  const std::string m = node.attr_string("mode", "DCR");
  if (m == "DCR") return D2SMode::DCR;
  if (m == "CRD") return D2SMode::CRD;
  return error("{}: unknown mode '{}'", node.label(), m);
}

// d / div * mul for a known dim; error when not divisible.
Result<Dim> scale_dim(const Node& node, const Dim& d, int64_t mul, int64_t div, std::string_view what) {
  if (!d.known()) return Dim();
  if (d.value % div != 0) return error("{}: {} {} is not divisible by {}", node.label(), what, d.value, div);
  return Dim(d.value / div * mul);
}

Status infer_depth_to_space(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  SZ0_ASSIGN(int64_t b, blocksize(ctx.node));
  SZ0_TRY(d2s_mode(ctx.node).status());
  const TypeInfo& x = ctx.in(0);
  ctx.out(0).dtype = x.dtype;
  if (!x.has_rank()) return {};
  if (x.rank() != 4) return ctx.fail("input must have rank 4, got {}", x.rank());
  const auto& s = *x.shape;
  SZ0_ASSIGN(Dim c, scale_dim(ctx.node, s[1], 1, b * b, "channels"));
  SZ0_ASSIGN(Dim h, scale_dim(ctx.node, s[2], b, 1, "height"));
  SZ0_ASSIGN(Dim w, scale_dim(ctx.node, s[3], b, 1, "width"));
  ctx.out(0).shape = std::vector<Dim>{s[0], c, h, w};
  return {};
}

Status infer_space_to_depth(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  SZ0_ASSIGN(int64_t b, blocksize(ctx.node));
  const TypeInfo& x = ctx.in(0);
  ctx.out(0).dtype = x.dtype;
  if (!x.has_rank()) return {};
  if (x.rank() != 4) return ctx.fail("input must have rank 4, got {}", x.rank());
  const auto& s = *x.shape;
  SZ0_ASSIGN(Dim c, scale_dim(ctx.node, s[1], b * b, 1, "channels"));
  SZ0_ASSIGN(Dim h, scale_dim(ctx.node, s[2], 1, b, "height"));
  SZ0_ASSIGN(Dim w, scale_dim(ctx.node, s[3], 1, b, "width"));
  ctx.out(0).shape = std::vector<Dim>{s[0], c, h, w};
  return {};
}

// Both ops are one transpose of a 6-D view. The space side is [N, C, H*b, W*b], the depth side
// [N, C*b*b, H, W]; channel_of(c, y % b, x % b) names the depth-side channel of a space-side
// element. to_space copies depth side (src) to space side (dst), else the other way.
template <class ChannelOf>
void move_blocks(const uint8_t* src, uint8_t* dst, bool to_space, int64_t n, int64_t cs, int64_t h, int64_t w,
                 int64_t b, size_t es, int threads, ChannelOf channel_of) {
  const int64_t cd = cs * b * b, hs = h * b, ws = w * b;
  kernels::parallel_for(n * cs, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t in = t / cs, c = t % cs;
      for (int64_t y = 0; y < hs; ++y)
        for (int64_t x = 0; x < ws; ++x) {
          const int64_t d_off = ((in * cd + channel_of(c, y % b, x % b)) * h + y / b) * w + x / b;
          const int64_t s_off = ((in * cs + c) * hs + y) * ws + x;
          if (to_space) std::memcpy(dst + s_off * es, src + d_off * es, es);
          else std::memcpy(dst + d_off * es, src + s_off * es, es);
        }
    }
  });
}

Status run_depth_to_space(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_TRY(require_not_string(ctx.node(), x.dtype(), "input"));
  SZ0_ASSIGN(int64_t b, blocksize(ctx.node()));
  SZ0_ASSIGN(D2SMode mode, d2s_mode(ctx.node()));
  if (x.rank() != 4 || x.dim(1) % (b * b) != 0)
    return ctx.fail("input {} must be rank 4 with channels divisible by {}", shape_str(x.shape()), b * b);
  Tensor& out = ctx.output(0);
  const int64_t cs = x.dim(1) / (b * b);
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  const size_t es = dtype_size(x.dtype());
  // DCR: depth channel = (by * b + bx) * C' + c; CRD: depth channel = (c * b + by) * b + bx.
  if (mode == D2SMode::DCR)
    move_blocks(src, dst, true, x.dim(0), cs, x.dim(2), x.dim(3), b, es, ctx.threads(),
                [&](int64_t c, int64_t by, int64_t bx) { return (by * b + bx) * cs + c; });
  else
    move_blocks(src, dst, true, x.dim(0), cs, x.dim(2), x.dim(3), b, es, ctx.threads(),
                [&](int64_t c, int64_t by, int64_t bx) { return (c * b + by) * b + bx; });
  return {};
}

Status run_space_to_depth(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_TRY(require_not_string(ctx.node(), x.dtype(), "input"));
  SZ0_ASSIGN(int64_t b, blocksize(ctx.node()));
  if (x.rank() != 4 || x.dim(2) % b != 0 || x.dim(3) % b != 0)
    return ctx.fail("input {} must be rank 4 with height and width divisible by {}", shape_str(x.shape()), b);
  Tensor& out = ctx.output(0);
  const int64_t cs = x.dim(1);
  // The output is the depth side, in DCR order: channel = (by * b + bx) * C + c.
  move_blocks(static_cast<const uint8_t*>(x.raw()), static_cast<uint8_t*>(out.raw()), false, x.dim(0), cs,
              x.dim(2) / b, x.dim(3) / b, b, dtype_size(x.dtype()), ctx.threads(),
              [&](int64_t c, int64_t by, int64_t bx) { return (by * b + bx) * cs + c; });
  return {};
}

SZ0_REGISTER_OP(.op_type = "Trilu", .since = 14, .infer = infer_trilu, .compute = run_trilu);
SZ0_REGISTER_OP(.op_type = "DepthToSpace", .since = 1, .infer = infer_depth_to_space, .compute = run_depth_to_space);
SZ0_REGISTER_OP(.op_type = "SpaceToDepth", .since = 1, .infer = infer_space_to_depth, .compute = run_space_to_depth);

}  // namespace
}  // namespace sz0::ops

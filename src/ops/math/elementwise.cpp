#include "ops/math/elementwise.h"

namespace sz0::ops::math {

Status check_type(const InferContext& ctx, size_t i, TypeSet allowed) {
  if (!ctx.has_input(i)) return {};
  const DType t = ctx.in(i).dtype;
  if (t == DType::Undefined || in_set(t, allowed)) return {};
  return ctx.fail("input {} has unsupported dtype {}", i, dtype_name(t));
}

Status check_same_type(const InferContext& ctx, size_t i, size_t j) {
  if (!ctx.has_input(i) || !ctx.has_input(j)) return {};
  const DType a = ctx.in(i).dtype, b = ctx.in(j).dtype;
  if (a == DType::Undefined || b == DType::Undefined || a == b) return {};
  return ctx.fail("inputs {} and {} must have the same dtype, got {} and {}", i, j, dtype_name(a), dtype_name(b));
}

BroadcastPlan make_plan(std::span<const Shape* const> inputs, const Shape& out) {
  const size_t n = inputs.size();
  BroadcastPlan p;
  p.numel = shape_numel(out);
  p.inner_stride.assign(n, 0);
  p.strides.resize(n);
  std::vector<std::vector<int64_t>> st(n);
  for (size_t k = 0; k < n; ++k) st[k] = broadcast_strides(*inputs[k], out);
  // Drop unit dims; merge a dim into the previous one when every input walks both as one run.
  std::vector<int64_t> dims;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < n && merge; ++k) merge = p.strides[k].back() == st[k][d] * out[d];
    if (merge) {
      dims.back() *= out[d];
      for (size_t k = 0; k < n; ++k) p.strides[k].back() = st[k][d];
    } else {
      dims.push_back(out[d]);
      for (size_t k = 0; k < n; ++k) p.strides[k].push_back(st[k][d]);
    }
  }
  if (!dims.empty()) {
    p.inner = dims.back();
    dims.pop_back();
    for (size_t k = 0; k < n; ++k) {
      p.inner_stride[k] = p.strides[k].back();
      p.strides[k].pop_back();
    }
  }
  p.dims = std::move(dims);
  return p;
}

void binary_f32(const BroadcastPlan& p, kernels::BinaryF32 op, const float* a, const float* b, float* o, int threads) {
  if (p.numel == 0) return;
  const kernels::SimdF32Kernels& k = kernels::simd_f32();
  const int64_t n = p.inner;
  const size_t nd = p.dims.size();
  // The last outer dim is walked by the kernel (rows of n elements, each operand advancing by its
  // stride there); the dims above it by the odometer below, once per stretch of rows. Threads
  // split the elements, so a chunk may start or end inside a row.
  const int64_t rows_dim = nd ? p.dims[nd - 1] : 1;
  const int64_t ra = nd ? p.strides[0][nd - 1] : 0, rb = nd ? p.strides[1][nd - 1] : 0;
  const int64_t sa = p.inner_stride[0], sb = p.inner_stride[1];
  kernels::parallel_for(
      p.numel, threads,
      [&](int64_t pos, int64_t end) {
        int64_t r = pos / n, col = pos % n;
        while (pos < end) {
          int64_t q = r / rows_dim;
          const int64_t j = r % rows_dim;
          int64_t oa = j * ra, ob = j * rb;
          for (size_t d = nd > 0 ? nd - 1 : 0; d-- > 0;) {
            const int64_t i = q % p.dims[d];
            q /= p.dims[d];
            oa += i * p.strides[0][d];
            ob += i * p.strides[1][d];
          }
          if (col != 0 || end - pos < n) {  // part of one row
            const int64_t len = std::min(n - col, end - pos);
            k.binary(op, a + oa + col * sa, 0, sa, b + ob + col * sb, 0, sb, o + pos, 1, len);
            pos += len;
            col = 0;
            ++r;
            continue;
          }
          const int64_t rows = std::min(rows_dim - j, (end - pos) / n);
          k.binary(op, a + oa, ra, sa, b + ob, rb, sb, o + pos, rows, n);
          pos += rows * n;
          r += rows;
        }
      },
      kGrain);
}

namespace {
// Where B's dims start inside A's for legacy broadcasting; -1 for numpy alignment.
Result<int64_t> legacy_axis(const Node& node, int64_t opset, size_t rank_a, size_t rank_b) {
  if (opset >= 7 || node.attr_int("broadcast", 0) == 0 || !node.has_attr("axis")) return int64_t{-1};
  int64_t axis = node.attr_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(rank_a);
  if (axis < 0 || axis + static_cast<int64_t>(rank_b) > static_cast<int64_t>(rank_a))
    return error("{}: broadcast axis {} does not fit B of rank {} into A of rank {}", node.label(),
                 node.attr_int("axis", 0), rank_b, rank_a);
  return axis;
}
}  // namespace

Result<Shape> legacy_b_shape(const Node& node, int64_t opset, size_t rank_a, const Shape& b) {
  SZ0_ASSIGN(int64_t axis, legacy_axis(node, opset, rank_a, b.size()));
  if (axis < 0) return b;
  Shape s(rank_a, 1);
  for (size_t i = 0; i < b.size(); ++i) s[axis + i] = b[i];
  return s;
}

Result<std::vector<Dim>> legacy_b_dims(const Node& node, int64_t opset, size_t rank_a, const std::vector<Dim>& b) {
  SZ0_ASSIGN(int64_t axis, legacy_axis(node, opset, rank_a, b.size()));
  if (axis < 0) return b;
  std::vector<Dim> s(rank_a, Dim(1));
  for (size_t i = 0; i < b.size(); ++i) s[axis + i] = b[i];
  return s;
}

Status infer_binary(InferContext& ctx, TypeSet set, DType out) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("expects 2 inputs");
  SZ0_TRY(check_type(ctx, 0, set));
  SZ0_TRY(check_type(ctx, 1, set));
  SZ0_TRY(check_same_type(ctx, 0, 1));
  TypeInfo& o = ctx.out(0);
  o.dtype = out == DType::Undefined ? ctx.in(0).dtype : out;
  if (ctx.in(0).has_rank() && ctx.in(1).has_rank()) {
    const auto& a = *ctx.in(0).shape;
    SZ0_ASSIGN(auto b, legacy_b_dims(ctx.node, ctx.opset, a.size(), *ctx.in(1).shape));
    std::vector<std::vector<Dim>> shapes{a, std::move(b)};
    SZ0_ASSIGN(auto dims, broadcast_dims(ctx.node, shapes));
    o.shape = std::move(dims);
  }
  return {};
}

Status infer_unary(InferContext& ctx, TypeSet set, DType out) {
  if (ctx.num_inputs() < 1 || !ctx.has_input(0)) return ctx.fail("expects an input");
  SZ0_TRY(check_type(ctx, 0, set));
  ctx.out(0) = ctx.in(0);
  if (out != DType::Undefined) ctx.out(0).dtype = out;
  return {};
}

}  // namespace sz0::ops::math

// Gather, GatherElements, GatherND. Elements are moved as raw bytes, so every dtype but string works.
#include "kernels/parallel.h"
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

namespace sz0::ops {
namespace {

using namespace index;

// Copies the indices into int64, wrapping negatives against `dim`; error on out-of-range values.
Result<std::vector<int64_t>> checked_indices(const KernelContext& ctx, const Tensor& idx, int64_t dim) {
  std::vector<int64_t> out(static_cast<size_t>(idx.numel()));
  IndexReader r(idx);
  for (int64_t i = 0; i < idx.numel(); ++i) {
    int64_t v = r[i];
    if (v < -dim || v >= dim) return ctx.fail("index {} out of range for axis of size {}", v, dim);
    out[i] = v < 0 ? v + dim : v;
  }
  return out;
}

// ---- Gather ----

Status infer_gather(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 2));
  const TypeInfo& data = ctx.in(0);
  const TypeInfo& idx = ctx.in(1);
  if (idx.dtype != DType::Undefined && !is_index_dtype(idx.dtype))
    return ctx.fail("indices must be int32 or int64, got {}", dtype_name(idx.dtype));
  ctx.out(0).dtype = data.dtype;
  if (!data.has_rank() || !idx.has_rank()) return {};
  if (data.rank() < 1) return ctx.fail("data must have rank >= 1");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), data.rank()));
  std::vector<Dim> s(data.shape->begin(), data.shape->begin() + axis);
  s.insert(s.end(), idx.shape->begin(), idx.shape->end());
  s.insert(s.end(), data.shape->begin() + axis + 1, data.shape->end());
  ctx.out(0).shape = std::move(s);
  return {};
}

Status run_gather(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  SZ0_TRY(require_not_string(ctx.node(), data.dtype(), "data"));
  if (data.rank() < 1) return ctx.fail("data must have rank >= 1");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", 0), data.rank()));
  const int64_t dim = data.dim(static_cast<int>(axis));
  SZ0_ASSIGN(auto ids, checked_indices(ctx, idx, dim));
  Tensor& out = ctx.output(0);
  const int64_t outer = prod(data.shape(), 0, axis);
  const int64_t inner = prod(data.shape(), axis + 1, data.shape().size());
  const size_t block = static_cast<size_t>(inner) * dtype_size(data.dtype());
  const int64_t n = static_cast<int64_t>(ids.size());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  if (block == 0 || n == 0) return {};
  kernels::parallel_for(outer * n, ctx.threads(), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / n, j = t % n;
      std::memcpy(dst + t * block, src + (o * dim + ids[j]) * block, block);
    }
  }, std::max<int64_t>(1, 16384 / static_cast<int64_t>(block)));
  return {};
}

// ---- GatherElements ----

Status infer_gather_elements(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 2));
  const TypeInfo& data = ctx.in(0);
  const TypeInfo& idx = ctx.in(1);
  if (idx.dtype != DType::Undefined && !is_index_dtype(idx.dtype))
    return ctx.fail("indices must be int32 or int64, got {}", dtype_name(idx.dtype));
  ctx.out(0).dtype = data.dtype;
  if (data.has_rank()) {
    if (data.rank() < 1) return ctx.fail("data must have rank >= 1");
    SZ0_TRY(normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), data.rank()).status());
    if (idx.has_rank() && idx.rank() != data.rank())
      return ctx.fail("indices rank {} differs from data rank {}", idx.rank(), data.rank());
  }
  ctx.out(0).shape = idx.shape;
  return {};
}

Status run_gather_elements(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  SZ0_TRY(require_not_string(ctx.node(), data.dtype(), "data"));
  const int r = data.rank();
  if (r < 1 || idx.rank() != r) return ctx.fail("data and indices must have the same rank >= 1");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", 0), r));
  for (int d = 0; d < r; ++d)
    if (d != axis && idx.dim(d) > data.dim(d))
      return ctx.fail("indices dim {} is {}, larger than data's {}", d, idx.dim(d), data.dim(d));
  const int64_t dim = data.dim(static_cast<int>(axis));
  SZ0_ASSIGN(auto ids, checked_indices(ctx, idx, dim));
  Tensor& out = ctx.output(0);
  const size_t es = dtype_size(data.dtype());
  const Shape ds = shape_strides(data.shape());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  walk_skipping_axis(idx.shape(), ds, axis, [&](int64_t i, int64_t base) {
    std::memcpy(dst + i * es, src + (base + ids[i] * ds[axis]) * es, es);
  });
  return {};
}

// ---- GatherND ----

struct GatherNDShape {
  int64_t batch_dims, m;
};

Result<GatherNDShape> check_gather_nd(const Node& node, int data_rank, int idx_rank, std::optional<int64_t> last) {
  const int64_t b = node.attr_int("batch_dims", 0);
  if (data_rank < 1 || idx_rank < 1) return error("{}: data and indices must have rank >= 1", node.label());
  if (b < 0 || b >= std::min(data_rank, idx_rank))
    return error("{}: batch_dims {} must be in [0, min(data rank {}, indices rank {}))", node.label(), b, data_rank,
                 idx_rank);
  if (last && (*last < 0 || *last > data_rank - b))
    return error("{}: indices last dimension {} exceeds data rank {} minus batch_dims {}", node.label(), *last,
                 data_rank, b);
  return GatherNDShape{b, last.value_or(-1)};
}

Status infer_gather_nd(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 2));
  const TypeInfo& data = ctx.in(0);
  const TypeInfo& idx = ctx.in(1);
  if (idx.dtype != DType::Undefined && !is_index_dtype(idx.dtype))
    return ctx.fail("indices must be int32 or int64, got {}", dtype_name(idx.dtype));
  ctx.out(0).dtype = data.dtype;
  if (!data.has_rank() || !idx.has_rank()) return {};
  std::optional<int64_t> last;
  if (idx.rank() >= 1 && idx.shape->back().known()) last = idx.shape->back().value;
  SZ0_ASSIGN(auto g, check_gather_nd(ctx.node, data.rank(), idx.rank(), last));
  if (g.m < 0) return {};  // rank depends on the unknown tuple length
  for (int64_t i = 0; i < g.batch_dims; ++i) {
    const Dim &a = (*data.shape)[i], &c = (*idx.shape)[i];
    if (a.known() && c.known() && a.value != c.value)
      return ctx.fail("batch dim {}: data has {}, indices {}", i, a.value, c.value);
  }
  std::vector<Dim> s(idx.shape->begin(), idx.shape->end() - 1);
  for (int64_t i = 0; i < g.batch_dims; ++i)
    if (!s[i].known() && (*data.shape)[i].known()) s[i] = (*data.shape)[i];
  s.insert(s.end(), data.shape->begin() + g.batch_dims + g.m, data.shape->end());
  ctx.out(0).shape = std::move(s);
  return {};
}

Status run_gather_nd(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  SZ0_TRY(require_not_string(ctx.node(), data.dtype(), "data"));
  SZ0_ASSIGN(auto g, check_gather_nd(ctx.node(), data.rank(), idx.rank(), idx.rank() ? idx.dim(-1) : 0));
  const int64_t b = g.batch_dims, m = g.m;
  for (int64_t i = 0; i < b; ++i)
    if (data.dim(static_cast<int>(i)) != idx.dim(static_cast<int>(i)))
      return ctx.fail("batch dim {}: data has {}, indices {}", i, data.dim(static_cast<int>(i)), idx.dim(static_cast<int>(i)));
  const Shape& dshape = data.shape();
  const int64_t batches = prod(dshape, 0, b);
  const int64_t slice = prod(dshape, b + m, dshape.size());
  const int64_t batch_stride = prod(dshape, b, dshape.size());
  const int64_t tuples = prod(idx.shape(), b, idx.rank() - 1);
  // Strides of the indexed dims, in units of one slice.
  std::vector<int64_t> st(m);
  for (int64_t k = m - 1, acc = 1; k >= 0; --k) {
    st[k] = acc;
    acc *= dshape[b + k];
  }
  Tensor& out = ctx.output(0);
  if (out.numel() == 0) return {};
  const size_t es = dtype_size(data.dtype());
  const size_t block = static_cast<size_t>(slice) * es;
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  IndexReader r(idx);
  for (int64_t bt = 0; bt < batches; ++bt) {
    for (int64_t t = 0; t < tuples; ++t) {
      const int64_t tup = bt * tuples + t;
      int64_t off = 0;
      for (int64_t k = 0; k < m; ++k) {
        const int64_t dim = dshape[b + k];
        int64_t v = r[tup * m + k];
        if (v < -dim || v >= dim) return ctx.fail("index {} out of range for data dim {} of size {}", v, b + k, dim);
        if (v < 0) v += dim;
        off += v * st[k];
      }
      std::memcpy(dst + tup * block, src + (bt * batch_stride + off * slice) * es, block);
    }
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "Gather", .since = 1, .infer = infer_gather, .compute = run_gather);
SZ0_REGISTER_OP(.op_type = "GatherElements", .since = 11, .infer = infer_gather_elements, .compute = run_gather_elements);
SZ0_REGISTER_OP(.op_type = "GatherND", .since = 11, .infer = infer_gather_nd, .compute = run_gather_nd);

}  // namespace
}  // namespace sz0::ops

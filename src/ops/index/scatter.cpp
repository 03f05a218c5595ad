// ScatterElements (and the older Scatter), ScatterND, with the none/add/mul/max/min reductions.
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

#include <algorithm>

namespace sz0::ops {
namespace {

using namespace index;

enum class Reduction { None, Add, Mul, Max, Min };

Result<Reduction> parse_reduction(const Node& node) {
  const std::string r = node.attr_string("reduction", "none");
  if (r == "none") return Reduction::None;
  if (r == "add") return Reduction::Add;
  if (r == "mul") return Reduction::Mul;
  if (r == "max") return Reduction::Max;
  if (r == "min") return Reduction::Min;
  return error("{}: unknown reduction '{}'", node.label(), r);
}

template <class T>
void reduce_into(T& dst, const T& src, Reduction red) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (red) {
      case Reduction::None: dst = src; break;
      case Reduction::Add: case Reduction::Max: dst = dst || src; break;
      case Reduction::Mul: case Reduction::Min: dst = dst && src; break;
    }
  } else {
    using C = compute_t<T>;
    const C a = static_cast<C>(dst), b = static_cast<C>(src);
    C r = b;
    switch (red) {
      case Reduction::None: break;
      case Reduction::Add: r = static_cast<C>(a + b); break;
      case Reduction::Mul: r = static_cast<C>(a * b); break;
      case Reduction::Max: r = std::max(a, b); break;
      case Reduction::Min: r = std::min(a, b); break;
    }
    dst = static_cast<T>(r);
  }
}

// Writes `count` contiguous updates into dst, combined with what is there by `red`.
struct Applier {
  DType dtype;
  Reduction red;
  size_t es;
  void operator()(uint8_t* dst, const uint8_t* src, int64_t count) const {
    if (red == Reduction::None) {
      std::memcpy(dst, src, static_cast<size_t>(count) * es);
      return;
    }
    visit_dtype(dtype, [&]<class T>() {
      T* d = reinterpret_cast<T*>(dst);
      const T* s = reinterpret_cast<const T*>(src);
      for (int64_t i = 0; i < count; ++i) reduce_into(d[i], s[i], red);
    });
  }
};

Status check_scatter_types(const Node& node, const TypeInfo& data, const TypeInfo& idx, const TypeInfo& upd) {
  if (idx.dtype != DType::Undefined && !is_index_dtype(idx.dtype))
    return error("{}: indices must be int32 or int64, got {}", node.label(), dtype_name(idx.dtype));
  if (data.dtype != DType::Undefined && upd.dtype != DType::Undefined && data.dtype != upd.dtype)
    return error("{}: updates type {} differs from data type {}", node.label(), dtype_name(upd.dtype),
                 dtype_name(data.dtype));
  return {};
}

// ---- ScatterElements / Scatter ----

Status infer_scatter_elements(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 3));
  SZ0_TRY(check_scatter_types(ctx.node, ctx.in(0), ctx.in(1), ctx.in(2)));
  SZ0_TRY(parse_reduction(ctx.node).status());
  const TypeInfo& data = ctx.in(0);
  if (data.has_rank()) {
    if (data.rank() < 1) return ctx.fail("data must have rank >= 1");
    SZ0_TRY(normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), data.rank()).status());
    for (size_t i : {1, 2})
      if (ctx.in(i).has_rank() && ctx.in(i).rank() != data.rank())
        return ctx.fail("input {} has rank {}, data has rank {}", i, ctx.in(i).rank(), data.rank());
  }
  ctx.out(0) = data;
  return {};
}

Status run_scatter_elements(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  const Tensor& upd = ctx.in(2);
  SZ0_TRY(require_not_string(ctx.node(), data.dtype(), "data"));
  SZ0_ASSIGN(Reduction red, parse_reduction(ctx.node()));
  const int r = data.rank();
  if (r < 1 || idx.rank() != r) return ctx.fail("data and indices must have the same rank >= 1");
  if (upd.shape() != idx.shape())
    return ctx.fail("updates shape {} differs from indices shape {}", shape_str(upd.shape()), shape_str(idx.shape()));
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", 0), r));
  for (int d = 0; d < r; ++d)
    if (d != axis && idx.dim(d) > data.dim(d))
      return ctx.fail("indices dim {} is {}, larger than data's {}", d, idx.dim(d), data.dim(d));
  const int64_t dim = data.dim(static_cast<int>(axis));
  IndexReader ir(idx);
  for (int64_t i = 0; i < idx.numel(); ++i)
    if (ir[i] < -dim || ir[i] >= dim) return ctx.fail("index {} out of range for axis of size {}", ir[i], dim);
  Tensor& out = ctx.output(0);
  std::memcpy(out.raw(), data.raw(), data.nbytes());
  const size_t es = dtype_size(data.dtype());
  const Shape ds = shape_strides(data.shape());
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(upd.raw());
  const Applier apply{data.dtype(), red, es};
  walk_skipping_axis(idx.shape(), ds, axis, [&](int64_t i, int64_t base) {
    int64_t v = ir[i];
    if (v < 0) v += dim;
    apply(dst + (base + v * ds[axis]) * es, src + i * es, 1);
  });
  return {};
}

// ---- ScatterND ----

Status infer_scatter_nd(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 3));
  SZ0_TRY(check_scatter_types(ctx.node, ctx.in(0), ctx.in(1), ctx.in(2)));
  SZ0_TRY(parse_reduction(ctx.node).status());
  const TypeInfo& data = ctx.in(0);
  const TypeInfo& idx = ctx.in(1);
  if (data.has_rank() && data.rank() < 1) return ctx.fail("data must have rank >= 1");
  if (idx.has_rank()) {
    if (idx.rank() < 1) return ctx.fail("indices must have rank >= 1");
    const Dim& k = idx.shape->back();
    if (data.has_rank() && k.known() && k.value > data.rank())
      return ctx.fail("indices last dimension {} exceeds data rank {}", k.value, data.rank());
  }
  ctx.out(0) = data;
  return {};
}

Status run_scatter_nd(KernelContext& ctx) {
  const Tensor& data = ctx.in(0);
  const Tensor& idx = ctx.in(1);
  const Tensor& upd = ctx.in(2);
  SZ0_TRY(require_not_string(ctx.node(), data.dtype(), "data"));
  SZ0_ASSIGN(Reduction red, parse_reduction(ctx.node()));
  const int r = data.rank(), q = idx.rank();
  if (r < 1 || q < 1) return ctx.fail("data and indices must have rank >= 1");
  const int64_t k = idx.dim(-1);
  if (k > r) return ctx.fail("indices last dimension {} exceeds data rank {}", k, r);
  Shape want(idx.shape().begin(), idx.shape().end() - 1);
  want.insert(want.end(), data.shape().begin() + k, data.shape().end());
  if (upd.shape() != want)
    return ctx.fail("updates shape {} must be {}", shape_str(upd.shape()), shape_str(want));
  const Shape& dshape = data.shape();
  const int64_t slice = prod(dshape, k, dshape.size());
  const int64_t tuples = prod(idx.shape(), 0, q - 1);
  std::vector<int64_t> st(k);
  for (int64_t j = k - 1, acc = 1; j >= 0; --j) {
    st[j] = acc;
    acc *= dshape[j];
  }
  // Validate every tuple before writing, so a bad index leaves no partial result behind.
  IndexReader ir(idx);
  std::vector<int64_t> offs(tuples);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t v = ir[t * k + j];
      if (v < -dshape[j] || v >= dshape[j])
        return ctx.fail("index {} out of range for data dim {} of size {}", v, j, dshape[j]);
      off += (v < 0 ? v + dshape[j] : v) * st[j];
    }
    offs[t] = off * slice;
  }
  Tensor& out = ctx.output(0);
  std::memcpy(out.raw(), data.raw(), data.nbytes());
  const size_t es = dtype_size(data.dtype());
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(upd.raw());
  const Applier apply{data.dtype(), red, es};
  for (int64_t t = 0; t < tuples; ++t) apply(dst + offs[t] * es, src + t * slice * es, slice);
  return {};
}

SZ0_REGISTER_OP(.op_type = "ScatterElements", .since = 11, .infer = infer_scatter_elements, .compute = run_scatter_elements);
// Scatter is the opset 9-10 name of ScatterElements (deprecated at 11, same semantics).
SZ0_REGISTER_OP(.op_type = "Scatter", .since = 9, .infer = infer_scatter_elements, .compute = run_scatter_elements);
SZ0_REGISTER_OP(.op_type = "ScatterND", .since = 11, .infer = infer_scatter_nd, .compute = run_scatter_nd);

}  // namespace
}  // namespace sz0::ops

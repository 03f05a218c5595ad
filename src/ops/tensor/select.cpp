// Ops that pick or reorder elements by data: Compress, ReverseSequence, Unique.
#include "ops/tensor/tensor_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>

namespace sz0::ops {
namespace {

using namespace tensorops;

// ---- Compress ----

// Indices along the axis (or the flattened input) whose condition is true.
Result<std::vector<int64_t>> compress_selection(const Node& node, const Tensor& cond, int64_t n) {
  if (cond.rank() != 1) return error("{}: condition must be 1-D, got rank {}", node.label(), cond.rank());
  if (dtype_size(cond.dtype()) == 0) return error("{}: unsupported condition type", node.label());
  std::vector<int64_t> sel;
  for (int64_t i = 0; i < cond.numel(); ++i) {
    if (cond.get_double(i) == 0) continue;
    if (i >= n) return error("{}: condition selects index {} of a dimension of size {}", node.label(), i, n);
    sel.push_back(i);
  }
  return sel;
}

Status infer_compress(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const auto& in = ctx.in(0).shape;
  const Attribute* axis_attr = ctx.node.attr("axis");
  if (!axis_attr) {
    Dim n = Dim();
    if (in && ctx.value(1)) {
      const Dim total = dim_product(*in);
      if (total.known()) {
        SZ0_ASSIGN(auto sel, compress_selection(ctx.node, *ctx.value(1), total.value));
        n = Dim(static_cast<int64_t>(sel.size()));
      }
    }
    o.shape = std::vector<Dim>{n};
    return {};
  }
  if (!in) return {};
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, axis_attr->i, static_cast<int64_t>(in->size())));
  if (in->empty()) return ctx.fail("cannot compress a scalar along an axis");
  std::vector<Dim> dims = *in;
  if (ctx.value(1) && dims[axis].known()) {
    SZ0_ASSIGN(auto sel, compress_selection(ctx.node, *ctx.value(1), dims[axis].value));
    dims[axis] = Dim(static_cast<int64_t>(sel.size()));
  } else {
    dims[axis] = Dim();
  }
  o.shape = std::move(dims);
  return {};
}

Status run_compress(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  const Attribute* axis_attr = ctx.node().attr("axis");
  int64_t outer = 1, n = x.numel(), inner = 1, axis = 0;
  if (axis_attr) {
    if (x.rank() == 0) return ctx.fail("cannot compress a scalar along an axis");
    SZ0_ASSIGN(axis, normalize_axis(ctx.node(), axis_attr->i, x.rank()));
    n = x.dim(static_cast<int>(axis));
    for (int64_t k = 0; k < axis; ++k) outer *= x.dim(static_cast<int>(k));
    for (int64_t k = axis + 1; k < x.rank(); ++k) inner *= x.dim(static_cast<int>(k));
  }
  SZ0_ASSIGN(auto sel, compress_selection(ctx.node(), ctx.in(1), n));
  Shape out_shape{static_cast<int64_t>(sel.size())};
  if (axis_attr) {
    out_shape = x.shape();
    out_shape[axis] = static_cast<int64_t>(sel.size());
  }
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(y.raw());
  const size_t block = static_cast<size_t>(inner) * es;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : sel) {
      std::memcpy(dst, src + (o * n + i) * static_cast<int64_t>(block), block);
      dst += block;
    }
  return {};
}

// ---- ReverseSequence ----

struct SeqAxes {
  int64_t batch, time;
};

Result<SeqAxes> seq_axes(const Node& node) {
  const int64_t b = node.attr_int("batch_axis", 1), t = node.attr_int("time_axis", 0);
  if ((b != 0 && b != 1) || (t != 0 && t != 1) || b == t)
    return error("{}: batch_axis and time_axis must be 0 and 1 in some order, got {} and {}", node.label(), b, t);
  return SeqAxes{b, t};
}

Status infer_reverse_sequence(InferContext& ctx) {
  SZ0_TRY(seq_axes(ctx.node).status());
  ctx.out(0) = ctx.in(0);
  if (ctx.in(0).has_rank() && ctx.in(0).rank() < 2) return ctx.fail("input must have rank >= 2");
  return {};
}

Status run_reverse_sequence(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() < 2) return ctx.fail("input must have rank >= 2, got {}", x.rank());
  SZ0_ASSIGN(SeqAxes ax, seq_axes(ctx.node()));
  const Tensor& lens_t = ctx.in(1);
  SZ0_ASSIGN(auto lens, int_values(ctx.node(), lens_t, "sequence_lens"));
  const int64_t batch = x.dim(static_cast<int>(ax.batch)), time = x.dim(static_cast<int>(ax.time));
  if (lens_t.rank() != 1 || static_cast<int64_t>(lens.size()) != batch)
    return ctx.fail("sequence_lens must be 1-D with {} entries, got shape {}", batch, shape_str(lens_t.shape()));
  for (int64_t l : lens)
    if (l < 0 || l > time) return ctx.fail("sequence length {} out of range [0, {}]", l, time);
  Tensor& y = ctx.output(0, x.dtype(), x.shape());
  const Shape xs = shape_strides(x.shape());
  const size_t block = static_cast<size_t>(xs[1]) * es;  // elements past the first two axes
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(y.raw());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < time; ++t) {
      const int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
      const int64_t out_off = (b * xs[ax.batch] + t * xs[ax.time]) * static_cast<int64_t>(es);
      const int64_t in_off = (b * xs[ax.batch] + from * xs[ax.time]) * static_cast<int64_t>(es);
      std::memcpy(dst + out_off, src + in_off, block);
    }
  return {};
}

// ---- Unique ----

template <class K>
bool key_less(K a, K b) {
  if constexpr (std::is_floating_point_v<K>) {
    if (std::isnan(a)) return false;  // NaNs sort last and are equal to each other
    if (std::isnan(b)) return true;
  }
  return a < b;
}
template <class K>
bool key_equal(K a, K b) {
  if constexpr (std::is_floating_point_v<K>)
    if (std::isnan(a) && std::isnan(b)) return true;
  return a == b;
}

struct UniqueGroups {
  std::vector<int64_t> first;    // per unique item, in output order
  std::vector<int64_t> counts;   // per unique item
  std::vector<int64_t> inverse;  // per input item
};

// Groups n items of `len` keys each (row-major in `keys`), equal rows together.
template <class K>
UniqueGroups group_rows(const std::vector<K>& keys, int64_t n, int64_t len, bool sorted) {
  auto row = [&](int64_t i) { return keys.data() + i * len; };
  auto less = [&](int64_t a, int64_t b) {
    const K *ra = row(a), *rb = row(b);
    for (int64_t k = 0; k < len; ++k) {
      if (key_less(ra[k], rb[k])) return true;
      if (key_less(rb[k], ra[k])) return false;
    }
    return false;
  };
  auto equal = [&](int64_t a, int64_t b) {
    const K *ra = row(a), *rb = row(b);
    for (int64_t k = 0; k < len; ++k)
      if (!key_equal(ra[k], rb[k])) return false;
    return true;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), less);  // stable: a group starts with its first occurrence
  UniqueGroups g;
  std::vector<int64_t> group_of(static_cast<size_t>(n));
  for (int64_t p = 0; p < n; ++p) {
    if (p == 0 || !equal(order[p - 1], order[p])) {
      g.first.push_back(order[p]);
      g.counts.push_back(0);
    }
    group_of[order[p]] = static_cast<int64_t>(g.first.size()) - 1;
    ++g.counts.back();
  }
  std::vector<int64_t> rank(g.first.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {
    std::vector<int64_t> by_first(g.first.size());
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) { return g.first[a] < g.first[b]; });
    std::vector<int64_t> first, counts;
    for (size_t u = 0; u < by_first.size(); ++u) {
      rank[by_first[u]] = static_cast<int64_t>(u);
      first.push_back(g.first[by_first[u]]);
      counts.push_back(g.counts[by_first[u]]);
    }
    g.first = std::move(first);
    g.counts = std::move(counts);
  }
  g.inverse.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) g.inverse[i] = rank[group_of[i]];
  return g;
}

Status infer_unique(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  if (const Attribute* a = ctx.node.attr("axis")) {
    if (x.has_rank()) {
      SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, a->i, x.rank()));
      if (x.rank() == 0) return ctx.fail("cannot take unique slices of a scalar");
      std::vector<Dim> dims = *x.shape;
      dims[axis] = Dim();
      y.shape = std::move(dims);
    }
  } else {
    y.shape = std::vector<Dim>(1);
  }
  for (size_t i = 1; i < ctx.num_outputs() && i < 4; ++i) ctx.out(i) = TypeInfo(DType::Int64, {Dim()});
  return {};
}

Status run_unique(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  const bool sorted = ctx.node().attr_int("sorted", 1) != 0;
  const Attribute* axis_attr = ctx.node().attr("axis");
  int64_t outer = 1, n = x.numel(), inner = 1, axis = 0;
  if (axis_attr) {
    if (x.rank() == 0) return ctx.fail("cannot take unique slices of a scalar");
    SZ0_ASSIGN(axis, normalize_axis(ctx.node(), axis_attr->i, x.rank()));
    n = x.dim(static_cast<int>(axis));
    for (int64_t k = 0; k < axis; ++k) outer *= x.dim(static_cast<int>(k));
    for (int64_t k = axis + 1; k < x.rank(); ++k) inner *= x.dim(static_cast<int>(k));
  }
  const int64_t len = outer * inner;  // keys per item: the slice at index i, (outer, inner) order
  UniqueGroups g;
  visit_dtype(x.dtype(), [&]<class T>() {
    using K = std::conditional_t<std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>, float,
                                 std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
    std::vector<K> keys(static_cast<size_t>(n * len));
    const T* src = x.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) keys[i * len + o * inner + j] = static_cast<K>(src[(o * n + i) * inner + j]);
    g = group_rows(keys, n, len, sorted);
  });
  const int64_t u = static_cast<int64_t>(g.first.size());
  Shape y_shape{u};
  if (axis_attr) {
    y_shape = x.shape();
    y_shape[axis] = u;
  }
  Tensor& y = ctx.output(0, x.dtype(), y_shape);
  const size_t block = static_cast<size_t>(inner) * es;
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(y.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < u; ++k) {
      std::memcpy(dst, src + (o * n + g.first[k]) * static_cast<int64_t>(block), block);
      dst += block;
    }
  auto put = [&](size_t i, const std::vector<int64_t>& v) {
    if (i >= ctx.num_outputs() || !ctx.output_wanted(i)) return;
    Tensor& t = ctx.output(i, DType::Int64, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), t.data<int64_t>());
  };
  put(1, g.first);
  put(2, g.inverse);
  put(3, g.counts);
  return {};
}

SZ0_REGISTER_OP(.op_type = "Compress", .since = 9, .infer = infer_compress, .compute = run_compress);
SZ0_REGISTER_OP(.op_type = "ReverseSequence", .since = 10, .infer = infer_reverse_sequence,
                .compute = run_reverse_sequence);
SZ0_REGISTER_OP(.op_type = "Unique", .since = 11, .infer = infer_unique, .compute = run_unique);

}  // namespace
}  // namespace sz0::ops

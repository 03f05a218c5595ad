// ArgMax, ArgMin, TopK. As in numpy, ArgMax and ArgMin report the first NaN and TopK ranks NaN as
// the largest value; equal values keep the lower index first unless select_last_index asks for the last.
#include "kernels/parallel.h"
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <numeric>

namespace sz0::ops {
namespace {

using namespace index;

// Strict "a ranks before b": larger first for kMax, smaller first otherwise; NaN first for ArgMax
// and ArgMin alike (both report the first NaN, like numpy).
template <bool kMax, class C>
bool arg_better(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return kMax ? a > b : a < b;
}

// ---- ArgMax / ArgMin ----

Status infer_arg(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  const TypeInfo& x = ctx.in(0);
  if (x.dtype == DType::String) return ctx.fail("string input is not supported");
  ctx.out(0).dtype = DType::Int64;
  if (!x.has_rank()) return {};
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank()));
  std::vector<Dim> s = *x.shape;
  if (x.rank() > 0) {
    if (ctx.node.attr_int("keepdims", 1)) s[axis] = Dim(1);
    else s.erase(s.begin() + axis);
  }
  ctx.out(0).shape = std::move(s);
  return {};
}

template <bool kMax>
Status run_arg(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", 0), x.rank()));
  const bool last = ctx.node().attr_int("select_last_index", 0) != 0;
  const Shape shape = x.rank() ? x.shape() : Shape{1};
  const int64_t dim = shape[axis];
  if (dim == 0) return ctx.fail("cannot reduce an empty axis");
  const int64_t outer = prod(shape, 0, axis), inner = prod(shape, axis + 1, shape.size());
  Tensor& out = ctx.output(0);
  int64_t* o = out.data<int64_t>();
  bool typed = visit_dtype(x.dtype(), [&]<class T>() {
    using C = compute_t<T>;
    const T* p = x.data<T>();
    std::vector<C> best(inner);
    for (int64_t a = 0; a < outer; ++a) {
      int64_t* oi = o + a * inner;
      const T* base = p + a * dim * inner;
      for (int64_t i = 0; i < inner; ++i) {
        best[i] = static_cast<C>(base[i]);
        oi[i] = 0;
      }
      for (int64_t k = 1; k < dim; ++k) {
        const T* row = base + k * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const C v = static_cast<C>(row[i]);
          if (arg_better<kMax, C>(v, best[i]) || (last && !arg_better<kMax, C>(best[i], v))) {
            best[i] = v;
            oi[i] = k;
          }
        }
      }
    }
  });
  if (!typed) return ctx.fail("unsupported input type {}", dtype_name(x.dtype()));
  return {};
}

// ---- TopK ----

// k from the attribute (before opset 10) or from input 1; nullopt when the input value is unknown.
Result<std::optional<int64_t>> topk_k(const Node& node, int64_t opset, const Tensor* k_input) {
  int64_t k;
  if (opset < 10) {
    const Attribute* a = node.attr("k");
    if (!a) return error("{}: k attribute is required before opset 10", node.label());
    k = a->i;
  } else {
    if (!k_input) return std::optional<int64_t>();
    if (k_input->dtype() != DType::Int64) return error("{}: k must be int64, got {}", node.label(), dtype_name(k_input->dtype()));
    SZ0_ASSIGN(k, scalar_int(node, *k_input, "k"));
  }
  if (k < 0) return error("{}: k {} must not be negative", node.label(), k);
  return std::optional<int64_t>(k);
}

Status infer_topk(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 1));
  if (ctx.num_outputs() != 2) return ctx.fail("expects 2 outputs (values, indices), got {}", ctx.num_outputs());
  const TypeInfo& x = ctx.in(0);
  if (x.dtype == DType::String || x.dtype == DType::Bool)
    return ctx.fail("input type {} is not supported", dtype_name(x.dtype));
  if (ctx.opset >= 10 && !ctx.has_input(1)) return ctx.fail("input k is required");
  SZ0_ASSIGN(auto k, topk_k(ctx.node, ctx.opset, ctx.opset >= 10 ? ctx.value(1) : nullptr));
  ctx.out(0).dtype = x.dtype;
  ctx.out(1).dtype = DType::Int64;
  if (!x.has_rank()) return {};
  if (x.rank() < 1) return ctx.fail("input must have rank >= 1");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", -1), x.rank()));
  const Dim& d = (*x.shape)[axis];
  if (k && d.known() && *k > d.value) return ctx.fail("k {} exceeds axis size {}", *k, d.value);
  std::vector<Dim> s = *x.shape;
  s[axis] = k ? Dim(*k) : Dim();
  ctx.out(0).shape = s;
  ctx.out(1).shape = s;
  return {};
}

Status run_topk(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (x.rank() < 1) return ctx.fail("input must have rank >= 1");
  SZ0_ASSIGN(auto kk, topk_k(ctx.node(), ctx.opset(), ctx.opset() >= 10 ? ctx.input(1) : nullptr));
  if (!kk) return ctx.fail("input k is required");
  const int64_t k = *kk;
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", -1), x.rank()));
  const bool largest = ctx.node().attr_int("largest", 1) != 0;
  const int64_t dim = x.dim(static_cast<int>(axis));
  if (k > dim) return ctx.fail("k {} exceeds axis size {}", k, dim);
  Shape shape = x.shape();
  shape[axis] = k;
  Tensor& values = ctx.output(0, x.dtype(), shape);
  Tensor& indices = ctx.output(1, DType::Int64, shape);
  const int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.shape().size());
  if (k == 0 || outer * inner == 0) return {};
  // Results come out sorted whatever `sorted` says: any order is allowed when it is 0.
  bool typed = visit_dtype(x.dtype(), [&]<class T>() {
    using C = compute_t<T>;
    const T* p = x.data<T>();
    T* ov = values.data<T>();
    int64_t* oi = indices.data<int64_t>();
    kernels::parallel_for(outer * inner, ctx.threads(), [&](int64_t lo, int64_t hi) {
      std::vector<C> line(dim);
      std::vector<int64_t> order(dim);
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t a = t / inner, i = t % inner;
        const T* src = p + a * dim * inner + i;
        for (int64_t j = 0; j < dim; ++j) line[j] = static_cast<C>(src[j * inner]);
        std::iota(order.begin(), order.end(), int64_t{0});
        auto before = [&](int64_t u, int64_t v) {
          const bool ub = largest ? greater_nan_max<C>(line[u], line[v]) : greater_nan_max<C>(line[v], line[u]);
          const bool vb = largest ? greater_nan_max<C>(line[v], line[u]) : greater_nan_max<C>(line[u], line[v]);
          return ub || (!vb && u < v);
        };
        std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
        for (int64_t j = 0; j < k; ++j) {
          const int64_t off = (a * k + j) * inner + i;
          ov[off] = src[order[j] * inner];
          oi[off] = order[j];
        }
      }
    });
  });
  if (!typed) return ctx.fail("unsupported input type {}", dtype_name(x.dtype()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "ArgMax", .since = 1, .infer = infer_arg, .compute = run_arg<true>);
SZ0_REGISTER_OP(.op_type = "ArgMin", .since = 1, .infer = infer_arg, .compute = run_arg<false>);
SZ0_REGISTER_OP(.op_type = "TopK", .since = 1, .infer = infer_topk, .compute = run_topk);

}  // namespace
}  // namespace sz0::ops

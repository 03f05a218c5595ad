// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at `axis`
// (default 1) and normalized over the flattened trailing dims; from 13 on, over the one `axis`
// (default -1). Float32 Softmax and LogSoftmax run through the SIMD kernel table; the halves,
// double and Hardmax through normalize_block.
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

enum class Mode { Softmax, LogSoftmax, Hardmax };

// The input seen as [outer, n, inner], normalized over n.
struct Layout {
  int64_t outer = 1, n = 1, inner = 1;
};

Result<Layout> layout(const Node& node, int64_t opset, const std::vector<Dim>& dims) {
  const int64_t r = static_cast<int64_t>(dims.size());
  auto prod = [&](int64_t b, int64_t e) {
    int64_t p = 1;
    for (int64_t i = b; i < e; ++i) p = dims[i].known() && p >= 0 ? p * dims[i].value : -1;
    return p;
  };
  Layout l;
  if (opset < 13) {
    int64_t axis = node.attr_int("axis", 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) return error("{}: axis {} out of range for rank {}", node.label(), node.attr_int("axis", 1), r);
    l.outer = prod(0, axis);
    l.n = prod(axis, r);
  } else {
    SZ0_ASSIGN(int64_t axis, normalize_axis(node, node.attr_int("axis", -1), r));
    if (r == 0) return l;  // a scalar is its own row
    l.outer = prod(0, axis);
    l.n = prod(axis, axis + 1);
    l.inner = prod(axis + 1, r);
  }
  return l;
}

Status infer_softmax(InferContext& ctx) {
  SZ0_TRY(infer_unary(ctx, kFloatTypes));
  if (ctx.in(0).has_rank()) SZ0_TRY(layout(ctx.node, ctx.opset, *ctx.in(0).shape).status());
  return {};
}

template <class C>
inline C exp_c(C x) {
  if constexpr (std::is_same_v<C, float>) return vexp(x);
  else return std::exp(x);
}

// One [n, inner] block. mx/sm/arg: scratch of `inner` elements.
template <class T>
void normalize_block(const T* x, T* y, int64_t n, int64_t inner, Mode mode, compute_t<T>* mx, compute_t<T>* sm,
                     int64_t* arg) {
  using C = compute_t<T>;
  constexpr bool kStoreExp = std::is_same_v<T, C>;  // y can hold exp(x - max) at full precision
  for (int64_t j = 0; j < inner; ++j) {
    mx[j] = static_cast<C>(x[j]);
    arg[j] = 0;
  }
  for (int64_t k = 1; k < n; ++k) {
    const T* xr = x + k * inner;
    for (int64_t j = 0; j < inner; ++j) {
      const C v = static_cast<C>(xr[j]);
      if (v > mx[j]) {
        mx[j] = v;
        arg[j] = k;
      }
    }
  }
  if (mode == Mode::Hardmax) {
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) y[k * inner + j] = to_out<T>(arg[j] == k ? C(1) : C(0));
    return;
  }
  for (int64_t j = 0; j < inner; ++j) sm[j] = 0;
  for (int64_t k = 0; k < n; ++k) {
    const T* xr = x + k * inner;
    T* yr = y + k * inner;
    if constexpr (kStoreExp) {
      for (int64_t j = 0; j < inner; ++j) yr[j] = exp_c(xr[j] - mx[j]);
      for (int64_t j = 0; j < inner; ++j) sm[j] += yr[j];
    } else {
      for (int64_t j = 0; j < inner; ++j) sm[j] += exp_c(static_cast<C>(xr[j]) - mx[j]);
    }
  }
  if (mode == Mode::LogSoftmax) {
    for (int64_t j = 0; j < inner; ++j) sm[j] = std::log(sm[j]);
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) y[k * inner + j] = to_out<T>((static_cast<C>(x[k * inner + j]) - mx[j]) - sm[j]);
    return;
  }
  for (int64_t j = 0; j < inner; ++j) sm[j] = C(1) / sm[j];
  for (int64_t k = 0; k < n; ++k) {
    T* yr = y + k * inner;
    if constexpr (kStoreExp) {
      for (int64_t j = 0; j < inner; ++j) yr[j] = yr[j] * sm[j];
    } else {
      const T* xr = x + k * inner;
      for (int64_t j = 0; j < inner; ++j) yr[j] = to_out<T>(exp_c(static_cast<C>(xr[j]) - mx[j]) * sm[j]);
    }
  }
}

// Float32 Softmax / LogSoftmax through the SIMD table: rows when the axis is the last (or, before
// opset 13, the flattened trailing dims), [n, inner] blocks otherwise.
void normalize_f32(const float* x, float* y, const Layout& l, bool log, int threads) {
  const kernels::SimdF32Kernels& k = kernels::simd_f32();
  const int64_t block = l.n * l.inner;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(block, 1));
  if (l.inner == 1) {
    kernels::parallel_for(
        l.outer, threads, [&](int64_t b, int64_t e) { k.softmax_rows(x + b * l.n, y + b * l.n, e - b, l.n, log); }, grain);
    return;
  }
  kernels::parallel_for(
      l.outer, threads,
      [&](int64_t b, int64_t e) {
        std::vector<float> scratch(static_cast<size_t>(2 * l.inner));
        for (int64_t o = b; o < e; ++o) k.softmax_strided(x + o * block, y + o * block, l.n, l.inner, log, scratch.data());
      },
      grain);
}

Status run_normalize(KernelContext& ctx, Mode mode) {
  const Tensor& x = ctx.in(0);
  SZ0_ASSIGN(Layout l, layout(ctx.node(), ctx.opset(), TypeInfo::of(x).shape.value()));
  Tensor& y = ctx.output_for_overwrite(0);
  if (x.numel() == 0) return {};
  if (x.dtype() == DType::Float && mode != Mode::Hardmax) {
    normalize_f32(x.data<float>(), y.data<float>(), l, mode == Mode::LogSoftmax, ctx.threads());
    return {};
  }
  const int64_t block = l.n * l.inner;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(block, 1));
  bool done = false;
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kFloatTypes)) {
      using C = compute_t<T>;
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      kernels::parallel_for(
          l.outer, ctx.threads(),
          [&](int64_t b, int64_t e) {
            std::vector<C> mx(l.inner), sm(l.inner);
            std::vector<int64_t> arg(l.inner);
            for (int64_t o = b; o < e; ++o)
              normalize_block(xp + o * block, yp + o * block, l.n, l.inner, mode, mx.data(), sm.data(), arg.data());
          },
          grain);
      done = true;
    }
  });
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  return {};
}

Status run_softmax(KernelContext& ctx) { return run_normalize(ctx, Mode::Softmax); }
Status run_log_softmax(KernelContext& ctx) { return run_normalize(ctx, Mode::LogSoftmax); }
Status run_hardmax(KernelContext& ctx) { return run_normalize(ctx, Mode::Hardmax); }

SZ0_REGISTER_OP(.op_type = "Softmax", .since = 1, .infer = infer_softmax, .compute = run_softmax);
SZ0_REGISTER_OP(.op_type = "LogSoftmax", .since = 1, .infer = infer_softmax, .compute = run_log_softmax);
SZ0_REGISTER_OP(.op_type = "Hardmax", .since = 1, .infer = infer_softmax, .compute = run_hardmax);

}  // namespace
}  // namespace sz0::ops::math

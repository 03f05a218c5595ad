// The Reduce* operators: one engine over [outer, reduced, inner] blocks, one policy per op.
#include "kernels/parallel.h"
#include "kernels/simd_f32.h"
#include "ops/op.h"
#include "ops/reduce/convert.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace sz0::ops {
namespace {

using namespace reduce_detail;

enum class Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// ---------------------------------------------------------------------------------------------
// Which axes a node reduces.

// Axes come from input 1 when the node has it (ReduceSum from opset 13, all reductions from 18),
// otherwise from the `axes` attribute. Either form is accepted at every opset so that models
// written for newer opsets still load.
struct AxesSource {
  bool known = true;                 // false: the axes input's value is not known yet
  std::vector<int64_t> axes;         // as written (possibly negative)
};

Result<AxesSource> axes_source(const Node& node, bool has_axes_input, const Tensor* axes_value, DType axes_dtype) {
  AxesSource s;
  if (has_axes_input) {
    if (axes_dtype != DType::Undefined && axes_dtype != DType::Int64 && axes_dtype != DType::Int32)
      return error("{}: axes must be int64, got {}", node.label(), dtype_name(axes_dtype));
    if (!axes_value) {
      s.known = false;
      return s;
    }
    if (axes_value->rank() > 1) return error("{}: axes must be a 1-D tensor, got rank {}", node.label(), axes_value->rank());
    s.axes = axes_value->to_int64();
    return s;
  }
  s.axes = node.attr_ints("axes");
  return s;
}

// One flag per input dim: true where the dim is reduced.
Result<std::vector<bool>> reduced_flags(const Node& node, const std::vector<int64_t>& axes, int64_t rank) {
  const bool noop = node.attr_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> red(static_cast<size_t>(rank), false);
  if (axes.empty()) {
    if (!noop) red.assign(static_cast<size_t>(rank), true);
    return red;
  }
  for (int64_t a : axes)
    if (a < -rank || a >= rank) {
      if (rank == 0 && (a == 0 || a == -1)) continue;  // a scalar has nothing to reduce
      return error("{}: axis {} out of range for rank {}", node.label(), a, rank);
    }
  if (rank == 0) return red;
  SZ0_ASSIGN(std::vector<int64_t> norm, normalize_axes(node, axes, rank));
  for (int64_t a : norm) red[static_cast<size_t>(a)] = true;
  return red;
}

bool dtype_allowed(Kind k, DType t) {
  if (t == DType::String || t == DType::Undefined) return false;
  if (t == DType::Bool) return k == Kind::Max || k == Kind::Min;
  return true;
}

template <Kind K>
Status infer_reduce(InferContext& ctx) {
  if (ctx.num_inputs() < 1 || !ctx.has_input(0)) return ctx.fail("expects a data input");
  if (ctx.num_inputs() > 2) return ctx.fail("expects at most 2 inputs, got {}", ctx.num_inputs());
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_allowed(K, x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  const bool keepdims = ctx.node.attr_int("keepdims", 1) != 0;
  const bool has_axes_input = ctx.has_input(1);
  SZ0_ASSIGN(AxesSource src, axes_source(ctx.node, has_axes_input, ctx.value(1),
                                         has_axes_input ? ctx.in(1).dtype : DType::Undefined));
  if (!x.has_rank()) return {};
  const auto& in = *x.shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  if (!src.known) {
    // Which dims go is unknown: with keepdims the rank stays (and size-1 dims stay 1).
    if (keepdims) {
      std::vector<Dim> dims;
      for (const Dim& d : in) dims.push_back(d.known() && d.value == 1 ? Dim(1) : Dim());
      y.shape = dims;
      return {};
    }
    const TypeInfo& a = ctx.in(1);
    if (a.rank() == 1 && (*a.shape)[0].known()) {
      const int64_t k = (*a.shape)[0].value;
      if (k == 0) {
        if (ctx.node.attr_int("noop_with_empty_axes", 0) != 0) y.shape = in;
        else y.shape = std::vector<Dim>{};
      } else if (k <= rank) {
        y.shape = std::vector<Dim>(static_cast<size_t>(rank - k), Dim());
      } else {
        return ctx.fail("{} axes for rank {}", k, rank);
      }
    }
    return {};
  }
  SZ0_ASSIGN(std::vector<bool> red, reduced_flags(ctx.node, src.axes, rank));
  std::vector<Dim> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (!red[static_cast<size_t>(i)]) dims.push_back(in[static_cast<size_t>(i)]);
    else if (keepdims) dims.push_back(Dim(1));
  }
  y.shape = std::move(dims);
  return {};
}

// ---------------------------------------------------------------------------------------------
// The iteration plan: input dims coalesced into kept and reduced groups.

struct Plan {
  std::vector<int64_t> outer_sizes, outer_strides;  // kept groups before the trailing one
  std::vector<int64_t> red_sizes, red_strides;      // reduced groups
  int64_t inner = 1;                                // trailing kept extent (stride 1)
  int64_t n_outer = 1, n_red = 1;
};

Plan make_plan(const Shape& shape, const std::vector<bool>& red) {
  struct Group { int64_t size, stride; bool red; };
  std::vector<Group> groups;
  const Shape strides = shape_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;  // size-1 dims neither move data nor split groups
    if (!groups.empty() && groups.back().red == red[i]) {
      groups.back().size *= shape[i];
      groups.back().stride = strides[i];
    } else {
      groups.push_back({shape[i], strides[i], red[i]});
    }
  }
  Plan p;
  if (!groups.empty() && !groups.back().red) {
    p.inner = groups.back().size;
    groups.pop_back();
  }
  for (const Group& g : groups) {
    if (g.red) {
      p.red_sizes.push_back(g.size);
      p.red_strides.push_back(g.stride);
      p.n_red *= g.size;
    } else {
      p.outer_sizes.push_back(g.size);
      p.outer_strides.push_back(g.stride);
      p.n_outer *= g.size;
    }
  }
  return p;
}

int64_t outer_offset(const Plan& p, int64_t o) {
  int64_t off = 0;
  for (size_t d = p.outer_sizes.size(); d-- > 0;) {
    off += (o % p.outer_sizes[d]) * p.outer_strides[d];
    o /= p.outer_sizes[d];
  }
  return off;
}

// acc[i] = step(acc[i], x[base + r + i]) for every reduced offset r and i < len.
template <class T, class Acc, class Step>
void accumulate(const T* x, const Plan& p, int64_t base, int64_t len, Acc* acc, std::vector<int64_t>& idx, Step step) {
  if (p.red_sizes.empty()) {
    for (int64_t i = 0; i < len; ++i) acc[i] = step(acc[i], x[base + i]);
    return;
  }
  const size_t k = p.red_sizes.size();
  const int64_t last_n = p.red_sizes[k - 1], last_s = p.red_strides[k - 1];
  idx.assign(k, 0);
  int64_t roff = 0;
  while (true) {
    const T* row = x + base + roff;
    if (len == 1) {
      Acc a = acc[0];
      for (int64_t j = 0; j < last_n; ++j) a = step(a, row[j * last_s]);
      acc[0] = a;
    } else {
      for (int64_t j = 0; j < last_n; ++j) {
        const T* r = row + j * last_s;
        for (int64_t i = 0; i < len; ++i) acc[i] = step(acc[i], r[i]);
      }
    }
    // Odometer over the outer reduced groups.
    size_t d = k - 1;
    while (d > 0) {
      --d;
      roff += p.red_strides[d];
      if (++idx[d] < p.red_sizes[d]) break;
      roff -= p.red_sizes[d] * p.red_strides[d];
      idx[d] = 0;
      if (d == 0) return;
    }
    if (k == 1) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Per-op arithmetic.

// Accumulator type: double for floating types and for ops whose result is not an integer
// (mean, L2, logs); 64-bit wrap-around integers for exact integer sums and products, so the
// result matches the input type's modular arithmetic.
template <class T, Kind K>
struct AccOf {
  using type = std::conditional_t<
      is_floaty<T> || K == Kind::Mean || K == Kind::L2 || K == Kind::LogSum || K == Kind::LogSumExp, double,
      std::conditional_t<(K == Kind::Max || K == Kind::Min) && std::is_signed_v<T>, int64_t, uint64_t>>;
};

template <class T, Kind K>
struct Policy {
  using Acc = typename AccOf<T, K>::type;
  static constexpr bool kFloatAcc = std::is_same_v<Acc, double>;

  static Acc init() {
    if constexpr (K == Kind::Prod) return Acc(1);
    if constexpr (K == Kind::Max) {
      if constexpr (kFloatAcc) return -std::numeric_limits<double>::infinity();
      else return static_cast<Acc>(std::numeric_limits<T>::lowest());
    }
    if constexpr (K == Kind::Min) {
      if constexpr (kFloatAcc) return std::numeric_limits<double>::infinity();
      else return static_cast<Acc>(std::numeric_limits<T>::max());
    }
    return Acc(0);
  }

  static Acc load(T v) {
    if constexpr (kFloatAcc) return to_double(v);
    else if constexpr (std::is_same_v<Acc, uint64_t>) return static_cast<uint64_t>(static_cast<int64_t>(v));
    else return static_cast<Acc>(v);
  }

  static Acc step(Acc a, T raw) {
    const Acc v = load(raw);
    if constexpr (K == Kind::Sum || K == Kind::Mean || K == Kind::LogSum) return a + v;
    if constexpr (K == Kind::Prod) return a * v;
    if constexpr (K == Kind::SumSquare || K == Kind::L2) return a + v * v;
    if constexpr (K == Kind::L1) {
      if constexpr (kFloatAcc) return a + std::fabs(v);
      else if constexpr (std::is_signed_v<T>) return a + (static_cast<int64_t>(v) < 0 ? uint64_t(0) - v : v);
      else return a + v;
    }
    if constexpr (K == Kind::Max) {
      if constexpr (kFloatAcc) return (v > a || v != v) ? v : a;  // NaN wins
      else return v > a ? v : a;
    }
    if constexpr (K == Kind::Min) {
      if constexpr (kFloatAcc) return (v < a || v != v) ? v : a;
      else return v < a ? v : a;
    }
    return a;  // LogSumExp runs its own passes
  }

  static T finish(Acc a, int64_t n) {
    if constexpr (K == Kind::Mean) return from_double<T>(a / static_cast<double>(n));
    else if constexpr (K == Kind::L2) return from_double<T>(std::sqrt(a));
    else if constexpr (K == Kind::LogSum) return from_double<T>(std::log(a));
    else if constexpr (kFloatAcc) return from_double<T>(a);
    else if constexpr (std::is_same_v<T, bool>) return a != 0;
    else return static_cast<T>(a);  // modular narrowing
  }
};

// ---------------------------------------------------------------------------------------------
// The kernel.

struct LseAcc {
  double shift, sum;
};

// The SIMD table's reduction behind a float32 Kind, if it has one: the op's accumulation is that
// reduction, and Policy::finish turns its (double) total into the result.
constexpr bool simd_reduction(Kind k, kernels::ReduceF32& op) {
  switch (k) {
    case Kind::Sum: case Kind::Mean: case Kind::LogSum: op = kernels::ReduceF32::Sum; return true;
    case Kind::SumSquare: case Kind::L2: op = kernels::ReduceF32::SumSquare; return true;
    case Kind::L1: op = kernels::ReduceF32::SumAbs; return true;
    case Kind::Max: op = kernels::ReduceF32::Max; return true;
    case Kind::Min: op = kernels::ReduceF32::Min; return true;
    default: return false;
  }
}

// Float32 reductions whose reduced dims form one group: contiguous rows (nothing kept after the
// group) or [reduced, inner] blocks. Returns false for other layouts.
template <Kind K>
bool reduce_f32(const float* x, const Plan& p, float* y, int threads) {
  using P = Policy<float, K>;
  kernels::ReduceF32 op{};
  if (!simd_reduction(K, op) || p.red_sizes.size() != 1) return false;
  const kernels::SimdF32Kernels& k = kernels::simd_f32();
  const int64_t n = p.n_red;
  if (p.inner == 1) {
    if (p.red_strides[0] != 1) return false;
    kernels::parallel_for(p.n_outer, threads, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) y[o] = P::finish(k.reduce_row(op, x + outer_offset(p, o), n), n);
    }, std::max<int64_t>(1, (int64_t{1} << 15) / n));
    return true;
  }
  if (p.red_strides[0] != p.inner) return false;
  const bool is_sum = op != kernels::ReduceF32::Max && op != kernels::ReduceF32::Min;
  const int64_t chunk = std::min<int64_t>(p.inner, 1024);
  const int64_t n_chunks = (p.inner + chunk - 1) / chunk;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / (n * chunk));
  kernels::parallel_for(p.n_outer * n_chunks, threads, [&](int64_t b, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(chunk));
    for (int64_t u = b; u < e; ++u) {
      const int64_t o = u / n_chunks, i0 = (u % n_chunks) * chunk;
      const int64_t len = std::min(chunk, p.inner - i0);
      const float* src = x + outer_offset(p, o) + i0;
      float* dst = y + o * p.inner + i0;
      // Sums start from 0; Max and Min from the first row.
      if (is_sum) std::fill(acc.begin(), acc.begin() + len, 0.0);
      else std::copy(src, src + len, acc.begin());
      const int64_t first = is_sum ? 0 : 1;
      k.reduce_cols(op, src + first * p.inner, n - first, p.inner, len, acc.data());
      for (int64_t i = 0; i < len; ++i) dst[i] = P::finish(acc[static_cast<size_t>(i)], n);
    }
  }, grain);
  return true;
}

template <class T, Kind K>
void reduce_typed(const Tensor& xt, const std::vector<bool>& red, Tensor& yt, int threads) {
  using P = Policy<T, K>;
  using Acc = typename P::Acc;
  const T* x = xt.data<T>();
  T* y = yt.data<T>();
  const Plan p = make_plan(xt.shape(), red);
  if (xt.numel() == 0) {
    // Reducing an empty set gives the identity (sum 0, prod 1, max -inf, logsum -inf, mean NaN).
    int64_t n = 1;
    for (size_t i = 0; i < red.size(); ++i)
      if (red[i]) n *= xt.shape()[i];
    T v;
    if constexpr (K == Kind::LogSumExp) v = from_double<T>(-std::numeric_limits<double>::infinity());
    else v = P::finish(P::init(), n);
    for (int64_t i = 0; i < yt.numel(); ++i) y[i] = v;
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (reduce_f32<K>(x, p, y, threads)) return;
  }
  const int64_t chunk = std::min<int64_t>(p.inner, 1024);
  const int64_t n_chunks = (p.inner + chunk - 1) / chunk;
  const int64_t units = p.n_outer * n_chunks;
  const int64_t work = std::max<int64_t>(1, p.n_red * chunk);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / work);
  kernels::parallel_for(units, threads, [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(static_cast<size_t>(chunk));
    std::vector<LseAcc> lse;
    std::vector<int64_t> idx;
    for (int64_t u = b; u < e; ++u) {
      const int64_t o = u / n_chunks, i0 = (u % n_chunks) * chunk;
      const int64_t len = std::min(chunk, p.inner - i0);
      const int64_t base = outer_offset(p, o) + i0;
      T* dst = y + o * p.inner + i0;
      if constexpr (K == Kind::LogSumExp) {
        // m + log(sum(exp(x - m))) with m the maximum, so exp never overflows. Each lane carries
        // its own shift inside the accumulator.
        std::fill(acc.begin(), acc.begin() + len, -std::numeric_limits<double>::infinity());
        accumulate(x, p, base, len, acc.data(), idx, [](double a, T raw) {
          const double v = to_double(raw);
          return (v > a || v != v) ? v : a;
        });
        lse.resize(static_cast<size_t>(len));
        for (int64_t i = 0; i < len; ++i) {
          const double m = acc[static_cast<size_t>(i)];
          lse[static_cast<size_t>(i)] = {std::isinf(m) ? 0.0 : m, 0.0};  // +-inf need no shift
        }
        accumulate(x, p, base, len, lse.data(), idx, [](LseAcc a, T v) {
          return LseAcc{a.shift, a.sum + std::exp(to_double(v) - a.shift)};
        });
        for (int64_t i = 0; i < len; ++i) {
          const LseAcc& a = lse[static_cast<size_t>(i)];
          dst[i] = from_double<T>(a.shift + std::log(a.sum));
        }
      } else {
        std::fill(acc.begin(), acc.begin() + len, P::init());
        accumulate(x, p, base, len, acc.data(), idx, P::step);
        for (int64_t i = 0; i < len; ++i) dst[i] = P::finish(acc[static_cast<size_t>(i)], p.n_red);
      }
    }
  }, grain);
}

template <Kind K>
Status run_reduce(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_allowed(K, x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  const Tensor* axes_t = ctx.input(1);
  SZ0_ASSIGN(AxesSource src, axes_source(ctx.node(), axes_t != nullptr, axes_t, axes_t ? axes_t->dtype() : DType::Undefined));
  SZ0_ASSIGN(std::vector<bool> red, reduced_flags(ctx.node(), src.axes, x.rank()));
  const bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  Shape out;
  for (int i = 0; i < x.rank(); ++i) {
    if (!red[static_cast<size_t>(i)]) out.push_back(x.dim(i));
    else if (keepdims) out.push_back(1);
  }
  Tensor& y = ctx.output(0, x.dtype(), out);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, bool> && K != Kind::Max && K != Kind::Min) return;
    else reduce_typed<T, K>(x, red, y, ctx.threads());
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "ReduceSum", .since = 1, .infer = infer_reduce<Kind::Sum>, .compute = run_reduce<Kind::Sum>);
SZ0_REGISTER_OP(.op_type = "ReduceMean", .since = 1, .infer = infer_reduce<Kind::Mean>, .compute = run_reduce<Kind::Mean>);
SZ0_REGISTER_OP(.op_type = "ReduceMax", .since = 1, .infer = infer_reduce<Kind::Max>, .compute = run_reduce<Kind::Max>);
SZ0_REGISTER_OP(.op_type = "ReduceMin", .since = 1, .infer = infer_reduce<Kind::Min>, .compute = run_reduce<Kind::Min>);
SZ0_REGISTER_OP(.op_type = "ReduceProd", .since = 1, .infer = infer_reduce<Kind::Prod>, .compute = run_reduce<Kind::Prod>);
SZ0_REGISTER_OP(.op_type = "ReduceL1", .since = 1, .infer = infer_reduce<Kind::L1>, .compute = run_reduce<Kind::L1>);
SZ0_REGISTER_OP(.op_type = "ReduceL2", .since = 1, .infer = infer_reduce<Kind::L2>, .compute = run_reduce<Kind::L2>);
SZ0_REGISTER_OP(.op_type = "ReduceLogSum", .since = 1, .infer = infer_reduce<Kind::LogSum>, .compute = run_reduce<Kind::LogSum>);
SZ0_REGISTER_OP(.op_type = "ReduceLogSumExp", .since = 1, .infer = infer_reduce<Kind::LogSumExp>, .compute = run_reduce<Kind::LogSumExp>);
SZ0_REGISTER_OP(.op_type = "ReduceSumSquare", .since = 1, .infer = infer_reduce<Kind::SumSquare>, .compute = run_reduce<Kind::SumSquare>);

}  // namespace
}  // namespace sz0::ops

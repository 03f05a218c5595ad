// MaxPool, AveragePool, LpPool and their Global forms.
#include "kernels/parallel.h"
#include "ops/nn/nn_util.h"

#include <cmath>
#include <limits>

namespace sz0::ops::nn {
namespace {

enum class PoolKind { Max, Average, Lp };

bool pool_dtype_ok(PoolKind kind, DType t) {
  if (dtype_is_float(t)) return true;
  return kind == PoolKind::Max && (t == DType::Int8 || t == DType::UInt8);
}

Result<WindowGeom> pool_geom(const Node& node, PoolKind kind, int nd) {
  if (!node.has_attr("kernel_shape")) return error("{}: kernel_shape is required", node.label());
  auto kernel = node.attr_ints("kernel_shape");
  if (static_cast<int>(kernel.size()) != nd)
    return error("{}: kernel_shape has {} values, expected {} for the input rank", node.label(), kernel.size(), nd);
  return parse_window(node, kernel, /*with_ceil=*/true);
}

template <PoolKind K>
Status infer_pool(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !pool_dtype_ok(K, x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  if (ctx.num_outputs() > 1) {
    if (K != PoolKind::Max) return ctx.fail("has one output only");
    ctx.out(1).dtype = DType::Int64;
  }
  if (!x.has_rank()) {
    if (!ctx.node.has_attr("kernel_shape")) return ctx.fail("kernel_shape is required");
    return {};
  }
  if (x.rank() < 3) return ctx.fail("input rank {} too small, expected at least 3", x.rank());
  const int nd = x.rank() - 2;
  SZ0_ASSIGN(WindowGeom g, pool_geom(ctx.node, K, nd));
  if (K == PoolKind::Max && ctx.node.attr_int("storage_order", 0) != 0 && ctx.node.attr_int("storage_order", 0) != 1)
    return ctx.fail("storage_order must be 0 or 1");
  SZ0_ASSIGN(auto sp, window_out_dims(ctx.node, g, std::span<const Dim>(*x.shape).subspan(2)));
  std::vector<Dim> dims = {(*x.shape)[0], (*x.shape)[1]};
  dims.insert(dims.end(), sp.begin(), sp.end());
  y.shape = dims;
  if (ctx.num_outputs() > 1) ctx.out(1).shape = dims;
  return {};
}

struct PoolPlan {
  WindowGeom g;
  Shape in_sp, out_sp;
  int64_t planes = 0, in_size = 1, out_size = 1;
  std::vector<std::vector<std::vector<int64_t>>> valid;  // [axis][out coord] -> input coords in the window
  std::vector<std::vector<int64_t>> padded_count;        // [axis][out coord] -> window taps inside the pads
  Shape row_strides, col_strides;
};

Result<PoolPlan> plan_pool(const KernelContext& ctx, PoolKind kind) {
  const Tensor& x = ctx.in(0);
  if (x.rank() < 3) return ctx.fail("input rank {} too small, expected at least 3", x.rank());
  const int nd = x.rank() - 2;
  PoolPlan p;
  SZ0_ASSIGN(p.g, pool_geom(ctx.node(), kind, nd));
  p.in_sp.assign(x.shape().begin() + 2, x.shape().end());
  SZ0_ASSIGN(p.out_sp, window_out_shape(ctx.node(), p.g, p.in_sp));
  p.planes = x.dim(0) * x.dim(1);
  p.in_size = shape_numel(p.in_sp);
  p.out_size = shape_numel(p.out_sp);
  p.valid.resize(nd);
  p.padded_count.resize(nd);
  p.row_strides = shape_strides(p.in_sp);
  p.col_strides.assign(nd, 1);
  for (int d = 1; d < nd; ++d) p.col_strides[d] = p.col_strides[d - 1] * p.in_sp[d - 1];
  for (int d = 0; d < nd; ++d) {
    const int64_t in = p.in_sp[d], s = p.g.strides[d], dil = p.g.dilations[d];
    const int64_t pb = p.g.pads[d], pe = p.g.pads[d + nd];
    p.valid[d].resize(p.out_sp[d]);
    p.padded_count[d].resize(p.out_sp[d]);
    for (int64_t o = 0; o < p.out_sp[d]; ++o) {
      const int64_t start = o * s - pb;
      for (int64_t k = 0; k < p.g.kernel[d]; ++k) {
        const int64_t i = start + k * dil;
        if (i >= 0 && i < in) p.valid[d][o].push_back(i);
        if (i < in + pe) ++p.padded_count[d][o];
      }
    }
  }
  return p;
}

// Calls f(out_index, offsets, col_offsets) for every output position of one plane; offsets are
// the window's row-major input offsets (col-major too when `want_col`), in row-major order.
template <class F>
void for_each_window(const PoolPlan& p, bool want_col, F&& f) {
  const int nd = p.g.nd;
  std::vector<int64_t> oc(nd, 0), offs, coffs, tmp, ctmp;
  for (int64_t oi = 0; oi < p.out_size; ++oi) {
    offs.assign(1, 0);
    if (want_col) coffs.assign(1, 0);
    for (int d = 0; d < nd; ++d) {
      const auto& v = p.valid[d][oc[d]];
      tmp.clear();
      ctmp.clear();
      for (size_t j = 0; j < offs.size(); ++j)
        for (int64_t i : v) {
          tmp.push_back(offs[j] + i * p.row_strides[d]);
          if (want_col) ctmp.push_back(coffs[j] + i * p.col_strides[d]);
        }
      offs.swap(tmp);
      if (want_col) coffs.swap(ctmp);
    }
    f(oi, oc, offs, coffs);
    for (int d = nd - 1; d >= 0; --d) {
      if (++oc[d] < p.out_sp[d]) break;
      oc[d] = 0;
    }
  }
}

// 2-D without indices, the common case (a CNN stem's 3x3 stride-2 pool): the window's valid rows
// and columns come from the plan, so no per-output offset lists are built.
template <class T>
void max_pool_2d(const PoolPlan& p, const T* x, T* y, int threads) {
  using C = compute_t<T>;
  const int64_t oh = p.out_sp[0], ow = p.out_sp[1], iw = p.in_sp[1];
  kernels::parallel_for(p.planes, threads, [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* xp = x + plane * p.in_size;
      T* yp = y + plane * p.out_size;
      for (int64_t r = 0; r < oh; ++r) {
        const auto& rows = p.valid[0][r];
        for (int64_t c = 0; c < ow; ++c) {
          const auto& cols = p.valid[1][c];
          C best = std::numeric_limits<C>::lowest();
          if constexpr (std::is_floating_point_v<C>) best = -std::numeric_limits<C>::infinity();
          for (int64_t i : rows) {
            const T* row = xp + i * iw;
            for (int64_t j : cols) {
              const C v = static_cast<C>(row[j]);
              best = v > best ? v : best;
            }
          }
          yp[r * ow + c] = static_cast<T>(best);
        }
      }
    }
  }, 1);
}

template <class T>
void max_pool(const PoolPlan& p, const T* x, T* y, int64_t* ind, bool col_major, int threads) {
  using C = compute_t<T>;
  if (p.g.nd == 2 && !ind) return max_pool_2d(p, x, y, threads);
  kernels::parallel_for(p.planes, threads, [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* xp = x + plane * p.in_size;
      T* yp = y + plane * p.out_size;
      int64_t* ip = ind ? ind + plane * p.out_size : nullptr;
      for_each_window(p, ind && col_major, [&](int64_t oi, const auto&, const auto& offs, const auto& coffs) {
        C best = std::numeric_limits<C>::lowest();
        if constexpr (std::is_floating_point_v<C>) best = -std::numeric_limits<C>::infinity();
        int64_t at = -1;
        for (size_t j = 0; j < offs.size(); ++j) {
          const C v = static_cast<C>(xp[offs[j]]);
          if (at < 0 || v > best) {
            best = v;
            at = static_cast<int64_t>(j);
          }
        }
        yp[oi] = static_cast<T>(best);
        if (ip) {
          const int64_t local = at < 0 ? 0 : (col_major ? coffs[at] : offs[at]);
          ip[oi] = plane * p.in_size + local;
        }
      });
    }
  }, 1);
}

template <class T>
void avg_lp_pool(const PoolPlan& p, PoolKind kind, bool include_pad, double lp, const T* x, T* y, int threads) {
  kernels::parallel_for(p.planes, threads, [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* xp = x + plane * p.in_size;
      T* yp = y + plane * p.out_size;
      for_each_window(p, false, [&](int64_t oi, const auto& oc, const auto& offs, const auto&) {
        double acc = 0;
        if (kind == PoolKind::Average) {
          for (int64_t off : offs) acc += static_cast<double>(xp[off]);
          double count = static_cast<double>(offs.size());
          if (include_pad) {
            count = 1;
            for (int d = 0; d < p.g.nd; ++d) count *= static_cast<double>(p.padded_count[d][oc[d]]);
          }
          yp[oi] = static_cast<T>(count > 0 ? acc / count : 0.0);
        } else if (lp == 2.0) {
          for (int64_t off : offs) {
            const double v = static_cast<double>(xp[off]);
            acc += v * v;
          }
          yp[oi] = static_cast<T>(std::sqrt(acc));
        } else {
          for (int64_t off : offs) acc += std::pow(std::fabs(static_cast<double>(xp[off])), lp);
          yp[oi] = static_cast<T>(std::pow(acc, 1.0 / lp));
        }
      });
    }
  }, 1);
}

// p of LpPool/GlobalLpPool: an int since opset 2, a float before.
double lp_order(const Node& node) {
  const Attribute* a = node.attr("p");
  if (!a) return 2.0;
  return a->kind == Attribute::Kind::Float ? static_cast<double>(a->f) : static_cast<double>(a->i);
}

template <PoolKind K>
Status run_pool(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!pool_dtype_ok(K, x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(PoolPlan p, plan_pool(ctx, K));
  Shape out_shape = {x.dim(0), x.dim(1)};
  out_shape.insert(out_shape.end(), p.out_sp.begin(), p.out_sp.end());
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  const int threads = ctx.threads();
  const bool include_pad = ctx.node().attr_int("count_include_pad", 0) != 0;
  const double lp = lp_order(ctx.node());
  if (K == PoolKind::Lp && lp <= 0) return ctx.fail("p must be positive, got {}", lp);
  int64_t* ind = nullptr;
  if (K == PoolKind::Max && ctx.output_wanted(1)) ind = ctx.output(1, DType::Int64, out_shape).data<int64_t>();
  const bool col_major = ctx.node().attr_int("storage_order", 0) == 1;
  visit_dtype(x.dtype(), [&]<class T>() {
    constexpr bool is_float = std::is_floating_point_v<compute_t<T>>;
    if constexpr (K == PoolKind::Max && (is_float || std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>))
      max_pool<T>(p, x.data<T>(), y.data<T>(), ind, col_major, threads);
    else if constexpr (K != PoolKind::Max && is_float)
      avg_lp_pool<T>(p, K, include_pad, lp, x.data<T>(), y.data<T>(), threads);
  });
  return {};
}

// Global pools: one value per (n, c) plane over every spatial position.
template <PoolKind K>
Status infer_global_pool(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  if (!x.has_rank()) return {};
  if (x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  std::vector<Dim> dims = {(*x.shape)[0], (*x.shape)[1]};
  dims.resize(x.rank(), Dim(1));
  y.shape = dims;
  return {};
}

template <PoolKind K>
Status run_global_pool(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_is_float(x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  Shape out_shape(x.rank(), 1);
  out_shape[0] = x.dim(0);
  out_shape[1] = x.dim(1);
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  const int64_t planes = x.dim(0) * x.dim(1);
  const int64_t size = planes == 0 ? 0 : x.numel() / planes;
  const double lp = lp_order(ctx.node());
  if (K == PoolKind::Lp && lp <= 0) return ctx.fail("p must be positive, got {}", lp);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      kernels::parallel_for(planes, ctx.threads(), [&](int64_t b, int64_t e) {
        for (int64_t pl = b; pl < e; ++pl) {
          const T* v = xp + pl * size;
          double acc = K == PoolKind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t i = 0;
          if constexpr (K == PoolKind::Average) {
            // Four running sums: one chain of dependent double adds would bound the loop.
            double a[4] = {0, 0, 0, 0};
            for (; i + 4 <= size; i += 4)
              for (int u = 0; u < 4; ++u) a[u] += static_cast<double>(v[i + u]);
            acc = (a[0] + a[1]) + (a[2] + a[3]);
          }
          for (; i < size; ++i) {
            const double xv = static_cast<double>(v[i]);
            if constexpr (K == PoolKind::Max) acc = std::isnan(xv) || xv > acc ? xv : acc;
            else if constexpr (K == PoolKind::Average) acc += xv;
            else acc += lp == 2.0 ? xv * xv : std::pow(std::fabs(xv), lp);
          }
          double r = acc;
          if constexpr (K == PoolKind::Average) r = size > 0 ? acc / static_cast<double>(size) : 0.0;
          if constexpr (K == PoolKind::Lp) r = lp == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / lp);
          yp[pl] = static_cast<T>(r);
        }
      });
    }
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "MaxPool", .since = 1, .infer = infer_pool<PoolKind::Max>, .compute = run_pool<PoolKind::Max>);
SZ0_REGISTER_OP(.op_type = "AveragePool", .since = 1, .infer = infer_pool<PoolKind::Average>,
                .compute = run_pool<PoolKind::Average>);
SZ0_REGISTER_OP(.op_type = "LpPool", .since = 1, .infer = infer_pool<PoolKind::Lp>, .compute = run_pool<PoolKind::Lp>);
SZ0_REGISTER_OP(.op_type = "GlobalMaxPool", .since = 1, .infer = infer_global_pool<PoolKind::Max>,
                .compute = run_global_pool<PoolKind::Max>);
SZ0_REGISTER_OP(.op_type = "GlobalAveragePool", .since = 1, .infer = infer_global_pool<PoolKind::Average>,
                .compute = run_global_pool<PoolKind::Average>);
SZ0_REGISTER_OP(.op_type = "GlobalLpPool", .since = 1, .infer = infer_global_pool<PoolKind::Lp>,
                .compute = run_global_pool<PoolKind::Lp>);

}  // namespace
}  // namespace sz0::ops::nn

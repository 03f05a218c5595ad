// BatchNormalization, InstanceNormalization, LayerNormalization and LRN.
#include "kernels/parallel.h"
#include "kernels/simd_f32.h"
#include "ops/nn/nn_util.h"

#include <cmath>
#include <utility>

namespace sz0::ops::nn {
namespace {

// ---------------------------------------------------------------- BatchNormalization

bool bn_training(const Node& node, int64_t opset) {
  if (opset >= 14) return node.attr_int("training_mode", 0) != 0;
  // Before opset 14 the optional statistics outputs select training mode.
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.has_output(i)) return true;
  return false;
}

Status infer_batch_norm(InferContext& ctx) {
  if (ctx.num_inputs() < 5) return ctx.fail("expects 5 inputs (X, scale, B, mean, var), got {}", ctx.num_inputs());
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (x.has_rank() && x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  const size_t max_out = ctx.opset >= 14 ? 3 : 5;
  if (ctx.num_outputs() > max_out) return ctx.fail("at most {} outputs at opset {}", max_out, ctx.opset);
  ctx.out(0) = x;
  if (ctx.num_outputs() > 1) {
    for (size_t i = 1; i < ctx.num_outputs(); ++i) {
      // Statistics follow the mean input's type (U from opset 14; X's type before).
      const TypeInfo& m = ctx.in(i % 2 == 1 ? 3 : 4);
      TypeInfo& o = ctx.out(i);
      o.dtype = ctx.opset >= 14 ? m.dtype : x.dtype;
      if (m.has_rank()) o.shape = m.shape;
      else if (x.has_rank()) o.shape = std::vector<Dim>{(*x.shape)[1]};
    }
  }
  return {};
}

template <class T>
void bn_apply(const T* x, T* y, int64_t n, int64_t c, int64_t s, bool per_channel, const std::vector<double>& a,
              const std::vector<double>& b, int threads) {
  using C = compute_t<T>;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(s, 1));
  kernels::parallel_for(n * c, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const int64_t ch = pl % c;
      const T* xp = x + pl * s;
      T* yp = y + pl * s;
      if constexpr (std::is_same_v<T, float>) {
        if (per_channel) {  // x·a + b over the plane, vectorized
          const kernels::UnaryArgs ab{static_cast<float>(a[ch]), static_cast<float>(b[ch])};
          kernels::simd_f32().unary(kernels::UnaryF32::Affine, ab, xp, yp, s);
          continue;
        }
      }
      if (per_channel) {
        const C av = static_cast<C>(a[ch]), bv = static_cast<C>(b[ch]);
        for (int64_t i = 0; i < s; ++i) yp[i] = static_cast<T>(static_cast<C>(xp[i]) * av + bv);
      } else {
        for (int64_t i = 0; i < s; ++i)
          yp[i] = static_cast<T>(static_cast<C>(xp[i]) * static_cast<C>(a[ch * s + i]) + static_cast<C>(b[ch * s + i]));
      }
    }
  }, grain);
}

// Output 0 with X's shape, left unfilled when inference knows that shape (every element is written).
Tensor& output_like_x(KernelContext& ctx, const Tensor& x) {
  const TypeInfo& t = ctx.inferred(0);
  if (t.fully_known() && t.dtype == x.dtype() && t.concrete() == x.shape()) return ctx.output_for_overwrite(0);
  return ctx.output(0, x.dtype(), x.shape());
}

Status run_batch_norm(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_is_float(x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  for (size_t i = 1; i < 5; ++i)
    if (!ctx.has_input(i)) return ctx.fail("input {} is required", i);
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t s = n * c == 0 ? 0 : x.numel() / (n * c);
  const int64_t params = ctx.in(1).numel();
  bool per_channel = params == c;
  const bool spatial_attr = ctx.opset() < 9 ? ctx.node().attr_int("spatial", 1) != 0 : true;
  if (!per_channel && !(params == c * s && !spatial_attr))
    return ctx.fail("scale has {} values, expected {}", params, spatial_attr ? c : c * s);
  const int64_t stats = per_channel ? c : c * s;
  std::vector<double> scale = ctx.in(1).to_double(), bias = ctx.in(2).to_double();
  std::vector<double> mean = ctx.in(3).to_double(), var = ctx.in(4).to_double();
  for (size_t i = 2; i < 5; ++i)
    if (ctx.in(i).numel() != stats) return ctx.fail("input {} has {} values, expected {}", i, ctx.in(i).numel(), stats);
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  const double momentum = ctx.node().attr_float("momentum", 0.9f);
  const bool training = bn_training(ctx.node(), ctx.opset());
  std::vector<double> batch_mean, batch_var;
  if (training) {
    // Batch statistics: over N and the spatial axes per channel, over N per activation.
    batch_mean.assign(stats, 0.0);
    batch_var.assign(stats, 0.0);
    const int64_t count = per_channel ? n * s : n;
    const Tensor xd = x.cast(DType::Double);
    const double* xv = xd.data<double>();
    auto each = [&](auto&& f) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t j = 0; j < s; ++j) f(per_channel ? ch : ch * s + j, xv[(i * c + ch) * s + j]);
    };
    each([&](int64_t k, double v) { batch_mean[k] += v; });
    for (double& v : batch_mean) v = count > 0 ? v / count : 0.0;
    each([&](int64_t k, double v) { batch_var[k] += (v - batch_mean[k]) * (v - batch_mean[k]); });
    for (double& v : batch_var) v = count > 0 ? v / count : 0.0;
  }
  const std::vector<double>& use_mean = training ? batch_mean : mean;
  const std::vector<double>& use_var = training ? batch_var : var;
  std::vector<double> a(stats), b(stats);
  for (int64_t k = 0; k < stats; ++k) {
    a[k] = scale[k] / std::sqrt(use_var[k] + eps);
    b[k] = bias[k] - use_mean[k] * a[k];
  }
  Tensor& y = output_like_x(ctx, x);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>)
      bn_apply<T>(x.data<T>(), y.data<T>(), n, c, s, per_channel, a, b, ctx.threads());
  });
  // Statistics outputs: running mean/var, then (opsets 7 and 9) the batch mean/var.
  const Shape stat_shape = ctx.in(3).shape();
  auto emit = [&](size_t i, const std::vector<double>& v, DType t) {
    if (!ctx.output_wanted(i)) return;
    Tensor d = Tensor::from_vector(v, stat_shape);
    ctx.set_output(i, d.cast(t));
  };
  if (ctx.num_outputs() > 1) {
    std::vector<double> run_mean(stats), run_var(stats);
    for (int64_t k = 0; k < stats; ++k) {
      run_mean[k] = training ? mean[k] * momentum + batch_mean[k] * (1 - momentum) : mean[k];
      run_var[k] = training ? var[k] * momentum + batch_var[k] * (1 - momentum) : var[k];
    }
    const DType stat_type = ctx.opset() >= 14 ? ctx.in(3).dtype() : x.dtype();
    emit(1, run_mean, stat_type);
    emit(2, run_var, stat_type);
    if (training) {
      emit(3, batch_mean, x.dtype());
      emit(4, batch_var, x.dtype());
    }
  }
  return {};
}

// Mean and population variance of n values, two passes in double (InstanceNormalization and
// LayerNormalization).
template <class T>
std::pair<double, double> mean_var(const T* v, int64_t n) {
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]);
  const double mean = n ? sum / n : 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(v[i]) - mean;
    sq += d * d;
  }
  return {mean, n ? sq / n : 0.0};
}

// ---------------------------------------------------------------- InstanceNormalization

Status infer_instance_norm(InferContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.fail("expects inputs input, scale, B");
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (x.has_rank() && x.rank() < 3) return ctx.fail("input rank {} too small, expected at least 3", x.rank());
  ctx.out(0) = x;
  return {};
}

Status run_instance_norm(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_is_float(x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() < 3) return ctx.fail("input rank {} too small, expected at least 3", x.rank());
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t s = n * c == 0 ? 0 : x.numel() / (n * c);
  if (ctx.in(1).numel() != c || ctx.in(2).numel() != c)
    return ctx.fail("scale and B must have {} values, got {} and {}", c, ctx.in(1).numel(), ctx.in(2).numel());
  const std::vector<double> scale = ctx.in(1).to_double(), bias = ctx.in(2).to_double();
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  Tensor& y = output_like_x(ctx, x);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      kernels::parallel_for(n * c, ctx.threads(), [&](int64_t lo, int64_t hi) {
        for (int64_t pl = lo; pl < hi; ++pl) {
          const T* v = xp + pl * s;
          const auto [mean, var] = mean_var(v, s);
          const double a = scale[pl % c] / std::sqrt(var + eps);
          const double b = bias[pl % c] - mean * a;
          for (int64_t i = 0; i < s; ++i) yp[pl * s + i] = static_cast<T>(static_cast<double>(v[i]) * a + b);
        }
      });
    }
  });
  return {};
}

// ---------------------------------------------------------------- LayerNormalization

Status infer_layer_norm(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs X and Scale");
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  const int64_t stash = ctx.node.attr_int("stash_type", 1);
  if (!dtype_valid(static_cast<int>(stash)) || !dtype_is_float(static_cast<DType>(stash)))
    return ctx.fail("stash_type {} is not a floating-point type", stash);
  ctx.out(0) = x;
  std::vector<Dim> stat_dims;
  if (x.has_rank()) {
    SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", -1), x.rank()));
    for (int64_t d = 0; d < x.rank(); ++d) stat_dims.push_back(d < axis ? (*x.shape)[d] : Dim(1));
  }
  for (size_t i = 1; i < ctx.num_outputs() && i < 3; ++i) {
    ctx.out(i).dtype = static_cast<DType>(stash);
    if (x.has_rank()) ctx.out(i).shape = stat_dims;
  }
  if (ctx.num_outputs() > 3) return ctx.fail("at most 3 outputs");
  return {};
}

// Offsets of a parameter broadcast over the normalized shape `norm` (one per normalized element).
Result<std::vector<int64_t>> param_offsets(const KernelContext& ctx, const Tensor& t, const Shape& norm) {
  Shape ps = t.shape();
  while (ps.size() > norm.size()) {
    if (ps.front() != 1) return ctx.fail("parameter shape {} does not broadcast to {}", shape_str(t.shape()), shape_str(norm));
    ps.erase(ps.begin());
  }
  const size_t off = norm.size() - ps.size();
  for (size_t i = 0; i < ps.size(); ++i)
    if (ps[i] != 1 && ps[i] != norm[off + i])
      return ctx.fail("parameter shape {} does not broadcast to {}", shape_str(t.shape()), shape_str(norm));
  const auto st = broadcast_strides(ps, norm);
  const int64_t total = shape_numel(norm);
  std::vector<int64_t> offs(static_cast<size_t>(total));
  std::vector<int64_t> idx(norm.size(), 0);
  for (int64_t j = 0; j < total; ++j) {
    int64_t o = 0;
    for (size_t d = 0; d < norm.size(); ++d) o += idx[d] * st[d];
    offs[j] = o;
    for (size_t d = norm.size(); d-- > 0;) {
      if (++idx[d] < norm[d]) break;
      idx[d] = 0;
    }
  }
  return offs;
}

// A parameter as len floats, one per normalized element (itself when it already is that).
const float* param_f32(const Tensor& t, const std::vector<int64_t>& offs, std::vector<float>& storage) {
  const float* p = t.data<float>();
  bool identity = t.numel() == static_cast<int64_t>(offs.size());
  for (size_t i = 0; i < offs.size() && identity; ++i) identity = offs[i] == static_cast<int64_t>(i);
  if (identity) return p;
  storage.resize(offs.size());
  for (size_t i = 0; i < offs.size(); ++i) storage[i] = p[offs[i]];
  return storage.data();
}

// Float32 X, Scale and B with float statistics (stash_type 1): rows through the SIMD table.
Status layer_norm_f32(KernelContext& ctx, int64_t axis, float eps, const std::vector<int64_t>& soff,
                      const std::vector<int64_t>& boff) {
  const Tensor& x = ctx.in(0);
  const Tensor* bias_t = ctx.input(2);
  const int64_t rows = prod(x.shape(), 0, axis), len = static_cast<int64_t>(soff.size());
  std::vector<float> scale_store, bias_store;
  const float* scale = param_f32(ctx.in(1), soff, scale_store);
  const float* bias = bias_t ? param_f32(*bias_t, boff, bias_store) : nullptr;
  Tensor& y = ctx.output_for_overwrite(0);
  Shape stat_shape(x.shape().begin(), x.shape().begin() + axis);
  stat_shape.resize(x.rank(), 1);
  float* mean = nullptr;
  float* inv = nullptr;
  if (ctx.output_wanted(1)) mean = ctx.output(1, DType::Float, stat_shape).data<float>();
  if (ctx.output_wanted(2)) inv = ctx.output(2, DType::Float, stat_shape).data<float>();
  if (rows == 0 || len == 0) return {};
  const kernels::SimdF32Kernels& k = kernels::simd_f32();
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  kernels::parallel_for(
      rows, ctx.threads(),
      [&](int64_t lo, int64_t hi) {
        k.layer_norm_rows(xp + lo * len, yp + lo * len, hi - lo, len, scale, bias, eps, mean ? mean + lo : nullptr,
                          inv ? inv + lo : nullptr);
      },
      std::max<int64_t>(1, 8192 / len));
  return {};
}

Status run_layer_norm(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_is_float(x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", -1), x.rank()));
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  const DType stash = static_cast<DType>(ctx.node().attr_int("stash_type", 1));
  const Shape norm(x.shape().begin() + axis, x.shape().end());
  const int64_t rows = prod(x.shape(), 0, axis), len = shape_numel(norm);
  const Tensor& scale_t = ctx.in(1);
  const Tensor* bias_t = ctx.input(2);
  SZ0_ASSIGN(auto soff, param_offsets(ctx, scale_t, norm));
  std::vector<int64_t> boff;
  if (bias_t) {
    SZ0_ASSIGN(boff, param_offsets(ctx, *bias_t, norm));
  }
  if (x.dtype() == DType::Float && stash == DType::Float && scale_t.dtype() == DType::Float &&
      (!bias_t || bias_t->dtype() == DType::Float))
    return layer_norm_f32(ctx, axis, static_cast<float>(eps), soff, boff);
  const std::vector<double> scale = scale_t.to_double();
  const std::vector<double> bias = bias_t ? bias_t->to_double() : std::vector<double>{};
  Tensor& y = output_like_x(ctx, x);
  Shape stat_shape(x.shape().begin(), x.shape().begin() + axis);
  stat_shape.resize(x.rank(), 1);
  Tensor mean_t(DType::Double, stat_shape), inv_t(DType::Double, stat_shape);
  double* mean_p = mean_t.data<double>();
  double* inv_p = inv_t.data<double>();
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      kernels::parallel_for(rows, ctx.threads(), [&](int64_t lo, int64_t hi) {
        for (int64_t r = lo; r < hi; ++r) {
          const T* v = xp + r * len;
          const auto [mean, var] = mean_var(v, len);
          const double inv = 1.0 / std::sqrt(var + eps);
          mean_p[r] = mean;
          inv_p[r] = inv;
          T* o = yp + r * len;
          for (int64_t i = 0; i < len; ++i) {
            double z = (static_cast<double>(v[i]) - mean) * inv * scale[soff[i]];
            if (bias_t) z += bias[boff[i]];
            o[i] = static_cast<T>(z);
          }
        }
      });
    }
  });
  if (ctx.output_wanted(1)) ctx.set_output(1, mean_t.cast(stash));
  if (ctx.output_wanted(2)) ctx.set_output(2, inv_t.cast(stash));
  return {};
}

// ---------------------------------------------------------------- LRN

Status infer_lrn(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (!ctx.node.has_attr("size")) return ctx.fail("size is required");
  if (ctx.node.attr_int("size", 0) <= 0) return ctx.fail("size must be positive");
  if (x.has_rank() && x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  ctx.out(0) = x;
  return {};
}

Status run_lrn(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (!dtype_is_float(x.dtype())) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() < 2) return ctx.fail("input rank {} too small, expected at least 2", x.rank());
  const int64_t size = ctx.node().attr_int("size", 0);
  if (size <= 0) return ctx.fail("size must be positive");
  const double alpha = ctx.node().attr_float("alpha", 1e-4f), beta = ctx.node().attr_float("beta", 0.75f);
  const double bias = ctx.node().attr_float("bias", 1.0f);
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t s = n * c == 0 ? 0 : x.numel() / (n * c);
  const int64_t lo_half = (size - 1) / 2, hi_half = size - 1 - lo_half;
  Tensor& y = output_like_x(ctx, x);
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      const T* xp = x.data<T>();
      T* yp = y.data<T>();
      kernels::parallel_for(n * c, ctx.threads(), [&](int64_t b, int64_t e) {
        std::vector<double> sq(static_cast<size_t>(s));
        for (int64_t pl = b; pl < e; ++pl) {
          const int64_t i = pl / c, ch = pl % c;
          std::fill(sq.begin(), sq.end(), 0.0);
          for (int64_t k = std::max<int64_t>(0, ch - lo_half); k <= std::min(c - 1, ch + hi_half); ++k) {
            const T* v = xp + (i * c + k) * s;
            for (int64_t j = 0; j < s; ++j) sq[j] += static_cast<double>(v[j]) * static_cast<double>(v[j]);
          }
          const T* v = xp + pl * s;
          for (int64_t j = 0; j < s; ++j)
            yp[pl * s + j] = static_cast<T>(static_cast<double>(v[j]) / std::pow(bias + alpha / size * sq[j], beta));
        }
      });
    }
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "BatchNormalization", .since = 1, .infer = infer_batch_norm, .compute = run_batch_norm);
SZ0_REGISTER_OP(.op_type = "InstanceNormalization", .since = 1, .infer = infer_instance_norm,
                .compute = run_instance_norm);
SZ0_REGISTER_OP(.op_type = "LayerNormalization", .since = 17, .infer = infer_layer_norm, .compute = run_layer_norm);
SZ0_REGISTER_OP(.op_type = "LRN", .since = 1, .infer = infer_lrn, .compute = run_lrn);

}  // namespace
}  // namespace sz0::ops::nn

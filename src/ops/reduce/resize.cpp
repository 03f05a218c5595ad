// Resize (opsets 10, 11, 13; opset 18's axes and keep_aspect_ratio_policy) and its deprecated
// predecessor Upsample (opsets 7, 9): nearest, n-linear and cubic interpolation.
#include "kernels/parallel.h"
#include "ops/op.h"
#include "ops/reduce/convert.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace sz0::ops {
namespace {

using namespace reduce_detail;

enum class Mode { Nearest, Linear, Cubic };
enum class Coord { HalfPixel, HalfPixelSymmetric, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNN, TfCropAndResize };
enum class Rounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Legacy };
enum class Aspect { Stretch, NotLarger, NotSmaller };

struct Attrs {
  Mode mode = Mode::Nearest;
  Coord coord = Coord::HalfPixel;
  Rounding rounding = Rounding::RoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0;
  std::vector<int64_t> axes;  // as written; empty: every axis
  Aspect aspect = Aspect::Stretch;
};

// Upsample and Resize-10 predate the coordinate attributes: they sample at x / scale and pick
// the nearest pixel by truncation, or by ceil when shrinking (what runtimes have always done).
bool is_legacy(std::string_view op, int64_t opset) { return op == "Upsample" || opset < 11; }

Result<Attrs> parse_attrs(const Node& node, int64_t opset) {
  Attrs a;
  const bool legacy = is_legacy(node.op_type, opset);
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "nearest") a.mode = Mode::Nearest;
  else if (mode == "linear" || (legacy && mode == "bilinear")) a.mode = Mode::Linear;
  else if (mode == "cubic" && !legacy) a.mode = Mode::Cubic;
  else return error("{}: unsupported mode '{}'", node.label(), mode);
  if (legacy) {
    a.coord = Coord::Asymmetric;
    a.rounding = Rounding::Legacy;
    return a;
  }
  const std::string coord = node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel") a.coord = Coord::HalfPixel;
  else if (coord == "half_pixel_symmetric") a.coord = Coord::HalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel") a.coord = Coord::PytorchHalfPixel;
  else if (coord == "align_corners") a.coord = Coord::AlignCorners;
  else if (coord == "asymmetric") a.coord = Coord::Asymmetric;
  else if (coord == "tf_half_pixel_for_nn") a.coord = Coord::TfHalfPixelForNN;
  else if (coord == "tf_crop_and_resize") a.coord = Coord::TfCropAndResize;
  else return error("{}: unsupported coordinate_transformation_mode '{}'", node.label(), coord);
  const std::string nearest = node.attr_string("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor") a.rounding = Rounding::RoundPreferFloor;
  else if (nearest == "round_prefer_ceil") a.rounding = Rounding::RoundPreferCeil;
  else if (nearest == "floor") a.rounding = Rounding::Floor;
  else if (nearest == "ceil") a.rounding = Rounding::Ceil;
  else return error("{}: unsupported nearest_mode '{}'", node.label(), nearest);
  a.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  a.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  a.extrapolation = node.attr_float("extrapolation_value", 0.0f);
  if (node.attr_int("antialias", 0) != 0) return error("{}: antialias is not supported", node.label());
  a.axes = node.attr_ints("axes");
  const std::string aspect = node.attr_string("keep_aspect_ratio_policy", "stretch");
  if (aspect == "stretch") a.aspect = Aspect::Stretch;
  else if (aspect == "not_larger") a.aspect = Aspect::NotLarger;
  else if (aspect == "not_smaller") a.aspect = Aspect::NotSmaller;
  else return error("{}: unsupported keep_aspect_ratio_policy '{}'", node.label(), aspect);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Scales, sizes and roi as given, wherever the opset keeps them.

struct Given {
  bool known = true;            // false: some given value is not known yet
  std::vector<double> scales;   // empty: not given (an empty tensor counts as not given)
  std::vector<int64_t> sizes;
  std::vector<double> roi;
};

// `value(i)`: input i's value or nullptr; `present(i)`: whether input i is given.
template <class Value, class Present>
Result<Given> given_inputs(const Node& node, int64_t opset, Value value, Present present) {
  Given g;
  auto read = [&](size_t i, auto& into, bool is_int) -> Status {
    if (!present(i)) return {};
    const Tensor* t = value(i);
    if (!t) {
      g.known = false;
      return {};
    }
    if (t->rank() > 1) return error("{}: input {} must be 1-D, got rank {}", node.label(), i, t->rank());
    if (is_int && t->dtype() != DType::Int64 && t->dtype() != DType::Int32)
      return error("{}: sizes must be int64, got {}", node.label(), dtype_name(t->dtype()));
    if (!is_int && !dtype_is_float(t->dtype()))
      return error("{}: input {} must be floating point, got {}", node.label(), i, dtype_name(t->dtype()));
    if constexpr (std::is_same_v<std::decay_t<decltype(into)>, std::vector<int64_t>>) into = t->to_int64();
    else into = t->to_double();
    return {};
  };
  if (node.op_type == "Upsample" || opset < 11) {
    if (present(1)) SZ0_TRY(read(1, g.scales, false));
    else if (const Attribute* a = node.attr("scales")) g.scales.assign(a->floats.begin(), a->floats.end());
    else return error("{}: no scales given", node.label());
    return g;
  }
  SZ0_TRY(read(1, g.roi, false));
  SZ0_TRY(read(2, g.scales, false));
  SZ0_TRY(read(3, g.sizes, true));
  return g;
}

// Axes the scales/sizes/roi refer to, normalized.
Result<std::vector<int64_t>> resize_axes(const Node& node, const Attrs& a, int64_t rank) {
  if (a.axes.empty()) {
    std::vector<int64_t> all(static_cast<size_t>(rank));
    for (int64_t i = 0; i < rank; ++i) all[static_cast<size_t>(i)] = i;
    return all;
  }
  for (int64_t ax : a.axes)
    if (ax < -rank || ax >= rank) return error("{}: axis {} out of range for rank {}", node.label(), ax, rank);
  return normalize_axes(node, a.axes, rank);
}

// Output size and coordinate mapping of every dim.
struct Geometry {
  Shape out;
  std::vector<double> scale;  // the scale the coordinate transform divides by
  std::vector<double> width;  // the output length the transform assumes: scale * in, or the size asked for
  std::vector<double> roi_start, roi_end;
};

Result<Geometry> geometry(const Node& node, const Attrs& a, const Shape& in, const Given& g) {
  const int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0) return error("{}: input must have rank >= 1", node.label());
  SZ0_ASSIGN(std::vector<int64_t> axes, resize_axes(node, a, rank));
  const size_t n = axes.size();
  if (!g.scales.empty() && !g.sizes.empty()) return error("{}: only one of scales and sizes may be given", node.label());
  if (g.scales.empty() && g.sizes.empty()) return error("{}: one of scales and sizes must be given", node.label());
  Geometry geo;
  geo.out = in;
  geo.scale.assign(static_cast<size_t>(rank), 1.0);
  geo.width.assign(in.begin(), in.end());
  if (!g.scales.empty()) {
    if (g.scales.size() != n) return error("{}: {} scales for {} axes", node.label(), g.scales.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const double s = g.scales[i];
      const size_t d = static_cast<size_t>(axes[i]);
      if (!(s > 0) || !std::isfinite(s)) return error("{}: scale {} must be positive", node.label(), s);
      const double w = s * static_cast<double>(in[d]);
      if (w >= 4e18) return error("{}: scale {} gives an output too large", node.label(), s);
      geo.scale[d] = s;
      geo.width[d] = w;
      geo.out[d] = static_cast<int64_t>(std::floor(w));
    }
  } else {
    if (g.sizes.size() != n) return error("{}: {} sizes for {} axes", node.label(), g.sizes.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const size_t d = static_cast<size_t>(axes[i]);
      if (g.sizes[i] < 0) return error("{}: negative output size {}", node.label(), g.sizes[i]);
      if (in[d] == 0 && g.sizes[i] != 0) return error("{}: cannot resize an empty dim to {}", node.label(), g.sizes[i]);
    }
    if (a.aspect == Aspect::Stretch) {
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        geo.out[d] = g.sizes[i];
        geo.width[d] = static_cast<double>(g.sizes[i]);
        geo.scale[d] = in[d] == 0 ? 1.0 : static_cast<double>(g.sizes[i]) / static_cast<double>(in[d]);
      }
    } else {
      // One scale for every axis, the largest that fits (not_larger) or the smallest that covers.
      double s = a.aspect == Aspect::NotLarger ? INFINITY : 0.0;
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        if (in[d] == 0) continue;
        const double r = static_cast<double>(g.sizes[i]) / static_cast<double>(in[d]);
        s = a.aspect == Aspect::NotLarger ? std::min(s, r) : std::max(s, r);
      }
      if (!std::isfinite(s)) s = 1.0;
      for (size_t i = 0; i < n; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        geo.scale[d] = s;
        geo.width[d] = s * static_cast<double>(in[d]);
        if (geo.width[d] >= 4e18) return error("{}: sizes give an output too large", node.label());
        geo.out[d] = static_cast<int64_t>(geo.width[d] + 0.5);
      }
    }
  }
  for (size_t d = 0; d < in.size(); ++d)
    if (geo.out[d] > 0 && in[d] == 0) return error("{}: cannot resize an empty dim", node.label());
  geo.roi_start.assign(static_cast<size_t>(rank), 0.0);
  geo.roi_end.assign(static_cast<size_t>(rank), 1.0);
  if (a.coord == Coord::TfCropAndResize) {
    if (g.roi.size() != 2 * n)
      return error("{}: tf_crop_and_resize needs a roi of {} values, got {}", node.label(), 2 * n, g.roi.size());
    for (size_t i = 0; i < n; ++i) {
      geo.roi_start[static_cast<size_t>(axes[i])] = g.roi[i];
      geo.roi_end[static_cast<size_t>(axes[i])] = g.roi[n + i];
    }
  }
  return geo;
}

Status infer_resize(InferContext& ctx) {
  if (ctx.num_inputs() < 1 || !ctx.has_input(0)) return ctx.fail("expects an input X");
  const size_t max_inputs = ctx.node.op_type == "Upsample" || ctx.opset < 11 ? 2 : 4;
  if (ctx.num_inputs() > max_inputs) return ctx.fail("expects at most {} inputs, got {}", max_inputs, ctx.num_inputs());
  SZ0_ASSIGN(Attrs a, parse_attrs(ctx.node, ctx.opset));
  SZ0_ASSIGN(Given g, given_inputs(ctx.node, ctx.opset, [&](size_t i) { return ctx.value(i); },
                                   [&](size_t i) { return ctx.has_input(i); }));
  const TypeInfo& x = ctx.in(0);
  if (x.dtype == DType::String) return ctx.fail("string tensors are not supported");
  TypeInfo& y = ctx.out(0);
  y.dtype = x.dtype;
  if (!x.has_rank()) return {};
  const auto& in = *x.shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  if (x.fully_known() && g.known) {
    SZ0_ASSIGN(Geometry geo, geometry(ctx.node, a, x.concrete(), g));
    y.shape = to_dims(geo.out);
    return {};
  }
  // Partly known: each dim that can be decided alone.
  if (rank == 0) return ctx.fail("input must have rank >= 1");
  SZ0_ASSIGN(std::vector<int64_t> axes, resize_axes(ctx.node, a, rank));
  std::vector<Dim> dims(in.begin(), in.end());
  for (int64_t ax : axes) dims[static_cast<size_t>(ax)] = Dim();
  if (!g.scales.empty() && g.scales.size() == axes.size()) {
    for (size_t i = 0; i < axes.size(); ++i) {
      const Dim& d = in[static_cast<size_t>(axes[i])];
      const double w = g.scales[i] * static_cast<double>(d.value);
      if (d.known() && g.scales[i] > 0 && w < 4e18) dims[static_cast<size_t>(axes[i])] = Dim(static_cast<int64_t>(std::floor(w)));
      else if (g.scales[i] == 1.0) dims[static_cast<size_t>(axes[i])] = d;
    }
  } else if (!g.sizes.empty() && g.sizes.size() == axes.size() && a.aspect == Aspect::Stretch) {
    for (size_t i = 0; i < axes.size(); ++i) dims[static_cast<size_t>(axes[i])] = Dim(g.sizes[i]);
  }
  y.shape = std::move(dims);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Per-dim sampling: for every output index, up to four (input index, weight) taps.

struct AxisMap {
  int taps = 1;
  std::vector<int64_t> idx;      // out * taps, clamped into the input
  std::vector<double> w;         // out * taps
  std::vector<uint8_t> outside;  // out: tf_crop_and_resize sample outside the input
  bool identity = false;
  bool any_outside = false;
};

double original_coord(const Attrs& a, const Geometry& geo, size_t d, int64_t in, int64_t out, int64_t x) {
  const double xr = static_cast<double>(x), s = geo.scale[d], w = geo.width[d], n = static_cast<double>(in);
  switch (a.coord) {
    case Coord::HalfPixel: return (xr + 0.5) / s - 0.5;
    case Coord::HalfPixelSymmetric: {
      const double offset = n / 2 * (1 - static_cast<double>(out) / w);
      return offset + (xr + 0.5) / s - 0.5;
    }
    case Coord::PytorchHalfPixel: return out > 1 ? (xr + 0.5) / s - 0.5 : 0.0;
    case Coord::AlignCorners: return w == 1 ? 0.0 : xr * (n - 1) / (w - 1);
    case Coord::Asymmetric: return xr / s;
    case Coord::TfHalfPixelForNN: return (xr + 0.5) / s;
    case Coord::TfCropAndResize: {
      const double r0 = geo.roi_start[d], r1 = geo.roi_end[d];
      const double start = r0 * (n - 1);
      return w == 1 ? start + (r1 - r0) * (n - 1) / 2 : start + xr * (r1 - r0) * (n - 1) / (w - 1);
    }
  }
  return 0;
}

int64_t nearest_index(Rounding r, double x, double scale) {
  const double f = std::floor(x), frac = x - f;
  switch (r) {
    case Rounding::RoundPreferFloor: return static_cast<int64_t>(frac <= 0.5 ? f : f + 1);
    case Rounding::RoundPreferCeil: return static_cast<int64_t>(frac < 0.5 ? f : f + 1);
    case Rounding::Floor: return static_cast<int64_t>(f);
    case Rounding::Ceil: return static_cast<int64_t>(std::ceil(x));
    case Rounding::Legacy: return static_cast<int64_t>(scale < 1 ? std::ceil(x) : std::trunc(x));
  }
  return 0;
}

// Keys' cubic convolution kernel with parameter A.
double cubic_weight(double t, double A) {
  t = std::fabs(t);
  if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
  if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
  return 0;
}

AxisMap axis_map(const Attrs& a, const Geometry& geo, size_t d, int64_t in, int64_t out) {
  AxisMap m;
  m.taps = a.mode == Mode::Nearest ? 1 : a.mode == Mode::Linear ? 2 : 4;
  const size_t taps = static_cast<size_t>(m.taps);
  m.idx.resize(static_cast<size_t>(out) * taps);
  m.w.resize(static_cast<size_t>(out) * taps);
  m.outside.assign(static_cast<size_t>(out), 0);
  bool identity = in == out;
  for (int64_t o = 0; o < out; ++o) {
    // Keep x bounded so the integer conversions below stay defined on absurd coordinates (a roi
    // of NaN or inf, say).
    double x = original_coord(a, geo, d, in, out, o);
    if (std::isnan(x)) x = a.coord == Coord::TfCropAndResize ? -1.0 : 0.0;
    x = std::clamp(x, -4.0 - static_cast<double>(in), 4.0 + 2.0 * static_cast<double>(in));
    int64_t* ix = &m.idx[static_cast<size_t>(o) * taps];
    double* w = &m.w[static_cast<size_t>(o) * taps];
    if (a.coord == Coord::TfCropAndResize && (x < 0 || x > static_cast<double>(in - 1))) {
      m.outside[static_cast<size_t>(o)] = 1;
      m.any_outside = true;
    }
    if (a.mode == Mode::Nearest) {
      ix[0] = nearest_index(a.rounding, x, geo.scale[d]);
      w[0] = 1;
    } else {
      const double f = std::floor(x), r = x - f;
      const int64_t i0 = static_cast<int64_t>(f);
      if (a.mode == Mode::Linear) {
        ix[0] = i0, ix[1] = i0 + 1;
        w[0] = 1 - r, w[1] = r;
      } else {
        for (int k = 0; k < 4; ++k) {
          ix[k] = i0 - 1 + k;
          w[k] = cubic_weight(r + 1 - k, a.cubic_a);
        }
      }
      if (a.exclude_outside) {
        double sum = 0;
        for (size_t k = 0; k < taps; ++k) {
          if (ix[k] < 0 || ix[k] >= in) w[k] = 0;
          sum += w[k];
        }
        if (sum != 0)
          for (size_t k = 0; k < taps; ++k) w[k] /= sum;
      }
    }
    double self = 0;
    for (size_t k = 0; k < taps; ++k) {
      ix[k] = std::clamp<int64_t>(ix[k], 0, in - 1);
      if (ix[k] == o) self += w[k];
      else if (w[k] != 0) identity = false;
    }
    if (self != 1 || m.outside[static_cast<size_t>(o)]) identity = false;
  }
  m.identity = identity;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Kernels.

// Nearest: a pure gather, exact for every type. Output rows that read the same source row as the
// row before are copies of it, and an integer upsampling of the last axis repeats each value.
template <class T>
void resize_nearest(const Tensor& xt, Tensor& yt, const std::vector<AxisMap>& maps, double extrapolation, int threads) {
  const Shape& in = xt.shape();
  const Shape& out = yt.shape();
  const size_t rank = in.size();
  const Shape in_strides = shape_strides(in);
  std::vector<std::vector<int64_t>> offs(rank);
  for (size_t d = 0; d < rank; ++d) {
    offs[d].resize(static_cast<size_t>(out[d]));
    for (int64_t o = 0; o < out[d]; ++o) offs[d][static_cast<size_t>(o)] = maps[d].idx[static_cast<size_t>(o)] * in_strides[d];
  }
  const T* x = xt.data<T>();
  T* y = yt.data<T>();
  const T fill = from_double<T>(extrapolation);
  const int64_t last = out[rank - 1];
  const int64_t rows = yt.numel() / std::max<int64_t>(last, 1);
  const std::vector<int64_t>& last_offs = offs[rank - 1];
  const std::vector<uint8_t>& last_out = maps[rank - 1].outside;
  // An integer upsampling of the last axis (output j reads input j / rep), as FPN necks use:
  // each input value is written rep times instead of gathered through the offset table.
  const int64_t in_last = in[rank - 1];
  int64_t rep = !maps[rank - 1].any_outside && in_last > 0 && last % in_last == 0 ? last / in_last : 0;
  for (int64_t j = 0; rep > 1 && j < last; ++j)
    if (maps[rank - 1].idx[static_cast<size_t>(j)] != j / rep) rep = 0;
  kernels::parallel_for(rows, threads, [&](int64_t b, int64_t e) {
    int64_t prev_base = -1;
    for (int64_t row = b; row < e; ++row) {
      int64_t base = 0, r = row;
      bool outside = false;
      for (size_t d = rank - 1; d-- > 0;) {
        const size_t i = static_cast<size_t>(r % out[d]);
        r /= out[d];
        base += offs[d][i];
        outside = outside || maps[d].outside[i];
      }
      T* dst = y + row * last;
      if (outside) {
        std::fill(dst, dst + last, fill);
        prev_base = -1;
        continue;
      }
      // The same source row as the previous output row (an upsampled middle axis): copy it.
      if (base == prev_base) {
        std::copy(dst - last, dst, dst);
        continue;
      }
      prev_base = base;
      if (rep > 1) {
        const T* src = x + base;
        for (int64_t i = 0; i < in_last; ++i)
          for (int64_t k = 0; k < rep; ++k) dst[i * rep + k] = src[i];
        continue;
      }
      for (int64_t j = 0; j < last; ++j)
        dst[j] = last_out[static_cast<size_t>(j)] ? fill : x[base + last_offs[static_cast<size_t>(j)]];
    }
  }, std::max<int64_t>(1, 4096 / std::max<int64_t>(last, 1)));
}

// Linear and cubic: separable, one pass per resized dim (innermost first), in double.
template <class T>
void resize_interp(const Tensor& xt, Tensor& yt, const std::vector<AxisMap>& maps, double extrapolation, int threads) {
  const size_t rank = xt.shape().size();
  Shape shape = xt.shape();
  std::vector<double> cur(static_cast<size_t>(xt.numel()));
  const T* x = xt.data<T>();
  for (int64_t i = 0; i < xt.numel(); ++i) cur[static_cast<size_t>(i)] = to_double(x[i]);
  std::vector<double> next;
  for (size_t d = rank; d-- > 0;) {
    const AxisMap& m = maps[d];
    const int64_t n_out = yt.shape()[d];
    if (m.identity) continue;
    const int64_t n_in = shape[d];
    int64_t outer = 1, inner = 1;
    for (size_t k = 0; k < d; ++k) outer *= shape[k];
    for (size_t k = d + 1; k < rank; ++k) inner *= shape[k];
    next.assign(static_cast<size_t>(outer * n_out * inner), 0.0);
    const size_t taps = static_cast<size_t>(m.taps);
    kernels::parallel_for(outer * n_out, threads, [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        const int64_t o = row / n_out, j = row % n_out;
        double* dst = next.data() + row * inner;
        if (m.outside[static_cast<size_t>(j)]) {
          std::fill(dst, dst + inner, extrapolation);
          continue;
        }
        for (size_t k = 0; k < taps; ++k) {
          const double w = m.w[static_cast<size_t>(j) * taps + k];
          if (w == 0) continue;
          const double* src = cur.data() + (o * n_in + m.idx[static_cast<size_t>(j) * taps + k]) * inner;
          for (int64_t i = 0; i < inner; ++i) dst[i] += w * src[i];
        }
      }
    }, std::max<int64_t>(1, 4096 / std::max<int64_t>(inner, 1)));
    cur.swap(next);
    shape[d] = n_out;
  }
  T* y = yt.data<T>();
  for (int64_t i = 0; i < yt.numel(); ++i) y[i] = from_double_rounded<T>(cur[static_cast<size_t>(i)]);
}

Status run_resize(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  SZ0_ASSIGN(Attrs a, parse_attrs(ctx.node(), ctx.opset()));
  SZ0_ASSIGN(Given g, given_inputs(ctx.node(), ctx.opset(), [&](size_t i) { return ctx.input(i); },
                                   [&](size_t i) { return ctx.has_input(i); }));
  SZ0_ASSIGN(Geometry geo, geometry(ctx.node(), a, x.shape(), g));
  Tensor& y = ctx.output(0, x.dtype(), geo.out);
  if (y.numel() == 0) return {};
  std::vector<AxisMap> maps;
  bool identity = true;
  for (size_t d = 0; d < geo.out.size(); ++d) {
    maps.push_back(axis_map(a, geo, d, x.shape()[d], geo.out[d]));
    identity = identity && maps.back().identity;
  }
  if (identity) {
    std::memcpy(y.raw(), x.raw(), x.nbytes());
    return {};
  }
  const bool ok = visit_dtype(x.dtype(), [&]<class T>() {
    if (a.mode == Mode::Nearest) resize_nearest<T>(x, y, maps, a.extrapolation, ctx.threads());
    else resize_interp<T>(x, y, maps, a.extrapolation, ctx.threads());
  });
  if (!ok) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "Resize", .since = 10, .infer = infer_resize, .compute = run_resize);
SZ0_REGISTER_OP(.op_type = "Upsample", .since = 1, .infer = infer_resize, .compute = run_resize);

}  // namespace
}  // namespace sz0::ops

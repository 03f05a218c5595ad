// Helpers shared by the nn ops: convolution/pooling window geometry, dtype plumbing and a
// templated GEMM for the element types oneDNN's sgemm does not take.
#pragma once

#include "ops/op.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace sz0::ops::nn {

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// Arithmetic type for T: halves compute in float, everything else in itself.
template <class T>
using compute_t = std::conditional_t<is_half_v<T>, float, T>;

inline bool is_float_family(DType t) {
  return t == DType::Float || t == DType::Double || t == DType::Float16 || t == DType::BFloat16;
}

// Floor division for a possibly negative numerator and a positive divisor.
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// Sliding-window geometry of Conv and the pools. pads holds begin values for every spatial axis,
// then end values (ONNX order).
struct WindowGeom {
  int nd = 0;
  std::vector<int64_t> kernel, strides, dilations, pads;
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;

  int64_t extent(int d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Reads strides, dilations, pads, auto_pad (and ceil_mode when `with_ceil`) for `kernel`.
inline Result<WindowGeom> parse_window(const Node& node, std::vector<int64_t> kernel, bool with_ceil) {
  WindowGeom g;
  g.nd = static_cast<int>(kernel.size());
  const size_t nd = kernel.size();
  for (int64_t k : kernel)
    if (k <= 0) return error("{}: kernel_shape values must be positive", node.label());
  g.kernel = std::move(kernel);
  g.strides = node.attr_ints("strides", std::vector<int64_t>(nd, 1));
  g.dilations = node.attr_ints("dilations", std::vector<int64_t>(nd, 1));
  g.pads = node.attr_ints("pads", std::vector<int64_t>(2 * nd, 0));
  g.auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (g.auto_pad.empty()) g.auto_pad = "NOTSET";
  g.ceil_mode = with_ceil && node.attr_int("ceil_mode", 0) != 0;
  if (g.strides.size() != nd) return error("{}: strides has {} values, expected {}", node.label(), g.strides.size(), nd);
  if (g.dilations.size() != nd)
    return error("{}: dilations has {} values, expected {}", node.label(), g.dilations.size(), nd);
  if (g.pads.size() != 2 * nd) return error("{}: pads has {} values, expected {}", node.label(), g.pads.size(), 2 * nd);
  for (size_t i = 0; i < nd; ++i) {
    if (g.strides[i] <= 0) return error("{}: strides must be positive", node.label());
    if (g.dilations[i] <= 0) return error("{}: dilations must be positive", node.label());
  }
  for (int64_t p : g.pads)
    if (p < 0) return error("{}: pads must be non-negative", node.label());
  if (g.auto_pad != "NOTSET" && g.auto_pad != "VALID" && g.auto_pad != "SAME_UPPER" && g.auto_pad != "SAME_LOWER")
    return error("{}: unknown auto_pad '{}'", node.label(), g.auto_pad);
  return g;
}

// Output size along spatial axis d for input size `in`; sets that axis's pads for auto_pad modes.
inline Result<int64_t> window_out_size(const Node& node, WindowGeom& g, int d, int64_t in) {
  const int64_t s = g.strides[d], ek = g.extent(d);
  int64_t& pb = g.pads[d];
  int64_t& pe = g.pads[d + g.nd];
  if (g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER") {
    const int64_t out = ceil_div(in, s);
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
    const int64_t half = total / 2;
    pb = g.auto_pad == "SAME_UPPER" ? half : total - half;
    pe = total - pb;
    return out;
  }
  if (g.auto_pad == "VALID") pb = pe = 0;
  const int64_t span = in + pb + pe - ek;
  if (span < 0)
    return error("{}: kernel extent {} exceeds padded input size {} on spatial axis {}", node.label(), ek,
                 in + pb + pe, d);
  if (!g.ceil_mode) return span / s + 1;
  int64_t out = ceil_div(span, s) + 1;
  // A last window that would start inside the end padding is dropped.
  if ((out - 1) * s >= in + pb) --out;
  return out;
}

// Shape-inference form: spatial dims unknown where the input dim is unknown.
inline Result<std::vector<Dim>> window_out_dims(const Node& node, WindowGeom g, std::span<const Dim> in_spatial) {
  std::vector<Dim> out;
  for (int d = 0; d < g.nd; ++d) {
    if (!in_spatial[d].known()) {
      out.emplace_back();
      continue;
    }
    SZ0_ASSIGN(int64_t o, window_out_size(node, g, d, in_spatial[d].value));
    out.emplace_back(o);
  }
  return out;
}

// Float copy of a tensor (for halves computed through the float path).
inline Tensor as_float(const Tensor& t) { return t.dtype() == DType::Float ? t : t.cast(DType::Float); }

// Row-major C = alpha * op(A) * op(B) + beta * C for any arithmetic T (double, integers).
template <class T>
void gemm_generic(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                  const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  std::vector<T> row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * lda + i] : a[i * lda + p];
      if (tb) {
        for (int64_t j = 0; j < n; ++j) row[j] += av * b[j * ldb + p];
      } else {
        const T* br = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) row[j] += av * br[j];
      }
    }
    T* cr = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) cr[j] = alpha * row[j] + (beta == T(0) ? T(0) : beta * cr[j]);
  }
}

// Product of dims [b, e).
inline int64_t prod(std::span<const int64_t> s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e && i < s.size(); ++i) p *= s[i];
  return p;
}

}  // namespace sz0::ops::nn

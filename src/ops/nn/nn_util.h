// Helpers shared by the nn ops: dtype plumbing, the float-type dispatch of the convolutions, and
// GEMM for every element type (oneDNN's sgemm for float, a templated loop for the rest). Window
// geometry lives in ops/conv_geometry.h.
#pragma once

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace sz0::ops::nn {

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// Arithmetic type for T: halves compute in float, everything else in itself.
template <class T>
using compute_t = std::conditional_t<is_half_v<T>, float, T>;

// Float copy of a tensor (for halves computed through the float path).
inline Tensor as_float(const Tensor& t) { return t.dtype() == DType::Float ? t : t.cast(DType::Float); }

// Output 0 of shape `out_shape` from X, W and an optional B of one float type: calls
// f(x, w, b, y) with typed pointers (b nullptr when absent), float and double directly, halves
// through float.
template <class F>
Status run_float_xwb(KernelContext& ctx, const Tensor& x, const Tensor& w, const Tensor* b, const Shape& out_shape,
                     F&& f) {
  switch (x.dtype()) {
    case DType::Float: {
      Tensor& y = ctx.output(0, DType::Float, out_shape);
      f(x.data<float>(), w.data<float>(), b ? b->data<float>() : nullptr, y.data<float>());
      return {};
    }
    case DType::Double: {
      Tensor& y = ctx.output(0, DType::Double, out_shape);
      f(x.data<double>(), w.data<double>(), b ? b->data<double>() : nullptr, y.data<double>());
      return {};
    }
    case DType::Float16:
    case DType::BFloat16: {
      Tensor xf = as_float(x), wf = as_float(w), bf = b ? as_float(*b) : Tensor();
      Tensor yf(DType::Float, out_shape);
      f(xf.data<float>(), wf.data<float>(), b ? bf.data<float>() : nullptr, yf.data<float>());
      ctx.set_output(0, yf.cast(x.dtype()));
      return {};
    }
    default:
      return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  }
}

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

// Column buffer budget of Conv and ConvTranspose, in elements; larger problems are split in chunks.
inline constexpr int64_t kColBudget = int64_t{1} << 21;

// Row-major C = op(A) * op(B): oneDNN's sgemm for float, gemm_generic for the other types.
template <class T>
void gemm_any(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
              T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) kernels::gemm_f32(ta, tb, m, n, k, 1.f, a, lda, b, ldb, 0.f, c, ldc);
  else gemm_generic<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, T(0), c, ldc);
}

// Adds bias[c] to every value of plane (n, c) of y, `planes` = N * channels planes of `size`.
template <class T>
void add_channel_bias(T* y, const T* bias, int64_t planes, int64_t channels, int64_t size, int threads) {
  kernels::parallel_for(planes, threads, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T bv = bias[i % channels];
      T* yr = y + i * size;
      for (int64_t j = 0; j < size; ++j) yr[j] += bv;
    }
  });
}

// Product of dims [b, e).
inline int64_t prod(std::span<const int64_t> s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e && i < s.size(); ++i) p *= s[i];
  return p;
}

}  // namespace sz0::ops::nn

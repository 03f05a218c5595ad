// Helpers shared by the quantization ops: 8-bit type checks, round-half-to-even requantization,
// zero-point/scale expansion, the convolution plan and the integer GEMM. Window and matmul shapes
// live in ops/conv_geometry.h and ops/matmul_shape.h.
#pragma once

#include "ops/conv_geometry.h"
#include "ops/matmul_shape.h"
#include "ops/op.h"
#include "ops/shape_util.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace sz0::ops::quant {

inline bool is_q8(DType t) { return t == DType::UInt8 || t == DType::Int8; }

// Inputs a and b must be uint8 or int8; their zero points a_zp and b_zp (when present) of the
// same type.
Status check_q8_operands(const InferContext& ctx, size_t a, size_t a_zp, size_t b, size_t b_zp);
// The inputs of QLinearConv and QLinearMatMul (x, x_scale, x_zero_point, w, w_scale, w_zero_point,
// y_scale, y_zero_point): required ones present, 8-bit operands, float scales. Returns the output
// type, y_zero_point's (uint8 when it is omitted).
Result<DType> check_qlinear_inputs(const InferContext& ctx);

// Range of a quantized output type.
struct QRange {
  int32_t lo = 0, hi = 255;
};
inline QRange qrange(DType t) { return t == DType::Int8 ? QRange{-128, 127} : QRange{0, 255}; }

// Rounds to nearest, ties to even, for |v| < 2^22: adding 1.5 * 2^23 pushes the fraction bits out
// of the mantissa under the default rounding mode. Branch-free so loops over it vectorize.
inline float round_half_even_small(float v) {
#if defined(__FAST_MATH__)
  return std::nearbyint(v);  // reassociation would fold the trick below to `v`
#else
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
#endif
}

// saturate(round_half_even(v) + zp) into [lo, hi]; NaN maps to lo. Clamping to [lo - zp, hi - zp]
// before rounding gives the same result (the bounds are integers) and keeps the rounding trick in
// range for any input, infinities included.
inline int32_t quantize_value(float v, int32_t zp, float lo_minus_zp, float hi_minus_zp) {
  v = v > lo_minus_zp ? v : lo_minus_zp;
  v = v < hi_minus_zp ? v : hi_minus_zp;
  return static_cast<int32_t>(round_half_even_small(v)) + zp;
}

// Values of a small integer tensor (zero points, bias) as int32.
inline std::vector<int32_t> int32_values(const Tensor& t) {
  std::vector<int32_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = static_cast<int32_t>(t.get_int64(i));
  return v;
}
inline std::vector<float> float_values(const Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[i] = static_cast<float>(t.get_double(i));
  return v;
}

// ---------------------------------------------------------------------------------------------
// Matmul parameters.

// Per-row (A side) or per-column (B side) quantization parameter, expanded to one value per
// (operand batch, row or column). Accepted shapes: a scalar or 1 element; a 1-D vector of M (rows)
// or N (columns); or an N-D tensor broadcastable to [batch..., M, 1] (rows) / [batch..., 1, N]
// (columns). `what` names the input in errors.
template <class V>
Result<std::vector<V>> expand_matmul_param(const Node& node, const std::vector<V>& values, const Shape& shape,
                                           const Shape& batch, int64_t len, bool rows, const char* what);
// Instantiated for int32_t (zero points) and float (scales).

// ---------------------------------------------------------------------------------------------
// Convolution plan shared by ConvInteger and QLinearConv.

struct ConvPlan {
  WindowGeom g;  // kernel, strides, dilations and the resolved pads
  int64_t batch = 0, in_c = 0, out_c = 0, group = 1;
  int64_t in_c_g = 0, out_c_g = 0;  // channels per group
  std::vector<int64_t> in_sp, out_sp;
  int64_t in_size = 1, out_size = 1, kernel_size = 1;  // spatial element counts
  int64_t k() const { return in_c_g * kernel_size; }  // GEMM depth
};
// Checks x and w as conv_dims does and resolves the geometry.
Result<ConvPlan> plan_conv(const Node& node, const Shape& x, const Shape& w);

// ---------------------------------------------------------------------------------------------
// Integer GEMM: C[m, n] = sum_k A[m, k] * B[k, n] over int16 operands (8-bit values with their
// zero points already subtracted), accumulated in 32 bits (wrapping on overflow, as ONNX allows).
// Row-major; C is overwritten.
void gemm_s16_s32(int64_t m, int64_t n, int64_t k, const int16_t* a, int64_t lda, const int16_t* b, int64_t ldb,
                  int32_t* c, int64_t ldc, int threads);
// The same by a plain triple loop; the check for the blocked one.
void gemm_s16_s32_reference(int64_t m, int64_t n, int64_t k, const int16_t* a, int64_t lda, const int16_t* b,
                            int64_t ldb, int32_t* c, int64_t ldc);

// Lowers one image and group of x (already zero-point shifted to int16 by `load`) into the
// [in_c_g * kernel_size, out_size] column matrix; padding reads as 0 (the real value zero).
// `x` points at channel 0 of the group in the image. Instantiated for uint8_t and int8_t.
template <class T>
void im2col_s16(const ConvPlan& p, const T* x, int32_t x_zero_point, int16_t* col, int threads);

}  // namespace sz0::ops::quant

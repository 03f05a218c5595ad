// Float32 kernels of the elementwise, normalization and reduction ops, one table per instruction
// set. Each set has its own translation unit (simd_f32_portable.cpp, simd_f32_avx2.cpp,
// simd_f32_avx512.cpp) built from the same templates (simd_f32_impl.h) at its own vector width;
// the best table the CPU runs is chosen once, on first use.
//
// The portable table uses only GCC/Clang vector extensions at four lanes (SSE2 on x86-64), so it
// runs everywhere; it is the fallback and is tested like the others. SZ0_SIMD=portable|avx2|avx512
// in the environment caps the choice (an unsupported request falls back to the best below it).
//
// Results may differ between tables in the last bits (FMA contraction, vector width changes the
// order of a sum): every kernel stays within a few ulp of the exact function (see the tests).
#pragma once

#include <cstdint>

namespace sz0::kernels {

enum class SimdLevel : int { Portable = 0, Avx2 = 1, Avx512 = 2 };

// o = a op b. Max and Min let a NaN in either operand through; PRelu is a < 0 ? a·b : a.
enum class BinaryF32 : int { Add, Sub, Mul, Div, Max, Min, PRelu };

// y = f(x). Parameters in UnaryArgs where the op has them:
//   LeakyRelu a = alpha; Clip [a, b] = [min, max]; HardSigmoid max(0, min(1, a·x + b)) with
//   a = alpha, b = beta; Affine a·x + b; PowHalf is pow(x, 0.5) (√x, but -0 → +0, -inf → +inf).
enum class UnaryF32 : int {
  Copy, Relu, LeakyRelu, Clip, HardSigmoid, HardSwish, Sigmoid, Tanh, Erf, Exp, Gelu, GeluTanh,
  Sqrt, PowHalf, Square, Cube, Neg, Abs, Reciprocal, Affine, Silu, Softsign,
};
struct UnaryArgs {
  float a = 0.0f, b = 0.0f;
};

// Reductions: the sum of x, of x², of |x|, or the maximum / minimum (a NaN wins).
enum class ReduceF32 : int { Sum, SumSquare, SumAbs, Max, Min };

struct SimdF32Kernels {
  const char* name;
  // o[r·n + i] = a[r·ra + i·sa] op b[r·rb + i·sb] for r < rows, i < n; sa and sb are 0 or 1.
  // o may be a or b when that operand is not broadcast (ra = n, sa = 1).
  void (*binary)(BinaryF32 op, const float* a, int64_t ra, int64_t sa, const float* b, int64_t rb, int64_t sb,
                 float* o, int64_t rows, int64_t n);
  // y[i] = f(x[i]) for i < n; y may be x.
  void (*unary)(UnaryF32 op, UnaryArgs args, const float* x, float* y, int64_t n);
  // Softmax, or LogSoftmax when `log`, of `rows` contiguous rows of n > 0 elements. y must not
  // overlap x.
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t n, bool log);
  // The same over the middle axis of one [n, inner] block (element (k, j) at k·inner + j).
  // scratch: 2·inner floats.
  void (*softmax_strided)(const float* x, float* y, int64_t n, int64_t inner, bool log, float* scratch);
  // Layer normalization of `rows` contiguous rows of n > 0 elements:
  // y = (x - mean) / sqrt(var + eps) · scale + bias (bias may be null). mean and inv_std (may be
  // null) receive each row's mean and 1 / sqrt(var + eps). y must not overlap x.
  void (*layer_norm_rows)(const float* x, float* y, int64_t rows, int64_t n, const float* scale, const float* bias,
                          float eps, float* mean, float* inv_std);
  // A reduction of n contiguous elements (n ≥ 1). Sums run in double lanes, so long rows keep
  // their precision.
  double (*reduce_row)(ReduceF32 op, const float* x, int64_t n);
  // acc[i] = acc[i] op x[r·stride + i] for r < rows, i < n (SumSquare and SumAbs add x², |x|),
  // accumulated in double.
  void (*reduce_cols)(ReduceF32 op, const float* x, int64_t rows, int64_t stride, int64_t n, double* acc);
};

// The table in use.
const SimdF32Kernels& simd_f32();
SimdLevel simd_level();
const char* simd_level_name(SimdLevel level);

// A level's table; nullptr where this CPU (or this build) lacks it. The AVX-512 table needs
// AVX512F; the AVX2 table AVX2 and FMA.
const SimdF32Kernels* simd_f32_for(SimdLevel level);

// Makes simd_f32() return `level`'s table from now on, so that tests can run every table the
// CPU has, the portable one included. Returns false (changing nothing) where the CPU lacks it.
// Not for use while kernels run on other threads.
bool set_simd_level_for_testing(SimdLevel level);

// Per-ISA tables (defined in their translation units).
const SimdF32Kernels& simd_f32_portable();
const SimdF32Kernels* simd_f32_avx2();
const SimdF32Kernels* simd_f32_avx512();

}  // namespace sz0::kernels

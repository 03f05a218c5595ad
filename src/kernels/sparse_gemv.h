// One row times a pruned weight: y = epilogue(x · W), W [k, n] held as its non-zeros per output
// column (compressed sparse columns). A dense product of one row streams every weight from
// memory; this one streams the non-zeros and their row indices. Measured against the packed
// GEMM at one row (sz0_bench_sparse_gemm, W 1024 columns): 0.79x of its time at 90% zeros and
// 256 rows, 0.97x at 1024 rows, 0.43-0.64x at 95%; slower below 90% and at more rows, so the
// MatMul kernels use it only for one row and at least kSparseMinZeros zeros.
#pragma once

#include "kernels/sgemm.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sz0::kernels {

constexpr double kSparseMinZeros = 0.9;

struct SparseColumns {
  int64_t k = 0, n = 0;
  std::vector<int32_t> start;  // [n + 1]: column j's non-zeros are [start[j], start[j + 1])
  std::vector<int32_t> rows;   // row index of each non-zero
  std::vector<float> values;
};

// Share of exact zeros among `count` values.
double zero_fraction(const float* w, int64_t count);

// From W [k, n] row-major (row stride ldw), or W stored as [n, k] when `trans`; nullopt when
// k or the non-zeros exceed int32 indices.
std::optional<SparseColumns> pack_sparse_columns(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw);

// y[j] = act(alpha · Σ_i x[i] · W[i, j] + bias[j] + residual[j]) for j < n (ep as for
// sgemm_packed; its residual is one row). Columns are split over up to `threads` threads.
// Zero weights are skipped, not multiplied: an infinite or NaN x[i] whose weights are all zero
// leaves the outputs finite, where the dense product would give NaN.
void sparse_gemv(const float* x, const SparseColumns& w, float* y, const SgemmEpilogue& ep, int threads);

}  // namespace sz0::kernels

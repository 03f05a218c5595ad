// Few-row int8 products: Y[m, n] = A[m, k] · Wᵀ with A uint8, W int8 stored one row per output
// column ([n, k]), accumulated in int32. Batch-1 dense layers (a classifier head, an MLP) have one
// row: there a dot product per column streams every weight once, where a GEMM's register tiles
// sit mostly idle (oneDNN's int8 GEMM ran a 1×1024·1024×1000 product at 16 GOP/s here).
//
// The AVX2 kernel multiplies with vpmaddubsw, whose int16 sums of pairs saturate unless every
// |w| <= 64 (255·64·2 < 2^15). pack_s8_rows reports whether W fits; callers use these kernels
// only when it does. The portable kernel is exact for any W and is the AVX2 one's check.
#pragma once

#include "kernels/rnn_cell.h"  // CacheAligned

#include <cstdint>
#include <vector>

namespace sz0::kernels {

constexpr int64_t kQgemvAlign = 32;  // bytes per step of k; rows are padded with zeros to it

struct PackedS8 {
  int64_t n = 0, k = 0, kp = 0;  // kp: k rounded up to kQgemvAlign
  std::vector<int8_t, CacheAligned<int8_t>> data;  // [n, kp]
  bool fits_7bit = false;                          // every |w| <= 64
};

// From W [k, n] (row-major, or [n, k] when `trans`).
void pack_s8_rows(bool trans, int64_t k, int64_t n, const int8_t* w, PackedS8& out);

// Y[i, j] = Σ_k A[i, k] · W[j, k] for i < m. A rows have stride lda; Y rows stride ldy. Columns
// are split over up to `threads` threads.
void qgemv_u8s8(int64_t m, const uint8_t* a, int64_t lda, const PackedS8& w, int32_t* y, int64_t ldy, int threads);

// The kernels: one row of A (padded to kp) against columns [j0, j1).
using QgemvRowKernel = void (*)(const uint8_t* a, const PackedS8& w, int64_t j0, int64_t j1, int32_t* y);
struct QgemvKernels {
  const char* name;
  QgemvRowKernel row;
};
const QgemvKernels& qgemv_kernels();           // the one in use (SZ0_QGEMV_ISA=portable forces it)
const QgemvKernels& qgemv_kernels_portable();
const QgemvKernels* qgemv_kernels_avx2();      // nullptr where the CPU lacks AVX2

}  // namespace sz0::kernels

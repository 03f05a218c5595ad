// Single-precision GEMM over a packed right-hand matrix, with a fused epilogue:
//   C = act(alpha · A·B + bias + residual)
// for a row-major A [m, k] and B packed once (pack_b) into panels of kSgemmPanel columns. This is
// the kernel of MatMul and Gemm whose B is a weight: the packing is paid at session creation, and
// the bias, residual and activation are applied to each tile while it is still in cache.
//
// The inner kernel computes 6×16 tiles of C in registers (AVX2+FMA: 12 accumulators, each B row
// loaded once per 6 rows of A); it is chosen once from CPUID, with a portable one kept as the
// fallback and tested against it (SZ0_SGEMM_ISA=portable forces it).
#pragma once

#include "kernels/rnn_cell.h"  // CacheAligned
#include "kernels/simd_f32.h"

#include <cstdint>
#include <vector>

namespace sz0::kernels {

constexpr int64_t kSgemmPanel = 16;  // columns per packed panel
constexpr int64_t kSgemmRows = 6;    // rows of A per register tile

// B [k, n] as panels of 16 columns, each stored K-major ([panel][k][16]); the last panel is
// padded with zero columns.
struct PackedB {
  int64_t k = 0, n = 0;
  std::vector<float, CacheAligned<float>> data;
  bool empty() const { return data.empty(); }
};

// Packs B (or Bᵀ when trans_b: then b is [n, k] with row stride ldb).
void pack_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out);

struct SgemmEpilogue {
  float alpha = 1.0f;
  const float* bias = nullptr;      // [n], added to every row
  const float* residual = nullptr;  // [m, n] with row stride ldr
  int64_t ldr = 0;
  bool has_act = false;
  UnaryF32 act = UnaryF32::Copy;
  UnaryArgs act_args;
};

// C [m, n] (row stride ldc) = epilogue(A·B). A is row-major [m, k] with row stride lda.
// Parallel over tiles of C with up to `threads` threads of the shared pool.
void sgemm_packed(int64_t m, const float* a, int64_t lda, const PackedB& b, float* c, int64_t ldc,
                  const SgemmEpilogue& ep, int threads);

// The register-tile kernel: C[mr×16] (+)= A[mr×kc] · Bpanel[kc×16] for mr ≤ 6; accumulates onto C
// when `accumulate`, else overwrites it. `prefetch` (may be null): kc·16 floats of the next panel,
// fetched into cache line by line while this tile computes (weights stream from memory once).
using SgemmMicroKernel = void (*)(int64_t mr, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                                  int64_t ldc, bool accumulate, const float* prefetch);
struct SgemmKernels {
  const char* name;
  SgemmMicroKernel micro;
};
const SgemmKernels& sgemm_kernels();          // the one in use
const SgemmKernels& sgemm_kernels_portable();
const SgemmKernels* sgemm_kernels_avx2();     // nullptr where the CPU lacks AVX2 or FMA
// Makes sgemm_kernels() return `k` from now on (tests run both); not while kernels run.
void set_sgemm_kernels_for_testing(const SgemmKernels& k);

}  // namespace sz0::kernels

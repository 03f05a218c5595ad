// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C.
#pragma once

#include <cstdint>

namespace sz0::kernels {

// Fast path (oneDNN's packed GEMM, uses the shared OpenMP pool).
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// Naive triple loop; the reference the fast path is tested against.
void gemm_f32_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                        const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                        int64_t ldc);

}  // namespace sz0::kernels

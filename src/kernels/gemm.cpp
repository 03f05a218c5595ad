#include "kernels/gemm.h"

#include "kernels/parallel.h"

#include <dnnl.h>
#include <omp.h>


namespace sz0::kernels {

namespace {

// Multiply-adds below which a GEMM runs on one thread (about 20 µs of work at one core's rate).
constexpr int64_t kSmallGemm = int64_t{1} << 19;

// Eight floats, loadable from any float address.
using v8 = float __attribute__((vector_size(32), aligned(4), may_alias));

// y[j] = alpha * dot(a, B row j) + beta * y[j] for rows [j0, j1) of a row-major B [n, k]: each
// weight is read once, in order (a fully-connected layer at batch 1).
__attribute__((target_clones("avx2", "default")))
void gemv_rows(int64_t j0, int64_t j1, int64_t k, float alpha, const float* a, const float* b, int64_t ldb, float beta,
               float* y) {
  for (int64_t j = j0; j < j1; ++j) {
    const float* row = b + j * ldb;
    v8 acc0 = {}, acc1 = {};
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) {
      acc0 += *reinterpret_cast<const v8*>(a + p) * *reinterpret_cast<const v8*>(row + p);
      acc1 += *reinterpret_cast<const v8*>(a + p + 8) * *reinterpret_cast<const v8*>(row + p + 8);
    }
    acc0 += acc1;
    float s = 0;
    for (int l = 0; l < 8; ++l) s += acc0[l];
    for (; p < k; ++p) s += a[p] * row[p];
    y[j] = alpha * s + (beta == 0.f ? 0.f : beta * y[j]);
  }
}

// y[j0:j1] = alpha * (a · B[:, j0:j1]) + beta * y for a row-major B [k, n]: rows of B streamed
// in order, accumulated into y.
__attribute__((target_clones("avx2", "default")))
void gemv_cols(int64_t j0, int64_t j1, int64_t k, float alpha, const float* a, const float* b, int64_t ldb, float beta,
               float* y) {
  float acc[256];
  for (int64_t c0 = j0; c0 < j1; c0 += 256) {
    const int64_t w = std::min<int64_t>(256, j1 - c0);
    for (int64_t j = 0; j < w; ++j) acc[j] = 0.f;
    for (int64_t p = 0; p < k; ++p) {
      const float av = a[p];
      const float* row = b + p * ldb + c0;
      for (int64_t j = 0; j < w; ++j) acc[j] += av * row[j];
    }
    for (int64_t j = 0; j < w; ++j) y[c0 + j] = alpha * acc[j] + (beta == 0.f ? 0.f : beta * y[c0 + j]);
  }
}

}  // namespace

void gemm_f32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
    return;
  }
  if (m == 1 && !ta && n * k >= 4096) {
    // One row: a matrix-vector product, bound by reading B once. The packed GEMM would copy B
    // into its panel layout first.
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    parallel_for(n, threads, [&](int64_t j0, int64_t j1) {
      if (tb) gemv_rows(j0, j1, k, alpha, a, b, ldb, beta, c);
      else gemv_cols(j0, j1, k, alpha, a, b + 0, ldb, beta, c);
    }, 64);
    return;
  }
  // Small products finish before a second thread would have started: run them on this one.
  const int max_threads = omp_get_max_threads();
  const bool small = max_threads > 1 && m * n * k < kSmallGemm;
  if (small) omp_set_num_threads(1);
  const dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (small) omp_set_num_threads(max_threads);
  if (st != dnnl_success) gemm_f32_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_f32_reference(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = ta ? a[p * lda + i] : a[i * lda + p];
        const float bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        acc += static_cast<double>(av) * bv;
      }
      float& out = c[i * ldc + j];
      out = static_cast<float>(alpha * acc + (beta == 0.f ? 0.0 : static_cast<double>(beta) * out));
    }
}

}  // namespace sz0::kernels

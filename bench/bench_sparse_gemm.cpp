// Does a sparse kernel pay off for pruned weights? y = x·W with W [k, n] magnitude-pruned to a
// given sparsity, timed on the packed dense GEMM (kernels/sgemm.h, the runtime's MatMul/Gemm
// kernel) and on two plain sparse kernels over the non-zeros (column-compressed W):
//   gather:     y[r, j] = Σ over W's non-zeros (i, j) of x[r, i]·w   (one row at a time)
//   transposed: yᵀ[j, :] += w · xᵀ[i, :], vectorized over the rows of x
// One thread, medians of 41 runs; prints each sparse time as a share of the dense one.
//   sz0_bench_sparse_gemm
#include "kernels/sgemm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace sz0::kernels;

namespace {

template <class F>
double median_ms(F&& f) {
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) f();
  for (int i = 0; i < 41; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Csc {
  std::vector<int32_t> start, rows;
  std::vector<float> values;
};

Csc compress(const std::vector<float>& w, int64_t k, int64_t n) {
  Csc c;
  c.start.assign(static_cast<size_t>(n + 1), 0);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < k; ++i)
      if (float v = w[static_cast<size_t>(i * n + j)]; v != 0) {
        c.rows.push_back(static_cast<int32_t>(i));
        c.values.push_back(v);
      }
    c.start[static_cast<size_t>(j + 1)] = static_cast<int32_t>(c.rows.size());
  }
  return c;
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  constexpr int64_t n = 1024;
  std::printf("%6s %6s %9s %10s %8s %11s\n", "rows", "k", "sparsity", "dense ms", "gather", "transposed");
  for (int64_t m : {1, 4, 128})
    for (int64_t k : {256, 1024})
      for (double sparsity : {0.7, 0.8, 0.9, 0.95}) {
        std::vector<float> w(static_cast<size_t>(k * n)), x(static_cast<size_t>(m * k));
        for (float& v : w) v = normal(rng);
        for (float& v : x) v = normal(rng);
        std::vector<float> mag(w.size());
        for (size_t i = 0; i < w.size(); ++i) mag[i] = std::fabs(w[i]);
        const size_t cut = static_cast<size_t>(sparsity * static_cast<double>(w.size()));
        std::nth_element(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(cut), mag.end());
        for (float& v : w)
          if (std::fabs(v) < mag[cut]) v = 0;
        PackedB packed;
        pack_b(false, k, n, w.data(), n, packed);
        const Csc c = compress(w, k, n);
        std::vector<float> y(static_cast<size_t>(m * n)), xt(static_cast<size_t>(k * m)), yt(static_cast<size_t>(n * m));
        const double dense = median_ms([&] { sgemm_packed(m, x.data(), k, packed, y.data(), n, SgemmEpilogue{}, 1); });
        const double gather = median_ms([&] {
          for (int64_t r = 0; r < m; ++r) {
            const float* xr = x.data() + r * k;
            for (int64_t j = 0; j < n; ++j) {
              float a0 = 0, a1 = 0;
              int32_t p = c.start[static_cast<size_t>(j)];
              const int32_t e = c.start[static_cast<size_t>(j + 1)];
              for (; p + 2 <= e; p += 2) {
                a0 += xr[c.rows[static_cast<size_t>(p)]] * c.values[static_cast<size_t>(p)];
                a1 += xr[c.rows[static_cast<size_t>(p + 1)]] * c.values[static_cast<size_t>(p + 1)];
              }
              if (p < e) a0 += xr[c.rows[static_cast<size_t>(p)]] * c.values[static_cast<size_t>(p)];
              y[static_cast<size_t>(r * n + j)] = a0 + a1;
            }
          }
        });
        const double transposed = median_ms([&] {
          for (int64_t r = 0; r < m; ++r)
            for (int64_t i = 0; i < k; ++i) xt[static_cast<size_t>(i * m + r)] = x[static_cast<size_t>(r * k + i)];
          for (int64_t j = 0; j < n; ++j) {
            float* yr = yt.data() + j * m;
            std::fill(yr, yr + m, 0.0f);
            for (int32_t p = c.start[static_cast<size_t>(j)]; p < c.start[static_cast<size_t>(j + 1)]; ++p) {
              const float v = c.values[static_cast<size_t>(p)];
              const float* xr = xt.data() + static_cast<int64_t>(c.rows[static_cast<size_t>(p)]) * m;
              for (int64_t r = 0; r < m; ++r) yr[r] += v * xr[r];
            }
          }
          for (int64_t j = 0; j < n; ++j)
            for (int64_t r = 0; r < m; ++r) y[static_cast<size_t>(r * n + j)] = yt[static_cast<size_t>(j * m + r)];
        });
        std::printf("%6lld %6lld %9.2f %10.4f %7.2fx %10.2fx\n", static_cast<long long>(m), static_cast<long long>(k),
                    sparsity, dense, gather / dense, transposed / dense);
      }
}

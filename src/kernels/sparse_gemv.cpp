// One row times a pruned weight (kernels/sparse_gemv.h).
#include "kernels/sparse_gemv.h"

#include "kernels/parallel.h"
#include "kernels/simd_f32.h"

#include <algorithm>
#include <limits>

namespace sz0::kernels {

double zero_fraction(const float* w, int64_t count) {
  if (count <= 0) return 0;
  int64_t zeros = 0;
  for (int64_t i = 0; i < count; ++i) zeros += w[i] == 0.0f;
  return static_cast<double>(zeros) / static_cast<double>(count);
}

std::optional<SparseColumns> pack_sparse_columns(bool trans, int64_t k, int64_t n, const float* w, int64_t ldw) {
  constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max();
  if (k > kMaxIndex) return std::nullopt;
  SparseColumns s;
  s.k = k;
  s.n = n;
  s.start.assign(static_cast<size_t>(n + 1), 0);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < k; ++i) {
      const float v = trans ? w[j * ldw + i] : w[i * ldw + j];
      if (v == 0.0f) continue;
      s.rows.push_back(static_cast<int32_t>(i));
      s.values.push_back(v);
    }
    if (static_cast<int64_t>(s.rows.size()) > kMaxIndex) return std::nullopt;
    s.start[static_cast<size_t>(j + 1)] = static_cast<int32_t>(s.rows.size());
  }
  return s;
}

void sparse_gemv(const float* x, const SparseColumns& w, float* y, const SgemmEpilogue& ep, int threads) {
  const int32_t* rows = w.rows.data();
  const float* values = w.values.data();
  // About 16K non-zeros per task: below that a thread costs more than it saves.
  const int64_t per_column = std::max<int64_t>(1, static_cast<int64_t>(w.values.size()) / std::max<int64_t>(w.n, 1));
  const int64_t grain = std::max<int64_t>(16, (int64_t{1} << 14) / per_column);
  parallel_for(w.n, threads, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
      // Two chains: the loads of x depend on the index loads, not on each other.
      float a0 = 0.0f, a1 = 0.0f;
      int32_t p = w.start[static_cast<size_t>(j)];
      const int32_t e = w.start[static_cast<size_t>(j + 1)];
      for (; p + 2 <= e; p += 2) {
        a0 += x[rows[p]] * values[p];
        a1 += x[rows[p + 1]] * values[p + 1];
      }
      if (p < e) a0 += x[rows[p]] * values[p];
      float v = ep.alpha * (a0 + a1);
      if (ep.bias) v += ep.bias[j];
      if (ep.residual) v += ep.residual[j];
      y[j] = v;
    }
    if (ep.has_act) simd_f32().unary(ep.act, ep.act_args, y + j0, y + j0, j1 - j0);
  }, grain);
}

}  // namespace sz0::kernels

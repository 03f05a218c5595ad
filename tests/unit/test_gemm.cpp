// gemm_f32 (oneDNN's GEMM, and the matrix-vector path for one row) against the naive reference
// over odd shapes, both transpositions, padded leading dimensions and beta.
#include "kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

TEST(GemmF32, MatchesReference) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  struct Case {
    int64_t m, n, k;
  };
  for (const Case& t : std::vector<Case>{{1, 1000, 576}, {1, 4097, 3}, {1, 65, 129}, {1, 7, 5}, {2, 300, 77}, {17, 33, 65}, {64, 1, 300}}) {
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.f, 0.5f}) {
          SCOPED_TRACE(::testing::Message() << t.m << "x" << t.n << "x" << t.k << " ta" << ta << " tb" << tb << " beta" << beta);
          const int64_t lda = (ta ? t.m : t.k) + 3, ldb = (tb ? t.k : t.n) + 5, ldc = t.n + 2;
          std::vector<float> a((ta ? t.k : t.m) * lda), b((tb ? t.n : t.k) * ldb), c(t.m * ldc);
          for (float& v : a) v = u(rng);
          for (float& v : b) v = u(rng);
          for (float& v : c) v = u(rng);
          std::vector<float> want = c;
          sz0::kernels::gemm_f32(ta, tb, t.m, t.n, t.k, 1.25f, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
          sz0::kernels::gemm_f32_reference(ta, tb, t.m, t.n, t.k, 1.25f, a.data(), lda, b.data(), ldb, beta, want.data(), ldc);
          double worst = 0;
          for (int64_t i = 0; i < t.m; ++i)
            for (int64_t j = 0; j < t.n; ++j) worst = std::max(worst, std::fabs(double(c[i * ldc + j]) - want[i * ldc + j]));
          EXPECT_LT(worst, 1e-4 * std::sqrt(double(t.k)));
        }
  }
}

}  // namespace

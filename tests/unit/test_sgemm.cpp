// The packed-B GEMM (kernels/sgemm.h) against a double-precision reference over odd shapes:
// row counts around the 6-row tile, partial 16-column panels, K around the 256 block, both B
// layouts, every epilogue piece, one and two threads, and each register-tile kernel the CPU runs.
#include "kernels/sgemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace sz0::kernels;

namespace {

struct Case {
  int64_t m, n, k;
};

void check(const SgemmKernels& kern, const Case& t, bool trans_b, bool bias, bool residual, bool act, float alpha,
           int threads) {
  SCOPED_TRACE(::testing::Message() << kern.name << " " << t.m << "x" << t.n << "x" << t.k << " tb" << trans_b << " bias"
                                    << bias << " res" << residual << " act" << act << " alpha" << alpha << " threads" << threads);
  std::mt19937 rng(static_cast<unsigned>(t.m * 131 + t.n * 7 + t.k));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int64_t lda = t.k + 3, ldb = (trans_b ? t.k : t.n) + 1, ldc = t.n + 5;
  std::vector<float> a(t.m * lda), b((trans_b ? t.n : t.k) * ldb), bs(t.n), r(t.m * t.n), c(t.m * ldc, 7.f);
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  for (float& v : bs) v = u(rng);
  for (float& v : r) v = u(rng);
  PackedB pb;
  pack_b(trans_b, t.k, t.n, b.data(), ldb, pb);
  SgemmEpilogue ep;
  ep.alpha = alpha;
  if (bias) ep.bias = bs.data();
  if (residual) {
    ep.residual = r.data();
    ep.ldr = t.n;
  }
  if (act) {
    ep.has_act = true;
    ep.act = UnaryF32::Relu;
  }
  set_sgemm_kernels_for_testing(kern);
  sgemm_packed(t.m, a.data(), lda, pb, c.data(), ldc, ep, threads);
  set_sgemm_kernels_for_testing(sgemm_kernels_avx2() ? *sgemm_kernels_avx2() : sgemm_kernels_portable());
  double worst = 0;
  for (int64_t i = 0; i < t.m; ++i) {
    for (int64_t j = 0; j < t.n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < t.k; ++p) s += double(a[i * lda + p]) * (trans_b ? b[j * ldb + p] : b[p * ldb + j]);
      s *= alpha;
      if (bias) s += bs[j];
      if (residual) s += r[i * t.n + j];
      if (act) s = std::max(s, 0.0);
      worst = std::max(worst, std::fabs(s - c[i * ldc + j]));
    }
    for (int64_t j = t.n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], 7.f) << "wrote past row " << i;
  }
  EXPECT_LT(worst, 2e-5 * std::sqrt(double(t.k) + 1));
}

std::vector<const SgemmKernels*> kernels_here() {
  std::vector<const SgemmKernels*> ks{&sgemm_kernels_portable()};
  if (const SgemmKernels* k = sgemm_kernels_avx2()) ks.push_back(k);
  return ks;
}

TEST(SgemmPacked, OddShapesBothLayouts) {
  const Case cases[] = {{1, 1, 1},   {1, 300, 77}, {2, 17, 256}, {5, 16, 257}, {6, 33, 5},  {7, 15, 600},
                        {13, 48, 31}, {64, 1, 300}, {145, 70, 9}, {150, 200, 513}, {3, 40, 0}};
  for (const SgemmKernels* kern : kernels_here())
    for (const Case& t : cases)
      for (int tb = 0; tb < 2; ++tb) check(*kern, t, tb != 0, false, false, false, 1.0f, 1);
}

TEST(SgemmPacked, EpiloguesAndThreads) {
  for (const SgemmKernels* kern : kernels_here())
    for (const Case& t : {Case{9, 70, 40}, Case{200, 150, 300}, Case{1, 129, 64}})
      for (int mask = 0; mask < 8; ++mask)
        for (int threads : {1, 2})
          check(*kern, t, mask == 5, mask & 1, mask & 2, mask & 4, mask == 3 ? 0.5f : 1.0f, threads);
}

}  // namespace

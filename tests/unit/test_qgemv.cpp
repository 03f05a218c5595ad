// Few-row int8 products (kernels/qgemv.h): both kernels against a plain triple loop over odd
// shapes, transposed and not, and the 7-bit check of the packing.
#include "kernels/qgemv.h"

#include <gtest/gtest.h>

#include <random>

using namespace sz0::kernels;

TEST(Qgemv, KernelsMatchPlainLoops) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> u8(0, 255), s7(-64, 64);
  std::vector<const QgemvKernels*> kernels = {&qgemv_kernels_portable()};
  if (const QgemvKernels* k = qgemv_kernels_avx2()) kernels.push_back(k);
  for (int64_t m : {1, 2, 4})
    for (int64_t k : {1, 7, 31, 32, 33, 70, 257})
      for (int64_t n : {1, 3, 4, 5, 9, 17})
        for (bool trans : {false, true}) {
          std::vector<uint8_t> a(static_cast<size_t>(m * (k + 3)));
          for (auto& v : a) v = static_cast<uint8_t>(u8(rng));
          std::vector<int8_t> w(static_cast<size_t>(k * n));
          for (auto& v : w) v = static_cast<int8_t>(s7(rng));
          PackedS8 p;
          pack_s8_rows(trans, k, n, w.data(), p);
          ASSERT_TRUE(p.fits_7bit);
          std::vector<int32_t> want(static_cast<size_t>(m * n));
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              int32_t acc = 0;
              for (int64_t kk = 0; kk < k; ++kk)
                acc += a[i * (k + 3) + kk] * (trans ? w[j * k + kk] : w[kk * n + j]);
              want[i * n + j] = acc;
            }
          // Through the threaded entry point (the kernel in use), and each kernel on its own.
          std::vector<int32_t> got(want.size(), -1);
          qgemv_u8s8(m, a.data(), k + 3, p, got.data(), n, 2);
          EXPECT_EQ(got, want) << "m " << m << " k " << k << " n " << n << " trans " << trans;
          for (const QgemvKernels* kern : kernels) {
            alignas(64) static uint8_t buf[512];
            std::fill(buf, buf + p.kp, 0);
            std::copy(a.begin(), a.begin() + k, buf);
            std::vector<int32_t> y(static_cast<size_t>(n), -1);
            kern->row(buf, p, 0, n, y.data());
            for (int64_t j = 0; j < n; ++j) EXPECT_EQ(y[j], want[j]) << kern->name << " k " << k << " n " << n;
          }
        }
}

TEST(Qgemv, PackingReportsWeightsBeyondSevenBits) {
  const int8_t w[] = {1, -64, 64, 3};
  PackedS8 p;
  pack_s8_rows(false, 2, 2, w, p);
  EXPECT_TRUE(p.fits_7bit);
  const int8_t wide[] = {1, -65, 64, 3};
  pack_s8_rows(false, 2, 2, wide, p);
  EXPECT_FALSE(p.fits_7bit);
  EXPECT_EQ(p.kp, 32);
  EXPECT_EQ(p.data[1 * 32 + 0], -65);  // W[0][1]: column 1, k 0
}

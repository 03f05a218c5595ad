// Few-row int8 products (kernels/qgemv.h): packing, the portable kernel, dispatch and threading.
#include "kernels/qgemv.h"

#include "kernels/parallel.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace sz0::kernels {

void pack_s8_rows(bool trans, int64_t k, int64_t n, const int8_t* w, PackedS8& out) {
  out.n = n;
  out.k = k;
  out.kp = (k + kQgemvAlign - 1) / kQgemvAlign * kQgemvAlign;
  out.data.assign(static_cast<size_t>(n * out.kp), 0);
  out.fits_7bit = true;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t kk = 0; kk < k; ++kk) {
      const int8_t v = trans ? w[j * k + kk] : w[kk * n + j];
      out.data[j * out.kp + kk] = v;
      out.fits_7bit = out.fits_7bit && v >= -64 && v <= 64;
    }
}

namespace {

void row_portable(const uint8_t* a, const PackedS8& w, int64_t j0, int64_t j1, int32_t* y) {
  for (int64_t j = j0; j < j1; ++j) {
    const int8_t* wr = w.data.data() + j * w.kp;
    int32_t acc = 0;
    for (int64_t kk = 0; kk < w.k; ++kk) acc += static_cast<int32_t>(a[kk]) * static_cast<int32_t>(wr[kk]);
    y[j] = acc;
  }
}

const QgemvKernels* pick() {
  const char* env = std::getenv("SZ0_QGEMV_ISA");
  if (env && std::string_view(env) == "portable") return &qgemv_kernels_portable();
  if (const QgemvKernels* k = qgemv_kernels_avx2()) return k;
  return &qgemv_kernels_portable();
}

}  // namespace

const QgemvKernels& qgemv_kernels_portable() {
  static const QgemvKernels k{"portable", row_portable};
  return k;
}

const QgemvKernels& qgemv_kernels() {
  static const QgemvKernels* k = pick();
  return *k;
}

void qgemv_u8s8(int64_t m, const uint8_t* a, int64_t lda, const PackedS8& w, int32_t* y, int64_t ldy, int threads) {
  if (m <= 0 || w.n <= 0) return;
  const QgemvKernels& kern = qgemv_kernels();
  // Rows of A padded with zeros to kp, so the kernel reads whole 32-byte steps.
  thread_local std::vector<uint8_t, CacheAligned<uint8_t>> padded;
  padded.assign(static_cast<size_t>(m * w.kp), 0);
  for (int64_t i = 0; i < m; ++i) std::memcpy(padded.data() + i * w.kp, a + i * lda, static_cast<size_t>(w.k));
  const uint8_t* ap = padded.data();
  // About 64K multiply-adds per task: below that a thread costs more than it saves.
  const int64_t grain = std::max<int64_t>(8, (int64_t{1} << 16) / std::max<int64_t>(w.kp, 1));
  parallel_for(w.n, threads, [&](int64_t j0, int64_t j1) {
    for (int64_t i = 0; i < m; ++i) kern.row(ap + i * w.kp, w, j0, j1, y + i * ldy);
  }, grain);
}

}  // namespace sz0::kernels

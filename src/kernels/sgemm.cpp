// Packed-B GEMM driver: packing, cache blocking, threading and the epilogue (kernels/sgemm.h).
//
// Blocking: K in blocks of kKc (a 16-column panel of one block, 16 KiB, stays in L1 while every
// 6-row tile of a row chunk streams past it); C in tiles of up to kMc rows × kNcPanels panels,
// which are also the unit of work split between threads. Partial sums of earlier K blocks live in
// C itself. A tile's epilogue runs right after its last K block, on data still in cache.
#include "kernels/sgemm.h"

#include "kernels/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace sz0::kernels {

namespace {

constexpr int64_t kKc = 256;
constexpr int64_t kMc = 144;       // 24 register tiles of rows (A: 144 KiB of L2 per K block)
constexpr int64_t kNcPanels = 4;   // 64 columns
constexpr int64_t P = kSgemmPanel;
// Multiply-adds below which one thread does it all (about 20 µs of work at one core's rate).
constexpr int64_t kSmallProduct = int64_t{1} << 19;

using v8 = float __attribute__((vector_size(32), aligned(4), may_alias));

template <int MR>
void micro_portable_t(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate) {
  v8 c0[MR], c1[MR];
  for (int r = 0; r < MR; ++r) {
    if (accumulate) {
      c0[r] = *reinterpret_cast<const v8*>(c + r * ldc);
      c1[r] = *reinterpret_cast<const v8*>(c + r * ldc + 8);
    } else {
      c0[r] = v8{};
      c1[r] = v8{};
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    const v8 b0 = *reinterpret_cast<const v8*>(b + p * P);
    const v8 b1 = *reinterpret_cast<const v8*>(b + p * P + 8);
    for (int r = 0; r < MR; ++r) {
      const float av = a[r * lda + p];
      c0[r] += av * b0;
      c1[r] += av * b1;
    }
  }
  for (int r = 0; r < MR; ++r) {
    *reinterpret_cast<v8*>(c + r * ldc) = c0[r];
    *reinterpret_cast<v8*>(c + r * ldc + 8) = c1[r];
  }
}

void micro_portable(int64_t mr, int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                    bool accumulate, const float*) {
  switch (mr) {
    case 1: return micro_portable_t<1>(kc, a, lda, b, c, ldc, accumulate);
    case 2: return micro_portable_t<2>(kc, a, lda, b, c, ldc, accumulate);
    case 3: return micro_portable_t<3>(kc, a, lda, b, c, ldc, accumulate);
    case 4: return micro_portable_t<4>(kc, a, lda, b, c, ldc, accumulate);
    case 5: return micro_portable_t<5>(kc, a, lda, b, c, ldc, accumulate);
    default: return micro_portable_t<6>(kc, a, lda, b, c, ldc, accumulate);
  }
}

const SgemmKernels* pick() {
  const char* env = std::getenv("SZ0_SGEMM_ISA");
  if (env && std::string_view(env) == "portable") return &sgemm_kernels_portable();
  if (const SgemmKernels* k = sgemm_kernels_avx2()) return k;
  return &sgemm_kernels_portable();
}

std::atomic<const SgemmKernels*> g_kernels{nullptr};

// act(alpha·C + bias + residual) over rows [i0, i1) and columns [j0, j1) of C.
void epilogue(const SgemmEpilogue& ep, float* c, int64_t ldc, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const SimdF32Kernels& s = simd_f32();
  const int64_t w = j1 - j0;
  for (int64_t i = i0; i < i1; ++i) {
    float* row = c + i * ldc + j0;
    if (ep.alpha != 1.0f) s.unary(UnaryF32::Affine, UnaryArgs{ep.alpha, 0.0f}, row, row, w);
    if (ep.bias) s.binary(BinaryF32::Add, row, w, 1, ep.bias + j0, 0, 1, row, 1, w);
    if (ep.residual) s.binary(BinaryF32::Add, row, w, 1, ep.residual + i * ep.ldr + j0, w, 1, row, 1, w);
    if (ep.has_act) s.unary(ep.act, ep.act_args, row, row, w);
  }
}

}  // namespace

const SgemmKernels& sgemm_kernels_portable() {
  static const SgemmKernels k{"portable", micro_portable};
  return k;
}

const SgemmKernels& sgemm_kernels() {
  const SgemmKernels* k = g_kernels.load(std::memory_order_acquire);
  if (!k) {
    k = pick();
    g_kernels.store(k, std::memory_order_release);
  }
  return *k;
}

void set_sgemm_kernels_for_testing(const SgemmKernels& k) { g_kernels.store(&k, std::memory_order_release); }

void pack_b(bool trans_b, int64_t k, int64_t n, const float* b, int64_t ldb, PackedB& out) {
  const int64_t panels = (n + P - 1) / P;
  out.k = k;
  out.n = n;
  out.data.assign(static_cast<size_t>(panels * k * P), 0.0f);
  for (int64_t j = 0; j < panels; ++j) {
    float* dst = out.data.data() + j * k * P;
    const int64_t j0 = j * P, w = std::min(P, n - j0);
    if (!trans_b) {
      for (int64_t p = 0; p < k; ++p) std::memcpy(dst + p * P, b + p * ldb + j0, static_cast<size_t>(w) * sizeof(float));
    } else {
      for (int64_t jj = 0; jj < w; ++jj) {
        const float* src = b + (j0 + jj) * ldb;
        for (int64_t p = 0; p < k; ++p) dst[p * P + jj] = src[p];
      }
    }
  }
}

void sgemm_packed(int64_t m, const float* a, int64_t lda, const PackedB& b, float* c, int64_t ldc,
                  const SgemmEpilogue& ep, int threads) {
  const int64_t n = b.n, k = b.k;
  if (m <= 0 || n <= 0) return;
  const SgemmMicroKernel micro = sgemm_kernels().micro;
  const int64_t panels = (n + P - 1) / P;
  const int64_t tiles_m = (m + kMc - 1) / kMc, tiles_n = (panels + kNcPanels - 1) / kNcPanels;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, static_cast<size_t>(n) * sizeof(float));
  }
  if (m * n * k < kSmallProduct) threads = 1;
  parallel_for(tiles_m * tiles_n, threads, [&](int64_t t0, int64_t t1) {
    alignas(64) float edge[kSgemmRows * P];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = (t / tiles_n) * kMc, i1 = std::min(m, i0 + kMc);
      const int64_t p0 = (t % tiles_n) * kNcPanels, p1 = std::min(panels, p0 + kNcPanels);
      for (int64_t kb = 0; kb < k; kb += kKc) {
        const int64_t kc = std::min(kKc, k - kb);
        const bool acc = kb > 0;
        for (int64_t j = p0; j < p1; ++j) {
          const float* bp = b.data.data() + (j * k + kb) * P;
          const int64_t cols = std::min(P, n - j * P);
          // The first row tile pulls the next panel's block in while it computes.
          const float* next = j + 1 < p1 ? b.data.data() + ((j + 1) * k + kb) * P : nullptr;
          for (int64_t i = i0; i < i1; i += kSgemmRows) {
            const int64_t mr = std::min(kSgemmRows, i1 - i);
            float* ct = c + i * ldc + j * P;
            const float* pf = i == i0 ? next : nullptr;
            if (cols == P) {
              micro(mr, kc, a + i * lda + kb, lda, bp, ct, ldc, acc, pf);
              continue;
            }
            // A partial last panel: through a full-width scratch tile.
            if (acc)
              for (int64_t r = 0; r < mr; ++r) std::memcpy(edge + r * P, ct + r * ldc, static_cast<size_t>(cols) * sizeof(float));
            micro(mr, kc, a + i * lda + kb, lda, bp, edge, P, acc, pf);
            for (int64_t r = 0; r < mr; ++r) std::memcpy(ct + r * ldc, edge + r * P, static_cast<size_t>(cols) * sizeof(float));
          }
        }
      }
      epilogue(ep, c, ldc, i0, i1, p0 * P, std::min(n, p1 * P));
    }
  }, 1);
}

}  // namespace sz0::kernels

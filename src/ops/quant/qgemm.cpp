// Integer GEMM (int16 operands, 32-bit accumulation) and the im2col lowering that feeds it.
#include "kernels/parallel.h"
#include "ops/quant/quant_util.h"

#include <cstring>

namespace sz0::ops::quant {

namespace {

// Tile sizes: a C tile row (kNB int32) stays in L1, a B panel (kKB x kNB int16) in L2.
constexpr int64_t kMB = 64, kNB = 512, kKB = 256;

// Accumulation is done on uint32 so that overflow wraps instead of being undefined; the int32
// output is read back through the same bits.
void tile_rows4(int64_t i, int64_t n0, int64_t nb, int64_t k0, int64_t k1, const int16_t* a, int64_t lda,
                const int16_t* b, int64_t ldb, int32_t* c, int64_t ldc) {
  uint32_t* __restrict c0 = reinterpret_cast<uint32_t*>(c + i * ldc + n0);
  uint32_t* __restrict c1 = reinterpret_cast<uint32_t*>(c + (i + 1) * ldc + n0);
  uint32_t* __restrict c2 = reinterpret_cast<uint32_t*>(c + (i + 2) * ldc + n0);
  uint32_t* __restrict c3 = reinterpret_cast<uint32_t*>(c + (i + 3) * ldc + n0);
  for (int64_t kk = k0; kk < k1; ++kk) {
    const int32_t a0 = a[i * lda + kk], a1 = a[(i + 1) * lda + kk];
    const int32_t a2 = a[(i + 2) * lda + kk], a3 = a[(i + 3) * lda + kk];
    const int16_t* __restrict bp = b + kk * ldb + n0;
    for (int64_t j = 0; j < nb; ++j) {
      const int32_t bv = bp[j];
      c0[j] += static_cast<uint32_t>(a0 * bv);
      c1[j] += static_cast<uint32_t>(a1 * bv);
      c2[j] += static_cast<uint32_t>(a2 * bv);
      c3[j] += static_cast<uint32_t>(a3 * bv);
    }
  }
}

void tile_row1(int64_t i, int64_t n0, int64_t nb, int64_t k0, int64_t k1, const int16_t* a, int64_t lda,
               const int16_t* b, int64_t ldb, int32_t* c, int64_t ldc) {
  uint32_t* __restrict c0 = reinterpret_cast<uint32_t*>(c + i * ldc + n0);
  for (int64_t kk = k0; kk < k1; ++kk) {
    const int32_t a0 = a[i * lda + kk];
    if (a0 == 0) continue;
    const int16_t* __restrict bp = b + kk * ldb + n0;
    for (int64_t j = 0; j < nb; ++j) c0[j] += static_cast<uint32_t>(a0 * static_cast<int32_t>(bp[j]));
  }
}

}  // namespace

void gemm_s16_s32(int64_t m, int64_t n, int64_t k, const int16_t* a, int64_t lda, const int16_t* b, int64_t ldb,
                  int32_t* c, int64_t ldc, int threads) {
  if (m <= 0 || n <= 0) return;
  const int64_t mt = (m + kMB - 1) / kMB, nt = (n + kNB - 1) / kNB;
  // Enough work per tile to be worth a thread: about 64K multiply-adds.
  const int64_t per_tile = std::min(m, kMB) * std::min(n, kNB) * std::max<int64_t>(k, 1);
  const int use = per_tile * mt * nt < (int64_t{1} << 16) ? 1 : threads;
  kernels::parallel_for(mt * nt, use, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t m0 = (t / nt) * kMB, m1 = std::min(m, m0 + kMB);
      const int64_t n0 = (t % nt) * kNB, nb = std::min(n, n0 + kNB) - n0;
      for (int64_t i = m0; i < m1; ++i) std::memset(c + i * ldc + n0, 0, static_cast<size_t>(nb) * sizeof(int32_t));
      for (int64_t k0 = 0; k0 < k; k0 += kKB) {
        const int64_t k1 = std::min(k, k0 + kKB);
        int64_t i = m0;
        for (; i + 4 <= m1; i += 4) tile_rows4(i, n0, nb, k0, k1, a, lda, b, ldb, c, ldc);
        for (; i < m1; ++i) tile_row1(i, n0, nb, k0, k1, a, lda, b, ldb, c, ldc);
      }
    }
  });
}

void gemm_s16_s32_reference(int64_t m, int64_t n, int64_t k, const int16_t* a, int64_t lda, const int16_t* b,
                            int64_t ldb, int32_t* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      uint32_t acc = 0;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += static_cast<uint32_t>(static_cast<int32_t>(a[i * lda + kk]) * static_cast<int32_t>(b[kk * ldb + j]));
      c[i * ldc + j] = static_cast<int32_t>(acc);
    }
}

template <class T>
void im2col_s16(const ConvPlan& p, const T* x, int32_t x_zero_point, int16_t* col, int threads) {
  const size_t nd = p.in_sp.size();
  const int64_t rows = p.in_c_g * p.kernel_size;
  const int64_t w_out = p.out_sp[nd - 1], w_in = p.in_sp[nd - 1];
  const int64_t s_last = p.g.strides[nd - 1];
  if (p.out_size == 0 || rows == 0) return;
  const int64_t outer = p.out_size / w_out;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(p.out_size, 1));
  kernels::parallel_for(rows, threads, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> kk(nd), o(nd);
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / p.kernel_size;
      int64_t rest = r % p.kernel_size;
      for (size_t d = nd; d-- > 0;) {
        kk[d] = rest % p.g.kernel[d];
        rest /= p.g.kernel[d];
      }
      const T* xc = x + c * p.in_size;
      int16_t* dst = col + r * p.out_size;
      // Along the last axis the in-bounds outputs form one range [lo, hi): no per-element test.
      const int64_t off = kk[nd - 1] * p.g.dilations[nd - 1] - p.g.pads[nd - 1];
      const int64_t lo = std::clamp<int64_t>(ceil_div(-off, s_last), 0, w_out);
      const int64_t hi = std::clamp<int64_t>(ceil_div(w_in - off, s_last), lo, w_out);
      std::fill(o.begin(), o.end(), 0);
      for (int64_t q = 0; q < outer; ++q) {
        int16_t* out = dst + q * w_out;
        bool inside = true;
        int64_t base = 0;
        for (size_t d = 0; d + 1 < nd; ++d) {
          const int64_t id = o[d] * p.g.strides[d] + kk[d] * p.g.dilations[d] - p.g.pads[d];
          if (id < 0 || id >= p.in_sp[d]) inside = false;
          base = base * p.in_sp[d] + id;
        }
        if (!inside) {
          std::fill(out, out + w_out, int16_t{0});
        } else {
          const T* row = xc + base * w_in;
          std::fill(out, out + lo, int16_t{0});
          if (s_last == 1) {
            for (int64_t j = lo; j < hi; ++j)
              out[j] = static_cast<int16_t>(static_cast<int32_t>(row[j + off]) - x_zero_point);
          } else {
            for (int64_t j = lo; j < hi; ++j)
              out[j] = static_cast<int16_t>(static_cast<int32_t>(row[j * s_last + off]) - x_zero_point);
          }
          std::fill(out + hi, out + w_out, int16_t{0});
        }
        for (size_t d = nd - 1; d-- > 0;) {  // odometer over the outer output axes
          if (++o[d] < p.out_sp[d]) break;
          o[d] = 0;
        }
      }
    }
  }, grain);
}

template void im2col_s16<uint8_t>(const ConvPlan&, const uint8_t*, int32_t, int16_t*, int);
template void im2col_s16<int8_t>(const ConvPlan&, const int8_t*, int32_t, int16_t*, int);

}  // namespace sz0::ops::quant

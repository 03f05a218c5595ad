// The AVX2 product kernel of the int8 recurrent cells (kernels/rnn_cell_int8.h). Everything after
// the includes is compiled for AVX2 and has internal linkage; rnn_int8_kernels_avx2() checks the
// CPU first.
//
// Per quad of k and block of 8 columns: one 32-byte weight load, shared by up to 4 rows; per row
// a broadcast of its 4 uint8 values, vpmaddubsw (pairs summed to int16, exact while |w| <= 64),
// vpmaddwd by ones (to int32) and vpaddd. Each column's sum stays in its own lane, so no
// horizontal adds are needed; the scales are applied on the way out.
#include "kernels/rnn_cell_int8.h"
#include "kernels/isa_target.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

SZ0_TARGET_BEGIN("avx2")

namespace sz0::kernels {

namespace {

template <int NR>
void tile(const RnnInt8Products& p, int64_t b, int64_t q0, int64_t q1) {
  const int64_t kq = p.w->kq;
  const __m256i ones = _mm256_set1_epi16(1), zp = _mm256_set1_epi32(128);
  const uint8_t* u[NR];
  for (int r = 0; r < NR; ++r) u[r] = p.u + (b + r) * kq * 4;
  for (int64_t q = q0; q < q1; ++q) {
    const int8_t* w = p.w->w.data() + q * kq * 32;
    __m256i acc[NR];
    for (int r = 0; r < NR; ++r) acc[r] = _mm256_setzero_si256();
    for (int64_t t = 0; t < kq; ++t) {
      const __m256i wv = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + t * 32));
      for (int r = 0; r < NR; ++r) {
        int32_t quad;
        std::memcpy(&quad, u[r] + t * 4, 4);
        const __m256i pairs = _mm256_maddubs_epi16(_mm256_set1_epi32(quad), wv);
        acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(pairs, ones));
      }
    }
    const __m256i corr = _mm256_mullo_epi32(zp, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.colsum + q * 8)));
    const __m256 scale = _mm256_loadu_ps(p.scale + q * 8);
    for (int r = 0; r < NR; ++r) {
      const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[r], corr));
      _mm256_storeu_ps(p.out + (b + r) * p.ldo + q * 8, _mm256_mul_ps(v, _mm256_mul_ps(_mm256_set1_ps(p.row_scale[b + r]), scale)));
    }
  }
}

void products_avx2(const RnnInt8Products& p, int64_t b0, int64_t b1, int64_t q0, int64_t q1) {
  int64_t b = b0;
  for (; b + 4 <= b1; b += 4) tile<4>(p, b, q0, q1);
  switch (b1 - b) {
    case 3: tile<3>(p, b, q0, q1); break;
    case 2: tile<2>(p, b, q0, q1); break;
    case 1: tile<1>(p, b, q0, q1); break;
    default: break;
  }
}

}  // namespace

}  // namespace sz0::kernels

SZ0_TARGET_END

namespace sz0::kernels {

const RnnInt8Kernels* rnn_int8_kernels_avx2() {
  static const RnnInt8Kernels k{"avx2", products_avx2};
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok ? &k : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const RnnInt8Kernels* rnn_int8_kernels_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif

// The AVX2 kernels of the int8 depthwise convolution (kernels/qdepthwise.h). Everything after
// the includes is compiled for AVX2 (not FMA: the epilogue's products and sums round as the
// portable kernel's do) and has internal linkage; qdw_kernels_avx2() checks the CPU first.
//
// A tile first widens its input into row pairs (build_pairs), then, block by block, accumulates
// six output positions by 16 channels at a time (twelve accumulators, so each weight load serves
// six positions; positions run across output rows) and stores the sums in channel order for the
// epilogue, which runs over up to 64 positions with its constants in registers.
#include "kernels/qdepthwise.h"
#include "kernels/isa_target.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>

SZ0_TARGET_BEGIN("avx2")

namespace sz0::kernels {

namespace {

constexpr int64_t kChunk = 64;  // positions per epilogue pass

struct EpiConsts {
  __m256 a, b, post, hi, zp, zero, one, three, six, swish;
};

EpiConsts make_consts(const QdwEpilogue& e) {
  EpiConsts k;
  k.a = _mm256_set1_ps(e.a);
  k.b = _mm256_set1_ps(e.b);
  k.post = _mm256_set1_ps(e.post);
  k.hi = _mm256_set1_ps(e.out == QdwOut::UInt8 ? 255.f : 127.f);
  k.zp = _mm256_set1_ps(static_cast<float>(e.zp));
  k.zero = _mm256_setzero_ps();
  k.one = _mm256_set1_ps(1.f);
  k.three = _mm256_set1_ps(3.f);
  k.six = _mm256_set1_ps(6.f);
  k.swish = _mm256_set1_ps(e.post / 6.f);
  return k;
}

// act(v) · post (HardSwish takes post into its own factor).
template <QdwAct A, bool kPost>
inline __m256 activate(__m256 v, const EpiConsts& k) {
  if constexpr (A == QdwAct::HardSwish) {
    const __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(v, k.three), k.zero), k.six);
    return _mm256_mul_ps(_mm256_mul_ps(v, t), k.swish);
  }
  if constexpr (A == QdwAct::Relu) v = _mm256_max_ps(v, k.zero);
  if constexpr (A == QdwAct::LeakyRelu)
    v = _mm256_blendv_ps(_mm256_mul_ps(v, k.a), v, _mm256_cmp_ps(v, k.zero, _CMP_GT_OQ));
  if constexpr (A == QdwAct::Clip) v = _mm256_min_ps(_mm256_max_ps(v, k.a), k.b);
  if constexpr (A == QdwAct::HardSigmoid)
    v = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(_mm256_mul_ps(v, k.a), k.b), k.zero), k.one);
  if constexpr (kPost) v = _mm256_mul_ps(v, k.post);
  return v;
}

// The epilogue of `count` positions of one block (acc[q·16], channels in order): their first
// n (≤ 16) channels go to y[i0 + q·ld].
template <QdwAct A, QdwOut O, bool kPost>
void finish(const int32_t* acc, int64_t count, const float* scale, const float* bias, const EpiConsts& k, void* y,
            int64_t i0, int64_t ld, int n) {
  const __m256 s0 = _mm256_load_ps(scale), s1 = _mm256_load_ps(scale + 8);
  const __m256 b0 = _mm256_load_ps(bias), b1 = _mm256_load_ps(bias + 8);
#pragma GCC unroll 4
  for (int64_t q = 0; q < count; ++q) {
    const __m256i a0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(acc + q * 16));
    const __m256i a1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(acc + q * 16 + 8));
    __m256 v0 = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a0), b0), s0);
    __m256 v1 = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a1), b1), s1);
    v0 = activate<A, kPost>(v0, k);
    v1 = activate<A, kPost>(v1, k);
    const int64_t i = i0 + q * ld;
    if constexpr (O == QdwOut::Float) {
      float* o = static_cast<float*>(y) + i;
      if (n == kQdwBlock) {
        _mm256_storeu_ps(o, v0);
        _mm256_storeu_ps(o + 8, v1);
      } else if (n == 8) {
        _mm256_storeu_ps(o, v0);
      } else {
        alignas(32) float tmp[kQdwBlock];
        _mm256_store_ps(tmp, v0);
        _mm256_store_ps(tmp + 8, v1);
        std::memcpy(o, tmp, sizeof(float) * static_cast<size_t>(n));
      }
    } else {
      // minps(hi, v) passes NaN on; vcvtps2dq (round half to even) turns it, like anything below
      // the range, into INT_MIN, which the saturating packs take to the low end.
      v0 = _mm256_min_ps(k.hi, _mm256_add_ps(v0, k.zp));
      v1 = _mm256_min_ps(k.hi, _mm256_add_ps(v1, k.zp));
      const __m256i q16 = _mm256_permute4x64_epi64(
          _mm256_packs_epi32(_mm256_cvtps_epi32(v0), _mm256_cvtps_epi32(v1)), 0xD8);
      const __m128i lo = _mm256_castsi256_si128(q16), hi = _mm256_extracti128_si256(q16, 1);
      const __m128i q8 = O == QdwOut::UInt8 ? _mm_packus_epi16(lo, hi) : _mm_packs_epi16(lo, hi);
      uint8_t* o = static_cast<uint8_t*>(y) + i;
      if (n == kQdwBlock) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), q8);
      } else if (n == 8) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o), q8);
      } else {
        alignas(16) uint8_t tmp[kQdwBlock];
        _mm_store_si128(reinterpret_cast<__m128i*>(tmp), q8);
        std::memcpy(o, tmp, static_cast<size_t>(n));
      }
    }
  }
}

using FinishFn = void (*)(const int32_t* acc, int64_t count, const float* scale, const float* bias,
                         const EpiConsts& k, void* y, int64_t i0, int64_t ld, int n);

template <QdwAct A, bool kPost>
FinishFn finish_for(QdwOut o) {
  return o == QdwOut::UInt8  ? finish<A, QdwOut::UInt8, kPost>
         : o == QdwOut::Int8 ? finish<A, QdwOut::Int8, kPost>
                             : finish<A, QdwOut::Float, kPost>;
}

template <bool kPost>
FinishFn finish_for(const QdwEpilogue& e) {
  switch (e.act) {
    case QdwAct::None: return finish_for<QdwAct::None, kPost>(e.out);
    case QdwAct::Relu: return finish_for<QdwAct::Relu, kPost>(e.out);
    case QdwAct::LeakyRelu: return finish_for<QdwAct::LeakyRelu, kPost>(e.out);
    case QdwAct::Clip: return finish_for<QdwAct::Clip, kPost>(e.out);
    case QdwAct::HardSwish: return finish_for<QdwAct::HardSwish, kPost>(e.out);
    case QdwAct::HardSigmoid: return finish_for<QdwAct::HardSigmoid, kPost>(e.out);
  }
  return finish_for<QdwAct::None, kPost>(e.out);
}

FinishFn pick_finish(const QdwEpilogue& e) {
  return e.post == 1.f ? finish_for<false>(e) : finish_for<true>(e);
}

// The positions of output rows [oy0, oy1) in chunks: at[q] receives the offset of position q's
// window in the tile's prepared rows (its row within the band times `row`, its column times
// `col`); body(first position, count) accumulates and finishes a chunk.
template <class Body>
void over_chunks(const QdwShape& s, int64_t oy0, int64_t oy1, int64_t row, int64_t col, int64_t* at, Body&& body) {
  int64_t row_at = 0, at_q = 0, ox = 0;
  const int64_t q1 = (oy1 - oy0) * s.ow;
  for (int64_t c0 = 0; c0 < q1; c0 += kChunk) {
    const int64_t count = std::min(kChunk, q1 - c0);
    for (int64_t q = 0; q < count; ++q) {
      at[q] = at_q;
      at_q += col;
      if (++ox == s.ow) {
        ox = 0;
        row_at += row;
        at_q = row_at;
      }
    }
    body(oy0 * s.ow + c0, count);
  }
}

// 8×8 tiles of bytes: three rounds of interleaving (bytes, words, dwords) turn eight rows of
// eight bytes into eight columns.
void transpose_u8_avx2(const uint8_t* src, int64_t lds, int64_t rows, int64_t cols, uint8_t* dst, int64_t ld) {
  int64_t i0 = 0;
  for (; i0 + 8 <= rows; i0 += 8) {
    int64_t j0 = 0;
    for (; j0 + 8 <= cols; j0 += 8) {
      __m128i r[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + (i0 + q) * lds + j0));
      const __m128i t0 = _mm_unpacklo_epi8(r[0], r[1]), t1 = _mm_unpacklo_epi8(r[2], r[3]);
      const __m128i t2 = _mm_unpacklo_epi8(r[4], r[5]), t3 = _mm_unpacklo_epi8(r[6], r[7]);
      const __m128i u0 = _mm_unpacklo_epi16(t0, t1), u1 = _mm_unpackhi_epi16(t0, t1);
      const __m128i u2 = _mm_unpacklo_epi16(t2, t3), u3 = _mm_unpackhi_epi16(t2, t3);
      const __m128i v[4] = {_mm_unpacklo_epi32(u0, u2), _mm_unpackhi_epi32(u0, u2), _mm_unpacklo_epi32(u1, u3),
                            _mm_unpackhi_epi32(u1, u3)};
      for (int q = 0; q < 4; ++q) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + (j0 + 2 * q) * ld + i0), v[q]);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + (j0 + 2 * q + 1) * ld + i0), _mm_srli_si128(v[q], 8));
      }
    }
    for (; j0 < cols; ++j0)
      for (int64_t i = i0; i < i0 + 8; ++i) dst[j0 * ld + i] = src[i * lds + j0];
  }
  for (; i0 < rows; ++i0)
    for (int64_t j = 0; j < cols; ++j) dst[j * ld + i0] = src[i0 * lds + j];
}

// 8×8 tiles of floats: unpack, shuffle, then swap 128-bit halves.
void transpose_f32_avx2(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ld) {
  int64_t i0 = 0;
  for (; i0 + 8 <= rows; i0 += 8) {
    int64_t j0 = 0;
    for (; j0 + 8 <= cols; j0 += 8) {
      __m256 r[8], t[8];
      for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(src + (i0 + q) * lds + j0);
      for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
      }
      for (int q = 0; q < 8; q += 4) {
        r[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
        r[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xEE);
        r[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
        r[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
      }
      for (int q = 0; q < 4; ++q) {
        _mm256_storeu_ps(dst + (j0 + q) * ld + i0, _mm256_permute2f128_ps(r[q], r[q + 4], 0x20));
        _mm256_storeu_ps(dst + (j0 + q + 4) * ld + i0, _mm256_permute2f128_ps(r[q], r[q + 4], 0x31));
      }
    }
    for (; j0 < cols; ++j0)
      for (int64_t i = i0; i < i0 + 8; ++i) dst[j0 * ld + i] = src[i * lds + j0];
  }
  for (; i0 < rows; ++i0)
    for (int64_t j = 0; j < cols; ++j) dst[j * ld + i0] = src[i0 * lds + j];
}

// Pairs of rows (r, r + 1) of blocks [b0, b0 + nb), widened to int16 with x_zp subtracted
// (padding 0) and interleaved per channel: for each column, 16 int16 for channels 0-3 and 8-11
// (row r, row r + 1 alternating), then 16 for channels 4-7 and 12-15, the order vpunpck{l,h}wd
// leave. Pairs start every ps rows from r0; npr of them, wp columns each, per block one after
// another. All blocks of a position are read together, so X is read once, in order.
template <bool kSigned>
inline __m256i widen(__m128i u, __m256i zp) {
  return _mm256_sub_epi16(kSigned ? _mm256_cvtepi8_epi16(u) : _mm256_cvtepu8_epi16(u), zp);
}

// Columns of one pair of rows; kA, kB: whether rows r and r + 1 lie in X (else they are 0).
// Channels past p.c are read from the next position (their weights are zero), except in a
// partial last block, whose loads stop at the image's end.
template <bool kSigned, bool kA, bool kB>
void pair_columns(const QdwPacked& p, const QdwShape& s, const uint8_t* ra, const uint8_t* rb, const uint8_t* end,
                  int64_t nb, bool whole, int64_t block_len, __m256i zp, int16_t* o) {
  const __m256i zero = _mm256_setzero_si256();
  auto put = [&](int16_t* d, __m256i a, __m256i b) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(d), _mm256_unpacklo_epi16(a, b));
    _mm256_store_si256(reinterpret_cast<__m256i*>(d + 16), _mm256_unpackhi_epi16(a, b));
  };
  auto safe = [&](const uint8_t* v) {
    if (v + kQdwBlock <= end) return widen<kSigned>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)), zp);
    alignas(16) uint8_t tmp[kQdwBlock] = {};
    std::memcpy(tmp, v, static_cast<size_t>(end - v));
    return widen<kSigned>(_mm_load_si128(reinterpret_cast<const __m128i*>(tmp)), zp);
  };
  const int64_t fast = whole ? nb : nb - 1;
  for (int64_t iw = 0; iw < s.w; ++iw, ra += p.c, rb += p.c, o += 32) {
    for (int64_t g = 0; g < fast; ++g) {
      const __m256i a = kA ? widen<kSigned>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ra + g * 16)), zp) : zero;
      const __m256i b = kB ? widen<kSigned>(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rb + g * 16)), zp) : zero;
      put(o + g * block_len, a, b);
    }
    if (!whole) put(o + fast * block_len, kA ? safe(ra + fast * 16) : zero, kB ? safe(rb + fast * 16) : zero);
  }
}

// Pairs of rows (r, r + 1) of blocks [b0, b0 + nb), widened to int16 with x_zp subtracted
// (padding 0) and interleaved per channel: for each column, 16 int16 for channels 0-3 and 8-11
// (row r, row r + 1 alternating), then 16 for channels 4-7 and 12-15, the order vpunpck{l,h}wd
// leave. Pairs start every ps rows from r0; npr of them, wp columns each, per block one after
// another. All blocks of a position are read together, so X is read once, in order.
template <bool kSigned>
void build_pairs(const QdwPacked& p, const QdwShape& s, const uint8_t* x, int32_t x_zp, int64_t b0, int64_t nb,
                 int64_t r0, int64_t ps, int64_t npr, int64_t wp, int16_t* d) {
  const uint8_t* end = x + s.h * s.w * p.c;
  const bool whole = (b0 + nb) * kQdwBlock <= p.c;  // no channel past p.c
  const int64_t block_len = npr * wp * 32;
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(x_zp)), zero = _mm256_setzero_si256();
  for (int64_t k = 0; k < npr; ++k) {
    int16_t* row = d + k * wp * 32;
    for (int64_t g = 0; g < nb; ++g) {  // the padding columns, left and right
      int16_t* o = row + g * block_len;
      for (int64_t i = 0; i < s.pl * 32; i += 16) _mm256_store_si256(reinterpret_cast<__m256i*>(o + i), zero);
      for (int64_t i = (s.pl + s.w) * 32; i < wp * 32; i += 16)
        _mm256_store_si256(reinterpret_cast<__m256i*>(o + i), zero);
    }
    const int64_t ia = r0 + k * ps - s.pt, ib = ia + 1;
    const bool in_a = ia >= 0 && ia < s.h, in_b = ib >= 0 && ib < s.h;
    const uint8_t* ra = x + (in_a ? ia : 0) * s.w * p.c + b0 * kQdwBlock;
    const uint8_t* rb = x + (in_b ? ib : 0) * s.w * p.c + b0 * kQdwBlock;
    int16_t* o = row + s.pl * 32;
    if (in_a && in_b) pair_columns<kSigned, true, true>(p, s, ra, rb, end, nb, whole, block_len, zp, o);
    else if (in_a) pair_columns<kSigned, true, false>(p, s, ra, rb, end, nb, whole, block_len, zp, o);
    else if (in_b) pair_columns<kSigned, false, true>(p, s, ra, rb, end, nb, whole, block_len, zp, o);
    else pair_columns<kSigned, false, false>(p, s, ra, rb, end, nb, whole, block_len, zp, o);
  }
}

// Accumulators of R positions at x + at[r]: per step (a pair of kernel rows at one column),
// vpmaddwd multiplies the stored pairs by the weight pairs and adds each channel's two products.
template <int R>
inline void accumulate(const int16_t* x, const int64_t* at, const int32_t* off, int steps, const int16_t* w,
                       int32_t* acc) {
  const int16_t* px[R];
  __m256i lo[R], hi[R];
  for (int r = 0; r < R; ++r) {
    px[r] = x + at[r];
    lo[r] = hi[r] = _mm256_setzero_si256();
  }
#pragma GCC unroll 2
  for (int st = 0; st < steps; ++st, w += 32) {
    const __m256i wl = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i wh = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 16));
    const int32_t o = off[st];
    for (int r = 0; r < R; ++r) {
      const __m256i* v = reinterpret_cast<const __m256i*>(px[r] + o);
      lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(wl, _mm256_load_si256(v)));
      hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(wh, _mm256_load_si256(v + 1)));
    }
  }
  for (int r = 0; r < R; ++r) {  // channels back in order
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc + r * 16), _mm256_permute2x128_si256(lo[r], hi[r], 0x20));
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc + r * 16 + 8), _mm256_permute2x128_si256(lo[r], hi[r], 0x31));
  }
}

// The positions of output rows [oy0, oy1) for block b, from its prepared pairs.
void block_avx2(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const int16_t* pairs,
                const QdwTileGeom& g, int64_t b, int64_t oy0, int64_t oy1, void* y, bool y_nchw) {
  const int steps = p.row_pairs * p.kw;
  int32_t off[kQdwMaxTaps];
  for (int v = 0; v < p.row_pairs; ++v)
    for (int j = 0; j < p.kw; ++j) off[v * p.kw + j] = static_cast<int32_t>(((2 * v / g.ps) * g.wp + j) * 32);
  const EpiConsts k = make_consts(e);
  const FinishFn fin = pick_finish(e);
  const int16_t* w = p.w16.data() + b * steps * 32;
  const int n = static_cast<int>(std::min<int64_t>(kQdwBlock, p.c - b * kQdwBlock));
  const float* scale = p.scale.data() + b * kQdwBlock;
  const float* bias = p.bias.data() + b * kQdwBlock;
  const int64_t plane = s.oh * s.ow;
  alignas(32) int32_t acc[kChunk * 16];
  alignas(32) float chunk[kChunk * 16];  // a chunk's results on their way to an NCHW output
  int64_t at[kChunk];
  over_chunks(s, oy0, oy1, (s.sh / g.ps) * g.wp * 32, s.sw * 32, at, [&](int64_t first, int64_t count) {
    int64_t q = 0;
    for (; q + 6 <= count; q += 6) accumulate<6>(pairs, at + q, off, steps, w, acc + q * 16);
    for (; q + 2 <= count; q += 2) accumulate<2>(pairs, at + q, off, steps, w, acc + q * 16);
    for (; q < count; ++q) accumulate<1>(pairs, at + q, off, steps, w, acc + q * 16);
    if (!y_nchw) {
      fin(acc, count, scale, bias, k, y, first * p.c + b * kQdwBlock, p.c, n);
    } else if (e.out == QdwOut::Float) {
      fin(acc, count, scale, bias, k, chunk, 0, kQdwBlock, kQdwBlock);
      transpose_f32_avx2(chunk, kQdwBlock, count, n, static_cast<float*>(y) + b * kQdwBlock * plane + first, plane);
    } else {
      uint8_t* bytes = reinterpret_cast<uint8_t*>(chunk);
      fin(acc, count, scale, bias, k, bytes, 0, kQdwBlock, kQdwBlock);
      transpose_u8_avx2(bytes, kQdwBlock, count, n, static_cast<uint8_t*>(y) + b * kQdwBlock * plane + first, plane);
    }
  });
}

void tile_avx2(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const uint8_t* x, bool x_signed,
               int32_t x_zp, int64_t b0, int64_t b1, int64_t oy0, int64_t oy1, void* y, bool y_nchw) {
  const QdwTileGeom g = qdw_tile_geom(p, s, oy1 - oy0);
  const int64_t block_len = g.npr * g.wp * 32;
  thread_local std::vector<int16_t, CacheAligned<int16_t>> pairs;  // this worker's
  pairs.resize(static_cast<size_t>((b1 - b0) * block_len));
  if (x_signed) build_pairs<true>(p, s, x, x_zp, b0, b1 - b0, oy0 * s.sh, g.ps, g.npr, g.wp, pairs.data());
  else build_pairs<false>(p, s, x, x_zp, b0, b1 - b0, oy0 * s.sh, g.ps, g.npr, g.wp, pairs.data());
  for (int64_t b = b0; b < b1; ++b)
    block_avx2(p, s, e, pairs.data() + (b - b0) * block_len, g, b, oy0, oy1, y, y_nchw);
}

}  // namespace

}  // namespace sz0::kernels

SZ0_TARGET_END

namespace sz0::kernels {

const QdwKernels* qdw_kernels_avx2() {
  static const QdwKernels k{"avx2", tile_avx2, transpose_u8_avx2};
  static const bool ok = __builtin_cpu_supports("avx2");
  return ok ? &k : nullptr;
}

}  // namespace sz0::kernels

#else  // not x86

namespace sz0::kernels {
const QdwKernels* qdw_kernels_avx2() { return nullptr; }
}  // namespace sz0::kernels

#endif

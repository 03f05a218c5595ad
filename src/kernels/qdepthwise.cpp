// Int8 depthwise convolution (kernels/qdepthwise.h): packing, tiling, the portable kernels,
// dispatch and threading.
#include "kernels/qdepthwise.h"

#include "kernels/parallel.h"
#include "kernels/simd_f32.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sz0::kernels {

void qdw_pack(int64_t c, int kh, int kw, const int8_t* w, const float* scale, int64_t nscale, const float* bias,
              QdwPacked& out) {
  out.c = c;
  out.blocks = (c + kQdwBlock - 1) / kQdwBlock;
  out.kh = kh;
  out.kw = kw;
  out.taps = kh * kw;
  out.row_pairs = (kh + 1) / 2;
  const size_t padded = static_cast<size_t>(out.blocks * kQdwBlock);
  out.w.assign(w, w + c * out.taps);
  out.w16.assign(static_cast<size_t>(out.blocks * out.row_pairs * kw * 32), 0);
  out.scale.assign(padded, 0.f);
  out.bias.assign(padded, 0.f);
  for (int64_t m = 0; m < c; ++m) {
    const int64_t b = m / kQdwBlock;
    const int j = static_cast<int>(m % kQdwBlock);
    for (int t = 0; t < out.taps; ++t) {
      const int i = t / kw, col = t % kw;
      out.w16[((b * out.row_pairs + i / 2) * kw + col) * 32 + qdw_weight_pos(j, i % 2)] = w[m * out.taps + t];
    }
    out.scale[m] = scale[nscale == 1 ? 0 : m];
    out.bias[m] = bias ? bias[m] : 0.f;
  }
}

QdwTileGeom qdw_tile_geom(const QdwPacked& p, const QdwShape& s, int64_t band_rows) {
  QdwTileGeom g;
  g.ps = 2 % s.sh == 0 ? s.sh : 1;
  g.npr = ((band_rows - 1) * s.sh + 2 * (p.row_pairs - 1)) / g.ps + 1;
  g.wp = std::max(s.w + s.pl, (s.ow - 1) * s.sw + p.kw);
  return g;
}

QdwTiling qdw_tiling(const QdwPacked& p, const QdwShape& s, int threads) {
  constexpr int64_t kBlockBudget = 16 << 10, kGroupBudget = 64 << 10;  // bytes of prepared input
  QdwTiling t;
  t.band = std::max<int64_t>(s.oh, 1);
  auto bytes = [&](int64_t band) {
    const QdwTileGeom g = qdw_tile_geom(p, s, band);
    return g.npr * g.wp * 64;
  };
  while (t.band > 1 && bytes(t.band) > kBlockBudget) t.band = (t.band + 1) / 2;
  int64_t most = std::max<int64_t>(1, kGroupBudget / bytes(t.band));
  // Several tiles per thread, so that uneven ones even out: smaller groups first (they cost
  // nothing), then narrower bands (their rows overlap).
  auto tiles = [&] { return s.n * ((s.oh + t.band - 1) / t.band) * ((p.blocks + most - 1) / most); };
  const int64_t want = threads > 1 ? 4 * static_cast<int64_t>(threads) : 1;
  while (tiles() < want && most > 1) most = (most + 1) / 2;
  while (tiles() < want && t.band > 1) t.band = (t.band + 1) / 2;
  const int64_t groups = (p.blocks + most - 1) / most;
  t.group = (p.blocks + groups - 1) / groups;  // even groups
  return t;
}

namespace {

// Comparisons in the order of maxps / minps, which return the second operand for NaN: the
// portable kernel then gives what the AVX2 one gives for every input.
inline float mx(float a, float b) { return a > b ? a : b; }
inline float mn(float a, float b) { return a < b ? a : b; }

float epilogue(int32_t acc, float scale, float bias, const QdwEpilogue& e) {
  float v = (static_cast<float>(acc) + bias) * scale;
  switch (e.act) {
    case QdwAct::None: break;
    case QdwAct::Relu: v = mx(v, 0.f); break;
    case QdwAct::LeakyRelu: v = v > 0.f ? v : v * e.a; break;
    case QdwAct::Clip: v = mn(mx(v, e.a), e.b); break;
    case QdwAct::HardSwish: return v * mn(mx(v + 3.f, 0.f), 6.f) * (e.post / 6.f);
    case QdwAct::HardSigmoid: v = mn(mx(v * e.a + e.b, 0.f), 1.f); break;
  }
  return v * e.post;
}

void store(float v, const QdwEpilogue& e, void* y, int64_t i) {
  if (e.out == QdwOut::Float) {
    static_cast<float*>(y)[i] = v;
    return;
  }
  const float lo = e.out == QdwOut::UInt8 ? 0.f : -128.f, hi = e.out == QdwOut::UInt8 ? 255.f : 127.f;
  v += static_cast<float>(e.zp);
  v = v >= lo ? (v > hi ? hi : v) : lo;  // NaN to lo
  const int32_t q = static_cast<int32_t>(std::nearbyint(v));
  if (e.out == QdwOut::UInt8) static_cast<uint8_t*>(y)[i] = static_cast<uint8_t>(q);
  else static_cast<int8_t*>(y)[i] = static_cast<int8_t>(q);
}

void tile_portable(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const uint8_t* x, bool x_signed,
                   int32_t x_zp, int64_t b0, int64_t b1, int64_t oy0, int64_t oy1, void* y, bool y_nchw) {
  const int64_t plane = s.oh * s.ow;
  const int64_t m1 = std::min(p.c, b1 * kQdwBlock);
  for (int64_t oy = oy0; oy < oy1; ++oy)
    for (int64_t ox = 0; ox < s.ow; ++ox)
      for (int64_t m = b0 * kQdwBlock; m < m1; ++m) {
        int32_t acc = 0;
        for (int t = 0; t < p.taps; ++t) {
          const int64_t ih = oy * s.sh - s.pt + t / p.kw, iw = ox * s.sw - s.pl + t % p.kw;
          if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;  // X = x_zp there
          const uint8_t v = x[(ih * s.w + iw) * p.c + m];
          const int32_t xv = x_signed ? static_cast<int8_t>(v) : v;
          acc += (xv - x_zp) * p.w[m * p.taps + t];
        }
        const int64_t q = oy * s.ow + ox;
        store(epilogue(acc, p.scale[m], p.bias[m], e), e, y, y_nchw ? m * plane + q : q * p.c + m);
      }
}

void transpose_portable(const uint8_t* src, int64_t lds, int64_t rows, int64_t cols, uint8_t* dst, int64_t ld) {
  constexpr int64_t kTile = 16;
  for (int64_t i0 = 0; i0 < rows; i0 += kTile)
    for (int64_t j0 = 0; j0 < cols; j0 += kTile)
      for (int64_t j = j0; j < std::min(cols, j0 + kTile); ++j)
        for (int64_t i = i0; i < std::min(rows, i0 + kTile); ++i) dst[j * ld + i] = src[i * lds + j];
}

}  // namespace

const QdwKernels& qdw_kernels_portable() {
  static const QdwKernels k{"portable", tile_portable, transpose_portable};
  return k;
}

const QdwKernels& qdw_kernels() {
  if (simd_level() >= SimdLevel::Avx2)
    if (const QdwKernels* k = qdw_kernels_avx2()) return *k;
  return qdw_kernels_portable();
}

void qdw_run(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const void* x, bool x_signed, bool x_nchw,
             int32_t x_zp, void* y, bool y_nchw, int threads, const QdwKernels* k) {
  if (s.n <= 0 || s.oh <= 0 || s.ow <= 0 || p.c <= 0) return;
  const QdwKernels& kern = k ? *k : qdw_kernels();
  const size_t esize = e.out == QdwOut::Float ? sizeof(float) : 1;
  const int64_t image_out = s.oh * s.ow * p.c, image_in = s.h * s.w * p.c;
  const uint8_t* xs = static_cast<const uint8_t*>(x);
  if (x_nchw) {  // [C, H·W] → [H·W, C] per image, in the calling thread's buffer
    thread_local std::vector<uint8_t, CacheAligned<uint8_t>> nhwc;
    nhwc.resize(static_cast<size_t>(s.n * image_in));
    uint8_t* d = nhwc.data();
    parallel_for(s.n, threads, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        kern.transpose_u8(xs + i * image_in, s.h * s.w, p.c, s.h * s.w, d + i * image_in, p.c);
    });
    xs = d;
  }
  const QdwTiling tiling = qdw_tiling(p, s, threads);
  const int64_t band = tiling.band, bands = (s.oh + band - 1) / band;
  const int64_t groups = (p.blocks + tiling.group - 1) / tiling.group, per_image = bands * groups;
  const int64_t tile_work = std::max<int64_t>(1, band * s.ow * tiling.group * kQdwBlock * p.taps);
  uint8_t* out = static_cast<uint8_t*>(y);
  parallel_for(s.n * per_image, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t img = t / per_image, band_i = t % per_image / groups, g = t % groups;
      const int64_t oy0 = band_i * band, oy1 = std::min(s.oh, oy0 + band);
      const int64_t b0 = g * tiling.group, b1 = std::min(p.blocks, b0 + tiling.group);
      kern.tile(p, s, e, xs + img * image_in, x_signed, x_zp, b0, b1, oy0, oy1,
                out + static_cast<size_t>(img * image_out) * esize, y_nchw);
    }
  }, std::max<int64_t>(1, 16384 / tile_work));  // about 16K multiply-adds per task at least
}

}  // namespace sz0::kernels

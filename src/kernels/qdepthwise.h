// Int8 depthwise 2-D convolution (one filter per channel, channel multiplier 1) with the fused
// int8 convolution's epilogue. oneDNN 2.6 has no int8 depthwise kernel for AVX2 without VNNI:
// its generic int8 convolution runs these layers slower than the float depthwise kernel.
//
// Work is split in tiles: a few blocks of 16 channels over a band of output rows. Each tile
// first prepares its input: pairs of adjacent rows of X - x_zp, widened to int16 and
// interleaved per channel, the padding 0 (as if X were x_zp there). vpmaddwd then multiplies a
// stored pair by a pair of weights and adds the two products per channel in one instruction,
// reading the pair straight from memory; |x - x_zp| ≤ 255 times any int8 weight fits int16, so
// every int8 weight is exact. The portable kernel reads X directly, one channel at a time.
//
// Epilogue, per output channel m, in float32:
//   v = (acc + bias[m]) · scale[m]; v = act(v) · post (HardSwish: v · min(max(v + 3, 0), 6) ·
//   (post / 6))
//   8-bit output: v + zp, then NaN and values below the range to its low end, values above to
//   its high end, rounded half to even
//   float output: v
// the order oneDNN's output scales, eltwise post-ops and destination zero point follow.
#pragma once

#include "kernels/rnn_cell.h"  // CacheAligned

#include <cstdint>
#include <vector>

namespace sz0::kernels {

constexpr int kQdwBlock = 16;     // channels per block
constexpr int kQdwMaxTaps = 121;  // kh · kw (11 × 11)

enum class QdwAct : uint8_t { None, Relu, LeakyRelu, Clip, HardSwish, HardSigmoid };
enum class QdwOut : uint8_t { UInt8, Int8, Float };

struct QdwEpilogue {
  QdwAct act = QdwAct::None;
  float a = 0, b = 0;  // LeakyRelu: alpha a; Clip: [a, b]; HardSigmoid: min(1, max(0, v·a + b))
  float post = 1;      // multiplies the activation's result
  QdwOut out = QdwOut::UInt8;
  int32_t zp = 0;      // the 8-bit output's zero point
};

// Weights and per-channel constants, channels padded to whole blocks (zero weights). w16: block
// b, kernel rows (2v, 2v + 1), column j at ((b·row_pairs + v)·kw + j)·32; channel i of the block
// (i = 4g + r), row parity t at {0, 16, 8, 24}[g] + 2r + t. A missing last row has zero weights.
struct QdwPacked {
  int64_t c = 0, blocks = 0;
  int kh = 0, kw = 0, taps = 0, row_pairs = 0;
  std::vector<int8_t> w;  // [c][kh·kw] as given
  std::vector<int16_t, CacheAligned<int16_t>> w16;
  std::vector<float, CacheAligned<float>> scale, bias;  // [blocks·16]
};

inline int qdw_weight_pos(int j, int parity) {
  static constexpr int kGroup[4] = {0, 16, 8, 24};
  return kGroup[j / 4] + 2 * (j % 4) + parity;
}

// w: [c, 1, kh, kw]; scale: one value or c; bias: c values in accumulator units, or null.
void qdw_pack(int64_t c, int kh, int kw, const int8_t* w, const float* scale, int64_t nscale, const float* bias,
              QdwPacked& out);

struct QdwShape {
  int64_t n = 1, h = 0, w = 0, oh = 0, ow = 0;
  int sh = 1, sw = 1, pt = 0, pl = 0;  // strides; top and left pads (bottom and right follow from oh, ow)
};

// Tiles: bands of output rows, whose prepared input per block stays within L1, and groups of
// blocks prepared together (X is then read in order, once per band); smaller where `threads`
// need more tiles.
struct QdwTiling {
  int64_t band = 1, group = 1;
};
QdwTiling qdw_tiling(const QdwPacked& p, const QdwShape& s, int threads);

// A tile's prepared input: npr row pairs of wp columns, a pair starting every ps rows (the
// stride when it divides 2, since pairs then start only at even offsets from a window's top).
struct QdwTileGeom {
  int64_t ps = 1, npr = 0, wp = 0;
};
QdwTileGeom qdw_tile_geom(const QdwPacked& p, const QdwShape& s, int64_t band_rows);

struct QdwKernels {
  const char* name;
  // One tile of one image: blocks [b0, b1) over output rows [oy0, oy1). x: the image, channels
  // last, uint8 or int8 (x_signed); y: its output, elements of e.out, channels last or (y_nchw)
  // first.
  void (*tile)(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const uint8_t* x, bool x_signed,
               int32_t x_zp, int64_t b0, int64_t b1, int64_t oy0, int64_t oy1, void* y, bool y_nchw);
  // dst[j·ld + i] = src[i·lds + j] for i < rows, j < cols.
  void (*transpose_u8)(const uint8_t* src, int64_t lds, int64_t rows, int64_t cols, uint8_t* dst, int64_t ld);
};
const QdwKernels& qdw_kernels();  // AVX2 where simd_level() allows it, else portable
const QdwKernels& qdw_kernels_portable();
const QdwKernels* qdw_kernels_avx2();  // nullptr where the CPU lacks AVX2

// Y = epilogue(Σ_taps (X - x_zp)·W) for s.n images. X is uint8 (int8 when x_signed), [N, H, W, C]
// or [N, C, H, W] when x_nchw; Y likewise by y_nchw, of type e.out. kh·kw ≤ kQdwMaxTaps. Scratch
// is per thread; tiles are split over up to `threads` threads. `k` overrides the dispatch (tests).
void qdw_run(const QdwPacked& p, const QdwShape& s, const QdwEpilogue& e, const void* x, bool x_signed, bool x_nchw,
             int32_t x_zp, void* y, bool y_nchw, int threads, const QdwKernels* k = nullptr);

}  // namespace sz0::kernels

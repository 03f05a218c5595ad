// Recurrent cells whose recurrent weights R are int8 (symmetric, one scale per gate row or one
// for all). A step quantizes the vector R multiplies (Ht-1, or rt ⊙ Ht-1 for GRU's h gate) to
// uint8 per batch row, with a scale from that row's largest magnitude and zero point 128,
// multiplies in int8 with int32 sums, and hands the float products to the float cell's gate math
// (RnnCellKernels::gates). The input projection X·Wᵀ is not done here.
//
// What it buys: a float step at small batch streams R (192 KB for a 128-unit GRU) from the cache
// and is bound by that; int8 R is a quarter of it. The arithmetic is no cheaper on CPUs without
// VNNI: 32 multiply-adds take vpmaddubsw + vpmaddwd, as many multiplier cycles as four FMAs. The
// price is the state's 8-bit rounding, at most 0.4% of the row's largest value per element.
#pragma once

#include "kernels/rnn_cell.h"

#include <cstdint>
#include <vector>

namespace sz0::kernels {

using AlignedBytes = std::vector<int8_t, CacheAligned<int8_t>>;

// Products of one phase in block layout: for block q of 8 columns and quad t of k, 32 bytes hold
// lane u's weights k = 4t .. 4t+3 (column q * 8 + u). Column g * Hp + j of a phase is
// R[g * H + j, :]; padding columns and k beyond H are zero.
struct RnnInt8Block {
  AlignedBytes w;  // [cols / 8][kq][8][4]
  int64_t cols = 0, kq = 0;
};

struct RnnCellInt8 {
  RnnInt8Block r;    // the first phase: every gate, or GRU's z and r without linear_before_reset
  RnnInt8Block r_h;  // GRU without linear_before_reset: the h gate
  std::vector<float> scale;     // [G * Hp]: R's scale per column (zero on padding)
  std::vector<int32_t> colsum;  // [G * Hp]: Σ_k R[c, k], which takes the zero point out
  bool fits_7bit = false;       // every |w| <= 64: the AVX2 kernel's int16 pair sums cannot saturate
};

// What the product kernel computes: for rows [b0, b1) and column blocks [q0, q1),
// out[b * ldo + c] = (Σ_k u[b * kp + k] · w[c, k] − 128 · colsum[c]) · row_scale[b] · scale[c].
struct RnnInt8Products {
  const RnnInt8Block* w = nullptr;
  const uint8_t* u = nullptr;  // [batch][kq * 4], 4-byte aligned rows
  const float* row_scale = nullptr;
  const float* scale = nullptr;      // per column of the phase
  const int32_t* colsum = nullptr;   // per column of the phase
  float* out = nullptr;
  int64_t ldo = 0;
};

struct RnnInt8Kernels {
  const char* name;
  void (*products)(const RnnInt8Products& p, int64_t b0, int64_t b1, int64_t q0, int64_t q1);
};
const RnnInt8Kernels& rnn_int8_kernels_portable();  // exact for any int8 weights
const RnnInt8Kernels* rnn_int8_kernels_avx2();      // nullptr where the CPU lacks AVX2

// r: one direction's R as int8, [G * H, H] row-major; scales: n_scales = 1 or G * H values.
// rbh and peep as for rnn_pack_cell.
RnnCellWeights rnn_pack_cell_int8(RnnCellKind kind, bool linear_before_reset, int64_t H, const int8_t* r,
                                  const float* scales, int64_t n_scales, const float* rbh, const float* peep);

// Floats of work a step of an int8 cell needs beyond the float cell's (rnn_step_work_floats
// includes them).
int64_t rnn_int8_work_floats(const RnnCellWeights& w, int64_t batch);

// One step (rnn_step calls it for cells with int8 weights). The AVX2 products are used where the
// CPU has them, R fits in 7 bits and SZ0_RNN_ISA does not say scalar; the portable ones otherwise.
void rnn_step_int8(const RnnCellKernels& k, const RnnStepArgs& a);

// The uint8 form of one row of n floats: q[i] = round(v[i] / s) + 128 with s = max|v| / 127;
// q[n..np) = 128. Returns s: 1 for a row of zeros (or of values too small for 1/s to be
// finite), NaN for a row holding a NaN or an infinity (every q then 128), so that the products
// are NaN as in float.
float rnn_quantize_row(const float* v, int64_t n, int64_t np, uint8_t* q);

}  // namespace sz0::kernels

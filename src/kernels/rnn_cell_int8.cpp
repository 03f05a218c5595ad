// Recurrent cells with int8 recurrent weights (see rnn_cell_int8.h): packing, the portable
// product kernel and the step driver.
#include "kernels/rnn_cell_int8.h"

#include "kernels/parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace sz0::kernels {

namespace {

constexpr int32_t kZeroPoint = 128;

// Gates [g0, g0 + gates) of R in block layout; returns whether every weight fits in 7 bits.
bool pack_gates(RnnInt8Block& out, const int8_t* r, int64_t H, int64_t Hp, int64_t g0, int64_t gates) {
  out.cols = gates * Hp;
  out.kq = (H + 3) / 4;
  out.w.assign(static_cast<size_t>(out.cols * out.kq * 4), 0);
  bool fits = true;
  for (int64_t g = 0; g < gates; ++g)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t c = g * Hp + j, q = c / 8, u = c % 8;
      const int8_t* src = r + ((g0 + g) * H + j) * H;
      for (int64_t k = 0; k < H; ++k) {
        out.w[((q * out.kq + k / 4) * 8 + u) * 4 + k % 4] = src[k];
        fits = fits && src[k] >= -64 && src[k] <= 64;
      }
    }
  return fits;
}

void products_portable(const RnnInt8Products& p, int64_t b0, int64_t b1, int64_t q0, int64_t q1) {
  const int64_t kq = p.w->kq;
  for (int64_t b = b0; b < b1; ++b) {
    const uint8_t* u = p.u + b * kq * 4;
    for (int64_t q = q0; q < q1; ++q) {
      int32_t acc[8] = {};
      const int8_t* w = p.w->w.data() + q * kq * 32;
      for (int64_t t = 0; t < kq; ++t)
        for (int64_t l = 0; l < 8; ++l)
          for (int64_t i = 0; i < 4; ++i) acc[l] += static_cast<int32_t>(u[t * 4 + i]) * w[(t * 8 + l) * 4 + i];
      for (int64_t l = 0; l < 8; ++l) {
        const int64_t c = q * 8 + l;
        p.out[b * p.ldo + c] = static_cast<float>(acc[l] - kZeroPoint * p.colsum[c]) * (p.row_scale[b] * p.scale[c]);
      }
    }
  }
}

const RnnInt8Kernels& products_for(const RnnCellInt8& q) {
  const RnnInt8Kernels* avx2 = rnn_int8_kernels_avx2();
  const bool vector = avx2 && q.fits_7bit && &rnn_cell_kernels() == rnn_cell_kernels_avx2();
  return vector ? *avx2 : rnn_int8_kernels_portable();
}

}  // namespace

const RnnInt8Kernels& rnn_int8_kernels_portable() {
  static const RnnInt8Kernels k{"portable", products_portable};
  return k;
}

RnnCellWeights rnn_pack_cell_int8(RnnCellKind kind, bool linear_before_reset, int64_t H, const int8_t* r,
                                  const float* scales, int64_t n_scales, const float* rbh, const float* peep) {
  RnnCellWeights w = rnn_cell_shell(kind, linear_before_reset, H, rbh, peep);
  auto q = std::make_shared<RnnCellInt8>();
  const int64_t G = w.G, Hp = w.Hp;
  q->fits_7bit = pack_gates(q->r, r, H, Hp, 0, w.Gb);
  if (w.Gb != G) q->fits_7bit = pack_gates(q->r_h, r, H, Hp, w.Gb, G - w.Gb) && q->fits_7bit;
  q->scale.assign(static_cast<size_t>(G * Hp), 0.0f);
  q->colsum.assign(static_cast<size_t>(G * Hp), 0);
  for (int64_t g = 0; g < G; ++g)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t row = g * H + j, c = g * Hp + j;
      q->scale[c] = scales[n_scales == 1 ? 0 : row];
      int32_t sum = 0;
      for (int64_t k = 0; k < H; ++k) sum += r[row * H + k];
      q->colsum[c] = sum;
    }
  w.int8 = std::move(q);
  return w;
}

float rnn_quantize_row(const float* v, int64_t n, int64_t np, uint8_t* q) {
  float amax = 0.0f;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    amax = std::max(amax, std::fabs(v[i]));
    nan = nan || std::isnan(v[i]);
  }
  if (nan || !std::isfinite(amax) || amax < 127.0f * std::numeric_limits<float>::min()) {
    // All zero, or too small for 1/s to stay finite: zeros. NaN or inf: every product of the
    // row becomes NaN through the returned scale, as it would in float.
    std::memset(q, kZeroPoint, static_cast<size_t>(np));
    return nan || !std::isfinite(amax) ? std::numeric_limits<float>::quiet_NaN() : 1.0f;
  }
  const float s = amax / 127.0f, inv = 1.0f / s;
  // v / s lies in [-127, 127]: adding 128.5 and truncating rounds half up onto [1, 255].
  for (int64_t i = 0; i < n; ++i) {
    const float t = std::clamp(v[i] * inv + (kZeroPoint + 0.5f), 0.0f, 255.0f);
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(t));
  }
  std::memset(q + n, kZeroPoint, static_cast<size_t>(np - n));
  return s;
}

int64_t rnn_int8_work_floats(const RnnCellWeights& w, int64_t batch) {
  // Row scales, then the uint8 rows (4 bytes per k quad).
  return batch + batch * w.int8->r.kq;
}

void rnn_step_int8(const RnnCellKernels& k, const RnnStepArgs& a) {
  const RnnCellWeights& w = *a.w;
  const RnnCellInt8& q = *w.int8;
  const RnnInt8Kernels& kern = products_for(q);
  const int64_t N = a.batch, H = w.H, Hp = w.Hp, kp = q.r.kq * 4;
  // The float cell's work (products, then GRU's zt and rt ⊙ Ht-1), then this kernel's.
  float* acc = a.work;
  float* z = acc + N * w.G * Hp;
  float* rh = z + N * Hp;
  float* row_scale = z + (w.kind == RnnCellKind::Gru ? 2 * N * Hp : 0);
  uint8_t* u = reinterpret_cast<uint8_t*>(row_scale + N);

  auto phase = [&](RnnPhase p, const RnnInt8Block& blk, const float* in, int64_t col0) {
    const int64_t ld = blk.cols;
    for (int64_t b = 0; b < N; ++b) row_scale[b] = rnn_quantize_row(in + b * Hp, H, kp, u + b * kp);
    const RnnInt8Products prod{&blk, u, row_scale, q.scale.data() + col0, q.colsum.data() + col0, acc, ld};
    // About 64K multiply-adds per task: below that a thread costs more than it saves.
    const int64_t blocks = ld / 8, grain = std::max<int64_t>(1, (int64_t{1} << 13) / std::max<int64_t>(kp * N, 1));
    parallel_for(blocks, a.threads, [&](int64_t q0, int64_t q1) { kern.products(prod, 0, N, q0, q1); }, grain);
    const RnnPhaseArgs pa{p, &a, nullptr, in, z, rh};
    parallel_for(N, a.threads, [&](int64_t b0, int64_t b1) { k.gates(pa, acc, ld, b0, b1); },
                 std::max<int64_t>(1, 4096 / ld));
  };
  switch (w.kind) {
    case RnnCellKind::Rnn: phase(RnnPhase::Rnn, q.r, a.h_prev, 0); break;
    case RnnCellKind::Lstm: phase(RnnPhase::Lstm, q.r, a.h_prev, 0); break;
    case RnnCellKind::Gru:
      if (w.linear_before_reset) {
        phase(RnnPhase::GruLbr, q.r, a.h_prev, 0);
      } else {
        phase(RnnPhase::GruZr, q.r, a.h_prev, 0);
        phase(RnnPhase::GruH, q.r_h, rh, 2 * Hp);
      }
      break;
  }
}

}  // namespace sz0::kernels

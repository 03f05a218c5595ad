// Packing, kernel choice and the step driver for the recurrent cells (see rnn_cell.h).
#include "kernels/rnn_cell.h"

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/rnn_cell_int8.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace sz0::kernels {

namespace {

int64_t gates_of(RnnCellKind k) { return k == RnnCellKind::Rnn ? 1 : k == RnnCellKind::Gru ? 3 : 4; }

// Writes gates [g0, g0 + gb) of R in the block layout.
void pack_blocks(AlignedFloats& out, const float* r, int64_t H, int64_t Hp, int64_t g0, int64_t gb) {
  const int64_t nq = Hp / kRnnBlock;
  out.assign(static_cast<size_t>(nq * H * gb * kRnnBlock), 0.0f);
  for (int64_t q = 0; q < nq; ++q)
    for (int64_t k = 0; k < H; ++k)
      for (int64_t g = 0; g < gb; ++g)
        for (int64_t u = 0; u < kRnnBlock; ++u) {
          const int64_t j = q * kRnnBlock + u;
          if (j < H) out[((q * H + k) * gb + g) * kRnnBlock + u] = r[((g0 + g) * H + j) * H + k];
        }
}

}  // namespace

RnnCellWeights rnn_cell_shell(RnnCellKind kind, bool linear_before_reset, int64_t H, const float* rbh,
                              const float* peep) {
  RnnCellWeights w;
  w.kind = kind;
  w.linear_before_reset = kind == RnnCellKind::Gru && linear_before_reset;
  w.H = H;
  w.Hp = rnn_padded(H);
  w.G = gates_of(kind);
  w.Gb = kind == RnnCellKind::Gru && !w.linear_before_reset ? 2 : w.G;
  if (w.linear_before_reset) {
    w.rbh.assign(static_cast<size_t>(w.Hp), 0.0f);
    if (rbh) std::copy(rbh, rbh + H, w.rbh.begin());
  }
  if (kind == RnnCellKind::Lstm && peep) {
    w.peep.assign(static_cast<size_t>(3 * w.Hp), 0.0f);
    for (int64_t g = 0; g < 3; ++g) std::copy(peep + g * H, peep + (g + 1) * H, w.peep.begin() + g * w.Hp);
  }
  return w;
}

RnnCellWeights rnn_pack_cell(RnnCellKind kind, bool linear_before_reset, int64_t H, const float* r,
                             const float* rbh, const float* peep) {
  RnnCellWeights w = rnn_cell_shell(kind, linear_before_reset, H, rbh, peep);
  const int64_t G = w.G, Hp = w.Hp;
  pack_blocks(w.blocks, r, H, Hp, 0, w.Gb);
  if (w.Gb != G) pack_blocks(w.blocks_h, r, H, Hp, 2, 1);
  w.rt.assign(static_cast<size_t>(H * G * Hp), 0.0f);
  for (int64_t k = 0; k < H; ++k)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t j = 0; j < H; ++j) w.rt[(k * G + g) * Hp + j] = r[(g * H + j) * H + k];
  return w;
}

const RnnCellKernels& rnn_cell_kernels() {
  static const RnnCellKernels* chosen = [] {
    const char* force = std::getenv("SZ0_RNN_ISA");
    if (force && std::string_view(force) == "scalar") return &rnn_cell_kernels_scalar();
    if (const RnnCellKernels* k = rnn_cell_kernels_avx2()) return k;
    return &rnn_cell_kernels_scalar();
  }();
  return *chosen;
}

int64_t rnn_step_work_floats(const RnnCellWeights& w, int64_t batch) {
  // GEMM products, then zt and rt ⊙ Ht-1 for GRU's second phase.
  const int64_t floats = batch * w.G * w.Hp + (w.kind == RnnCellKind::Gru ? 2 * batch * w.Hp : 0);
  return floats + (w.int8 ? rnn_int8_work_floats(w, batch) : 0);
}

void rnn_step(const RnnCellKernels& k, const RnnStepArgs& a) {
  const RnnCellWeights& w = *a.w;
  const int64_t N = a.batch, Hp = w.Hp;
  if (N <= 0) return;
  if (w.int8) {
    rnn_step_int8(k, a);
    return;
  }
  if (N <= kRnnGemvMaxBatch) {
    // This step's X·Wᵀ rows were written long before and have likely left the cache; the gate
    // math reads them right after the first tile's products, so start fetching them now.
    for (int64_t b = 0; b < N; ++b)
      for (int64_t i = 0; i < w.G * Hp; i += 16) __builtin_prefetch(a.x + b * a.ldx + i);
  }
  float* acc = a.work;
  float* z = acc + N * w.G * Hp;
  float* rh = z + N * Hp;
  auto phase = [&](RnnPhase p, const float* blocks, const float* in, int64_t gates, const float* rt) {
    const RnnPhaseArgs pa{p, &a, blocks, in, z, rh};
    if (N <= kRnnGemvMaxBatch) {
      // Each thread streams the weights through its own core's cache for its rows.
      parallel_for(N, a.threads, [&](int64_t b0, int64_t b1) { k.gemv(pa, b0, b1); }, 4);
      return;
    }
    const int64_t ld = gates * Hp;
    gemm_f32(false, false, N, ld, w.H, 1.0f, in, Hp, rt, w.G * Hp, 0.0f, acc, ld);
    parallel_for(
        N, a.threads, [&](int64_t b0, int64_t b1) { k.gates(pa, acc, ld, b0, b1); },
        std::max<int64_t>(1, 4096 / ld));
  };
  switch (w.kind) {
    case RnnCellKind::Rnn: phase(RnnPhase::Rnn, w.blocks.data(), a.h_prev, 1, w.rt.data()); break;
    case RnnCellKind::Lstm: phase(RnnPhase::Lstm, w.blocks.data(), a.h_prev, 4, w.rt.data()); break;
    case RnnCellKind::Gru:
      if (w.linear_before_reset) {
        phase(RnnPhase::GruLbr, w.blocks.data(), a.h_prev, 3, w.rt.data());
      } else {
        phase(RnnPhase::GruZr, w.blocks.data(), a.h_prev, 2, w.rt.data());
        phase(RnnPhase::GruH, w.blocks_h.data(), rh, 1, w.rt.data() + 2 * Hp);
      }
      break;
  }
}

}  // namespace sz0::kernels

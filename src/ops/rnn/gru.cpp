// GRU (gates z, r, h):
//   zt = f(Xt·Wzᵀ + Ht-1·Rzᵀ + Wbz + Rbz)
//   rt = f(Xt·Wrᵀ + Ht-1·Rrᵀ + Wbr + Rbr)
//   ht = g(Xt·Whᵀ + (rt ⊙ Ht-1)·Rhᵀ + Rbh + Wbh)          linear_before_reset = 0
//   ht = g(Xt·Whᵀ + rt ⊙ (Ht-1·Rhᵀ + Rbh) + Wbh)          linear_before_reset = 1
//   Ht = (1 - zt) ⊙ ht + zt ⊙ Ht-1
#include "kernels/parallel.h"
#include "ops/rnn/recurrent.h"

namespace sz0::ops::rnn {

template <class A>
void gru_step(const Step<A>& s) {
  const int64_t H = s.pk.H, GH = 3 * H;
  const A* rt = s.pk.rt.data() + s.d * H * GH;
  const A* bias = s.pk.bias.data() + s.d * GH;
  const Activation &f = s.at.act(s.d, 0), &g = s.at.act(s.d, 1);
  const A clip = s.at.clip;
  const int64_t grain = batch_grain(GH);
  const bool lbr = s.at.linear_before_reset;

  // z and r: add Ht-1·R[z,r]ᵀ in place.
  gemm_nn<A>(s.batch, 2 * H, H, s.h, H, rt, GH, true, s.g, s.ldg);
  // linear_before_reset: Ht-1·Rhᵀ apart, since rt scales it after the bias.
  if (lbr) gemm_nn<A>(s.batch, H, H, s.h, H, rt + 2 * H, GH, false, s.scratch, H);

  auto zr = [&](int64_t b) {
    A* gz = s.g + b * s.ldg;
    A* gr = gz + H;
    for (int64_t j = 0; j < 2 * H; ++j) gz[j] += bias[j];
    activate(f, gz, 2 * H, clip);
    if (!lbr) {
      const A* h = s.h + b * H;
      A* rh = s.scratch + b * H;
      for (int64_t j = 0; j < H; ++j) rh[j] = gr[j] * h[j];
    }
  };
  auto update = [&](int64_t b) {
    A* gz = s.g + b * s.ldg;
    A* gr = gz + H;
    A* gh = gz + 2 * H;
    if (lbr) {
      const A* hr = s.scratch + b * H;
      const A* rbh = s.pk.rbh.data() + s.d * H;
      for (int64_t j = 0; j < H; ++j) gh[j] += bias[2 * H + j] + gr[j] * (hr[j] + rbh[j]);
    } else {
      for (int64_t j = 0; j < H; ++j) gh[j] += bias[2 * H + j];
    }
    activate(g, gh, H, clip);
    A* h = s.h + b * H;
    for (int64_t j = 0; j < H; ++j) h[j] = (A(1) - gz[j]) * gh[j] + gz[j] * h[j];
  };

  if (lbr) {
    kernels::parallel_for(
        s.batch, s.threads,
        [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b)
            if (s.active[b]) {
              zr(b);
              update(b);
            }
        },
        grain);
    return;
  }
  kernels::parallel_for(
      s.batch, s.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b)
          if (s.active[b]) zr(b);
      },
      grain);
  // (rt ⊙ Ht-1)·Rhᵀ into the h gate; rows of finished sequences are computed but never read.
  gemm_nn<A>(s.batch, H, H, s.scratch, H, rt + 2 * H, GH, true, s.g + 2 * H, s.ldg);
  kernels::parallel_for(
      s.batch, s.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b)
          if (s.active[b]) update(b);
      },
      grain);
}

template void gru_step<float>(const Step<float>&);
template void gru_step<double>(const Step<double>&);

namespace {

Status infer_gru(InferContext& ctx) { return infer_recurrent(ctx, Cell::Gru); }
Result<std::unique_ptr<Kernel>> make_gru(const KernelInit& init) { return make_recurrent_kernel(init, Cell::Gru); }

SZ0_REGISTER_OP(.op_type = "GRU", .since = 1, .infer = infer_gru, .factory = make_gru);
// Fused kernels for the common case; the reference above takes the rest.
SZ0_REGISTER_OP(.op_type = "GRU", .since = 1, .factory = make_fused_for<Cell::Gru, FusedIsa::Avx2>,
                .accepts = accepts_fused_for<Cell::Gru, FusedIsa::Avx2>, .priority = 2, .kernel_name = "fused_avx2");
SZ0_REGISTER_OP(.op_type = "GRU", .since = 1, .factory = make_fused_for<Cell::Gru, FusedIsa::Portable>,
                .accepts = accepts_fused_for<Cell::Gru, FusedIsa::Portable>, .priority = 1,
                .kernel_name = "fused_scalar");

}  // namespace
}  // namespace sz0::ops::rnn

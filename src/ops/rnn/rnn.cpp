// RNN: Ht = f(Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb).
#include "kernels/parallel.h"
#include "ops/rnn/recurrent.h"

namespace sz0::ops::rnn {

template <class A>
void rnn_step(const Step<A>& s) {
  const int64_t H = s.pk.H;
  gemm_nn<A>(s.batch, H, H, s.h, H, s.pk.rt.data() + s.d * H * H, H, true, s.g, s.ldg);
  const A* bias = s.pk.bias.data() + s.d * H;
  const Activation& f = s.at.act(s.d, 0);
  const A clip = s.at.clip;
  kernels::parallel_for(
      s.batch, s.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          if (!s.active[b]) continue;
          A* gi = s.g + b * s.ldg;
          for (int64_t j = 0; j < H; ++j) gi[j] += bias[j];
          activate(f, gi, H, clip);
          A* h = s.h + b * H;
          for (int64_t j = 0; j < H; ++j) h[j] = gi[j];
        }
      },
      batch_grain(H));
}

template void rnn_step<float>(const Step<float>&);
template void rnn_step<double>(const Step<double>&);

namespace {

Status infer_rnn(InferContext& ctx) { return infer_recurrent(ctx, Cell::Rnn); }
Result<std::unique_ptr<Kernel>> make_rnn(const KernelInit& init) { return make_recurrent_kernel(init, Cell::Rnn); }

SZ0_REGISTER_OP(.op_type = "RNN", .since = 1, .infer = infer_rnn, .factory = make_rnn);
// Fused kernels for the common case; the reference above takes the rest.
SZ0_REGISTER_OP(.op_type = "RNN", .since = 1, .factory = make_fused_for<Cell::Rnn, FusedIsa::Avx2>,
                .accepts = accepts_fused_for<Cell::Rnn, FusedIsa::Avx2>, .priority = 2, .kernel_name = "fused_avx2");
SZ0_REGISTER_OP(.op_type = "RNN", .since = 1, .factory = make_fused_for<Cell::Rnn, FusedIsa::Portable>,
                .accepts = accepts_fused_for<Cell::Rnn, FusedIsa::Portable>, .priority = 1,
                .kernel_name = "fused_scalar");

}  // namespace
}  // namespace sz0::ops::rnn

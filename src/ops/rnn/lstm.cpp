// LSTM (gates i, o, f, c; peepholes P = [Pi, Po, Pf]):
//   it = f(Xt·Wiᵀ + Ht-1·Riᵀ + Pi ⊙ Ct-1 + Wbi + Rbi)
//   ft = f(Xt·Wfᵀ + Ht-1·Rfᵀ + Pf ⊙ Ct-1 + Wbf + Rbf)      (1 - it with input_forget)
//   ct = g(Xt·Wcᵀ + Ht-1·Rcᵀ + Wbc + Rbc)
//   Ct = ft ⊙ Ct-1 + it ⊙ ct
//   ot = f(Xt·Woᵀ + Ht-1·Roᵀ + Po ⊙ Ct + Wbo + Rbo)
//   Ht = ot ⊙ h(Ct)
// clip bounds the gate pre-activations, not Ct.
#include "kernels/parallel.h"
#include "ops/rnn/recurrent.h"

namespace sz0::ops::rnn {

template <class A>
void lstm_step(const Step<A>& s) {
  const int64_t H = s.pk.H, GH = 4 * H;
  gemm_nn<A>(s.batch, GH, H, s.h, H, s.pk.rt.data() + s.d * H * GH, GH, true, s.g, s.ldg);
  const A* bias = s.pk.bias.data() + s.d * GH;
  const A* p = s.pk.p.empty() ? nullptr : s.pk.p.data() + s.d * 3 * H;
  const Activation &f = s.at.act(s.d, 0), &g = s.at.act(s.d, 1), &hact = s.at.act(s.d, 2);
  const A clip = s.at.clip;
  const bool input_forget = s.at.input_forget;
  kernels::parallel_for(
      s.batch, s.threads,
      [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          if (!s.active[b]) continue;
          A* gi = s.g + b * s.ldg;
          A* go = gi + H;
          A* gf = gi + 2 * H;
          A* gc = gi + 3 * H;
          A* c = s.c + b * H;
          A* h = s.h + b * H;
          A* tmp = s.scratch + b * H;
          if (p) {
            for (int64_t j = 0; j < H; ++j) gi[j] += bias[j] + p[j] * c[j];
          } else {
            for (int64_t j = 0; j < H; ++j) gi[j] += bias[j];
          }
          activate(f, gi, H, clip);
          if (input_forget) {
            for (int64_t j = 0; j < H; ++j) gf[j] = A(1) - gi[j];
          } else {
            if (p) {
              for (int64_t j = 0; j < H; ++j) gf[j] += bias[2 * H + j] + p[2 * H + j] * c[j];
            } else {
              for (int64_t j = 0; j < H; ++j) gf[j] += bias[2 * H + j];
            }
            activate(f, gf, H, clip);
          }
          for (int64_t j = 0; j < H; ++j) gc[j] += bias[3 * H + j];
          activate(g, gc, H, clip);
          for (int64_t j = 0; j < H; ++j) c[j] = gf[j] * c[j] + gi[j] * gc[j];
          if (p) {
            for (int64_t j = 0; j < H; ++j) go[j] += bias[H + j] + p[H + j] * c[j];
          } else {
            for (int64_t j = 0; j < H; ++j) go[j] += bias[H + j];
          }
          activate(f, go, H, clip);
          for (int64_t j = 0; j < H; ++j) tmp[j] = c[j];
          activate(hact, tmp, H, A(0));
          for (int64_t j = 0; j < H; ++j) h[j] = go[j] * tmp[j];
        }
      },
      batch_grain(GH));
}

template void lstm_step<float>(const Step<float>&);
template void lstm_step<double>(const Step<double>&);

namespace {

Status infer_lstm(InferContext& ctx) { return infer_recurrent(ctx, Cell::Lstm); }
Result<std::unique_ptr<Kernel>> make_lstm(const KernelInit& init) { return make_recurrent_kernel(init, Cell::Lstm); }

SZ0_REGISTER_OP(.op_type = "LSTM", .since = 1, .infer = infer_lstm, .factory = make_lstm);
// Fused kernels for the common case; the reference above takes the rest.
SZ0_REGISTER_OP(.op_type = "LSTM", .since = 1, .factory = make_fused_for<Cell::Lstm, FusedIsa::Avx2>,
                .accepts = accepts_fused_for<Cell::Lstm, FusedIsa::Avx2>, .priority = 2, .kernel_name = "fused_avx2");
SZ0_REGISTER_OP(.op_type = "LSTM", .since = 1, .factory = make_fused_for<Cell::Lstm, FusedIsa::Portable>,
                .accepts = accepts_fused_for<Cell::Lstm, FusedIsa::Portable>, .priority = 1,
                .kernel_name = "fused_scalar");

}  // namespace
}  // namespace sz0::ops::rnn

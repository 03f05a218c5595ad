// Shared machinery of RNN, GRU and LSTM: attributes, shape inference, activations, weight
// packing, and the per-step cell functions each op file defines.
#pragma once

#include "ops/op.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace sz0::ops::rnn {

enum class Cell { Rnn, Gru, Lstm };

// Gate blocks in W and R: RNN i; GRU z, r, h; LSTM i, o, f, c.
constexpr int64_t num_gates(Cell c) { return c == Cell::Rnn ? 1 : c == Cell::Gru ? 3 : 4; }
// Activation functions per direction: RNN f; GRU f, g; LSTM f, g, h.
constexpr int64_t num_activations(Cell c) { return c == Cell::Rnn ? 1 : c == Cell::Gru ? 2 : 3; }
constexpr std::string_view cell_name(Cell c) { return c == Cell::Rnn ? "RNN" : c == Cell::Gru ? "GRU" : "LSTM"; }

enum class ActKind { Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus };

struct Activation {
  ActKind kind = ActKind::Tanh;
  float alpha = 0;
  float beta = 0;
};

struct RecurrentAttrs {
  Cell cell = Cell::Rnn;
  int64_t num_directions = 1;
  bool reverse = false;       // direction == "reverse"
  int64_t hidden_size = -1;   // -1: not given, taken from R
  std::vector<Activation> acts;  // num_directions * num_activations(cell), forward's first
  float clip = 0;             // 0: no clipping
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM
  int layout = 0;             // 0: [seq, batch, ...]; 1: [batch, seq, ...] (opset 14)

  const Activation& act(int64_t dir, int64_t k) const { return acts[dir * num_activations(cell) + k]; }
};

Result<RecurrentAttrs> parse_attrs(const Node& node, int64_t opset, Cell cell);

// Shape and type inference shared by the three ops.
Status infer_recurrent(InferContext& ctx, Cell cell);

// Reference kernel factory shared by the three ops: every dtype, activation and attribute.
Result<std::unique_ptr<Kernel>> make_recurrent_kernel(const KernelInit& init, Cell cell);

// The fused kernel (recurrent_fused.cpp): float, default activations, no clip, no input_forget,
// constant weights. Avx2 accepts only where the CPU runs it (and SZ0_RNN_ISA does not say
// scalar); Portable takes every CPU.
enum class FusedIsa { Portable, Avx2 };
bool accepts_fused(const KernelInit& init, Cell cell, FusedIsa isa);
Result<std::unique_ptr<Kernel>> make_fused_kernel(const KernelInit& init, Cell cell, FusedIsa isa);

// The same as registry entries, one instance per op and instruction set.
template <Cell C, FusedIsa I>
bool accepts_fused_for(const KernelInit& init) {
  return accepts_fused(init, C, I);
}
template <Cell C, FusedIsa I>
Result<std::unique_ptr<Kernel>> make_fused_for(const KernelInit& init) {
  return make_fused_kernel(init, C, I);
}

// Weights laid out for the kernels, in the compute type A (float for float/float16, double for
// double). G = gates, D = directions, GH = G * H.
template <class A>
struct Packed {
  int64_t D = 0, G = 0, H = 0, I = 0;
  std::vector<A> wt;    // [I, D * GH]: every direction's Wᵀ side by side, so X·Wᵀ is one GEMM
  std::vector<A> rt;    // [D][H, GH]: Rᵀ per direction
  std::vector<A> bias;  // [D][GH]: Wb + Rb (GRU with linear_before_reset: Wbh only for the h gate)
  std::vector<A> rbh;   // [D][H]: Rbh, GRU with linear_before_reset only
  std::vector<A> p;     // [D][3H]: LSTM peepholes (i, o, f); empty when absent
};

// What one time step of one direction sees. `g` holds X·Wᵀ for this step (batch row b at
// g + b * ldg, G*H values); a step adds H·Rᵀ into it and uses it as scratch.
template <class A>
struct Step {
  const RecurrentAttrs& at;
  const Packed<A>& pk;
  int64_t d;        // direction index
  int64_t batch;
  A* g;
  int64_t ldg;
  const char* active;  // per batch row: this step lies within the row's sequence length
  A* h;                // [batch, H] hidden state, updated in place for active rows
  A* c;                // [batch, H] LSTM cell state
  A* scratch;          // [batch, H] (GRU, LSTM)
  int threads;
};

template <class A> void rnn_step(const Step<A>& s);
template <class A> void gru_step(const Step<A>& s);
template <class A> void lstm_step(const Step<A>& s);

// C[m, n] (+)= A[m, k] · B[k, n], row-major with leading dimensions.
template <class A>
void gemm_nn(int64_t m, int64_t n, int64_t k, const A* a, int64_t lda, const A* b, int64_t ldb, bool accumulate,
             A* c, int64_t ldc);

// x[i] = act(clip(x[i])) for i < n; `clip` 0 means none.
template <class A>
void activate(const Activation& act, A* x, int64_t n, A clip);

// Batch rows per parallel chunk so each chunk has enough work.
inline int64_t batch_grain(int64_t width) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(width, 1)); }

}  // namespace sz0::ops::rnn

// The fused recurrent kernel: float RNN, GRU and LSTM with the default activations, no clip, no
// input_forget and constant weights (what exported models use). X·Wᵀ for every step and
// direction is one GEMM onto rows preloaded with the biases; each step is then one
// kernels::rnn_step, which at small batch fuses the recurrent matrix-vector product with the
// gate math. Every other node runs on the reference kernel (recurrent.cpp).
//
// The same kernel runs the internal QRNN, QGRU and QLSTM ops that runtime/fuse_qdq.cpp makes of
// a cell whose W and R are DequantizeLinear of int8 constants: W is dequantized once (X·Wᵀ stays
// a float GEMM over all steps) and R stays int8 (kernels/rnn_cell_int8.h).
#include "kernels/gemm.h"
#include "kernels/rnn_cell.h"
#include "kernels/rnn_cell_int8.h"
#include "ops/internal.h"
#include "ops/rnn/recurrent.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sz0::ops::rnn {

namespace {

using kernels::RnnCellKind;

bool default_activations(const RecurrentAttrs& at) {
  for (int64_t d = 0; d < at.num_directions; ++d)
    for (int64_t k = 0; k < num_activations(at.cell); ++k) {
      const ActKind want = at.cell != Cell::Rnn && k == 0 ? ActKind::Sigmoid : ActKind::Tanh;
      if (at.act(d, k).kind != want) return false;
    }
  return true;
}

const Tensor* constant(const KernelInit& init, size_t i) {
  return i < init.constants.size() ? init.constants[i] : nullptr;
}

bool float_of_shape(const Tensor* t, const Shape& want) { return t && t->dtype() == DType::Float && t->shape() == want; }
bool int8_of_shape(const Tensor* t, const Shape& want) { return t && t->dtype() == DType::Int8 && t->shape() == want; }

bool is_int8_node(const Node& n) { return n.domain == kInternalDomain; }

// The scales of an int8 weight (attribute `name` of a QRNN/QGRU/QLSTM node): one, or one per
// row of a direction's weight (gh), positive and finite; empty when they are not.
std::vector<float> int8_scales(const Node& n, const char* name, int64_t gh) {
  std::vector<float> s = n.attr_floats(name);
  const bool ok = (s.size() == 1 || static_cast<int64_t>(s.size()) == gh) &&
                  std::all_of(s.begin(), s.end(), [](float v) { return v > 0 && std::isfinite(v); });
  return ok ? s : std::vector<float>{};
}

RnnCellKind kind_of(Cell c) {
  return c == Cell::Rnn ? RnnCellKind::Rnn : c == Cell::Gru ? RnnCellKind::Gru : RnnCellKind::Lstm;
}

const kernels::RnnCellKernels* kernels_for(FusedIsa isa) {
  return isa == FusedIsa::Avx2 ? kernels::rnn_cell_kernels_avx2() : &kernels::rnn_cell_kernels_scalar();
}

class FusedKernel final : public Kernel {
 public:
  FusedKernel(RecurrentAttrs at, const kernels::RnnCellKernels& isa) : at_(std::move(at)), isa_(isa) {}

  // Weights as accepts_fused checked them: float constants of the right shapes, or int8 ones
  // with their scales.
  void pack(const KernelInit& init) {
    const Tensor &W = *constant(init, 1), &R = *constant(init, 2);
    const bool int8 = W.dtype() == DType::Int8;
    const Tensor* B = init.node.has_input(3) ? constant(init, 3) : nullptr;
    const Tensor* P = at_.cell == Cell::Lstm && init.node.has_input(7) ? constant(init, 7) : nullptr;
    D_ = at_.num_directions;
    G_ = num_gates(at_.cell);
    H_ = R.dim(2);
    Hp_ = kernels::rnn_padded(H_);
    I_ = W.dim(2);
    const int64_t GH = G_ * H_, ld = D_ * G_ * Hp_;
    const bool lbr = at_.cell == Cell::Gru && at_.linear_before_reset;
    w_.assign(static_cast<size_t>(ld * I_), 0.0f);
    bias_.assign(static_cast<size_t>(ld), 0.0f);
    std::vector<float> w_scales, r_scales;
    if (int8) {
      w_scales = int8_scales(init.node, "w_scales", GH);
      r_scales = int8_scales(init.node, "r_scales", GH);
    }
    for (int64_t d = 0; d < D_; ++d) {
      for (int64_t g = 0; g < G_; ++g)
        for (int64_t j = 0; j < H_; ++j) {
          const int64_t row = g * H_ + j;
          float* dst = w_.data() + ((d * G_ + g) * Hp_ + j) * I_;
          if (!int8) {
            std::memcpy(dst, W.data<float>() + (d * GH + row) * I_, sizeof(float) * I_);
            continue;
          }
          const int8_t* src = W.data<int8_t>() + (d * GH + row) * I_;
          const float s = w_scales[w_scales.size() == 1 ? 0 : row];
          for (int64_t i = 0; i < I_; ++i) dst[i] = static_cast<float>(src[i]) * s;
        }
      const float* rbh = nullptr;
      if (B) {
        const float* wb = B->data<float>() + d * 2 * GH;
        const float* rb = wb + GH;
        // Rbh sits behind the reset gate with linear_before_reset: the cell adds it.
        if (lbr) rbh = rb + 2 * H_;
        for (int64_t g = 0; g < G_; ++g)
          for (int64_t j = 0; j < H_; ++j)
            bias_[(d * G_ + g) * Hp_ + j] = wb[g * H_ + j] + (lbr && g == 2 ? 0.0f : rb[g * H_ + j]);
      }
      const float* peep = P ? P->data<float>() + d * 3 * H_ : nullptr;
      if (int8)
        cells_.push_back(kernels::rnn_pack_cell_int8(kind_of(at_.cell), lbr, H_, R.data<int8_t>() + d * GH * H_,
                                                     r_scales.data(), static_cast<int64_t>(r_scales.size()), rbh, peep));
      else
        cells_.push_back(kernels::rnn_pack_cell(kind_of(at_.cell), lbr, H_, R.data<float>() + d * GH * H_, rbh, peep));
    }
  }

  Status run(KernelContext& ctx) override;

 private:
  RecurrentAttrs at_;
  const kernels::RnnCellKernels& isa_;
  int64_t D_ = 0, G_ = 0, H_ = 0, Hp_ = 0, I_ = 0;
  // [D * G * Hp][I]: W with every gate padded to Hp rows, so gate g of direction d lands in
  // columns (d * G + g) * Hp of X·Wᵀ. Kept untransposed: the GEMM runs faster taking it as Wᵀ.
  std::vector<float> w_;
  std::vector<float> bias_;  // [D * G * Hp]: the biases X·Wᵀ starts from
  std::vector<kernels::RnnCellWeights> cells_;  // per direction
};

// Workspace per calling thread (concurrent runs share the kernel), grown on demand and kept
// between runs.
struct FusedWorkspace {
  std::vector<float> xw, state, work;
  std::vector<char> active;
  std::vector<int64_t> lens;
};
FusedWorkspace& fused_workspace() {
  thread_local FusedWorkspace ws;
  return ws;
}

constexpr const char* kStateNames[] = {"initial_h", "initial_c"};

Status FusedKernel::run(KernelContext& ctx) {
  FusedWorkspace& ws = fused_workspace();
  if (ctx.num_inputs() < 3 || !ctx.has_input(0)) return ctx.fail("inputs X, W and R are required");
  const Tensor& X = ctx.in(0);
  if (X.dtype() != DType::Float) return ctx.fail("X has type {}, W has float", dtype_name(X.dtype()));
  if (X.rank() != 3) return ctx.fail("X must have rank 3, got {}", X.rank());
  if (X.dim(2) != I_) return ctx.fail("X has input size {}, W expects {}", X.dim(2), I_);
  const int layout = at_.layout;
  const int64_t S = X.dim(layout == 0 ? 0 : 1), N = X.dim(layout == 0 ? 1 : 0), H = H_, Hp = Hp_;
  auto present = [&](size_t i) { return i < ctx.num_inputs() ? ctx.input(i) : nullptr; };

  const Tensor* L = present(4);
  ws.lens.assign(static_cast<size_t>(N), S);
  if (L) {
    if (!dtype_is_int(L->dtype())) return ctx.fail("sequence_lens must be int32, got {}", dtype_name(L->dtype()));
    if (L->rank() != 1 || L->dim(0) != N)
      return ctx.fail("sequence_lens has shape {}, expected {}", shape_str(L->shape()), N);
    for (int64_t b = 0; b < N; ++b) {
      ws.lens[b] = L->get_int64(b);
      if (ws.lens[b] < 0 || ws.lens[b] > S) return ctx.fail("sequence_lens[{}] = {} is outside [0, {}]", b, ws.lens[b], S);
    }
  }
  const Shape state_shape = layout == 0 ? Shape{D_, N, H} : Shape{N, D_, H};
  const Tensor* init[2] = {present(5), at_.cell == Cell::Lstm ? present(6) : nullptr};
  for (int i = 0; i < 2; ++i) {
    if (!init[i]) continue;
    if (init[i]->dtype() != DType::Float)
      return ctx.fail("{} has type {}, X has float", kStateNames[i], dtype_name(init[i]->dtype()));
    if (init[i]->shape() != state_shape)
      return ctx.fail("{} has shape {}, expected {}", kStateNames[i], shape_str(init[i]->shape()),
                      shape_str(state_shape));
  }

  // X·Wᵀ + biases for all steps and directions: row (t, b) in X's own order.
  const int64_t ldx = D_ * G_ * Hp, rows = S * N;
  if (ws.xw.size() < static_cast<size_t>(rows * ldx)) ws.xw.resize(static_cast<size_t>(rows * ldx));
  for (int64_t r = 0; r < rows; ++r) std::memcpy(ws.xw.data() + r * ldx, bias_.data(), sizeof(float) * ldx);
  kernels::gemm_f32(false, true, rows, ldx, I_, 1.0f, X.data<float>(), I_, w_.data(), I_, 1.0f, ws.xw.data(), ldx);
  const int64_t row_t = layout == 0 ? N : 1;  // rows between steps
  const int64_t row_b = layout == 0 ? 1 : S;  // rows between batch entries

  float* y = ctx.output_wanted(0) ? ctx.output(0).data<float>() : nullptr;
  float* yh = ctx.num_outputs() > 1 && ctx.output_wanted(1) ? ctx.output(1).data<float>() : nullptr;
  const bool want_c = at_.cell == Cell::Lstm && ctx.num_outputs() > 2 && ctx.output_wanted(2);
  float* yc = want_c ? ctx.output(2).data<float>() : nullptr;
  auto state_at = [&](int64_t d, int64_t b) { return layout == 0 ? (d * N + b) * H : (b * D_ + d) * H; };

  ws.state.assign(static_cast<size_t>(3 * N * Hp), 0.0f);  // h, the next h, c
  ws.active.resize(static_cast<size_t>(N));
  if (N > 0) {
    const size_t work = static_cast<size_t>(kernels::rnn_step_work_floats(cells_[0], N));
    if (ws.work.size() < work) ws.work.resize(work);
  }
  for (int64_t d = 0; d < D_; ++d) {
    const bool reverse = at_.reverse || d == 1;
    float* h = ws.state.data();
    float* h_next = h + N * Hp;
    float* c = h_next + N * Hp;
    std::fill(ws.state.begin(), ws.state.end(), 0.0f);
    for (int64_t b = 0; b < N; ++b) {
      if (init[0]) std::memcpy(h + b * Hp, init[0]->data<float>() + state_at(d, b), sizeof(float) * H);
      if (init[1]) std::memcpy(c + b * Hp, init[1]->data<float>() + state_at(d, b), sizeof(float) * H);
    }
    kernels::RnnStepArgs step;
    step.w = &cells_[d];
    step.batch = N;
    step.ldx = row_b * ldx;
    step.c = c;
    step.active = L ? ws.active.data() : nullptr;
    step.work = ws.work.data();
    step.threads = ctx.threads();
    for (int64_t s = 0; s < S; ++s) {
      const int64_t t = reverse ? S - 1 - s : s;
      bool any = !L;
      if (L)
        for (int64_t b = 0; b < N; ++b) any |= (ws.active[b] = t < ws.lens[b]) != 0;
      if (!any) continue;
      step.x = ws.xw.data() + t * row_t * ldx + d * G_ * Hp;
      step.h_prev = h;
      step.h_next = h_next;
      kernels::rnn_step(isa_, step);
      std::swap(h, h_next);
      if (!y) continue;
      for (int64_t b = 0; b < N; ++b) {
        if (L && !ws.active[b]) continue;  // Y stays zero past a sequence's end
        float* dst = y + (layout == 0 ? ((t * D_ + d) * N + b) * H : ((b * S + t) * D_ + d) * H);
        std::memcpy(dst, h + b * Hp, sizeof(float) * H);
      }
    }
    for (int64_t b = 0; b < N; ++b) {
      if (yh) std::memcpy(yh + state_at(d, b), h + b * Hp, sizeof(float) * H);
      if (yc) std::memcpy(yc + state_at(d, b), c + b * Hp, sizeof(float) * H);
    }
  }
  return {};
}

}  // namespace

namespace {

// What both the float and the int8 forms need: the attributes, float X, constant W and R of the
// right shapes in `wtype`, float B and P.
bool accepts_cell(const KernelInit& init, Cell cell, DType wtype) {
  auto at = parse_attrs(init.node, init.opset, cell);
  if (!at.ok() || at->clip > 0 || at->input_forget || !default_activations(*at)) return false;
  if (!init.inputs.empty() && init.inputs[0].dtype != DType::Undefined && init.inputs[0].dtype != DType::Float)
    return false;
  const Tensor *W = constant(init, 1), *R = constant(init, 2);
  if (!W || !R || W->rank() != 3 || R->rank() != 3) return false;
  const int64_t D = at->num_directions, G = num_gates(cell), H = at->hidden_size >= 0 ? at->hidden_size : R->dim(2);
  auto of_shape = wtype == DType::Int8 ? int8_of_shape : float_of_shape;
  if (!of_shape(W, {D, G * H, W->dim(2)}) || !of_shape(R, {D, G * H, H})) return false;
  if (init.node.has_input(3) && !float_of_shape(constant(init, 3), {D, 2 * G * H})) return false;
  if (cell == Cell::Lstm && init.node.has_input(7) && !float_of_shape(constant(init, 7), {D, 3 * H})) return false;
  if (wtype == DType::Int8)
    return !int8_scales(init.node, "w_scales", G * H).empty() && !int8_scales(init.node, "r_scales", G * H).empty();
  return true;
}

}  // namespace

bool accepts_fused(const KernelInit& init, Cell cell, FusedIsa isa) {
  if (isa == FusedIsa::Avx2 && &kernels::rnn_cell_kernels() != kernels::rnn_cell_kernels_avx2()) return false;
  return accepts_cell(init, cell, is_int8_node(init.node) ? DType::Int8 : DType::Float);
}

Result<std::unique_ptr<Kernel>> make_fused_kernel(const KernelInit& init, Cell cell, FusedIsa isa) {
  const kernels::RnnCellKernels* k = kernels_for(isa);
  if (!k) return error("{}: the CPU lacks the instructions of this kernel", init.node.label());
  if (!accepts_fused(init, cell, FusedIsa::Portable))
    return error("{}: the fused kernel takes only constant weights (float, or int8 with their scales) and default "
                 "activations", init.node.label());
  SZ0_ASSIGN(RecurrentAttrs at, parse_attrs(init.node, init.opset, cell));
  auto kernel = std::make_unique<FusedKernel>(std::move(at), *k);
  kernel->pack(init);
  return std::unique_ptr<Kernel>(std::move(kernel));
}

namespace {

// The int8 forms: schema and kernel in one entry each. Nothing else runs them, so a node the
// kernel refuses is never made (fuse_qdq asks first).
template <Cell C>
Status infer_int8(InferContext& ctx) {
  return infer_recurrent(ctx, C);
}
template <Cell C>
bool accepts_int8(const KernelInit& init) {
  return accepts_fused(init, C, FusedIsa::Portable);
}
template <Cell C>
Result<std::unique_ptr<Kernel>> make_int8(const KernelInit& init) {
  return make_fused_kernel(init, C, kernels::rnn_cell_kernels_avx2() == &kernels::rnn_cell_kernels()
                                        ? FusedIsa::Avx2 : FusedIsa::Portable);
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QRNN", .since = 1, .infer = infer_int8<Cell::Rnn>,
                .factory = make_int8<Cell::Rnn>, .accepts = accepts_int8<Cell::Rnn>, .kernel_name = "fused_int8");
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QGRU", .since = 1, .infer = infer_int8<Cell::Gru>,
                .factory = make_int8<Cell::Gru>, .accepts = accepts_int8<Cell::Gru>, .kernel_name = "fused_int8");
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "QLSTM", .since = 1, .infer = infer_int8<Cell::Lstm>,
                .factory = make_int8<Cell::Lstm>, .accepts = accepts_int8<Cell::Lstm>, .kernel_name = "fused_int8");

}  // namespace

}  // namespace sz0::ops::rnn

// Attributes, shape inference, activations, weight packing and the kernel driver shared by
// RNN, GRU and LSTM. The driver computes X·Wᵀ for every time step and direction in one GEMM,
// then walks the steps, each adding H·Rᵀ (one GEMM per step) and applying the cell's gate math.
#include "ops/rnn/recurrent.h"

#include "kernels/gemm.h"
#include "ops/internal.h"

#include <cctype>
#include <cmath>
#include <string>
#include <type_traits>

namespace sz0::ops::rnn {

namespace {

struct ActInfo {
  std::string_view name;
  ActKind kind;
  bool uses_alpha, uses_beta;
  float alpha, beta;  // defaults: those of the ONNX operator of the same name
};

constexpr ActInfo kActs[] = {
    {"relu", ActKind::Relu, false, false, 0, 0},
    {"tanh", ActKind::Tanh, false, false, 0, 0},
    {"sigmoid", ActKind::Sigmoid, false, false, 0, 0},
    {"affine", ActKind::Affine, true, true, 1.0f, 0.0f},
    {"leakyrelu", ActKind::LeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", ActKind::ThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", ActKind::ScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", ActKind::HardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", ActKind::Elu, true, false, 1.0f, 0},
    {"softsign", ActKind::Softsign, false, false, 0, 0},
    {"softplus", ActKind::Softplus, false, false, 0, 0},
};

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& ch : r) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return r;
}

bool is_rnn_float(DType t) { return t == DType::Float || t == DType::Double || t == DType::Float16; }

}  // namespace

Result<RecurrentAttrs> parse_attrs(const Node& node, int64_t opset, Cell cell) {
  RecurrentAttrs at;
  at.cell = cell;
  const std::string dir = node.attr_string("direction", "forward");
  if (dir == "forward") {
    at.num_directions = 1;
  } else if (dir == "reverse") {
    at.num_directions = 1;
    at.reverse = true;
  } else if (dir == "bidirectional") {
    at.num_directions = 2;
  } else {
    return error("{}: direction must be forward, reverse or bidirectional, got '{}'", node.label(), dir);
  }
  if (const Attribute* a = node.attr("hidden_size")) {
    if (a->kind != Attribute::Kind::Int || a->i < 1)
      return error("{}: hidden_size must be a positive integer", node.label());
    at.hidden_size = a->i;
  }
  if (node.has_attr("clip")) {
    const float c = node.attr_float("clip", 0);
    if (!(c > 0)) return error("{}: clip must be positive, got {}", node.label(), c);
    at.clip = c;
  }
  if (cell == Cell::Gru) at.linear_before_reset = node.attr_int("linear_before_reset", 0) != 0;
  if (cell == Cell::Lstm) at.input_forget = node.attr_int("input_forget", 0) != 0;
  // The internal int8 forms (QRNN, QGRU, QLSTM) keep the attribute only where the model's opset has it.
  if (opset >= 14 || node.domain == kInternalDomain) {
    const int64_t layout = node.attr_int("layout", 0);
    if (layout != 0 && layout != 1) return error("{}: layout must be 0 or 1, got {}", node.label(), layout);
    at.layout = static_cast<int>(layout);
  }

  // Activations: alphas and betas are consumed in order by the functions that take them.
  const int64_t per_dir = num_activations(cell);
  std::vector<std::string> names = node.attr_strings("activations");
  if (names.empty()) {
    if (cell == Cell::Rnn) names = {"Tanh"};
    if (cell == Cell::Gru) names = {"Sigmoid", "Tanh"};
    if (cell == Cell::Lstm) names = {"Sigmoid", "Tanh", "Tanh"};
  }
  const int64_t n = static_cast<int64_t>(names.size());
  if (n != per_dir && n != per_dir * at.num_directions)
    return error("{}: {} activations given, expected {}", node.label(), n, per_dir * at.num_directions);
  const std::vector<float> alphas = node.attr_floats("activation_alpha");
  const std::vector<float> betas = node.attr_floats("activation_beta");
  size_t ai = 0, bi = 0;
  for (const std::string& name : names) {
    const std::string l = lower(name);
    const ActInfo* info = nullptr;
    for (const ActInfo& x : kActs)
      if (x.name == l) info = &x;
    if (!info) return error("{}: unsupported activation '{}'", node.label(), name);
    Activation act{info->kind, info->alpha, info->beta};
    if (info->uses_alpha && ai < alphas.size()) act.alpha = alphas[ai++];
    if (info->uses_beta && bi < betas.size()) act.beta = betas[bi++];
    at.acts.push_back(act);
  }
  // One set given for two directions: both use it.
  if (n == per_dir && at.num_directions == 2)
    for (int64_t k = 0; k < per_dir; ++k) at.acts.push_back(at.acts[k]);
  return at;
}

// ---------------------------------------------------------------------------------------------
// Shape inference

namespace {

Dim dim_of(const InferContext& ctx, size_t i, int axis) {
  if (!ctx.has_input(i) || !ctx.in(i).has_rank() || ctx.in(i).rank() <= axis) return Dim();
  return (*ctx.in(i).shape)[axis];
}

Status expect_dim(const InferContext& ctx, size_t i, int axis, const Dim& want, std::string_view name) {
  const Dim got = dim_of(ctx, i, axis);
  if (got.known() && want.known() && got.value != want.value)
    return ctx.fail("{} dim {} is {}, expected {}", name, axis, got.value, want.value);
  return {};
}

// Keeps `into` if it says more than `d`.
void merge(Dim& into, const Dim& d) {
  if (into.known()) return;
  if (d.known() || (into.symbol.empty() && !d.symbol.empty())) into = d;
}

Dim times(const Dim& d, int64_t k) { return d.known() ? Dim(d.value * k) : Dim(); }

constexpr const char* kInputNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};

}  // namespace

Status infer_recurrent(InferContext& ctx, Cell cell) {
  SZ0_ASSIGN(RecurrentAttrs at, parse_attrs(ctx.node, ctx.opset, cell));
  const size_t max_in = cell == Cell::Lstm ? 8 : 6, max_out = cell == Cell::Lstm ? 3 : 2;
  if (ctx.num_inputs() < 3 || ctx.num_inputs() > max_in)
    return ctx.fail("expects 3 to {} inputs, got {}", max_in, ctx.num_inputs());
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return ctx.fail("input {} is required", kInputNames[i]);
  if (ctx.num_outputs() > max_out) return ctx.fail("has at most {} outputs, got {}", max_out, ctx.num_outputs());

  const DType t = ctx.in(0).dtype;
  if (t != DType::Undefined && !is_rnn_float(t))
    return ctx.fail("X must be float, float16 or double, got {}", dtype_name(t));
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i) || ctx.in(i).dtype == DType::Undefined) continue;
    const DType ti = ctx.in(i).dtype;
    if (i == 4) {
      if (ti != DType::Int32 && ti != DType::Int64)
        return ctx.fail("sequence_lens must be int32, got {}", dtype_name(ti));
    } else if ((i == 1 || i == 2) && ctx.node.domain == kInternalDomain) {
      if (ti != DType::Int8) return ctx.fail("{} must be int8, got {}", kInputNames[i], dtype_name(ti));
    } else if (t != DType::Undefined && ti != t) {
      return ctx.fail("{} has type {}, X has {}", kInputNames[i], dtype_name(ti), dtype_name(t));
    }
  }
  static constexpr int kRanks[] = {3, 3, 3, 2, 1, 3, 3, 2};
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && ctx.in(i).has_rank() && ctx.in(i).rank() != kRanks[i])
      return ctx.fail("{} must have rank {}, got {}", kInputNames[i], kRanks[i], ctx.in(i).rank());

  const int64_t G = num_gates(cell), D = at.num_directions;
  const int seq_axis = at.layout == 0 ? 0 : 1, batch_axis = at.layout == 0 ? 1 : 0;
  Dim seq = dim_of(ctx, 0, seq_axis), batch = dim_of(ctx, 0, batch_axis), input = dim_of(ctx, 0, 2);
  Dim hidden = at.hidden_size >= 0 ? Dim(at.hidden_size) : dim_of(ctx, 2, 2);
  if (!hidden.known()) {
    const Dim gh = dim_of(ctx, 1, 1);
    if (gh.known() && gh.value % G == 0) hidden = Dim(gh.value / G);
  }
  const Dim gh = times(hidden, G);
  SZ0_TRY(expect_dim(ctx, 1, 0, Dim(D), "W"));
  SZ0_TRY(expect_dim(ctx, 1, 1, gh, "W"));
  SZ0_TRY(expect_dim(ctx, 1, 2, input, "W"));
  SZ0_TRY(expect_dim(ctx, 2, 0, Dim(D), "R"));
  SZ0_TRY(expect_dim(ctx, 2, 1, gh, "R"));
  SZ0_TRY(expect_dim(ctx, 2, 2, hidden, "R"));
  if (ctx.has_input(3)) {
    SZ0_TRY(expect_dim(ctx, 3, 0, Dim(D), "B"));
    SZ0_TRY(expect_dim(ctx, 3, 1, times(hidden, 2 * G), "B"));
  }
  if (ctx.has_input(4)) {
    SZ0_TRY(expect_dim(ctx, 4, 0, batch, "sequence_lens"));
    merge(batch, dim_of(ctx, 4, 0));
  }
  for (size_t i : {size_t{5}, size_t{6}}) {
    if (!ctx.has_input(i)) continue;
    SZ0_TRY(expect_dim(ctx, i, at.layout == 0 ? 0 : 1, Dim(D), kInputNames[i]));
    SZ0_TRY(expect_dim(ctx, i, at.layout == 0 ? 1 : 0, batch, kInputNames[i]));
    SZ0_TRY(expect_dim(ctx, i, 2, hidden, kInputNames[i]));
    merge(batch, dim_of(ctx, i, at.layout == 0 ? 1 : 0));
  }
  if (ctx.has_input(7)) {
    SZ0_TRY(expect_dim(ctx, 7, 0, Dim(D), "P"));
    SZ0_TRY(expect_dim(ctx, 7, 1, times(hidden, 3), "P"));
  }

  if (ctx.num_outputs() > 0) {
    ctx.out(0).dtype = t;
    ctx.out(0).shape = at.layout == 0 ? std::vector<Dim>{seq, Dim(D), batch, hidden}
                                      : std::vector<Dim>{batch, seq, Dim(D), hidden};
  }
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    ctx.out(i).dtype = t;
    ctx.out(i).shape = at.layout == 0 ? std::vector<Dim>{Dim(D), batch, hidden} : std::vector<Dim>{batch, Dim(D), hidden};
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// GEMM and activations

template <>
void gemm_nn<float>(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                    bool accumulate, float* c, int64_t ldc) {
  kernels::gemm_f32(false, false, m, n, k, 1.0f, a, lda, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
}

template <>
void gemm_nn<double>(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b, int64_t ldb,
                     bool accumulate, double* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    double* ci = c + i * ldc;
    if (!accumulate)
      for (int64_t j = 0; j < n; ++j) ci[j] = 0;
    for (int64_t p = 0; p < k; ++p) {
      const double av = a[i * lda + p];
      const double* bp = b + p * ldb;
      for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
    }
  }
}

namespace {

template <class A, class F>
void apply(A* x, int64_t n, A clip, F f) {
  if (clip > 0) {
    for (int64_t i = 0; i < n; ++i) x[i] = f(std::min(std::max(x[i], -clip), clip));
  } else {
    for (int64_t i = 0; i < n; ++i) x[i] = f(x[i]);
  }
}

}  // namespace

template <class A>
void activate(const Activation& act, A* x, int64_t n, A clip) {
  const A alpha = act.alpha, beta = act.beta;
  switch (act.kind) {
    case ActKind::Relu: return apply(x, n, clip, [](A v) { return v > 0 ? v : A(0); });
    case ActKind::Tanh: return apply(x, n, clip, [](A v) { return std::tanh(v); });
    case ActKind::Sigmoid:
      return apply(x, n, clip, [](A v) {
        // Written so exp never overflows.
        if (v >= 0) return A(1) / (A(1) + std::exp(-v));
        const A e = std::exp(v);
        return e / (A(1) + e);
      });
    case ActKind::Affine: return apply(x, n, clip, [=](A v) { return alpha * v + beta; });
    case ActKind::LeakyRelu: return apply(x, n, clip, [=](A v) { return v >= 0 ? v : alpha * v; });
    case ActKind::ThresholdedRelu: return apply(x, n, clip, [=](A v) { return v >= alpha ? v : A(0); });
    case ActKind::ScaledTanh: return apply(x, n, clip, [=](A v) { return alpha * std::tanh(beta * v); });
    case ActKind::HardSigmoid:
      return apply(x, n, clip, [=](A v) { return std::min(std::max(alpha * v + beta, A(0)), A(1)); });
    case ActKind::Elu: return apply(x, n, clip, [=](A v) { return v >= 0 ? v : alpha * (std::exp(v) - A(1)); });
    case ActKind::Softsign: return apply(x, n, clip, [](A v) { return v / (A(1) + std::abs(v)); });
    case ActKind::Softplus:
      return apply(x, n, clip, [](A v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); });
  }
}

template void activate<float>(const Activation&, float*, int64_t, float);
template void activate<double>(const Activation&, double*, int64_t, double);

// ---------------------------------------------------------------------------------------------
// Weight packing

namespace {

template <class A>
std::vector<A> values_as(const Tensor& t) {
  std::vector<A> out(static_cast<size_t>(t.numel()));
  switch (t.dtype()) {
    case DType::Float:
      for (int64_t i = 0; i < t.numel(); ++i) out[i] = static_cast<A>(t.data<float>()[i]);
      break;
    case DType::Double:
      for (int64_t i = 0; i < t.numel(); ++i) out[i] = static_cast<A>(t.data<double>()[i]);
      break;
    case DType::Float16:
      for (int64_t i = 0; i < t.numel(); ++i) out[i] = static_cast<A>(static_cast<float>(t.data<Float16>()[i]));
      break;
    default: break;
  }
  return out;
}

template <class T, class A>
T from_acc(A v) {
  if constexpr (std::is_same_v<T, Float16>) return Float16(static_cast<float>(v));
  else return static_cast<T>(v);
}

template <class A, class T>
A to_acc(T v) {
  return static_cast<A>(static_cast<std::conditional_t<std::is_same_v<T, Float16>, float, T>>(v));
}

Status check_shape(const Node& node, const Tensor& t, std::string_view name, const Shape& want) {
  if (t.shape() != want)
    return error("{}: {} has shape {}, expected {}", node.label(), name, shape_str(t.shape()), shape_str(want));
  return {};
}

template <class A>
Result<Packed<A>> pack(const Node& node, const RecurrentAttrs& at, const Tensor& W, const Tensor& R,
                       const Tensor* B, const Tensor* P) {
  const DType t = W.dtype();
  if (!is_rnn_float(t)) return error("{}: W must be float, float16 or double, got {}", node.label(), dtype_name(t));
  for (const Tensor* x : {&R, B, P})
    if (x && x->dtype() != t)
      return error("{}: weights mix {} and {}", node.label(), dtype_name(t), dtype_name(x->dtype()));
  if (W.rank() != 3 || R.rank() != 3)
    return error("{}: W and R must have rank 3, got {} and {}", node.label(), W.rank(), R.rank());
  Packed<A> pk;
  pk.D = at.num_directions;
  pk.G = num_gates(at.cell);
  pk.H = at.hidden_size >= 0 ? at.hidden_size : R.dim(2);
  pk.I = W.dim(2);
  const int64_t D = pk.D, G = pk.G, H = pk.H, I = pk.I, GH = G * H;
  SZ0_TRY(check_shape(node, W, "W", {D, GH, I}));
  SZ0_TRY(check_shape(node, R, "R", {D, GH, H}));
  if (B) SZ0_TRY(check_shape(node, *B, "B", {D, 2 * GH}));
  if (P) SZ0_TRY(check_shape(node, *P, "P", {D, 3 * H}));

  const std::vector<A> w = values_as<A>(W), r = values_as<A>(R);
  pk.wt.resize(static_cast<size_t>(I * D * GH));
  for (int64_t d = 0; d < D; ++d)
    for (int64_t g = 0; g < GH; ++g)
      for (int64_t i = 0; i < I; ++i) pk.wt[i * D * GH + d * GH + g] = w[(d * GH + g) * I + i];
  pk.rt.resize(static_cast<size_t>(D * H * GH));
  for (int64_t d = 0; d < D; ++d)
    for (int64_t g = 0; g < GH; ++g)
      for (int64_t k = 0; k < H; ++k) pk.rt[d * H * GH + k * GH + g] = r[(d * GH + g) * H + k];
  pk.bias.assign(static_cast<size_t>(D * GH), A(0));
  const bool split_rbh = at.cell == Cell::Gru && at.linear_before_reset;
  if (split_rbh) pk.rbh.assign(static_cast<size_t>(D * H), A(0));
  if (B) {
    const std::vector<A> b = values_as<A>(*B);
    for (int64_t d = 0; d < D; ++d) {
      const A* wb = b.data() + d * 2 * GH;
      const A* rb = wb + GH;
      for (int64_t g = 0; g < GH; ++g) pk.bias[d * GH + g] = wb[g] + rb[g];
      if (split_rbh)
        for (int64_t j = 0; j < H; ++j) {
          pk.bias[d * GH + 2 * H + j] = wb[2 * H + j];
          pk.rbh[d * H + j] = rb[2 * H + j];
        }
    }
  }
  if (P) pk.p = values_as<A>(*P);
  return pk;
}

const Tensor* present(const KernelContext& ctx, size_t i) { return i < ctx.num_inputs() ? ctx.input(i) : nullptr; }

class RecurrentKernel final : public Kernel {
 public:
  explicit RecurrentKernel(RecurrentAttrs at) : at_(std::move(at)) {}

  Status prepack(const KernelInit& init) {
    auto cst = [&](size_t i) -> const Tensor* { return i < init.constants.size() ? init.constants[i] : nullptr; };
    const Tensor *W = cst(1), *R = cst(2), *B = cst(3), *P = at_.cell == Cell::Lstm ? cst(7) : nullptr;
    if (!W || !R) return {};
    if (init.node.has_input(3) && !B) return {};
    if (at_.cell == Cell::Lstm && init.node.has_input(7) && !P) return {};
    if (W->dtype() == DType::Double) {
      SZ0_ASSIGN(packed_d_, pack<double>(init.node, at_, *W, *R, B, P));
    } else {
      SZ0_ASSIGN(packed_f_, pack<float>(init.node, at_, *W, *R, B, P));
    }
    packed_dtype_ = W->dtype();
    return {};
  }

  Status run(KernelContext& ctx) override {
    if (ctx.num_inputs() < 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2))
      return ctx.fail("inputs X, W and R are required");
    switch (ctx.in(0).dtype()) {
      case DType::Float: return run_typed<float, float>(ctx);
      case DType::Float16: return run_typed<Float16, float>(ctx);
      case DType::Double: return run_typed<double, double>(ctx);
      default: return ctx.fail("X must be float, float16 or double, got {}", dtype_name(ctx.in(0).dtype()));
    }
  }

 private:
  template <class A>
  const Packed<A>& cached() const {
    if constexpr (std::is_same_v<A, float>) return packed_f_;
    else return packed_d_;
  }

  template <class T, class A>
  Status run_typed(KernelContext& ctx);

  RecurrentAttrs at_;
  DType packed_dtype_ = DType::Undefined;
  Packed<float> packed_f_;
  Packed<double> packed_d_;
};

template <class T, class A>
Status RecurrentKernel::run_typed(KernelContext& ctx) {
  const Tensor& X = ctx.in(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t && i != 4 && t->dtype() != X.dtype())
      return ctx.fail("{} has type {}, X has {}", kInputNames[i], dtype_name(t->dtype()), dtype_name(X.dtype()));
  }
  if (X.rank() != 3) return ctx.fail("X must have rank 3, got {}", X.rank());

  Packed<A> local;
  const Packed<A>* pk = &local;
  if (packed_dtype_ == X.dtype()) {
    pk = &cached<A>();
  } else {
    const Tensor* P = at_.cell == Cell::Lstm ? present(ctx, 7) : nullptr;
    SZ0_ASSIGN(local, pack<A>(ctx.node(), at_, ctx.in(1), ctx.in(2), present(ctx, 3), P));
  }
  const int64_t D = pk->D, H = pk->H, GH = pk->G * H, I = pk->I;
  const int layout = at_.layout;
  const int64_t S = X.dim(layout == 0 ? 0 : 1), N = X.dim(layout == 0 ? 1 : 0);
  if (X.dim(2) != I) return ctx.fail("X has input size {}, W expects {}", X.dim(2), I);

  std::vector<int64_t> lens(static_cast<size_t>(N), S);
  if (const Tensor* L = present(ctx, 4)) {
    if (!dtype_is_int(L->dtype())) return ctx.fail("sequence_lens must be int32, got {}", dtype_name(L->dtype()));
    if (L->rank() != 1 || L->dim(0) != N)
      return ctx.fail("sequence_lens has shape {}, expected {}", shape_str(L->shape()), N);
    for (int64_t b = 0; b < N; ++b) {
      lens[b] = L->get_int64(b);
      if (lens[b] < 0 || lens[b] > S) return ctx.fail("sequence_lens[{}] = {} is outside [0, {}]", b, lens[b], S);
    }
  }
  const Shape state_shape = layout == 0 ? Shape{D, N, H} : Shape{N, D, H};
  const Tensor* h0 = present(ctx, 5);
  const Tensor* c0 = at_.cell == Cell::Lstm ? present(ctx, 6) : nullptr;
  if (h0) SZ0_TRY(check_shape(ctx.node(), *h0, "initial_h", state_shape));
  if (c0) SZ0_TRY(check_shape(ctx.node(), *c0, "initial_c", state_shape));

  // X·Wᵀ for all steps and directions: row (t, b) in X's own order, D * GH columns.
  const int64_t ldx = D * GH;
  std::vector<A> xw(static_cast<size_t>(S * N * ldx));
  {
    std::vector<A> xconv;
    const A* xa;
    if constexpr (std::is_same_v<T, A>) {
      xa = X.data<A>();
    } else {
      xconv = values_as<A>(X);
      xa = xconv.data();
    }
    gemm_nn<A>(S * N, ldx, I, xa, I, pk->wt.data(), ldx, false, xw.data(), ldx);
  }
  const int64_t row_t = layout == 0 ? N : 1;  // rows between steps
  const int64_t row_b = layout == 0 ? 1 : S;  // rows between batch entries

  T* y = ctx.output_wanted(0) ? ctx.output(0).data<T>() : nullptr;
  T* yh = ctx.num_outputs() > 1 && ctx.output_wanted(1) ? ctx.output(1).data<T>() : nullptr;
  T* yc = at_.cell == Cell::Lstm && ctx.num_outputs() > 2 && ctx.output_wanted(2) ? ctx.output(2).data<T>() : nullptr;
  auto state_at = [&](int64_t d, int64_t b) { return layout == 0 ? (d * N + b) * H : (b * D + d) * H; };

  std::vector<A> h(static_cast<size_t>(N * H)), c, scratch(static_cast<size_t>(N * H));
  if (at_.cell == Cell::Lstm) c.resize(static_cast<size_t>(N * H));
  std::vector<char> active(static_cast<size_t>(N));
  for (int64_t d = 0; d < D; ++d) {
    const bool reverse = at_.reverse || d == 1;
    for (int64_t b = 0; b < N; ++b)
      for (int64_t j = 0; j < H; ++j) {
        h[b * H + j] = h0 ? to_acc<A>(h0->data<T>()[state_at(d, b) + j]) : A(0);
        if (at_.cell == Cell::Lstm) c[b * H + j] = c0 ? to_acc<A>(c0->data<T>()[state_at(d, b) + j]) : A(0);
      }
    for (int64_t s = 0; s < S; ++s) {
      const int64_t t = reverse ? S - 1 - s : s;
      bool any = false;
      for (int64_t b = 0; b < N; ++b) any |= (active[b] = t < lens[b]) != 0;
      if (!any) continue;
      const Step<A> st{at_, *pk, d, N, xw.data() + t * row_t * ldx + d * GH, row_b * ldx, active.data(),
                       h.data(), c.data(), scratch.data(), ctx.threads()};
      switch (at_.cell) {
        case Cell::Rnn: rnn_step(st); break;
        case Cell::Gru: gru_step(st); break;
        case Cell::Lstm: lstm_step(st); break;
      }
      if (y)
        for (int64_t b = 0; b < N; ++b) {
          if (!active[b]) continue;  // Y stays zero past a sequence's end
          T* dst = y + (layout == 0 ? ((t * D + d) * N + b) * H : ((b * S + t) * D + d) * H);
          for (int64_t j = 0; j < H; ++j) dst[j] = from_acc<T>(h[b * H + j]);
        }
    }
    for (int64_t b = 0; b < N; ++b)
      for (int64_t j = 0; j < H; ++j) {
        if (yh) yh[state_at(d, b) + j] = from_acc<T>(h[b * H + j]);
        if (yc) yc[state_at(d, b) + j] = from_acc<T>(c[b * H + j]);
      }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_recurrent_kernel(const KernelInit& init, Cell cell) {
  SZ0_ASSIGN(RecurrentAttrs at, parse_attrs(init.node, init.opset, cell));
  auto k = std::make_unique<RecurrentKernel>(std::move(at));
  SZ0_TRY(k->prepack(init));
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace sz0::ops::rnn

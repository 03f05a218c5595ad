// RNN, GRU and LSTM against a step-by-step reference written from the ONNX equations.
#include "util/op_test.h"

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace sz0;
using namespace sz0::test;

namespace {

struct Case {
  std::string op = "RNN";  // RNN, GRU, LSTM
  int64_t S = 5, N = 3, I = 7, H = 6;
  std::string direction = "forward";
  int layout = 0;
  bool bias = true;
  std::vector<int32_t> lens;  // empty: no sequence_lens input
  bool init_h = false, init_c = false, peep = false;
  bool lbr = false, input_forget = false;
  float clip = 0;
  std::vector<std::string> acts;
  std::vector<float> alphas, betas;
  DType dtype = DType::Float;
  bool const_weights = false;
  std::vector<bool> want = {true, true, true};  // Y, Y_h, Y_c (LSTM)
  int64_t opset = 14;
  bool hidden_attr = true;
  double weight_scale = 0.5;
  int threads = 1;
  uint32_t seed = 1;
};

int64_t gates_of(const std::string& op) { return op == "RNN" ? 1 : op == "GRU" ? 3 : 4; }
int64_t num_outputs_of(const std::string& op) { return op == "LSTM" ? 3 : 2; }
int64_t dirs_of(const Case& c) { return c.direction == "bidirectional" ? 2 : 1; }

// ---- Reference ------------------------------------------------------------------------------

struct RefAct {
  std::string name;
  double alpha = 0, beta = 0;
  double operator()(double x) const {
    if (name == "Relu") return std::max(0.0, x);
    if (name == "Tanh") return std::tanh(x);
    if (name == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
    if (name == "Affine") return alpha * x + beta;
    if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
    if (name == "ThresholdedRelu") return x >= alpha ? x : 0.0;
    if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
    if (name == "HardSigmoid") return std::min(1.0, std::max(0.0, alpha * x + beta));
    if (name == "Elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "Softsign") return x / (1 + std::fabs(x));
    if (name == "Softplus") return std::log(1 + std::exp(x));
    ADD_FAILURE() << "unknown activation " << name;
    return 0;
  }
};

// Activations per direction, alphas/betas consumed in order by the functions that take them.
std::vector<std::vector<RefAct>> ref_acts(const Case& c) {
  std::vector<std::string> names = c.acts;
  if (names.empty()) {
    if (c.op == "RNN") names = {"Tanh"};
    if (c.op == "GRU") names = {"Sigmoid", "Tanh"};
    if (c.op == "LSTM") names = {"Sigmoid", "Tanh", "Tanh"};
  }
  size_t ai = 0, bi = 0;
  std::vector<RefAct> all;
  for (const std::string& n : names) {
    RefAct a{n};
    const bool ua = n == "Affine" || n == "LeakyRelu" || n == "ThresholdedRelu" || n == "ScaledTanh" ||
                    n == "HardSigmoid" || n == "Elu";
    const bool ub = n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid";
    double da = n == "LeakyRelu" ? 0.01 : n == "HardSigmoid" ? 0.2 : 1.0;
    double db = n == "HardSigmoid" ? 0.5 : n == "ScaledTanh" ? 1.0 : 0.0;
    if (ua && ai < c.alphas.size()) da = c.alphas[ai++];
    if (ub && bi < c.betas.size()) db = c.betas[bi++];
    a.alpha = static_cast<double>(static_cast<float>(da));
    a.beta = static_cast<double>(static_cast<float>(db));
    all.push_back(a);
  }
  const size_t per = static_cast<size_t>(gates_of(c.op) == 1 ? 1 : gates_of(c.op) == 3 ? 2 : 3);
  std::vector<std::vector<RefAct>> out;
  for (int64_t d = 0; d < dirs_of(c); ++d) {
    const size_t base = all.size() == per ? 0 : d * per;
    out.emplace_back(all.begin() + base, all.begin() + base + per);
  }
  return out;
}

struct Inputs {
  Tensor X, W, R, B, L, h0, c0, P;
};

Inputs make_inputs(const Case& c) {
  const int64_t D = dirs_of(c), G = gates_of(c.op), H = c.H;
  Inputs in;
  uint32_t s = c.seed * 100;
  in.X = random_tensor(c.dtype, c.layout == 0 ? Shape{c.S, c.N, c.I} : Shape{c.N, c.S, c.I}, s++);
  in.W = random_tensor(c.dtype, {D, G * H, c.I}, s++, -c.weight_scale, c.weight_scale);
  in.R = random_tensor(c.dtype, {D, G * H, H}, s++, -c.weight_scale, c.weight_scale);
  if (c.bias) in.B = random_tensor(c.dtype, {D, 2 * G * H}, s++, -c.weight_scale, c.weight_scale);
  if (!c.lens.empty()) in.L = Tensor::from_vector(c.lens);
  const Shape st = c.layout == 0 ? Shape{D, c.N, H} : Shape{c.N, D, H};
  if (c.init_h) in.h0 = random_tensor(c.dtype, st, s++);
  if (c.init_c) in.c0 = random_tensor(c.dtype, st, s++);
  if (c.peep) in.P = random_tensor(c.dtype, {D, 3 * H}, s++, -c.weight_scale, c.weight_scale);
  return in;
}

// Expected outputs: Y, Y_h, (Y_c), in the case's layout and dtype.
std::vector<Tensor> reference(const Case& c, const Inputs& in) {
  const int64_t D = dirs_of(c), G = gates_of(c.op), S = c.S, N = c.N, I = c.I, H = c.H, GH = G * H;
  const auto x = in.X.to_double(), w = in.W.to_double(), r = in.R.to_double();
  const auto bv = in.B.defined() ? in.B.to_double() : std::vector<double>(D * 2 * GH, 0.0);
  const auto pv = in.P.defined() ? in.P.to_double() : std::vector<double>(D * 3 * H, 0.0);
  const auto h0 = in.h0.defined() ? in.h0.to_double() : std::vector<double>();
  const auto c0 = in.c0.defined() ? in.c0.to_double() : std::vector<double>();
  const auto acts = ref_acts(c);
  auto X = [&](int64_t t, int64_t b, int64_t i) { return x[c.layout == 0 ? (t * N + b) * I + i : (b * S + t) * I + i]; };
  auto state = [&](int64_t d, int64_t b, int64_t j) { return c.layout == 0 ? (d * N + b) * H + j : (b * D + d) * H + j; };
  auto clip = [&](double v) { return c.clip > 0 ? std::min<double>(c.clip, std::max<double>(-c.clip, v)) : v; };

  std::vector<double> Y(S * D * N * H, 0.0), Yh(D * N * H, 0.0), Yc(D * N * H, 0.0);  // layout 0
  for (int64_t d = 0; d < D; ++d) {
    const bool rev = c.direction == "reverse" || d == 1;
    const auto& act = acts[d];
    // Xt·W[k]ᵀ + Wb[k] for gate block k, unit j
    auto xw = [&](int64_t t, int64_t b, int64_t k, int64_t j) {
      double s = bv[d * 2 * GH + k * H + j];
      for (int64_t i = 0; i < I; ++i) s += X(t, b, i) * w[(d * GH + k * H + j) * I + i];
      return s;
    };
    // v·R[k]ᵀ + Rb[k]
    auto hr = [&](const std::vector<double>& v, int64_t k, int64_t j) {
      double s = bv[d * 2 * GH + GH + k * H + j];
      for (int64_t m = 0; m < H; ++m) s += v[m] * r[(d * GH + k * H + j) * H + m];
      return s;
    };
    for (int64_t b = 0; b < N; ++b) {
      const int64_t len = c.lens.empty() ? S : c.lens[b];
      std::vector<double> h(H, 0.0), cs(H, 0.0);
      for (int64_t j = 0; j < H; ++j) {
        if (!h0.empty()) h[j] = h0[state(d, b, j)];
        if (!c0.empty()) cs[j] = c0[state(d, b, j)];
      }
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = rev ? len - 1 - step : step;
        std::vector<double> hn(H);
        if (c.op == "RNN") {
          for (int64_t j = 0; j < H; ++j) hn[j] = act[0](clip(xw(t, b, 0, j) + hr(h, 0, j)));
        } else if (c.op == "GRU") {
          std::vector<double> z(H), rr(H), rh(H);
          for (int64_t j = 0; j < H; ++j) {
            z[j] = act[0](clip(xw(t, b, 0, j) + hr(h, 0, j)));
            rr[j] = act[0](clip(xw(t, b, 1, j) + hr(h, 1, j)));
          }
          for (int64_t j = 0; j < H; ++j) rh[j] = rr[j] * h[j];
          for (int64_t j = 0; j < H; ++j) {
            const double pre = c.lbr ? xw(t, b, 2, j) + rr[j] * hr(h, 2, j) : xw(t, b, 2, j) + hr(rh, 2, j);
            const double hh = act[1](clip(pre));
            hn[j] = (1 - z[j]) * hh + z[j] * h[j];
          }
        } else {
          const double* P = pv.data() + d * 3 * H;  // i, o, f
          std::vector<double> ig(H), fg(H), cg(H), og(H), cn(H);
          for (int64_t j = 0; j < H; ++j) {
            ig[j] = act[0](clip(xw(t, b, 0, j) + hr(h, 0, j) + P[j] * cs[j]));
            fg[j] = c.input_forget ? 1 - ig[j] : act[0](clip(xw(t, b, 2, j) + hr(h, 2, j) + P[2 * H + j] * cs[j]));
            cg[j] = act[1](clip(xw(t, b, 3, j) + hr(h, 3, j)));
            cn[j] = fg[j] * cs[j] + ig[j] * cg[j];
          }
          for (int64_t j = 0; j < H; ++j) {
            og[j] = act[0](clip(xw(t, b, 1, j) + hr(h, 1, j) + P[H + j] * cn[j]));
            hn[j] = og[j] * act[2](cn[j]);
          }
          cs = cn;
        }
        h = hn;
        for (int64_t j = 0; j < H; ++j) Y[((t * D + d) * N + b) * H + j] = h[j];
      }
      for (int64_t j = 0; j < H; ++j) {
        Yh[(d * N + b) * H + j] = h[j];
        Yc[(d * N + b) * H + j] = cs[j];
      }
    }
  }
  std::vector<Tensor> out;
  if (c.layout == 0) {
    out.push_back(Tensor::from_vector(Y, {S, D, N, H}));
    out.push_back(Tensor::from_vector(Yh, {D, N, H}));
    out.push_back(Tensor::from_vector(Yc, {D, N, H}));
  } else {
    std::vector<double> Y1(Y.size()), Yh1(Yh.size()), Yc1(Yc.size());
    for (int64_t t = 0; t < S; ++t)
      for (int64_t d = 0; d < D; ++d)
        for (int64_t b = 0; b < N; ++b)
          for (int64_t j = 0; j < H; ++j) Y1[((b * S + t) * D + d) * H + j] = Y[((t * D + d) * N + b) * H + j];
    for (int64_t d = 0; d < D; ++d)
      for (int64_t b = 0; b < N; ++b)
        for (int64_t j = 0; j < H; ++j) {
          Yh1[(b * D + d) * H + j] = Yh[(d * N + b) * H + j];
          Yc1[(b * D + d) * H + j] = Yc[(d * N + b) * H + j];
        }
    out.push_back(Tensor::from_vector(Y1, {N, S, D, H}));
    out.push_back(Tensor::from_vector(Yh1, {N, D, H}));
    out.push_back(Tensor::from_vector(Yc1, {N, D, H}));
  }
  if (c.op != "LSTM") out.pop_back();
  for (Tensor& t : out) t = t.cast(c.dtype);
  return out;
}

// ---- Running --------------------------------------------------------------------------------

std::vector<Attribute> attrs_of(const Case& c) {
  std::vector<Attribute> a;
  if (c.hidden_attr) a.push_back(attr_int("hidden_size", c.H));
  if (c.direction != "forward") a.push_back(attr_string("direction", c.direction));
  if (c.layout != 0) a.push_back(attr_int("layout", c.layout));
  if (c.lbr) a.push_back(attr_int("linear_before_reset", 1));
  if (c.input_forget) a.push_back(attr_int("input_forget", 1));
  if (c.clip > 0) a.push_back(attr_float("clip", c.clip));
  if (!c.acts.empty()) a.push_back(attr_strings("activations", c.acts));
  if (!c.alphas.empty()) a.push_back(attr_floats("activation_alpha", c.alphas));
  if (!c.betas.empty()) a.push_back(attr_floats("activation_beta", c.betas));
  return a;
}

// One node; W, R, B, P become initializers with const_weights; unwanted outputs are omitted.
Result<std::vector<Tensor>> run_case(const Case& c, const Inputs& in, std::vector<Attribute> attrs) {
  Model m;
  m.opsets.push_back({"", c.opset});
  Node n;
  n.name = "n0";
  n.op_type = c.op;
  n.attributes = std::move(attrs);
  std::vector<Tensor> ins = {in.X, in.W, in.R, in.B, in.L, in.h0};
  if (c.op == "LSTM") {
    ins.push_back(in.c0);
    ins.push_back(in.P);
  }
  while (!ins.empty() && !ins.back().defined()) ins.pop_back();
  std::map<std::string, Tensor> feeds;
  for (size_t i = 0; i < ins.size(); ++i) {
    if (!ins[i].defined()) {
      n.inputs.emplace_back();
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    n.inputs.push_back(name);
    const bool weight = i == 1 || i == 2 || i == 3 || i == 7;
    if (c.const_weights && weight) {
      m.graph.initializers[name] = ins[i];
    } else {
      m.graph.inputs.push_back({name, TypeInfo::of(ins[i]), ""});
      feeds[name] = ins[i];
    }
  }
  for (int64_t i = 0; i < num_outputs_of(c.op); ++i) {
    if (!c.want[i]) {
      n.outputs.emplace_back();
      continue;
    }
    const std::string name = "out" + std::to_string(i);
    n.outputs.push_back(name);
    m.graph.outputs.push_back({name, TypeInfo{}, ""});
  }
  while (!n.outputs.empty() && n.outputs.back().empty()) n.outputs.pop_back();
  m.graph.nodes.push_back(std::move(n));
  SessionOptions o;
  o.threads = c.threads;
  SZ0_ASSIGN(auto session, Session::create(std::move(m), o));
  return session->run(feeds);
}

void check(const Case& c) {
  SCOPED_TRACE(c.op + " " + c.direction + " layout " + std::to_string(c.layout) + " " +
               std::string(dtype_name(c.dtype)) + (c.const_weights ? " const" : ""));
  const Inputs in = make_inputs(c);
  const std::vector<Tensor> want = reference(c, in);
  auto r = run_case(c, in, attrs_of(c));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const double tol = c.dtype == DType::Float16 ? 6e-3 : c.dtype == DType::Double ? 1e-10 : 2e-5;
  size_t k = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!c.want[i]) continue;
    ASSERT_LT(k, r->size());
    SCOPED_TRACE("output " + std::to_string(i));
    EXPECT_TENSOR_NEAR((*r)[k], want[i], tol, tol);
    ++k;
  }
  EXPECT_EQ(k, r->size());
}

const char* const kOps[] = {"RNN", "GRU", "LSTM"};
const char* const kDirs[] = {"forward", "reverse", "bidirectional"};

// ---- Tests ----------------------------------------------------------------------------------

TEST(Recurrent, DirectionsLayoutsAndOptionalInputs) {
  for (const char* op : kOps)
    for (const char* dir : kDirs)
      for (int layout : {0, 1})
        for (bool full : {false, true}) {
          Case c;
          c.op = op;
          c.direction = dir;
          c.layout = layout;
          c.bias = full;
          c.init_h = full;
          c.init_c = full && c.op == "LSTM";
          if (full) c.lens = {5, 2, 4};
          c.const_weights = layout == 1;
          c.seed = 1 + layout + 2 * full;
          check(c);
        }
}

TEST(Recurrent, SequenceLengthsIncludingZero) {
  for (const char* op : kOps)
    for (const char* dir : kDirs) {
      Case c;
      c.op = op;
      c.direction = dir;
      c.N = 4;
      c.lens = {1, 5, 0, 3};
      c.init_h = true;
      c.init_c = c.op == "LSTM";
      check(c);
      c.layout = 1;
      c.const_weights = true;
      check(c);
    }
}

TEST(Recurrent, ConstantWeightsAllInputs) {
  for (const char* op : kOps)
    for (DType t : {DType::Float, DType::Double, DType::Float16}) {
      Case c;
      c.op = op;
      c.direction = "bidirectional";
      c.const_weights = true;
      c.dtype = t;
      c.lens = {3, 5, 1};
      c.init_h = true;
      c.init_c = c.peep = c.op == "LSTM";
      check(c);
    }
}

TEST(Recurrent, DtypesRuntimeWeights) {
  for (const char* op : kOps)
    for (DType t : {DType::Double, DType::Float16}) {
      Case c;
      c.op = op;
      c.dtype = t;
      c.direction = "reverse";
      c.layout = 1;
      c.init_h = true;
      check(c);
    }
}

TEST(Gru, LinearBeforeReset) {
  for (const char* dir : kDirs)
    for (bool cw : {false, true}) {
      Case c;
      c.op = "GRU";
      c.lbr = true;
      c.direction = dir;
      c.const_weights = cw;
      c.init_h = true;
      c.lens = {4, 5, 2};
      check(c);
      c.clip = 0.3f;
      check(c);
    }
}

TEST(Lstm, PeepholesAndInputForget) {
  for (const char* dir : kDirs)
    for (bool forget : {false, true}) {
      Case c;
      c.op = "LSTM";
      c.direction = dir;
      c.peep = true;
      c.input_forget = forget;
      c.init_h = c.init_c = true;
      c.lens = {5, 3, 1};
      check(c);
      c.const_weights = true;
      c.layout = 1;
      check(c);
    }
}

TEST(Recurrent, Clip) {
  for (const char* op : kOps)
    for (const char* dir : kDirs) {
      Case c;
      c.op = op;
      c.direction = dir;
      c.clip = 0.25f;
      c.weight_scale = 2.0;
      c.init_h = true;
      c.peep = c.op == "LSTM";
      check(c);
    }
}

TEST(Rnn, EveryActivation) {
  const std::vector<std::string> names = {"Relu",       "Tanh",        "Sigmoid", "Affine",   "LeakyRelu", "ThresholdedRelu",
                                          "ScaledTanh", "HardSigmoid", "Elu",     "Softsign", "Softplus"};
  for (const std::string& n : names) {
    Case c;
    c.acts = {n};
    c.init_h = true;
    check(c);  // default alpha/beta
    c.alphas = {0.7f};
    c.betas = {0.3f};
    check(c);
    c.direction = "bidirectional";
    c.acts = {n, "Tanh"};
    check(c);
  }
}

TEST(Recurrent, NonDefaultActivationsConsumeAlphaBetaInOrder) {
  {
    Case c;
    c.op = "GRU";
    c.direction = "bidirectional";
    c.acts = {"HardSigmoid", "LeakyRelu", "Sigmoid", "ScaledTanh"};
    c.alphas = {0.3f, 0.2f, 0.9f};
    c.betas = {0.4f, 1.5f};
    c.lbr = true;
    c.init_h = true;
    check(c);
    c.const_weights = true;
    c.lbr = false;
    check(c);
  }
  {
    Case c;
    c.op = "LSTM";
    c.acts = {"HardSigmoid", "Elu", "Softsign"};
    c.alphas = {0.25f, 0.5f};
    c.betas = {0.45f};
    c.peep = true;
    c.init_c = true;
    check(c);
    c.direction = "bidirectional";
    c.acts = {"Sigmoid", "Affine", "Softplus", "HardSigmoid", "ThresholdedRelu", "Relu"};
    c.alphas = {0.8f, 0.3f, 0.1f};
    c.betas = {0.1f, 0.6f};
    check(c);
    // One set for both directions.
    c.acts = {"Sigmoid", "ScaledTanh", "LeakyRelu"};
    check(c);
  }
}

TEST(Recurrent, OmittedOutputs) {
  for (const char* op : kOps) {
    const int64_t n = num_outputs_of(op);
    for (int mask = 1; mask < (1 << n); ++mask) {
      Case c;
      c.op = op;
      c.direction = "bidirectional";
      c.want = {(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
      c.lens = {5, 1, 3};
      c.init_h = true;
      c.const_weights = mask % 2 == 0;
      check(c);
    }
  }
}

TEST(Recurrent, OlderOpsetsAndHiddenSizeFromR) {
  for (const char* op : kOps)
    for (int64_t opset : {7, 9, 13}) {
      Case c;
      c.op = op;
      c.opset = opset;
      c.direction = "bidirectional";
      c.hidden_attr = false;
      c.init_h = true;
      check(c);
    }
}

TEST(Recurrent, OddSizesAndThreads) {
  for (const char* op : kOps) {
    Case c;
    c.op = op;
    c.S = 3;
    c.N = 200;
    c.I = 13;
    c.H = 32;
    c.threads = 2;
    c.direction = "bidirectional";
    c.lens.resize(c.N);
    for (int64_t b = 0; b < c.N; ++b) c.lens[b] = static_cast<int32_t>(b % 4);
    c.init_h = true;
    c.peep = c.op == "LSTM";
    check(c);
    c.S = 1;
    c.N = 1;
    c.I = 1;
    c.H = 1;
    c.lens.clear();
    c.threads = 1;
    check(c);
  }
}

TEST(Recurrent, EmptyBatchOrSequence) {
  for (const char* op : kOps) {
    Case c;
    c.op = op;
    c.N = 0;
    check(c);
    c.N = 3;
    c.S = 0;
    c.init_h = true;
    check(c);
  }
}

// ---- Errors ---------------------------------------------------------------------------------

Status run_error(Case c, const std::function<void(Inputs&, std::vector<Attribute>&)>& edit) {
  Inputs in = make_inputs(c);
  std::vector<Attribute> attrs = attrs_of(c);
  edit(in, attrs);
  return run_case(c, in, std::move(attrs)).status();
}

TEST(Recurrent, Errors) {
  for (const char* op : kOps)
    for (bool cw : {false, true}) {
      Case c;
      c.op = op;
      c.const_weights = cw;
      auto expect_error = [&](const char* what, const std::function<void(Inputs&, std::vector<Attribute>&)>& edit) {
        const Status s = run_error(c, edit);
        EXPECT_FALSE(s.ok()) << op << ": " << what;
      };
      expect_error("direction", [](Inputs&, auto& a) { a.push_back(attr_string("direction", "sideways")); });
      expect_error("activation", [](Inputs&, auto& a) { a.push_back(attr_strings("activations", {"Gelu", "Tanh", "Tanh"})); });
      expect_error("activation count", [&](Inputs&, auto& a) {
        a.push_back(attr_strings("activations", std::vector<std::string>(gates_of(op) + 3, "Tanh")));
      });
      expect_error("clip", [](Inputs&, auto& a) { a.push_back(attr_float("clip", -1.0f)); });
      expect_error("layout", [](Inputs&, auto& a) { a.push_back(attr_int("layout", 2)); });
      expect_error("hidden_size", [](Inputs&, auto& a) { a.front() = attr_int("hidden_size", 5); });
      expect_error("W shape", [&](Inputs& in, auto&) { in.W = random_tensor(DType::Float, {1, 2, 7}, 3); });
      expect_error("R rank", [&](Inputs& in, auto&) { in.R = random_tensor(DType::Float, {1, 6 * gates_of(op)}, 3); });
      expect_error("B shape", [&](Inputs& in, auto&) { in.B = random_tensor(DType::Float, {1, 5}, 3); });
      expect_error("W dtype", [&](Inputs& in, auto&) { in.W = in.W.cast(DType::Double); });
      expect_error("X rank", [&](Inputs& in, auto&) { in.X = random_tensor(DType::Float, {5, 21}, 3); });
      expect_error("X input size", [&](Inputs& in, auto&) { in.X = random_tensor(DType::Float, {5, 3, 8}, 3); });
      expect_error("X int", [&](Inputs& in, auto&) { in.X = random_tensor(DType::Int32, {5, 3, 7}, 3); });
      expect_error("lens value", [&](Inputs& in, auto&) { in.L = Tensor::from_vector<int32_t>({1, 6, 2}); });
      expect_error("lens negative", [&](Inputs& in, auto&) { in.L = Tensor::from_vector<int32_t>({1, -1, 2}); });
      expect_error("lens size", [&](Inputs& in, auto&) { in.L = Tensor::from_vector<int32_t>({1, 2}); });
      expect_error("lens float", [&](Inputs& in, auto&) { in.L = Tensor::from_vector<float>({1, 2, 3}); });
      expect_error("initial_h", [&](Inputs& in, auto&) { in.h0 = random_tensor(DType::Float, {1, 2, 6}, 3); });
      if (std::string(op) == "LSTM") {
        expect_error("P", [&](Inputs& in, auto&) { in.P = random_tensor(DType::Float, {1, 17}, 3); });
        expect_error("initial_c", [&](Inputs& in, auto&) { in.c0 = random_tensor(DType::Float, {2, 3, 6}, 3); });
      }
    }
}

}  // namespace

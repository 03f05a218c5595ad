// ModelBuilder sequence layers against naive references: GRU, LSTM (uni- and bidirectional,
// stacked, sequences and final states), multi-head self-attention, embedding.
#include <sz0/builder.h>

#include "unit/builder_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// One recurrent layer in ONNX's formulation (gate order GRU: z r h, LSTM: i o f c; GRU with
// linear_before_reset). x is [batch, time, in]; returns [batch, time, dirs * hidden] and the
// final states [batch, dirs * hidden].
struct RnnRef {
  std::vector<float> seq, state;
};

RnnRef rnn_layer_ref(bool lstm, const std::vector<float>& x, int64_t batch, int64_t time, int64_t in, int64_t hidden,
                     int64_t dirs, const Tensor& W, const Tensor& R, const Tensor& B) {
  const int64_t G = lstm ? 4 : 3, H = hidden;
  RnnRef out;
  out.seq.assign(batch * time * dirs * H, 0.f);
  out.state.assign(batch * dirs * H, 0.f);
  for (int64_t d = 0; d < dirs; ++d) {
    const float* w = W.data<float>() + d * G * H * in;
    const float* r = R.data<float>() + d * G * H * H;
    const float* wb = B.data<float>() + d * 2 * G * H;
    const float* rb = wb + G * H;
    for (int64_t n = 0; n < batch; ++n) {
      std::vector<double> h(H, 0.0), c(H, 0.0);
      for (int64_t s = 0; s < time; ++s) {
        const int64_t t = d == 0 ? s : time - 1 - s;
        const float* xt = x.data() + (n * time + t) * in;
        std::vector<double> xw(G * H), hr(G * H);
        for (int64_t g = 0; g < G * H; ++g) {
          double a = wb[g], b = rb[g];
          for (int64_t i = 0; i < in; ++i) a += double(w[g * in + i]) * xt[i];
          for (int64_t i = 0; i < H; ++i) b += double(r[g * H + i]) * h[i];
          xw[g] = a;
          hr[g] = b;
        }
        auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
        std::vector<double> next(H);
        for (int64_t j = 0; j < H; ++j) {
          if (lstm) {
            const double ig = sig(xw[j] + hr[j]), og = sig(xw[H + j] + hr[H + j]);
            const double fg = sig(xw[2 * H + j] + hr[2 * H + j]), cg = std::tanh(xw[3 * H + j] + hr[3 * H + j]);
            c[j] = fg * c[j] + ig * cg;
            next[j] = og * std::tanh(c[j]);
          } else {
            const double z = sig(xw[j] + hr[j]), rr = sig(xw[H + j] + hr[H + j]);
            const double hh = std::tanh(xw[2 * H + j] + rr * hr[2 * H + j]);
            next[j] = (1 - z) * hh + z * h[j];
          }
        }
        h = next;
        for (int64_t j = 0; j < H; ++j) out.seq[((n * time + t) * dirs + d) * H + j] = static_cast<float>(h[j]);
      }
      for (int64_t j = 0; j < H; ++j) out.state[(n * dirs + d) * H + j] = static_cast<float>(h[j]);
    }
  }
  return out;
}

RnnRef rnn_ref(bool lstm, const Model& m, const std::string& name, const Tensor& x, int64_t layers, int64_t hidden,
               int64_t dirs) {
  const int64_t batch = x.dim(0), time = x.dim(1);
  std::vector<float> seq = values(x);
  int64_t in = x.dim(2);
  RnnRef r;
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = name + ".l" + std::to_string(l);
    r = rnn_layer_ref(lstm, seq, batch, time, in, hidden, dirs, param(m, p + ".W"), param(m, p + ".R"),
                      param(m, p + ".B"));
    seq = r.seq;
    in = dirs * hidden;
  }
  return r;
}

void check_rnn(bool lstm, int64_t layers, bool bidirectional, bool sequences) {
  SCOPED_TRACE(::testing::Message() << (lstm ? "LSTM" : "GRU") << " layers " << layers << " bidirectional "
                                    << bidirectional << " sequences " << sequences);
  const int64_t hidden = 4, dirs = bidirectional ? 2 : 1;
  const RnnOptions o{.layers = layers, .bidirectional = bidirectional, .return_sequences = sequences, .name = "rnn"};
  auto m = one_layer(DType::Float, {5, 3}, [&](ModelBuilder& b, Var x) {
    return lstm ? b.lstm(x, hidden, o) : b.gru(x, hidden, o);
  });
  ASSERT_TRUE(m.ok()) << m.status().message();
  const int64_t gates = lstm ? 4 : 3;
  int64_t expected_params = 0;
  for (int64_t l = 0, in = 3; l < layers; ++l, in = dirs * hidden)
    expected_params += dirs * gates * hidden * (in + hidden + 2);
  int64_t params = 0;
  for (auto& [n, t] : m->graph.initializers) params += t.numel();
  EXPECT_EQ(params, expected_params);
  const ValueInfo* y = m->graph.find_output("y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->type.str(), sequences ? fmt::format("float32[batch,5,{}]", dirs * hidden)
                                     : fmt::format("float32[batch,{}]", dirs * hidden));
  Tensor x = random_tensor(DType::Float, {2, 5, 3}, 21);
  auto got = run_model(*m, x);
  ASSERT_TRUE(got.ok()) << got.status().message();
  const RnnRef want = rnn_ref(lstm, *m, "rnn", x, layers, hidden, dirs);
  if (sequences) EXPECT_TENSOR_NEAR(*got, make({2, 5, dirs * hidden}, want.seq));
  else EXPECT_TENSOR_NEAR(*got, make({2, dirs * hidden}, want.state));
}

}  // namespace

TEST(BuilderSeq, Gru) {
  check_rnn(false, 1, false, true);
  check_rnn(false, 2, false, true);
  check_rnn(false, 2, true, true);
  check_rnn(false, 2, true, false);
}

TEST(BuilderSeq, Lstm) {
  check_rnn(true, 1, false, false);
  check_rnn(true, 2, true, true);
  check_rnn(true, 2, true, false);
}

TEST(BuilderSeq, RnnKeepsBatchDynamic) {
  auto m = one_layer(DType::Float, {6, 3}, [](ModelBuilder& b, Var x) {
    return b.gru(x, 5, {.layers = 2, .bidirectional = true, .return_sequences = false});
  });
  ASSERT_TRUE(m.ok()) << m.status().message();
  for (int64_t n : {1, 4}) {
    auto y = run_model(*m, random_tensor(DType::Float, {n, 6, 3}, 22));
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(y->shape(), (Shape{n, 10}));
  }
}

TEST(BuilderSeq, SelfAttention) {
  const int64_t T = 5, D = 8, heads = 2, dh = D / heads;
  auto m = one_layer(DType::Float, {T, D}, [&](ModelBuilder& b, Var x) { return b.self_attention(x, heads, "att"); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->graph.find_output("y")->type.str(), "float32[batch,5,8]");
  int64_t params = 0;
  for (auto& [n, t] : m->graph.initializers) params += t.numel();
  EXPECT_EQ(params, 4 * (D * D + D));
  Tensor x = random_tensor(DType::Float, {2, T, D}, 23);
  auto got = run_model(*m, x);
  ASSERT_TRUE(got.ok()) << got.status().message();
  auto lin = [&](const std::vector<float>& in, const std::string& p) {
    const Tensor& b = param(*m, "att." + p + ".bias");
    return dense_ref(in, 2 * T, D, param(*m, "att." + p + ".weight"), &b, D, false);
  };
  const std::vector<float> xs = values(x);
  const std::vector<float> q = lin(xs, "q"), k = lin(xs, "k"), v = lin(xs, "v");
  std::vector<float> ctx(2 * T * D);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < T; ++i) {
        std::vector<double> s(T);
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j < T; ++j) {
          double a = 0;
          for (int64_t e = 0; e < dh; ++e) a += double(q[(n * T + i) * D + h * dh + e]) * k[(n * T + j) * D + h * dh + e];
          s[j] = a / std::sqrt(double(dh));
          mx = std::max(mx, s[j]);
        }
        for (double& a : s) sum += (a = std::exp(a - mx));
        for (int64_t e = 0; e < dh; ++e) {
          double a = 0;
          for (int64_t j = 0; j < T; ++j) a += s[j] / sum * v[(n * T + j) * D + h * dh + e];
          ctx[(n * T + i) * D + h * dh + e] = static_cast<float>(a);
        }
      }
  EXPECT_TENSOR_NEAR(*got, make({2, T, D}, lin(ctx, "out")));
  // Every Reshape keeps the batch axis dynamic: the same file runs at another batch size.
  auto y3 = run_model(*m, random_tensor(DType::Float, {3, T, D}, 24));
  ASSERT_TRUE(y3.ok()) << y3.status().message();
  EXPECT_EQ(y3->shape(), (Shape{3, T, D}));
}

TEST(BuilderSeq, EmbeddingAndPositions) {
  ModelBuilder b("emb", {.seed = 4});
  Var ids = b.input("x", DType::Int64, {3});
  Var e = b.embedding(ids, 10, 4, "tok");
  Var y = b.add(e, b.parameter("pos", {3, 4}, 0.1f));
  b.output(y, "y");
  EXPECT_EQ(b.parameter_count(), 40 + 12);
  auto m = b.build();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->graph.find_output("y")->type.str(), "float32[batch,3,4]");
  Tensor x = Tensor::from_vector<int64_t>({1, 9, 0, 4, 4, 7}, {2, 3});
  auto got = run_model(*m, x);
  ASSERT_TRUE(got.ok()) << got.status().message();
  const float* table = param(*m, "tok.weight").data<float>();
  const float* pos = param(*m, "pos").data<float>();
  Tensor want(DType::Float, {2, 3, 4});
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 4; ++j)
      want.data<float>()[i * 4 + j] = table[x.data<int64_t>()[i] * 4 + j] + pos[(i % 3) * 4 + j];
  EXPECT_TENSOR_NEAR(*got, want);
}

TEST(BuilderSeq, Errors) {
  ModelBuilder b("errs");
  Var x = b.input("x", DType::Float, {5, 6});
  EXPECT_FALSE(b.self_attention(x, 4).valid());  // 6 not divisible by 4
  ModelBuilder b2("errs2");
  Var f = b2.input("x", DType::Float, {5});
  EXPECT_FALSE(b2.embedding(f, 10, 4).valid());  // float ids
  EXPECT_NE(b2.status().message().find("int64"), std::string::npos);
  ModelBuilder b3("errs3");
  Var r = b3.input("x", DType::Float, {5});
  EXPECT_FALSE(b3.gru(r, 4).valid());  // rank 2
}

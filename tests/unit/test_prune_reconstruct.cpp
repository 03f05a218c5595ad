// Layer-wise reconstruction (prune/reconstruct.h): Hessians collected by running models, checked
// against explicit input rows and im2col patches; SparseGPT's masks and error against magnitude
// pruning; the least-squares re-fit against the normal equations; the dense Cholesky helpers.
#include "prune/layers.h"
#include "prune/linalg.h"
#include "prune/reconstruct.h"
#include "util/op_test.h"

#include <sz0/session.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace sz0;
using namespace sz0::prune;
using sz0::test::attr_int;
using sz0::test::attr_ints;
using sz0::test::attr_string;

namespace {

using Mat = std::vector<double>;  // row-major

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// x → Relu → a → op(a, w) → y. The Relu makes the layer input an intermediate value.
Model layer_model(const std::string& op, const Shape& x_shape, const Shape& w_shape, std::vector<Attribute> attrs,
                  uint32_t seed = 1) {
  Model m;
  m.opsets = {{"", 17}};
  TypeInfo x_type(DType::Float, std::vector<Dim>(x_shape.begin(), x_shape.end()));
  m.graph.inputs.push_back({"x", x_type, ""});
  TypeInfo y_type;
  y_type.dtype = DType::Float;
  m.graph.outputs.push_back({"y", y_type, ""});
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"a"};
  Node n;
  n.name = "layer";
  n.op_type = op;
  n.inputs = {"a", "w"};
  n.outputs = {"y"};
  n.attributes = std::move(attrs);
  m.graph.nodes = {relu, n};
  m.graph.initializers["w"] =
      Tensor::from_vector(random_floats(static_cast<size_t>(shape_numel(w_shape)), seed), w_shape);
  return m;
}

std::map<std::string, Tensor> feed(const Shape& shape, uint32_t seed) {
  return {{"x", Tensor::from_vector(random_floats(static_cast<size_t>(shape_numel(shape)), seed), shape)}};
}

SampleStream stream_of(const std::vector<std::map<std::string, Tensor>>* samples) {
  return {samples->size(), [samples](size_t i) -> Result<std::map<std::string, Tensor>> { return (*samples)[i]; }};
}

std::vector<float> relu(const Tensor& t) {
  std::vector<float> v(t.data<float>(), t.data<float>() + t.numel());
  for (float& x : v) x = std::max(x, 0.f);
  return v;
}

// Σ x xᵀ over the given input vectors.
Mat gram(const std::vector<std::vector<double>>& xs, int64_t dim) {
  Mat h(static_cast<size_t>(dim * dim), 0.0);
  for (const auto& x : xs)
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j < dim; ++j)
        h[static_cast<size_t>(i * dim + j)] += x[static_cast<size_t>(i)] * x[static_cast<size_t>(j)];
  return h;
}

void expect_hessian(const Hessian& h, const Mat& ref, int64_t vectors) {
  ASSERT_EQ(h.h.size(), ref.size());
  EXPECT_EQ(h.vectors, vectors);
  for (size_t i = 0; i < ref.size(); ++i)
    ASSERT_NEAR(h.h[i], ref[i], 1e-4 * (1 + std::fabs(ref[i]))) << "element " << i;
}

Result<std::map<std::string, Hessian>> collect(const Model& m,
                                               const std::vector<std::map<std::string, Tensor>>& samples) {
  return collect_hessians(m, prunable_weights(m), stream_of(&samples), {});
}

Shape run_output_shape(const Model& m, const std::map<std::string, Tensor>& feeds) {
  SessionOptions so;
  so.optimize = false;
  auto s = Session::create(m, so);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  auto r = (*s)->run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->front().shape() : Shape{};
}

TEST(PruneHessian, GemmAllTransposes) {
  const int64_t m = 5, k = 13, n = 7;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      SCOPED_TRACE(testing::Message() << "transA " << ta << " transB " << tb);
      const Shape xs = ta ? Shape{k, m} : Shape{m, k};
      Model model =
          layer_model("Gemm", xs, tb ? Shape{n, k} : Shape{k, n}, {attr_int("transA", ta), attr_int("transB", tb)});
      std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 10), feed(xs, 11)};
      std::vector<std::vector<double>> rows;
      for (const auto& s : samples) {
        const std::vector<float> a = relu(s.at("x"));
        for (int64_t r = 0; r < m; ++r) {
          std::vector<double> x(static_cast<size_t>(k));
          for (int64_t c = 0; c < k; ++c)
            x[static_cast<size_t>(c)] = a[static_cast<size_t>(ta ? c * m + r : r * k + c)];
          rows.push_back(x);
        }
        if (rows.size() == static_cast<size_t>(m)) {  // one sample alone
          std::vector<std::map<std::string, Tensor>> one = {s};
          auto h = collect(model, one);
          ASSERT_TRUE(h.ok()) << h.status().message();
          expect_hessian(h->at("w"), gram(rows, k), m);
        }
      }
      auto h = collect(model, samples);
      ASSERT_TRUE(h.ok()) << h.status().message();
      ASSERT_EQ(h->size(), 1u);
      EXPECT_EQ(h->at("w").dim, k);
      expect_hessian(h->at("w"), gram(rows, k), 2 * m);
    }
}

TEST(PruneHessian, MatMulFlattensLeadingDims) {
  const Shape xs = {2, 3, 13};
  Model model = layer_model("MatMul", xs, {13, 7}, {});
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 3)};
  const std::vector<float> a = relu(samples[0].at("x"));
  std::vector<std::vector<double>> rows;
  for (int64_t r = 0; r < 6; ++r) rows.emplace_back(a.begin() + r * 13, a.begin() + (r + 1) * 13);
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  expect_hessian(h->at("w"), gram(rows, 13), 6);
  EXPECT_FALSE(collect(model, {}).ok());  // no samples
}

// R multiplies the state of the step before (forward) or after (reverse): the rows of Y but the
// last or the first step, in either layout. Where some gate's rows read something else (GRU
// without linear_before_reset), or two directions would need two Hessians, R is absent.
TEST(PruneHessian, RecurrentStateWeights) {
  struct Case {
    std::string op, direction;
    int layout;
    bool lbr, expect;
  };
  const Case cases[] = {{"GRU", "forward", 0, true, true},   {"GRU", "reverse", 1, true, true},
                        {"LSTM", "forward", 1, false, true}, {"RNN", "reverse", 0, false, true},
                        {"GRU", "forward", 0, false, false}, {"LSTM", "bidirectional", 0, false, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op + " " + c.direction + " layout " + std::to_string(c.layout) + (c.lbr ? " lbr" : ""));
    const int64_t S = 5, N = 2, I = 3, H = 4, G = c.op == "RNN" ? 1 : c.op == "GRU" ? 3 : 4;
    const int64_t D = c.direction == "bidirectional" ? 2 : 1;
    const Shape xs = c.layout == 0 ? Shape{S, N, I} : Shape{N, S, I};
    Model model = layer_model(c.op, xs, {D, G * H, I}, {attr_int("hidden_size", H), attr_string("direction", c.direction),
                                                         attr_int("layout", c.layout)});
    if (c.lbr) model.graph.nodes[1].attributes.push_back(attr_int("linear_before_reset", 1));
    model.graph.nodes[1].inputs = {"a", "w", "r"};
    model.graph.initializers["r"] = Tensor::from_vector(random_floats(static_cast<size_t>(D * G * H * H), 9), {D, G * H, H});
    std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 5), feed(xs, 6)};
    auto h = collect(model, samples);
    ASSERT_TRUE(h.ok()) << h.status().message();
    if (!c.expect) {
      EXPECT_EQ(h->count("r"), 0u);
      continue;
    }
    SessionOptions so;
    so.optimize = false;
    auto session = Session::create(model, so);
    ASSERT_TRUE(session.ok()) << session.status().message();
    std::vector<std::vector<double>> states;
    for (const auto& s : samples) {
      auto y = (*session)->run(s);
      ASSERT_TRUE(y.ok()) << y.status().message();
      const Tensor& yt = y->front();  // [S, 1, N, H] or [N, S, 1, H]
      for (int64_t t = 0; t < S; ++t) {
        if (t == (c.direction == "reverse" ? 0 : S - 1)) continue;
        for (int64_t b = 0; b < N; ++b) {
          const float* row = yt.data<float>() + (c.layout == 0 ? t * N + b : b * S + t) * H;
          states.emplace_back(row, row + H);
        }
      }
    }
    expect_hessian(h->at("r"), gram(states, H), static_cast<int64_t>(states.size()));
  }
}

// GRU: the input weights W see every time step's x_t (rows of X).
TEST(PruneHessian, RecurrentInputWeights) {
  const Shape xs = {5, 2, 6};  // [seq, batch, input]
  Model model = layer_model("GRU", xs, {1, 12, 6}, {});
  Attribute hidden;
  hidden.name = "hidden_size";
  hidden.kind = Attribute::Kind::Int;
  hidden.i = 4;
  model.graph.nodes[1].attributes = {hidden};
  model.graph.nodes[1].inputs = {"a", "w", "r"};
  model.graph.initializers["r"] = Tensor::from_vector(random_floats(48, 9), {1, 12, 4});
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 5), feed(xs, 6)};
  std::vector<std::vector<double>> rows;
  for (const auto& s : samples) {
    const std::vector<float> a = relu(s.at("x"));
    for (int64_t r = 0; r < 10; ++r) rows.emplace_back(a.begin() + r * 6, a.begin() + (r + 1) * 6);
  }
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  expect_hessian(h->at("w"), gram(rows, 6), 20);
  EXPECT_EQ(h->count("r"), 0u) << "the h gate of a GRU without linear_before_reset reads rt ⊙ Ht-1";
}

// Two Gemms in a chain: both inputs observed in one run; the second layer's input computed here.
TEST(PruneHessian, SeveralLayers) {
  Model model = layer_model("Gemm", {4, 9}, {6, 9}, {attr_int("transB", 1)});
  model.graph.nodes[1].outputs = {"h"};
  Node r2;
  r2.name = "relu2";
  r2.op_type = "Relu";
  r2.inputs = {"h"};
  r2.outputs = {"z"};
  Node g2;
  g2.name = "layer2";
  g2.op_type = "Gemm";
  g2.inputs = {"z", "w2"};
  g2.outputs = {"y"};
  model.graph.nodes.push_back(r2);
  model.graph.nodes.push_back(g2);
  model.graph.initializers["w2"] = Tensor::from_vector(random_floats(18, 5), {6, 3});
  std::vector<std::map<std::string, Tensor>> samples = {feed({4, 9}, 8)};
  const std::vector<float> a = relu(samples[0].at("x"));
  const float* w1 = model.graph.initializers.at("w").data<float>();
  std::vector<std::vector<double>> x1, x2;
  for (int64_t r = 0; r < 4; ++r) {
    x1.emplace_back(a.begin() + r * 9, a.begin() + (r + 1) * 9);
    std::vector<double> z(6);
    for (int64_t o = 0; o < 6; ++o) {
      double s = 0;
      for (int64_t c = 0; c < 9; ++c) s += static_cast<double>(a[static_cast<size_t>(r * 9 + c)]) * w1[o * 9 + c];
      z[static_cast<size_t>(o)] = std::max(s, 0.0);
    }
    x2.push_back(z);
  }
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 2u);
  expect_hessian(h->at("w"), gram(x1, 9), 4);
  expect_hessian(h->at("w2"), gram(x2, 6), 4);
}

// Explicit 2-D im2col: pads [top, left, bottom, right], one patch per output position.
std::vector<std::vector<double>> patches_2d(const std::vector<float>& x, int64_t batch, int64_t c, int64_t ih,
                                            int64_t iw, int64_t kh, int64_t kw, std::vector<int64_t> s,
                                            std::vector<int64_t> p, std::vector<int64_t> d) {
  const int64_t oh = (ih + p[0] + p[2] - (d[0] * (kh - 1) + 1)) / s[0] + 1;
  const int64_t ow = (iw + p[1] + p[3] - (d[1] * (kw - 1) + 1)) / s[1] + 1;
  std::vector<std::vector<double>> out;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        std::vector<double> v;
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t y = oy * s[0] - p[0] + ky * d[0], xx = ox * s[1] - p[1] + kx * d[1];
              const bool in = y >= 0 && y < ih && xx >= 0 && xx < iw;
              v.push_back(in ? x[static_cast<size_t>(((b * c + ch) * ih + y) * iw + xx)] : 0.0);
            }
        out.push_back(v);
      }
  return out;
}

TEST(PruneHessian, Conv2dStridePadsDilation) {
  const Shape xs = {2, 5, 9, 8};
  Model model =
      layer_model("Conv", xs, {4, 5, 3, 2},
                  {attr_ints("strides", {2, 1}), attr_ints("pads", {1, 2, 0, 1}), attr_ints("dilations", {2, 2})});
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 21), feed(xs, 22)};
  std::vector<std::vector<double>> ps;
  for (const auto& s : samples) {
    auto p = patches_2d(relu(s.at("x")), 2, 5, 9, 8, 3, 2, {2, 1}, {1, 2, 0, 1}, {2, 2});
    ps.insert(ps.end(), p.begin(), p.end());
  }
  const Shape ys = run_output_shape(model, samples[0]);
  ASSERT_EQ(ys.size(), 4u);
  EXPECT_EQ(static_cast<int64_t>(ps.size()), 2 * ys[0] * ys[2] * ys[3]);
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  expect_hessian(h->at("w"), gram(ps, 30), static_cast<int64_t>(ps.size()));
}

// With a reference model, the cross moments pair each input vector with the reference's vector
// at the same sample and position: here the reference computes the layer input with LeakyRelu
// instead of Relu.
TEST(PruneHessian, CrossMomentsWithAReference) {
  for (const char* op : {"Conv", "MatMul"}) {
    SCOPED_TRACE(op);
    const bool conv = std::string(op) == "Conv";
    const Shape xs = conv ? Shape{2, 3, 6, 5} : Shape{2, 4, 6};
    Model model = conv ? layer_model("Conv", xs, {4, 3, 3, 2}, {attr_ints("pads", {1, 0, 1, 1})})
                       : layer_model("MatMul", xs, {6, 5}, {});
    Model reference = model;
    reference.graph.nodes[0].op_type = "LeakyRelu";
    reference.graph.nodes[0].attributes = {sz0::test::attr_float("alpha", 0.3f)};
    std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 31), feed(xs, 32)};
    std::vector<std::vector<double>> mine, theirs;
    for (const auto& s : samples) {
      std::vector<float> a = relu(s.at("x")), b(a.size());
      const float* x = s.at("x").data<float>();
      for (size_t i = 0; i < b.size(); ++i) b[i] = x[i] > 0 ? x[i] : 0.3f * x[i];
      if (conv) {
        auto pa = patches_2d(a, 2, 3, 6, 5, 3, 2, {1, 1}, {1, 0, 1, 1}, {1, 1});
        auto pb = patches_2d(b, 2, 3, 6, 5, 3, 2, {1, 1}, {1, 0, 1, 1}, {1, 1});
        mine.insert(mine.end(), pa.begin(), pa.end());
        theirs.insert(theirs.end(), pb.begin(), pb.end());
      } else {
        for (size_t r = 0; r < a.size() / 6; ++r) {
          mine.emplace_back(a.begin() + static_cast<std::ptrdiff_t>(r * 6), a.begin() + static_cast<std::ptrdiff_t>(r * 6 + 6));
          theirs.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(r * 6), b.begin() + static_cast<std::ptrdiff_t>(r * 6 + 6));
        }
      }
    }
    auto h = collect_hessians(model, prunable_weights(model), stream_of(&samples), {}, {}, &reference);
    ASSERT_TRUE(h.ok()) << h.status().message();
    const Hessian& got = h->at("w");
    const int64_t dim = got.dim;
    expect_hessian(got, gram(mine, dim), static_cast<int64_t>(mine.size()));
    ASSERT_EQ(got.cross.size(), static_cast<size_t>(dim * dim));
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j < dim; ++j) {
        double want = 0;
        for (size_t v = 0; v < mine.size(); ++v) want += theirs[v][static_cast<size_t>(i)] * mine[v][static_cast<size_t>(j)];
        ASSERT_NEAR(got.cross[static_cast<size_t>(i * dim + j)], want, 1e-4 * (1 + std::fabs(want))) << i << "," << j;
      }
  }
}

TEST(PruneHessian, Conv2dAutoPad) {
  const Shape xs = {1, 5, 7, 10};
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    SCOPED_TRACE(mode);
    Model model = layer_model("Conv", xs, {3, 5, 3, 3}, {attr_ints("strides", {2, 2}), attr_string("auto_pad", mode)});
    std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 30)};
    std::vector<int64_t> pads = {0, 0, 0, 0};
    if (std::string(mode) != "VALID") {
      const int64_t in[2] = {7, 10};
      for (int d = 0; d < 2; ++d) {
        const int64_t out = (in[d] + 1) / 2, total = std::max<int64_t>(0, (out - 1) * 2 + 3 - in[d]);
        const int64_t small = total / 2, big = total - small;
        pads[static_cast<size_t>(d)] = std::string(mode) == "SAME_UPPER" ? small : big;
        pads[static_cast<size_t>(d + 2)] = total - pads[static_cast<size_t>(d)];
      }
    }
    auto ps = patches_2d(relu(samples[0].at("x")), 1, 5, 7, 10, 3, 3, {2, 2}, pads, {1, 1});
    const Shape ys = run_output_shape(model, samples[0]);
    ASSERT_EQ(ys.size(), 4u);
    EXPECT_EQ(static_cast<int64_t>(ps.size()), ys[2] * ys[3]);
    auto h = collect(model, samples);
    ASSERT_TRUE(h.ok()) << h.status().message();
    expect_hessian(h->at("w"), gram(ps, 45), static_cast<int64_t>(ps.size()));
  }
}

TEST(PruneHessian, Conv1d) {
  const Shape xs = {2, 5, 11};
  const int64_t s = 2, pb = 2, pe = 1, d = 2, k = 3;
  Model model = layer_model("Conv", xs, {3, 5, k},
                            {attr_ints("strides", {s}), attr_ints("pads", {pb, pe}), attr_ints("dilations", {d})});
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 40)};
  const std::vector<float> a = relu(samples[0].at("x"));
  const int64_t ol = (11 + pb + pe - (d * (k - 1) + 1)) / s + 1;
  std::vector<std::vector<double>> ps;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t o = 0; o < ol; ++o) {
      std::vector<double> v;
      for (int64_t c = 0; c < 5; ++c)
        for (int64_t t = 0; t < k; ++t) {
          const int64_t i = o * s - pb + t * d;
          v.push_back(i >= 0 && i < 11 ? a[static_cast<size_t>((b * 5 + c) * 11 + i)] : 0.0);
        }
      ps.push_back(v);
    }
  EXPECT_EQ(run_output_shape(model, samples[0]), (Shape{2, 3, ol}));
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  expect_hessian(h->at("w"), gram(ps, 15), 2 * ol);
}

TEST(PruneHessian, Conv3d) {
  const Shape xs = {1, 2, 4, 5, 3};
  Model model = layer_model("Conv", xs, {3, 2, 2, 3, 2}, {attr_ints("pads", {1, 0, 1, 0, 1, 0})});
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 50)};
  const std::vector<float> a = relu(samples[0].at("x"));
  const int64_t od = 4 + 1 - 2 + 1, oh = 5 + 1 - 3 + 1, ow = 3 + 1 - 2 + 1;
  std::vector<std::vector<double>> ps;
  for (int64_t z = 0; z < od; ++z)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        std::vector<double> v;
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t kz = 0; kz < 2; ++kz)
            for (int64_t ky = 0; ky < 3; ++ky)
              for (int64_t kx = 0; kx < 2; ++kx) {
                const int64_t iz = z - 1 + kz, iy = y + ky, ix = x - 1 + kx;
                const bool in = iz >= 0 && iz < 4 && iy < 5 && ix >= 0 && ix < 3;
                v.push_back(in ? a[static_cast<size_t>(((c * 4 + iz) * 5 + iy) * 3 + ix)] : 0.0);
              }
        ps.push_back(v);
      }
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  expect_hessian(h->at("w"), gram(ps, 24), od * oh * ow);
}

TEST(PruneHessian, GroupedConvSkipped) {
  const Shape xs = {1, 4, 6, 6};
  Model model = layer_model("Conv", xs, {6, 2, 3, 3}, {attr_int("group", 2)});
  ASSERT_EQ(prunable_weights(model).size(), 1u);
  std::vector<std::map<std::string, Tensor>> samples = {feed(xs, 1)};
  auto h = collect(model, samples);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_TRUE(h->empty());
}

// --- dense algebra ---

Mat random_spd(int64_t n, uint32_t seed) {
  const std::vector<float> b = random_floats(static_cast<size_t>(n * n), seed);
  Mat a(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t k = 0; k < n; ++k)
        a[static_cast<size_t>(i * n + j)] += b[static_cast<size_t>(i * n + k)] * b[static_cast<size_t>(j * n + k)];
      if (i == j) a[static_cast<size_t>(i * n + j)] += 0.1;
    }
  return a;
}

Mat matmul(const Mat& a, const Mat& b, int64_t n, bool trans_a = false) {
  Mat c(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j)
        c[static_cast<size_t>(i * n + j)] +=
            (trans_a ? a[static_cast<size_t>(k * n + i)] : a[static_cast<size_t>(i * n + k)]) *
            b[static_cast<size_t>(k * n + j)];
  return c;
}

TEST(PruneLinalg, FactorSolveInverse) {
  const int64_t n = 17;
  const Mat a = random_spd(n, 7);
  Mat l = a;
  ASSERT_TRUE(cholesky(l, n).ok());
  Mat llt(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (j > i) {
        EXPECT_EQ(l[static_cast<size_t>(i * n + j)], 0.0);
      }
      for (int64_t k = 0; k < n; ++k)
        llt[static_cast<size_t>(i * n + j)] += l[static_cast<size_t>(i * n + k)] * l[static_cast<size_t>(j * n + k)];
    }
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(llt[i], a[i], 1e-9);

  std::vector<double> x = {1, 2};
  x.resize(static_cast<size_t>(2 * n), 0.5);
  std::vector<double> b = x;
  cholesky_solve(l, n, b.data(), 2);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t j = 0; j < n; ++j) s += a[static_cast<size_t>(i * n + j)] * b[static_cast<size_t>(r * n + j)];
      EXPECT_NEAR(s, x[static_cast<size_t>(r * n + i)], 1e-8);
    }

  auto inv = spd_inverse(a, n);
  ASSERT_TRUE(inv.ok());
  const Mat id = matmul(a, *inv, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(id[static_cast<size_t>(i * n + j)], i == j ? 1.0 : 0.0, 1e-8);

  // Uᵀ U = A⁻¹ with U upper, positive diagonal: the upper Cholesky factor of A⁻¹.
  auto u = inverse_upper_cholesky(a, n);
  ASSERT_TRUE(u.ok());
  const Mat utu = matmul(*u, *u, n, true);
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_GT((*u)[static_cast<size_t>(i * n + i)], 0.0);
    for (int64_t j = 0; j < i; ++j) EXPECT_EQ((*u)[static_cast<size_t>(i * n + j)], 0.0);
  }
  for (size_t i = 0; i < utu.size(); ++i) EXPECT_NEAR(utu[i], (*inv)[i], 1e-8 * (1 + std::fabs((*inv)[i])));

  Mat bad = a;
  bad[0] = -1;
  EXPECT_FALSE(cholesky(bad, n).ok());
  EXPECT_FALSE(spd_inverse(Mat(9, 0.0), 3).ok());
}

// --- reconstruction on explicit data ---

// X [cols, samples]: the layer input vectors as columns; H = X Xᵀ.
struct Data {
  int64_t cols = 0, n = 0;
  std::vector<double> x;
  Hessian h;
};

Data make_data(int64_t cols, int64_t n, uint32_t seed, int rank = 0, double noise = 1.0) {
  Data d;
  d.cols = cols;
  d.n = n;
  const std::vector<float> z = random_floats(static_cast<size_t>(cols * n), seed);
  d.x.assign(z.begin(), z.end());
  for (double& v : d.x) v *= noise;
  if (rank > 0) {  // a strong low-rank component: correlated inputs
    const std::vector<float> a = random_floats(static_cast<size_t>(cols * rank), seed + 1);
    const std::vector<float> b = random_floats(static_cast<size_t>(rank * n), seed + 2);
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t t = 0; t < n; ++t)
        for (int r = 0; r < rank; ++r)
          d.x[static_cast<size_t>(i * n + t)] +=
              3.0 * a[static_cast<size_t>(i * rank + r)] * b[static_cast<size_t>(r * n + t)];
  }
  d.h.dim = cols;
  d.h.vectors = n;
  d.h.h.assign(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t t = 0; t < n; ++t)
        d.h.h[static_cast<size_t>(i * cols + j)] +=
            d.x[static_cast<size_t>(i * n + t)] * d.x[static_cast<size_t>(j * n + t)];
  return d;
}

// ‖W X − W' X[keep]‖_F² with W [rows, cols] and W' [rows, keep.size()].
double output_error(const std::vector<float>& w, const std::vector<float>& w2, int64_t rows, const Data& d,
                    const std::vector<int64_t>& keep) {
  const int64_t k = static_cast<int64_t>(keep.size());
  double e = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < d.n; ++t) {
      double y = 0, y2 = 0;
      for (int64_t c = 0; c < d.cols; ++c)
        y += w[static_cast<size_t>(r * d.cols + c)] * d.x[static_cast<size_t>(c * d.n + t)];
      for (int64_t j = 0; j < k; ++j)
        y2 += w2[static_cast<size_t>(r * k + j)] * d.x[static_cast<size_t>(keep[static_cast<size_t>(j)] * d.n + t)];
      e += (y - y2) * (y - y2);
    }
  return e;
}

std::vector<int64_t> all_columns(int64_t cols) {
  std::vector<int64_t> v(static_cast<size_t>(cols));
  for (int64_t i = 0; i < cols; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

// Gaussian elimination with partial pivoting: A x = b, A n × n.
std::vector<double> naive_solve(Mat a, std::vector<double> b, int64_t n) {
  for (int64_t c = 0; c < n; ++c) {
    int64_t p = c;
    for (int64_t r = c + 1; r < n; ++r)
      if (std::fabs(a[static_cast<size_t>(r * n + c)]) > std::fabs(a[static_cast<size_t>(p * n + c)])) p = r;
    for (int64_t j = 0; j < n; ++j) std::swap(a[static_cast<size_t>(c * n + j)], a[static_cast<size_t>(p * n + j)]);
    std::swap(b[static_cast<size_t>(c)], b[static_cast<size_t>(p)]);
    for (int64_t r = c + 1; r < n; ++r) {
      const double f = a[static_cast<size_t>(r * n + c)] / a[static_cast<size_t>(c * n + c)];
      for (int64_t j = c; j < n; ++j) a[static_cast<size_t>(r * n + j)] -= f * a[static_cast<size_t>(c * n + j)];
      b[static_cast<size_t>(r)] -= f * b[static_cast<size_t>(c)];
    }
  }
  std::vector<double> x(static_cast<size_t>(n));
  for (int64_t r = n - 1; r >= 0; --r) {
    double s = b[static_cast<size_t>(r)];
    for (int64_t j = r + 1; j < n; ++j) s -= a[static_cast<size_t>(r * n + j)] * x[static_cast<size_t>(j)];
    x[static_cast<size_t>(r)] = s / a[static_cast<size_t>(r * n + r)];
  }
  return x;
}

TEST(PruneRefit, NormalEquationOptimum) {
  const int64_t rows = 7, cols = 13;
  const Data d = make_data(cols, 40, 3, 2, 0.5);
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 4);
  const std::vector<int64_t> keep = {0, 2, 3, 5, 8, 9, 11, 12};
  const int64_t k = static_cast<int64_t>(keep.size());
  auto w2 = refit_columns(w, rows, cols, d.h, keep, 0.0);
  ASSERT_TRUE(w2.ok()) << w2.status().message();
  ASSERT_EQ(w2->size(), static_cast<size_t>(rows * k));

  std::vector<float> dropped;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c : keep) dropped.push_back(w[static_cast<size_t>(r * cols + c)]);
  const double e_refit = output_error(w, *w2, rows, d, keep), e_drop = output_error(w, dropped, rows, d, keep);
  EXPECT_LT(e_refit, e_drop);

  // Normal equations from X directly: (X_k X_kᵀ) w'_r = X_k (X ᵀ w_r).
  Mat a(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j)
      for (int64_t t = 0; t < d.n; ++t)
        a[static_cast<size_t>(i * k + j)] += d.x[static_cast<size_t>(keep[static_cast<size_t>(i)] * d.n + t)] *
                                             d.x[static_cast<size_t>(keep[static_cast<size_t>(j)] * d.n + t)];
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> b(static_cast<size_t>(k), 0.0);
    for (int64_t t = 0; t < d.n; ++t) {
      double y = 0;
      for (int64_t c = 0; c < cols; ++c)
        y += w[static_cast<size_t>(r * cols + c)] * d.x[static_cast<size_t>(c * d.n + t)];
      for (int64_t i = 0; i < k; ++i)
        b[static_cast<size_t>(i)] += d.x[static_cast<size_t>(keep[static_cast<size_t>(i)] * d.n + t)] * y;
    }
    const std::vector<double> ref = naive_solve(a, b, k);
    for (int64_t i = 0; i < k; ++i)
      EXPECT_NEAR((*w2)[static_cast<size_t>(r * k + i)], ref[static_cast<size_t>(i)],
                  1e-4 * (1 + std::fabs(ref[static_cast<size_t>(i)])));
  }

  // A little damping moves away from the optimum, but not by much.
  auto damped = refit_columns(w, rows, cols, d.h, keep, 0.01);
  ASSERT_TRUE(damped.ok());
  const double e_damped = output_error(w, *damped, rows, d, keep);
  EXPECT_GE(e_damped, e_refit * (1 - 1e-6));
  EXPECT_LT(e_damped, e_drop);
}

// Fitted to a reference whose inputs are a linear map of this layer's (X_ref = A X), the
// re-fit recovers W A exactly: the layer then gives the reference outputs from its own inputs.
TEST(PruneRefit, ToReferenceAbsorbsALinearChangeUpstream) {
  const int64_t rows = 5, cols = 9;
  Data d = make_data(cols, 60, 7);
  const std::vector<float> a = random_floats(static_cast<size_t>(cols * cols), 8);
  d.h.cross.assign(static_cast<size_t>(cols * cols), 0.0);  // Σ x_ref xᵀ = A H
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t k = 0; k < cols; ++k)
        d.h.cross[static_cast<size_t>(i * cols + j)] += a[static_cast<size_t>(i * cols + k)] * d.h.h[static_cast<size_t>(k * cols + j)];
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 9);
  std::vector<int64_t> all(static_cast<size_t>(cols));
  std::iota(all.begin(), all.end(), 0);
  auto fitted = refit_columns(w, rows, cols, d.h, all, 0.0, true);
  ASSERT_TRUE(fitted.ok()) << fitted.status().message();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      double want = 0;
      for (int64_t k = 0; k < cols; ++k) want += w[static_cast<size_t>(r * cols + k)] * a[static_cast<size_t>(k * cols + c)];
      EXPECT_NEAR((*fitted)[static_cast<size_t>(r * cols + c)], want, 1e-4 * (1 + std::fabs(want))) << r << "," << c;
    }
  // Without cross moments there is nothing to fit to.
  Hessian bare = d.h;
  bare.cross.clear();
  EXPECT_FALSE(refit_columns(w, rows, cols, bare, all, 0.0, true).ok());
}

TEST(PruneRefit, DependentColumnsReconstructExactly) {
  const int64_t rows = 5, cols = 11, n = 30;
  Data d = make_data(cols, n, 9);
  // Columns 3, 7 and 10 of X become combinations of kept ones.
  for (int64_t t = 0; t < n; ++t) {
    auto X = [&](int64_t i) -> double& { return d.x[static_cast<size_t>(i * n + t)]; };
    X(3) = 0.5 * X(0) - X(4);
    X(7) = 2 * X(1) + 0.25 * X(8);
    X(10) = X(2) - X(5) + X(9);
  }
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double s = 0;
      for (int64_t t = 0; t < n; ++t) s += d.x[static_cast<size_t>(i * n + t)] * d.x[static_cast<size_t>(j * n + t)];
      d.h.h[static_cast<size_t>(i * cols + j)] = s;
    }
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 10);
  const std::vector<int64_t> keep = {0, 1, 2, 4, 5, 6, 8, 9};
  auto w2 = refit_columns(w, rows, cols, d.h, keep, 0.0);
  ASSERT_TRUE(w2.ok()) << w2.status().message();
  const double signal =
      output_error(w, std::vector<float>(static_cast<size_t>(rows * keep.size()), 0.f), rows, d, keep);
  EXPECT_LT(output_error(w, *w2, rows, d, keep), 1e-9 * signal);
  // The kept weights absorb the dropped ones: w'_0 = w_0 + 0.5 w_3 and so on.
  for (int64_t r = 0; r < rows; ++r) {
    auto W = [&](int64_t c) { return w[static_cast<size_t>(r * cols + c)]; };
    EXPECT_NEAR((*w2)[static_cast<size_t>(r * 8 + 0)], W(0) + 0.5 * W(3), 1e-4);
    EXPECT_NEAR((*w2)[static_cast<size_t>(r * 8 + 7)], W(9) + W(10), 1e-4);
  }
}

TEST(PruneRefit, DeadInputKeepsItsWeight) {
  const int64_t rows = 3, cols = 6;
  Data d = make_data(cols, 20, 12);
  for (int64_t i = 0; i < cols; ++i)
    d.h.h[static_cast<size_t>(i * cols + 2)] = d.h.h[static_cast<size_t>(2 * cols + i)] = 0;
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 13);
  auto w2 = refit_columns(w, rows, cols, d.h, all_columns(cols), 0.01);
  ASSERT_TRUE(w2.ok()) << w2.status().message();
  for (int64_t r = 0; r < rows; ++r)
    EXPECT_FLOAT_EQ((*w2)[static_cast<size_t>(r * cols + 2)], w[static_cast<size_t>(r * cols + 2)]);
  EXPECT_FALSE(refit_columns(w, rows, cols, d.h, {3, 1}, 0.01).ok());
}

int64_t zeros(const std::vector<float>& w) { return std::count(w.begin(), w.end(), 0.f); }

std::vector<float> magnitude_prune(std::vector<float> w, int64_t count) {
  std::vector<size_t> idx(w.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return std::fabs(w[a]) < std::fabs(w[b]); });
  for (int64_t i = 0; i < count; ++i) w[idx[static_cast<size_t>(i)]] = 0;
  return w;
}

TEST(PruneSparseGpt, ExactSparsity) {
  const int64_t rows = 7, cols = 37;
  const Data d = make_data(cols, 60, 20, 3, 0.3);
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 21);
  for (double s : {0.1, 0.3, 0.5, 0.77})
    for (int64_t block : {5, 8, 128}) {
      std::vector<float> w = w0;
      ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.sparsity = s, .block = block}).ok());
      EXPECT_EQ(zeros(w), std::llround(s * rows * cols)) << "sparsity " << s << " block " << block;
    }
}

TEST(PruneSparseGpt, NMPattern) {
  const int64_t rows = 7, cols = 37;
  const Data d = make_data(cols, 60, 22, 3, 0.3);
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 23);
  struct Case {
    int n, m;
    int64_t block;
  };
  for (Case c : {Case{2, 4, 128}, Case{2, 4, 6}, Case{1, 3, 8}, Case{3, 5, 16}}) {
    SCOPED_TRACE(testing::Message() << c.n << ":" << c.m << " block " << c.block);
    std::vector<float> w = w0;
    ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.n = c.n, .m = c.m, .block = c.block}).ok());
    int64_t expected = 0;
    for (int64_t g = 0; g < cols; g += c.m) expected += std::max<int64_t>(0, std::min<int64_t>(c.m, cols - g) - c.n);
    EXPECT_EQ(zeros(w), rows * expected);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < cols; g += c.m) {
        int nz = 0;
        for (int64_t j = g; j < std::min<int64_t>(g + c.m, cols); ++j) nz += w[static_cast<size_t>(r * cols + j)] != 0;
        EXPECT_LE(nz, c.n);
      }
  }
}

TEST(PruneSparseGpt, FixedMaskRespected) {
  const int64_t rows = 7, cols = 37;
  const Data d = make_data(cols, 80, 24, 3, 0.3);
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 25);
  std::vector<uint8_t> mask(w0.size());
  std::mt19937 rng(26);
  for (auto& m : mask) m = rng() % 3 == 0;
  std::vector<float> w = w0, plain = w0;
  ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.block = 16, .mask = &mask}).ok());
  for (size_t i = 0; i < w.size(); ++i) {
    if (mask[i]) plain[i] = 0;
    EXPECT_EQ(w[i] == 0, mask[i] != 0) << i;
  }
  const auto all = all_columns(cols);
  EXPECT_LT(output_error(w0, w, rows, d, all), 0.5 * output_error(w0, plain, rows, d, all));
}

// Pruning a prefix of the columns, one OBS step after another, is the least-squares re-fit of
// the remaining ones (each step projects onto a subspace of the last): the same as refit_columns.
TEST(PruneSparseGpt, PrefixMaskIsLeastSquares) {
  const int64_t rows = 6, cols = 13, prefix = 5;
  const Data d = make_data(cols, 40, 40, 2, 0.5);
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 41);
  std::vector<uint8_t> mask(w0.size(), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < prefix; ++c) mask[static_cast<size_t>(r * cols + c)] = 1;
  std::vector<float> w = w0;
  ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.damp = 0, .block = 4, .mask = &mask}).ok());
  std::vector<int64_t> keep;
  for (int64_t c = prefix; c < cols; ++c) keep.push_back(c);
  auto ref = refit_columns(w0, rows, cols, d.h, keep, 0.0);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  const int64_t k = cols - prefix;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j) {
      const float expected = (*ref)[static_cast<size_t>(r * k + j)];
      EXPECT_NEAR(w[static_cast<size_t>(r * cols + prefix + j)], expected, 1e-4 * (1 + std::fabs(expected)));
    }
}

TEST(PruneSparseGpt, BeatsMagnitudeOnCorrelatedInputs) {
  const int64_t rows = 7, cols = 37;
  const Data d = make_data(cols, 150, 27, 4, 0.2);
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 28);
  const auto all = all_columns(cols);
  for (int64_t block : {8, 128}) {
    std::vector<float> w = w0;
    ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.sparsity = 0.5, .block = block}).ok());
    const std::vector<float> mag = magnitude_prune(w0, zeros(w));
    EXPECT_EQ(zeros(w), zeros(mag));
    const double e = output_error(w0, w, rows, d, all), e_mag = output_error(w0, mag, rows, d, all);
    EXPECT_LT(e, 0.25 * e_mag) << "block " << block << ": " << e << " vs " << e_mag;
  }
}

TEST(PruneSparseGpt, IdentityHessianIsMagnitude) {
  const int64_t rows = 7, cols = 13;
  Hessian h;
  h.dim = cols;
  h.h.assign(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t i = 0; i < cols; ++i) h.h[static_cast<size_t>(i * cols + i)] = 1;
  const std::vector<float> w0 = random_floats(static_cast<size_t>(rows * cols), 29);
  std::vector<float> w = w0;
  ASSERT_TRUE(sparsegpt(w, rows, cols, h, {.sparsity = 0.4, .block = 64}).ok());
  EXPECT_EQ(w, magnitude_prune(w0, std::llround(0.4 * rows * cols)));

  // N:M: the largest n of every group, unchanged.
  w = w0;
  ASSERT_TRUE(sparsegpt(w, rows, cols, h, {.n = 2, .m = 4}).ok());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols; g += 4) {
      const int64_t e = std::min<int64_t>(g + 4, cols);
      std::vector<float> mags;
      for (int64_t j = g; j < e; ++j) mags.push_back(std::fabs(w0[static_cast<size_t>(r * cols + j)]));
      std::sort(mags.rbegin(), mags.rend());
      for (int64_t j = g; j < e; ++j) {
        const float v = w0[static_cast<size_t>(r * cols + j)];
        const bool kept = e - g <= 2 || std::fabs(v) >= mags[1];
        EXPECT_EQ(w[static_cast<size_t>(r * cols + j)], kept ? v : 0.f);
      }
    }
}

TEST(PruneSparseGpt, DeadInputsZeroedAndErrors) {
  const int64_t rows = 4, cols = 9;
  Data d = make_data(cols, 30, 31);
  for (int64_t i = 0; i < cols; ++i)
    d.h.h[static_cast<size_t>(i * cols + 5)] = d.h.h[static_cast<size_t>(5 * cols + i)] = 0;
  std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 32);
  ASSERT_TRUE(sparsegpt(w, rows, cols, d.h, {.sparsity = 0.25}).ok());
  for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(w[static_cast<size_t>(r * cols + 5)], 0.f);
  EXPECT_EQ(zeros(w), std::llround(0.25 * rows * cols));
  Hessian bad = d.h;
  bad.h[0] = -1e3;
  EXPECT_FALSE(sparsegpt(w, rows, cols, bad, {.damp = 0}).ok());
  EXPECT_FALSE(sparsegpt(w, rows, cols + 1, d.h, {}).ok());
}

TEST(PruneSqnr, MatchesExplicitOutputs) {
  const int64_t rows = 7, cols = 13;
  const Data d = make_data(cols, 25, 33, 2, 0.5);
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * cols), 34);
  std::vector<float> w2 = w;
  const std::vector<float> noise = random_floats(w.size(), 35, -0.05f, 0.05f);
  for (size_t i = 0; i < w2.size(); ++i) w2[i] += noise[i];
  const auto all = all_columns(cols);
  const double signal = output_error(w, std::vector<float>(w.size(), 0.f), rows, d, all);
  const double ref = 10 * std::log10(signal / output_error(w, w2, rows, d, all));
  EXPECT_NEAR(layer_sqnr_db(w, w2, rows, cols, d.h), ref, 1e-6);
  EXPECT_EQ(layer_sqnr_db(w, w, rows, cols, d.h), 300);
}

}  // namespace

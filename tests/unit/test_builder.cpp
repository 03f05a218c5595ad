// ModelBuilder: per-layer shapes, parameter counts and numerics (one-layer models run through a
// Session against naive references), seeded determinism, errors. Sequence layers are in
// test_builder_seq.cpp.
#include <sz0/builder.h>

#include "unit/builder_ref.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

using namespace sz0;
using namespace sz0::test;

namespace {

std::string dims_of(const Model& m, const std::string& output) {
  const ValueInfo* v = m.graph.find_output(output);
  return v ? v->type.str() : "?";
}

std::set<std::string> op_types(const Model& m) {
  std::set<std::string> ops;
  for (const Node& n : m.graph.nodes) ops.insert(n.op_type);
  return ops;
}

}  // namespace

TEST(Builder, LinearOn2DIsGemm) {
  auto m = one_layer(DType::Float, {5}, [](ModelBuilder& b, Var x) { return b.linear(x, 4, {.name = "fc"}); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,4]");
  EXPECT_TRUE(op_types(*m).count("Gemm"));
  EXPECT_EQ(param(*m, "fc.weight").shape(), (Shape{4, 5}));
  EXPECT_EQ(param(*m, "fc.bias").shape(), (Shape{4}));
  Tensor x = random_tensor(DType::Float, {3, 5}, 1);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const Tensor& b = param(*m, "fc.bias");
  EXPECT_TENSOR_NEAR(*y, make({3, 4}, dense_ref(values(x), 3, 5, param(*m, "fc.weight"), &b, 4, true)));
}

TEST(Builder, LinearOn3DIsMatMulAdd) {
  auto m = one_layer(DType::Float, {6, 5}, [](ModelBuilder& b, Var x) { return b.linear(x, 3, {.name = "fc"}); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,6,3]");
  EXPECT_EQ(param(*m, "fc.weight").shape(), (Shape{5, 3}));
  Tensor x = random_tensor(DType::Float, {2, 6, 5}, 2);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const Tensor& b = param(*m, "fc.bias");
  EXPECT_TENSOR_NEAR(*y, make({2, 6, 3}, dense_ref(values(x), 12, 5, param(*m, "fc.weight"), &b, 3, false)));
}

TEST(Builder, LinearWithoutBiasCountsParameters) {
  ModelBuilder b("count");
  Var x = b.input("x", DType::Float, {7});
  x = b.linear(x, 9, {.bias = false});
  EXPECT_EQ(b.parameter_count(), 63);
  b.linear(x, 2);
  EXPECT_EQ(b.parameter_count(), 63 + 18 + 2);
}

TEST(Builder, Conv1dGroupedDilatedCausal) {
  const ConvOptions o{.dilation = 2, .groups = 2, .causal = true, .name = "c"};
  auto m = one_layer(DType::Float, {4, 10}, [&](ModelBuilder& b, Var x) { return b.conv1d(x, 6, 3, o); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,6,10]");
  EXPECT_EQ(param(*m, "c.weight").shape(), (Shape{6, 2, 3}));
  Tensor x = random_tensor(DType::Float, {2, 4, 10}, 3);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const Tensor& bias = param(*m, "c.bias");
  const ConvRef ref{2, 4, 6, 2, 3, 1, 2, {10}, {4}, {0}};
  EXPECT_TENSOR_NEAR(*y, conv_ref(ref, x, param(*m, "c.weight"), &bias));
  // Causal: the first output step sees only the first input step.
  Tensor x2 = x.clone();
  x2.data<float>()[9] += 5.f;  // last step of sample 0, channel 0
  auto y2 = run_model(*m, x2);
  ASSERT_TRUE(y2.ok());
  for (int64_t t = 0; t < 9; ++t) EXPECT_EQ(y2->data<float>()[t], y->data<float>()[t]) << t;
}

TEST(Builder, Conv2dStridedPadded) {
  const ConvOptions o{.stride = 2, .padding = 1, .name = "c"};
  auto m = one_layer(DType::Float, {3, 9, 8}, [&](ModelBuilder& b, Var x) { return b.conv2d(x, 5, 3, o); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,5,5,4]");
  Tensor x = random_tensor(DType::Float, {2, 3, 9, 8}, 4);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const Tensor& bias = param(*m, "c.bias");
  const ConvRef ref{2, 3, 5, 1, 3, 2, 1, {9, 8}, {1, 1}, {1, 1}};
  EXPECT_TENSOR_NEAR(*y, conv_ref(ref, x, param(*m, "c.weight"), &bias));
}

TEST(Builder, Conv2dDepthwiseDilatedSame) {
  const ConvOptions o{.dilation = 2, .groups = 4, .bias = false, .name = "dw"};
  auto m = one_layer(DType::Float, {4, 7, 7}, [&](ModelBuilder& b, Var x) { return b.conv2d(x, 4, 3, o); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,4,7,7]");
  EXPECT_EQ(param(*m, "dw.weight").shape(), (Shape{4, 1, 3, 3}));
  EXPECT_EQ(param(*m, "dw.bias").defined(), false);
  Tensor x = random_tensor(DType::Float, {1, 4, 7, 7}, 5);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const ConvRef ref{1, 4, 4, 4, 3, 1, 2, {7, 7}, {2, 2}, {2, 2}};
  EXPECT_TENSOR_NEAR(*y, conv_ref(ref, x, param(*m, "dw.weight"), nullptr));
}

TEST(Builder, KaimingAndXavierScales) {
  ModelBuilder b("init", {.seed = 3});
  Var x = b.input("x", DType::Float, {400});
  b.linear(x, 300, {.bias = false, .init = Init::Kaiming, .name = "k"});
  b.linear(x, 300, {.bias = false, .init = Init::Xavier, .name = "g"});
  b.output(x, "y");
  auto m = b.build();
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto stats = [](const Tensor& t) {
    double s = 0, s2 = 0, mx = 0;
    for (float v : t.span<float>()) {
      s += v;
      s2 += double(v) * v;
      mx = std::max(mx, std::abs(double(v)));
    }
    const double n = static_cast<double>(t.numel());
    return std::array<double, 3>{s / n, std::sqrt(s2 / n - (s / n) * (s / n)), mx};
  };
  auto k = stats(param(*m, "k.weight"));
  EXPECT_NEAR(k[0], 0.0, 0.002);
  EXPECT_NEAR(k[1], std::sqrt(2.0 / 400), 0.002);
  auto g = stats(param(*m, "g.weight"));
  const double bound = std::sqrt(6.0 / 700);
  EXPECT_NEAR(g[1], bound / std::sqrt(3.0), 0.002);  // uniform(-a, a) has std a / sqrt(3)
  EXPECT_LE(g[2], bound);
}

TEST(Builder, BatchNormStatisticsAreNonTrivial) {
  auto m = one_layer(DType::Float, {3, 4, 5}, [](ModelBuilder& b, Var x) { return b.batch_norm(x, "bn"); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  const Tensor& scale = param(*m, "bn.weight");
  const Tensor& bias = param(*m, "bn.bias");
  const Tensor& mean = param(*m, "bn.running_mean");
  const Tensor& var = param(*m, "bn.running_var");
  for (int c = 0; c < 3; ++c) {
    EXPECT_NE(scale.data<float>()[c], 1.f);
    EXPECT_NE(bias.data<float>()[c], 0.f);
    EXPECT_NE(mean.data<float>()[c], 0.f);
    EXPECT_NE(var.data<float>()[c], 1.f);
    EXPECT_GT(var.data<float>()[c], 0.f);
  }
  Tensor x = random_tensor(DType::Float, {2, 3, 4, 5}, 6);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  Tensor want(DType::Float, {2, 3, 4, 5});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / 20) % 3;
    want.data<float>()[i] = (x.data<float>()[i] - mean.data<float>()[c]) /
                                std::sqrt(var.data<float>()[c] + 1e-5f) * scale.data<float>()[c] +
                            bias.data<float>()[c];
  }
  EXPECT_TENSOR_NEAR(*y, want);
}

TEST(Builder, LayerNormOverLastAxis) {
  auto m = one_layer(DType::Float, {3, 8}, [](ModelBuilder& b, Var x) { return b.layer_norm(x, "ln"); });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(op_types(*m).count("LayerNormalization"));
  Tensor x = random_tensor(DType::Float, {2, 3, 8}, 7);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  const float* g = param(*m, "ln.weight").data<float>();
  const float* be = param(*m, "ln.bias").data<float>();
  Tensor want(DType::Float, {2, 3, 8});
  for (int64_t r = 0; r < 6; ++r) {
    const float* xr = x.data<float>() + r * 8;
    double mu = 0, v = 0;
    for (int i = 0; i < 8; ++i) mu += xr[i];
    mu /= 8;
    for (int i = 0; i < 8; ++i) v += (xr[i] - mu) * (xr[i] - mu);
    v /= 8;
    for (int i = 0; i < 8; ++i)
      want.data<float>()[r * 8 + i] = static_cast<float>((xr[i] - mu) / std::sqrt(v + 1e-5) * g[i] + be[i]);
  }
  EXPECT_TENSOR_NEAR(*y, want);
}

TEST(Builder, Pooling) {
  Tensor x = random_tensor(DType::Float, {2, 3, 7, 6}, 8);
  auto mp = one_layer(DType::Float, {3, 7, 6},
                      [](ModelBuilder& b, Var v) { return b.max_pool(v, 3, {.stride = 2, .padding = 1}); });
  auto ap = one_layer(DType::Float, {3, 7, 6}, [](ModelBuilder& b, Var v) { return b.avg_pool(v, 2); });
  auto gp = one_layer(DType::Float, {3, 7, 6}, [](ModelBuilder& b, Var v) { return b.global_avg_pool(v); });
  auto gm = one_layer(DType::Float, {3, 7, 6}, [](ModelBuilder& b, Var v) { return b.global_max_pool(v, false); });
  ASSERT_TRUE(mp.ok() && ap.ok() && gp.ok() && gm.ok());
  EXPECT_EQ(dims_of(*mp, "y"), "float32[batch,3,4,3]");
  EXPECT_EQ(dims_of(*ap, "y"), "float32[batch,3,3,3]");
  EXPECT_EQ(dims_of(*gp, "y"), "float32[batch,3]");
  EXPECT_EQ(dims_of(*gm, "y"), "float32[batch,3,1,1]");
  auto at = [&](int64_t n, int64_t c, int64_t h, int64_t w) { return x.data<float>()[((n * 3 + c) * 7 + h) * 6 + w]; };
  Tensor want_mp(DType::Float, {2, 3, 4, 3}), want_ap(DType::Float, {2, 3, 3, 3});
  Tensor want_gp(DType::Float, {2, 3}), want_gm(DType::Float, {2, 3, 1, 1});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t oh = 0; oh < 4; ++oh)
        for (int64_t ow = 0; ow < 3; ++ow) {
          float m = -1e30f;
          for (int64_t kh = 0; kh < 3; ++kh)
            for (int64_t kw = 0; kw < 3; ++kw) {
              const int64_t h = oh * 2 - 1 + kh, w = ow * 2 - 1 + kw;
              if (h >= 0 && h < 7 && w >= 0 && w < 6) m = std::max(m, at(n, c, h, w));
            }
          want_mp.data<float>()[((n * 3 + c) * 4 + oh) * 3 + ow] = m;
        }
      for (int64_t oh = 0; oh < 3; ++oh)
        for (int64_t ow = 0; ow < 3; ++ow)
          want_ap.data<float>()[((n * 3 + c) * 3 + oh) * 3 + ow] =
              (at(n, c, 2 * oh, 2 * ow) + at(n, c, 2 * oh + 1, 2 * ow) + at(n, c, 2 * oh, 2 * ow + 1) +
               at(n, c, 2 * oh + 1, 2 * ow + 1)) / 4;
      double s = 0;
      float m = -1e30f;
      for (int64_t h = 0; h < 7; ++h)
        for (int64_t w = 0; w < 6; ++w) {
          s += at(n, c, h, w);
          m = std::max(m, at(n, c, h, w));
        }
      want_gp.data<float>()[n * 3 + c] = static_cast<float>(s / 42);
      want_gm.data<float>()[n * 3 + c] = m;
    }
  EXPECT_TENSOR_NEAR(*run_model(*mp, x), want_mp);
  EXPECT_TENSOR_NEAR(*run_model(*ap, x), want_ap);
  EXPECT_TENSOR_NEAR(*run_model(*gp, x), want_gp);
  EXPECT_TENSOR_NEAR(*run_model(*gm, x), want_gm);
  auto p1 = one_layer(DType::Float, {3, 9}, [](ModelBuilder& b, Var v) { return b.max_pool(v, 2); });
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(dims_of(*p1, "y"), "float32[batch,3,4]");
}

TEST(Builder, Activations) {
  struct Case {
    const char* name;
    std::function<Var(ModelBuilder&, Var)> layer;
    std::function<float(float)> ref;
  };
  const std::vector<Case> cases = {
      {"relu", [](ModelBuilder& b, Var x) { return b.relu(x); }, [](float v) { return std::max(v, 0.f); }},
      {"gelu", [](ModelBuilder& b, Var x) { return b.gelu(x); },
       [](float v) { return 0.5f * v * (1.f + std::erf(v / std::sqrt(2.f))); }},
      {"silu", [](ModelBuilder& b, Var x) { return b.silu(x); }, [](float v) { return v * sigmoid_ref(v); }},
      {"hard_swish", [](ModelBuilder& b, Var x) { return b.hard_swish(x); },
       [](float v) { return v * std::clamp(v / 6.f + 0.5f, 0.f, 1.f); }},
      {"hard_sigmoid", [](ModelBuilder& b, Var x) { return b.hard_sigmoid(x); },
       [](float v) { return std::clamp(v / 6.f + 0.5f, 0.f, 1.f); }},
      {"sigmoid", [](ModelBuilder& b, Var x) { return b.sigmoid(x); }, sigmoid_ref},
      {"tanh", [](ModelBuilder& b, Var x) { return b.tanh(x); }, [](float v) { return std::tanh(v); }},
  };
  Tensor x = random_tensor(DType::Float, {2, 5, 7}, 9, -6, 6);
  for (const Case& c : cases) {
    auto m = one_layer(DType::Float, {5, 7}, c.layer);
    ASSERT_TRUE(m.ok()) << c.name << ": " << m.status().message();
    EXPECT_EQ(dims_of(*m, "y"), "float32[batch,5,7]") << c.name;
    auto y = run_model(*m, x);
    ASSERT_TRUE(y.ok()) << c.name << ": " << y.status().message();
    Tensor want(DType::Float, x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) want.data<float>()[i] = c.ref(x.data<float>()[i]);
    EXPECT_TRUE(tensors_close(*y, want, 1e-5, 1e-4)) << c.name;
  }
  // Exporter-style decompositions: no Gelu or Silu ops.
  auto g = one_layer(DType::Float, {4}, [](ModelBuilder& b, Var v) { return b.silu(b.gelu(v)); });
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(op_types(*g).count("Erf"));
  EXPECT_FALSE(op_types(*g).count("Gelu"));
}

TEST(Builder, SoftmaxOverAxis) {
  auto m = one_layer(DType::Float, {3, 4}, [](ModelBuilder& b, Var v) { return b.softmax(v, 1); });
  ASSERT_TRUE(m.ok());
  Tensor x = random_tensor(DType::Float, {2, 3, 4}, 10, -3, 3);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  Tensor want(DType::Float, {2, 3, 4});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t j = 0; j < 4; ++j) {
      double s = 0;
      for (int64_t i = 0; i < 3; ++i) s += std::exp(x.data<float>()[(n * 3 + i) * 4 + j]);
      for (int64_t i = 0; i < 3; ++i)
        want.data<float>()[(n * 3 + i) * 4 + j] = static_cast<float>(std::exp(x.data<float>()[(n * 3 + i) * 4 + j]) / s);
    }
  EXPECT_TENSOR_NEAR(*y, want);
}

TEST(Builder, ResidualAddConcatAndPlumbing) {
  auto m = one_layer(DType::Float, {2, 3}, [](ModelBuilder& b, Var x) {
    Var t = b.transpose(x, {0, 2, 1});                  // [batch, 3, 2]
    Var r = b.reshape(t, {0, -1});                      // [batch, 6]
    Var s = b.add(b.flatten(x), r);                     // residual add
    Var c = b.concat({s, b.mul(s, s)}, 1);              // [batch, 12]
    return b.reduce_mean(b.reshape(c, {0, 3, 4}), 2);  // [batch, 3]
  });
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(dims_of(*m, "y"), "float32[batch,3]");
  Tensor x = random_tensor(DType::Float, {2, 2, 3}, 12);
  auto y = run_model(*m, x);
  ASSERT_TRUE(y.ok()) << y.status().message();
  Tensor want(DType::Float, {2, 3});
  for (int64_t n = 0; n < 2; ++n) {
    const float* xn = x.data<float>() + n * 6;
    std::vector<float> s(6), c;
    for (int64_t i = 0; i < 6; ++i) s[i] = xn[i] + xn[(i % 2) * 3 + i / 2];
    c = s;
    for (float v : s) c.push_back(v * v);
    for (int64_t r = 0; r < 3; ++r)
      want.data<float>()[n * 3 + r] = (c[r * 4] + c[r * 4 + 1] + c[r * 4 + 2] + c[r * 4 + 3]) / 4;
  }
  EXPECT_TENSOR_NEAR(*y, want);
}

TEST(Builder, BatchAxisSymbolicOrFixed) {
  auto layer = [](ModelBuilder& b, Var x) { return b.reshape(b.relu(x), {0, -1}); };
  auto dyn = one_layer(DType::Float, {2, 3}, layer);
  auto fixed = one_layer(DType::Float, {2, 3}, layer, {.batch = 5});
  ASSERT_TRUE(dyn.ok() && fixed.ok());
  EXPECT_EQ(dyn->graph.inputs[0].type.str(), "float32[batch,2,3]");
  EXPECT_EQ(dims_of(*dyn, "y"), "float32[batch,6]");
  EXPECT_EQ(fixed->graph.inputs[0].type.str(), "float32[5,2,3]");
  EXPECT_EQ(dims_of(*fixed, "y"), "float32[5,6]");
  for (int64_t n : {1, 3, 8}) {
    auto y = run_model(*dyn, random_tensor(DType::Float, {n, 2, 3}, 13));
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_EQ(y->shape(), (Shape{n, 6}));
  }
  auto y = run_model(*fixed, random_tensor(DType::Float, {5, 2, 3}, 13));
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->shape(), (Shape{5, 6}));
  EXPECT_EQ(dyn->opset(), 17);
}

TEST(Builder, SameSeedSameWeightsOtherSeedOthers) {
  auto build = [](uint32_t seed) {
    ModelBuilder b("det", {.seed = seed});
    Var x = b.input("x", DType::Float, {3, 16, 16});
    x = b.relu(b.batch_norm(b.conv2d(x, 8, 3), "bn"));
    x = b.linear(b.global_avg_pool(x), 4);
    b.output(x, "y");
    return b.build();
  };
  auto a = build(5), a2 = build(5), c = build(6);
  ASSERT_TRUE(a.ok() && a2.ok() && c.ok());
  ASSERT_EQ(a->graph.initializers.size(), c->graph.initializers.size());
  for (auto& [name, t] : a->graph.initializers) {
    const Tensor& same = a2->graph.initializers.at(name);
    const Tensor& other = c->graph.initializers.at(name);
    ASSERT_EQ(t.nbytes(), same.nbytes());
    EXPECT_EQ(std::memcmp(t.raw(), same.raw(), t.nbytes()), 0) << name;
    EXPECT_NE(std::memcmp(t.raw(), other.raw(), t.nbytes()), 0) << name;
  }
}

TEST(Builder, SeededRandomIsPortable) {
  // Pinned values: std::mt19937 and std::seed_seq are specified by the standard, so the stream
  // must not depend on the standard library (the normal goes through libm: a tolerance).
  {
    SeededRandom p(42, "stream");
    EXPECT_EQ(p.next_u32(), 3811351678u);
    EXPECT_EQ(p.next_u32(), 833839759u);
    EXPECT_NEAR(p.uniform(), 0.79396903192584511, 1e-15);
    EXPECT_NEAR(p.normal(), -0.060193587967365327, 1e-12);
  }
  SeededRandom r(42, "stream");
  SeededRandom r2(42, "stream");
  SeededRandom other(42, "other");
  const uint32_t first = r.next_u32();
  EXPECT_EQ(first, r2.next_u32());
  EXPECT_NE(first, other.next_u32());
  double mean = 0, sq = 0;
  for (int i = 0; i < 20000; ++i) {
    const double v = r.normal();
    mean += v;
    sq += v * v;
  }
  EXPECT_NEAR(mean / 20000, 0.0, 0.03);
  EXPECT_NEAR(sq / 20000, 1.0, 0.05);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Builder, ScopesNameLayers) {
  ModelBuilder b("scopes");
  Var x = b.input("x", DType::Float, {4});
  b.push_scope("block");
  x = b.linear(x, 4, {.name = "fc"});
  x = b.linear(x, 4);
  b.pop_scope();
  b.output(x, "y");
  auto m = b.build();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->graph.initializers.count("block.fc.weight"));
  EXPECT_TRUE(m->graph.initializers.count("block.linear_0.weight"));
}

TEST(Builder, ErrorsAreStickyAndClear) {
  {
    ModelBuilder b("bad");
    Var x = b.input("x", DType::Float, {3, 8});
    Var y = b.conv2d(x, 4, 3);  // rank 3 input for a 2-D convolution
    EXPECT_FALSE(y.valid());
    Var z = b.relu(y);
    EXPECT_FALSE(z.valid());
    b.output(z, "out");
    auto m = b.build();
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("conv2d"), std::string::npos) << m.status().message();
  }
  {
    ModelBuilder b("batch");
    Var x = b.input("x", DType::Float, {3, 8});
    b.output(b.reshape(x, {-1, 8}), "y");  // would fold the batch axis into a constant shape
    auto m = b.build();
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("not copied by 0"), std::string::npos) << m.status().message();
  }
  {
    ModelBuilder b("dup");
    Var x = b.input("x", DType::Float, {3});
    x = b.linear(x, 3, {.name = "fc"});
    x = b.linear(x, 3, {.name = "fc"});
    b.output(x, "y");
    EXPECT_FALSE(b.build().ok());
  }
  {
    ModelBuilder b("noout");
    b.input("x", DType::Float, {3});
    EXPECT_FALSE(b.build().ok());
  }
  {
    ModelBuilder b("groups");
    Var x = b.input("x", DType::Float, {6, 10});
    b.output(b.conv1d(x, 4, 3, {.groups = 4}), "y");
    EXPECT_FALSE(b.build().ok());
  }
  {
    ModelBuilder b("bc");
    Var x = b.input("x", DType::Float, {3});
    Var y = b.input("z", DType::Float, {4});
    b.output(b.add(x, y), "y");
    EXPECT_FALSE(b.build().ok());
  }
}

TEST(Builder, OutputOfAnInputIsCopied) {
  ModelBuilder b("id");
  Var x = b.input("x", DType::Float, {3});
  b.output(x, "y");
  auto m = b.build();
  ASSERT_TRUE(m.ok()) << m.status().message();
  Tensor t = random_tensor(DType::Float, {2, 3}, 14);
  auto y = run_model(*m, t);
  ASSERT_TRUE(y.ok());
  EXPECT_TENSOR_NEAR(*y, t);
}

#include "nn_ref.h"
#include "ops/math/simd_test_levels.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// y = scale * (x - mean) / sqrt(var + eps) + bias per channel (axis 1).
Tensor ref_bn(const Tensor& x, const std::vector<double>& s, const std::vector<double>& b, const std::vector<double>& m,
              const std::vector<double>& v, double eps) {
  Tensor y(DType::Double, x.shape());
  const auto xv = x.to_double();
  const int64_t c = x.dim(1), inner = x.numel() / (x.dim(0) * c);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t ch = (i / inner) % c;
    y.data<double>()[i] = s[ch] * (xv[i] - m[ch]) / std::sqrt(v[ch] + eps) + b[ch];
  }
  return y;
}

}  // namespace

TEST(BatchNormalization, InferenceAcrossOpsets) {
  for (int64_t opset : {7, 9, 14, 15})
    for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
      Tensor x = random_tensor(dt, {2, 3, 5, 7}, 1);
      Tensor s = random_tensor(dt, {3}, 2), b = random_tensor(dt, {3}, 3), m = random_tensor(dt, {3}, 4);
      Tensor v = random_tensor(dt, {3}, 5, 0.1, 2.0);
      auto r = run_node({.op_type = "BatchNormalization",
                         .inputs = {x, s, b, m, v},
                         .attributes = {attr_float("epsilon", 1e-3f)},
                         .opset = opset});
      ASSERT_TRUE(r.ok()) << r.status().message();
      Tensor ref = ref_bn(x, s.to_double(), b.to_double(), m.to_double(), v.to_double(), 1e-3f);
      const double tol = dt == DType::Float16 ? 1e-2 : 1e-5;
      EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
    }
  // Opset 15: scale/bias and mean/var may have other float types than X.
  Tensor x = random_tensor(DType::Float16, {2, 3, 4}, 1);
  Tensor s = random_tensor(DType::Float, {3}, 2), b = random_tensor(DType::Float, {3}, 3);
  Tensor m = random_tensor(DType::Double, {3}, 4), v = random_tensor(DType::Double, {3}, 5, 0.1, 2.0);
  auto r = run_node({.op_type = "BatchNormalization", .inputs = {x, s, b, m, v}, .opset = 15});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_bn(x, s.to_double(), b.to_double(), m.to_double(), v.to_double(), 1e-5f).cast(DType::Float16),
                     1e-2, 1e-2);
  // 2-D input (N, C).
  Tensor x2 = random_tensor(DType::Float, {5, 3}, 6);
  s = random_tensor(DType::Float, {3}, 2);
  b = random_tensor(DType::Float, {3}, 3);
  m = random_tensor(DType::Float, {3}, 4);
  v = random_tensor(DType::Float, {3}, 5, 0.1, 2.0);
  r = run_node({.op_type = "BatchNormalization", .inputs = {x2, s, b, m, v}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_bn(x2, s.to_double(), b.to_double(), m.to_double(), v.to_double(), 1e-5f).cast(DType::Float));
  EXPECT_FALSE(run_node({.op_type = "BatchNormalization", .inputs = {x2, random_tensor(DType::Float, {4}, 1), b, m, v}}).ok());
  EXPECT_FALSE(run_node({.op_type = "BatchNormalization", .inputs = {x2, s, b, m}}).ok());
}

TEST(BatchNormalization, TrainingMode) {
  Tensor x = random_tensor(DType::Float, {3, 2, 4, 5}, 1);
  Tensor s = random_tensor(DType::Float, {2}, 2), b = random_tensor(DType::Float, {2}, 3);
  Tensor m = random_tensor(DType::Float, {2}, 4), v = random_tensor(DType::Float, {2}, 5, 0.1, 2.0);
  auto r = run_node({.op_type = "BatchNormalization",
                     .inputs = {x, s, b, m, v},
                     .attributes = {attr_int("training_mode", 1), attr_float("momentum", 0.8f)},
                     .num_outputs = 3});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto xv = x.to_double();
  std::vector<double> bm(2, 0), bv(2, 0);
  for (int64_t i = 0; i < x.numel(); ++i) bm[(i / 20) % 2] += xv[i] / 60;
  for (int64_t i = 0; i < x.numel(); ++i) bv[(i / 20) % 2] += (xv[i] - bm[(i / 20) % 2]) * (xv[i] - bm[(i / 20) % 2]) / 60;
  EXPECT_TENSOR_NEAR((*r)[0], ref_bn(x, s.to_double(), b.to_double(), bm, bv, 1e-5f).cast(DType::Float));
  const auto mv = m.to_double(), vv = v.to_double();
  const double mom = 0.8f;
  EXPECT_TENSOR_NEAR((*r)[1], Tensor::from_vector<double>({mv[0] * mom + bm[0] * (1 - mom), mv[1] * mom + bm[1] * (1 - mom)}).cast(DType::Float));
  EXPECT_TENSOR_NEAR((*r)[2], Tensor::from_vector<double>({vv[0] * mom + bv[0] * (1 - mom), vv[1] * mom + bv[1] * (1 - mom)}).cast(DType::Float));
}

TEST(InstanceNormalization, PerPlane) {
  for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
    Tensor x = random_tensor(dt, {2, 3, 7, 9}, 1), s = random_tensor(dt, {3}, 2), b = random_tensor(dt, {3}, 3);
    auto r = run_node({.op_type = "InstanceNormalization", .inputs = {x, s, b}, .attributes = {attr_float("epsilon", 1e-2f)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    const auto xv = x.to_double(), sv = s.to_double(), bv = b.to_double();
    Tensor ref(DType::Double, x.shape());
    for (int p = 0; p < 6; ++p) {
      double mean = 0, var = 0;
      for (int i = 0; i < 63; ++i) mean += xv[p * 63 + i] / 63;
      for (int i = 0; i < 63; ++i) var += (xv[p * 63 + i] - mean) * (xv[p * 63 + i] - mean) / 63;
      for (int i = 0; i < 63; ++i)
        ref.data<double>()[p * 63 + i] = sv[p % 3] * (xv[p * 63 + i] - mean) / std::sqrt(var + 1e-2f) + bv[p % 3];
    }
    const double tol = dt == DType::Float16 ? 2e-2 : 1e-5;
    EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
  }
  EXPECT_FALSE(run_node({.op_type = "InstanceNormalization",
                         .inputs = {random_tensor(DType::Float, {1, 3, 4}, 1), random_tensor(DType::Float, {2}, 1),
                                    random_tensor(DType::Float, {3}, 1)}})
                   .ok());
}

TEST(LayerNormalization, AxesAndOutputs) {
  const Shape xs = {2, 3, 5, 7};
  for (int64_t axis : {-1, -2, 1, 0, 3})
    for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
      const int64_t a = axis < 0 ? axis + 4 : axis;
      Shape norm(xs.begin() + a, xs.end());
      Tensor x = random_tensor(dt, xs, 1), s = random_tensor(dt, norm, 2), b = random_tensor(dt, norm, 3);
      auto r = run_node({.op_type = "LayerNormalization",
                         .inputs = {x, s, b},
                         .attributes = {attr_int("axis", axis), attr_float("epsilon", 1e-3f)},
                         .num_outputs = 3});
      ASSERT_TRUE(r.ok()) << r.status().message();
      const int64_t len = shape_numel(norm), rows = x.numel() / len;
      const auto xv = x.to_double(), sv = s.to_double(), bv = b.to_double();
      Tensor ref(DType::Double, xs);
      Shape stat_shape(xs.begin(), xs.begin() + a);
      stat_shape.resize(4, 1);
      Tensor rm(DType::Double, stat_shape), ri(DType::Double, stat_shape);
      for (int64_t rr = 0; rr < rows; ++rr) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < len; ++i) mean += xv[rr * len + i] / len;
        for (int64_t i = 0; i < len; ++i) var += (xv[rr * len + i] - mean) * (xv[rr * len + i] - mean) / len;
        const double inv = 1 / std::sqrt(var + 1e-3f);
        for (int64_t i = 0; i < len; ++i) ref.data<double>()[rr * len + i] = (xv[rr * len + i] - mean) * inv * sv[i] + bv[i];
        rm.data<double>()[rr] = mean;
        ri.data<double>()[rr] = inv;
      }
      const double tol = dt == DType::Float16 ? 2e-2 : 1e-5;
      EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
      EXPECT_TENSOR_NEAR((*r)[1], rm.cast(DType::Float), 1e-5, 1e-4);
      EXPECT_TENSOR_NEAR((*r)[2], ri.cast(DType::Float), 1e-5, 1e-4);
    }
  // Scale broadcast over the normalized shape, no bias, default axis.
  Tensor x = random_tensor(DType::Float, {3, 4, 5}, 4);
  Tensor s = random_tensor(DType::Float, {1}, 5);
  auto r = run_node({.op_type = "LayerNormalization", .inputs = {x, s}, .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto r2 = run_node({.op_type = "LayerNormalization",
                      .inputs = {x, Tensor::from_vector(std::vector<float>(20, s.data<float>()[0]), {4, 5})},
                      .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(r2.ok());
  EXPECT_TENSOR_NEAR((*r)[0], (*r2)[0]);
  EXPECT_FALSE(run_node({.op_type = "LayerNormalization", .inputs = {x, s}, .attributes = {attr_int("axis", 3)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "LayerNormalization", .inputs = {x, random_tensor(DType::Float, {3}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "LayerNormalization", .inputs = {x, s}, .opset = 16}).ok());
}

TEST(LRN, WindowOverChannels) {
  for (int64_t size : {1, 2, 3, 5})
    for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
      Tensor x = random_tensor(dt, {2, 7, 3, 4}, 1);
      auto r = run_node({.op_type = "LRN",
                         .inputs = {x},
                         .attributes = {attr_int("size", size), attr_float("alpha", 0.02f), attr_float("beta", 0.6f),
                                        attr_float("bias", 1.5f)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      const auto xv = x.to_double();
      Tensor ref(DType::Double, x.shape());
      for (int64_t i = 0; i < x.numel(); ++i) {
        auto idx = nnref::unravel(i, x.shape());
        double sq = 0;
        for (int64_t c = std::max<int64_t>(0, idx[1] - (size - 1) / 2); c <= std::min<int64_t>(6, idx[1] + size / 2); ++c) {
          auto j = idx;
          j[1] = c;
          const double v = xv[nnref::ravel(j, x.shape())];
          sq += v * v;
        }
        ref.data<double>()[i] = xv[i] / std::pow(1.5f + 0.02f / size * sq, 0.6f);
      }
      const double tol = dt == DType::Float16 ? 2e-3 : 1e-6;
      EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
    }
  EXPECT_FALSE(run_node({.op_type = "LRN", .inputs = {random_tensor(DType::Float, {1, 3, 4}, 1)}}).ok());
}

TEST(Dropout, InferenceIdentityAndMask) {
  Tensor x = random_tensor(DType::Float, {3, 7}, 1);
  for (int64_t opset : {7, 10, 12, 13}) {
    auto r = run_node({.op_type = "Dropout", .inputs = {x}, .attributes = {attr_float("ratio", 0.3f)}, .num_outputs = 2,
                       .opset = opset});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
    if (opset >= 10) {
      EXPECT_EQ((*r)[1].dtype(), DType::Bool);
      EXPECT_TENSOR_NEAR((*r)[1], Tensor::from_vector(std::vector<bool>(21, true), {3, 7}), 0, 0);
    } else {
      EXPECT_TENSOR_NEAR((*r)[1], Tensor::from_vector(std::vector<float>(21, 1.f), {3, 7}), 0, 0);
    }
  }
  auto r = run_node({.op_type = "Dropout", .inputs = {x, Tensor::scalar<float>(0.f), Tensor::scalar<bool>(true)},
                     .num_outputs = 2});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
  r = run_node({.op_type = "Dropout", .inputs = {x, Tensor::scalar<float>(0.5f), Tensor::scalar<bool>(false)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
  r = run_node({.op_type = "Dropout", .inputs = {x, Tensor::scalar<float>(0.5f), Tensor::scalar<bool>(true)}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("training"), std::string::npos);
}

TEST(BatchNormalization, PerActivationOpset7) {
  Tensor x = random_tensor(DType::Float, {2, 3, 4}, 1);
  Tensor s = random_tensor(DType::Float, {3, 4}, 2), b = random_tensor(DType::Float, {3, 4}, 3);
  Tensor m = random_tensor(DType::Float, {3, 4}, 4), v = random_tensor(DType::Float, {3, 4}, 5, 0.1, 2.0);
  auto r = run_node({.op_type = "BatchNormalization", .inputs = {x, s, b, m, v}, .attributes = {attr_int("spatial", 0)},
                     .opset = 7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto xv = x.to_double(), sv = s.to_double(), bv = b.to_double(), mv = m.to_double(), vv = v.to_double();
  Tensor ref(DType::Double, x.shape());
  for (int i = 0; i < 24; ++i) {
    const int k = i % 12;
    ref.data<double>()[i] = sv[k] * (xv[i] - mv[k]) / std::sqrt(vv[k] + 1e-5f) + bv[k];
  }
  EXPECT_TENSOR_NEAR((*r)[0], ref.cast(DType::Float));
  EXPECT_FALSE(run_node({.op_type = "BatchNormalization", .inputs = {x, s, b, m, v}, .opset = 9}).ok());
}

// LayerNormalization's float32 fast path under every kernel table this CPU has: row lengths
// around the vector widths, broadcast and full parameters, no bias, large means.
TEST(LayerNormalization, SimdFastPathEveryLevel) {
  sz0::test::for_each_simd_level([] {
    uint32_t seed = 70;
    for (int64_t len : {1, 3, 7, 17, 33, 256, 1000})
      for (int variant = 0; variant < 3; ++variant) {
        const Shape xs = {2, 3, len};
        const double offset = variant == 2 ? 500.0 : 0.0;
        Tensor x = random_tensor(DType::Float, xs, seed++, offset - 3, offset + 3);
        // variant 0: full scale and bias; 1: scale broadcast from [1], no bias; 2: full, large mean.
        Tensor s = variant == 1 ? random_tensor(DType::Float, {1}, seed++) : random_tensor(DType::Float, {len}, seed++);
        Tensor b = random_tensor(DType::Float, {len}, seed++);
        std::vector<Tensor> inputs = {x, s};
        if (variant != 1) inputs.push_back(b);
        for (int threads : {1, 3}) {
          auto r = run_node({.op_type = "LayerNormalization", .inputs = inputs, .num_outputs = 3}, threads);
          ASSERT_TRUE(r.ok()) << r.status().message();
          const auto xv = x.to_double(), sv = s.to_double(), bv = b.to_double();
          Tensor ref(DType::Double, xs), rm(DType::Double, {2, 3, 1}), ri(DType::Double, {2, 3, 1});
          for (int64_t row = 0; row < 6; ++row) {
            double mean = 0, var = 0;
            for (int64_t i = 0; i < len; ++i) mean += xv[row * len + i] / len;
            for (int64_t i = 0; i < len; ++i) var += (xv[row * len + i] - mean) * (xv[row * len + i] - mean) / len;
            const double inv = 1 / std::sqrt(var + 1e-5f);
            for (int64_t i = 0; i < len; ++i)
              ref.data<double>()[row * len + i] =
                  (xv[row * len + i] - mean) * inv * sv[variant == 1 ? 0 : i] + (variant == 1 ? 0.0 : bv[i]);
            rm.data<double>()[row] = mean;
            ri.data<double>()[row] = inv;
          }
          // A float mean of values near 500 carries their rounding (3e-5): the tolerance follows.
          const double tol = variant == 2 ? 2e-4 : 1e-5;
          EXPECT_TENSOR_NEAR((*r)[0], ref.cast(DType::Float), tol, tol) << "len " << len << " variant " << variant;
          EXPECT_TENSOR_NEAR((*r)[1], rm.cast(DType::Float), 1e-6, 1e-6);
          EXPECT_TENSOR_NEAR((*r)[2], ri.cast(DType::Float), 1e-5, 1e-5);
        }
      }
  });
}

#include "math_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

struct ActCase {
  const char* op;
  std::vector<Attribute> attrs;
  std::function<double(double)> f;
  int64_t opset = 17;
};

std::vector<ActCase> cases() {
  const double selu_a = 1.67326319217681884765625, selu_g = 1.05070102214813232421875;
  return {
      {"Relu", {}, [](double x) { return std::max(x, 0.0); }},
      {"LeakyRelu", {}, [](double x) { return x < 0 ? 0.01f * x : x; }},
      {"LeakyRelu", {attr_float("alpha", 0.3f)}, [](double x) { return x < 0 ? 0.3f * x : x; }},
      {"Elu", {}, [](double x) { return x < 0 ? std::exp(x) - 1 : x; }},
      {"Elu", {attr_float("alpha", 2.5f)}, [](double x) { return x < 0 ? 2.5 * (std::exp(x) - 1) : x; }},
      {"Selu", {}, [=](double x) { return x > 0 ? selu_g * x : selu_g * selu_a * (std::exp(x) - 1); }},
      {"Selu", {attr_float("alpha", 2.0f), attr_float("gamma", 3.0f)}, [](double x) { return x > 0 ? 3 * x : 3 * 2 * (std::exp(x) - 1); }},
      {"Celu", {}, [](double x) { return std::max(0.0, x) + std::min(0.0, std::exp(x) - 1); }},
      {"Celu", {attr_float("alpha", 2.0f)}, [](double x) { return std::max(0.0, x) + std::min(0.0, 2 * (std::exp(x / 2) - 1)); }},
      {"Sigmoid", {}, [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"HardSigmoid", {}, [](double x) { return std::clamp(0.2f * x + 0.5f, 0.0, 1.0); }},
      {"HardSigmoid", {attr_float("alpha", 0.5f), attr_float("beta", 0.25f)}, [](double x) { return std::clamp(0.5 * x + 0.25, 0.0, 1.0); }},
      {"HardSwish", {}, [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); }},
      {"Tanh", {}, [](double x) { return std::tanh(x); }},
      {"Softplus", {}, softplus},
      {"Softsign", {}, [](double x) { return x / (1 + std::fabs(x)); }},
      {"Mish", {}, [](double x) { return x * std::tanh(softplus(x)); }, 18},
      {"ThresholdedRelu", {}, [](double x) { return x > 1 ? x : 0; }},
      {"ThresholdedRelu", {attr_float("alpha", -0.5f)}, [](double x) { return x > -0.5 ? x : 0; }},
      {"Shrink", {}, [](double x) { return x < -0.5 ? x : (x > 0.5 ? x : 0); }},
      {"Shrink", {attr_float("lambd", 1.5f), attr_float("bias", 0.7f)},
       [](double x) { return x < -1.5 ? x + 0.7f : (x > 1.5 ? x - 0.7f : 0); }},
  };
}

}  // namespace

TEST(Activation, FloatDtypesAndShapes) {
  uint32_t seed = 1;
  for (const ActCase& c : cases())
    for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16})
      for (Shape s : {Shape{3, 7}, Shape{}, Shape{2, 1, 13}, Shape{1031}}) {
        Tensor x = random_tensor(t, s, seed++, -8, 8);
        const double rtol = t == DType::Float ? 4e-6 : 2 * tol_for(t);
        EXPECT_TENSOR_NEAR(run1({.op_type = c.op, .inputs = {x}, .attributes = c.attrs, .opset = c.opset}), ref_unary(x, c.f), 1e-6, rtol)
            << c.op << " " << dtype_name(t) << " " << shape_str(s);
      }
}

TEST(Activation, NearZeroAndExtremes) {
  // Relative accuracy near zero (no cancellation) and saturation far out.
  std::vector<float> v = {-1e-6f, 1e-6f, -3e-4f, 3e-4f, -0.01f, 0.01f, -30, 30, -90, 90, -1000, 1000};
  Tensor x = Tensor::from_vector(v);
  for (const ActCase& c : cases()) {
    if (std::string(c.op) == "HardSwish") continue;
    Tensor y = run1({.op_type = c.op, .inputs = {x}, .attributes = c.attrs, .opset = c.opset});
    EXPECT_TENSOR_NEAR(y, ref_unary(x, c.f), 1e-30, 4e-6) << c.op;
  }
}

TEST(Activation, Integers) {
  Tensor x = random_tensor(DType::Int32, {4, 5}, 3, -9, 9);
  for (DType t : {DType::Int8, DType::Int16, DType::Int32, DType::Int64}) {
    Tensor xi = x.cast(t);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Relu", .inputs = {xi}}), ref_unary(xi, [](double v) { return std::max(v, 0.0); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Shrink", .inputs = {xi}, .attributes = {attr_float("lambd", 2), attr_float("bias", 1)}}),
                       ref_unary(xi, [](double v) { return v < -2 ? v + 1 : (v > 2 ? v - 1 : 0); }), 0, 0);
  }
  Tensor u = random_tensor(DType::UInt8, {9}, 4, 0, 9);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Shrink", .inputs = {u}, .attributes = {attr_float("lambd", 2), attr_float("bias", 1)}}),
                     ref_unary(u, [](double v) { return v > 2 ? v - 1 : 0; }), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Sigmoid", .inputs = {x}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Relu", .inputs = {u}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Celu", .inputs = {random_tensor(DType::Float, {2}, 1)}, .attributes = {attr_float("alpha", 0)}}).ok());
}

TEST(PRelu, UnidirectionalBroadcast) {
  uint32_t seed = 10;
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {{2, 3, 4, 5}, {3, 1, 1}}, {{2, 3, 4, 5}, {5}}, {{2, 3, 4, 5}, {1}}, {{3, 4}, {3, 4}}, {{7}, {}}, {{2, 3, 4}, {1, 3, 1}}};
  for (DType t : {DType::Float, DType::Double, DType::Float16, DType::Int32, DType::Int64, DType::UInt32})
    for (auto& [sx, ss] : pairs) {
      Tensor x = random_tensor(t, sx, seed++, -5, 5), s = random_tensor(t, ss, seed++, 0, 3);
      EXPECT_TENSOR_NEAR(run1({.op_type = "PRelu", .inputs = {x, s}}), ref_binary(x, s, t, [](double a, double b) { return a < 0 ? a * b : a; }), 0,
                         tol_for(t))
          << dtype_name(t) << " " << shape_str(sx) << " " << shape_str(ss);
    }
  Tensor x = random_tensor(DType::Float, {2, 3, 4}, 1);
  // The slope may not grow X.
  EXPECT_FALSE(run_node({.op_type = "PRelu", .inputs = {x, random_tensor(DType::Float, {2, 2, 3, 4}, 2)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "PRelu", .inputs = {random_tensor(DType::Float, {3, 1}, 2), random_tensor(DType::Float, {3, 4}, 2)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "PRelu", .inputs = {x, random_tensor(DType::Float, {3}, 2)}}).ok());
}

TEST(PRelu, Opset6ChannelSlope) {
  // Before opset 7 a 1-D slope of length C applies along axis 1.
  Tensor x = random_tensor(DType::Float, {2, 3, 4, 5}, 5), s = random_tensor(DType::Float, {3}, 6, 0, 1);
  EXPECT_TENSOR_NEAR(run1({.op_type = "PRelu", .inputs = {x, s}, .opset = 6}),
                     ref_binary(x, s.reshaped({3, 1, 1}), DType::Float, [](double a, double b) { return a < 0 ? a * b : a; }), 0, 1e-6);
}

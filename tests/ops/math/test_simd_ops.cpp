// The float32 fast paths of the elementwise ops (binary broadcasting, activations, unary math,
// Softmax) under every kernel table this CPU has, against the naive double references.
#include "math_ref.h"
#include "simd_test_levels.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

// Broadcasting patterns: same shape, scalar (both sides), channel [C,1,1] against [N,C,H,W],
// row [1,W] and column [N,1] vectors, [N,1,W], rank mismatch, and sizes around the vector widths.
const std::vector<std::pair<Shape, Shape>> kPatterns = {
    {{1}, {1}},
    {{3}, {3}},
    {{7, 17}, {7, 17}},
    {{1000}, {1000}},
    {{33, 17}, {}},
    {{}, {33, 17}},
    {{1}, {2, 7}},
    {{2, 3, 5, 7}, {3, 1, 1}},
    {{1, 3, 5, 7}, {1, 3, 1, 1}},
    {{2, 17, 3, 3}, {17, 1, 1}},
    {{1, 33, 1, 1}, {1, 33, 1, 1}},
    {{5, 33}, {1, 33}},
    {{5, 33}, {33}},
    {{17, 7}, {17, 1}},
    {{1, 7}, {17, 1}},
    {{4, 3, 17}, {4, 1, 17}},
    {{4, 1, 17}, {4, 3, 17}},
    {{3, 2, 1}, {1, 1, 5}},
    {{2, 3, 4, 5}, {4, 5}},
    {{2, 1, 4, 1}, {3, 1, 6}},
    {{0, 3}, {3}},
};

struct BinaryCase {
  const char* op;
  double (*f)(double, double);
};

const BinaryCase kBinary[] = {
    {"Add", [](double a, double b) { return a + b; }},
    {"Sub", [](double a, double b) { return a - b; }},
    {"Mul", [](double a, double b) { return a * b; }},
    {"Div", [](double a, double b) { return a / b; }},
    {"Max", [](double a, double b) { return std::max(a, b); }},
    {"Min", [](double a, double b) { return std::min(a, b); }},
};

}  // namespace

TEST(SimdOps, BinaryBroadcastPatterns) {
  for_each_simd_level([] {
    uint32_t seed = 1;
    for (const BinaryCase& c : kBinary)
      for (const auto& [sa, sb] : kPatterns)
        for (int threads : {1, 3}) {
          Tensor a = random_tensor(DType::Float, sa, seed++, -4, 4);
          Tensor b = random_tensor(DType::Float, sb, seed++, 0.5, 4);  // no division by ~0
          // Float results are single IEEE operations: they must match the rounded double exactly.
          EXPECT_TENSOR_NEAR(run1({.op_type = c.op, .inputs = {a, b}}, threads), ref_binary(a, b, DType::Float, c.f), 0, 0)
              << c.op << " " << shape_str(sa) << " with " << shape_str(sb) << " threads " << threads;
        }
  });
}

TEST(SimdOps, LargeBroadcastsSplitOverThreads) {
  const std::vector<std::pair<Shape, Shape>> big = {
      {{2, 48, 40, 41}, {1, 48, 1, 1}}, {{1, 300, 97}, {97}}, {{300, 97}, {300, 1}}, {{70001}, {}},
      {{3, 257, 65}, {3, 1, 65}},
      // Rows longer than a thread's share: chunks start and end inside rows.
      {{70001}, {70001}}, {{3, 40001}, {3, 1}}, {{2, 3, 30001}, {3, 1}}};
  for_each_simd_level([&] {
    uint32_t seed = 40;
    for (int threads : {1, 2, 4})
      for (const auto& [sa, sb] : big) {
        Tensor a = random_tensor(DType::Float, sa, seed++), b = random_tensor(DType::Float, sb, seed++);
        for (const char* op : {"Add", "Mul"}) {
          const auto f = op[0] == 'A' ? +[](double x, double z) { return x + z; } : +[](double x, double z) { return x * z; };
          EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {a, b}}, threads), ref_binary(a, b, DType::Float, f), 0, 0)
              << op << " " << shape_str(sa) << " with " << shape_str(sb) << " threads " << threads;
          EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {b, a}}, threads), ref_binary(b, a, DType::Float, f), 0, 0)
              << op << " " << shape_str(sb) << " with " << shape_str(sa) << " threads " << threads;
        }
      }
  });
}

TEST(SimdOps, LegacyBroadcastAxis) {
  for_each_simd_level([] {
    Tensor a = random_tensor(DType::Float, {2, 3, 4, 5}, 1), b = random_tensor(DType::Float, {3, 4}, 2);
    Tensor y = run1({.op_type = "Add", .inputs = {a, b}, .attributes = {attr_int("broadcast", 1), attr_int("axis", 1)}, .opset = 6});
    EXPECT_TENSOR_NEAR(y, ref_binary(a, b.reshaped({3, 4, 1}), DType::Float, [](double x, double z) { return x + z; }), 0, 0);
  });
}

TEST(SimdOps, VariadicFoldsAndNaN) {
  for_each_simd_level([] {
    Tensor a = random_tensor(DType::Float, {4, 1, 17}, 1), b = random_tensor(DType::Float, {3, 17}, 2);
    Tensor c = random_tensor(DType::Float, {1, 3, 1}, 3);
    auto r3 = [](const Tensor& x, const Tensor& y, const Tensor& z, double (*f)(double, double)) {
      return ref_map({x, y, z}, DType::Float, [f](const std::vector<double>& v) { return f(f(v[0], v[1]), v[2]); });
    };
    EXPECT_TENSOR_NEAR(run1({.op_type = "Sum", .inputs = {a, b, c}}), r3(a, b, c, [](double x, double z) { return x + z; }), 1e-6, 1e-6);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Max", .inputs = {a, b, c}}), r3(a, b, c, [](double x, double z) { return std::max(x, z); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Min", .inputs = {a, b, c}}), r3(a, b, c, [](double x, double z) { return std::min(x, z); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Mean", .inputs = {a, b, c}}),
                       ref_map({a, b, c}, DType::Float, [](const std::vector<double>& v) { return (v[0] + v[1] + v[2]) / 3; }), 1e-6, 1e-6);
    // A NaN on either side wins Max and Min.
    const float nan = std::nanf("");
    Tensor x = Tensor::from_vector<float>({nan, 1, 2, nan, 5, 6, 7, 8, 9});
    Tensor y = Tensor::from_vector<float>({1, nan, 3, nan, 4, 7, 1, 9, 0});
    for (const char* op : {"Max", "Min"}) {
      Tensor o = run1({.op_type = op, .inputs = {x, y}});
      for (int i : {0, 1, 3}) EXPECT_TRUE(std::isnan(o.data<float>()[i])) << op << " " << i;
      EXPECT_FALSE(std::isnan(o.data<float>()[2]));
    }
  });
}

TEST(SimdOps, PReluBroadcastsTheSlope) {
  for_each_simd_level([] {
    uint32_t seed = 5;
    for (const auto& [xs, ss] : std::vector<std::pair<Shape, Shape>>{
             {{2, 17, 3, 3}, {17, 1, 1}}, {{1, 7}, {7}}, {{33}, {1}}, {{3, 1000}, {3, 1000}}}) {
      Tensor x = random_tensor(DType::Float, xs, seed++, -3, 3), s = random_tensor(DType::Float, ss, seed++);
      EXPECT_TENSOR_NEAR(run1({.op_type = "PRelu", .inputs = {x, s}}),
                         ref_binary(x, s, DType::Float, [](double v, double k) { return v < 0 ? k * v : v; }), 0, 0)
          << shape_str(xs) << " slope " << shape_str(ss);
    }
  });
}

struct UnaryCase {
  const char* op;
  std::vector<Attribute> attrs;
  double (*f)(double);
  double lo, hi, rtol, atol;
  int64_t opset = 17;
};

TEST(SimdOps, UnaryActivations) {
  // Float attributes enter the reference as the floats the op sees.
  const std::vector<UnaryCase> cases = {
      {"Relu", {}, [](double x) { return std::max(x, 0.0); }, -5, 5, 0, 0},
      {"LeakyRelu", {attr_float("alpha", 0.05f)}, [](double x) { return x < 0 ? static_cast<double>(0.05f) * x : x; }, -5, 5, 1e-7, 0},
      {"HardSigmoid", {}, [](double x) { return std::clamp(static_cast<double>(0.2f) * x + 0.5, 0.0, 1.0); }, -5, 5, 2e-7, 1e-7},
      {"HardSwish", {}, [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); }, -5, 5, 4e-7, 1e-7},
      {"Sigmoid", {}, [](double x) { return 1 / (1 + std::exp(-x)); }, -20, 20, 4e-7, 0},
      {"Tanh", {}, [](double x) { return std::tanh(x); }, -10, 10, 4e-7, 0},
      {"Softsign", {}, [](double x) { return x / (1 + std::fabs(x)); }, -10, 10, 3e-7, 0},
      {"Erf", {}, [](double x) { return std::erf(x); }, -4, 4, 5e-7, 0},
      {"Exp", {}, [](double x) { return std::exp(x); }, -10, 10, 3e-7, 0},
      {"Sqrt", {}, [](double x) { return std::sqrt(x); }, 0, 50, 1e-7, 0},
      {"Reciprocal", {}, [](double x) { return 1 / x; }, 0.25, 50, 1e-7, 0},
      {"Neg", {}, [](double x) { return -x; }, -5, 5, 0, 0},
      {"Abs", {}, [](double x) { return std::fabs(x); }, -5, 5, 0, 0},
      {"Gelu", {}, [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }, -6, 6, 2e-6, 5e-8, 20},
      {"Gelu", {attr_string("approximate", "tanh")},
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }, -6, 6, 1e-6, 1e-9, 20},
  };
  for_each_simd_level([&] {
    uint32_t seed = 9;
    for (const UnaryCase& c : cases)
      for (DType t : {DType::Float, DType::Float16, DType::BFloat16, DType::Double})
        for (Shape s : {Shape{1}, Shape{3}, Shape{7}, Shape{17}, Shape{33}, Shape{1000}, Shape{2, 3, 5, 7}, Shape{0, 2}}) {
          Tensor x = random_tensor(t, s, seed++, c.lo, c.hi);
          const double rtol = t == DType::Float ? c.rtol : t == DType::Double ? 1e-12 : 2 * tol_for(t);
          const double atol = t == DType::Float ? c.atol : t == DType::Double ? 1e-15 : tol_for(t) * 1e-3;
          EXPECT_TENSOR_NEAR(run1({.op_type = c.op, .inputs = {x}, .attributes = c.attrs, .opset = c.opset}), ref_unary(x, c.f), atol, rtol)
              << c.op << " " << dtype_name(t) << " " << shape_str(s);
        }
  });
}

TEST(SimdOps, UnaryLargeParallel) {
  Tensor x = random_tensor(DType::Float, {100003}, 3, -10, 10);
  for_each_simd_level([&] {
    for (int threads : {1, 3}) {
      EXPECT_TENSOR_NEAR(run1({.op_type = "Erf", .inputs = {x}}, threads), ref_unary(x, [](double v) { return std::erf(v); }), 0, 5e-7);
      EXPECT_TENSOR_NEAR(run1({.op_type = "Relu", .inputs = {x}}, threads), ref_unary(x, [](double v) { return std::max(v, 0.0); }), 0, 0);
    }
  });
}

TEST(SimdOps, ClipFloatAndHalves) {
  for_each_simd_level([] {
    uint32_t seed = 20;
    for (DType t : {DType::Float, DType::Float16, DType::BFloat16})
      for (Shape s : {Shape{1}, Shape{7}, Shape{33}, Shape{3, 1000}}) {
        Tensor x = random_tensor(t, s, seed++, -8, 8);
        Tensor lo = Tensor::scalar<float>(0.0f).cast(t), hi = Tensor::scalar<float>(6.0f).cast(t);
        EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, lo, hi}, .opset = 13}),
                           ref_unary(x, [](double v) { return std::clamp(v, 0.0, 6.0); }), 0, 0)
            << dtype_name(t) << " " << shape_str(s);
        EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, Tensor(), hi}, .opset = 13}),
                           ref_unary(x, [](double v) { return std::min(v, 6.0); }), 0, 0);
      }
    // Opset 6 attributes; NaN passes through.
    Tensor x = Tensor::from_vector<float>({-3, 0.5f, 9, std::nanf("")});
    Tensor y = run1({.op_type = "Clip", .inputs = {x}, .attributes = {attr_float("min", -1), attr_float("max", 1)}, .opset = 6});
    EXPECT_EQ(y.data<float>()[0], -1.0f);
    EXPECT_EQ(y.data<float>()[2], 1.0f);
    EXPECT_TRUE(std::isnan(y.data<float>()[3]));
  });
}

TEST(SimdOps, PowSpecialExponents) {
  for_each_simd_level([] {
    Tensor a = random_tensor(DType::Float, {3, 17}, 4, 0, 4);
    for (float e : {1.0f, 2.0f, 3.0f, 0.5f}) {
      Tensor y = run1({.op_type = "Pow", .inputs = {a, Tensor::scalar<float>(e)}});
      EXPECT_TENSOR_NEAR(y, ref_binary(a, Tensor::scalar<float>(e), DType::Float, [](double x, double z) { return std::pow(x, z); }), 0, 2e-7)
          << "exponent " << e;
    }
  });
}

TEST(SimdOps, SoftmaxAnyAxis) {
  for_each_simd_level([] {
    uint32_t seed = 30;
    for (const char* op : {"Softmax", "LogSoftmax"})
      for (Shape s : {Shape{1}, Shape{3}, Shape{1000}, Shape{2, 7}, Shape{3, 33}, Shape{2, 17, 3}, Shape{4, 3, 128}, Shape{2, 1, 5, 9}}) {
        const int64_t r = static_cast<int64_t>(s.size());
        for (int64_t axis = 0; axis < r; ++axis) {
          Tensor x = random_tensor(DType::Float, s, seed++, -30, 30);
          // Reference over the one axis: outer, n, inner.
          int64_t outer = 1, n = s[axis], inner = 1;
          for (int64_t i = 0; i < axis; ++i) outer *= s[i];
          for (int64_t i = axis + 1; i < r; ++i) inner *= s[i];
          Tensor ref(DType::Double, s);
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t j = 0; j < inner; ++j) {
              auto at = [&](int64_t k) { return (o * n + k) * inner + j; };
              double m = -INFINITY, sum = 0;
              for (int64_t k = 0; k < n; ++k) m = std::max(m, x.get_double(at(k)));
              for (int64_t k = 0; k < n; ++k) sum += std::exp(x.get_double(at(k)) - m);
              for (int64_t k = 0; k < n; ++k) {
                const double v = x.get_double(at(k)) - m;
                ref.data<double>()[at(k)] = op[0] == 'S' ? std::exp(v) / sum : v - std::log(sum);
              }
            }
          // LogSoftmax near 0 is log of a float sum near 1: absolute error about 1e-7.
          for (int threads : {1, 3})
            EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", axis)}, .opset = 13}, threads),
                               ref.cast(DType::Float), op[0] == 'S' ? 1e-7 : 1e-6, 2e-6)
                << op << " " << shape_str(s) << " axis " << axis;
        }
      }
  });
}

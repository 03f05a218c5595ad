#include "math_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

Tensor rnd_bool(Shape s, uint32_t seed) { return random_tensor(DType::Int32, std::move(s), seed, 0, 1).cast(DType::Bool); }

}  // namespace

TEST(Logical, AndOrXorBroadcast) {
  const std::vector<std::pair<Shape, Shape>> pairs = {{{3, 1, 5}, {4, 1}}, {{2, 3}, {3}}, {{}, {4, 2}}, {{3, 4, 5, 6}, {4, 1, 6}}};
  uint32_t seed = 1;
  for (auto& [sa, sb] : pairs) {
    Tensor a = rnd_bool(sa, seed++), b = rnd_bool(sb, seed++);
    EXPECT_TENSOR_NEAR(run1({.op_type = "And", .inputs = {a, b}}), ref_binary(a, b, DType::Bool, [](double x, double y) { return x && y; }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Or", .inputs = {a, b}}), ref_binary(a, b, DType::Bool, [](double x, double y) { return x || y; }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Xor", .inputs = {a, b}}), ref_binary(a, b, DType::Bool, [](double x, double y) { return x != y; }), 0, 0);
  }
  Tensor a = rnd_bool({3, 7}, 9);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Not", .inputs = {a}}), ref_unary(a, [](double x) { return !x; }), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "And", .inputs = {Tensor::from_vector<int32_t>({1}), Tensor::from_vector<int32_t>({1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Not", .inputs = {Tensor::from_vector<float>({1})}}).ok());
}

TEST(Compare, AllOpsAndDtypes) {
  const DType types[] = {DType::Float, DType::Double, DType::Float16, DType::BFloat16, DType::Int8, DType::Int16, DType::Int32,
                         DType::Int64, DType::UInt8,  DType::UInt16,  DType::UInt32,   DType::UInt64};
  struct Cmp {
    const char* op;
    bool (*f)(double, double);
  };
  const Cmp cmps[] = {{"Equal", [](double x, double y) { return x == y; }},
                      {"Less", [](double x, double y) { return x < y; }},
                      {"LessOrEqual", [](double x, double y) { return x <= y; }},
                      {"Greater", [](double x, double y) { return x > y; }},
                      {"GreaterOrEqual", [](double x, double y) { return x >= y; }}};
  uint32_t seed = 20;
  for (DType t : types) {
    // Small integer values so that equal elements occur.
    Tensor a = random_tensor(t, {3, 1, 5}, seed++, 0, 3), b = random_tensor(t, {4, 1}, seed++, 0, 3);
    for (const Cmp& c : cmps) {
      Tensor y = run1({.op_type = c.op, .inputs = {a, b}});
      EXPECT_TENSOR_NEAR(y, ref_binary(a, b, DType::Bool, [&](double x, double z) { return c.f(x, z) ? 1.0 : 0.0; }), 0, 0)
          << c.op << " " << dtype_name(t);
    }
  }
  Tensor p = rnd_bool({5}, 3), q = rnd_bool({5}, 4);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Equal", .inputs = {p, q}}), ref_binary(p, q, DType::Bool, [](double x, double y) { return x == y; }), 0, 0);
  // NaN compares unequal to everything.
  const float nan = std::nanf("");
  EXPECT_TENSOR_NEAR(run1({.op_type = "Equal", .inputs = {Tensor::from_vector<float>({nan, 1}), Tensor::from_vector<float>({nan, 1})}}),
                     bools({0, 1}), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Less", .inputs = {Tensor::from_vector<float>({1}), Tensor::from_vector<double>({1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "LessOrEqual", .inputs = {Tensor::from_vector<float>({1}), Tensor::from_vector<float>({1})}, .opset = 11}).ok());
}

TEST(Where, BroadcastAllDtypes) {
  const DType types[] = {DType::Float, DType::Double, DType::Float16, DType::Int8, DType::Int64, DType::UInt16, DType::Bool};
  uint32_t seed = 40;
  for (DType t : types) {
    Tensor c = rnd_bool({3, 1, 5}, seed++);
    Tensor x = random_tensor(t, {4, 1}, seed++, 0, 9), y = random_tensor(t, {1, 1, 5}, seed++, 0, 9);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Where", .inputs = {c, x, y}}),
                       ref_map({c, x, y}, t, [](const std::vector<double>& v) { return v[0] ? v[1] : v[2]; }), 0, 0)
        << dtype_name(t);
  }
  Tensor c = rnd_bool({64, 1, 300}, 1);
  Tensor x = random_tensor(DType::Float, {7, 1}, 2), y = random_tensor(DType::Float, {1, 300}, 3);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Where", .inputs = {c, x, y}}, 3),
                     ref_map({c, x, y}, DType::Float, [](const std::vector<double>& v) { return v[0] ? v[1] : v[2]; }), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Where", .inputs = {x, x, x}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Where", .inputs = {c, x, Tensor::from_vector<double>({1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Where", .inputs = {rnd_bool({3}, 1), x, y}}).ok());
}

TEST(IsNaNIsInf, Detection) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  Tensor x = Tensor::from_vector<float>({1, inf, -inf, nan, 0, -2});
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsNaN", .inputs = {x}}), bools({0, 0, 0, 1, 0, 0}), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsInf", .inputs = {x}}), bools({0, 1, 1, 0, 0, 0}), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsInf", .inputs = {x}, .attributes = {attr_int("detect_negative", 0)}}),
                     bools({0, 1, 0, 0, 0, 0}), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsInf", .inputs = {x}, .attributes = {attr_int("detect_positive", 0)}}),
                     bools({0, 0, 1, 0, 0, 0}), 0, 0);
  Tensor h = x.cast(DType::Float16);
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsNaN", .inputs = {h}}), bools({0, 0, 0, 1, 0, 0}), 0, 0);
  Tensor d = x.cast(DType::Double);
  EXPECT_TENSOR_NEAR(run1({.op_type = "IsInf", .inputs = {d}}), bools({0, 1, 1, 0, 0, 0}), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "IsNaN", .inputs = {Tensor::from_vector<int32_t>({1})}}).ok());
}

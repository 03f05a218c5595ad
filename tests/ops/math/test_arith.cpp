#include "math_ref.h"
#include "ops/math/vmath.h"

using namespace sz0;
using namespace sz0::test;

namespace {

const std::vector<std::pair<Shape, Shape>> kShapePairs = {
    {{3, 1, 5}, {4, 1}},       {{1}, {2, 3}},          {{}, {7}},          {{7}, {}},
    {{2, 3, 4}, {2, 3, 4}},    {{13, 1, 1}, {1, 7, 3}}, {{1, 1}, {1, 1}},   {{5, 1, 3, 1}, {1, 4, 1, 2}},
    {{0, 3}, {3}},             {{2, 1, 3}, {2, 5, 3}}, {{6, 1}, {1, 1}},   {{1, 9}, {4, 1}},
    {{3, 4, 1, 6}, {4, 5, 1}}, {{}, {}},
};

const DType kAllNumeric[] = {DType::Float, DType::Double, DType::Float16, DType::BFloat16, DType::Int8,
                             DType::Int16, DType::Int32,  DType::Int64,   DType::UInt8,    DType::UInt16,
                             DType::UInt32, DType::UInt64};

Tensor rnd(DType t, Shape s, uint32_t seed, double lo = -5, double hi = 5) {
  if (dtype_is_unsigned_int(t)) lo = std::max(lo, 0.0);
  return random_tensor(t, std::move(s), seed, lo, hi);
}

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

}  // namespace

TEST(Add, BroadcastShapesAndDtypes) {
  uint32_t seed = 1;
  for (DType t : kAllNumeric)
    for (auto& [sa, sb] : kShapePairs) {
      Tensor a = rnd(t, sa, seed++), b = rnd(t, sb, seed++);
      Tensor y = run1({.op_type = "Add", .inputs = {a, b}});
      EXPECT_TENSOR_NEAR(y, ref_binary(a, b, t, [](double x, double z) { return x + z; }), 0, tol_for(t))
          << dtype_name(t) << " " << shape_str(sa) << " + " << shape_str(sb);
    }
}

TEST(Add, LargeParallelBroadcast) {
  const std::vector<std::pair<Shape, Shape>> big = {
      {{67, 1, 129}, {1, 33, 129}}, {{300, 1}, {1, 3}}, {{5000}, {5000}}, {{1}, {40000}}, {{257, 1, 1}, {1, 31, 17}}};
  uint32_t seed = 100;
  for (int threads : {1, 2, 3, 4})
    for (auto& [sa, sb] : big) {
      Tensor a = rnd(DType::Float, sa, seed++), b = rnd(DType::Float, sb, seed++);
      Tensor y = run1({.op_type = "Add", .inputs = {a, b}}, threads);
      EXPECT_TENSOR_NEAR(y, ref_binary(a, b, DType::Float, [](double x, double z) { return x + z; }), 0, 1e-6)
          << shape_str(sa) << " + " << shape_str(sb) << " threads " << threads;
    }
}

TEST(Add, IntegerWraps) {
  Tensor a = Tensor::from_vector<int32_t>({2147483647, -2147483647 - 1});
  Tensor b = Tensor::from_vector<int32_t>({1, -1});
  Tensor y = run1({.op_type = "Add", .inputs = {a, b}});
  EXPECT_TENSOR_NEAR(y, Tensor::from_vector<int32_t>({-2147483647 - 1, 2147483647}), 0, 0);
  Tensor u = Tensor::from_vector<uint8_t>({250, 3});
  y = run1({.op_type = "Add", .inputs = {u, Tensor::from_vector<uint8_t>({10, 4})}});
  EXPECT_TENSOR_NEAR(y, Tensor::from_vector<uint8_t>({4, 7}), 0, 0);
}

TEST(SubMul, BroadcastShapesAndDtypes) {
  uint32_t seed = 7;
  for (DType t : kAllNumeric)
    for (auto& [sa, sb] : kShapePairs) {
      Tensor a = rnd(t, sa, seed++), b = rnd(t, sb, seed++, 0, 5);
      Tensor y = run1({.op_type = "Sub", .inputs = {a, b}});
      if (dtype_is_unsigned_int(t))
        EXPECT_TENSOR_NEAR(y, ref_binary_int(a, b, t, [](int64_t x, int64_t z) { return x - z; }), 0, 0);
      else
        EXPECT_TENSOR_NEAR(y, ref_binary(a, b, t, [](double x, double z) { return x - z; }), 0, tol_for(t));
      y = run1({.op_type = "Mul", .inputs = {a, b}});
      Tensor expect = dtype_is_float(t) ? ref_binary(a, b, t, [](double x, double z) { return x * z; })
                                        : ref_binary_int(a, b, t, [](int64_t x, int64_t z) { return x * z; });
      EXPECT_TENSOR_NEAR(y, expect, 0, tol_for(t))
          << dtype_name(t);
    }
}

TEST(Div, FloatAndTruncatingInteger) {
  uint32_t seed = 20;
  for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16}) {
    Tensor a = rnd(t, {3, 1, 5}, seed++), b = rnd(t, {4, 1}, seed++, 0.5, 3);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Div", .inputs = {a, b}}), ref_binary(a, b, t, [](double x, double z) { return x / z; }), 0,
                       tol_for(t));
  }
  for (DType t : {DType::Int8, DType::Int16, DType::Int32, DType::Int64, DType::UInt8, DType::UInt32, DType::UInt64}) {
    Tensor a = rnd(t, {3, 1, 5}, seed++, -100, 100), b = rnd(t, {4, 1}, seed++, 1, 9);
    if (dtype_is_signed_int(t)) b = ref_unary(b, [](double v) { return static_cast<int64_t>(v) % 2 ? -v : v; });
    EXPECT_TENSOR_NEAR(run1({.op_type = "Div", .inputs = {a, b}}),
                       ref_binary_int(a, b, t, [](int64_t x, int64_t z) { return x / z; }), 0, 0)
        << dtype_name(t);
  }
  // -7 / 2 truncates to -3 (C), not -4 (floor).
  EXPECT_TENSOR_NEAR(run1({.op_type = "Div", .inputs = {Tensor::from_vector<int32_t>({-7, 7, -2147483647 - 1}),
                                                         Tensor::from_vector<int32_t>({2, -2, -1})}}),
                     Tensor::from_vector<int32_t>({-3, -3, -2147483647 - 1}), 0, 0);
  auto r = run_node({.op_type = "Div", .inputs = {Tensor::from_vector<int64_t>({1, 2}), Tensor::from_vector<int64_t>({1, 0})}});
  EXPECT_FALSE(r.ok());
  // Float division by zero is IEEE.
  Tensor y = run1({.op_type = "Div", .inputs = {Tensor::from_vector<float>({1, -1, 0}), Tensor::from_vector<float>({0, 0, 0})}});
  EXPECT_TRUE(std::isinf(y.data<float>()[0]) && y.data<float>()[0] > 0);
  EXPECT_TRUE(std::isinf(y.data<float>()[1]) && y.data<float>()[1] < 0);
  EXPECT_TRUE(std::isnan(y.data<float>()[2]));
}

TEST(Binary, Errors) {
  Tensor f = random_tensor(DType::Float, {2, 3}, 1), i = random_tensor(DType::Int32, {2, 3}, 2);
  EXPECT_FALSE(run_node({.op_type = "Add", .inputs = {f, i}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Add", .inputs = {f, random_tensor(DType::Float, {4}, 3)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Mul", .inputs = {f}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Sub", .inputs = {Tensor::from_vector<bool>({true}), Tensor::from_vector<bool>({false})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Add", .inputs = {f, f, f}}).ok());
}

TEST(Binary, LegacyBroadcastAxis) {
  // Opset 6: B aligned at `axis` inside A.
  Tensor a = random_tensor(DType::Float, {2, 3, 4}, 5), b = random_tensor(DType::Float, {3}, 6);
  Tensor y = run1({.op_type = "Add",
                   .inputs = {a, b},
                   .attributes = {attr_int("broadcast", 1), attr_int("axis", 1)},
                   .opset = 6});
  Tensor expect = ref_binary(a, b.reshaped({3, 1}), DType::Float, [](double x, double z) { return x + z; });
  EXPECT_TENSOR_NEAR(y, expect, 0, 1e-6);
  // Without axis: suffix alignment.
  Tensor c = random_tensor(DType::Float, {4}, 7);
  y = run1({.op_type = "Mul", .inputs = {a, c}, .attributes = {attr_int("broadcast", 1)}, .opset = 6});
  EXPECT_TENSOR_NEAR(y, ref_binary(a, c, DType::Float, [](double x, double z) { return x * z; }), 0, 1e-6);
  EXPECT_FALSE(run_node({.op_type = "Add", .inputs = {a, b}, .attributes = {attr_int("broadcast", 1), attr_int("axis", 2)}, .opset = 6}).ok());
}

TEST(Pow, FloatBroadcast) {
  uint32_t seed = 30;
  for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16}) {
    Tensor a = rnd(t, {3, 1, 5}, seed++, 0.1, 3), b = rnd(t, {4, 1}, seed++, -2, 3);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Pow", .inputs = {a, b}}), ref_binary(a, b, t, [](double x, double z) { return std::pow(x, z); }),
                       1e-6, 4 * tol_for(t))
        << dtype_name(t);
  }
  Tensor a = rnd(DType::Float, {7, 3}, 40);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Pow", .inputs = {a, Tensor::scalar<float>(2.0f)}}),
                     ref_binary(a, Tensor::scalar<float>(2.0f), DType::Float, [](double x, double z) { return x * x; }), 0, 1e-6);
}

TEST(Pow, MixedTypes) {
  // Base keeps its type; exponent may be any numeric type (opset 12+).
  Tensor fi = run1({.op_type = "Pow", .inputs = {Tensor::from_vector<float>({1, 2, 3}), Tensor::from_vector<int64_t>({4, 5, 6})}});
  EXPECT_TENSOR_NEAR(fi, Tensor::from_vector<float>({1, 32, 729}), 0, 0);
  Tensor iff = run1({.op_type = "Pow", .inputs = {Tensor::from_vector<int32_t>({1, 2, 3}), Tensor::from_vector<float>({4, 5, 6})}});
  EXPECT_TENSOR_NEAR(iff, Tensor::from_vector<int32_t>({1, 32, 729}), 0, 0);
  Tensor ii = run1({.op_type = "Pow", .inputs = {Tensor::from_vector<int64_t>({3, -2, 7, 2, -1, 5}),
                                                  Tensor::from_vector<int64_t>({39, 3, 0, -1, -3, 1})}});
  EXPECT_TENSOR_NEAR(ii, Tensor::from_vector<int64_t>({4052555153018976267LL, -8, 1, 0, -1, 5}), 0, 0);
  Tensor fu = run1({.op_type = "Pow", .inputs = {Tensor::from_vector<float>({1.5f, -2}), Tensor::from_vector<uint8_t>({2, 3})}});
  EXPECT_TENSOR_NEAR(fu, Tensor::from_vector<float>({2.25f, -8}), 0, 0);
  Tensor hd = run1({.op_type = "Pow", .inputs = {Tensor::from_vector<double>({2, 4}), Tensor::from_vector<float>({0.5f, -1})}});
  EXPECT_TENSOR_NEAR(hd, Tensor::from_vector<double>({std::sqrt(2.0), 0.25}), 0, 1e-15);
  // Mixed types need opset 12; bases must be float or int32/int64.
  EXPECT_FALSE(run_node({.op_type = "Pow", .inputs = {Tensor::from_vector<float>({1}), Tensor::from_vector<int64_t>({1})}, .opset = 11}).ok());
  EXPECT_FALSE(run_node({.op_type = "Pow", .inputs = {Tensor::from_vector<uint8_t>({1}), Tensor::from_vector<uint8_t>({1})}}).ok());
}

TEST(Mod, IntegerSignRules) {
  Tensor a = Tensor::from_vector<int32_t>({-4, 7, 5, 4, -7, 8, -2147483647 - 1});
  Tensor b = Tensor::from_vector<int32_t>({2, -3, 8, -2, 3, 5, -1});
  // fmod=0: the divisor's sign (Python).
  EXPECT_TENSOR_NEAR(run1({.op_type = "Mod", .inputs = {a, b}}), Tensor::from_vector<int32_t>({0, -2, 5, 0, 2, 3, 0}), 0, 0);
  // fmod=1: the dividend's sign (C).
  EXPECT_TENSOR_NEAR(run1({.op_type = "Mod", .inputs = {a, b}, .attributes = {attr_int("fmod", 1)}}),
                     Tensor::from_vector<int32_t>({0, 1, 5, 0, -1, 3, 0}), 0, 0);
  uint32_t seed = 50;
  for (DType t : {DType::Int8, DType::Int16, DType::Int64, DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64}) {
    Tensor x = rnd(t, {3, 1, 5}, seed++, -100, 100), y = rnd(t, {4, 1}, seed++, 1, 9);
    if (dtype_is_signed_int(t)) y = ref_unary(y, [](double v) { return static_cast<int64_t>(v) % 2 ? -v : v; });
    EXPECT_TENSOR_NEAR(run1({.op_type = "Mod", .inputs = {x, y}}), ref_binary_int(x, y, t, [](int64_t p, int64_t q) {
                         int64_t r = p % q;
                         return (r != 0 && ((r < 0) != (q < 0))) ? r + q : r;
                       }),
                       0, 0)
        << dtype_name(t);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Mod", .inputs = {x, y}, .attributes = {attr_int("fmod", 1)}}),
                       ref_binary_int(x, y, t, [](int64_t p, int64_t q) { return p % q; }), 0, 0)
        << dtype_name(t);
  }
  EXPECT_FALSE(run_node({.op_type = "Mod", .inputs = {a, Tensor::from_vector<int32_t>({1, 1, 0, 1, 1, 1, 1})}}).ok());
}

TEST(Mod, FloatFmod) {
  uint32_t seed = 60;
  for (DType t : {DType::Float, DType::Double, DType::Float16}) {
    Tensor x = rnd(t, {3, 1, 5}, seed++, -10, 10), y = rnd(t, {4, 1}, seed++, 0.5, 3);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Mod", .inputs = {x, y}, .attributes = {attr_int("fmod", 1)}}),
                       ref_binary(x, y, t, [](double p, double q) { return std::fmod(p, q); }), 1e-6, 4 * tol_for(t))
        << dtype_name(t);
  }
  // Floats need fmod=1; fmod must be 0 or 1.
  Tensor f = Tensor::from_vector<float>({1});
  EXPECT_FALSE(run_node({.op_type = "Mod", .inputs = {f, f}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Mod", .inputs = {f, f}, .attributes = {attr_int("fmod", 2)}}).ok());
}

TEST(BitShift, LeftRight) {
  uint32_t seed = 70;
  for (DType t : {DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64}) {
    const int bits = static_cast<int>(dtype_size(t) * 8);
    Tensor x = rnd(t, {3, 1, 5}, seed++, 0, 200), s = rnd(t, {4, 1}, seed++, 0, bits - 1);
    EXPECT_TENSOR_NEAR(run1({.op_type = "BitShift", .inputs = {x, s}, .attributes = {attr_string("direction", "RIGHT")}}),
                       ref_binary_int(x, s, t, [](int64_t p, int64_t q) { return static_cast<int64_t>(static_cast<uint64_t>(p) >> q); }), 0, 0);
    const uint64_t mask = bits == 64 ? ~0ull : ((1ull << bits) - 1);
    EXPECT_TENSOR_NEAR(run1({.op_type = "BitShift", .inputs = {x, s}, .attributes = {attr_string("direction", "LEFT")}}),
                       ref_binary_int(x, s, t, [mask](int64_t p, int64_t q) { return static_cast<int64_t>((static_cast<uint64_t>(p) << q) & mask); }), 0, 0)
        << dtype_name(t);
  }
  Tensor u = Tensor::from_vector<uint8_t>({16, 1});
  EXPECT_TENSOR_NEAR(run1({.op_type = "BitShift", .inputs = {u, Tensor::from_vector<uint8_t>({9, 8})}, .attributes = {attr_string("direction", "LEFT")}}),
                     Tensor::from_vector<uint8_t>({0, 0}), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "BitShift", .inputs = {u, u}}).ok());
  EXPECT_FALSE(run_node({.op_type = "BitShift", .inputs = {u, u}, .attributes = {attr_string("direction", "UP")}}).ok());
  Tensor i = Tensor::from_vector<int32_t>({1});
  EXPECT_FALSE(run_node({.op_type = "BitShift", .inputs = {i, i}, .attributes = {attr_string("direction", "LEFT")}}).ok());
}

TEST(Pow, ScalarExponentFastPaths) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor a = Tensor::from_vector<float>({0.0f, -0.0f, 1.5f, -2.0f, 4.0f, inf, -inf, std::nanf(""), 1e-3f, 3e10f, -7.25f});
  for (float e : {1.0f, 2.0f, 3.0f, 0.5f, 4.0f}) {
    std::vector<Tensor> exps = {Tensor::scalar<float>(e), Tensor::from_vector<float>({e}, {1, 1})};
    if (e == std::floor(e)) exps.push_back(Tensor::scalar<int64_t>(static_cast<int64_t>(e)));
    for (const Tensor& b : exps) {
      Tensor y = run1({.op_type = "Pow", .inputs = {a, b}});
      Tensor expect = ref_binary(a, b, DType::Float, [](double x, double z) { return std::pow(x, z); });
      EXPECT_TENSOR_NEAR(y, expect, 0, 1e-6) << "exponent " << e << " shape " << shape_str(b.shape());
      if (e == 0.5f) {
        EXPECT_FALSE(std::signbit(y.data<float>()[1]));  // pow(-0, .5) = +0
      }
    }
  }
}

TEST(VMath, VectorFormMatchesScalar) {
  Tensor x = random_tensor(DType::Float, {1001}, 9, -12, 12);
  std::vector<float> v(1001), s(1001);
  auto check = [&](auto f, const char* name) {
    ops::math::simd_map(x.data<float>(), v.data(), 1001, f);
    for (int i = 0; i < 1001; ++i) s[i] = f(x.data<float>()[i]);
    for (int i = 0; i < 1001; ++i) ASSERT_EQ(v[i], s[i]) << name << " at " << x.data<float>()[i];
  };
  check([](auto t) { return ops::math::vexp(t); }, "exp");
  check([](auto t) { return ops::math::vtanh(t); }, "tanh");
  check([](auto t) { return ops::math::vsigmoid(t); }, "sigmoid");
  check([](auto t) { return ops::math::verf(t); }, "erf");
}

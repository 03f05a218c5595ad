#include "math_ref.h"
#include "ops/math/halfconv.h"
#include "ops/math/vmath.h"

#include <bit>
#include <cstdio>

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

struct UnaryCase {
  const char* op;
  double (*f)(double);
  double lo, hi;
};

const UnaryCase kFloatCases[] = {
    {"Sqrt", [](double x) { return std::sqrt(x); }, 0, 10},
    {"Exp", [](double x) { return std::exp(x); }, -20, 20},
    {"Log", [](double x) { return std::log(x); }, 0.01, 100},
    {"Reciprocal", [](double x) { return 1 / x; }, 0.1, 10},
    {"Sin", [](double x) { return std::sin(x); }, -6, 6},
    {"Cos", [](double x) { return std::cos(x); }, -6, 6},
    {"Tan", [](double x) { return std::tan(x); }, -1.2, 1.2},
    {"Asin", [](double x) { return std::asin(x); }, -0.99, 0.99},
    {"Acos", [](double x) { return std::acos(x); }, -0.99, 0.99},
    {"Atan", [](double x) { return std::atan(x); }, -10, 10},
    {"Sinh", [](double x) { return std::sinh(x); }, -5, 5},
    {"Cosh", [](double x) { return std::cosh(x); }, -5, 5},
    {"Asinh", [](double x) { return std::asinh(x); }, -10, 10},
    {"Acosh", [](double x) { return std::acosh(x); }, 1, 10},
    {"Atanh", [](double x) { return std::atanh(x); }, -0.99, 0.99},
    {"Floor", [](double x) { return std::floor(x); }, -10, 10},
    {"Ceil", [](double x) { return std::ceil(x); }, -10, 10},
    {"Erf", [](double x) { return std::erf(x); }, -3, 3},
    {"Neg", [](double x) { return -x; }, -10, 10},
    {"Abs", [](double x) { return std::fabs(x); }, -10, 10},
    {"Sign", [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }, -3, 3},
};

}  // namespace

TEST(Unary, FloatOpsAllFloatDtypes) {
  uint32_t seed = 1;
  for (const UnaryCase& c : kFloatCases)
    for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16}) {
      for (Shape s : {Shape{3, 7}, Shape{}, Shape{1, 13, 1}, Shape{0, 4}}) {
        Tensor x = random_tensor(t, s, seed++, c.lo, c.hi);
        const double rtol = t == DType::Float ? 4e-6 : tol_for(t);
        EXPECT_TENSOR_NEAR(run1({.op_type = c.op, .inputs = {x}}), ref_unary(x, c.f), 1e-6, rtol) << c.op << " " << dtype_name(t);
      }
    }
}

TEST(Unary, LargeParallel) {
  Tensor x = random_tensor(DType::Float, {100003}, 3, -30, 30);
  for (int threads : {1, 3}) {
    EXPECT_TENSOR_NEAR(run1({.op_type = "Exp", .inputs = {x}}, threads), ref_unary(x, [](double v) { return std::exp(v); }), 0, 4e-7);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Neg", .inputs = {x}}, threads), ref_unary(x, [](double v) { return -v; }), 0, 0);
  }
}

TEST(Unary, IntegerOps) {
  uint32_t seed = 10;
  for (DType t : {DType::Int8, DType::Int16, DType::Int32, DType::Int64}) {
    Tensor x = random_tensor(t, {5, 3}, seed++, -50, 50);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Abs", .inputs = {x}}), ref_unary(x, [](double v) { return std::fabs(v); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Neg", .inputs = {x}}), ref_unary(x, [](double v) { return -v; }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Sign", .inputs = {x}}), ref_unary(x, [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Erf", .inputs = {x}}), ref_unary(x, [](double v) { return std::trunc(std::erf(v)); }), 0, 0);
  }
  for (DType t : {DType::UInt8, DType::UInt64}) {
    Tensor x = random_tensor(t, {5, 3}, seed++, 0, 50);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Abs", .inputs = {x}}), x, 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Sign", .inputs = {x}}), ref_unary(x, [](double v) { return v > 0 ? 1.0 : 0.0; }), 0, 0);
    EXPECT_FALSE(run_node({.op_type = "Neg", .inputs = {x}}).ok());
  }
  // |MIN| wraps to MIN rather than trapping.
  EXPECT_TENSOR_NEAR(run1({.op_type = "Abs", .inputs = {Tensor::from_vector<int8_t>({-128, -5})}}), Tensor::from_vector<int8_t>({-128, 5}), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Sqrt", .inputs = {Tensor::from_vector<int32_t>({4})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Floor", .inputs = {Tensor::from_vector<int64_t>({4})}}).ok());
}

TEST(Round, HalfToEven) {
  Tensor x = Tensor::from_vector<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, 2.6f, -2.4f, -2.6f, 0.0f, 3.0f});
  EXPECT_TENSOR_NEAR(run1({.op_type = "Round", .inputs = {x}}),
                     Tensor::from_vector<float>({0, 2, 2, -0.0f, -2, -2, 2, 3, -2, -3, 0, 3}), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Round", .inputs = {x.cast(DType::Float16)}}),
                     Tensor::from_vector<float>({0, 2, 2, -0.0f, -2, -2, 2, 3, -2, -3, 0, 3}).cast(DType::Float16), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Round", .inputs = {x.cast(DType::Double)}}),
                     Tensor::from_vector<double>({0, 2, 2, -0.0, -2, -2, 2, 3, -2, -3, 0, 3}), 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Round", .inputs = {x}, .opset = 10}).ok());
}

TEST(Unary, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  Tensor x = Tensor::from_vector<float>({inf, -inf, nan, 0.0f, -0.0f, 100.0f, -100.0f, 88.7f, -87.5f, -103.0f});
  Tensor y = run1({.op_type = "Exp", .inputs = {x}});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float e = std::exp(x.data<float>()[i]), g = y.data<float>()[i];
    if (std::isnan(e)) EXPECT_TRUE(std::isnan(g));
    else if (std::isinf(e)) EXPECT_EQ(g, e);
    else EXPECT_NEAR(g, e, std::fabs(e) * 1e-6 + 1e-44) << "exp(" << x.data<float>()[i] << ")";
  }
  Tensor s = run1({.op_type = "Sign", .inputs = {x}});
  EXPECT_EQ(s.data<float>()[0], 1.0f);
  EXPECT_EQ(s.data<float>()[1], -1.0f);
  EXPECT_TRUE(std::isnan(s.data<float>()[2]));
  EXPECT_EQ(s.data<float>()[3], 0.0f);
}

// The vectorizable exp/tanh/sigmoid over a dense sweep of the float range, in ulps.
TEST(VMath, AccuracySweep) {
  auto ulps = [](float a, double ref) {
    const float r = static_cast<float>(ref);
    if (r == a) return 0.0;
    const float step = std::nextafter(std::fabs(r), std::numeric_limits<float>::infinity()) - std::fabs(r);
    return std::fabs(a - ref) / step;
  };
  double worst_exp = 0, worst_tanh = 0, worst_sig = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.000731f) {
    worst_exp = std::max(worst_exp, ulps(ops::math::vexp(x), std::exp(static_cast<double>(x))));
    if (std::fabs(x) < 20) {
      worst_tanh = std::max(worst_tanh, ulps(ops::math::vtanh(x), std::tanh(static_cast<double>(x))));
      worst_sig = std::max(worst_sig, ulps(ops::math::vsigmoid(x), 1 / (1 + std::exp(-static_cast<double>(x)))));
    }
  }
  for (float x = -1e-3f; x < 1e-3f; x += 1.37e-7f) worst_tanh = std::max(worst_tanh, ulps(ops::math::vtanh(x), std::tanh(static_cast<double>(x))));
  double worst_erf = 0;
  for (float x = -5.0f; x < 5.0f; x += 0.0000731f) worst_erf = std::max(worst_erf, ulps(ops::math::verf(x), std::erf(static_cast<double>(x))));
  for (float x = -1e-3f; x < 1e-3f; x += 1.37e-7f) worst_erf = std::max(worst_erf, ulps(ops::math::verf(x), std::erf(static_cast<double>(x))));
  EXPECT_LT(worst_erf, 3.0);
  EXPECT_TRUE(std::isnan(ops::math::verf(std::nanf(""))));
  EXPECT_EQ(ops::math::verf(std::numeric_limits<float>::infinity()), 1.0f);
  EXPECT_EQ(ops::math::verf(-std::numeric_limits<float>::infinity()), -1.0f);
  EXPECT_LT(worst_exp, 3.0);
  EXPECT_LT(worst_tanh, 4.0);
  EXPECT_LT(worst_sig, 4.0);
  std::printf("worst ulps: exp %.2f tanh %.2f sigmoid %.2f erf %.2f\n", worst_exp, worst_tanh, worst_sig, worst_erf);
  EXPECT_EQ(ops::math::vexp(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isinf(ops::math::vexp(89.0f)));
  EXPECT_TRUE(std::isnan(ops::math::vexp(std::nanf(""))));
  EXPECT_EQ(ops::math::vtanh(std::numeric_limits<float>::infinity()), 1.0f);
  EXPECT_EQ(ops::math::vtanh(-std::numeric_limits<float>::infinity()), -1.0f);
  EXPECT_EQ(ops::math::vsigmoid(-200.0f), 0.0f);
  EXPECT_EQ(ops::math::vsigmoid(200.0f), 1.0f);
}

// Block conversions of halves must match Float16/BFloat16 bit for bit.
TEST(HalfConv, MatchesScalarConversions) {
  std::vector<Float16> h(65536);
  std::vector<BFloat16> bh(65536);
  for (uint32_t i = 0; i < 65536; ++i) h[i].bits = bh[i].bits = static_cast<uint16_t>(i);
  std::vector<float> f(65536);
  ops::math::halves_to_float(h.data(), f.data(), 65535);  // odd count: the scalar tail runs too
  for (uint32_t i = 0; i < 65535; ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(f[i]), std::bit_cast<uint32_t>(Float16::to_float(static_cast<uint16_t>(i)))) << "half " << i;
  ops::math::halves_to_float(bh.data(), f.data(), 65535);
  for (uint32_t i = 0; i < 65535; ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(f[i]), std::bit_cast<uint32_t>(BFloat16::to_float(static_cast<uint16_t>(i)))) << "bf16 " << i;

  std::vector<float> src;
  for (uint64_t u = 0; u <= 0xffffffffull; u += 997) src.push_back(std::bit_cast<float>(static_cast<uint32_t>(u)));
  for (uint32_t u : {0x477fefffu, 0x477ff000u, 0x477ff001u, 0x47800000u, 0x33000000u, 0x33000001u, 0x387fffffu, 0x38800000u,
                     0x7f800000u, 0xff800000u, 0x7fc00001u, 0xffa00000u, 0x80000000u, 0x00000001u, 0x3f800fffu, 0x3f801000u,
                     0x3f803000u, 0x3f7fffffu})
    src.push_back(std::bit_cast<float>(u));
  src.push_back(1.0f);  // keep the count off a multiple of the lane width
  std::vector<Float16> out(src.size());
  std::vector<BFloat16> bout(src.size());
  ops::math::float_to_halves(src.data(), out.data(), static_cast<int64_t>(src.size()));
  ops::math::float_to_halves(src.data(), bout.data(), static_cast<int64_t>(src.size()));
  for (size_t i = 0; i < src.size(); ++i) {
    ASSERT_EQ(out[i].bits, Float16::from_float(src[i])) << "float bits " << std::bit_cast<uint32_t>(src[i]);
    ASSERT_EQ(bout[i].bits, BFloat16::from_float(src[i])) << "float bits " << std::bit_cast<uint32_t>(src[i]);
  }
}

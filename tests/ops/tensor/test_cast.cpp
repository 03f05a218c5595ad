#include "tensor_test_util.h"

#include <cmath>

using namespace sz0;
using namespace sz0::test;

namespace {

const std::vector<DType> kAll{DType::Float, DType::Double, DType::Float16, DType::BFloat16, DType::Int8,
                              DType::Int16, DType::Int32, DType::Int64, DType::UInt8, DType::UInt16,
                              DType::UInt32, DType::UInt64, DType::Bool};

// Values every type holds exactly (non-negative, small, halves included for float types).
std::vector<double> sample_values(DType src) {
  if (src == DType::Bool) return {0, 1, 1, 0, 1};
  if (dtype_is_float(src)) return {0, 1, 2.5, 3.75, 100, 0.5, 7, 96.5};
  return {0, 1, 2, 3, 100, 7, 126};
}

// ONNX Cast on exact values: to bool is != 0, float to int truncates, anything else is exact.
double cast_value(double v, DType to) {
  if (to == DType::Bool) return v != 0;
  if (!dtype_is_float(to)) return std::trunc(v);
  return v;
}

}  // namespace

TEST(Cast, EveryPair) {
  for (DType src : kAll)
    for (DType dst : kAll) {
      const auto vals = sample_values(src);
      Tensor x = Tensor::from_vector(vals, {static_cast<int64_t>(vals.size())}).cast(src);
      std::vector<double> want;
      for (double v : vals) want.push_back(cast_value(v, dst));
      Tensor expected = Tensor::from_vector(want, {static_cast<int64_t>(want.size())}).cast(dst);
      auto r = run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", static_cast<int64_t>(dst))}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], expected) << dtype_name(src) << " -> " << dtype_name(dst);
      // CastLike takes the type from its second input.
      r = run_node({.op_type = "CastLike", .inputs = {x, Tensor(dst, {1})}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], expected) << "CastLike " << dtype_name(src) << " -> " << dtype_name(dst);
    }
}

TEST(Cast, NegativeAndFractionalValues) {
  Tensor x = Tensor::from_vector<float>({-1.5f, -0.25f, 2.75f, -7.0f, 0.0f, -0.0f}, {2, 3});
  auto r = run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 6)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::from_vector<int32_t>({-1, 0, 2, -7, 0, 0}, {2, 3}));
  r = run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 9)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::from_vector<bool>({true, true, true, true, false, false}, {2, 3}));
  Tensor h = Tensor::from_vector<float>({0.1f, -65504.0f, 1e-7f, 70000.0f, NAN, -INFINITY});
  r = run_node({.op_type = "Cast", .inputs = {h}, .attributes = {attr_int("to", 10)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], h.cast(DType::Float16));
  EXPECT_TRUE(std::isinf((*r)[0].get_double(3)));
  EXPECT_TRUE(std::isnan((*r)[0].get_double(4)));
}

TEST(Cast, DoubleToHalfRoundsOnce) {
  // Just above the midpoint between 1 and the next half: double→float→half would round to 1.
  const double v = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  Tensor x = Tensor::from_vector<double>({v, -v, 0.1, 1e-9, 1e300});
  auto r = run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 10)}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].get_double(0), 1.0 + std::ldexp(1.0, -10));
  EXPECT_EQ((*r)[0].get_double(1), -(1.0 + std::ldexp(1.0, -10)));
  EXPECT_EQ((*r)[0].data<Float16>()[2].bits, Float16(0.1f).bits);
  EXPECT_EQ((*r)[0].get_double(3), 0.0);
  EXPECT_TRUE(std::isinf((*r)[0].get_double(4)));
  const double b = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40);  // same for bfloat16
  r = run_node({.op_type = "Cast", .inputs = {Tensor::from_vector<double>({b})}, .attributes = {attr_int("to", 16)}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].get_double(0), 1.0 + std::ldexp(1.0, -7));
}

TEST(Cast, SameTypeSharesAndErrors) {
  Tensor x = random_any(DType::Float, {3, 7}, 1);
  auto r = run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], x);
  EXPECT_FALSE(run_node({.op_type = "Cast", .inputs = {x}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 8)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 99)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Cast", .inputs = {x}, .attributes = {attr_int("to", 0)}}).ok());
  auto inf = infer({.op_type = "Cast", .inputs = {TypeInfo(DType::Float, {sym("N"), 3})}, .attributes = {attr_int("to", 7)}});
  ASSERT_TRUE(inf.ok());
  EXPECT_EQ((*inf)[0].dtype, DType::Int64);
  EXPECT_DIMS((*inf)[0], {sym("N"), 3});
}

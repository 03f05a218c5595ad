// Half-precision conversions and casts against exact expectations.
#include <sz0/tensor.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace sz0;

TEST(Float16, ExactValuesAndRounding) {
  EXPECT_EQ(Float16(1.0f).bits, 0x3c00);
  EXPECT_EQ(Float16(-2.0f).bits, 0xc000);
  EXPECT_EQ(Float16(65504.0f).bits, 0x7bff);
  EXPECT_EQ(Float16(65520.0f).bits, 0x7c00);  // rounds to infinity
  EXPECT_EQ(Float16(5.960464477539063e-08f).bits, 0x0001);  // smallest subnormal
  EXPECT_EQ(Float16(2.98e-08f).bits, 0x0000);
  EXPECT_TRUE(std::isnan(static_cast<float>(Float16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(Float16(1.0f + 1.0f / 2048).bits, 0x3c00);  // tie rounds to even
  EXPECT_EQ(Float16(1.0f + 3.0f / 2048).bits, 0x3c02);
  for (uint32_t b = 0; b < 0x7c00; ++b) {  // every finite half survives a round trip
    const float f = Float16::to_float(static_cast<uint16_t>(b));
    ASSERT_EQ(Float16::from_float(f), b);
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(1.00390625f).bits, 0x3f80);  // halfway: even
  EXPECT_EQ(BFloat16(1.01171875f).bits, 0x3f82);
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(std::nanf("")))));
}

TEST(Cast, SaturatesAndTruncates) {
  Tensor f = Tensor::from_vector<float>({1.9f, -1.9f, 300.f, -300.f, NAN});
  Tensor i8 = f.cast(DType::Int8);
  EXPECT_EQ(i8.data<int8_t>()[0], 1);
  EXPECT_EQ(i8.data<int8_t>()[1], -1);
  EXPECT_EQ(i8.data<int8_t>()[2], 127);
  EXPECT_EQ(i8.data<int8_t>()[3], -128);
  Tensor b = f.cast(DType::Bool);
  EXPECT_TRUE(b.data<bool>()[4]);  // NaN != 0
}

TEST(Cast, DoubleToHalfRoundsOnce) {
  // Just above the midpoint of two halves: through float the excess is lost and the tie goes
  // to even (0x3c00); rounded once it goes up (0x3c01).
  Tensor d = Tensor::from_vector<double>({1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40), 1.5, -2.25});
  Tensor h = d.cast(DType::Float16);
  EXPECT_EQ(h.data<Float16>()[0].bits, 0x3c01);
  EXPECT_EQ(static_cast<float>(h.data<Float16>()[1]), 1.5f);
  EXPECT_EQ(static_cast<float>(h.data<Float16>()[2]), -2.25f);
  Tensor b = Tensor::from_vector<double>({1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40)}).cast(DType::BFloat16);
  EXPECT_EQ(b.data<BFloat16>()[0].bits, 0x3f81);
}

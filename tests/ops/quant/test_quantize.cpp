#include "quant_ref.h"

#include <limits>

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::qref;

namespace {

// Reference QuantizeLinear over x viewed as [outer, channels, inner].
Tensor ref_quantize(const Tensor& x, const std::vector<float>& scale, const std::vector<int32_t>& zp, DType yt,
                    int axis) {
  const Shape& s = x.shape();
  const bool per_axis = scale.size() > 1;
  std::vector<int32_t> out(static_cast<size_t>(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = per_axis ? unravel(i, s)[axis] : 0;
    const float xv = static_cast<float>(x.get_double(i));
    const float q = xv / scale[c];
    out[i] = quantize(q, zp[per_axis ? c : 0], yt);
  }
  return qtensor(yt, out, s);
}

Tensor ref_dequantize(const Tensor& x, const std::vector<float>& scale, const std::vector<int32_t>& zp, int axis) {
  const Shape& s = x.shape();
  const bool per_axis = scale.size() > 1;
  Tensor y(DType::Float, s);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = per_axis ? unravel(i, s)[axis] : 0;
    y.data<float>()[i] = static_cast<float>(x.get_int64(i) - zp[per_axis ? c : 0]) * scale[c];
  }
  return y;
}

}  // namespace

TEST(QuantizeLinear, PerTensorBothTypes) {
  for (DType yt : {DType::UInt8, DType::Int8})
    for (const Shape& shape : {Shape{1}, Shape{3, 7}, Shape{2, 3, 5}, Shape{13}, Shape{}}) {
      const Tensor x = random_tensor(DType::Float, shape, 7, -300, 300);
      const float s = 1.7f;
      const int32_t z = yt == DType::UInt8 ? 131 : -9;
      for (int64_t opset : {10, 13, 17}) {
        auto r = run_node({.op_type = "QuantizeLinear",
                           .inputs = {x, Tensor::scalar<float>(s), qtensor(yt, {z}, {})},
                           .opset = opset});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], ref_quantize(x, {s}, {z}, yt, 0), 0, 0);
      }
    }
}

TEST(QuantizeLinear, TiesRoundToEvenAndSaturate) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = Tensor::from_vector<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, 1000, -1000, inf, -inf});
  auto r = run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::scalar<float>(1.0f), qtensor(DType::Int8, {1}, {})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::Int8, {1, 3, 3, 1, -1, -1, 4, 127, -128, 127, -128}, {11}), 0, 0);
  r = run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::scalar<float>(1.0f), qtensor(DType::UInt8, {128}, {})}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::UInt8, {128, 130, 130, 128, 126, 126, 131, 255, 0, 255, 0}, {11}), 0, 0);
}

TEST(QuantizeLinear, OnnxExample) {
  const Tensor x = Tensor::from_vector<float>({0, 2, 3, 1000, -254, -1000});
  auto r = run_node({.op_type = "QuantizeLinear",
                     .inputs = {x, Tensor::scalar<float>(2), qtensor(DType::UInt8, {128}, {})},
                     .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::UInt8, {128, 129, 130, 255, 1, 0}, {6}), 0, 0);
}

TEST(QuantizeLinear, NoZeroPointGivesUint8) {
  const Tensor x = random_tensor(DType::Float, {5, 3}, 3, -2, 300);
  auto r = run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::scalar<float>(0.9f)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_quantize(x, {0.9f}, {0}, DType::UInt8, 0), 0, 0);
}

TEST(QuantizeLinear, Int32Input) {
  const Tensor x = random_tensor(DType::Int32, {4, 7}, 5, -2000, 2000);
  auto r = run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::scalar<float>(8.0f), qtensor(DType::Int8, {3}, {})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_quantize(x, {8.0f}, {3}, DType::Int8, 0), 0, 0);
}

TEST(QuantizeLinear, PerAxis) {
  const Shape shape = {3, 4, 5};
  const Tensor x = random_tensor(DType::Float, shape, 11, -200, 200);
  for (DType yt : {DType::UInt8, DType::Int8})
    for (int axis : {0, 1, 2, -1, -3}) {
      const int a = axis < 0 ? axis + 3 : axis;
      std::vector<float> s;
      std::vector<int32_t> z;
      for (int64_t c = 0; c < shape[a]; ++c) {
        s.push_back(0.5f + 0.75f * static_cast<float>(c));
        z.push_back(static_cast<int32_t>(yt == DType::UInt8 ? 100 + 7 * c : -20 + 9 * c));
      }
      auto r = run_node({.op_type = "QuantizeLinear",
                         .inputs = {x, Tensor::from_vector(s), qtensor(yt, z, {shape[a]})},
                         .attributes = {attr_int("axis", axis)},
                         .opset = 13});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], ref_quantize(x, s, z, yt, a), 0, 0) << "axis " << axis;
    }
}

TEST(QuantizeLinear, DefaultAxisIsOne) {
  const Tensor x = random_tensor(DType::Float, {1, 3, 3, 2}, 2, -500, 500);
  const std::vector<float> s = {2, 4, 5};
  const std::vector<int32_t> z = {84, 24, 196};
  auto r = run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::from_vector(s), qtensor(DType::UInt8, z, {3})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_quantize(x, s, z, DType::UInt8, 1), 0, 0);
}

TEST(QuantizeLinear, Errors) {
  const Tensor x = random_tensor(DType::Float, {2, 3}, 1);
  const Tensor s3 = Tensor::from_vector<float>({1, 2, 3});
  // Per-axis needs opset 13.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, s3}, .opset = 10}).ok());
  // Wrong length along the axis.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, s3}, .attributes = {attr_int("axis", 0)}}).ok());
  // Axis out of range.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, s3}, .attributes = {attr_int("axis", 2)}}).ok());
  // Zero point length differs from the scale's.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, s3, qtensor(DType::UInt8, {1, 2}, {2})}}).ok());
  // 2-D scale.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor(DType::Float, {1, 3})}}).ok());
  // Zero point of a non 8-bit type.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {x, Tensor::scalar<float>(1), Tensor::scalar<int32_t>(0)}}).ok());
  // Integer x other than int32.
  EXPECT_FALSE(run_node({.op_type = "QuantizeLinear", .inputs = {Tensor(DType::Int64, {2}), Tensor::scalar<float>(1)}}).ok());
}

TEST(DequantizeLinear, PerTensor) {
  for (DType t : {DType::UInt8, DType::Int8})
    for (const Shape& shape : {Shape{7}, Shape{3, 5}, Shape{2, 1, 3}, Shape{}}) {
      const Tensor x = random_q(t, shape, 3);
      const int32_t z = t == DType::UInt8 ? 128 : -5;
      for (int64_t opset : {10, 13}) {
        auto r = run_node({.op_type = "DequantizeLinear",
                           .inputs = {x, Tensor::scalar<float>(0.37f), qtensor(t, {z}, {})},
                           .opset = opset});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], ref_dequantize(x, {0.37f}, {z}, 0), 0, 0);
      }
      auto r = run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::from_vector<float>({0.5f})}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], ref_dequantize(x, {0.5f}, {0}, 0), 0, 0);
    }
}

TEST(DequantizeLinear, OnnxExample) {
  auto r = run_node({.op_type = "DequantizeLinear",
                     .inputs = {qtensor(DType::UInt8, {0, 3, 128, 255}, {4}), Tensor::scalar<float>(2),
                                qtensor(DType::UInt8, {128}, {})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({-256, -250, 0, 254}), 0, 0);
}

TEST(DequantizeLinear, Int32) {
  const Tensor x = random_tensor(DType::Int32, {3, 9}, 4, -100000, 100000);
  auto r = run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::scalar<float>(0.001f)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_dequantize(x, {0.001f}, {0}, 0), 0, 0);
  r = run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::scalar<float>(0.25f), Tensor::scalar<int32_t>(0)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_dequantize(x, {0.25f}, {0}, 0), 0, 0);
}

TEST(DequantizeLinear, PerAxis) {
  const Shape shape = {2, 3, 7};
  for (DType t : {DType::UInt8, DType::Int8, DType::Int32})
    for (int axis : {0, 1, 2, -2}) {
      const int a = axis < 0 ? axis + 3 : axis;
      const Tensor x = t == DType::Int32 ? random_tensor(t, shape, 9, -1000, 1000) : random_q(t, shape, 9);
      std::vector<float> s;
      std::vector<int32_t> z;
      for (int64_t c = 0; c < shape[a]; ++c) {
        s.push_back(0.1f * static_cast<float>(c + 1));
        z.push_back(t == DType::Int32 ? 0 : static_cast<int32_t>(c * 5 - 3 + (t == DType::UInt8 ? 10 : 0)));
      }
      auto r = run_node({.op_type = "DequantizeLinear",
                         .inputs = {x, Tensor::from_vector(s), qtensor(t, z, {shape[a]})},
                         .attributes = {attr_int("axis", axis)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], ref_dequantize(x, s, z, a), 0, 0);
    }
}

TEST(DequantizeLinear, Errors) {
  const Tensor x = random_q(DType::UInt8, {2, 3}, 1);
  EXPECT_FALSE(run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::scalar<float>(1), qtensor(DType::Int8, {0}, {})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::from_vector<float>({1, 2, 3})}, .opset = 10}).ok());
  EXPECT_FALSE(run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::from_vector<float>({1, 2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "DequantizeLinear", .inputs = {Tensor(DType::Float, {2}), Tensor::scalar<float>(1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "DequantizeLinear", .inputs = {x, Tensor::scalar<int32_t>(1)}}).ok());
}

TEST(QuantizeDequantize, RoundTripWithinHalfStep) {
  const Tensor x = random_tensor(DType::Float, {4, 6, 5}, 21, -2.4, 2.4);  // inside the int8 range
  const std::vector<float> s = {0.02f, 0.03f, 0.025f, 0.05f, 0.04f, 0.1f};
  const Tensor st = Tensor::from_vector(s);
  const Tensor zt = qtensor(DType::Int8, {0, 1, -1, 2, 0, 3}, {6});
  auto q = run_node({.op_type = "QuantizeLinear", .inputs = {x, st, zt}, .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(q.ok()) << q.status().message();
  auto d = run_node({.op_type = "DequantizeLinear", .inputs = {(*q)[0], st, zt}, .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(d.ok()) << d.status().message();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / 5) % 6;
    EXPECT_NEAR(d->at(0).data<float>()[i], x.data<float>()[i], s[c] * 0.5001) << i;
  }
}

// DynamicQuantizeLinear reference, written as the ONNX definition states it.
namespace {
std::vector<Tensor> ref_dynamic(const Tensor& x) {
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    lo = std::min(lo, x.data<float>()[i]);
    hi = std::max(hi, x.data<float>()[i]);
  }
  const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  const float zpf = (0.0f - lo) / scale;
  const int32_t zp = static_cast<int32_t>(std::nearbyint(std::clamp(zpf, 0.0f, 255.0f)));
  std::vector<int32_t> y;
  for (int64_t i = 0; i < x.numel(); ++i) y.push_back(quantize(x.data<float>()[i] / scale, zp, DType::UInt8));
  return {qtensor(DType::UInt8, y, x.shape()), Tensor::scalar<float>(scale), Tensor::scalar<uint8_t>(static_cast<uint8_t>(zp))};
}
}  // namespace

TEST(DynamicQuantizeLinear, OnnxExamples) {
  struct Case {
    std::vector<float> x;
    float scale;
    int zp;
  };
  for (const Case& c : {Case{{0, 2, -3, -2.5f, 1.34f, 0.5f}, 0.0196078438f, 153},
                        Case{{-1.0f, -2.1f, -1.3f, -2.5f, -3.34f, -4.0f}, 0.0156862754f, 255},
                        Case{{1, 2.1f, 1.3f, 2.5f, 3.34f, 4.0f, 1.5f, 2.6f, 3.9f, 4.0f, 3.0f, 2.345f}, 0.0156862754f, 0}}) {
    const Tensor x = Tensor::from_vector(c.x);
    auto r = run_node({.op_type = "DynamicQuantizeLinear", .inputs = {x}, .num_outputs = 3, .opset = 11});
    ASSERT_TRUE(r.ok()) << r.status().message();
    const auto ref = ref_dynamic(x);
    EXPECT_TENSOR_NEAR((*r)[0], ref[0], 0, 0);
    EXPECT_TENSOR_NEAR((*r)[1], ref[1], 0, 0);
    EXPECT_TENSOR_NEAR((*r)[2], ref[2], 0, 0);
    EXPECT_NEAR((*r)[1].data<float>()[0], c.scale, 1e-9);
    EXPECT_EQ((*r)[2].data<uint8_t>()[0], c.zp);
  }
}

TEST(DynamicQuantizeLinear, RandomShapes) {
  int seed = 1;
  for (const Shape& shape : {Shape{1}, Shape{7, 3}, Shape{2, 5, 13}, Shape{}})
    for (auto [lo, hi] : {std::pair{-1.0, 1.0}, std::pair{-0.3, 7.0}, std::pair{-50.0, -2.0}, std::pair{0.5, 3.0}}) {
      const Tensor x = random_tensor(DType::Float, shape, ++seed, lo, hi);
      auto r = run_node({.op_type = "DynamicQuantizeLinear", .inputs = {x}, .num_outputs = 3});
      ASSERT_TRUE(r.ok()) << r.status().message();
      const auto ref = ref_dynamic(x);
      for (int i = 0; i < 3; ++i) EXPECT_TENSOR_NEAR((*r)[i], ref[i], 0, 0) << "output " << i;
    }
}

TEST(DynamicQuantizeLinear, AllZeros) {
  const Tensor x(DType::Float, {3, 4});
  auto r = run_node({.op_type = "DynamicQuantizeLinear", .inputs = {x}, .num_outputs = 3});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor(DType::UInt8, {3, 4}), 0, 0);
  EXPECT_EQ((*r)[2].data<uint8_t>()[0], 0);
  EXPECT_TRUE(std::isfinite((*r)[1].data<float>()[0]));
}

TEST(DynamicQuantizeLinear, Errors) {
  EXPECT_FALSE(run_node({.op_type = "DynamicQuantizeLinear", .inputs = {Tensor(DType::Int32, {3})}, .num_outputs = 3}).ok());
  EXPECT_FALSE(run_node({.op_type = "DynamicQuantizeLinear", .inputs = {Tensor(DType::Float, {3})}, .num_outputs = 3,
                         .opset = 10}).ok());
}

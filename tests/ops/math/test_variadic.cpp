#include "math_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

}  // namespace

TEST(Variadic, SumMeanMinMax) {
  const std::vector<std::vector<Shape>> shape_sets = {
      {{3, 1, 5}}, {{3, 1, 5}, {4, 1}}, {{3, 1, 5}, {4, 1}, {5}}, {{1}, {2, 3}, {}, {2, 1}}, {{6}, {6}, {6}, {6}, {6}}};
  struct Op {
    const char* name;
    double (*f)(const std::vector<double>&);
  };
  const Op ops[] = {
      {"Sum", [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x; return s; }},
      {"Mean", [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x; return s / v.size(); }},
      {"Min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }},
      {"Max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }},
  };
  uint32_t seed = 1;
  for (const Op& op : ops)
    for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16, DType::Int32, DType::Int64, DType::UInt8, DType::Int8})
      for (const auto& shapes : shape_sets) {
        std::vector<Tensor> ins;
        for (const Shape& s : shapes) ins.push_back(random_tensor(t, s, seed++, dtype_is_unsigned_int(t) ? 0 : -20, 20));
        Tensor expect = ref_map(ins, t, op.f);
        if (std::string(op.name) == "Mean" && !dtype_is_float(t)) continue;  // Mean is float-only in ONNX
        // Halves round after every step, so sums near zero carry absolute error.
        const double atol = (t == DType::Float16 || t == DType::BFloat16) ? 40 * tol_for(t) : 1e-5;
        EXPECT_TENSOR_NEAR(run1({.op_type = op.name, .inputs = ins}), expect, atol, 3 * tol_for(t))
            << op.name << " " << dtype_name(t) << " inputs " << shapes.size();
      }
}

TEST(Variadic, NaNPropagates) {
  const float nan = std::nanf("");
  Tensor a = Tensor::from_vector<float>({nan, 1, 2}), b = Tensor::from_vector<float>({1, nan, 0});
  for (const char* op : {"Min", "Max", "Sum", "Mean"}) {
    Tensor y = run1({.op_type = op, .inputs = {a, b}});
    EXPECT_TRUE(std::isnan(y.data<float>()[0])) << op;
    EXPECT_TRUE(std::isnan(y.data<float>()[1])) << op;
    EXPECT_FALSE(std::isnan(y.data<float>()[2])) << op;
  }
}

TEST(Variadic, Errors) {
  Tensor f = random_tensor(DType::Float, {2, 3}, 1);
  EXPECT_FALSE(run_node({.op_type = "Sum", .inputs = {f, random_tensor(DType::Double, {2, 3}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Max", .inputs = {f, random_tensor(DType::Float, {4}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Min", .inputs = {}}).ok());
}

TEST(Clip, AttributesBeforeOpset11) {
  Tensor x = random_tensor(DType::Float, {3, 7}, 2, -3, 3);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x}, .attributes = {attr_float("min", -1), attr_float("max", 0.5f)}, .opset = 6}),
                     ref_unary(x, [](double v) { return std::clamp(v, -1.0, 0.5); }), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x}, .attributes = {attr_float("max", 0.5f)}, .opset = 6}),
                     ref_unary(x, [](double v) { return std::min(v, 0.5); }), 0, 0);
  EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x}, .opset = 6}), x, 0, 0);
  EXPECT_FALSE(run_node({.op_type = "Clip", .inputs = {x, Tensor::scalar<float>(0)}, .opset = 6}).ok());
}

TEST(Clip, OptionalInputsFromOpset11) {
  uint32_t seed = 10;
  for (DType t : {DType::Float, DType::Double, DType::Float16, DType::Int8, DType::Int32, DType::Int64, DType::UInt8, DType::UInt64}) {
    Tensor x = random_tensor(t, {3, 1, 7}, seed++, dtype_is_unsigned_int(t) ? 0 : -9, 9);
    Tensor lo = Tensor::scalar<double>(dtype_is_unsigned_int(t) ? 2 : -2).cast(t), hi = Tensor::scalar<double>(4).cast(t);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, lo, hi}}), ref_unary(x, [&](double v) { return std::min(std::max(v, lo.get_double(0)), 4.0); }), 0, 0)
        << dtype_name(t);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, Tensor(), hi}}), ref_unary(x, [](double v) { return std::min(v, 4.0); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, lo}}), ref_unary(x, [&](double v) { return std::max(v, lo.get_double(0)); }), 0, 0);
    EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x}}), x, 0, 0);
    // min > max: everything becomes max.
    EXPECT_TENSOR_NEAR(run1({.op_type = "Clip", .inputs = {x, hi, lo}}), ref_unary(x, [&](double) { return lo.get_double(0); }), 0, 0);
  }
  // Infinities pass through an unbounded side; NaN stays NaN.
  const float inf = std::numeric_limits<float>::infinity();
  Tensor y = run1({.op_type = "Clip", .inputs = {Tensor::from_vector<float>({inf, -inf, std::nanf("")}), Tensor::scalar<float>(0)}});
  EXPECT_EQ(y.data<float>()[0], inf);
  EXPECT_EQ(y.data<float>()[1], 0.0f);
  EXPECT_TRUE(std::isnan(y.data<float>()[2]));
  Tensor x = random_tensor(DType::Float, {4}, 1);
  EXPECT_FALSE(run_node({.op_type = "Clip", .inputs = {x, Tensor::scalar<double>(0)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Clip", .inputs = {x, Tensor::from_vector<float>({0, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Clip", .inputs = {random_tensor(DType::Int32, {4}, 1)}, .opset = 11}).ok());
}

#include "math_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor run1(const NodeSpec& spec, int threads = 1) {
  auto r = run_node(spec, threads);
  EXPECT_TRUE(r.ok()) << spec.op_type << ": " << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

// Naive reference: normalize over the flat range [axis_begin, axis_end) of dims.
Tensor ref_norm(const Tensor& x, const std::string& op, int64_t begin, int64_t end) {
  const Shape& s = x.shape();
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t i = 0; i < begin; ++i) outer *= s[i];
  for (int64_t i = begin; i < end; ++i) n *= s[i];
  for (int64_t i = end; i < static_cast<int64_t>(s.size()); ++i) inner *= s[i];
  Tensor y(DType::Double, s);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return (o * n + k) * inner + j; };
      double m = -INFINITY;
      int64_t arg = 0;
      for (int64_t k = 0; k < n; ++k)
        if (x.get_double(at(k)) > m) {
          m = x.get_double(at(k));
          arg = k;
        }
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(x.get_double(at(k)) - m);
      for (int64_t k = 0; k < n; ++k) {
        const double v = x.get_double(at(k));
        double r;
        if (op == "Softmax") r = std::exp(v - m) / sum;
        else if (op == "LogSoftmax") r = v - m - std::log(sum);
        else r = k == arg ? 1 : 0;
        y.data<double>()[at(k)] = r;
      }
    }
  return y.cast(x.dtype());
}

const char* kOps[] = {"Softmax", "LogSoftmax", "Hardmax"};

}  // namespace

TEST(Softmax, Opset13SingleAxis) {
  uint32_t seed = 1;
  for (const char* op : kOps)
    for (DType t : {DType::Float, DType::Double, DType::Float16, DType::BFloat16})
      for (Shape s : {Shape{3, 4, 5}, Shape{7}, Shape{2, 1, 13, 3}, Shape{1, 257}}) {
        const int64_t r = static_cast<int64_t>(s.size());
        for (int64_t axis = -r; axis < r; ++axis) {
          Tensor x = random_tensor(t, s, seed++, -5, 5);
          const int64_t a = axis < 0 ? axis + r : axis;
          EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", axis)}, .opset = 13}), ref_norm(x, op, a, a + 1),
                             1e-6, 2 * tol_for(t) + 1e-6)
              << op << " " << dtype_name(t) << " " << shape_str(s) << " axis " << axis;
        }
        // Default axis: -1.
        Tensor x = random_tensor(t, s, seed++, -5, 5);
        EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .opset = 13}), ref_norm(x, op, r - 1, r), 1e-6, 2 * tol_for(t) + 1e-6) << op;
      }
}

TEST(Softmax, BeforeOpset13CoercesTo2D) {
  uint32_t seed = 100;
  for (int64_t opset : {1, 11})
    for (const char* op : kOps)
      for (DType t : {DType::Float, DType::Double, DType::Float16}) {
        Shape s{2, 3, 4, 5};
        for (int64_t axis : {0, 1, 2, 3, -1, -3}) {
          Tensor x = random_tensor(t, s, seed++, -5, 5);
          const int64_t a = axis < 0 ? axis + 4 : axis;
          EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", axis)}, .opset = opset}), ref_norm(x, op, a, 4),
                             1e-6, 2 * tol_for(t) + 1e-6)
              << op << " opset " << opset << " axis " << axis;
        }
        Tensor x = random_tensor(t, s, seed++, -5, 5);  // default axis 1
        EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .opset = opset}), ref_norm(x, op, 1, 4), 1e-6, 2 * tol_for(t) + 1e-6) << op;
      }
}

TEST(Softmax, LargeValuesAndParallel) {
  Tensor x = random_tensor(DType::Float, {64, 1000}, 7, -1000, 1000);
  for (const char* op : kOps)
    for (int threads : {1, 4}) {
      EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}}, threads), ref_norm(x, op, 1, 2), 1e-6, 1e-5) << op;
      EXPECT_TENSOR_NEAR(run1({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", 0)}}, threads), ref_norm(x, op, 0, 1), 1e-6, 1e-5) << op;
    }
}

TEST(Hardmax, FirstMaximumWins) {
  Tensor x = Tensor::from_vector<float>({1, 3, 3, 2, 5, 5, 5, 0}, {2, 4});
  EXPECT_TENSOR_NEAR(run1({.op_type = "Hardmax", .inputs = {x}}), Tensor::from_vector<float>({0, 1, 0, 0, 1, 0, 0, 0}, {2, 4}), 0, 0);
}

TEST(Softmax, Errors) {
  Tensor x = random_tensor(DType::Float, {2, 3}, 1);
  for (const char* op : kOps) {
    EXPECT_FALSE(run_node({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", 2)}}).ok()) << op;
    EXPECT_FALSE(run_node({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", -3)}}).ok()) << op;
    EXPECT_FALSE(run_node({.op_type = op, .inputs = {x}, .attributes = {attr_int("axis", 3)}, .opset = 11}).ok()) << op;
    EXPECT_FALSE(run_node({.op_type = op, .inputs = {random_tensor(DType::Int32, {2, 3}, 1)}}).ok()) << op;
  }
}

TEST(Softmax, NaNFillsItsRow) {
  std::vector<float> v(2 * 19, 0.5f);
  v[11] = std::nanf("");  // row 0 only
  Tensor x = Tensor::from_vector(v, {2, 19});
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    Tensor y = run1({.op_type = op, .inputs = {x}});
    for (int i = 0; i < 19; ++i) EXPECT_TRUE(std::isnan(y.data<float>()[i])) << op << " " << i;
    for (int i = 19; i < 38; ++i) EXPECT_FALSE(std::isnan(y.data<float>()[i])) << op << " " << i;
  }
}

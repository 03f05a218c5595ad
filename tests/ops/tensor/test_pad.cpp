#include "tensor_test_util.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// Bounces an out-of-range index back into [0, n) like numpy's 'reflect' (edge not repeated).
int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) {
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
  }
  return i;
}

Tensor pad_ref(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode, double value) {
  const size_t r = x.shape().size();
  Shape out;
  for (size_t k = 0; k < r; ++k) out.push_back(x.shape()[k] + pads[k] + pads[k + r]);
  Tensor y(x.dtype(), out);
  const Tensor c = Tensor::scalar<double>(value).cast(x.dtype());
  for (int64_t o = 0; o < y.numel(); ++o) {
    Shape idx = unravel(o, out);
    bool constant = false;
    for (size_t k = 0; k < r; ++k) {
      const int64_t n = x.shape()[k];
      int64_t i = idx[k] - pads[k];
      if (i < 0 || i >= n) {
        if (mode == "constant") constant = true;
        else if (mode == "edge") i = i < 0 ? 0 : n - 1;
        else if (mode == "wrap") i = ((i % n) + n) % n;
        else i = reflect_index(i, n);
      }
      idx[k] = i;
    }
    if (constant) copy_elem(c, 0, y, o);
    else copy_elem(x, ravel(idx, x.shape()), y, o);
  }
  return y;
}

}  // namespace

TEST(Pad, ModesAndDtypes) {
  const std::vector<std::vector<int64_t>> all_pads{
      {1, 2, 0, 3}, {0, 0, 0, 0}, {2, 5, 2, 6}, {-1, 1, 0, -2}, {3, -2, -1, 4}};
  for (DType t : {DType::Float, DType::Int32, DType::Float16, DType::UInt8, DType::Double, DType::Int64}) {
    Tensor x = random_any(t, {3, 4}, 1);
    for (const std::string mode : {"constant", "reflect", "edge"})
      for (const auto& pads : all_pads) {
        Tensor cv = Tensor::scalar<double>(2.0).cast(t);
        auto r = run_node({.op_type = "Pad", .inputs = {x, i64(pads), cv}, .attributes = {attr_string("mode", mode)}}, 2);
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, pads, mode, 2.0)) << mode << " " << dtype_name(t);
      }
  }
}

TEST(Pad, ThreeDimsLargePadsAndDefaults) {
  Tensor x = random_any(DType::Float, {2, 3, 5}, 2);
  const std::vector<int64_t> pads{1, 7, 2, 0, 9, 3};  // reflect past the size bounces again
  for (const std::string mode : {"constant", "reflect", "edge"}) {
    auto r = run_node({.op_type = "Pad", .inputs = {x, i64(pads)}, .attributes = {attr_string("mode", mode)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, pads, mode, 0.0)) << mode;
  }
  auto r = run_node({.op_type = "Pad", .inputs = {x, i64(pads)}});  // constant 0 by default
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, pads, "constant", 0.0));
  Tensor one = random_any(DType::Float, {1, 4}, 3);
  r = run_node({.op_type = "Pad", .inputs = {one, i64({2, 1, 3, 2})}, .attributes = {attr_string("mode", "reflect")}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], pad_ref(one, {2, 1, 3, 2}, "reflect", 0.0));
}

TEST(Pad, Opset2Attributes) {
  Tensor x = random_any(DType::Float, {3, 5}, 4);
  auto r = run_node({.op_type = "Pad", .inputs = {x},
                     .attributes = {attr_ints("pads", {0, 2, 1, 1}), attr_float("value", 1.5f)}, .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, {0, 2, 1, 1}, "constant", 1.5));
  r = run_node({.op_type = "Pad", .inputs = {x}, .attributes = {attr_ints("pads", {1, 1, 1, 1}), attr_string("mode", "edge")},
                .opset = 7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, {1, 1, 1, 1}, "edge", 0));
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {x}, .opset = 10}).ok());
}

TEST(Pad, AxesInputAndWrap) {
  Tensor x = random_any(DType::Float, {3, 5}, 5);
  auto r = run_node({.op_type = "Pad", .inputs = {x, i64({2, 3}), Tensor(), i64({-1})}, .opset = 18});
  if (!r.ok() && r.status().message().find("opset") != std::string::npos) GTEST_SKIP() << "opset 18 not loadable";
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, {0, 2, 0, 3}, "constant", 0));
  r = run_node({.op_type = "Pad", .inputs = {x, i64({4, 7, 5, 8})}, .attributes = {attr_string("mode", "wrap")}, .opset = 19});
  if (r.ok()) {
    EXPECT_TENSOR_EQ((*r)[0], pad_ref(x, {4, 7, 5, 8}, "wrap", 0));
  }
}

TEST(Pad, Errors) {
  Tensor x = random_any(DType::Float, {3, 5}, 6);
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {x, i64({1, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {x, i64({-2, 0, -2, 0})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {x, i64({1, 1, 1, 1})}, .attributes = {attr_string("mode", "mirror")}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {x, Tensor::from_vector<float>({1, 1, 1, 1})}}).ok());
  Tensor e(DType::Float, {0, 2});
  EXPECT_FALSE(run_node({.op_type = "Pad", .inputs = {e, i64({1, 0, 0, 0})}, .attributes = {attr_string("mode", "edge")}}).ok());
  auto r = run_node({.op_type = "Pad", .inputs = {e, i64({1, 0, 0, 0})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 2}));
}

TEST(Pad, InferShapes) {
  Tensor pads = i64({0, 1, 0, 2});
  auto r = infer({.op_type = "Pad", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo::of(pads)},
                  .values = {nullptr, &pads}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DIMS((*r)[0], {sym("N"), 6});
  r = infer({.op_type = "Pad", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo(DType::Int64, {4})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim()});
}

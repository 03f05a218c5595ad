#include "tensor_test_util.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor concat_ref(const std::vector<Tensor>& xs, int64_t axis) {
  Shape out = xs[0].shape();
  out[axis] = 0;
  for (const Tensor& x : xs) out[axis] += x.shape()[axis];
  Tensor y(xs[0].dtype(), out);
  int64_t off = 0;
  for (const Tensor& x : xs) {
    for (int64_t i = 0; i < x.numel(); ++i) {
      Shape idx = unravel(i, x.shape());
      idx[axis] += off;
      copy_elem(x, i, y, ravel(idx, out));
    }
    off += x.shape()[axis];
  }
  return y;
}

std::vector<Tensor> split_ref(const Tensor& x, int64_t axis, const std::vector<int64_t>& sizes) {
  std::vector<Tensor> ys;
  int64_t off = 0;
  for (int64_t s : sizes) {
    Shape shape = x.shape();
    shape[axis] = s;
    Tensor y(x.dtype(), shape);
    for (int64_t i = 0; i < y.numel(); ++i) {
      Shape idx = unravel(i, shape);
      idx[axis] += off;
      copy_elem(x, ravel(idx, x.shape()), y, i);
    }
    ys.push_back(y);
    off += s;
  }
  return ys;
}

}  // namespace

TEST(Concat, EveryAxisAndDtype) {
  for (DType t : movement_dtypes()) {
    const Shape base{3, 5, 7};
    for (int64_t axis = -3; axis < 3; ++axis) {
      const int64_t a = axis < 0 ? axis + 3 : axis;
      std::vector<Tensor> xs;
      for (int64_t n : {1, 4, 2}) {
        Shape s = base;
        s[a] = n;
        xs.push_back(random_any(t, s, static_cast<uint32_t>(n + 10 * a)));
      }
      auto r = run_node({.op_type = "Concat", .inputs = xs, .attributes = {attr_int("axis", axis)}}, 2);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], concat_ref(xs, a));
    }
  }
}

TEST(Concat, SingleAndEmptyInputs) {
  Tensor a = random_any(DType::Float, {2, 3}, 1), e(DType::Float, {2, 0}), b = random_any(DType::Float, {2, 1}, 2);
  auto r = run_node({.op_type = "Concat", .inputs = {a, e, b}, .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], concat_ref({a, e, b}, 1));
  r = run_node({.op_type = "Concat", .inputs = {a}, .attributes = {attr_int("axis", 0)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], a);
}

TEST(Concat, Errors) {
  Tensor a = random_any(DType::Float, {2, 3}, 1), b = random_any(DType::Float, {3, 3}, 2);
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {a, b}, .attributes = {attr_int("axis", 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {a, b}, .attributes = {attr_int("axis", 2)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {a, b}}).ok());  // axis is required
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {a, random_any(DType::Int32, {2, 3}, 3)},
                         .attributes = {attr_int("axis", 0)}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {a, random_any(DType::Float, {2, 3, 1}, 3)},
                         .attributes = {attr_int("axis", 0)}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "Concat", .inputs = {Tensor::scalar<float>(1), Tensor::scalar<float>(2)},
                         .attributes = {attr_int("axis", 0)}})
                   .ok());
}

TEST(Concat, InferSymbolic) {
  auto r = infer({.op_type = "Concat",
                  .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo(DType::Float, {sym("N"), 4})},
                  .attributes = {attr_int("axis", 1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 7});
  r = infer({.op_type = "Concat", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo(DType::Float, {2, 3})},
             .attributes = {attr_int("axis", 0)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), 3});
  r = infer({.op_type = "Concat", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo(DType::Float, {5, 4})},
             .attributes = {attr_int("axis", -1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {5, 7});
  EXPECT_FALSE(infer({.op_type = "Concat", .inputs = {TypeInfo(DType::Float, {2, 3}), TypeInfo(DType::Float, {5, 4})},
                      .attributes = {attr_int("axis", 1)}})
                   .ok());
}

TEST(Split, EqualAndVariable) {
  for (DType t : movement_dtypes()) {
    Tensor x = random_any(t, {6, 9, 5}, 3);
    // Equal parts along each axis.
    for (auto [axis, parts] : std::vector<std::pair<int64_t, int>>{{0, 3}, {1, 3}, {-1, 5}, {0, 1}}) {
      const int64_t a = axis < 0 ? axis + 3 : axis;
      auto r = run_node({.op_type = "Split", .inputs = {x}, .attributes = {attr_int("axis", axis)}, .num_outputs = parts});
      ASSERT_TRUE(r.ok()) << r.status().message();
      auto want = split_ref(x, a, std::vector<int64_t>(parts, x.dim(static_cast<int>(a)) / parts));
      for (int i = 0; i < parts; ++i) EXPECT_TENSOR_EQ((*r)[i], want[i]);
    }
    // Uneven sizes as attribute (opset 11) and as input (opset 13), zero-size parts included.
    for (int64_t opset : {11, 13}) {
      const std::vector<int64_t> sizes{2, 0, 4, 3};
      NodeSpec s{.op_type = "Split", .inputs = {x}, .attributes = {attr_int("axis", 1)}, .num_outputs = 4, .opset = opset};
      if (opset < 13) s.attributes.push_back(attr_ints("split", sizes));
      else s.inputs.push_back(i64(sizes));
      auto r = run_node(s);
      ASSERT_TRUE(r.ok()) << r.status().message();
      auto want = split_ref(x, 1, sizes);
      for (int i = 0; i < 4; ++i) EXPECT_TENSOR_EQ((*r)[i], want[i]);
    }
  }
}

TEST(Split, NumOutputsUneven) {
  Tensor x = random_any(DType::Float, {7, 2}, 4);
  auto r = run_node({.op_type = "Split", .inputs = {x}, .attributes = {attr_int("num_outputs", 3)}, .num_outputs = 3, .opset = 18});
  if (!r.ok() && r.status().message().find("opset") != std::string::npos) GTEST_SKIP() << "opset 18 not loadable";
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto want = split_ref(x, 0, {3, 3, 1});
  for (int i = 0; i < 3; ++i) EXPECT_TENSOR_EQ((*r)[i], want[i]);
}

TEST(Split, Errors) {
  Tensor x = random_any(DType::Float, {6, 4}, 5);
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x}, .num_outputs = 4}).ok());  // 6 into 4
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x, i64({2, 3})}, .num_outputs = 2}).ok());
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x, i64({2, 2, 2})}, .num_outputs = 2}).ok());
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x, i64({7, -1})}, .num_outputs = 2}).ok());
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x}, .attributes = {attr_int("axis", 2)}, .num_outputs = 2}).ok());
  EXPECT_FALSE(run_node({.op_type = "Split", .inputs = {x}, .attributes = {attr_ints("split", {1, 1})}, .num_outputs = 2,
                         .opset = 11})
                   .ok());
}

TEST(Split, InferSymbolic) {
  TypeInfo x(DType::Float, {sym("N"), 6});
  auto r = infer({.op_type = "Split", .inputs = {x}, .attributes = {attr_int("axis", 1)}, .num_outputs = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 3});
  EXPECT_DIMS((*r)[1], {sym("N"), 3});
  r = infer({.op_type = "Split", .inputs = {x}, .num_outputs = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[1], {Dim(), 6});
  Tensor sizes = i64({1, 5});
  r = infer({.op_type = "Split", .inputs = {x, TypeInfo::of(sizes)}, .values = {nullptr, &sizes},
             .attributes = {attr_int("axis", 1)}, .num_outputs = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[1], {sym("N"), 5});
}

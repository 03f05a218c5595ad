#include "tensor_test_util.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// Values are unchanged by shape-only ops: the reference is the input with a new shape.
void expect_reshaped(const Result<std::vector<Tensor>>& r, const Tensor& x, const Shape& shape) {
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], x.clone().reshaped(shape));
  EXPECT_EQ((*r)[0].raw(), x.raw()) << "output should share the input buffer";
}

}  // namespace

TEST(Reshape, ZeroAndMinusOneEntries) {
  for (DType t : movement_dtypes()) {
    Tensor x = random_any(t, {2, 3, 7}, 1);
    expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, i64({0, -1})}}), x, {2, 21});
    expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, i64({7, 0, 2})}}), x, {7, 3, 2});
    expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, i64({-1})}}), x, {42});
    expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, i64({1, 42, 1})}}), x, {1, 42, 1});
    expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, i64({0, 0, -1, 1})}}), x, {2, 3, 7, 1});
  }
  Tensor s = Tensor::scalar<float>(3.0f);
  expect_reshaped(run_node({.op_type = "Reshape", .inputs = {s, i64({1, 1})}}), s, {1, 1});
  Tensor one = random_any(DType::Float, {1, 1}, 2);
  expect_reshaped(run_node({.op_type = "Reshape", .inputs = {one, Tensor(DType::Int64, {0})}}), one, {});
  // int32 shape tensors are accepted too.
  Tensor x = random_any(DType::Float, {4, 6}, 3);
  expect_reshaped(run_node({.op_type = "Reshape", .inputs = {x, Tensor::from_vector<int32_t>({3, -1})}}), x, {3, 8});
}

TEST(Reshape, AllowZero) {
  Tensor x(DType::Float, {0, 3});
  auto r = run_node({.op_type = "Reshape", .inputs = {x, i64({3, 0})}, .attributes = {attr_int("allowzero", 1)}, .opset = 14});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{3, 0}));
  // Without allowzero a 0 copies the input dim.
  Tensor y = random_any(DType::Float, {3, 4}, 4);
  expect_reshaped(run_node({.op_type = "Reshape", .inputs = {y, i64({0, 2, 2})}, .opset = 14}), y, {3, 2, 2});
  // allowzero is ignored before opset 14.
  expect_reshaped(run_node({.op_type = "Reshape", .inputs = {y, i64({0, 4})}, .attributes = {attr_int("allowzero", 1)},
                            .opset = 13}),
                  y, {3, 4});
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {y, i64({0, -1})}, .attributes = {attr_int("allowzero", 1)},
                         .opset = 14})
                   .ok());
}

TEST(Reshape, Errors) {
  Tensor x = random_any(DType::Float, {2, 3, 7}, 1);
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, i64({-1, -1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, i64({5, -1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, i64({2, 3, 8})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, i64({-2, 21})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, i64({0, 0, 0, 0})}}).ok());  // 0 past the input rank
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, Tensor::from_vector<float>({42.0f})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Reshape", .inputs = {x, Tensor(DType::Int64, {1, 1})}}).ok());
}

TEST(Reshape, InferSymbolic) {
  TypeInfo x(DType::Float, {sym("N"), 3, 4});
  Tensor s1 = i64({0, -1});
  auto r = infer({.op_type = "Reshape", .inputs = {x, TypeInfo::of(s1)}, .values = {nullptr, &s1}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DIMS((*r)[0], {sym("N"), 12});
  Tensor s2 = i64({-1, 12});
  r = infer({.op_type = "Reshape", .inputs = {x, TypeInfo::of(s2)}, .values = {nullptr, &s2}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 12});
  Tensor s3 = i64({-1, 6});
  r = infer({.op_type = "Reshape", .inputs = {x, TypeInfo::of(s3)}, .values = {nullptr, &s3}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), 6});
  Tensor s4 = i64({0, 3, 2, 2});
  r = infer({.op_type = "Reshape", .inputs = {x, TypeInfo::of(s4)}, .values = {nullptr, &s4}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 3, 2, 2});
  // Value unknown: the rank still follows from the shape input's length.
  r = infer({.op_type = "Reshape", .inputs = {x, TypeInfo(DType::Int64, {3})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim(), Dim()});
  TypeInfo known(DType::Float, {2, 6});
  r = infer({.op_type = "Reshape", .inputs = {known, TypeInfo::of(s3)}, .values = {nullptr, &s3}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {2, 6});
  Tensor bad = i64({5, -1});
  EXPECT_FALSE(infer({.op_type = "Reshape", .inputs = {known, TypeInfo::of(bad)}, .values = {nullptr, &bad}}).ok());
}

TEST(Flatten, EveryAxis) {
  for (DType t : {DType::Float, DType::Int32, DType::Bool}) {
    Tensor x = random_any(t, {2, 3, 5, 7}, 5);
    for (int64_t axis = -4; axis <= 4; ++axis) {
      const int64_t a = axis < 0 ? axis + 4 : axis;
      int64_t outer = 1;
      for (int k = 0; k < a; ++k) outer *= x.dim(k);
      expect_reshaped(run_node({.op_type = "Flatten", .inputs = {x}, .attributes = {attr_int("axis", axis)}}), x,
                      {outer, x.numel() / outer});
    }
    expect_reshaped(run_node({.op_type = "Flatten", .inputs = {x}}), x, {2, 105});
  }
  Tensor s = Tensor::scalar<float>(1.0f);
  expect_reshaped(run_node({.op_type = "Flatten", .inputs = {s}, .attributes = {attr_int("axis", 0)}}), s, {1, 1});
  Tensor x = random_any(DType::Float, {2, 3}, 6);
  EXPECT_FALSE(run_node({.op_type = "Flatten", .inputs = {x}, .attributes = {attr_int("axis", 3)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Flatten", .inputs = {x}, .attributes = {attr_int("axis", -3)}}).ok());
}

TEST(Flatten, InferSymbolic) {
  TypeInfo x(DType::Float, {sym("N"), 3, 4});
  auto r = infer({.op_type = "Flatten", .inputs = {x}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 12});
  r = infer({.op_type = "Flatten", .inputs = {x}, .attributes = {attr_int("axis", 2)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), 4});
  r = infer({.op_type = "Flatten", .inputs = {x}, .attributes = {attr_int("axis", 0)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {1, Dim()});
}

TEST(Squeeze, AttributeAndInput) {
  Tensor x = random_any(DType::Float, {1, 3, 1, 5}, 7);
  for (int64_t opset : {11, 13}) {
    auto with_axes = [&](std::vector<int64_t> axes) {
      NodeSpec s{.op_type = "Squeeze", .inputs = {x}, .opset = opset};
      if (opset < 13) s.attributes.push_back(attr_ints("axes", axes));
      else s.inputs.push_back(i64(axes));
      return run_node(s);
    };
    expect_reshaped(with_axes({0}), x, {3, 1, 5});
    expect_reshaped(with_axes({-2, 0}), x, {3, 5});
    expect_reshaped(run_node({.op_type = "Squeeze", .inputs = {x}, .opset = opset}), x, {3, 5});
    EXPECT_FALSE(with_axes({1}).ok());
    EXPECT_FALSE(with_axes({4}).ok());
    EXPECT_FALSE(with_axes({0, 0}).ok());
  }
  Tensor ones = random_any(DType::Int8, {1, 1}, 8);
  expect_reshaped(run_node({.op_type = "Squeeze", .inputs = {ones}}), ones, {});
}

TEST(Squeeze, InferSymbolic) {
  TypeInfo x(DType::Float, {sym("N"), 1, 3});
  Tensor axes = i64({1});
  auto r = infer({.op_type = "Squeeze", .inputs = {x, TypeInfo::of(axes)}, .values = {nullptr, &axes}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 3});
  r = infer({.op_type = "Squeeze", .inputs = {x}});  // N may be 1: rank unknown
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].has_rank());
  r = infer({.op_type = "Squeeze", .inputs = {TypeInfo(DType::Float, {1, 4, 1})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {4});
}

TEST(Unsqueeze, AttributeAndInput) {
  Tensor x = random_any(DType::Int64, {3, 5}, 9);
  for (int64_t opset : {11, 13}) {
    auto with_axes = [&](std::vector<int64_t> axes) {
      NodeSpec s{.op_type = "Unsqueeze", .inputs = {x}, .opset = opset};
      if (opset < 13) s.attributes.push_back(attr_ints("axes", axes));
      else s.inputs.push_back(i64(axes));
      return run_node(s);
    };
    expect_reshaped(with_axes({0}), x, {1, 3, 5});
    expect_reshaped(with_axes({2}), x, {3, 5, 1});
    expect_reshaped(with_axes({-1}), x, {3, 5, 1});
    expect_reshaped(with_axes({4, 0, 2}), x, {1, 3, 1, 5, 1});
    expect_reshaped(with_axes({1, -1}), x, {3, 1, 5, 1});
    EXPECT_FALSE(with_axes({5}).ok());
    EXPECT_FALSE(with_axes({1, 1}).ok());
  }
  EXPECT_FALSE(run_node({.op_type = "Unsqueeze", .inputs = {x}, .opset = 13}).ok());
  EXPECT_FALSE(run_node({.op_type = "Unsqueeze", .inputs = {x}, .opset = 11}).ok());
  Tensor s = Tensor::scalar<double>(2.0);
  expect_reshaped(run_node({.op_type = "Unsqueeze", .inputs = {s, i64({0})}}), s, {1});
}

TEST(Unsqueeze, InferSymbolic) {
  TypeInfo x(DType::Float, {sym("N"), 3});
  Tensor axes = i64({0, 3});
  auto r = infer({.op_type = "Unsqueeze", .inputs = {x, TypeInfo::of(axes)}, .values = {nullptr, &axes}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {1, sym("N"), 3, 1});
  r = infer({.op_type = "Unsqueeze", .inputs = {x, TypeInfo(DType::Int64, {1})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim(), Dim()});
}

TEST(Shape, StartEnd) {
  Tensor x(DType::Float, {2, 3, 5, 7});
  auto run = [&](std::vector<Attribute> attrs, int64_t opset = 15) {
    auto r = run_node({.op_type = "Shape", .inputs = {x}, .attributes = std::move(attrs), .opset = opset});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? (*r)[0].to_int64() : std::vector<int64_t>{-99};
  };
  EXPECT_EQ(run({}), (std::vector<int64_t>{2, 3, 5, 7}));
  EXPECT_EQ(run({attr_int("start", 1)}), (std::vector<int64_t>{3, 5, 7}));
  EXPECT_EQ(run({attr_int("end", -1)}), (std::vector<int64_t>{2, 3, 5}));
  EXPECT_EQ(run({attr_int("start", -2), attr_int("end", 10)}), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(run({attr_int("start", -10)}), (std::vector<int64_t>{2, 3, 5, 7}));
  EXPECT_EQ(run({attr_int("start", 3), attr_int("end", 1)}), (std::vector<int64_t>{}));
  EXPECT_EQ(run({attr_int("start", 1)}, 13), (std::vector<int64_t>{2, 3, 5, 7}));  // no attributes yet
  auto r = run_node({.op_type = "Shape", .inputs = {Tensor::scalar<int8_t>(1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{0}));
  EXPECT_EQ((*r)[0].dtype(), DType::Int64);

  auto inf = infer({.op_type = "Shape", .inputs = {TypeInfo(DType::Float, {sym("N"), 3})}, .attributes = {attr_int("start", 1)}});
  ASSERT_TRUE(inf.ok());
  EXPECT_DIMS((*inf)[0], {1});
}

TEST(Size, CountsElements) {
  auto r = run_node({.op_type = "Size", .inputs = {Tensor(DType::Float16, {3, 0, 2})}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::scalar<int64_t>(0));
  r = run_node({.op_type = "Size", .inputs = {Tensor(DType::Bool, {3, 7, 2})}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::scalar<int64_t>(42));
  r = run_node({.op_type = "Size", .inputs = {Tensor::scalar<float>(1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::scalar<int64_t>(1));
}

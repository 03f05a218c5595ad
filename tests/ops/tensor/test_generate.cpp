#include "tensor_test_util.h"

using namespace sz0;
using namespace sz0::test;

TEST(ConstantOfShape, ValuesAndShapes) {
  auto r = run_node({.op_type = "ConstantOfShape", .inputs = {i64({2, 3})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], Tensor(DType::Float, {2, 3}));
  for (DType t : movement_dtypes()) {
    Tensor v = Tensor::from_vector<double>({1.0}).cast(t);
    r = run_node({.op_type = "ConstantOfShape", .inputs = {i64({3, 1, 5})}, .attributes = {attr_tensor("value", v)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    Tensor want(t, {3, 1, 5});
    for (int64_t i = 0; i < want.numel(); ++i) copy_elem(v, 0, want, i);
    EXPECT_TENSOR_EQ((*r)[0], want);
  }
  r = run_node({.op_type = "ConstantOfShape", .inputs = {Tensor(DType::Int64, {0})},
                .attributes = {attr_tensor("value", Tensor::from_vector<int32_t>({7}))}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::scalar<int32_t>(7));
  r = run_node({.op_type = "ConstantOfShape", .inputs = {i64({4, 0})}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{4, 0}));
}

TEST(ConstantOfShape, ErrorsAndInference) {
  EXPECT_FALSE(run_node({.op_type = "ConstantOfShape", .inputs = {i64({2, -3})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "ConstantOfShape", .inputs = {i64({2})},
                         .attributes = {attr_tensor("value", Tensor::from_vector<float>({1, 2}))}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "ConstantOfShape", .inputs = {Tensor(DType::Int64, {1, 2})}}).ok());
  Tensor s = i64({5, 2});
  auto r = infer({.op_type = "ConstantOfShape", .inputs = {TypeInfo::of(s)}, .values = {&s}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {5, 2});
  r = infer({.op_type = "ConstantOfShape", .inputs = {TypeInfo(DType::Int64, {3})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim(), Dim()});
}

namespace {
template <class T>
Tensor range_ref(T start, T limit, T delta) {
  std::vector<T> v;
  if (delta > 0)
    for (T x = start; x < limit; x = static_cast<T>(x + delta)) v.push_back(x);
  else
    for (T x = start; x > limit; x = static_cast<T>(x + delta)) v.push_back(x);
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
}
template <class T>
void check_range(T start, T limit, T delta) {
  auto r = run_node({.op_type = "Range", .inputs = {Tensor::scalar(start), Tensor::scalar(limit), Tensor::scalar(delta)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], range_ref(start, limit, delta), 1e-5, 1e-6);
}
}  // namespace

TEST(Range, Types) {
  check_range<float>(1, 5, 2);
  check_range<float>(0.5f, 3.3f, 0.4f);
  check_range<float>(10, 4, -3);
  check_range<float>(1, 1, 1);
  check_range<float>(5, 1, 1);
  check_range<double>(-2, 7.5, 1.25);
  check_range<int32_t>(10, 6, -3);
  check_range<int32_t>(0, 13, 1);
  check_range<int64_t>(-7, 20, 4);
  check_range<int64_t>(3, -3, 2);
  check_range<int16_t>(1, 100, 7);
}

TEST(Range, ErrorsAndInference) {
  EXPECT_FALSE(run_node({.op_type = "Range", .inputs = {Tensor::scalar<int32_t>(0), Tensor::scalar<int32_t>(5),
                                                       Tensor::scalar<int32_t>(0)}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "Range", .inputs = {Tensor::scalar<int32_t>(0), Tensor::scalar<int64_t>(5),
                                                       Tensor::scalar<int32_t>(1)}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "Range", .inputs = {Tensor::scalar<float>(0), Tensor::scalar<float>(NAN),
                                                       Tensor::scalar<float>(1)}})
                   .ok());
  Tensor a = Tensor::scalar<int64_t>(2), b = Tensor::scalar<int64_t>(11), c = Tensor::scalar<int64_t>(3);
  auto r = infer({.op_type = "Range", .inputs = {TypeInfo::of(a), TypeInfo::of(b), TypeInfo::of(c)}, .values = {&a, &b, &c}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {3});
  r = infer({.op_type = "Range", .inputs = {TypeInfo::of(a), TypeInfo::of(b), TypeInfo::of(c)}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim()});
}

TEST(EyeLike, Diagonals) {
  for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{3, 3}, {3, 7}, {7, 3}, {1, 1}, {0, 4}})
    for (int64_t k : {0, 1, -1, 2, -5, 9}) {
      Tensor x = random_any(DType::Int32, {rows, cols}, 1);
      for (DType t : {DType::Float, DType::Int64, DType::Bool, DType::Float16}) {
        auto r = run_node({.op_type = "EyeLike", .inputs = {x},
                           .attributes = {attr_int("k", k), attr_int("dtype", static_cast<int64_t>(t))}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        Tensor want(DType::Double, {rows, cols});
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j) want.data<double>()[i * cols + j] = j - i == k ? 1 : 0;
        EXPECT_TENSOR_EQ((*r)[0], want.cast(t));
      }
    }
  Tensor x = random_any(DType::Double, {2, 4}, 2);
  auto r = run_node({.op_type = "EyeLike", .inputs = {x}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].dtype(), DType::Double);
  EXPECT_FALSE(run_node({.op_type = "EyeLike", .inputs = {random_any(DType::Float, {2, 2, 2}, 3)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "EyeLike", .inputs = {x}, .attributes = {attr_int("dtype", 8)}}).ok());
}

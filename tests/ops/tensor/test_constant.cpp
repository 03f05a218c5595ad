#include "util/op_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(Identity, PassesValuesThrough) {
  Tensor x = random_tensor(DType::Float, {3, 5, 7}, 1);
  auto r = run_node({.op_type = "Identity", .inputs = {x}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
}

TEST(Constant, ValueKinds) {
  auto r = run_node({.op_type = "Constant", .attributes = {attr_ints("value_ints", {4, 5, 6})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({4, 5, 6}), 0, 0);
  r = run_node({.op_type = "Constant", .attributes = {attr_float("value_float", 2.5f)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::scalar<float>(2.5f), 0, 0);
  r = run_node({.op_type = "Constant"});
  EXPECT_FALSE(r.ok());
}

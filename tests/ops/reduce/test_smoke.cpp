#include "util/op_test.h"
using namespace sz0;
using namespace sz0::test;
TEST(ReduceSmoke, Sum) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto r = run_node({.op_type = "ReduceSum", .inputs = {x, Tensor::from_vector<int64_t>({1})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({6, 15}, {2, 1}));
}

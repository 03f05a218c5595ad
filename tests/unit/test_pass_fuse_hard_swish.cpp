// fuse_hard_swish: x * HardSigmoid(x) and x * Clip(x + 3, 0, 6) / 6 become HardSwish from
// opset 14; not before, and not with other HardSigmoid parameters.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Model times_hard_sigmoid(int64_t opset, float alpha = 1.f / 6) {
  return graph_model(opset, {{"x", {3, 5}}}, {"y"},
                     {op("HardSigmoid", {"x"}, {"h"}, {attr_float("alpha", alpha), attr_float("beta", 0.5f)}),
                      op("Mul", {"h", "x"}, {"y"})});
}

}  // namespace

TEST(PassFuseHardSwish, TimesHardSigmoid) {
  Model m = times_hard_sigmoid(14);
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_hard_swish"), 1);
  EXPECT_EQ(count_nodes(m), 1);
  EXPECT_EQ(count_op(m, "HardSwish"), 1);
  expect_same_outputs(before, m);
}

TEST(PassFuseHardSwish, ClipProductForm) {
  Model m = graph_model(17, {{"x", {3, 5}}}, {"y"},
                        {op("Add", {"three", "x"}, {"a"}), op("Clip", {"a", "zero", "six"}, {"c"}), op("Mul", {"c", "x"}, {"p"}),
                         op("Mul", {"p", "sixth"}, {"y"})},
                        {{"three", scalar(3)}, {"zero", scalar(0)}, {"six", scalar(6)}, {"sixth", scalar(1.f / 6)}});
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_hard_swish"), 1);
  EXPECT_EQ(count_nodes(m), 1);
  expect_same_outputs(before, m);
  // The whole pipeline gets there too (through x * HardSigmoid(x)).
  Model all = before;
  ASSERT_TRUE(optimize_model(all, {}).ok());
  EXPECT_EQ(count_nodes(all), 1);
  EXPECT_EQ(count_op(all, "HardSwish"), 1);
}

TEST(PassFuseHardSwish, NotBeforeOpset14OrWithOtherSlope) {
  Model old = times_hard_sigmoid(13);
  EXPECT_EQ(apply(old, "fuse_hard_swish"), 0);
  Model slope = times_hard_sigmoid(14, 0.2f);
  EXPECT_EQ(apply(slope, "fuse_hard_swish"), 0);
  Model shared = times_hard_sigmoid(14);
  shared.graph.outputs.push_back({"h", TypeInfo{}, ""});
  EXPECT_EQ(apply(shared, "fuse_hard_swish"), 0);
}

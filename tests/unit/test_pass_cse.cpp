// eliminate_common_subexpressions: equal nodes and equal constants merge; nondeterministic ops,
// different attributes and graph outputs do not.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(PassCse, MergesEqualNodesAndChains) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"},
                        {op("Relu", {"x"}, {"a"}), op("Relu", {"x"}, {"b"}), op("Exp", {"a"}, {"ea"}), op("Exp", {"b"}, {"eb"}),
                         op("Add", {"ea", "eb"}, {"y"})});
  const Model before = m;
  EXPECT_GE(apply(m, "eliminate_common_subexpressions"), 2);
  EXPECT_EQ(count_op(m, "Relu"), 1);
  EXPECT_EQ(count_op(m, "Exp"), 1);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCse, MergesEqualConstantsUnderDifferentNames) {
  Model m = graph_model(17, {{"x", {3}}}, {"y"},
                        {op("Add", {"x", "c1"}, {"a"}), op("Add", {"x", "c2"}, {"b"}), op("Mul", {"a", "b"}, {"y"})},
                        {{"c1", f32({1, 2, 3}, {3})}, {"c2", f32({1, 2, 3}, {3})}});
  const Model before = m;
  apply(m, "eliminate_common_subexpressions");
  EXPECT_EQ(count_op(m, "Add"), 1);
  EXPECT_EQ(m.graph.initializers.size(), 1u);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCse, DifferentAttributesStayApart) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y", "z"},
                        {op("Softmax", {"x"}, {"y"}, {attr_int("axis", 0)}), op("Softmax", {"x"}, {"z"}, {attr_int("axis", 1)})});
  EXPECT_EQ(apply(m, "eliminate_common_subexpressions"), 0);
  EXPECT_EQ(count_op(m, "Softmax"), 2);
}

TEST(PassCse, NondeterministicOpsAndGraphOutputsStay) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"},
                        {op("RandomUniformLike", {"x"}, {"a"}), op("RandomUniformLike", {"x"}, {"b"}), op("Sub", {"a", "b"}, {"y"})});
  EXPECT_EQ(apply(m, "eliminate_common_subexpressions"), 0);
  EXPECT_EQ(count_op(m, "RandomUniformLike"), 2);
  Model outs = graph_model(17, {{"x", {2}}}, {"y", "z"}, {op("Relu", {"x"}, {"y"}), op("Relu", {"x"}, {"z"})});
  EXPECT_EQ(apply(outs, "eliminate_common_subexpressions"), 0);
  EXPECT_EQ(count_op(outs, "Relu"), 2);
}

// cancel_reshapes: chains of reshapes become one, reshapes to the same shape go; a target that
// copies dims (0) from its input blocks the chain rule.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(PassCancelReshapes, ChainBecomesOne) {
  Model m = graph_model(17, {{"x", {2, 3, 4}}}, {"y"},
                        {op("Reshape", {"x", "s1"}, {"a"}), op("Flatten", {"a"}, {"f"}), op("Reshape", {"f", "s2"}, {"b"}),
                         op("Relu", {"b"}, {"y"})},
                        {{"s1", i64({6, 4})}, {"s2", i64({4, -1})}});
  const Model before = m;
  EXPECT_GE(apply(m, "cancel_reshapes"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_op(m, "Reshape"), 1);
  EXPECT_EQ(count_op(m, "Flatten"), 0);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelReshapes, SameShapeGoes) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"}, {op("Reshape", {"x", "s"}, {"a"}), op("Relu", {"a"}, {"y"})}, {{"s", i64({2, 3})}});
  m.graph.inputs[0].type = TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(3)});
  Model sym = m;
  sym.graph.initializers["s"] = i64({0, 3});  // 0 copies the symbolic batch: still the same shape
  EXPECT_EQ(apply(sym, "cancel_reshapes"), 1);
  EXPECT_EQ(count_op(sym, "Reshape"), 0);
  Model unknown = m;  // [2, 3] against [batch, 3]: not provably the same
  EXPECT_EQ(apply(unknown, "cancel_reshapes"), 0);
}

TEST(PassCancelReshapes, ZeroInOuterTargetBlocksTheChain) {
  Model m = graph_model(17, {{"x", {2, 3, 4}}}, {"y"},
                        {op("Reshape", {"x", "s1"}, {"a"}), op("Reshape", {"a", "s2"}, {"y"})},
                        {{"s1", i64({6, 4})}, {"s2", i64({0, 2, 2})}});
  EXPECT_EQ(apply(m, "cancel_reshapes"), 0);
}

// eliminate_dead_code: nodes and initializers no output depends on go; what subgraphs capture
// and the graph's inputs stay.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(PassEliminateDeadCode, RemovesUnreachableNodesAndInitializers) {
  Model m = graph_model(17, {{"x", {2}}, {"unused_input", {2}}}, {"y"},
                        {op("Relu", {"x"}, {"r"}), op("Exp", {"r"}, {"dead"}), op("Add", {"dead", "w"}, {"dead2"}),
                         op("Neg", {"r"}, {"y"})},
                        {{"w", f32({1, 2}, {2})}, {"never_read", scalar(3)}});
  const Model before = m;
  EXPECT_EQ(apply(m, "eliminate_dead_code"), 2);
  EXPECT_EQ(count_nodes(m), 2);
  EXPECT_TRUE(m.graph.initializers.empty());
  EXPECT_EQ(m.graph.inputs.size(), 2u);  // the interface stays
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassEliminateDeadCode, KeepsWhatSubgraphsCapture) {
  Graph body;
  body.outputs.push_back({"t", TypeInfo{}, ""});
  body.nodes = {op("Add", {"captured", "k"}, {"t"})};
  Model m = graph_model(17, {{"x", {2}}}, {"y"},
                        {op("Relu", {"x"}, {"captured"}), op("If", {"c"}, {"y"}, {attr_graph("then_branch", body), attr_graph("else_branch", body)})},
                        {{"k", f32({1, 1}, {2})}});
  m.graph.inputs.push_back({"c", TypeInfo(DType::Bool, {}), ""});
  EXPECT_EQ(apply(m, "eliminate_dead_code"), 0);
  EXPECT_EQ(count_op(m, "Relu"), 1);
  EXPECT_TRUE(m.graph.initializers.count("k"));
}

// eliminate_identity: Identity and inference Dropout are bypassed; graph outputs keep their
// names; a Dropout whose mask is read, or that trains, stays.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(PassEliminateIdentity, BypassesChains) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"},
                        {op("Identity", {"x"}, {"a"}), op("Dropout", {"a"}, {"b"}), op("Relu", {"b"}, {"c"}),
                         op("Identity", {"c"}, {"d"}), op("Neg", {"d"}, {"y"})});
  const Model before = m;
  EXPECT_EQ(apply(m, "eliminate_identity"), 3);
  EXPECT_EQ(count_nodes(m), 2);
  EXPECT_EQ(m.graph.nodes[0].inputs[0], "x");
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassEliminateIdentity, GraphOutputTakesOverProducer) {
  Model m = graph_model(17, {{"x", {4}}}, {"y"}, {op("Relu", {"x"}, {"r"}), op("Identity", {"r"}, {"y"})});
  const Model before = m;
  EXPECT_EQ(apply(m, "eliminate_identity"), 1);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Relu");
  EXPECT_EQ(m.graph.nodes[0].outputs[0], "y");
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassEliminateIdentity, GraphOutputWhoseInputIsReadElsewhereStays) {
  Model m = graph_model(17, {{"x", {4}}}, {"y", "z"},
                        {op("Relu", {"x"}, {"r"}), op("Identity", {"r"}, {"y"}), op("Neg", {"r"}, {"z"})});
  EXPECT_EQ(apply(m, "eliminate_identity"), 0);
  EXPECT_EQ(count_op(m, "Identity"), 1);
}

TEST(PassEliminateIdentity, DropoutWithReadMaskOrTrainingStays) {
  Model mask = graph_model(17, {{"x", {4}}}, {"y", "k"},
                           {op("Dropout", {"x"}, {"d", "k"}), op("Relu", {"d"}, {"y"})});
  EXPECT_EQ(apply(mask, "eliminate_identity"), 0);
  Model training = graph_model(17, {{"x", {4}}}, {"y"}, {op("Dropout", {"x", "ratio", "train"}, {"d"}), op("Relu", {"d"}, {"y"})},
                               {{"ratio", scalar(0.5f)}, {"train", Tensor::scalar<bool>(true)}});
  EXPECT_EQ(apply(training, "eliminate_identity"), 0);
  // An unread mask and a constant false training_mode are still the identity.
  Model inference = graph_model(17, {{"x", {4}}}, {"y"}, {op("Dropout", {"x", "ratio", "train"}, {"d", "k"}), op("Relu", {"d"}, {"y"})},
                                {{"ratio", scalar(0.5f)}, {"train", Tensor::scalar<bool>(false)}});
  EXPECT_EQ(apply(inference, "eliminate_identity"), 1);
  EXPECT_EQ(count_op(inference, "Dropout"), 0);
}

TEST(PassEliminateIdentity, RenamesOuterNamesInsideSubgraphs) {
  // The If branches read `a`, which an Identity produces outside them.
  Graph then_g;
  then_g.outputs.push_back({"t", TypeInfo{}, ""});
  then_g.nodes = {op("Relu", {"a"}, {"t"})};
  Graph else_g;
  else_g.outputs.push_back({"a", TypeInfo{}, ""});  // an outer value as a branch output
  Model m = graph_model(17, {{"x", {3}}}, {"y"},
                        {op("Identity", {"x"}, {"a"}), op("If", {"c"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})});
  m.graph.inputs.push_back({"c", TypeInfo(DType::Bool, {}), ""});
  Model original = m;
  original.graph = passes::deep_copy(m.graph);
  EXPECT_EQ(apply(m, "eliminate_identity"), 1);
  EXPECT_EQ(count_op(m, "Identity"), 0);
  for (bool c : {true, false}) {
    std::map<std::string, Tensor> feeds = {{"x", f32({-1, 0, 2}, {3})}, {"c", Tensor::scalar<bool>(c)}};
    auto a = run_model(original, feeds);
    auto b = run_model(m, feeds);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status().message() << b.status().message();
    EXPECT_TENSOR_NEAR((*b)[0], (*a)[0], 0, 0);
  }
}

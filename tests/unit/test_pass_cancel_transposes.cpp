// cancel_transposes: inverse pairs vanish, other pairs compose into one, identity perms go;
// graph outputs keep a node.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Node transpose(const std::string& in, const std::string& out, std::vector<int64_t> perm) {
  return op("Transpose", {in}, {out}, {attr_ints("perm", std::move(perm))});
}

}  // namespace

TEST(PassCancelTransposes, InversePairVanishes) {
  Model m = graph_model(17, {{"x", {2, 3, 4}}}, {"y"},
                        {transpose("x", "a", {1, 2, 0}), transpose("a", "b", {2, 0, 1}), op("Relu", {"b"}, {"y"})});
  const Model before = m;
  EXPECT_EQ(apply(m, "cancel_transposes"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_op(m, "Transpose"), 0);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelTransposes, PairComposesIntoOne) {
  Model m = graph_model(17, {{"x", {2, 3, 4, 5}}}, {"y"},
                        {transpose("x", "a", {0, 2, 1, 3}), transpose("a", "b", {3, 1, 0, 2}), op("Relu", {"b"}, {"y"})});
  const Model before = m;
  EXPECT_EQ(apply(m, "cancel_transposes"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_op(m, "Transpose"), 1);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelTransposes, IdentityPermAndDefaultPerm) {
  // No perm attribute: a reversal, twice is the identity.
  Model m = graph_model(17, {{"x", {2, 3, 4}}}, {"y"},
                        {transpose("x", "i", {0, 1, 2}), op("Transpose", {"i"}, {"a"}), op("Transpose", {"a"}, {"b"}), op("Neg", {"b"}, {"y"})});
  const Model before = m;
  apply(m, "cancel_transposes");
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_op(m, "Transpose"), 0);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelTransposes, GraphOutputKeepsANode) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"}, {transpose("x", "a", {1, 0}), transpose("a", "y", {1, 0})});
  const Model before = m;
  EXPECT_EQ(apply(m, "cancel_transposes"), 1);
  apply(m, "eliminate_dead_code");
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Identity");
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelTransposes, UnknownRankWithoutPermStays) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"}, {op("Transpose", {"x"}, {"a"}), op("Transpose", {"a"}, {"y"})});
  m.graph.inputs[0].type.shape.reset();
  EXPECT_EQ(apply(m, "cancel_transposes"), 0);
}

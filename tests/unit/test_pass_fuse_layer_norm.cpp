// fuse_layer_norm: the exported decomposition becomes LayerNormalization from opset 17, with or
// without scale and bias; not before opset 17, not over leading axes, not when an interior value
// is read elsewhere.
#include "unit/pass_test.h"

#include "passes/patterns.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// x [2, 5, 8] normalized over `axes` (ReduceMean's attribute, or input from opset 18).
Model decomposed(int64_t opset, std::vector<int64_t> axes = {-1}, bool affine = true, bool pow = true) {
  std::map<std::string, Tensor> init = {{"two", scalar(2)}, {"eps", scalar(1e-5f)},
                                        {"gamma", random_tensor(DType::Float, {8}, 1, 0.5, 1.5)},
                                        {"beta", random_tensor(DType::Float, {8}, 2)}};
  auto mean = [&](const std::string& in, const std::string& out) {
    if (opset >= 18) return op("ReduceMean", {in, "axes"}, {out});
    return op("ReduceMean", {in}, {out}, {attr_ints("axes", axes)});
  };
  if (opset >= 18) init["axes"] = i64(axes);
  std::vector<Node> nodes = {mean("x", "m"), op("Sub", {"x", "m"}, {"d"}),
                             pow ? op("Pow", {"d", "two"}, {"sq"}) : op("Mul", {"d", "d"}, {"sq"}),
                             mean("sq", "var"), op("Add", {"var", "eps"}, {"ve"}), op("Sqrt", {"ve"}, {"sd"}),
                             op("Div", {"d", "sd"}, {affine ? "n" : "y"})};
  if (affine) {
    nodes.push_back(op("Mul", {"n", "gamma"}, {"g"}));
    nodes.push_back(op("Add", {"g", "beta"}, {"y"}));
  }
  return graph_model(opset, {{"x", {2, 5, 8}}}, {"y"}, nodes, init);
}

}  // namespace

TEST(PassFuseLayerNorm, FusesWithScaleAndBias) {
  for (int64_t opset : {17, 18}) {
    Model m = decomposed(opset);
    const Model before = m;
    EXPECT_EQ(apply(m, "fuse_layer_norm"), 1);
    apply(m, "eliminate_dead_code");
    EXPECT_EQ(count_nodes(m), 1);
    EXPECT_EQ(count_op(m, "LayerNormalization"), 1);
    expect_same_outputs(before, m, 1e-5, 1e-4);
  }
}

TEST(PassFuseLayerNorm, FusesPlainAndSelfMultipliedForms) {
  Model m = decomposed(17, {-1}, false, false);
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_layer_norm"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_nodes(m), 1);
  expect_same_outputs(before, m, 1e-5, 1e-4);
  Model two_axes = decomposed(17, {1, 2}, false);
  const Model before2 = two_axes;
  EXPECT_EQ(apply(two_axes, "fuse_layer_norm"), 1);
  expect_same_outputs(before2, two_axes, 1e-5, 1e-4);
}

TEST(PassFuseLayerNorm, NotBeforeOpset17OrOverLeadingAxes) {
  Model old = decomposed(16);
  EXPECT_EQ(apply(old, "fuse_layer_norm"), 0);
  Model leading = decomposed(17, {1}, false);
  EXPECT_EQ(apply(leading, "fuse_layer_norm"), 0);
  // The matcher still sees the opset-16 pattern (for the runtime's own fusions).
  passes::GraphView v(old.graph, old, nullptr);
  EXPECT_TRUE(passes::match_layer_norm(v, v.size() - 1).has_value());
}

TEST(PassFuseLayerNorm, NotWhenInteriorValueIsShared) {
  Model m = decomposed(17);
  m.graph.outputs.push_back({"var", TypeInfo{}, ""});
  EXPECT_EQ(apply(m, "fuse_layer_norm"), 0);
  Model d = decomposed(17);
  d.graph.nodes.push_back(op("Relu", {"d"}, {"r"}));
  d.graph.outputs.push_back({"r", TypeInfo{}, ""});
  EXPECT_EQ(apply(d, "fuse_layer_norm"), 0);
}

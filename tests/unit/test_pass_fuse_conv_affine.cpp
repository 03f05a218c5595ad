// fuse_conv_affine: per-channel Mul and Add after a convolution fold into its weights and bias;
// constants that broadcast over spatial axes, or shared intermediates, do not.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Model conv_then(const std::vector<Node>& tail, std::map<std::string, Tensor> extra, bool transpose = false) {
  std::map<std::string, Tensor> init = std::move(extra);
  init["w"] = random_tensor(DType::Float, transpose ? Shape{3, 4, 3, 3} : Shape{4, 3, 3, 3}, 1);
  std::vector<Node> nodes = {op(transpose ? "ConvTranspose" : "Conv", {"x", "w"}, {"c"})};
  nodes.insert(nodes.end(), tail.begin(), tail.end());
  return graph_model(17, {{"x", {2, 3, 6, 6}}}, {"y"}, nodes, init);
}

}  // namespace

TEST(PassFuseConvAffine, ScaleThenBias) {
  Model m = conv_then({op("Mul", {"s", "c"}, {"m"}), op("Add", {"m", "t"}, {"y"})},
                      {{"s", random_tensor(DType::Float, {1, 4, 1, 1}, 2)}, {"t", random_tensor(DType::Float, {4, 1, 1}, 3)}});
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_conv_affine"), 2);
  EXPECT_EQ(count_nodes(m), 1);
  EXPECT_EQ(m.graph.nodes[0].outputs[0], "y");
  expect_same_outputs(before, m);
}

TEST(PassFuseConvAffine, ScalarsAndConvTranspose) {
  Model m = conv_then({op("Mul", {"c", "s"}, {"m"}), op("Add", {"t", "m"}, {"y"})}, {{"s", scalar(0.7f)}, {"t", f32({0.25f}, {1})}}, true);
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_conv_affine"), 2);
  EXPECT_EQ(count_op(m, "ConvTranspose"), 1);
  EXPECT_EQ(count_nodes(m), 1);
  expect_same_outputs(before, m);
}

TEST(PassFuseConvAffine, NotOverSpatialAxesOrWhenShared) {
  Model spatial = conv_then({op("Mul", {"c", "s"}, {"y"})}, {{"s", random_tensor(DType::Float, {1, 1, 4, 4}, 2)}});
  EXPECT_EQ(apply(spatial, "fuse_conv_affine"), 0);
  Model rank = conv_then({op("Add", {"c", "t"}, {"y"})}, {{"t", random_tensor(DType::Float, {1, 1, 4, 1, 1}, 2)}});
  EXPECT_EQ(apply(rank, "fuse_conv_affine"), 0);  // would add an axis
  Model shared = conv_then({op("Add", {"c", "t"}, {"a"}), op("Mul", {"a", "c"}, {"y"})}, {{"t", scalar(1.f)}});
  EXPECT_EQ(apply(shared, "fuse_conv_affine"), 0);
}

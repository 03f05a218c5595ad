// fuse_batch_norm: BN folds into Conv, ConvTranspose, Gemm and 2-D MatMul; not when the
// intermediate is read twice, the weights are not constant, or the BN trains.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

std::map<std::string, Tensor> bn_params(int64_t c, uint32_t seed) {
  return {{"scale", random_tensor(DType::Float, {c}, seed, 0.5, 1.5)},
          {"shift", random_tensor(DType::Float, {c}, seed + 1)},
          {"mean", random_tensor(DType::Float, {c}, seed + 2)},
          {"var", random_tensor(DType::Float, {c}, seed + 3, 0.2, 2.0)}};
}

Node bn(const std::string& in, const std::string& out) {
  return op("BatchNormalization", {in, "scale", "shift", "mean", "var"}, {out}, {attr_float("epsilon", 1e-3f)});
}

Model conv_bn(bool with_bias) {
  auto init = bn_params(4, 10);
  init["w"] = random_tensor(DType::Float, {4, 3, 3, 3}, 1);
  std::vector<std::string> in = {"x", "w"};
  if (with_bias) {
    init["b"] = random_tensor(DType::Float, {4}, 2);
    in.push_back("b");
  }
  return graph_model(17, {{"x", {1, 3, 8, 8}}}, {"y"},
                     {op("Conv", in, {"c"}, {attr_ints("pads", {1, 1, 1, 1})}), bn("c", "y")}, init);
}

}  // namespace

TEST(PassFuseBatchNorm, IntoConv) {
  for (bool bias : {false, true}) {
    Model m = conv_bn(bias);
    const Model before = m;
    EXPECT_EQ(apply(m, "fuse_batch_norm"), 1);
    EXPECT_EQ(count_op(m, "BatchNormalization"), 0);
    EXPECT_EQ(count_op(m, "Conv"), 1);
    EXPECT_EQ(m.graph.nodes[0].outputs[0], "y");
    expect_same_outputs(before, m);
  }
}

TEST(PassFuseBatchNorm, IntoGroupedConvTranspose) {
  auto init = bn_params(6, 20);  // 2 groups of 3 output channels
  init["w"] = random_tensor(DType::Float, {4, 3, 2, 2}, 3);
  init["b"] = random_tensor(DType::Float, {6}, 4);
  Model m = graph_model(17, {{"x", {1, 4, 5, 5}}}, {"y"},
                        {op("ConvTranspose", {"x", "w", "b"}, {"c"}, {attr_int("group", 2), attr_ints("strides", {2, 2})}), bn("c", "y")},
                        init);
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_batch_norm"), 1);
  EXPECT_EQ(count_op(m, "BatchNormalization"), 0);
  expect_same_outputs(before, m);
}

TEST(PassFuseBatchNorm, IntoGemmAndMatMul) {
  auto init = bn_params(5, 30);
  init["w"] = random_tensor(DType::Float, {5, 7}, 5);  // transB: [N, K]
  init["c"] = random_tensor(DType::Float, {1, 5}, 6);
  Model gemm = graph_model(17, {{"x", {3, 7}}}, {"y"},
                           {op("Gemm", {"x", "w", "c"}, {"g"}, {attr_int("transB", 1), attr_float("beta", 0.5f), attr_float("alpha", 2.f)}),
                            bn("g", "y")},
                           init);
  const Model gemm_before = gemm;
  EXPECT_EQ(apply(gemm, "fuse_batch_norm"), 1);
  EXPECT_EQ(count_op(gemm, "BatchNormalization"), 0);
  expect_same_outputs(gemm_before, gemm);

  auto init2 = bn_params(5, 40);
  init2["w"] = random_tensor(DType::Float, {7, 5}, 7);
  Model mm = graph_model(17, {{"x", {3, 7}}}, {"y"}, {op("MatMul", {"x", "w"}, {"g"}), bn("g", "y")}, init2);
  const Model mm_before = mm;
  EXPECT_EQ(apply(mm, "fuse_batch_norm"), 1);
  EXPECT_EQ(count_op(mm, "BatchNormalization"), 0);
  EXPECT_EQ(count_op(mm, "Add"), 1);
  expect_same_outputs(mm_before, mm);
  // The whole pipeline then makes it one Gemm.
  Model all = mm_before;
  ASSERT_TRUE(optimize_model(all, {}).ok());
  EXPECT_EQ(count_nodes(all), 1);
  EXPECT_EQ(count_op(all, "Gemm"), 1);
  expect_same_outputs(mm_before, all);
}

TEST(PassFuseBatchNorm, NotWhenIntermediateReadTwice) {
  Model m = conv_bn(true);
  m.graph.outputs.push_back({"c", TypeInfo{}, ""});
  EXPECT_EQ(apply(m, "fuse_batch_norm"), 0);
  Model reader = conv_bn(true);
  reader.graph.nodes.push_back(op("Relu", {"c"}, {"r"}));
  reader.graph.outputs.push_back({"r", TypeInfo{}, ""});
  EXPECT_EQ(apply(reader, "fuse_batch_norm"), 0);
}

TEST(PassFuseBatchNorm, NotWithRuntimeWeightsOrTraining) {
  Model m = conv_bn(false);
  m.graph.initializers.erase("w");
  m.graph.inputs.push_back({"w", TypeInfo(DType::Float, {Dim(4), Dim(3), Dim(3), Dim(3)}), ""});
  EXPECT_EQ(apply(m, "fuse_batch_norm"), 0);
  Model mean_input = conv_bn(false);
  mean_input.graph.inputs.push_back({"mean", TypeInfo(DType::Float, {Dim(4)}), ""});  // overridable
  EXPECT_EQ(apply(mean_input, "fuse_batch_norm"), 0);
  Model training = conv_bn(false);
  training.graph.nodes[1].attributes.push_back(attr_int("training_mode", 1));
  EXPECT_EQ(apply(training, "fuse_batch_norm"), 0);
}

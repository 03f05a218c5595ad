// Attention fusion (runtime/fuse_attention.cpp, ops/nn/attention.cpp): softmax(Q·K·scale)·V
// written out (with or without a mask) becomes one Attention node whose outputs match the graph
// run op by op.
#include <sz0/builder.h>
#include <sz0/session.h>

#include "unit/pass_test.h"
#include "util/op_test.h"


using namespace sz0;
using namespace sz0::test;

namespace {

TEST(FuseAttention, SelfAttentionBlock) {
  for (int threads : {1, 2}) {
    ModelBuilder b("attn", {.seed = 8, .batch = 2});
    Var x = b.input("x", DType::Float, {13, 24});
    b.output(b.self_attention(x, 3), "y");
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ops = expect_optimized_matches(*model, {{"x", random_tensor(DType::Float, {2, 13, 24}, 40)}}, threads);
    EXPECT_EQ(ops["Attention"], 1);
    EXPECT_EQ(ops["Softmax"], 0);
  }
}

TEST(FuseAttention, OddShapesAndMask) {
  // Q [2, 5, 7], K [2, 7, 9], V [2, 9, 3]: scale by Div; then the same with masks [5, 9] (shared
  // by the batch), [2, 1, 9] (per batch, broadcast over queries) and [2, 5, 9].
  const std::vector<Shape> masks = {{}, {5, 9}, {2, 1, 9}, {2, 5, 9}};
  for (size_t masked = 0; masked < masks.size(); ++masked) {
    std::vector<Node> nodes = {op("MatMul", {"q", "k"}, {"s"}), op("Div", {"s", "c"}, {"t"})};
    std::string scores = "t";
    if (masked) {
      nodes.push_back(op("Add", {"t", "mask"}, {"tm"}));
      scores = "tm";
    }
    nodes.push_back(op("Softmax", {scores}, {"p"}, {attr_int("axis", -1)}));
    nodes.push_back(op("MatMul", {"p", "v"}, {"y"}));
    std::vector<std::pair<std::string, Shape>> inputs = {{"q", {2, 5, 7}}, {"k", {2, 7, 9}}, {"v", {2, 9, 3}}};
    if (masked) inputs.push_back({"mask", masks[masked]});
    Model m = graph_model(17, inputs, {"y"}, nodes, {{"c", scalar(2.5f)}});
    std::map<std::string, Tensor> feeds = {{"q", random_tensor(DType::Float, {2, 5, 7}, 41)},
                                           {"k", random_tensor(DType::Float, {2, 7, 9}, 42)},
                                           {"v", random_tensor(DType::Float, {2, 9, 3}, 43)}};
    if (masked) feeds["mask"] = random_tensor(DType::Float, masks[masked], 44);
    auto ops = expect_optimized_matches(m, feeds);
    EXPECT_EQ(ops["Attention"], 1);
    EXPECT_EQ(ops["Add"], 0);
  }
}

}  // namespace

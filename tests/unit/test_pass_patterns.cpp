// Runtime-only patterns (no standard op): SiLU and scaled dot-product attention are matched and
// counted, never rewritten into files.
#include "unit/pass_test.h"

#include "passes/patterns.h"

#include <sz0/zoo.h>

using namespace sz0;
using namespace sz0::test;

TEST(PassPatterns, SiluEitherOrder) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y", "z"},
                        {op("Sigmoid", {"x"}, {"s"}), op("Mul", {"s", "x"}, {"y"}), op("Sigmoid", {"x"}, {"s2"}), op("Mul", {"x", "s2"}, {"z"})});
  passes::GraphView v(m.graph, m, nullptr);
  auto a = passes::match_silu(v, 1);
  auto b = passes::match_silu(v, 3);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->x, "x");
  EXPECT_EQ(b->nodes, (std::vector<int>{2, 3}));
}

TEST(PassPatterns, SiluNotWhenSigmoidIsShared) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y", "s"}, {op("Sigmoid", {"x"}, {"s"}), op("Mul", {"s", "x"}, {"y"})});
  passes::GraphView v(m.graph, m, nullptr);
  EXPECT_FALSE(passes::match_silu(v, 1).has_value());
  Model other = graph_model(17, {{"x", {2, 3}}, {"w", {2, 3}}}, {"y"}, {op("Sigmoid", {"w"}, {"s"}), op("Mul", {"s", "x"}, {"y"})});
  passes::GraphView w(other.graph, other, nullptr);
  EXPECT_FALSE(passes::match_silu(w, 1).has_value());
}

TEST(PassPatterns, AttentionWithScaleAndMask) {
  Model m = graph_model(17, {{"q", {2, 4, 8}}, {"k", {2, 8, 4}}, {"v", {2, 4, 8}}, {"mask", {4, 4}}}, {"y"},
                        {op("MatMul", {"q", "k"}, {"s"}), op("Div", {"s", "c"}, {"ss"}), op("Add", {"ss", "mask"}, {"sm"}),
                         op("Softmax", {"sm"}, {"p"}, {attr_int("axis", -1)}), op("MatMul", {"p", "v"}, {"y"})},
                        {{"c", scalar(2)}});
  passes::GraphView v(m.graph, m, nullptr);
  auto a = passes::match_attention(v, 4);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->q, "q");
  EXPECT_EQ(a->k, "k");
  EXPECT_EQ(a->v, "v");
  EXPECT_EQ(a->mask, "mask");
  EXPECT_DOUBLE_EQ(a->scale, 0.5);
  EXPECT_EQ(a->nodes.size(), 5u);
  // Scores read by something else: not an attention block to fuse.
  m.graph.outputs.push_back({"s", TypeInfo{}, ""});
  passes::GraphView w(m.graph, m, nullptr);
  EXPECT_FALSE(passes::match_attention(w, 4).has_value());
}

TEST(PassPatterns, OptimizeCountsButKeepsThem) {
  auto model = zoo::build_model("transformer-s");
  ASSERT_TRUE(model.ok()) << model.status().message();
  Model m = std::move(*model);
  const int matmuls = count_op(m, "MatMul");
  auto r = optimize_model(m, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, int> detected(r->detected.begin(), r->detected.end());
  EXPECT_EQ(detected["attention"], 4);  // one per layer
  EXPECT_EQ(detected["gelu"], 4);       // opset 17: no Gelu op yet
  EXPECT_EQ(count_op(m, "MatMul"), matmuls);
  EXPECT_EQ(count_op(m, "Softmax"), 4);
}

// Basic simplification: pass-through nodes are bypassed, dead nodes dropped, results unchanged.
#include <sz0/session.h>

#include "util/op_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Node node(std::string op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.op_type = std::move(op);
  n.name = out.empty() ? op : out[0];
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

Model chain() {
  Model m;
  m.opsets = {{"", 17}};
  m.graph.inputs.push_back({"x", TypeInfo(DType::Float, {Dim(2), Dim(3)}), ""});
  m.graph.outputs.push_back({"y", TypeInfo{}, ""});
  m.graph.outputs.push_back({"z", TypeInfo{}, ""});
  m.graph.nodes = {node("Identity", {"x"}, {"a"}),
                   node("Dropout", {"a"}, {"b"}),
                   node("Relu", {"b"}, {"c"}),
                   node("Exp", {"c"}, {"dead"}),           // nothing reads it
                   node("Neg", {"c"}, {"y"}),
                   node("Identity", {"y"}, {"z"})};         // a graph output: kept
  m.graph.initializers["unused"] = Tensor::scalar<float>(1.f);
  return m;
}

}  // namespace

TEST(Simplify, BypassesPassThroughAndDropsDeadNodes) {
  Model m = chain();
  simplify_for_inference(m);
  std::vector<std::string> ops;
  for (const Node& n : m.graph.nodes) ops.push_back(n.op_type);
  EXPECT_EQ(ops, (std::vector<std::string>{"Relu", "Neg", "Identity"}));
  EXPECT_EQ(m.graph.nodes[0].inputs[0], "x");
  EXPECT_FALSE(m.graph.initializers.count("unused"));
}

TEST(Simplify, OutputsUnchanged) {
  Tensor x = random_tensor(DType::Float, {2, 3}, 11);
  auto s = Session::create(chain());
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto r = (*s)->run({{"x", x}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  Tensor want(DType::Float, {2, 3});
  for (int64_t i = 0; i < 6; ++i) want.data<float>()[i] = -std::max(0.f, x.data<float>()[i]);
  EXPECT_TENSOR_NEAR((*r)[0], want, 0, 0);
  EXPECT_TENSOR_NEAR((*r)[1], want, 0, 0);
}

TEST(Simplify, DropoutWithMaskIsKept) {
  Model m = chain();
  m.graph.nodes[1].outputs.push_back("mask");
  m.graph.outputs.push_back({"mask", TypeInfo{}, ""});
  simplify_for_inference(m);
  bool has_dropout = false;
  for (const Node& n : m.graph.nodes) has_dropout = has_dropout || n.op_type == "Dropout";
  EXPECT_TRUE(has_dropout);
}

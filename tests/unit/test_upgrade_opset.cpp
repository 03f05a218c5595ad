// upgrade_opset (sz0/optimize.h): an opset-9 graph of the ops whose schema changed up to opset
// 13 gives the same outputs after the upgrade, and the rewritten nodes take the new forms.
#include <sz0/optimize.h>
#include <sz0/quantize.h>
#include <sz0/session.h>

#include "passes/pass.h"

#include <gtest/gtest.h>

using namespace sz0;
using passes::make_attr_float;
using passes::make_attr_int;
using passes::make_attr_ints;
using passes::make_node;

namespace {

Model opset9_model() {
  Model m;
  m.ir_version = 4;
  m.opsets = {{"", 9}};
  Graph& g = m.graph;
  g.inputs.push_back({"x", TypeInfo(DType::Float, {2, 4, 6}), ""});
  Node slice = make_node("Slice", {"x"}, {"s"}, "slice");
  slice.attributes = {make_attr_ints("starts", {1}), make_attr_ints("ends", {5}), make_attr_ints("axes", {2})};
  Node clip = make_node("Clip", {"s"}, {"c"}, "clip");
  clip.attributes = {make_attr_float("min", -0.5f), make_attr_float("max", 0.25f)};
  Node drop = make_node("Dropout", {"c"}, {"d"}, "drop");
  Node soft = make_node("Softmax", {"d"}, {"p"}, "softmax");  // axis 1 of rank 3: the 2-D view
  soft.attributes = {make_attr_int("axis", 1)};
  Node unsq = make_node("Unsqueeze", {"p"}, {"u"}, "unsqueeze");
  unsq.attributes = {make_attr_ints("axes", {0})};
  Node sq = make_node("Squeeze", {"u"}, {"y"}, "squeeze");
  sq.attributes = {make_attr_ints("axes", {0})};
  g.nodes = {slice, clip, drop, soft, unsq, sq};
  g.outputs.push_back({"y", TypeInfo(DType::Float, {2, 4, 4}), ""});
  return m;
}

std::vector<float> run(const Model& m, const Tensor& x) {
  SessionOptions o;
  o.threads = 1;
  o.optimize = false;
  auto s = Session::create(m, o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  auto out = (*s)->run({{"x", x}});
  EXPECT_TRUE(out.ok()) << out.status().message();
  if (!out.ok()) return {};
  auto sp = out->front().span<float>();
  return {sp.begin(), sp.end()};
}

}  // namespace

TEST(UpgradeOpset, SameOutputsNewForms) {
  const Model before = opset9_model();
  Model after = before;
  ASSERT_TRUE(upgrade_opset(after, 13).ok());
  EXPECT_EQ(after.opset(""), 13);
  EXPECT_GE(after.ir_version, 7);
  std::map<std::string, int> ops;
  for (const Node& n : after.graph.nodes) {
    ++ops[n.op_type];
    EXPECT_FALSE(n.has_attr("starts") || n.has_attr("min") || n.has_attr("axes")) << n.label();
  }
  EXPECT_EQ(ops["Dropout"], 0);
  EXPECT_EQ(ops["Flatten"], 1);  // Softmax over axis 1 of 3 keeps its 2-D meaning
  EXPECT_EQ(ops["Reshape"], 1);

  Tensor x = generated_sample(before, 3).at("x");
  const std::vector<float> want = run(before, x), got = run(after, x);
  ASSERT_EQ(want.size(), got.size());
  ASSERT_FALSE(want.empty());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(want[i], got[i], 1e-6f) << i;
}

TEST(UpgradeOpset, RefusesWhatHasNoExactForm) {
  Model m;
  m.opsets = {{"", 9}};
  m.graph.inputs.push_back({"x", TypeInfo(DType::Float, {1, 1, 2, 2}), ""});
  m.graph.initializers["scales"] = Tensor::from_vector(std::vector<float>{1, 1, 2, 2});
  m.graph.nodes = {make_node("Upsample", {"x", "scales"}, {"y"}, "up")};
  m.graph.outputs.push_back({"y", TypeInfo(DType::Float, {1, 1, 4, 4}), ""});
  Status s = upgrade_opset(m, 13);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Upsample"), std::string::npos) << s.message();
  // Nothing to do: no error, no change.
  Model n = opset9_model();
  n.opsets = {{"", 13}};
  EXPECT_TRUE(upgrade_opset(n, 11).ok());
  EXPECT_EQ(n.opset(""), 13);
}

// fuse_hard_sigmoid: Clip(x + 3, 0, 6) / 6 (or * 1/6) becomes HardSigmoid at any opset; the
// swish-shaped product becomes x * HardSigmoid(x); other bounds stay.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// Clip bounds as inputs (opset >= 11) or attributes.
Node clip(int64_t opset, const std::string& in, const std::string& out, float hi = 6) {
  if (opset >= 11) return op("Clip", {in, "zero", hi == 6 ? "six" : "hi"}, {out});
  return op("Clip", {in}, {out}, {attr_float("min", 0), attr_float("max", hi)});
}

std::map<std::string, Tensor> consts() {
  return {{"three", scalar(3)}, {"zero", scalar(0)}, {"six", scalar(6)}, {"sixth", scalar(1.f / 6)}, {"hi", scalar(5)}};
}

}  // namespace

TEST(PassFuseHardSigmoid, DivAndMulForms) {
  for (int64_t opset : {9, 11, 17})
    for (bool div : {true, false}) {
      Model m = graph_model(opset, {{"x", {2, 7}}}, {"y"},
                            {op("Add", {"x", "three"}, {"a"}), clip(opset, "a", "c"),
                             div ? op("Div", {"c", "six"}, {"y"}) : op("Mul", {"sixth", "c"}, {"y"})},
                            consts());
      const Model before = m;
      EXPECT_EQ(apply(m, "fuse_hard_sigmoid"), 1) << opset;
      EXPECT_EQ(count_nodes(m), 1);
      EXPECT_EQ(count_op(m, "HardSigmoid"), 1);
      expect_same_outputs(before, m);
    }
}

TEST(PassFuseHardSigmoid, SwishProductBecomesTimesHardSigmoid) {
  Model m = graph_model(11, {{"x", {2, 7}}}, {"y"},
                        {op("Add", {"x", "three"}, {"a"}), clip(11, "a", "c"), op("Mul", {"x", "c"}, {"p"}), op("Div", {"p", "six"}, {"y"})},
                        consts());
  const Model before = m;
  EXPECT_EQ(apply(m, "fuse_hard_sigmoid"), 1);
  EXPECT_EQ(count_nodes(m), 2);
  EXPECT_EQ(count_op(m, "HardSigmoid"), 1);
  expect_same_outputs(before, m);
}

TEST(PassFuseHardSigmoid, OtherBoundsOrSharedValuesStay) {
  Model bound = graph_model(11, {{"x", {4}}}, {"y"},
                            {op("Add", {"x", "three"}, {"a"}), clip(11, "a", "c", 5), op("Div", {"c", "six"}, {"y"})}, consts());
  EXPECT_EQ(apply(bound, "fuse_hard_sigmoid"), 0);
  Model shared = graph_model(11, {{"x", {4}}}, {"y", "a"},
                             {op("Add", {"x", "three"}, {"a"}), clip(11, "a", "c"), op("Div", {"c", "six"}, {"y"})}, consts());
  EXPECT_EQ(apply(shared, "fuse_hard_sigmoid"), 0);
}

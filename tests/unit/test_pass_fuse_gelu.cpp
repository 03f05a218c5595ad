// fuse_gelu: match_gelu sees the erf form however its product is grouped; the pass fuses only
// from opset 20 and only into a Gelu the runtime can run.
#include "unit/pass_test.h"

#include "passes/patterns.h"

#include "ops/op.h"

#include <cmath>

using namespace sz0;
using namespace sz0::test;

namespace {

// 0.5 * x * (1 + erf(x / sqrt 2)), grouped three ways; `mul_form` uses x * (1 / sqrt 2).
Model gelu(int64_t opset, int grouping, bool mul_form = false) {
  std::vector<Node> nodes = {mul_form ? op("Mul", {"x", "rsqrt2"}, {"t"}) : op("Div", {"x", "sqrt2"}, {"t"}),
                             op("Erf", {"t"}, {"e"}), op("Add", {"one", "e"}, {"e1"})};
  if (grouping == 0) {
    nodes.push_back(op("Mul", {"x", "e1"}, {"p"}));
    nodes.push_back(op("Mul", {"p", "half"}, {"y"}));
  } else if (grouping == 1) {
    nodes.push_back(op("Mul", {"half", "x"}, {"p"}));
    nodes.push_back(op("Mul", {"p", "e1"}, {"y"}));
  } else {
    nodes.push_back(op("Mul", {"e1", "half"}, {"p"}));
    nodes.push_back(op("Mul", {"x", "p"}, {"y"}));
  }
  return graph_model(opset, {{"x", {4, 6}}}, {"y"}, nodes,
                     {{"sqrt2", scalar(static_cast<float>(std::sqrt(2.0)))}, {"rsqrt2", scalar(static_cast<float>(1 / std::sqrt(2.0)))},
                      {"one", scalar(1)}, {"half", scalar(0.5f)}});
}

}  // namespace

TEST(PassFuseGelu, MatcherSeesEveryGrouping) {
  for (int grouping = 0; grouping < 3; ++grouping)
    for (bool mul_form : {false, true}) {
      Model m = gelu(17, grouping, mul_form);
      passes::GraphView v(m.graph, m, nullptr);
      auto match = passes::match_gelu(v, v.size() - 1);
      ASSERT_TRUE(match.has_value()) << grouping << mul_form;
      EXPECT_EQ(match->x, "x");
      EXPECT_EQ(match->nodes.size(), 5u);
    }
}

TEST(PassFuseGelu, NotBeforeOpset20) {
  Model m = gelu(17, 0);
  EXPECT_EQ(apply(m, "fuse_gelu"), 0);
  EXPECT_EQ(count_op(m, "Erf"), 1);
}

TEST(PassFuseGelu, FromOpset20WhenTheRuntimeRunsGelu) {
  Model m = gelu(20, 1);
  const Model before = m;
  const bool runnable = ops::is_supported("", "Gelu", 20);
  EXPECT_EQ(apply(m, "fuse_gelu"), runnable ? 1 : 0);
  EXPECT_EQ(count_op(m, "Gelu"), runnable ? 1 : 0);
  if (runnable) expect_same_outputs(before, m, 1e-5, 1e-4);
}

TEST(PassFuseGelu, NotWhenAnInteriorValueIsShared) {
  Model m = gelu(17, 0);
  m.graph.outputs.push_back({"e", TypeInfo{}, ""});
  passes::GraphView v(m.graph, m, nullptr);
  EXPECT_FALSE(passes::match_gelu(v, v.size() - 1).has_value());
  Model wrong = gelu(17, 0);
  wrong.graph.initializers["half"] = scalar(0.25f);
  passes::GraphView w(wrong.graph, wrong, nullptr);
  EXPECT_FALSE(passes::match_gelu(w, w.size() - 1).has_value());
}

// cancel_squeeze_unsqueeze: a Squeeze undoing an Unsqueeze (or the reverse) over the same axes
// goes, at opsets with axes as attributes and as inputs; different axes stay.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

TEST(PassCancelSqueezeUnsqueeze, UnsqueezeThenSqueezeWithInputs) {
  Model m = graph_model(13, {{"x", {2, 3}}}, {"y"},
                        {op("Unsqueeze", {"x", "a1"}, {"u"}), op("Squeeze", {"u", "a2"}, {"s"}), op("Relu", {"s"}, {"y"})},
                        {{"a1", i64({0, 3})}, {"a2", i64({-1, 0})}});
  const Model before = m;
  EXPECT_EQ(apply(m, "cancel_squeeze_unsqueeze"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_nodes(m), 1);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelSqueezeUnsqueeze, SqueezeThenUnsqueezeWithAttributes) {
  Model m = graph_model(11, {{"x", {2, 1, 3}}}, {"y"},
                        {op("Squeeze", {"x"}, {"s"}, {attr_ints("axes", {1})}), op("Unsqueeze", {"s"}, {"u"}, {attr_ints("axes", {-2})}),
                         op("Relu", {"u"}, {"y"})});
  const Model before = m;
  EXPECT_EQ(apply(m, "cancel_squeeze_unsqueeze"), 1);
  apply(m, "eliminate_dead_code");
  EXPECT_EQ(count_nodes(m), 1);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassCancelSqueezeUnsqueeze, DifferentAxesStay) {
  Model m = graph_model(13, {{"x", {1, 3, 1}}}, {"y"},
                        {op("Squeeze", {"x", "a1"}, {"s"}), op("Unsqueeze", {"s", "a2"}, {"y"})},
                        {{"a1", i64({0})}, {"a2", i64({2})}});
  EXPECT_EQ(apply(m, "cancel_squeeze_unsqueeze"), 0);
  Model all = graph_model(13, {{"x", {1, 3}}}, {"y"}, {op("Squeeze", {"x"}, {"s"}), op("Unsqueeze", {"s", "a"}, {"y"})},
                          {{"a", i64({0})}});
  EXPECT_EQ(apply(all, "cancel_squeeze_unsqueeze"), 0);  // no axes: not provably the same
}

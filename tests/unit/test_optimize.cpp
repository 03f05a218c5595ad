// optimize_model: the pipeline per level over whole models: outputs unchanged, never more ops,
// only ops valid at the model's opset, a second run finds nothing, errors leave the model as
// it was, subgraphs optimized without losing what they capture.
#include "unit/pass_test.h"

#include <sz0/zoo.h>

#include "ops/op.h"

using namespace sz0;
using namespace sz0::test;

namespace {

std::map<std::string, Tensor> zoo_feeds(const zoo::ZooModel& z, uint32_t seed) {
  std::map<std::string, Tensor> feeds;
  for (const zoo::InputSpec& in : z.inputs) {
    Shape shape{2};
    shape.insert(shape.end(), in.dims.begin(), in.dims.end());
    feeds[in.name] = in.dtype == DType::Int64 ? random_tensor(DType::Int64, shape, seed, 0, 999) : random_tensor(in.dtype, shape, seed);
  }
  return feeds;
}

}  // namespace

TEST(Optimize, LevelNames) {
  for (OptLevel l : {OptLevel::Basic, OptLevel::Extended, OptLevel::All}) EXPECT_EQ(parse_opt_level(opt_level_name(l)), l);
  EXPECT_FALSE(parse_opt_level("max").has_value());
}

TEST(Optimize, ZooModelsKeepTheirOutputs) {
  for (const zoo::ZooModel& z : zoo::models()) {
    SCOPED_TRACE(z.name);
    auto built = z.build({.seed = 5});
    ASSERT_TRUE(built.ok()) << built.status().message();
    const Model original = std::move(*built);
    const auto feeds = zoo_feeds(z, 9);
    auto want = run_model(original, feeds);
    ASSERT_TRUE(want.ok()) << want.status().message();
    for (OptLevel level : {OptLevel::Basic, OptLevel::Extended, OptLevel::All}) {
      Model m = original;
      m.graph = passes::deep_copy(original.graph);
      OptimizeOptions o;
      o.level = level;
      auto r = optimize_model(m, o);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TRUE(validate_model(m).empty());
      EXPECT_LE(count_nodes(m), count_nodes(original));
      for (auto& [op_type, n] : r->ops_after) {
        EXPECT_EQ(op_type.find(':'), std::string::npos) << op_type;  // ai.onnx only
        EXPECT_TRUE(ops::is_supported("", op_type, m.opset(""))) << op_type;
      }
      auto got = run_model(m, feeds);
      ASSERT_TRUE(got.ok()) << got.status().message();
      ASSERT_EQ(got->size(), want->size());
      for (size_t i = 0; i < got->size(); ++i) EXPECT_TENSOR_NEAR((*got)[i], (*want)[i], 1e-4, 1e-3);
    }
  }
}

TEST(Optimize, LevelsAreCumulative) {
  auto built = zoo::build_model("resnet-s");
  ASSERT_TRUE(built.ok());
  Model basic = *built, extended = *built;
  OptimizeOptions o;
  o.level = OptLevel::Basic;
  ASSERT_TRUE(optimize_model(basic, o).ok());
  EXPECT_GT(count_op(basic, "BatchNormalization"), 0);
  o.level = OptLevel::Extended;
  auto r = optimize_model(extended, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(count_op(extended, "BatchNormalization"), 0);
  for (auto& [pass, n] : r->applied) EXPECT_NE(pass, "fuse_layer_norm");  // an 'all' pass
}

TEST(Optimize, SecondRunFindsNothing) {
  auto built = zoo::build_model("mobilenet-s");
  ASSERT_TRUE(built.ok());
  Model m = std::move(*built);
  ASSERT_TRUE(optimize_model(m, {}).ok());
  auto again = optimize_model(m, {});
  ASSERT_TRUE(again.ok());
  for (auto& [pass, n] : again->applied) EXPECT_EQ(n, 0) << pass;
  EXPECT_EQ(again->rounds, 1);
  EXPECT_EQ(again->ops_before, again->ops_after);
}

TEST(Optimize, ReportCountsOpsAndParameters) {
  Model m = graph_model(17, {{"x", {2, 3}}}, {"y"},
                        {op("Constant", {}, {"c"}, {attr_tensor("value", f32({1, 2, 3}, {3}))}), op("Identity", {"x"}, {"i"}),
                         op("Add", {"i", "c"}, {"y"})},
                        {{"unused", f32({1, 2}, {2})}});
  auto r = optimize_model(m, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ops_before.at("Constant"), 1);
  EXPECT_EQ(r->ops_after.count("Constant"), 0u);
  EXPECT_EQ(r->ops_after.at("Add"), 1);
  EXPECT_EQ(r->params_before, 2);
  EXPECT_EQ(r->params_after, 3);  // the Constant became an initializer; the unused one went
  ASSERT_FALSE(r->applied.empty());
  EXPECT_EQ(r->applied.front().first, "eliminate_identity");
  EXPECT_EQ(r->applied.back().first, "eliminate_dead_code");
}

TEST(Optimize, ErrorsLeaveTheModelAsItWas) {
  auto built = zoo::build_model("mlp");
  ASSERT_TRUE(built.ok());
  Model m = std::move(*built);
  const int nodes = count_nodes(m);
  OptimizeOptions o;
  o.fixed_shapes["nope"] = {1, 256};
  EXPECT_FALSE(optimize_model(m, o).ok());
  o.fixed_shapes = {{"x", {1, 2, 256}}};  // wrong rank
  auto r = optimize_model(m, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'x'"), std::string::npos) << r.status().message();
  EXPECT_EQ(count_nodes(m), nodes);
  EXPECT_EQ(m.graph.inputs[0].type.str(), "float32[batch,256]");
  Model broken = graph_model(17, {{"x", {2}}}, {"y"}, {op("Relu", {"nowhere"}, {"y"})});
  EXPECT_FALSE(optimize_model(broken, {}).ok());
}

TEST(Optimize, SubgraphsAreOptimizedAndKeepTheirCaptures) {
  // then: Relu(Identity(outer) + folded constant); else: the outer value itself.
  Graph then_g;
  then_g.outputs.push_back({"t", TypeInfo{}, ""});
  then_g.nodes = {op("Identity", {"outer"}, {"oi"}), op("Constant", {}, {"k"}, {attr_tensor("value", scalar(2))}),
                  op("Mul", {"k", "k"}, {"k2"}), op("Add", {"oi", "k2"}, {"s"}), op("Relu", {"s"}, {"t"})};
  Graph else_g;
  else_g.outputs.push_back({"outer", TypeInfo{}, ""});
  Model m = graph_model(17, {{"x", {3}}}, {"y"},
                        {op("Neg", {"x"}, {"outer"}),
                         op("If", {"c"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})});
  m.graph.inputs.push_back({"c", TypeInfo(DType::Bool, {}), ""});
  Model original = m;
  original.graph = passes::deep_copy(m.graph);
  auto r = optimize_model(m, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(count_op(m, "Identity"), 0);
  EXPECT_EQ(count_op(m, "Constant"), 0);
  EXPECT_EQ(count_op(m, "Neg"), 1);  // captured by both branches
  for (bool c : {true, false}) {
    std::map<std::string, Tensor> feeds = {{"x", f32({-1, 0.5f, -3}, {3})}, {"c", Tensor::scalar<bool>(c)}};
    auto a = run_model(original, feeds);
    auto b = run_model(m, feeds);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status().message() << " / " << b.status().message();
    EXPECT_TENSOR_NEAR((*b)[0], (*a)[0], 0, 0);
  }
}

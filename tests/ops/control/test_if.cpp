#include "control_test.h"

#include "ops/op.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// then: float[3] constant; else: float[2,2] constant (different shapes).
Graph const_branch(const std::string& name, Tensor value) {
  return make_graph(name, {}, {vi(name + "_out", value.dtype(), TypeInfo::of(value).shape)}, {},
                    {{name + "_out", value}});
}

Graph if_model(Graph then_g, Graph else_g, int num_outputs = 1) {
  Node n = make_node("If", {"cond"}, {}, {attr_graph("then_branch", std::move(then_g)), attr_graph("else_branch", std::move(else_g))});
  std::vector<ValueInfo> outs;
  for (int i = 0; i < num_outputs; ++i) {
    n.outputs.push_back("y" + std::to_string(i));
    outs.push_back(vi("y" + std::to_string(i)));
  }
  return make_graph("main", {vi("cond", DType::Bool, std::vector<Dim>{})}, outs, {n});
}

}  // namespace

TEST(If, BranchesWithDifferentShapes) {
  const Tensor a = Tensor::from_vector<float>({1, 2, 3});
  const Tensor b = Tensor::from_vector<float>({4, 5, 6, 7}, {2, 2});
  for (int64_t opset : {7, 11, 13, 16, 17}) {
    for (bool c : {true, false}) {
      auto r = run_graph(if_model(const_branch("then", a), const_branch("else", b)), {{"cond", Tensor::scalar(c)}}, opset);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], c ? a : b, 0, 0);
    }
  }
}

TEST(If, BranchesReadOuterScope) {
  // then: x + x (computed from the outer graph's input); else: x itself as the branch output.
  Graph then_g = make_graph("then", {}, {vi("t")}, {test_node("Add", {"x", "x"}, {"t"})});
  Graph else_g = make_graph("else", {}, {vi("x")}, {});
  Node n = make_node("If", {"cond"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)});
  Node after = test_node("Add", {"y", "x"}, {"z"});  // x still alive after the If
  const Tensor x = random_tensor(DType::Float, {3, 7}, 1);
  Graph main = make_graph("main", inputs_of({{"cond", Tensor::scalar(true)}, {"x", x}}), {vi("y"), vi("z")}, {n, after});
  for (bool c : {true, false}) {
    auto r = run_graph(main, {{"cond", Tensor::scalar(c)}, {"x", x}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    Tensor expect(DType::Float, x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) expect.data<float>()[i] = c ? 2 * x.data<float>()[i] : x.data<float>()[i];
    EXPECT_TENSOR_NEAR((*r)[0], expect, 0, 0);
    Tensor z(DType::Float, x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) z.data<float>()[i] = expect.data<float>()[i] + x.data<float>()[i];
    EXPECT_TENSOR_NEAR((*r)[1], z, 0, 0);
  }
}

TEST(If, MultipleOutputsAndInt64) {
  const Tensor a = Tensor::from_vector<int64_t>({1, 2});
  const Tensor b = Tensor::from_vector<int64_t>({9});
  Graph then_g = make_graph("then", {}, {vi("p"), vi("q")}, {}, {{"p", a}, {"q", b}});
  Graph else_g = make_graph("else", {}, {vi("r"), vi("s")}, {}, {{"r", b}, {"s", a}});
  auto r = run_graph(if_model(then_g, else_g, 2), {{"cond", Tensor::scalar(false)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], b, 0, 0);
  EXPECT_TENSOR_NEAR((*r)[1], a, 0, 0);
}

TEST(If, CondWithOneElementOfRankOne) {
  const Tensor a = Tensor::from_vector<float>({1});
  const Tensor b = Tensor::from_vector<float>({2});
  Graph g = if_model(const_branch("then", a), const_branch("else", b));
  g.inputs[0] = vi("cond", DType::Bool, std::vector<Dim>{1});
  auto r = run_graph(g, {{"cond", Tensor::from_vector<bool>({true})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], a, 0, 0);
}

TEST(If, Errors) {
  const Tensor a = Tensor::from_vector<float>({1});
  // cond with two elements
  Graph g = if_model(const_branch("then", a), const_branch("else", a));
  g.inputs[0] = vi("cond", DType::Bool, std::vector<Dim>{2});
  EXPECT_FALSE(run_graph(g, {{"cond", Tensor::from_vector<bool>({true, false})}}).ok());
  // cond not bool
  g.inputs[0] = vi("cond", DType::Float, std::vector<Dim>{});
  EXPECT_FALSE(run_graph(g, {{"cond", Tensor::scalar<float>(1)}}).ok());
  // branches with different output counts
  Graph two = make_graph("then", {}, {vi("p"), vi("q")}, {}, {{"p", a}, {"q", a}});
  EXPECT_FALSE(run_graph(if_model(two, const_branch("else", a)), {{"cond", Tensor::scalar(true)}}).ok());
  // more node outputs than branch outputs
  EXPECT_FALSE(run_graph(if_model(const_branch("then", a), const_branch("else", a), 2), {{"cond", Tensor::scalar(true)}}).ok());
  // missing branch
  Node n = make_node("If", {"cond"}, {"y"}, {attr_graph("then_branch", const_branch("then", a))});
  EXPECT_FALSE(run_graph(make_graph("main", {vi("cond", DType::Bool, std::vector<Dim>{})}, {vi("y")}, {n}),
                         {{"cond", Tensor::scalar(true)}})
                   .ok());
}

TEST(If, InferMergesBranchTypes) {
  ops::InferFn infer = ops::find_infer("", "If", 13);
  ASSERT_NE(infer, nullptr);
  auto check = [&](Graph t, Graph e, const Tensor* cond_value) {
    Node n = make_node("If", {"cond"}, {"y"}, {attr_graph("then_branch", std::move(t)), attr_graph("else_branch", std::move(e))});
    ops::InferContext ctx(n, 13);
    ctx.inputs = {TypeInfo(DType::Bool, {})};
    ctx.values = {cond_value};
    Status s = ops::infer_node(ctx);
    EXPECT_TRUE(s.ok()) << s.message();
    return ctx.outputs.at(0);
  };
  const Tensor a = Tensor::from_vector<float>({1, 2, 3});
  const Tensor b = Tensor::from_vector<float>({4, 5, 6, 7}, {2, 2});
  const Tensor c = Tensor::from_vector<float>({4, 5});
  TypeInfo t = check(const_branch("then", a), const_branch("else", b), nullptr);
  EXPECT_EQ(t.dtype, DType::Float);
  EXPECT_FALSE(t.has_rank());
  t = check(const_branch("then", a), const_branch("else", c), nullptr);
  EXPECT_EQ(t.str(), "float32[?]");
  t = check(const_branch("then", a), const_branch("else", a), nullptr);
  EXPECT_EQ(t.str(), "float32[3]");
  const Tensor yes = Tensor::scalar(true);
  t = check(const_branch("then", a), const_branch("else", b), &yes);
  EXPECT_EQ(t.str(), "float32[3]");
  // Undeclared output types: the dtype comes from inference through the branch.
  Graph then_g = make_graph("then", {}, {vi("t")}, {test_node("Add", {"k", "k"}, {"t"})}, {{"k", a}});
  t = check(then_g, make_graph("else", {}, {vi("e")}, {}, {{"e", b}}), nullptr);
  EXPECT_EQ(t.dtype, DType::Float);
}

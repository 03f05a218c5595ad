#include "control_test.h"

#include "ops/op.h"

using namespace sz0;
using namespace sz0::test;

namespace {

const std::vector<Dim> kScalar{};

// Body: y_out = y_in + x (x from the outer scope), scans: y_out and the iteration number;
// cond_out = (i + 1 < limit) when `limit` is set (an outer value), else cond_in.
Graph accumulate_body(bool with_limit, bool declare = true) {
  std::vector<Node> nodes;
  nodes.push_back(test_node("Add", {"y_in", "x"}, {"y_out"}));
  if (with_limit) {
    nodes.push_back(test_node("Add", {"i", "one"}, {"i1"}));
    nodes.push_back(test_node("Less", {"i1", "limit"}, {"cond_out"}));
  }
  const DType f = declare ? DType::Float : DType::Undefined;
  return make_graph("body",
                    {vi("i", DType::Int64, kScalar), vi("cond_in", DType::Bool, kScalar), vi("y_in", f)},
                    {vi(with_limit ? "cond_out" : "cond_in", DType::Bool, kScalar), vi("y_out", f), vi("y_out", f),
                     vi("i", declare ? DType::Int64 : DType::Undefined, declare ? std::optional(kScalar) : std::nullopt)},
                    nodes, {{"one", Tensor::scalar<int64_t>(1)}});
}

struct LoopRun {
  Tensor y, ys, is;
};

// Main graph: Loop(M?, cond?, y0) -> y, ys, is.
Result<LoopRun> run_accumulate(std::optional<int64_t> m, std::optional<bool> cond, std::optional<int64_t> limit,
                               const Tensor& y0, const Tensor& x, int64_t opset = 17, bool declare = true) {
  std::vector<std::pair<std::string, Tensor>> feeds{{"y0", y0}, {"x", x}};
  if (m) feeds.push_back({"m", Tensor::scalar<int64_t>(*m)});
  if (cond) feeds.push_back({"c", Tensor::scalar<bool>(*cond)});
  if (limit) feeds.push_back({"limit", Tensor::scalar<int64_t>(*limit)});
  Node loop = make_node("Loop", {m ? "m" : "", cond ? "c" : "", "y0"}, {"y", "ys", "is"},
                        {attr_graph("body", accumulate_body(limit.has_value(), declare))});
  Graph g = make_graph("main", inputs_of(feeds), {vi("y"), vi("ys"), vi("is")}, {loop});
  std::map<std::string, Tensor> fm(feeds.begin(), feeds.end());
  SZ0_ASSIGN(auto out, run_graph(std::move(g), fm, opset));
  return LoopRun{out[0], out[1], out[2]};
}

// Naive reference for the same loop.
LoopRun reference(int64_t trips, const Tensor& y0, const Tensor& x) {
  Tensor y = y0.clone();
  Shape ys_shape = y0.shape();
  ys_shape.insert(ys_shape.begin(), trips);
  LoopRun r{Tensor(), Tensor(DType::Float, ys_shape), Tensor(DType::Int64, {trips})};
  for (int64_t t = 0; t < trips; ++t) {
    for (int64_t i = 0; i < y.numel(); ++i) {
      y.data<float>()[i] += x.data<float>()[i];
      r.ys.data<float>()[t * y.numel() + i] = y.data<float>()[i];
    }
    r.is.data<int64_t>()[t] = t;
  }
  r.y = y;
  return r;
}

void expect_run(const Result<LoopRun>& r, int64_t trips, const Tensor& y0, const Tensor& x) {
  ASSERT_TRUE(r.ok()) << r.status().message();
  LoopRun e = reference(trips, y0, x);
  EXPECT_TENSOR_NEAR(r->y, e.y, 1e-6, 1e-6);
  EXPECT_TENSOR_NEAR(r->is, e.is, 0, 0);
  if (trips > 0) {
    EXPECT_TENSOR_NEAR(r->ys, e.ys, 1e-6, 1e-6);
  } else {
    // The body declares y_out without a shape: only the dtype and emptiness are known.
    EXPECT_EQ(r->ys.dtype(), DType::Float);
    EXPECT_EQ(r->ys.numel(), 0);
  }
}

}  // namespace

TEST(Loop, TripCountOnly) {
  const Tensor y0 = random_tensor(DType::Float, {3, 7}, 1);
  const Tensor x = random_tensor(DType::Float, {3, 7}, 2);
  for (int64_t opset : {7, 11, 13, 16, 17})
    for (int64_t m : {1, 5, 13}) expect_run(run_accumulate(m, std::nullopt, std::nullopt, y0, x, opset), m, y0, x);
}

TEST(Loop, CondOnly) {
  const Tensor y0 = random_tensor(DType::Float, {2}, 3);
  const Tensor x = random_tensor(DType::Float, {2}, 4);
  // cond_out = i + 1 < limit: runs `limit` iterations (at least one: cond starts true).
  for (int64_t limit : {1, 4, 7}) expect_run(run_accumulate(std::nullopt, true, limit, y0, x), limit, y0, x);
  // cond false from the start: no iteration.
  expect_run(run_accumulate(std::nullopt, false, 4, y0, x), 0, y0, x);
}

TEST(Loop, TripCountAndCond) {
  const Tensor y0 = random_tensor(DType::Float, {1, 3}, 5);
  const Tensor x = random_tensor(DType::Float, {1, 3}, 6);
  expect_run(run_accumulate(10, true, 4, y0, x), 4, y0, x);   // cond stops it
  expect_run(run_accumulate(3, true, 8, y0, x), 3, y0, x);    // M stops it
  expect_run(run_accumulate(3, false, 8, y0, x), 0, y0, x);   // never starts
  // Neither input: the body's condition output ends the loop.
  expect_run(run_accumulate(std::nullopt, std::nullopt, 6, y0, x), 6, y0, x);
}

TEST(Loop, ZeroIterations) {
  const Tensor y0 = random_tensor(DType::Float, {2, 3}, 7);
  const Tensor x = random_tensor(DType::Float, {2, 3}, 8);
  for (int64_t m : {0, -3}) {
    auto r = run_accumulate(m, std::nullopt, std::nullopt, y0, x);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR(r->y, y0, 0, 0);
    // Declared per-iteration types: float (rank unknown) and int64 scalar.
    EXPECT_EQ(r->ys.dtype(), DType::Float);
    EXPECT_EQ(r->ys.numel(), 0);
    EXPECT_EQ(r->is.dtype(), DType::Int64);
    EXPECT_EQ(r->is.shape(), Shape{0});
  }
  // Undeclared body output types: the dtype comes from inference through the body.
  auto r = run_accumulate(0, std::nullopt, std::nullopt, Tensor::from_vector<float>({1, 2}),
                          Tensor::from_vector<float>({1, 2}), 17, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->ys.dtype(), DType::Float);
  EXPECT_EQ(r->is.dtype(), DType::Int64);
  EXPECT_EQ(r->is.shape(), Shape{0});
}

TEST(Loop, ZeroIterationsDeclaredShape) {
  // Body scan output declared float[2,3]: the empty output is [0,2,3].
  Graph body = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar)},
                          {vi("c", DType::Bool, kScalar), vi("k", DType::Float, std::vector<Dim>{2, 3})}, {},
                          {{"k", Tensor(DType::Float, {2, 3})}});
  Node loop = make_node("Loop", {"m", ""}, {"s"}, {attr_graph("body", body)});
  Graph g = make_graph("main", {vi("m", DType::Int64, kScalar)}, {vi("s")}, {loop});
  auto r = run_graph(g, {{"m", Tensor::scalar<int64_t>(0)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{0, 2, 3}));
  r = run_graph(g, {{"m", Tensor::scalar<int64_t>(2)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 2, 3}));
}

TEST(Loop, CarriedValueChangesShape) {
  // y grows by one row per iteration (concat along axis 0): shapes may change for carried values.
  Graph body = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar), vi("y_in")},
                          {vi("c", DType::Bool, kScalar), vi("y_out")},
                          {test_node("Concat", {"y_in", "row"}, {"y_out"}, {attr_int("axis", 0)})});
  Node loop = make_node("Loop", {"m", "", "y0"}, {"y"}, {attr_graph("body", body)});
  const Tensor row = Tensor::from_vector<int64_t>({7, 8}, {1, 2});
  const Tensor y0 = Tensor::from_vector<int64_t>({1, 2}, {1, 2});
  Graph g = make_graph("main", inputs_of({{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}, {"row", row}}), {vi("y")}, {loop});
  auto r = run_graph(g, {{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}, {"row", row}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({1, 2, 7, 8, 7, 8, 7, 8}, {4, 2}), 0, 0);
}

TEST(Loop, InsideIfReadingOuterScopes) {
  // main: If(cond) { then: Loop(M, "", acc0) body: acc = acc + x + b  (x from main, b from the
  // then-branch) ; else: x }.
  Graph body = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar), vi("acc_in")},
                          {vi("c", DType::Bool, kScalar), vi("acc_out"), vi("acc_out")},
                          {test_node("Add", {"acc_in", "x"}, {"t"}), test_node("Add", {"t", "b"}, {"acc_out"})});
  Graph then_g = make_graph("then", {}, {vi("res")},
                            {test_node("Add", {"x", "x"}, {"b"}),
                             make_node("Loop", {"m", "", "x"}, {"res", "scan"}, {attr_graph("body", body)})});
  Graph else_g = make_graph("else", {}, {vi("x")}, {});
  Node n = make_node("If", {"cond"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)});
  const Tensor x = random_tensor(DType::Float, {5}, 9);
  Graph g = make_graph("main", inputs_of({{"cond", Tensor::scalar(true)}, {"m", Tensor::scalar<int64_t>(4)}, {"x", x}}),
                       {vi("y")}, {n});
  auto r = run_graph(g, {{"cond", Tensor::scalar(true)}, {"m", Tensor::scalar<int64_t>(4)}, {"x", x}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  Tensor e = x.clone();
  for (int t = 0; t < 4; ++t)
    for (int64_t i = 0; i < 5; ++i) e.data<float>()[i] += x.data<float>()[i] + 2 * x.data<float>()[i];
  EXPECT_TENSOR_NEAR((*r)[0], e, 1e-6, 1e-6);
  r = run_graph(g, {{"cond", Tensor::scalar(false)}, {"m", Tensor::scalar<int64_t>(4)}, {"x", x}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
}

TEST(Loop, NestedLoopsReadEnclosingIteration) {
  // outer Loop(3): inner Loop(2) scans (i_outer + j_inner); outer scans the inner scan.
  Graph inner = make_graph("inner", {vi("j", DType::Int64, kScalar), vi("c2", DType::Bool, kScalar)},
                           {vi("c2", DType::Bool, kScalar), vi("s")}, {test_node("Add", {"i", "j"}, {"s"})});
  Graph outer = make_graph("outer", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar)},
                           {vi("c", DType::Bool, kScalar), vi("rows")},
                           {make_node("Loop", {"two", ""}, {"rows"}, {attr_graph("body", inner)})},
                           {{"two", Tensor::scalar<int64_t>(2)}});
  Node loop = make_node("Loop", {"three", ""}, {"grid"}, {attr_graph("body", outer)});
  Graph g = make_graph("main", {}, {vi("grid")}, {loop}, {{"three", Tensor::scalar<int64_t>(3)}});
  auto r = run_graph(g, {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({0, 1, 1, 2, 2, 3}, {3, 2}), 0, 0);
}

TEST(Loop, Errors) {
  const Tensor y0 = Tensor::from_vector<float>({1, 2});
  // Scan output changes shape between iterations.
  Graph body = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar), vi("y_in")},
                          {vi("c", DType::Bool, kScalar), vi("y_out"), vi("y_out")},
                          {test_node("Concat", {"y_in", "y_in"}, {"y_out"}, {attr_int("axis", 0)})});
  Node loop = make_node("Loop", {"m", "", "y0"}, {"y", "s"}, {attr_graph("body", body)});
  Graph g = make_graph("main", inputs_of({{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}}), {vi("y"), vi("s")}, {loop});
  auto r = run_graph(g, {{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("scan output 0 changed"), std::string::npos) << r.status().message();
  // M with two elements.
  g.inputs[0] = vi("m", DType::Int64, std::vector<Dim>{2});
  r = run_graph(g, {{"m", Tensor::from_vector<int64_t>({1, 2})}, {"y0", y0}});
  ASSERT_FALSE(r.ok());
  // Body input count not matching the carried values.
  Node bad = make_node("Loop", {"m", "", "y0", "y0"}, {"y", "z"}, {attr_graph("body", body)});
  g = make_graph("main", inputs_of({{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}}), {vi("y"), vi("z")}, {bad});
  r = run_graph(g, {{"m", Tensor::scalar<int64_t>(3)}, {"y0", y0}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("body takes 3 inputs"), std::string::npos) << r.status().message();
  // Missing body.
  // (Each node has an output the graph returns: a node nothing reads is dropped before running.)
  Node nobody = make_node("Loop", {"m", ""}, {"s"});
  g = make_graph("main", inputs_of({{"m", Tensor::scalar<int64_t>(3)}}), {vi("s")}, {nobody});
  EXPECT_FALSE(run_graph(g, {{"m", Tensor::scalar<int64_t>(3)}}).ok());
  // Body condition output not bool.
  Graph fbody = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar)}, {vi("i"), vi("i")}, {});
  Node floop = make_node("Loop", {"m", ""}, {"s"}, {attr_graph("body", fbody)});
  g = make_graph("main", inputs_of({{"m", Tensor::scalar<int64_t>(3)}}), {vi("s")}, {floop});
  r = run_graph(g, {{"m", Tensor::scalar<int64_t>(3)}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("must be bool"), std::string::npos) << r.status().message();
}

TEST(Loop, InferTypes) {
  Node loop = make_node("Loop", {"m", "", "y0"}, {"y", "ys", "is"}, {attr_graph("body", accumulate_body(false))});
  ops::InferContext ctx(loop, 17);
  const Tensor m = Tensor::scalar<int64_t>(5);
  ctx.inputs = {TypeInfo(DType::Int64, {}), TypeInfo{}, TypeInfo(DType::Float, {Dim(2), Dim("n")})};
  ctx.values = {&m, nullptr, nullptr};
  Status s = ops::infer_node(ctx);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ctx.outputs[0].dtype, DType::Float);
  EXPECT_FALSE(ctx.outputs[0].has_rank());  // the body does not declare a shape for y_out
  EXPECT_EQ(ctx.outputs[1].dtype, DType::Float);
  EXPECT_EQ(ctx.outputs[2].str(), "int64[5]");
}

TEST(Loop, DeepCaptureThroughBranchThatDoesNotReadIt) {
  // x is read only by a Loop body nested in an If branch; the branch itself never names it, and
  // the main graph does not use x after the If.
  Graph body = make_graph("body", {vi("i", DType::Int64, kScalar), vi("c", DType::Bool, kScalar), vi("acc_in")},
                          {vi("c", DType::Bool, kScalar), vi("acc_out")}, {test_node("Add", {"acc_in", "x"}, {"acc_out"})});
  Graph then_g = make_graph("then", {}, {vi("res")},
                            {make_node("Loop", {"m", "", "zero"}, {"res"}, {attr_graph("body", body)})},
                            {{"zero", Tensor::scalar<float>(0)}});
  Graph else_g = make_graph("else", {}, {vi("e")}, {}, {{"e", Tensor::scalar<float>(-1)}});
  Node twice = test_node("Add", {"x0", "x0"}, {"x"});
  Node n = make_node("If", {"cond"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)});
  Node after = test_node("Add", {"y", "y"}, {"z"});
  Graph g = make_graph("main", inputs_of({{"cond", Tensor::scalar(true)}, {"m", Tensor::scalar<int64_t>(3)}, {"x0", Tensor::scalar<float>(1.5f)}}),
                       {vi("z")}, {twice, n, after});
  auto r = run_graph(g, {{"cond", Tensor::scalar(true)}, {"m", Tensor::scalar<int64_t>(3)}, {"x0", Tensor::scalar<float>(1.5f)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::scalar<float>(18.0f), 0, 0);  // 2 * (3 * 3)
}

TEST(Loop, WholeGraphInferenceThroughLoop) {
  // Static types reach the ops after a Loop (session creation infers the whole graph first).
  Node loop = make_node("Loop", {"m", "", "y0"}, {"y", "ys", "is"}, {attr_graph("body", accumulate_body(false))});
  Node after = test_node("Add", {"is", "is"}, {"z"});
  const Tensor y0 = Tensor::from_vector<float>({1, 2});
  std::vector<std::pair<std::string, Tensor>> feeds{{"m", Tensor::scalar<int64_t>(4)}, {"y0", y0}, {"x", y0}};
  Graph g = make_graph("main", inputs_of(feeds), {vi("z")}, {loop, after});
  Model m;
  m.opsets = {{"", 17}, {"test", 1}};
  m.graph = g;
  auto types = infer_graph(m.graph, m);
  ASSERT_TRUE(types.ok()) << types.status().message();
  EXPECT_EQ(types->types.at("is").str(), "int64[?]");
  EXPECT_EQ(types->types.at("z").dtype, DType::Int64);
  EXPECT_EQ(types->types.at("ys").dtype, DType::Float);
  auto r = run_graph(g, {feeds.begin(), feeds.end()});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({0, 2, 4, 6}), 0, 0);
}

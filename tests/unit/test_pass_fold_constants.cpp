// fold_constants: constant expressions become initializers; Shape folds once input dims are
// fixed; big results, randomness, DequantizeLinear and overridable initializers are left alone.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Node constant(const std::string& name, Tensor t) { return op("Constant", {}, {name}, {attr_tensor("value", std::move(t))}); }

}  // namespace

TEST(PassFoldConstants, FoldsConstantExpressions) {
  Model m = graph_model(17, {{"x", {3}}}, {"y"},
                        {constant("c", f32({1, 2, 3}, {3})), op("Mul", {"c", "two"}, {"c2"}), op("Exp", {"c2"}, {"e"}),
                         op("Add", {"x", "e"}, {"y"})},
                        {{"two", scalar(2)}});
  const Model before = m;
  EXPECT_EQ(apply(m, "fold_constants"), 3);
  EXPECT_EQ(count_nodes(m), 1);
  EXPECT_EQ(count_op(m, "Add"), 1);
  EXPECT_TRUE(m.graph.initializers.count("e"));
  expect_same_outputs(before, m);
}

TEST(PassFoldConstants, GraphOutputStaysAConstantNode) {
  Model m = graph_model(17, {{"x", {2}}}, {"y", "k"},
                        {op("Relu", {"x"}, {"y"}), op("Neg", {"c"}, {"k"})}, {{"c", f32({1, -1}, {2})}});
  const Model before = m;
  EXPECT_EQ(apply(m, "fold_constants"), 1);
  EXPECT_EQ(count_op(m, "Constant"), 1);
  EXPECT_EQ(count_op(m, "Neg"), 0);
  expect_same_outputs(before, m, 0, 0);
}

TEST(PassFoldConstants, ShapeArithmeticFoldsWithFixedShapes) {
  // y = Reshape(x, [Shape(x)[0], -1]): with a symbolic batch the Shape stays; fixed, it folds.
  Model m = graph_model(17, {{"x", {}}}, {"y"},
                        {op("Shape", {"x"}, {"s"}), op("Gather", {"s", "zero"}, {"b"}, {attr_int("axis", 0)}),
                         op("Unsqueeze", {"b", "axes"}, {"bu"}), op("Concat", {"bu", "minus1"}, {"target"}, {attr_int("axis", 0)}),
                         op("Reshape", {"x", "target"}, {"y"})},
                        {{"zero", Tensor::scalar<int64_t>(0)}, {"axes", i64({0})}, {"minus1", i64({-1})}});
  m.graph.inputs[0].type = TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(4), Dim(5)});
  Model dynamic = m;
  EXPECT_EQ(apply(dynamic, "fold_constants"), 0);
  Model fixed = m;
  OptimizeOptions o;
  o.level = OptLevel::Basic;
  o.fixed_shapes["x"] = {3, 4, 5};
  auto r = optimize_model(fixed, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(count_nodes(fixed), 1);
  EXPECT_EQ(count_op(fixed, "Reshape"), 1);
  EXPECT_EQ(fixed.graph.inputs[0].type.str(), "float32[3,4,5]");
  auto feeds = random_feeds(fixed);
  auto a = run_model(m, feeds);
  auto b = run_model(fixed, feeds);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TENSOR_NEAR((*b)[0], (*a)[0], 0, 0);
  EXPECT_EQ((*b)[0].shape(), (Shape{3, 20}));
}

TEST(PassFoldConstants, LeavesBigRandomQuantizedAndOverridableAlone) {
  // 2^21 elements from a 3-element shape: too big to store.
  Model big = graph_model(17, {}, {"y"}, {op("ConstantOfShape", {"shape"}, {"z"}), op("ReduceSum", {"z"}, {"y"})},
                          {{"shape", i64({128, 128, 128})}});
  EXPECT_EQ(apply(big, "fold_constants"), 0);
  Model random = graph_model(17, {}, {"y"}, {op("RandomNormalLike", {"c"}, {"y"})}, {{"c", f32({0, 0}, {2})}});
  EXPECT_EQ(apply(random, "fold_constants"), 0);
  Tensor q = Tensor::from_vector<int8_t>({1, 2, 3}, {3});
  Model dq = graph_model(17, {{"x", {3}}}, {"y"}, {op("DequantizeLinear", {"q", "s"}, {"w"}), op("Add", {"x", "w"}, {"y"})},
                         {{"q", q}, {"s", scalar(0.5f)}});
  EXPECT_EQ(apply(dq, "fold_constants"), 0);
  // An initializer listed among the inputs is a default the caller may override.
  Model over = graph_model(17, {{"x", {2}}, {"c", {2}}}, {"y"}, {op("Neg", {"c"}, {"n"}), op("Add", {"x", "n"}, {"y"})},
                           {{"c", f32({1, 2}, {2})}});
  EXPECT_EQ(apply(over, "fold_constants"), 0);
  over.ir_version = 3;  // before IR 4 initializers were listed as inputs and are constants
  EXPECT_EQ(apply(over, "fold_constants"), 1);
}

// A Cast of half-precision weights to float doubles their size: not folded into a file, folded
// for a session (in_memory), where it saves the Cast on every run.
TEST(PassFoldConstants, WeightCastFoldsOnlyInMemory) {
  Tensor w = Tensor(DType::Float, {200, 200}).cast(DType::BFloat16);
  Model m = graph_model(17, {{"x", {3, 200}}}, {"y"}, {op("Cast", {"w"}, {"wf"}, {attr_int("to", 1)}), op("MatMul", {"x", "wf"}, {"y"})},
                        {{"w", w}});
  Model file = m;
  EXPECT_EQ(apply(file, "fold_constants"), 0);
  OptimizeOptions o;
  o.in_memory = true;
  auto r = passes::run_pass(m, "fold_constants", o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, 1);
  EXPECT_EQ(count_op(m, "Cast"), 0);
}

// fuse_matmul_add: MatMul + Add becomes Gemm only where Gemm means the same thing.
#include "unit/pass_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Model matmul_add(Shape a, Tensor bias, int64_t opset = 17, bool bias_first = false) {
  return graph_model(opset, {{"a", a}}, {"y"},
                     {op("MatMul", {"a", "w"}, {"m"}), op("Add", bias_first ? std::vector<std::string>{"b", "m"} : std::vector<std::string>{"m", "b"}, {"y"})},
                     {{"w", random_tensor(DType::Float, {a.back(), 6}, 1)}, {"b", std::move(bias)}});
}

}  // namespace

TEST(PassFuseMatMulAdd, TwoDimensionalBecomesGemm) {
  for (bool first : {false, true})
    for (Shape bs : {Shape{6}, Shape{1, 6}, Shape{1}}) {
      Model m = matmul_add({3, 5}, random_tensor(DType::Float, bs, 2), 17, first);
      const Model before = m;
      EXPECT_EQ(apply(m, "fuse_matmul_add"), 1);
      EXPECT_EQ(count_op(m, "Gemm"), 1);
      EXPECT_EQ(count_nodes(m), 1);
      expect_same_outputs(before, m);
    }
}

TEST(PassFuseMatMulAdd, NotWhereGemmDiffers) {
  Model batched = matmul_add({2, 3, 5}, random_tensor(DType::Float, {6}, 2));  // Gemm needs 2-D A
  EXPECT_EQ(apply(batched, "fuse_matmul_add"), 0);
  Model full = matmul_add({3, 5}, random_tensor(DType::Float, {3, 6}, 2));  // not one value per column
  EXPECT_EQ(apply(full, "fuse_matmul_add"), 0);
  Model old = matmul_add({3, 5}, random_tensor(DType::Float, {6}, 2), 10);
  EXPECT_EQ(apply(old, "fuse_matmul_add"), 0);
  Model shared = matmul_add({3, 5}, random_tensor(DType::Float, {6}, 2));
  shared.graph.outputs.push_back({"m", TypeInfo{}, ""});
  EXPECT_EQ(apply(shared, "fuse_matmul_add"), 0);
  Model runtime_bias = matmul_add({3, 5}, random_tensor(DType::Float, {6}, 2));
  runtime_bias.graph.initializers.erase("b");
  runtime_bias.graph.inputs.push_back({"b", TypeInfo(DType::Float, {Dim(6)}), ""});
  EXPECT_EQ(apply(runtime_bias, "fuse_matmul_add"), 0);
}

// MatMul / Gemm epilogue fusion (runtime/fuse_matmul.cpp): bias, activations (GELU written out
// included) and residual adds become one FusedMatMul, and the outputs match the graph run op by
// op (SessionOptions::optimize = false).
#include <sz0/builder.h>
#include <sz0/session.h>

#include "util/op_test.h"

#include <map>

using namespace sz0;
using namespace sz0::test;

namespace {

std::map<std::string, int> run_both(const Model& m, const std::string& input, const Shape& shape, int threads = 1) {
  return expect_optimized_matches(m, {{input, random_tensor(DType::Float, shape, 9)}}, threads);
}

TEST(FuseMatMul, TransformerFeedForwardWithGeluAndResidual) {
  for (int threads : {1, 2}) {
    ModelBuilder b("ff", {.seed = 4, .batch = 1});
    Var x = b.input("x", DType::Float, {37, 24});               // [1, 37, 24]: MatMul + Add
    Var h = b.gelu(b.linear(x, 70));                            // bias + erf GELU
    Var y = b.add(b.linear(h, 24), x);                          // bias + residual
    b.output(b.relu(b.linear(y, 9)), "y");                      // bias + Relu
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ops = run_both(*model, "x", {1, 37, 24}, threads);
    EXPECT_EQ(ops["FusedMatMul"], 3);
    EXPECT_EQ(ops["Add"], 0);
    EXPECT_EQ(ops["Erf"], 0);
    EXPECT_EQ(ops["Relu"], 0);
  }
}

TEST(FuseMatMul, GemmWithActivationAndPlainMatMul) {
  ModelBuilder b("gemm", {.seed = 5, .batch = 3});
  Var x = b.input("x", DType::Float, {50});
  Var h = b.sigmoid(b.linear(x, 33));  // Gemm(transB) with C, then Sigmoid
  b.output(b.linear(h, 5, {.bias = false}), "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = run_both(*model, "x", {3, 50});
  EXPECT_EQ(ops["FusedMatMul"], 1);
  EXPECT_EQ(ops["Sigmoid"], 0);
}

TEST(FuseMatMul, SiluWrittenOut) {
  ModelBuilder b("silu", {.seed = 7, .batch = 1});
  Var x = b.input("x", DType::Float, {11, 20});
  b.output(b.silu(b.linear(x, 30)), "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = run_both(*model, "x", {1, 11, 20});
  EXPECT_EQ(ops["FusedMatMul"], 1);
  EXPECT_EQ(ops["Sigmoid"], 0);
  EXPECT_EQ(ops["Mul"], 0);
}

// A value read twice is not absorbed: the second reader still needs it.
TEST(FuseMatMul, SharedIntermediateStays) {
  ModelBuilder b("shared", {.seed = 6, .batch = 1});
  Var x = b.input("x", DType::Float, {8, 16});
  Var h = b.linear(x, 16);
  b.output(b.relu(h), "a");
  b.output(b.sigmoid(h), "b");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = run_both(*model, "x", {1, 8, 16});
  EXPECT_EQ(ops["Relu"], 1);
  EXPECT_EQ(ops["Sigmoid"], 1);
}

}  // namespace

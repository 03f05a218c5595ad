// Blocked-layout rewrite: convolution chains run on BlockedConv with fused activations, and the
// outputs match the graph run op by op (SessionOptions::optimize = false) over odd shapes.
#include <sz0/builder.h>
#include <sz0/session.h>

#include "util/op_test.h"

#include <map>

using namespace sz0;
using namespace sz0::test;

namespace {

// Runs `m` with and without the rewrite on one random input; returns the optimized session's
// op counts.
std::map<std::string, int> check_same(const Model& m, const std::string& input, const Shape& shape, int threads = 1) {
  return expect_optimized_matches(m, {{input, random_tensor(DType::Float, shape, 5)}}, threads);
}

}  // namespace

TEST(BlockedLayout, ConvChainWithActivationsPoolingAndResidual) {
  ModelBuilder b("chain", {.seed = 3, .batch = 2});
  Var x = b.input("image", DType::Float, {3, 19, 23});
  Var y = b.relu(b.conv2d(x, 16, 3, {.stride = 2}));                    // plain input, C = 3
  Var d = b.hard_swish(b.conv2d(y, 16, 3, {.groups = 16}));             // depthwise
  Var p = b.conv2d(d, 24, 1);                                            // pointwise
  Var r = b.add(p, b.conv2d(p, 24, 3));                                  // residual
  Var m = b.max_pool(r, 2, {.stride = 2});
  Var g = b.conv2d(m, 48, 3, {.dilation = 2, .groups = 3});  // grouped (8 in, 16 out per group), dilated
  Var a = b.avg_pool(b.sigmoid(g), 3, {.stride = 1, .padding = 1});
  Var c = b.concat({a, g}, 1);
  b.output(b.global_avg_pool(c), "logits");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "image", {2, 3, 19, 23});
  EXPECT_EQ(ops["BlockedConv"], 5);
  EXPECT_EQ(ops["Conv"], 0);
  EXPECT_EQ(ops["Relu"], 0);       // fused
  EXPECT_EQ(ops["HardSwish"], 0);  // fused
  EXPECT_LE(ops["ReorderToPlain"], 1);
}

TEST(BlockedLayout, SqueezeExcitationAndTwoThreads) {
  ModelBuilder b("se", {.seed = 4, .batch = 1});
  Var x = b.input("image", DType::Float, {8, 17, 9});
  Var y = b.conv2d(x, 32, 3);
  Var s = b.global_avg_pool(y, false);
  s = b.hard_sigmoid(b.conv2d(b.relu(b.conv2d(s, 8, 1)), 32, 1));
  Var z = b.mul(y, s);
  b.output(b.conv2d(z, 16, 1), "features");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "image", {1, 8, 17, 9}, 2);
  EXPECT_EQ(ops["BlockedConv"], 4);
  EXPECT_EQ(ops["Mul"], 1);
}

TEST(BlockedLayout, UnfitConvolutionsStayPlain) {
  // 12 output channels is not a whole number of blocks; a 1-D convolution is not 2-D.
  ModelBuilder b("unfit", {.seed = 5, .batch = 1});
  Var x = b.input("image", DType::Float, {4, 10, 10});
  Var y = b.conv2d(b.conv2d(x, 12, 3), 16, 3);
  b.output(y, "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "image", {1, 4, 10, 10});
  EXPECT_EQ(ops["Conv"], 1);
  EXPECT_EQ(ops["BlockedConv"], 1);
}

TEST(BlockedLayout, SymbolicBatchRunsAtSeveralSizes) {
  ModelBuilder b("dyn", {.seed = 6});
  Var x = b.input("image", DType::Float, {8, 12, 12});
  b.output(b.relu(b.conv2d(b.relu(b.conv2d(x, 16, 3)), 8, 3, {.stride = 2})), "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  for (int64_t n : {1, 3}) {
    auto ops = check_same(*model, "image", {n, 8, 12, 12});
    EXPECT_EQ(ops["BlockedConv"], 2);
  }
}

TEST(BlockedLayout, OneDimensionalCausalDilatedChain) {
  ModelBuilder b("tcn", {.seed = 7, .batch = 2});
  Var x = b.input("events", DType::Float, {5, 37});
  Var y = b.relu(b.conv1d(x, 16, 3, {.dilation = 2, .causal = true}));
  Var z = b.relu(b.add(b.conv1d(y, 16, 3, {.dilation = 4, .causal = true}), y));
  Var p = b.max_pool(z, 2);
  Var c = b.concat({b.global_avg_pool(p), b.global_max_pool(p)}, 1);
  b.output(c, "pooled");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "events", {2, 5, 37});
  EXPECT_EQ(ops["BlockedConv"], 2);
  EXPECT_EQ(ops["Conv"], 0);
}

TEST(BlockedLayout, PoolingCeilModeAndCountIncludePad) {
  for (int variant = 0; variant < 2; ++variant) {
    ModelBuilder b("pools", {.seed = 8, .batch = 1});
    Var x = b.input("image", DType::Float, {8, 13, 11});
    Var y = b.conv2d(x, 16, 3);
    Var m = b.max_pool(y, 3, {.stride = 2, .padding = 1});
    Var a = b.avg_pool(b.conv2d(m, 16, 1), 3, {.stride = 2, .padding = 1});
    b.output(b.conv2d(a, 8, 1), "y");
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    for (Node& n : model->graph.nodes) {
      Attribute attr;
      attr.kind = Attribute::Kind::Int;
      attr.i = 1;
      attr.name = n.op_type == "MaxPool" ? "ceil_mode" : "count_include_pad";
      if ((n.op_type == "MaxPool" && variant == 0) || n.op_type == "AveragePool") n.set_attr(attr);
      if (n.op_type == "AveragePool" && variant == 1) {
        attr.name = "ceil_mode";
        n.set_attr(attr);
      }
    }
    auto ops = check_same(*model, "image", {1, 8, 13, 11});
    EXPECT_EQ(ops["BlockedPool"], 2);
  }
}

TEST(BlockedLayout, ResidualSumFusedBeforeActivation) {
  // conv → Add(residual) → Relu, in 2-D and in 1-D (dilated causal: the staged kernel).
  for (int nd : {2, 1}) {
    ModelBuilder b("residual", {.seed = 9, .batch = 2});
    Var x = b.input("x", DType::Float, nd == 2 ? std::vector<int64_t>{8, 9, 7} : std::vector<int64_t>{8, 21});
    Var y = nd == 2 ? b.relu(b.conv2d(x, 16, 3)) : b.relu(b.conv1d(x, 16, 3));
    Var z = nd == 2 ? b.conv2d(y, 16, 3) : b.conv1d(y, 16, 3, {.dilation = 2, .causal = true});
    Var r = b.relu(b.add(y, z));  // residual first: the operand order must not matter
    b.output(b.add(r, b.relu(r)), "y");
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ops = check_same(*model, "x", nd == 2 ? Shape{2, 8, 9, 7} : Shape{2, 8, 21});
    EXPECT_EQ(ops["BlockedConv"], 2);
    EXPECT_EQ(ops["Add"], 1);   // the last Add has no convolution to fuse into
    EXPECT_EQ(ops["Relu"], 1);  // nor does the Relu read by two nodes
  }
}

TEST(BlockedLayout, ConvolutionSweepOverOddShapes) {
  struct Case {
    int64_t c, m, h, w, k, stride, dilation, groups, pad;
  };
  const Case cases[] = {
      {3, 8, 1, 1, 1, 1, 1, 1, 0},     {8, 8, 5, 3, 3, 1, 1, 1, 1},   {8, 16, 17, 9, 5, 2, 1, 1, 2},
      {16, 16, 13, 7, 3, 2, 1, 16, 1}, {24, 24, 6, 11, 5, 1, 2, 24, 4}, {16, 32, 9, 9, 7, 3, 1, 1, 0},
      {32, 64, 4, 4, 3, 1, 1, 4, 1},   {5, 8, 31, 2, 3, 1, 1, 1, 1},  {8, 8, 3, 3, 3, 1, 1, 1, 0},
      // padding beyond what oneDNN's blocked kernels take: the padded-copy path
      {8, 16, 9, 9, 3, 1, 3, 1, 6},    {8, 8, 7, 5, 3, 1, 1, 1, 4},   {16, 8, 10, 10, 3, 2, 2, 1, 5},
  };
  for (const Case& t : cases) {
    SCOPED_TRACE(::testing::Message() << "C" << t.c << " M" << t.m << " " << t.h << "x" << t.w << " k" << t.k << " s"
                                      << t.stride << " d" << t.dilation << " g" << t.groups << " p" << t.pad);
    ModelBuilder b("sweep", {.seed = 10, .batch = 1});
    Var x = b.input("x", DType::Float, {t.c, t.h, t.w});
    Var y = b.conv2d(x, t.m, t.k, {.stride = t.stride, .padding = t.pad, .dilation = t.dilation, .groups = t.groups});
    Var z = b.hard_swish(b.conv2d(y, t.m, 1));
    b.output(b.add(z, y), "y");
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    for (int64_t n : {1, 2}) {
      Model m = *model;
      m.graph.inputs[0].type.shape->at(0) = Dim(n);
      auto ops = check_same(m, "x", {n, t.c, t.h, t.w});
      EXPECT_EQ(ops["BlockedConv"], 2);
    }
  }
}

// SZ0_CONV_STAGED=1 forces the path taken when oneDNN has only its reference blocked kernel:
// reorders to plain, convolution, reorder back (with the residual staged too).
TEST(BlockedLayout, StagedThroughPlainLayout) {
  ::setenv("SZ0_CONV_STAGED", "1", 1);
  ModelBuilder b("staged", {.seed = 12, .batch = 2});
  Var x = b.input("events", DType::Float, {5, 37});
  Var y = b.relu(b.conv1d(x, 16, 3, {.dilation = 2, .causal = true}));
  Var z = b.relu(b.add(b.conv1d(y, 16, 3, {.dilation = 4, .causal = true}), y));
  Var w = b.hard_swish(b.conv2d(b.reshape(z, {0, 16, 37, 1}), 16, 1));
  b.output(w, "y");
  auto model = b.build();
  ::unsetenv("SZ0_CONV_STAGED");
  ASSERT_TRUE(model.ok()) << model.status().message();
  ::setenv("SZ0_CONV_STAGED", "1", 1);
  auto ops = check_same(*model, "events", {2, 5, 37});
  ::unsetenv("SZ0_CONV_STAGED");
  EXPECT_EQ(ops["BlockedConv"], 3);
}

// A scalar scale and shift after the activation (a learnable affine block) become the
// convolution's last post-op; a scalar op on a value read twice runs on the blocked tensor.
TEST(BlockedLayout, ScalarAffineFusesAndScalarOpsStayBlocked) {
  ModelBuilder b("lab", {.seed = 13, .batch = 2});
  Var x = b.input("x", DType::Float, {8, 11, 13});
  Var y = b.hard_swish(b.conv2d(x, 16, 3));
  Var z = b.add(b.mul(b.parameter("lab.scale", {1}, 1.0f), y), b.parameter("lab.shift", {1}, 1.0f));
  Var v = b.conv2d(z, 16, 1);
  Var w = b.add(b.mul(v, b.parameter("lab.scale2", {1, 1, 1, 1}, 1.0f)), v);  // v read twice
  b.output(b.conv2d(w, 8, 1), "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "x", {2, 8, 11, 13});
  EXPECT_EQ(ops["BlockedConv"], 3);
  EXPECT_EQ(ops["Mul"], 1);
  EXPECT_EQ(ops["Add"], 1);
  EXPECT_EQ(ops["ReorderToPlain"], 1);  // the graph output only
}

// Deep layers with few output positions take the GEMM path (ops/nn/blocked_conv_gemm.h):
// padding, stride, dilation, residual, activation and affine steps, batch 1 and 2.
TEST(BlockedLayout, GemmPathForSmallMaps) {
  for (int64_t n : {1, 2}) {
    SCOPED_TRACE(::testing::Message() << "batch " << n);
    ModelBuilder b("deep", {.seed = 14, .batch = n});
    Var x = b.input("x", DType::Float, {16, 5, 5});
    Var y = b.relu(b.conv2d(x, 64, 3, {.padding = 1}));                       // plain input: oneDNN
    Var z = b.relu(b.add(b.conv2d(y, 64, 3, {.padding = 1}), y));             // GEMM + residual
    Var s = b.hard_swish(b.conv2d(z, 72, 3, {.stride = 2, .padding = 2, .dilation = 2}));  // 3x3 out
    Var t = b.add(b.mul(s, b.parameter("deep.scale", {1}, 1.0f)), b.parameter("deep.shift", {1}, 1.0f));
    b.output(b.conv2d(t, 16, 3, {.padding = 1}), "y");                          // no activation
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ops = check_same(*model, "x", {n, 16, 5, 5});
    EXPECT_EQ(ops["BlockedConv"], 4);
    ::setenv("SZ0_CONV_GEMM", "0", 1);  // the same through oneDNN
    check_same(*model, "x", {n, 16, 5, 5});
    ::unsetenv("SZ0_CONV_GEMM");
  }
}

TEST(BlockedLayout, SiluFuses) {
  for (int64_t c : {16, 64}) {  // oneDNN's kernel, then the GEMM path (5x5 map, deep reduction)
    ModelBuilder b("silu", {.seed = 15, .batch = 1});
    Var x = b.input("x", DType::Float, {c, 5, 5});
    Var y = b.silu(b.conv2d(x, c, 3, {.padding = 1}));
    b.output(b.silu(b.conv2d(y, 16, 3, {.padding = 1})), "y");
    auto model = b.build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ops = check_same(*model, "x", {1, c, 5, 5});
    EXPECT_EQ(ops["BlockedConv"], 2);
    EXPECT_EQ(ops["Sigmoid"], 0);
    EXPECT_EQ(ops["Mul"], 0);
  }
}

TEST(BlockedLayout, HardSigmoidTimesInputFusesAsHardSwish) {
  ModelBuilder b("hs", {.seed = 11, .batch = 1});
  Var x = b.input("x", DType::Float, {8, 9, 9});
  Var y = b.conv2d(x, 16, 3);
  Var z = b.mul(b.hard_sigmoid(y), y);  // HardSwish written out, operands in either order
  Var w = b.conv2d(z, 16, 3);
  Var u = b.mul(w, b.hard_sigmoid(w, 0.2f, 0.5f));  // other constants: not HardSwish
  b.output(u, "y");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto ops = check_same(*model, "x", {1, 8, 9, 9});
  EXPECT_EQ(ops["BlockedConv"], 2);
  EXPECT_EQ(ops["HardSigmoid"], 1);
  EXPECT_EQ(ops["Mul"], 1);
}

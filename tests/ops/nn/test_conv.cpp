#include "nn_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, dil, pads;
  int64_t group = 1;
  bool bias = true;
};

void check_conv(const ConvCase& c, DType dt, double atol, int threads = 1) {
  Tensor x = random_tensor(dt, c.x, 1), w = random_tensor(dt, c.w, 2), b = random_tensor(dt, {c.w[0]}, 3);
  std::vector<Tensor> in = {x, w};
  if (c.bias) in.push_back(b);
  auto r = run_node({.op_type = "Conv",
                     .inputs = in,
                     .attributes = {attr_ints("strides", c.strides), attr_ints("dilations", c.dil),
                                    attr_ints("pads", c.pads), attr_int("group", c.group)}},
                    threads);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Tensor ref = nnref::conv(x, w, c.bias ? &b : nullptr, c.strides, c.dil, c.pads, c.group);
  EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), atol, atol);
}

}  // namespace

TEST(Conv, TwoDGroupsStridesDilationsPads) {
  ConvCase c{{2, 4, 7, 9}, {6, 2, 3, 2}, {2, 1}, {2, 1}, {1, 0, 2, 1}, 2};
  check_conv(c, DType::Float, 1e-5);
  check_conv(c, DType::Float, 1e-5, 2);
  check_conv(c, DType::Double, 1e-12);
  check_conv(c, DType::Float16, 2e-2);
  c.bias = false;
  check_conv(c, DType::Float, 1e-5);
}

TEST(Conv, OneD) {
  check_conv({{1, 3, 13}, {5, 3, 4}, {3}, {2}, {2, 1}}, DType::Float, 1e-5);
  check_conv({{3, 1, 7}, {2, 1, 1}, {1}, {1}, {0, 0}}, DType::Float, 1e-5);
}

TEST(Conv, ThreeD) {
  check_conv({{1, 2, 5, 6, 7}, {4, 2, 2, 3, 2}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}}, DType::Float, 1e-5);
  check_conv({{2, 4, 3, 5, 4}, {4, 2, 1, 2, 3}, {1, 2, 1}, {1, 2, 1}, {0, 1, 2, 1, 0, 1}, 2}, DType::Double, 1e-12);
}

TEST(Conv, PointwiseAndDepthwise) {
  check_conv({{2, 5, 7, 9}, {3, 5, 1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, DType::Float, 1e-5);
  check_conv({{2, 5, 7, 9}, {3, 5, 1, 1}, {2, 3}, {1, 1}, {0, 0, 0, 0}}, DType::Float, 1e-5);
  check_conv({{1, 6, 7, 9}, {6, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, 6}, DType::Float, 1e-5);
  check_conv({{1, 6, 7, 9}, {12, 1, 3, 2}, {2, 2}, {1, 2}, {1, 1, 1, 1}, 6}, DType::Float, 1e-5);
}

TEST(Conv, LargeSplitsColumns) {
  check_conv({{1, 16, 130, 130}, {1, 16, 3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, DType::Float, 1e-4, 2);
}

TEST(Conv, AutoPad) {
  Tensor x = random_tensor(DType::Float, {1, 2, 7, 9}, 4), w = random_tensor(DType::Float, {3, 2, 3, 4}, 5);
  const std::vector<int64_t> strides = {2, 2};
  for (std::string mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    auto r = run_node({.op_type = "Conv",
                       .inputs = {x, w},
                       .attributes = {attr_string("auto_pad", mode), attr_ints("strides", strides)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::vector<int64_t> pads(4, 0);
    if (mode != "VALID") {
      const int64_t in[2] = {7, 9}, k[2] = {3, 4};
      for (int d = 0; d < 2; ++d) {
        const int64_t out = (in[d] + strides[d] - 1) / strides[d];
        const int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + k[d] - in[d]);
        pads[d] = mode == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
        pads[d + 2] = total - pads[d];
      }
      EXPECT_EQ((*r)[0].dim(2), 4);
      EXPECT_EQ((*r)[0].dim(3), 5);
    }
    Tensor ref = nnref::conv(x, w, nullptr, strides, {1, 1}, pads, 1);
    EXPECT_TENSOR_NEAR((*r)[0], ref.cast(DType::Float)) << mode;
  }
}

TEST(Conv, KernelShapeAttributeAndErrors) {
  Tensor x = random_tensor(DType::Float, {1, 2, 5, 5}, 6), w = random_tensor(DType::Float, {3, 2, 3, 3}, 7);
  auto r = run_node({.op_type = "Conv", .inputs = {x, w}, .attributes = {attr_ints("kernel_shape", {3, 3})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 3, 3, 3}));
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, w}, .attributes = {attr_ints("kernel_shape", {2, 3})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, random_tensor(DType::Float, {3, 3, 3, 3}, 8)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {random_tensor(DType::Float, {2, 5}, 9), w}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, w}, .attributes = {attr_int("group", 2)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, w}, .attributes = {attr_ints("strides", {0, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, w}, .attributes = {attr_ints("pads", {1, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {x, w, random_tensor(DType::Float, {2}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv", .inputs = {random_tensor(DType::Float, {1, 2, 2, 2}, 1), w}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Conv",
                         .inputs = {random_tensor(DType::Int32, {1, 2, 5, 5}, 1), random_tensor(DType::Int32, {3, 2, 3, 3}, 1)}})
                   .ok());
}

TEST(ConvTranspose, MatchesDirectReference) {
  struct Case {
    Shape x, w;
    std::vector<int64_t> strides, dil, pads, out_pad;
    int64_t group;
  };
  const Case cases[] = {
      {{2, 4, 7, 9}, {4, 3, 3, 2}, {2, 1}, {2, 1}, {1, 0, 2, 1}, {1, 0}, 2},
      {{1, 3, 5}, {3, 2, 4}, {3}, {1}, {0, 2}, {2}, 1},
      {{1, 2, 3, 4, 3}, {2, 2, 2, 3, 2}, {2, 1, 2}, {1, 2, 1}, {1, 0, 0, 0, 1, 1}, {0, 0, 1}, 1},
      {{1, 6, 5, 5}, {6, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, {0, 0}, 6},
      // Kernel equal to stride, no padding: the output is tiled exactly (the interleaving path),
      // for stride 2, unequal strides, stride 3, and a size split into column chunks.
      {{1, 5, 6, 7}, {5, 3, 2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1},
      {{2, 3, 4, 5}, {3, 2, 3, 2}, {3, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1},
      {{1, 2, 3, 3}, {2, 4, 3, 3}, {3, 3}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1},
      {{1, 2, 100, 700}, {2, 8, 2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1},
  };
  for (const Case& c : cases)
    for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
      Tensor x = random_tensor(dt, c.x, 1), w = random_tensor(dt, c.w, 2);
      Tensor b = random_tensor(dt, {c.w[1] * c.group}, 3);
      auto r = run_node({.op_type = "ConvTranspose",
                         .inputs = {x, w, b},
                         .attributes = {attr_ints("strides", c.strides), attr_ints("dilations", c.dil),
                                        attr_ints("pads", c.pads), attr_ints("output_padding", c.out_pad),
                                        attr_int("group", c.group)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      const size_t nd = c.x.size() - 2;
      Shape out_sp;
      std::vector<int64_t> pb;
      for (size_t d = 0; d < nd; ++d) {
        out_sp.push_back(c.strides[d] * (c.x[d + 2] - 1) + c.out_pad[d] + (c.w[d + 2] - 1) * c.dil[d] + 1 - c.pads[d] -
                         c.pads[d + nd]);
        pb.push_back(c.pads[d]);
      }
      Tensor ref = nnref::conv_transpose(x, w, &b, c.strides, c.dil, pb, out_sp, c.group);
      const double tol = dt == DType::Float16 ? 3e-2 : 1e-5;
      EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
    }
}

TEST(ConvTranspose, OutputShapeAndAutoPad) {
  Tensor x = random_tensor(DType::Float, {1, 1, 3, 3}, 1), w = random_tensor(DType::Float, {1, 2, 3, 3}, 2);
  // output_shape larger than the full result: zeros appended at the end.
  auto r = run_node({.op_type = "ConvTranspose",
                     .inputs = {x, w},
                     .attributes = {attr_ints("strides", {3, 2}), attr_ints("output_shape", {10, 8})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], nnref::conv_transpose(x, w, nullptr, {3, 2}, {1, 1}, {0, 0}, {10, 8}, 1).cast(DType::Float));
  // output_shape smaller: total padding 2 split evenly, odd padding goes first (NOTSET / SAME_LOWER).
  r = run_node({.op_type = "ConvTranspose",
                .inputs = {x, w},
                .attributes = {attr_ints("strides", {2, 2}), attr_ints("output_shape", {5, 6})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], nnref::conv_transpose(x, w, nullptr, {2, 2}, {1, 1}, {1, 1}, {5, 6}, 1).cast(DType::Float));
  for (std::string mode : {"SAME_UPPER", "SAME_LOWER"}) {
    r = run_node({.op_type = "ConvTranspose",
                  .inputs = {x, w},
                  .attributes = {attr_ints("strides", {2, 2}), attr_string("auto_pad", mode)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    // full size 7, output 6: total padding 1.
    const int64_t p = mode == "SAME_UPPER" ? 0 : 1;
    EXPECT_TENSOR_NEAR((*r)[0], nnref::conv_transpose(x, w, nullptr, {2, 2}, {1, 1}, {p, p}, {6, 6}, 1).cast(DType::Float))
        << mode;
  }
  EXPECT_FALSE(run_node({.op_type = "ConvTranspose", .inputs = {x, random_tensor(DType::Float, {2, 2, 3, 3}, 3)}}).ok());
  EXPECT_FALSE(
      run_node({.op_type = "ConvTranspose", .inputs = {x, w}, .attributes = {attr_ints("output_padding", {1})}}).ok());
}

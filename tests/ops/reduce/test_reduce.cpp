// Reduce* against a naive reference: every input element is sent to its output slot, then each
// slot's list of values is reduced in double.
#include "ops/math/simd_test_levels.h"
#include "ops/op.h"
#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace sz0;
using namespace sz0::test;

namespace {

const std::vector<std::string> kAllOps = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                                          "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};

double reduce_list(const std::string& op, const std::vector<double>& v) {
  const double inf = std::numeric_limits<double>::infinity();
  double r = 0;
  if (op == "ReduceSum" || op == "ReduceMean" || op == "ReduceLogSum") {
    for (double x : v) r += x;
    if (op == "ReduceMean") r /= static_cast<double>(v.size());
    if (op == "ReduceLogSum") r = std::log(r);
  } else if (op == "ReduceMax") {
    r = -inf;
    for (double x : v) r = (std::isnan(x) || std::isnan(r)) ? NAN : std::max(r, x);
  } else if (op == "ReduceMin") {
    r = inf;
    for (double x : v) r = (std::isnan(x) || std::isnan(r)) ? NAN : std::min(r, x);
  } else if (op == "ReduceProd") {
    r = 1;
    for (double x : v) r *= x;
  } else if (op == "ReduceL1") {
    for (double x : v) r += std::fabs(x);
  } else if (op == "ReduceL2" || op == "ReduceSumSquare") {
    for (double x : v) r += x * x;
    if (op == "ReduceL2") r = std::sqrt(r);
  } else if (op == "ReduceLogSumExp") {
    for (double x : v) r += std::exp(x);
    r = std::log(r);
  }
  return r;
}

// axes empty: all (or none with noop).
Tensor reference(const std::string& op, const Tensor& x, std::vector<int64_t> axes, bool keepdims, bool noop = false) {
  const int rank = x.rank();
  std::vector<bool> red(rank, axes.empty() && !noop);
  for (int64_t a : axes) red[a < 0 ? a + rank : a] = true;
  Shape out, kept_shape;
  for (int i = 0; i < rank; ++i) {
    if (!red[i]) out.push_back(x.dim(i)), kept_shape.push_back(x.dim(i));
    else if (keepdims) out.push_back(1);
  }
  const int64_t n_out = shape_numel(out);
  std::vector<std::vector<double>> lists(n_out);
  const Shape strides = shape_strides(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, o = 0;
    for (int d = 0; d < rank; ++d) {
      const int64_t c = rem / strides[d];
      rem %= strides[d];
      if (!red[d]) o = o * x.dim(d) + c;
    }
    lists[o].push_back(x.get_double(i));
  }
  Tensor y(DType::Double, out);
  for (int64_t o = 0; o < n_out; ++o) y.data<double>()[o] = reduce_list(op, lists[o]);
  if (dtype_is_float(x.dtype())) return y.cast(x.dtype());
  // Integer results: the exact value truncated toward zero.
  for (int64_t o = 0; o < n_out; ++o) y.data<double>()[o] = std::trunc(y.data<double>()[o]);
  return y.cast(x.dtype());
}

std::vector<std::vector<int64_t>> axis_subsets(int rank) {
  std::vector<std::vector<int64_t>> out;
  for (int mask = 0; mask < (1 << rank); ++mask) {
    std::vector<int64_t> s;
    for (int d = 0; d < rank; ++d)
      if (mask & (1 << d)) s.push_back(d);
    out.push_back(s);
  }
  return out;
}

// Axes as attribute (opset 13) or as input (opset 18).
Result<std::vector<Tensor>> run_reduce(const std::string& op, const Tensor& x, const std::vector<int64_t>& axes,
                                       bool keepdims, bool as_input, int threads = 1, int64_t noop = -1) {
  NodeSpec s{.op_type = op, .inputs = {x}};
  s.attributes.push_back(attr_int("keepdims", keepdims));
  if (noop >= 0) s.attributes.push_back(attr_int("noop_with_empty_axes", noop));
  if (as_input) {
    s.opset = 18;
    s.inputs.push_back(Tensor::from_vector<int64_t>(axes));
  } else {
    s.opset = 13;
    if (!axes.empty()) s.attributes.push_back(attr_ints("axes", axes));
  }
  return run_node(s, threads);
}

const std::vector<Shape> kShapes = {{7}, {3, 5}, {2, 3, 4}, {1, 3, 1, 5}, {3, 1, 7, 2}, {2, 3, 4, 5}};

}  // namespace

TEST(Reduce, FloatAllOpsAllAxes) {
  uint32_t seed = 1;
  for (const std::string& op : kAllOps) {
    for (const Shape& shape : kShapes) {
      // Positive values keep LogSum defined.
      const bool positive = op == "ReduceLogSum";
      Tensor x = random_tensor(DType::Float, shape, seed++, positive ? 0.1 : -1.0, 1.0);
      for (const auto& axes : axis_subsets(static_cast<int>(shape.size()))) {
        for (bool keepdims : {true, false}) {
          for (bool as_input : {false, true}) {
            auto r = run_reduce(op, x, axes, keepdims, as_input);
            ASSERT_TRUE(r.ok()) << op << ": " << r.status().message();
            Tensor expect = reference(op, x, axes, keepdims);
            EXPECT_TENSOR_NEAR((*r)[0], expect, 1e-5, 1e-5) << op << " shape " << shape_str(shape) << " axes "
                                                             << axes.size() << " keepdims " << keepdims;
          }
        }
      }
    }
  }
}

TEST(Reduce, NegativeAxes) {
  Tensor x = random_tensor(DType::Float, {3, 4, 5}, 7);
  for (const std::string& op : {std::string("ReduceMean"), std::string("ReduceMax"), std::string("ReduceSum")}) {
    auto r = run_reduce(op, x, {-1, -3}, true, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, {0, 2}, true));
    r = run_reduce(op, x, {-2}, false, true);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, {1}, false));
  }
}

TEST(Reduce, OtherFloatTypes) {
  uint32_t seed = 100;
  for (DType t : {DType::Double, DType::Float16, DType::BFloat16}) {
    const double tol = t == DType::Double ? 1e-12 : t == DType::Float16 ? 2e-3 : 2e-2;
    for (const std::string& op : kAllOps) {
      const bool positive = op == "ReduceLogSum";
      Tensor x = random_tensor(t, {3, 4, 5}, seed++, positive ? 0.1 : -1.0, 1.0);
      for (const auto& axes : std::vector<std::vector<int64_t>>{{}, {1}, {0, 2}, {2}}) {
        auto r = run_reduce(op, x, axes, true, false);
        ASSERT_TRUE(r.ok()) << r.status().message();
        // The reference reduces the rounded inputs in double, then rounds once.
        EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, axes, true), tol, tol) << op << " " << dtype_name(t);
      }
    }
  }
}

TEST(Reduce, IntegerTypes) {
  uint32_t seed = 200;
  for (DType t : {DType::Int32, DType::Int64, DType::UInt8, DType::Int8, DType::UInt32, DType::UInt64, DType::Int16}) {
    for (std::string op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                                  "ReduceSumSquare", "ReduceL2"}) {
      const bool is_unsigned = dtype_is_unsigned_int(t);
      Tensor x = random_tensor(t, {3, 1, 4, 3}, seed++, is_unsigned ? 0 : -3, 3);
      for (const auto& axes : std::vector<std::vector<int64_t>>{{}, {0}, {2}, {0, 3}, {1, 2}}) {
        if (std::string(op) == "ReduceProd" && axes.empty()) continue;  // 3^36 overflows; see Wraps
        const bool narrow = t == DType::Int8 || t == DType::UInt8;
        if (narrow && std::string(op) == "ReduceSumSquare" && axes.empty()) continue;
        if (narrow && std::string(op) == "ReduceProd" && axes.size() == 2 && axes[1] == 3) continue;
        auto r = run_reduce(op, x, axes, false, true);
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, axes, false), 0, 0) << op << " " << dtype_name(t);
      }
    }
  }
}

TEST(Reduce, IntegerSumWrapsLikeTheType) {
  Tensor x = Tensor::from_vector<int32_t>({2147483647, 1, 5});
  auto r = run_reduce("ReduceSum", x, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int32_t>()[0], static_cast<int32_t>(2147483647u + 6u));
  Tensor u = Tensor::from_vector<uint8_t>({200, 100});
  r = run_reduce("ReduceSum", u, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<uint8_t>()[0], 44);
  Tensor big = Tensor::from_vector<int64_t>({int64_t{1} << 62, -(int64_t{1} << 62), 7, std::numeric_limits<int64_t>::min()});
  r = run_reduce("ReduceMax", big, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int64_t>()[0], int64_t{1} << 62);
  r = run_reduce("ReduceMin", big, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int64_t>()[0], std::numeric_limits<int64_t>::min());
}

TEST(Reduce, BoolMaxMin) {
  Tensor x = Tensor::from_vector<bool>({false, true, false, false, false, false}, {2, 3});
  auto r = run_reduce("ReduceMax", x, {1}, false, false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<bool>({true, false}), 0, 0);
  r = run_reduce("ReduceMin", x, {0}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<bool>({false, false, false}), 0, 0);
  EXPECT_FALSE(run_reduce("ReduceSum", x, {0}, false, false).ok());
}

TEST(Reduce, EmptyAxesAndNoop) {
  Tensor x = random_tensor(DType::Float, {2, 3, 5}, 11, 0.1, 2.0);
  for (const std::string& op : kAllOps) {
    // Empty axes input without noop: reduce everything.
    auto r = run_reduce(op, x, {}, true, true, 1, 0);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, {}, true), 1e-5, 1e-5) << op;
    // With noop the reduction is over single elements: the op's element-wise part remains
    // (ReduceSumSquare squares, ReduceL1 takes |x|, ReduceLogSum takes log).
    for (bool keepdims : {true, false}) {
      r = run_reduce(op, x, {}, keepdims, true, 1, 1);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, {}, keepdims, true), 1e-5, 1e-5) << op;
      EXPECT_EQ((*r)[0].shape(), x.shape());
    }
  }
  // noop_with_empty_axes with an omitted axes input.
  auto r = run_node({.op_type = "ReduceSumSquare", .inputs = {x}, .attributes = {attr_int("noop_with_empty_axes", 1)}, .opset = 18});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], reference("ReduceSumSquare", x, {}, true, true));
}

TEST(Reduce, ZeroSizedReductionsGiveIdentities) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, double>> ids = {
      {"ReduceSum", 0},     {"ReduceMean", NAN},       {"ReduceMax", -inf},      {"ReduceMin", inf},
      {"ReduceProd", 1},    {"ReduceL1", 0},           {"ReduceL2", 0},          {"ReduceLogSum", -inf},
      {"ReduceLogSumExp", -inf}, {"ReduceSumSquare", 0}};
  Tensor x(DType::Float, {2, 0, 3});
  for (auto& [op, id] : ids) {
    auto r = run_reduce(op, x, {1}, true, false);
    ASSERT_TRUE(r.ok()) << op << ": " << r.status().message();
    const Tensor& y = (*r)[0];
    ASSERT_EQ(y.shape(), (Shape{2, 1, 3})) << op;
    for (int64_t i = 0; i < y.numel(); ++i) {
      const double v = y.get_double(i);
      if (std::isnan(id)) EXPECT_TRUE(std::isnan(v)) << op;
      else EXPECT_EQ(v, id) << op;
    }
    // Reducing a non-empty axis of an empty tensor leaves an empty result.
    r = run_reduce(op, x, {0}, false, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ((*r)[0].shape(), (Shape{0, 3}));
  }
  Tensor xi(DType::Int32, {0, 4});
  auto r = run_reduce("ReduceMax", xi, {0}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int32_t>()[3], std::numeric_limits<int32_t>::min());
  r = run_reduce("ReduceMin", xi, {0}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int32_t>()[0], std::numeric_limits<int32_t>::max());
  r = run_reduce("ReduceProd", xi, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int32_t>()[0], 1);
}

TEST(Reduce, ScalarInput) {
  Tensor x = Tensor::scalar<float>(-2.5f);
  for (std::string op : {"ReduceSum", "ReduceL1", "ReduceSumSquare", "ReduceMax"}) {
    auto r = run_reduce(op, x, {}, true, false);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ((*r)[0].rank(), 0);
    EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, {}, true));
  }
}

TEST(Reduce, NaNAndLargeValues) {
  Tensor x = Tensor::from_vector<float>({1, NAN, 3, 4, 5, 6}, {2, 3});
  auto r = run_reduce("ReduceMax", x, {1}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isnan((*r)[0].data<float>()[0]));
  EXPECT_EQ((*r)[0].data<float>()[1], 6);
  r = run_reduce("ReduceMin", x, {0}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isnan((*r)[0].data<float>()[1]));
  // LogSumExp does not overflow on large inputs.
  Tensor big = Tensor::from_vector<float>({1000, 1000, 1000, -1000}, {2, 2});
  r = run_reduce("ReduceLogSumExp", big, {1}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR((*r)[0].data<float>()[0], 1000 + std::log(2.0), 1e-3);
  EXPECT_NEAR((*r)[0].data<float>()[1], 1000, 1e-3);
  Tensor infs = Tensor::from_vector<float>({-INFINITY, -INFINITY, INFINITY, 1});
  r = run_reduce("ReduceLogSumExp", infs.reshaped({2, 2}), {1}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<float>()[0], -INFINITY);
  EXPECT_EQ((*r)[0].data<float>()[1], INFINITY);
}

TEST(Reduce, AccurateLongSums) {
  const int64_t n = 1000003;
  Tensor x(DType::Float, {n});
  for (int64_t i = 0; i < n; ++i) x.data<float>()[i] = 0.1f;
  auto r = run_reduce("ReduceSum", x, {}, false, false);
  ASSERT_TRUE(r.ok());
  // Accumulated in double: only the final rounding to float remains.
  EXPECT_EQ((*r)[0].data<float>()[0], static_cast<float>(static_cast<double>(0.1f) * n));
  r = run_reduce("ReduceMean", x, {}, false, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<float>()[0], 0.1f);
}

TEST(Reduce, ThreadsGiveTheSameResult) {
  Tensor x = random_tensor(DType::Float, {64, 33, 130}, 5);
  for (std::string op : {"ReduceSum", "ReduceLogSumExp", "ReduceMax"}) {
    for (const auto& axes : std::vector<std::vector<int64_t>>{{0}, {1}, {2}, {0, 2}, {}}) {
      auto a = run_reduce(op, x, axes, true, true, 1);
      auto b = run_reduce(op, x, axes, true, true, 4);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_TENSOR_NEAR((*b)[0], (*a)[0], 0, 0);
      EXPECT_TENSOR_NEAR((*a)[0], reference(op, x, axes, true), 1e-5, 1e-5) << op;
    }
  }
}

TEST(Reduce, OlderOpsets) {
  Tensor x = random_tensor(DType::Float, {3, 4, 5}, 21);
  for (int64_t opset : {7, 11, 12}) {
    auto r = run_node({.op_type = "ReduceMean", .inputs = {x}, .attributes = {attr_ints("axes", {1}), attr_int("keepdims", 0)},
                       .opset = opset});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], reference("ReduceMean", x, {1}, false));
  }
  // ReduceSum at 13 takes axes as input; the attribute form of older models still works.
  auto r = run_node({.op_type = "ReduceSum", .inputs = {x, Tensor::from_vector<int64_t>({0, 2})}, .opset = 13});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], reference("ReduceSum", x, {0, 2}, true));
  // Omitted axes input with an empty name.
  r = run_node({.op_type = "ReduceSum", .inputs = {x, Tensor()}, .attributes = {attr_int("keepdims", 0)}, .opset = 13});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], reference("ReduceSum", x, {}, false), 1e-4, 1e-5);
}

TEST(Reduce, Errors) {
  Tensor x = random_tensor(DType::Float, {3, 4}, 3);
  EXPECT_FALSE(run_reduce("ReduceSum", x, {2}, true, false).ok());
  EXPECT_FALSE(run_reduce("ReduceSum", x, {-3}, true, true).ok());
  EXPECT_FALSE(run_reduce("ReduceMax", x, {1, -1}, true, false).ok());  // repeated
  EXPECT_FALSE(run_reduce("ReduceL2", x, {0, 0}, true, true).ok());
  // Axes of the wrong type or rank.
  EXPECT_FALSE(run_node({.op_type = "ReduceSum", .inputs = {x, Tensor::from_vector<float>({0})}, .opset = 13}).ok());
  EXPECT_FALSE(run_node({.op_type = "ReduceSum", .inputs = {x, Tensor::from_vector<int64_t>({0, 1}, {1, 2})}, .opset = 13}).ok());
  // Missing data input, too many inputs.
  EXPECT_FALSE(run_node({.op_type = "ReduceSum", .inputs = {}, .opset = 13}).ok());
  EXPECT_FALSE(run_node({.op_type = "ReduceSum", .inputs = {x, Tensor::from_vector<int64_t>({0}), x}, .opset = 13}).ok());
}

TEST(Reduce, InferenceWithUnknownAxes) {
  Node n;
  n.name = "r";
  n.op_type = "ReduceSum";
  n.inputs = {"x", "axes"};
  n.outputs = {"y"};
  auto infer = [&](int64_t keepdims, std::optional<std::vector<Dim>> axes_shape) {
    n.attributes = {attr_int("keepdims", keepdims)};
    ops::InferContext ctx(n, 13);
    ctx.inputs = {TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(1), Dim(5)}), TypeInfo{}};
    ctx.inputs[1].dtype = DType::Int64;
    ctx.inputs[1].shape = axes_shape;
    EXPECT_TRUE(ops::infer_node(ctx).ok());
    return ctx.outputs[0];
  };
  TypeInfo t = infer(1, std::nullopt);
  ASSERT_EQ(t.rank(), 3);
  EXPECT_FALSE((*t.shape)[0].known());
  EXPECT_EQ((*t.shape)[1].value, 1);
  t = infer(0, std::vector<Dim>{Dim(2)});
  EXPECT_EQ(t.rank(), 1);
  t = infer(0, std::nullopt);
  EXPECT_FALSE(t.has_rank());
  // Known axes keep symbolic dims.
  n.inputs = {"x"};
  n.attributes = {attr_ints("axes", {2}), attr_int("keepdims", 0)};
  ops::InferContext ctx(n, 13);
  ctx.inputs = {TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(1), Dim(5)})};
  ASSERT_TRUE(ops::infer_node(ctx).ok());
  ASSERT_EQ(ctx.outputs[0].rank(), 2);
  EXPECT_EQ((*ctx.outputs[0].shape)[0].symbol, "batch");
}

// The float32 fast paths (contiguous trailing axes, [reduced, inner] blocks) under every kernel
// table this CPU has, over sizes around the vector widths.
TEST(Reduce, SimdFastPathsEveryLevel) {
  const std::vector<Shape> shapes = {{1, 1}, {3, 7}, {5, 17}, {2, 33}, {4, 1000}, {3, 17, 5}, {2, 7, 33}, {2, 300, 3}, {1, 128, 256}};
  const std::vector<std::string> ops = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2",
                                        "ReduceSumSquare", "ReduceLogSum"};
  sz0::test::for_each_simd_level([&] {
    uint32_t seed = 500;
    for (const std::string& op : ops)
      for (const Shape& shape : shapes) {
        const int rank = static_cast<int>(shape.size());
        Tensor x = random_tensor(DType::Float, shape, seed++, op == "ReduceLogSum" ? 0.1 : -2.0, 2.0);
        // Trailing axes (rows), one middle axis (columns), and the leading axis.
        std::vector<std::vector<int64_t>> axes_sets = {{rank - 1}, {0}};
        if (rank == 3) axes_sets.push_back({1, 2}), axes_sets.push_back({1});
        for (const auto& axes : axes_sets)
          for (int threads : {1, 3}) {
            auto r = run_reduce(op, x, axes, true, true, threads);
            ASSERT_TRUE(r.ok()) << op << ": " << r.status().message();
            EXPECT_TENSOR_NEAR((*r)[0], reference(op, x, axes, true), 1e-6, 2e-6)
                << op << " shape " << shape_str(shape) << " axes " << axes.size() << " first " << axes[0];
          }
      }
    // NaN wins Max and Min on both paths.
    Tensor x = random_tensor(DType::Float, {3, 40}, 9);
    x.data<float>()[45] = std::nanf("");
    for (const char* op : {"ReduceMax", "ReduceMin"}) {
      auto rows = run_reduce(op, x, {1}, false, true);
      auto cols = run_reduce(op, x, {0}, false, true);
      ASSERT_TRUE(rows.ok() && cols.ok());
      EXPECT_TRUE(std::isnan((*rows)[0].data<float>()[1]));
      EXPECT_FALSE(std::isnan((*rows)[0].data<float>()[0]));
      EXPECT_TRUE(std::isnan((*cols)[0].data<float>()[5]));
      EXPECT_FALSE(std::isnan((*cols)[0].data<float>()[4]));
    }
  });
}

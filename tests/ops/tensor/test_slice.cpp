#include "tensor_test_util.h"

#include <limits>
#include <random>

using namespace sz0;
using namespace sz0::test;

namespace {

// Indices start:stop:step selects from a dimension of size n. Like Python's slices, except that a
// start below -n clamps to 0 even for negative steps (the ONNX rule; Python would select nothing).
std::vector<int64_t> slice_indices(int64_t start, int64_t stop, int64_t step, int64_t n) {
  const int64_t upper = step > 0 ? n : n - 1;
  auto fix = [&](int64_t v, int64_t lower) {
    if (v < 0) return v < -n ? lower : v + n;  // avoids overflow for INT64_MIN
    return std::min(v, upper);
  };
  std::vector<int64_t> out;
  if (n == 0) return out;
  for (int64_t i = fix(start, 0), e = fix(stop, step > 0 ? 0 : -1); step > 0 ? i < e : i > e; i += step)
    out.push_back(i);
  return out;
}

Tensor slice_ref(const Tensor& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                 const std::vector<int64_t>& axes, const std::vector<int64_t>& steps) {
  std::vector<std::vector<int64_t>> pick(x.shape().size());
  for (size_t k = 0; k < pick.size(); ++k)
    for (int64_t i = 0; i < x.shape()[k]; ++i) pick[k].push_back(i);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = axes[i] < 0 ? axes[i] + x.rank() : axes[i];
    pick[a] = slice_indices(starts[i], ends[i], steps[i], x.shape()[a]);
  }
  Shape out;
  for (auto& p : pick) out.push_back(static_cast<int64_t>(p.size()));
  Tensor y(x.dtype(), out);
  for (int64_t o = 0; o < y.numel(); ++o) {
    Shape idx = unravel(o, out);
    for (size_t k = 0; k < idx.size(); ++k) idx[k] = pick[k][idx[k]];
    copy_elem(x, ravel(idx, x.shape()), y, o);
  }
  return y;
}

}  // namespace

TEST(Slice, RandomAgainstReference) {
  std::mt19937 rng(42);
  const std::vector<Shape> shapes{{7}, {3, 13}, {2, 5, 7}, {1, 4, 3, 6}};
  for (DType t : movement_dtypes()) {
    for (int iter = 0; iter < 60; ++iter) {
      const Shape& shape = shapes[iter % shapes.size()];
      Tensor x = random_any(t, shape, static_cast<uint32_t>(iter));
      const int64_t r = static_cast<int64_t>(shape.size());
      std::vector<int64_t> starts, ends, axes, steps;
      std::vector<int64_t> all(static_cast<size_t>(r));
      for (int64_t k = 0; k < r; ++k) all[k] = k;
      std::shuffle(all.begin(), all.end(), rng);
      const int64_t n = 1 + static_cast<int64_t>(rng() % r);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t a = all[i], d = shape[a];
        axes.push_back(rng() % 2 ? a : a - r);
        starts.push_back(static_cast<int64_t>(rng() % (2 * d + 5)) - d - 2);
        ends.push_back(static_cast<int64_t>(rng() % (2 * d + 5)) - d - 2);
        int64_t st = static_cast<int64_t>(rng() % 7) - 3;
        if (st == 0) st = 1;
        steps.push_back(st);
      }
      if (iter % 5 == 0) ends[0] = std::numeric_limits<int64_t>::max();
      if (iter % 7 == 0) ends[0] = std::numeric_limits<int64_t>::min();
      auto res = run_node({.op_type = "Slice", .inputs = {x, i64(starts), i64(ends), i64(axes), i64(steps)}}, 2);
      ASSERT_TRUE(res.ok()) << res.status().message();
      EXPECT_TENSOR_EQ((*res)[0], slice_ref(x, starts, ends, axes, steps)) << "iteration " << iter << " starts " << ::testing::PrintToString(starts)
          << " ends " << ::testing::PrintToString(ends) << " axes " << ::testing::PrintToString(axes) << " steps "
          << ::testing::PrintToString(steps) << " shape " << shape_str(shape);
    }
  }
}

TEST(Slice, OmittedAxesAndSteps) {
  Tensor x = random_any(DType::Float, {5, 7, 3}, 1);
  auto r = run_node({.op_type = "Slice", .inputs = {x, i64({1, -4}), i64({4, 100})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], slice_ref(x, {1, -4}, {4, 100}, {0, 1}, {1, 1}));
  r = run_node({.op_type = "Slice", .inputs = {x, i64({2}), i64({0}), i64({1}), Tensor()}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{5, 0, 3}));
  r = run_node({.op_type = "Slice", .inputs = {x, i64({-1}), i64({-1000}), Tensor(), i64({-2})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], slice_ref(x, {-1}, {-1000}, {0}, {-2}));
  // int32 parameters.
  r = run_node({.op_type = "Slice", .inputs = {x, Tensor::from_vector<int32_t>({0}), Tensor::from_vector<int32_t>({2}),
                                              Tensor::from_vector<int32_t>({2})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], slice_ref(x, {0}, {2}, {2}, {1}));
}

TEST(Slice, Opset1Attributes) {
  Tensor x = random_any(DType::Int32, {4, 6}, 2);
  auto r = run_node({.op_type = "Slice", .inputs = {x},
                     .attributes = {attr_ints("starts", {1, 0}), attr_ints("ends", {1000, -1}), attr_ints("axes", {1, 0})},
                     .opset = 9});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], slice_ref(x, {1, 0}, {1000, -1}, {1, 0}, {1, 1}));
  r = run_node({.op_type = "Slice", .inputs = {x}, .attributes = {attr_ints("starts", {2}), attr_ints("ends", {3})},
                .opset = 7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_EQ((*r)[0], slice_ref(x, {2}, {3}, {0}, {1}));
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x}, .attributes = {attr_ints("starts", {2})}, .opset = 9}).ok());
}

TEST(Slice, Errors) {
  Tensor x = random_any(DType::Float, {4, 6}, 3);
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, i64({0}), i64({2}), i64({0}), i64({0})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, i64({0, 1}), i64({2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, i64({0}), i64({2}), i64({2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, i64({0, 0}), i64({2, 2}), i64({1, -1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, i64({0}), i64({2}), i64({0}), i64({1, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Slice", .inputs = {x, Tensor::from_vector<float>({0}), i64({2})}}).ok());
}

TEST(Slice, InferShapes) {
  TypeInfo x(DType::Float, {sym("N"), 10, 8});
  Tensor s = i64({1, 0}), e = i64({-1, std::numeric_limits<int64_t>::max()}), a = i64({1, 0}), st = i64({2, 1});
  auto r = infer({.op_type = "Slice", .inputs = {x, TypeInfo::of(s), TypeInfo::of(e), TypeInfo::of(a), TypeInfo::of(st)},
                  .values = {nullptr, &s, &e, &a, &st}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DIMS((*r)[0], {sym("N"), 4, 8});
  // Unknown starts: only the sliced axes (known from the axes value) lose their size.
  r = infer({.op_type = "Slice", .inputs = {x, TypeInfo(DType::Int64, {1}), TypeInfo(DType::Int64, {1}), TypeInfo::of(i64({2}))},
             .values = {nullptr, nullptr, nullptr, &a}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim(), 8});
  Tensor s2 = i64({2}), e2 = i64({5});
  r = infer({.op_type = "Slice", .inputs = {x, TypeInfo::of(s2), TypeInfo::of(e2)}, .values = {nullptr, &s2, &e2}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), 10, 8});
}

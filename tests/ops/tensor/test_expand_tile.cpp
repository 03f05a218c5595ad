#include "tensor_test_util.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor expand_ref(const Tensor& x, const Shape& out) {
  Tensor y(x.dtype(), out);
  const size_t off = out.size() - x.shape().size();
  for (int64_t o = 0; o < y.numel(); ++o) {
    const Shape oi = unravel(o, out);
    Shape ii(x.shape().size());
    for (size_t k = 0; k < ii.size(); ++k) ii[k] = x.shape()[k] == 1 ? 0 : oi[k + off];
    copy_elem(x, ravel(ii, x.shape()), y, o);
  }
  return y;
}

Tensor tile_ref(const Tensor& x, const std::vector<int64_t>& reps) {
  Shape out;
  for (size_t k = 0; k < reps.size(); ++k) out.push_back(x.shape()[k] * reps[k]);
  Tensor y(x.dtype(), out);
  for (int64_t o = 0; o < y.numel(); ++o) {
    Shape idx = unravel(o, out);
    for (size_t k = 0; k < idx.size(); ++k) idx[k] %= x.shape()[k];
    copy_elem(x, ravel(idx, x.shape()), y, o);
  }
  return y;
}

}  // namespace

TEST(Expand, Broadcasts) {
  struct Case {
    Shape in, shape, out;
  };
  const std::vector<Case> cases{{{3, 1}, {2, 1, 6}, {2, 3, 6}},
                                {{3, 1}, {3, 4}, {3, 4}},
                                {{1, 5}, {5}, {1, 5}},
                                {{2, 1, 7}, {1, 1}, {2, 1, 7}},
                                {{1}, {3, 1, 2}, {3, 1, 2}},
                                {{}, {2, 3}, {2, 3}},
                                {{4, 1, 1}, {4, 13, 3}, {4, 13, 3}},
                                {{1, 3}, {0, 3}, {0, 3}}};
  for (DType t : movement_dtypes())
    for (const Case& c : cases) {
      Tensor x = random_any(t, c.in, 1);
      auto r = run_node({.op_type = "Expand", .inputs = {x, i64(c.shape)}}, 2);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], expand_ref(x, c.out)) << shape_str(c.in) << " to " << shape_str(c.shape);
    }
}

TEST(Expand, ErrorsAndInference) {
  Tensor x = random_any(DType::Float, {3, 2}, 2);
  EXPECT_FALSE(run_node({.op_type = "Expand", .inputs = {x, i64({3, 4})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Expand", .inputs = {x, i64({-1, 2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Expand", .inputs = {x, Tensor(DType::Int64, {1, 2})}}).ok());
  TypeInfo sx(DType::Float, {sym("N"), 1});
  Tensor s = i64({1, 5});
  auto r = infer({.op_type = "Expand", .inputs = {sx, TypeInfo::of(s)}, .values = {nullptr, &s}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DIMS((*r)[0], {sym("N"), 5});
  r = infer({.op_type = "Expand", .inputs = {sx, TypeInfo(DType::Int64, {3})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), Dim(), Dim()});
}

TEST(Tile, Repeats) {
  for (DType t : movement_dtypes()) {
    Tensor x = random_any(t, {2, 3, 5}, 3);
    for (auto reps : std::vector<std::vector<int64_t>>{{1, 1, 1}, {2, 1, 3}, {3, 4, 1}, {1, 0, 2}, {7, 2, 2}}) {
      auto r = run_node({.op_type = "Tile", .inputs = {x, i64(reps)}}, 2);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], tile_ref(x, reps));
    }
  }
  Tensor x = random_any(DType::Float, {1}, 4);
  auto r = run_node({.op_type = "Tile", .inputs = {x, i64({13})}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], tile_ref(x, {13}));
}

TEST(Tile, ErrorsAndInference) {
  Tensor x = random_any(DType::Float, {2, 3}, 5);
  EXPECT_FALSE(run_node({.op_type = "Tile", .inputs = {x, i64({2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Tile", .inputs = {x, i64({2, -1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Tile", .inputs = {x, Tensor::from_vector<float>({1, 1})}}).ok());
  Tensor reps = i64({1, 3});
  auto r = infer({.op_type = "Tile", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo::of(reps)},
                  .values = {nullptr, &reps}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("N"), 9});
  reps = i64({2, 3});
  r = infer({.op_type = "Tile", .inputs = {TypeInfo(DType::Float, {sym("N"), 3}), TypeInfo::of(reps)}, .values = {nullptr, &reps}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {Dim(), 9});
}

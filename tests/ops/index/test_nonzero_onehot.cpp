#include "index_test_util.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

Tensor ref_nonzero(const Tensor& x) {
  const Shape s = x.rank() ? x.shape() : Shape{1};
  std::vector<Shape> hits;
  for (int64_t i = 0; i < x.numel(); ++i)
    if (x.get_double(i) != 0) hits.push_back(unravel(i, s));
  const int64_t n = static_cast<int64_t>(hits.size()), r = static_cast<int64_t>(s.size());
  std::vector<double> v(r * n);
  for (int64_t d = 0; d < r; ++d)
    for (int64_t j = 0; j < n; ++j) v[d * n + j] = static_cast<double>(hits[j][d]);
  return make(DType::Int64, {r, n}, v);
}

Tensor ref_onehot(const Tensor& idx, int64_t depth, const Tensor& values, int64_t axis, bool wrap) {
  Shape os = idx.shape();
  os.insert(os.begin() + axis, depth);
  std::vector<double> v(shape_numel(os));
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    Shape c = unravel(i, os);
    const int64_t d = c[axis];
    c.erase(c.begin() + axis);
    int64_t k = static_cast<int64_t>(idx.get_double(ravel(c, idx.shape())));
    if (k < 0 && wrap) k += depth;
    v[i] = values.get_double(k == d ? 1 : 0);
  }
  return make(values.dtype(), os, v);
}

}  // namespace

TEST(NonZero, MatchesReference) {
  uint32_t seed = 1;
  for (DType dt : data_dtypes())
    for (Shape s : {Shape{13}, Shape{3, 7}, Shape{2, 3, 5}, Shape{0, 3}, Shape{}, Shape{1, 1, 1, 7}}) {
      // Sparse-ish data: about a third of the entries are zero.
      Tensor x = random_tensor(DType::Int32, s, seed++, -1, 1).cast(dt);
      auto r = run_node({.op_type = "NonZero", .inputs = {x}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], ref_nonzero(x), 0, 0) << dtype_name(dt) << " " << shape_str(s);
    }
}

TEST(NonZero, AllZeroAndOpset9) {
  auto r = run_node({.op_type = "NonZero", .inputs = {Tensor(DType::Float, {3, 4})}, .opset = 9});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 0}));
  r = run_node({.op_type = "NonZero", .inputs = {Tensor::from_vector<float>({0, -0.0f, 3, NAN})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({2, 3}, {1, 2}), 0, 0);
}

TEST(OneHot, MatchesReference) {
  uint32_t seed = 50;
  for (DType vt : {DType::Float, DType::Int64, DType::Int32, DType::Bool, DType::Float16})
    for (DType it : {DType::Int64, DType::Int32, DType::Float, DType::UInt8})
      for (int64_t axis : {-1, 0, 1, 2, -3})
        for (int64_t opset : {9, 11}) {
          const int64_t depth = 7;
          const bool is_unsigned = it == DType::UInt8;
          Tensor idx = random_tensor(DType::Int32, {3, 5}, seed++, is_unsigned ? 0 : -9, 9).cast(it);
          Tensor values = vt == DType::Bool ? Tensor::from_vector<bool>({false, true})
                                            : make(vt, {2}, {-2, 3});
          for (DType dt : {DType::Int64, DType::Float, DType::Int32}) {
            Tensor d = dt == DType::Float ? Tensor::scalar<float>(7.9f) : make(dt, {1}, {7});  // float depth truncates
            auto r = run_node({.op_type = "OneHot", .inputs = {idx, d, values},
                               .attributes = {attr_int("axis", axis)}, .opset = opset});
            ASSERT_TRUE(r.ok()) << r.status().message();
            EXPECT_TENSOR_NEAR((*r)[0], ref_onehot(idx, depth, values, axis < 0 ? axis + 3 : axis, opset >= 11), 0, 0)
                << dtype_name(vt) << " " << dtype_name(it) << " axis " << axis << " opset " << opset;
          }
        }
}

TEST(OneHot, Errors) {
  Tensor idx = Tensor::from_vector<int64_t>({0, 1});
  Tensor values = Tensor::from_vector<float>({0, 1});
  auto r = run_node({.op_type = "OneHot", .inputs = {idx, Tensor::scalar<int64_t>(-1), values}});
  EXPECT_TRUE(fails_with(r, "depth"));
  r = run_node({.op_type = "OneHot", .inputs = {idx, Tensor::from_vector<int64_t>({2, 3}), values}});
  EXPECT_TRUE(fails_with(r, "depth"));
  r = run_node({.op_type = "OneHot", .inputs = {idx, Tensor::scalar<int64_t>(3), Tensor::from_vector<float>({0, 1, 2})}});
  EXPECT_TRUE(fails_with(r, "values"));
  r = run_node({.op_type = "OneHot", .inputs = {idx, Tensor::scalar<int64_t>(3), values}, .attributes = {attr_int("axis", 2)}});
  EXPECT_TRUE(fails_with(r, "axis"));
}

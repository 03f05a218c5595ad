#include "index_test_util.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

Tensor ref_arg(const Tensor& x, int64_t axis, bool keepdims, bool last, bool is_max) {
  const Shape& s = x.shape();
  Shape os = s;
  os[axis] = 1;
  std::vector<double> v(shape_numel(os));
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    Shape c = unravel(i, os);
    int64_t best = 0;
    double bv = 0;
    for (int64_t k = 0; k < s[axis]; ++k) {
      c[axis] = k;
      const double e = x.get_double(ravel(c, s));
      const bool better = k == 0 || (is_max ? e > bv : e < bv) || (last && e == bv);
      if (better) {
        best = k;
        bv = e;
      }
    }
    v[i] = static_cast<double>(best);
  }
  if (!keepdims) os.erase(os.begin() + axis);
  return make(DType::Int64, os, v);
}

// Values and indices by a stable sort of each line (equal values keep index order).
std::pair<Tensor, Tensor> ref_topk(const Tensor& x, int64_t k, int64_t axis, bool largest) {
  const Shape& s = x.shape();
  Shape os = s;
  os[axis] = k;
  std::vector<double> vals(shape_numel(os)), idxs(shape_numel(os));
  Shape lines = s;
  lines[axis] = 1;
  for (int64_t i = 0; i < shape_numel(lines); ++i) {
    Shape c = unravel(i, lines);
    std::vector<std::pair<double, int64_t>> line;
    for (int64_t j = 0; j < s[axis]; ++j) {
      c[axis] = j;
      line.push_back({x.get_double(ravel(c, s)), j});
    }
    std::stable_sort(line.begin(), line.end(), [&](auto& a, auto& b) {
      return largest ? a.first > b.first : a.first < b.first;
    });
    for (int64_t j = 0; j < k; ++j) {
      c[axis] = j;
      const int64_t o = ravel(c, os);
      vals[o] = line[j].first;
      idxs[o] = static_cast<double>(line[j].second);
    }
  }
  return {make(x.dtype(), os, vals), make(DType::Int64, os, idxs)};
}

const std::vector<DType> kNumeric = {DType::Float, DType::Int64, DType::Int32, DType::Float16,
                                     DType::Double, DType::UInt8, DType::BFloat16, DType::Int8};

// Few distinct values, so ties are common.
Tensor tied_tensor(DType dt, Shape s, uint32_t seed) {
  return random_tensor(DType::Int32, std::move(s), seed, 0, 4).cast(dt);
}

}  // namespace

TEST(ArgMaxArgMin, MatchesReference) {
  uint32_t seed = 1;
  for (DType dt : kNumeric)
    for (Shape s : {Shape{13}, Shape{3, 7}, Shape{2, 3, 5}, Shape{5, 1, 7}})
      for (int64_t axis = -static_cast<int64_t>(s.size()); axis < static_cast<int64_t>(s.size()); ++axis)
        for (int keep : {0, 1})
          for (int last : {0, 1})
            for (bool is_max : {true, false}) {
              Tensor x = seed % 2 ? tied_tensor(dt, s, seed) : data_tensor(dt, s, seed);
              ++seed;
              std::vector<Attribute> attrs = {attr_int("axis", axis), attr_int("keepdims", keep)};
              if (last) attrs.push_back(attr_int("select_last_index", 1));
              auto r = run_node({.op_type = is_max ? "ArgMax" : "ArgMin", .inputs = {x}, .attributes = attrs});
              ASSERT_TRUE(r.ok()) << r.status().message();
              const int64_t a = axis < 0 ? axis + static_cast<int64_t>(s.size()) : axis;
              EXPECT_TENSOR_NEAR((*r)[0], ref_arg(x, a, keep, last, is_max), 0, 0)
                  << dtype_name(dt) << " " << shape_str(s) << " axis " << axis << " keep " << keep << " last " << last
                  << (is_max ? " max" : " min");
            }
}

TEST(ArgMaxArgMin, DefaultsOpsetsAndNaN) {
  Tensor x = Tensor::from_vector<float>({1, 5, 5, 2, 9, 0}, {2, 3});
  for (int64_t opset : {7, 11, 12, 13}) {
    auto r = run_node({.op_type = "ArgMax", .inputs = {x}, .opset = opset});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<int64_t>({1, 1, 0}, {1, 3}), 0, 0);
  }
  Tensor n = Tensor::from_vector<float>({1, NAN, 3, NAN});
  auto r = run_node({.op_type = "ArgMax", .inputs = {n}, .attributes = {attr_int("keepdims", 0)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::scalar<int64_t>(1), 0, 0);
  r = run_node({.op_type = "ArgMin", .inputs = {n}, .attributes = {attr_int("keepdims", 0), attr_int("select_last_index", 1)}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::scalar<int64_t>(3), 0, 0);
}

TEST(ArgMaxArgMin, Errors) {
  auto r = run_node({.op_type = "ArgMax", .inputs = {Tensor(DType::Float, {2, 3})}, .attributes = {attr_int("axis", 2)}});
  EXPECT_TRUE(fails_with(r, "axis"));
  r = run_node({.op_type = "ArgMin", .inputs = {Tensor(DType::Float, {2, 0})}, .attributes = {attr_int("axis", 1)}});
  EXPECT_TRUE(fails_with(r, "empty"));
}

TEST(TopK, MatchesReference) {
  uint32_t seed = 100;
  for (DType dt : kNumeric)
    for (Shape s : {Shape{13}, Shape{3, 7}, Shape{2, 3, 5}})
      for (int64_t axis = -1; axis < static_cast<int64_t>(s.size()); ++axis)
        for (int largest : {0, 1}) {
          const int64_t a = axis < 0 ? axis + static_cast<int64_t>(s.size()) : axis;
          for (int64_t k : {int64_t{0}, int64_t{1}, s[a] / 2, s[a]}) {
            Tensor x = seed % 2 ? tied_tensor(dt, s, seed) : data_tensor(dt, s, seed);
            ++seed;
            auto r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({k})},
                               .attributes = {attr_int("axis", axis), attr_int("largest", largest)},
                               .num_outputs = 2}, 2);
            ASSERT_TRUE(r.ok()) << r.status().message();
            auto [vals, idxs] = ref_topk(x, k, a, largest);
            EXPECT_TENSOR_NEAR((*r)[0], vals, 0, 0) << dtype_name(dt) << " " << shape_str(s) << " axis " << axis << " k " << k;
            EXPECT_TENSOR_NEAR((*r)[1], idxs, 0, 0) << dtype_name(dt) << " " << shape_str(s) << " axis " << axis << " k " << k;
          }
        }
}

TEST(TopK, KAsAttributeBeforeOpset10) {
  Tensor x = data_tensor(DType::Float, {3, 7}, 5);
  auto r = run_node({.op_type = "TopK", .inputs = {x}, .attributes = {attr_int("k", 3)}, .num_outputs = 2, .opset = 9});
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto [vals, idxs] = ref_topk(x, 3, 1, true);
  EXPECT_TENSOR_NEAR((*r)[0], vals, 0, 0);
  EXPECT_TENSOR_NEAR((*r)[1], idxs, 0, 0);
  r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({3})}, .num_outputs = 2, .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], vals, 0, 0);
  r = run_node({.op_type = "TopK", .inputs = {x}, .num_outputs = 2, .opset = 9});
  EXPECT_TRUE(fails_with(r, "k"));
}

TEST(TopK, NaNRanksLargest) {
  Tensor x = Tensor::from_vector<float>({1, NAN, 3, -2});
  auto r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({2})}, .num_outputs = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[1], Tensor::from_vector<int64_t>({1, 2}), 0, 0);
  r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({4})}, .attributes = {attr_int("largest", 0)},
                .num_outputs = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_NEAR((*r)[1], Tensor::from_vector<int64_t>({3, 0, 2, 1}), 0, 0);
}

TEST(TopK, Errors) {
  Tensor x = data_tensor(DType::Float, {3, 7}, 5);
  auto r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({8})}, .num_outputs = 2});
  EXPECT_TRUE(fails_with(r, "exceeds"));
  r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({-1})}, .num_outputs = 2});
  EXPECT_TRUE(fails_with(r, "negative"));
  r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int32_t>({1})}, .num_outputs = 2});
  EXPECT_TRUE(fails_with(r, "int64"));
  r = run_node({.op_type = "TopK", .inputs = {x, Tensor::from_vector<int64_t>({1})}, .attributes = {attr_int("axis", 2)},
                .num_outputs = 2});
  EXPECT_TRUE(fails_with(r, "axis"));
}

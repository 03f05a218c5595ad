#include "index_test_util.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

// np.take(data, indices, axis)
Tensor ref_gather(const Tensor& data, const Tensor& idx, int64_t axis) {
  const Shape& ds = data.shape();
  Shape os(ds.begin(), ds.begin() + axis);
  os.insert(os.end(), idx.shape().begin(), idx.shape().end());
  os.insert(os.end(), ds.begin() + axis + 1, ds.end());
  std::vector<double> v(shape_numel(os));
  const int q = idx.rank();
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    Shape oc = unravel(i, os);
    Shape ic(oc.begin() + axis, oc.begin() + axis + q);
    int64_t k = idx.get_int64(ravel(ic, idx.shape()));
    if (k < 0) k += ds[axis];
    Shape dc(oc.begin(), oc.begin() + axis);
    dc.push_back(k);
    dc.insert(dc.end(), oc.begin() + axis + q, oc.end());
    v[i] = data.get_double(ravel(dc, ds));
  }
  return make(data.dtype(), os, v);
}

Tensor ref_gather_elements(const Tensor& data, const Tensor& idx, int64_t axis) {
  std::vector<double> v(idx.numel());
  for (int64_t i = 0; i < idx.numel(); ++i) {
    Shape c = unravel(i, idx.shape());
    int64_t k = idx.get_int64(i);
    c[axis] = k < 0 ? k + data.dim(static_cast<int>(axis)) : k;
    v[i] = data.get_double(ravel(c, data.shape()));
  }
  return make(data.dtype(), idx.shape(), v);
}

Tensor ref_gather_nd(const Tensor& data, const Tensor& idx, int64_t b) {
  const Shape& ds = data.shape();
  const Shape& is = idx.shape();
  const int64_t m = is.back();
  Shape os(is.begin(), is.end() - 1);
  os.insert(os.end(), ds.begin() + b + m, ds.end());
  std::vector<double> v(shape_numel(os));
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    Shape oc = unravel(i, os);
    // oc = [batch..., tuple position..., slice...]
    Shape ic(oc.begin(), oc.begin() + (is.size() - 1));
    Shape dc(oc.begin(), oc.begin() + b);
    for (int64_t k = 0; k < m; ++k) {
      Shape full = ic;
      full.push_back(k);
      int64_t x = idx.get_int64(ravel(full, is));
      dc.push_back(x < 0 ? x + ds[b + k] : x);
    }
    dc.insert(dc.end(), oc.begin() + (is.size() - 1), oc.end());
    v[i] = data.get_double(ravel(dc, ds));
  }
  return make(data.dtype(), os, v);
}

}  // namespace

TEST(Gather, MatchesReferenceOverAxesAndTypes) {
  const Shape ds = {3, 7, 5};
  uint32_t seed = 1;
  for (DType dt : data_dtypes())
    for (int64_t axis : {0, 1, 2, -1, -3})
      for (DType it : {DType::Int64, DType::Int32})
        for (Shape is : {Shape{}, Shape{4}, Shape{2, 3}, Shape{0}}) {
          const int64_t n = ds[axis < 0 ? axis + 3 : axis];
          Tensor data = data_tensor(dt, ds, seed++);
          Tensor idx = index_tensor(it, is, seed++, -n, n - 1);  // negative indices count from the end
          auto r = run_node({.op_type = "Gather", .inputs = {data, idx}, .attributes = {attr_int("axis", axis)}});
          ASSERT_TRUE(r.ok()) << r.status().message();
          EXPECT_TENSOR_NEAR((*r)[0], ref_gather(data, idx, axis < 0 ? axis + 3 : axis), 0, 0)
              << dtype_name(dt) << " axis " << axis << " indices " << shape_str(is);
        }
}

TEST(Gather, OlderOpsetsAndThreads) {
  Tensor data = data_tensor(DType::Float, {13, 1, 7}, 3);
  Tensor idx = Tensor::from_vector<int64_t>({12, 0, 5, 5, 1}, {5});
  for (int64_t opset : {7, 11, 13}) {
    auto r = run_node({.op_type = "Gather", .inputs = {data, idx}, .opset = opset}, 4);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], ref_gather(data, idx, 0), 0, 0);
  }
}

TEST(Gather, Errors) {
  Tensor data = data_tensor(DType::Float, {3, 4}, 1);
  auto r = run_node({.op_type = "Gather", .inputs = {data, Tensor::from_vector<int64_t>({0, 3})}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "Gather", .inputs = {data, Tensor::from_vector<int32_t>({-4})}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "Gather", .inputs = {data, Tensor::from_vector<int64_t>({0})}, .attributes = {attr_int("axis", 2)}});
  EXPECT_TRUE(fails_with(r, "axis"));
  r = run_node({.op_type = "Gather", .inputs = {data, Tensor::from_vector<float>({0})}});
  EXPECT_TRUE(fails_with(r, "int32 or int64"));
  r = run_node({.op_type = "Gather", .inputs = {Tensor::scalar<float>(1), Tensor::from_vector<int64_t>({0})}});
  EXPECT_TRUE(fails_with(r, "rank"));
}

TEST(GatherElements, MatchesReference) {
  uint32_t seed = 100;
  for (DType dt : data_dtypes())
    for (int64_t axis : {0, 1, 2, -1})
      for (DType it : {DType::Int64, DType::Int32}) {
        const Shape ds = {5, 3, 7};
        const int64_t a = axis < 0 ? axis + 3 : axis;
        Shape is = {3, 2, 7};
        is[a] = 9;  // the gathered axis may be longer than data's
        Tensor data = data_tensor(dt, ds, seed++);
        Tensor idx = index_tensor(it, is, seed++, -ds[a], ds[a] - 1);
        auto r = run_node({.op_type = "GatherElements", .inputs = {data, idx}, .attributes = {attr_int("axis", axis)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], ref_gather_elements(data, idx, a), 0, 0) << dtype_name(dt) << " axis " << axis;
      }
}

TEST(GatherElements, Errors) {
  Tensor data = data_tensor(DType::Float, {3, 4}, 1);
  auto r = run_node({.op_type = "GatherElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 4}, {1, 2})},
                     .attributes = {attr_int("axis", 1)}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "GatherElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1})}});
  EXPECT_TRUE(fails_with(r, "rank"));
  r = run_node({.op_type = "GatherElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1, 2, 0, 1}, {1, 5})}});
  EXPECT_TRUE(fails_with(r, "larger"));
  r = run_node({.op_type = "GatherElements", .inputs = {data, Tensor::from_vector<int64_t>({0}, {1, 1})},
                .attributes = {attr_int("axis", -3)}});
  EXPECT_TRUE(fails_with(r, "axis"));
}

TEST(GatherND, MatchesReferenceWithBatchDims) {
  uint32_t seed = 200;
  struct Case {
    Shape data, lead;  // indices shape = lead + [m]
    int64_t b, m;
  };
  const std::vector<Case> cases = {
      {{5, 3, 7}, {4}, 0, 1},        {{5, 3, 7}, {2, 3}, 0, 2},    {{5, 3, 7}, {1}, 0, 3},
      {{5, 3, 7}, {5, 2}, 1, 1},     {{5, 3, 7}, {5, 4}, 1, 2},    {{5, 3, 7}, {5, 3, 2}, 2, 1},
      {{3, 2, 4, 3}, {3, 2}, 2, 2},  {{13}, {7}, 0, 1},            {{5, 3}, {}, 0, 2},
  };
  for (DType dt : data_dtypes())
    for (const Case& c : cases) {
      Tensor data = data_tensor(dt, c.data, seed++);
      Shape is = c.lead;
      is.push_back(c.m);
      // Each tuple position k indexes data dim b + k; draw values per position.
      std::vector<double> iv(shape_numel(is));
      std::mt19937 rng(seed++);
      for (size_t i = 0; i < iv.size(); ++i) {
        const int64_t n = c.data[c.b + i % c.m];
        iv[i] = std::uniform_int_distribution<int64_t>(-n, n - 1)(rng);
      }
      Tensor idx = make(DType::Int64, is, iv);
      auto r = run_node({.op_type = "GatherND", .inputs = {data, idx}, .attributes = {attr_int("batch_dims", c.b)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], ref_gather_nd(data, idx, c.b), 0, 0)
          << dtype_name(dt) << " data " << shape_str(c.data) << " b " << c.b << " m " << c.m;
    }
}

TEST(GatherND, Errors) {
  Tensor data = data_tensor(DType::Float, {3, 4}, 1);
  auto r = run_node({.op_type = "GatherND", .inputs = {data, Tensor::from_vector<int64_t>({1, 4}, {1, 2})}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "GatherND", .inputs = {data, Tensor::from_vector<int64_t>({1, 1, 1}, {1, 3})}});
  EXPECT_TRUE(fails_with(r, "exceeds"));
  r = run_node({.op_type = "GatherND", .inputs = {data, Tensor::from_vector<int64_t>({1, 1}, {2, 1})},
                .attributes = {attr_int("batch_dims", 2)}});
  EXPECT_TRUE(fails_with(r, "batch_dims"));
  r = run_node({.op_type = "GatherND", .inputs = {data, Tensor::from_vector<int64_t>({1, 1}, {2, 1})},
                .attributes = {attr_int("batch_dims", 1)}});
  EXPECT_TRUE(fails_with(r, "batch dim"));
}

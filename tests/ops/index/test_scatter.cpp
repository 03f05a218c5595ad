#include "index_test_util.h"

#include <algorithm>

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

// Combines like the op would in double; the result is then cast to the tensor type.
double combine(DType dt, const std::string& red, double a, double b) {
  if (dt == DType::Bool) {
    if (red == "add" || red == "max") return (a != 0) || (b != 0);
    if (red == "mul" || red == "min") return (a != 0) && (b != 0);
    return b;
  }
  if (red == "add") return a + b;
  if (red == "mul") return a * b;
  if (red == "max") return std::max(a, b);
  if (red == "min") return std::min(a, b);
  return b;
}

// Rounds a double through the tensor type, as each sequential update stores into it; integers
// wrap around like C++ and numpy arithmetic.
double through(DType dt, double v) {
  if (dtype_is_int(dt)) {
    double r = 0;
    visit_dtype(dt, [&]<class T>() {
      if constexpr (std::is_integral_v<T>) r = static_cast<double>(static_cast<T>(static_cast<int64_t>(v)));
    });
    return r;
  }
  return make(dt, {}, {v}).get_double(0);
}

Tensor ref_scatter_elements(const Tensor& data, const Tensor& idx, const Tensor& upd, int64_t axis,
                            const std::string& red) {
  std::vector<double> v = data.to_double();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    Shape c = unravel(i, idx.shape());
    int64_t k = idx.get_int64(i);
    c[axis] = k < 0 ? k + data.dim(static_cast<int>(axis)) : k;
    double& d = v[ravel(c, data.shape())];
    d = through(data.dtype(), combine(data.dtype(), red, d, upd.get_double(i)));
  }
  return make(data.dtype(), data.shape(), v);
}

Tensor ref_scatter_nd(const Tensor& data, const Tensor& idx, const Tensor& upd, const std::string& red) {
  std::vector<double> v = data.to_double();
  const Shape& ds = data.shape();
  const int64_t k = idx.dim(-1);
  const int64_t tuples = shape_numel(Shape(idx.shape().begin(), idx.shape().end() - 1));
  const int64_t slice = shape_numel(Shape(ds.begin() + k, ds.end()));
  for (int64_t t = 0; t < tuples; ++t) {
    Shape c(ds.size(), 0);
    for (int64_t j = 0; j < k; ++j) {
      int64_t x = idx.get_int64(t * k + j);
      c[j] = x < 0 ? x + ds[j] : x;
    }
    const int64_t base = ravel(c, ds);
    for (int64_t s = 0; s < slice; ++s) {
      double& d = v[base + s];
      d = through(data.dtype(), combine(data.dtype(), red, d, upd.get_double(t * slice + s)));
    }
  }
  return make(data.dtype(), ds, v);
}

}  // namespace

TEST(ScatterElements, MatchesReferenceForEveryReduction) {
  uint32_t seed = 1;
  for (DType dt : data_dtypes())
    for (const std::string red : {"none", "add", "mul", "max", "min"})
      for (int64_t axis : {0, 1, -1}) {
        const Shape ds = {5, 7, 3};
        const int64_t a = axis < 0 ? axis + 3 : axis;
        Shape is = {3, 4, 3};
        is[a] = 6;
        Tensor data = data_tensor(dt, ds, seed++);
        Tensor upd = data_tensor(dt, is, seed++);
        Tensor idx;
        if (red == "none") {
          // Distinct targets along the axis (duplicates have no defined order): a rotation per line.
          is[a] = std::min(is[a], ds[a]);
          std::vector<double> iv(shape_numel(is));
          for (int64_t i = 0; i < static_cast<int64_t>(iv.size()); ++i) {
            const Shape c = unravel(i, is);
            const int64_t pos = (c[a] + c[(a + 1) % 3] + 2 * c[(a + 2) % 3]) % ds[a];
            iv[i] = i % 2 ? pos - ds[a] : pos;
          }
          idx = make(DType::Int32, is, iv);
          upd = data_tensor(dt, is, seed++);
        } else {
          idx = index_tensor(DType::Int64, is, seed++, -ds[a], ds[a] - 1);
        }
        auto r = run_node({.op_type = "ScatterElements", .inputs = {data, idx, upd},
                           .attributes = {attr_int("axis", axis), attr_string("reduction", red)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        const double tol = dt == DType::Float16 || dt == DType::BFloat16 ? 1e-2 : 1e-6;
        EXPECT_TENSOR_NEAR((*r)[0], ref_scatter_elements(data, idx, upd, a, red), tol, tol)
            << dtype_name(dt) << " " << red << " axis " << axis;
      }
}

TEST(Scatter, IsScatterElementsAtOpset9And10) {
  Tensor data = data_tensor(DType::Float, {3, 5}, 7);
  Tensor idx = Tensor::from_vector<int64_t>({4, 0, -1, 2, 1, 3}, {2, 3});
  Tensor upd = data_tensor(DType::Float, {2, 3}, 8);
  for (int64_t opset : {9, 10}) {
    auto r = run_node({.op_type = "Scatter", .inputs = {data, idx, upd}, .attributes = {attr_int("axis", 1)}, .opset = opset});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], ref_scatter_elements(data, idx, upd, 1, "none"), 0, 0);
  }
  auto r = run_node({.op_type = "ScatterElements", .inputs = {data, idx, upd}, .attributes = {attr_int("axis", 1)}, .opset = 11});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_scatter_elements(data, idx, upd, 1, "none"), 0, 0);
}

TEST(ScatterElements, DuplicateIndicesAccumulate) {
  Tensor data = Tensor::from_vector<float>({1, 2, 3, 4, 5}, {1, 5});
  Tensor idx = Tensor::from_vector<int64_t>({1, 1}, {1, 2});
  Tensor upd = Tensor::from_vector<float>({1.1f, 2.1f}, {1, 2});
  auto r = run_node({.op_type = "ScatterElements", .inputs = {data, idx, upd},
                     .attributes = {attr_int("axis", 1), attr_string("reduction", "add")}, .opset = 16});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({1, 5.2f, 3, 4, 5}, {1, 5}));
}

TEST(ScatterElements, Errors) {
  Tensor data = data_tensor(DType::Float, {3, 4}, 1);
  Tensor upd = data_tensor(DType::Float, {1, 2}, 2);
  auto r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 3}, {1, 2}), upd}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, -5}, {1, 2}), upd},
                .attributes = {attr_int("axis", 1)}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1}, {2, 1}), upd}});
  EXPECT_TRUE(fails_with(r, "updates shape"));
  r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1}, {1, 2}), upd},
                .attributes = {attr_string("reduction", "avg")}});
  EXPECT_TRUE(fails_with(r, "reduction"));
  r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1}, {1, 2}),
                                                         data_tensor(DType::Int64, {1, 2}, 3)}});
  EXPECT_TRUE(fails_with(r, "type"));
  r = run_node({.op_type = "ScatterElements", .inputs = {data, Tensor::from_vector<int64_t>({0, 1}, {1, 2}), upd},
                .attributes = {attr_int("axis", 2)}});
  EXPECT_TRUE(fails_with(r, "axis"));
}

TEST(ScatterND, MatchesReferenceForEveryReduction) {
  uint32_t seed = 300;
  struct Case {
    Shape data, lead;
    int64_t k;
  };
  const std::vector<Case> cases = {{{5, 3, 7}, {4}, 1}, {{5, 3, 7}, {2, 3}, 2}, {{5, 3, 7}, {6}, 3},
                                   {{13}, {3}, 1},      {{5, 3, 7}, {}, 2},     {{5, 3, 7}, {2, 1}, 0}};
  for (DType dt : data_dtypes())
    for (const std::string red : {"none", "add", "mul", "max", "min"})
      for (const Case& c : cases) {
        Tensor data = data_tensor(dt, c.data, seed++);
        Shape is = c.lead;
        is.push_back(c.k);
        const int64_t tuples = shape_numel(c.lead);
        std::vector<double> iv(shape_numel(is));
        // For "none", tuples target distinct positions (a stride coprime to the position count).
        std::mt19937 rng(seed++);
        for (int64_t t = 0; t < tuples; ++t) {
          int64_t flat = red == "none" ? t * 11 : std::uniform_int_distribution<int64_t>(0, 1 << 20)(rng);
          for (int64_t j = c.k - 1; j >= 0; --j) {
            const int64_t n = c.data[j];
            int64_t x = flat % n;
            flat /= n;
            iv[t * c.k + j] = (t + j) % 2 ? x - n : x;  // mix negative and positive spellings
          }
        }
        Tensor idx = make(DType::Int64, is, iv);
        Shape us = c.lead;
        us.insert(us.end(), c.data.begin() + c.k, c.data.end());
        Tensor upd = data_tensor(dt, us, seed++);
        auto r = run_node({.op_type = "ScatterND", .inputs = {data, idx, upd}, .attributes = {attr_string("reduction", red)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        const double tol = dt == DType::Float16 || dt == DType::BFloat16 ? 1e-2 : 1e-6;
        EXPECT_TENSOR_NEAR((*r)[0], ref_scatter_nd(data, idx, upd, red), tol, tol)
            << dtype_name(dt) << " " << red << " data " << shape_str(c.data) << " k " << c.k;
      }
}

TEST(ScatterND, Errors) {
  Tensor data = data_tensor(DType::Float, {3, 4}, 1);
  auto r = run_node({.op_type = "ScatterND", .inputs = {data, Tensor::from_vector<int64_t>({3}, {1, 1}),
                                                        data_tensor(DType::Float, {1, 4}, 2)}});
  EXPECT_TRUE(fails_with(r, "out of range"));
  r = run_node({.op_type = "ScatterND", .inputs = {data, Tensor::from_vector<int64_t>({1}, {1, 1}),
                                                   data_tensor(DType::Float, {1, 3}, 2)}});
  EXPECT_TRUE(fails_with(r, "updates shape"));
  r = run_node({.op_type = "ScatterND", .inputs = {data, Tensor::from_vector<int64_t>({1, 1, 1}, {1, 3}),
                                                   data_tensor(DType::Float, {1}, 2)}});
  EXPECT_TRUE(fails_with(r, "exceeds"));
}

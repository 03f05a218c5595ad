#include "index_test_util.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

Tensor ref_cumsum(const Tensor& x, int64_t axis, bool exclusive, bool reverse) {
  const Shape& s = x.shape();
  std::vector<double> v(x.numel());
  for (int64_t i = 0; i < x.numel(); ++i) {
    Shape c = unravel(i, s);
    const int64_t at = c[axis];
    double sum = 0;
    for (int64_t j = 0; j < s[axis]; ++j) {
      const bool in = reverse ? (exclusive ? j > at : j >= at) : (exclusive ? j < at : j <= at);
      if (!in) continue;
      c[axis] = j;
      sum += x.get_double(ravel(c, s));
    }
    v[i] = sum;
  }
  return make(x.dtype(), s, v);
}

}  // namespace

TEST(CumSum, MatchesReference) {
  uint32_t seed = 1;
  for (DType dt : {DType::Float, DType::Int64, DType::Int32, DType::Double, DType::Float16, DType::UInt32,
                   DType::UInt64, DType::BFloat16})
    for (Shape s : {Shape{13}, Shape{3, 7}, Shape{2, 3, 5}, Shape{1, 0, 4}})
      for (int64_t axis = -static_cast<int64_t>(s.size()); axis < static_cast<int64_t>(s.size()); ++axis)
        for (int exclusive : {0, 1})
          for (int reverse : {0, 1})
            for (DType at : {DType::Int32, DType::Int64}) {
              Tensor x = data_tensor(dt, s, seed++);
              // Axis as a 0-D tensor, or as a 1-element 1-D one.
              Tensor a = seed % 2 ? make(at, {}, {static_cast<double>(axis)}) : make(at, {1}, {static_cast<double>(axis)});
              auto r = run_node({.op_type = "CumSum", .inputs = {x, a},
                                 .attributes = {attr_int("exclusive", exclusive), attr_int("reverse", reverse)}}, 2);
              ASSERT_TRUE(r.ok()) << r.status().message();
              const double tol = dt == DType::Float16 || dt == DType::BFloat16 ? 2e-2 : 1e-5;
              const int64_t ax = axis < 0 ? axis + static_cast<int64_t>(s.size()) : axis;
              EXPECT_TENSOR_NEAR((*r)[0], ref_cumsum(x, ax, exclusive, reverse), tol, tol)
                  << dtype_name(dt) << " " << shape_str(s) << " axis " << axis << " excl " << exclusive << " rev " << reverse;
            }
}

TEST(CumSum, OnnxExample) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3, 4, 5});
  auto r = run_node({.op_type = "CumSum", .inputs = {x, Tensor::scalar<int32_t>(0)},
                     .attributes = {attr_int("exclusive", 1), attr_int("reverse", 1)}, .opset = 11});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<double>({14, 12, 9, 5, 0}), 0, 0);
}

TEST(CumSum, Errors) {
  Tensor x = data_tensor(DType::Float, {3, 4}, 1);
  auto r = run_node({.op_type = "CumSum", .inputs = {x, Tensor::scalar<int64_t>(2)}});
  EXPECT_TRUE(fails_with(r, "axis"));
  r = run_node({.op_type = "CumSum", .inputs = {x, Tensor::scalar<float>(0)}});
  EXPECT_TRUE(fails_with(r, "axis"));
  r = run_node({.op_type = "CumSum", .inputs = {x, Tensor::from_vector<int64_t>({0, 1})}});
  EXPECT_TRUE(fails_with(r, "axis"));
  r = run_node({.op_type = "CumSum", .inputs = {Tensor(DType::Bool, {3}), Tensor::scalar<int64_t>(0)}});
  EXPECT_TRUE(fails_with(r, "bool"));
}

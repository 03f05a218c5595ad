#include "nn_ref.h"
#include "ops/shape_util.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// numpy matmul on doubles.
Tensor ref_matmul(const Tensor& a, const Tensor& b) {
  Shape as = a.shape(), bs = b.shape();
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size());
  while (as.size() < rank) as.insert(as.begin(), 1);
  while (bs.size() < rank) bs.insert(bs.begin(), 1);
  Shape batch;
  for (size_t d = 0; d + 2 < rank; ++d) batch.push_back(std::max(as[d], bs[d]));
  Shape full = batch;
  full.push_back(m);
  full.push_back(n);
  const auto av = a.to_double(), bv = b.to_double();
  Tensor y(DType::Double, full);
  for (int64_t i = 0; i < y.numel(); ++i) {
    auto idx = nnref::unravel(i, full);
    std::vector<int64_t> ia(idx.begin(), idx.end() - 2), ib = ia;
    for (size_t d = 0; d < ia.size(); ++d) {
      if (as[d] == 1) ia[d] = 0;
      if (bs[d] == 1) ib[d] = 0;
    }
    double acc = 0;
    for (int64_t p = 0; p < k; ++p) {
      auto xa = ia, xb = ib;
      xa.push_back(idx[rank - 2]);
      xa.push_back(p);
      xb.push_back(p);
      xb.push_back(idx[rank - 1]);
      acc += av[nnref::ravel(xa, as)] * bv[nnref::ravel(xb, bs)];
    }
    y.data<double>()[i] = acc;
  }
  Shape out = batch;
  if (!a1) out.push_back(m);
  if (!b1) out.push_back(n);
  return y.reshaped(out);
}

}  // namespace

TEST(MatMul, NumpySemantics) {
  const std::pair<Shape, Shape> cases[] = {
      {{7, 9}, {9, 5}},       {{3, 7, 9}, {9, 5}},       {{7, 9}, {4, 9, 5}},  {{2, 1, 7, 3}, {3, 3, 5}},
      {{9}, {9, 5}},          {{3, 7, 9}, {9}},          {{9}, {9}},           {{1, 3, 1, 4}, {5, 1, 4, 2}},
      {{2, 3, 0, 4}, {4, 6}}, {{13}, {2, 13, 3}},        {{5, 0}, {0, 3}},
  };
  for (auto& [sa, sb] : cases)
    for (DType dt : {DType::Float, DType::Double, DType::Float16, DType::Int32, DType::Int64, DType::UInt32,
                     DType::UInt64, DType::BFloat16}) {
      const bool is_int = !dtype_is_float(dt);
      Tensor a = is_int ? random_tensor(dt, sa, 1, 0, 9) : random_tensor(dt, sa, 1);
      Tensor b = is_int ? random_tensor(dt, sb, 2, 0, 9) : random_tensor(dt, sb, 2);
      for (int threads : {1, 2}) {
        auto r = run_node({.op_type = "MatMul", .inputs = {a, b}}, threads);
        ASSERT_TRUE(r.ok()) << r.status().message();
        const double tol = dt == DType::Float16 ? 2e-2 : dt == DType::BFloat16 ? 5e-2 : 1e-5;
        EXPECT_TENSOR_NEAR((*r)[0], ref_matmul(a, b).cast(dt), tol, tol) << shape_str(sa) << " x " << shape_str(sb);
      }
    }
  EXPECT_FALSE(run_node({.op_type = "MatMul", .inputs = {random_tensor(DType::Float, {3, 4}, 1), random_tensor(DType::Float, {5, 2}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMul", .inputs = {random_tensor(DType::Float, {2, 3, 4}, 1), random_tensor(DType::Float, {3, 4, 2}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMul", .inputs = {Tensor::scalar<float>(1), random_tensor(DType::Float, {1, 2}, 1)}}).ok());
}

TEST(Gemm, AttributesAndBiasBroadcast) {
  const Shape c_shapes[] = {{7, 5}, {5}, {1, 5}, {7, 1}, {1}, {}};
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (const Shape& cs : c_shapes)
        for (DType dt : {DType::Float, DType::Double, DType::Float16, DType::Int32, DType::Int64, DType::UInt64}) {
          const bool is_int = !dtype_is_float(dt);
          const float alpha = is_int ? 1.f : 0.7f, beta = is_int ? 1.f : -1.3f;
          Tensor a = is_int ? random_tensor(dt, ta ? Shape{9, 7} : Shape{7, 9}, 1, 0, 9)
                            : random_tensor(dt, ta ? Shape{9, 7} : Shape{7, 9}, 1);
          Tensor b = is_int ? random_tensor(dt, tb ? Shape{5, 9} : Shape{9, 5}, 2, 0, 9)
                            : random_tensor(dt, tb ? Shape{5, 9} : Shape{9, 5}, 2);
          Tensor c = is_int ? random_tensor(dt, cs, 3, 0, 9) : random_tensor(dt, cs, 3);
          auto r = run_node({.op_type = "Gemm",
                             .inputs = {a, b, c},
                             .attributes = {attr_int("transA", ta), attr_int("transB", tb), attr_float("alpha", alpha),
                                            attr_float("beta", beta)}});
          ASSERT_TRUE(r.ok()) << r.status().message();
          const auto av = a.to_double(), bv = b.to_double(), cv = c.to_double();
          const auto cst = sz0::ops::broadcast_strides(cs, Shape{7, 5});
          Tensor ref(DType::Double, {7, 5});
          for (int i = 0; i < 7; ++i)
            for (int j = 0; j < 5; ++j) {
              double acc = 0;
              for (int p = 0; p < 9; ++p) acc += av[ta ? p * 7 + i : i * 9 + p] * bv[tb ? j * 9 + p : p * 5 + j];
              ref.data<double>()[i * 5 + j] = alpha * acc + beta * cv[i * cst[0] + j * cst[1]];
            }
          const double tol = dt == DType::Float16 ? 3e-2 : 1e-5;
          EXPECT_TENSOR_NEAR((*r)[0], ref.cast(dt), tol, tol);
        }
  Tensor a = random_tensor(DType::Float, {3, 4}, 1), b = random_tensor(DType::Float, {4, 2}, 2);
  auto r = run_node({.op_type = "Gemm", .inputs = {a, b}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_matmul(a, b).cast(DType::Float));
  EXPECT_FALSE(run_node({.op_type = "Gemm", .inputs = {a, b}, .opset = 9}).ok());
  EXPECT_FALSE(run_node({.op_type = "Gemm", .inputs = {a, b, random_tensor(DType::Float, {3, 3}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Gemm", .inputs = {a, a}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Gemm", .inputs = {random_tensor(DType::Float, {2, 3, 4}, 1), b}}).ok());
}

#include "tensor_test_util.h"

#include <algorithm>
#include <numeric>

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor transpose_ref(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape out_shape;
  for (int64_t p : perm) out_shape.push_back(x.shape()[p]);
  Tensor y(x.dtype(), out_shape);
  for (int64_t o = 0; o < y.numel(); ++o) {
    const Shape oi = unravel(o, out_shape);
    Shape ii(x.shape().size());
    for (size_t k = 0; k < perm.size(); ++k) ii[perm[k]] = oi[k];
    copy_elem(x, ravel(ii, x.shape()), y, o);
  }
  return y;
}

void check_all_perms(const Tensor& x, int threads) {
  std::vector<int64_t> perm(static_cast<size_t>(x.rank()));
  std::iota(perm.begin(), perm.end(), 0);
  do {
    auto r = run_node({.op_type = "Transpose", .inputs = {x}, .attributes = {attr_ints("perm", perm)}}, threads);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_EQ((*r)[0], transpose_ref(x, perm)) << dtype_name(x.dtype()) << " " << shape_str(x.shape());
  } while (std::next_permutation(perm.begin(), perm.end()));
}

}  // namespace

TEST(Transpose, AllPermutationsOddShapes) {
  for (DType t : movement_dtypes()) {
    check_all_perms(random_any(t, {3, 1, 7}, 1), 1);
    check_all_perms(random_any(t, {2, 3, 5, 7}, 2), 1);
  }
  check_all_perms(random_any(DType::Float, {13, 1, 3, 1, 2}, 3), 1);
}

TEST(Transpose, LargeTiledAndThreaded) {
  for (DType t : {DType::Float, DType::UInt8, DType::Double, DType::BFloat16}) {
    check_all_perms(random_any(t, {37, 65}, 4), 2);
    check_all_perms(random_any(t, {3, 40, 50}, 5), 2);
    check_all_perms(random_any(t, {9, 17, 3, 33}, 6), 1);
  }
  check_all_perms(random_any(DType::Float, {64, 128}, 7), 2);
}

TEST(Transpose, DefaultReversesAndZeroSize) {
  Tensor x = random_any(DType::Int32, {2, 3, 5}, 8);
  auto r = run_node({.op_type = "Transpose", .inputs = {x}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], transpose_ref(x, {2, 1, 0}));
  Tensor e(DType::Float, {3, 0, 2});
  r = run_node({.op_type = "Transpose", .inputs = {e}, .attributes = {attr_ints("perm", {2, 0, 1})}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{2, 3, 0}));
  Tensor s = Tensor::scalar<float>(4.0f);
  r = run_node({.op_type = "Transpose", .inputs = {s}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], s);
}

TEST(Transpose, Errors) {
  Tensor x = random_any(DType::Float, {2, 3, 5}, 9);
  EXPECT_FALSE(run_node({.op_type = "Transpose", .inputs = {x}, .attributes = {attr_ints("perm", {0, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Transpose", .inputs = {x}, .attributes = {attr_ints("perm", {0, 1, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Transpose", .inputs = {x}, .attributes = {attr_ints("perm", {0, 1, 3})}}).ok());
}

TEST(Transpose, InferSymbolic) {
  auto r = infer({.op_type = "Transpose", .inputs = {TypeInfo(DType::Float, {sym("N"), 3, sym("T")})},
                  .attributes = {attr_ints("perm", {2, 0, 1})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {sym("T"), sym("N"), 3});
  r = infer({.op_type = "Transpose", .inputs = {TypeInfo(DType::Float, {sym("N"), 3})}});
  ASSERT_TRUE(r.ok());
  EXPECT_DIMS((*r)[0], {3, sym("N")});
}

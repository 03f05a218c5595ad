#include "index_test_util.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

Tensor ref_trilu(const Tensor& x, int64_t k, bool upper) {
  std::vector<double> v = x.to_double();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const Shape c = unravel(i, x.shape());
    const int64_t row = c[c.size() - 2], col = c.back();
    const bool keep = upper ? col - row >= k : col - row <= k;
    if (!keep) v[i] = 0;
  }
  return make(x.dtype(), x.shape(), v);
}

// The spec's definition: reshape to `view`, transpose by `perm`, reshape to `out`.
Tensor ref_reshape_transpose(const Tensor& x, const Shape& view, const std::vector<int>& perm, const Shape& out) {
  Shape ts(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) ts[d] = view[perm[d]];
  std::vector<double> v(x.numel());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const Shape tc = unravel(i, ts);
    Shape vc(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) vc[perm[d]] = tc[d];
    v[i] = x.get_double(ravel(vc, view));
  }
  return make(x.dtype(), out, v);
}

Tensor ref_depth_to_space(const Tensor& x, int64_t b, bool crd) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const Shape out = {n, c / (b * b), h * b, w * b};
  if (crd) return ref_reshape_transpose(x, {n, c / (b * b), b, b, h, w}, {0, 1, 4, 2, 5, 3}, out);
  return ref_reshape_transpose(x, {n, b, b, c / (b * b), h, w}, {0, 3, 4, 1, 5, 2}, out);
}

Tensor ref_space_to_depth(const Tensor& x, int64_t b) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  return ref_reshape_transpose(x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}, {n, c * b * b, h / b, w / b});
}

}  // namespace

TEST(Trilu, MatchesReference) {
  uint32_t seed = 1;
  for (DType dt : data_dtypes())
    for (Shape s : {Shape{3, 7}, Shape{7, 3}, Shape{2, 5, 5}, Shape{2, 1, 4, 6}, Shape{3, 0, 5}, Shape{1, 1}})
      for (int64_t k : {0, 1, -1, 3, -4, 9, -9})
        for (int upper : {0, 1}) {
          Tensor x = data_tensor(dt, s, seed++);
          std::vector<Tensor> inputs = {x};
          if (k != 0) inputs.push_back(Tensor::scalar<int64_t>(k));  // absent k means 0
          auto r = run_node({.op_type = "Trilu", .inputs = inputs, .attributes = {attr_int("upper", upper)}});
          ASSERT_TRUE(r.ok()) << r.status().message();
          EXPECT_TENSOR_NEAR((*r)[0], ref_trilu(x, k, upper), 0, 0)
              << dtype_name(dt) << " " << shape_str(s) << " k " << k << " upper " << upper;
        }
}

TEST(Trilu, Errors) {
  auto r = run_node({.op_type = "Trilu", .inputs = {Tensor::from_vector<float>({1, 2, 3})}});
  EXPECT_TRUE(fails_with(r, "rank"));
  r = run_node({.op_type = "Trilu", .inputs = {Tensor(DType::Float, {2, 2}), Tensor::from_vector<int64_t>({1, 2})}});
  EXPECT_TRUE(fails_with(r, "k"));
  r = run_node({.op_type = "Trilu", .inputs = {Tensor(DType::Float, {2, 2})}, .opset = 13});
  EXPECT_FALSE(r.ok());  // Trilu starts at opset 14
}

TEST(DepthToSpace, MatchesReferenceInBothModes) {
  uint32_t seed = 10;
  for (DType dt : data_dtypes())
    for (int64_t b : {1, 2, 3})
      for (Shape base : {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 2, 3, 1}})
        for (bool crd : {false, true}) {
          Shape s = base;
          s[1] *= b * b;
          Tensor x = data_tensor(dt, s, seed++);
          std::vector<Attribute> attrs = {attr_int("blocksize", b)};
          if (crd) attrs.push_back(attr_string("mode", "CRD"));
          else if (seed % 2) attrs.push_back(attr_string("mode", "DCR"));
          auto r = run_node({.op_type = "DepthToSpace", .inputs = {x}, .attributes = attrs}, 3);
          ASSERT_TRUE(r.ok()) << r.status().message();
          EXPECT_TENSOR_NEAR((*r)[0], ref_depth_to_space(x, b, crd), 0, 0)
              << dtype_name(dt) << " b " << b << " " << shape_str(s) << (crd ? " CRD" : " DCR");
        }
  // Before opset 11 there is no mode attribute: always DCR.
  Tensor x = data_tensor(DType::Float, {1, 8, 2, 3}, 1);
  auto r = run_node({.op_type = "DepthToSpace", .inputs = {x}, .attributes = {attr_int("blocksize", 2)}, .opset = 7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], ref_depth_to_space(x, 2, false), 0, 0);
}

TEST(SpaceToDepth, MatchesReferenceAndInvertsDepthToSpace) {
  uint32_t seed = 20;
  for (DType dt : data_dtypes())
    for (int64_t b : {1, 2, 3})
      for (Shape base : {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 2, 3, 1}}) {
        Shape s = base;
        s[2] *= b;
        s[3] *= b;
        Tensor x = data_tensor(dt, s, seed++);
        auto r = run_node({.op_type = "SpaceToDepth", .inputs = {x}, .attributes = {attr_int("blocksize", b)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], ref_space_to_depth(x, b), 0, 0) << dtype_name(dt) << " b " << b << " " << shape_str(s);
        auto back = run_node({.op_type = "DepthToSpace", .inputs = {(*r)[0]}, .attributes = {attr_int("blocksize", b)}});
        ASSERT_TRUE(back.ok()) << back.status().message();
        EXPECT_TENSOR_NEAR((*back)[0], x, 0, 0);
      }
}

TEST(DepthToSpace, Errors) {
  Tensor x(DType::Float, {1, 6, 2, 2});
  auto r = run_node({.op_type = "DepthToSpace", .inputs = {x}, .attributes = {attr_int("blocksize", 2)}});
  EXPECT_TRUE(fails_with(r, "divisible"));
  r = run_node({.op_type = "DepthToSpace", .inputs = {x}});
  EXPECT_TRUE(fails_with(r, "blocksize"));
  r = run_node({.op_type = "DepthToSpace", .inputs = {x}, .attributes = {attr_int("blocksize", 0)}});
  EXPECT_TRUE(fails_with(r, "blocksize"));
  r = run_node({.op_type = "DepthToSpace", .inputs = {x}, .attributes = {attr_int("blocksize", 1), attr_string("mode", "XYZ")}});
  EXPECT_TRUE(fails_with(r, "mode"));
  r = run_node({.op_type = "DepthToSpace", .inputs = {Tensor(DType::Float, {4, 2, 2})}, .attributes = {attr_int("blocksize", 1)}});
  EXPECT_TRUE(fails_with(r, "rank"));
  r = run_node({.op_type = "SpaceToDepth", .inputs = {x}, .attributes = {attr_int("blocksize", 3)}});
  EXPECT_TRUE(fails_with(r, "divisible"));
  r = run_node({.op_type = "SpaceToDepth", .inputs = {Tensor(DType::Float, {4, 2, 2})}, .attributes = {attr_int("blocksize", 1)}});
  EXPECT_TRUE(fails_with(r, "rank"));
}

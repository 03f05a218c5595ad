#include "nn_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Result<Tensor> einsum(std::string eq, std::vector<Tensor> in) {
  auto r = run_node({.op_type = "Einsum", .inputs = std::move(in), .attributes = {attr_string("equation", std::move(eq))}});
  if (!r.ok()) return r.status();
  return (*r)[0];
}

}  // namespace

TEST(Einsum, MatmulAndBatchedMatmul) {
  Tensor a = random_tensor(DType::Float, {7, 9}, 1), b = random_tensor(DType::Float, {9, 5}, 2);
  auto mm = run_node({.op_type = "MatMul", .inputs = {a, b}});
  ASSERT_TRUE(mm.ok());
  auto r = einsum("ij,jk->ik", {a, b});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR(*r, (*mm)[0]);
  r = einsum("ij,jk", {a, b});  // implicit output: ik
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR(*r, (*mm)[0]);
  Tensor ba = random_tensor(DType::Double, {3, 7, 9}, 3), bb = random_tensor(DType::Double, {3, 9, 5}, 4);
  mm = run_node({.op_type = "MatMul", .inputs = {ba, bb}});
  r = einsum("bij, bjk -> bik", {ba, bb});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR(*r, (*mm)[0], 1e-12, 1e-12);
  r = einsum("...ij,...jk->...ik", {ba, bb});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR(*r, (*mm)[0], 1e-12, 1e-12);
  // Ellipsis broadcast: (2,1,3,4) x (5,4,2) -> (2,5,3,2)
  Tensor ea = random_tensor(DType::Float, {2, 1, 3, 4}, 5), eb = random_tensor(DType::Float, {5, 4, 2}, 6);
  mm = run_node({.op_type = "MatMul", .inputs = {ea, eb}});
  r = einsum("...ij,...jk", {ea, eb});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR(*r, (*mm)[0]);
}

TEST(Einsum, TransposeSumDiagonalOuter) {
  Tensor x = random_tensor(DType::Float, {3, 4, 5}, 1);
  const auto xv = x.to_double();
  auto r = einsum("ijk->kji", {x});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->shape(), (Shape{5, 4, 3}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 5; ++k) EXPECT_EQ(r->data<float>()[k * 12 + j * 3 + i], x.data<float>()[i * 20 + j * 5 + k]);
  r = einsum("ijk->j", {x});
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<double> sj(4, 0);
  for (int i = 0; i < 60; ++i) sj[(i / 5) % 4] += xv[i];
  EXPECT_TENSOR_NEAR(*r, Tensor::from_vector(sj).cast(DType::Float));
  r = einsum("ijk->", {x});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->rank(), 0);
  EXPECT_NEAR(r->get_double(0), sj[0] + sj[1] + sj[2] + sj[3], 1e-4);
  // Implicit transpose: "ba" -> output "ab".
  Tensor m = random_tensor(DType::Int64, {3, 4}, 2, -9, 9);
  r = einsum("ba", {m});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->shape(), (Shape{4, 3}));
  EXPECT_EQ(r->data<int64_t>()[1], m.data<int64_t>()[4]);
  // Diagonal and trace.
  Tensor sq = random_tensor(DType::Int32, {5, 5}, 3, -9, 9);
  r = einsum("ii->i", {sq});
  ASSERT_TRUE(r.ok()) << r.status().message();
  int32_t trace = 0;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r->data<int32_t>()[i], sq.data<int32_t>()[i * 6]);
    trace += sq.data<int32_t>()[i * 6];
  }
  r = einsum("ii", {sq});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->data<int32_t>()[0], trace);
  // Batch diagonal with ellipsis.
  Tensor bd = random_tensor(DType::Float, {2, 3, 4, 4}, 4);
  r = einsum("...ii->...i", {bd});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(r->data<float>()[5], bd.data<float>()[16 + 1 * 5]);
  // Outer product and inner product.
  Tensor u = random_tensor(DType::Double, {3}, 5), v = random_tensor(DType::Double, {4}, 6);
  r = einsum("i,j->ij", {u, v});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->data<double>()[7], u.data<double>()[1] * v.data<double>()[3]);
  r = einsum("i,i", {u, u});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->get_double(0), u.data<double>()[0] * u.data<double>()[0] + u.data<double>()[1] * u.data<double>()[1] +
                                    u.data<double>()[2] * u.data<double>()[2], 1e-12);
  // Three operands.
  Tensor p = random_tensor(DType::Float, {2, 3}, 7), q = random_tensor(DType::Float, {3, 4}, 8), s = random_tensor(DType::Float, {4}, 9);
  r = einsum("ij,jk,k->i", {p, q, s});
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (int i = 0; i < 2; ++i) {
    double acc = 0;
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) acc += p.get_double(i * 3 + j) * q.get_double(j * 4 + k) * s.get_double(k);
    EXPECT_NEAR(r->get_double(i), acc, 1e-5);
  }
  // Half precision.
  Tensor h = random_tensor(DType::Float16, {3, 4}, 10);
  r = einsum("ij->ji", {h});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->dtype(), DType::Float16);
}

TEST(Einsum, Errors) {
  Tensor x = random_tensor(DType::Float, {3, 4}, 1);
  EXPECT_FALSE(einsum("ijk->i", {x}).ok());
  EXPECT_FALSE(einsum("ij,jk->ik", {x}).ok());
  EXPECT_FALSE(einsum("ij->k", {x}).ok());
  EXPECT_FALSE(einsum("ij->ii", {x}).ok());
  EXPECT_FALSE(einsum("ii->i", {x}).ok());
  EXPECT_FALSE(einsum("i1->i", {x}).ok());
  EXPECT_FALSE(einsum("ij,jk->ik", {x, random_tensor(DType::Float, {5, 2}, 2)}).ok());
  EXPECT_FALSE(einsum("ij,jk->ik", {x, random_tensor(DType::Double, {4, 2}, 2)}).ok());
}

TEST(Einsum, GemmPathMatchesGeneric) {
  // Float takes the GEMM path where it can; double runs the generic loop on the same data.
  struct Case {
    std::string eq;
    Shape a, b;
  };
  const Case cases[] = {
      {"kbj,jib->ibk", {4, 3, 5}, {5, 6, 3}}, {"bhqd,bhkd->bhqk", {2, 3, 7, 8}, {2, 3, 9, 8}},
      {"ij,kl->iljk", {2, 3}, {4, 5}},         {"...ij,...jk->...ki", {3, 7, 9}, {3, 9, 5}},
      {"ij,ij->", {7, 9}, {7, 9}},             {"ab,b->a", {6, 4}, {4}},
      {"ij,jk->ik", {1, 9}, {9, 1}},           {"i,j", {3}, {4}},
      {"bij,bjk->bik", {1, 3, 4}, {5, 4, 2}},  {"ij,jk", {3, 0}, {0, 2}},
  };
  for (const Case& c : cases) {
    Tensor a = random_tensor(DType::Float, c.a, 1), b = random_tensor(DType::Float, c.b, 2);
    auto rf = einsum(c.eq, {a, b});
    auto rd = einsum(c.eq, {a.cast(DType::Double), b.cast(DType::Double)});
    ASSERT_TRUE(rf.ok()) << c.eq << ": " << rf.status().message();
    ASSERT_TRUE(rd.ok()) << c.eq << ": " << rd.status().message();
    EXPECT_TENSOR_NEAR(*rf, rd->cast(DType::Float)) << c.eq;
  }
}

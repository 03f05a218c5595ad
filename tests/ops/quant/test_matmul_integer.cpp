#include "quant_ref.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::qref;

namespace {

// A zero point or scale of a matmul operand, looked up for (operand batch index, row or column).
struct Param {
  std::vector<double> v;
  Shape shape;  // empty with one value: per-tensor
  double at(const std::vector<int64_t>& batch_idx, const Shape& batch, int64_t i, bool rows) const {
    if (v.size() == 1) return v[0];
    if (shape.size() == 1) return v[i];
    // N-D: [batch..., M, 1] or [batch..., 1, N], broadcast against the operand's batch dims.
    std::vector<int64_t> idx = batch_idx;
    idx.push_back(rows ? i : 0);
    idx.push_back(rows ? 0 : i);
    const size_t off = idx.size() - shape.size();
    int64_t flat = 0;
    for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + (shape[d] == 1 ? 0 : idx[off + d]);
    return v[flat];
  }
};

// Plain numpy-style matmul over int64 with per-row / per-column parameters.
struct RefMatmul {
  Shape out_shape;
  std::vector<int64_t> acc;
  std::vector<double> a_scale, b_scale;  // per output element (for QLinearMatMul)
};

RefMatmul ref_matmul(const Tensor& a, const Tensor& b, const Param& az, const Param& bz, const Param& as,
                     const Param& bs) {
  Shape as_ = a.shape(), bs_ = b.shape();
  if (as_.size() == 1) as_.insert(as_.begin(), 1);
  if (bs_.size() == 1) bs_.push_back(1);
  const int64_t m = as_[as_.size() - 2], k = as_.back(), n = bs_.back();
  Shape ab(as_.begin(), as_.end() - 2), bb(bs_.begin(), bs_.end() - 2);
  const size_t rank = std::max(ab.size(), bb.size());
  Shape ob(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t da = d + ab.size() >= rank ? ab[d + ab.size() - rank] : 1;
    const int64_t db = d + bb.size() >= rank ? bb[d + bb.size() - rank] : 1;
    ob[d] = std::max(da, db);
  }
  RefMatmul r;
  r.out_shape = ob;
  if (a.rank() > 1) r.out_shape.push_back(m);
  if (b.rank() > 1) r.out_shape.push_back(n);
  const int64_t nb = shape_numel(ob);
  for (int64_t o = 0; o < nb; ++o) {
    const auto oi = unravel(o, ob);
    std::vector<int64_t> ai(ab.size()), bi(bb.size());
    for (size_t d = 0; d < ab.size(); ++d) ai[d] = ab[d] == 1 ? 0 : oi[d + rank - ab.size()];
    for (size_t d = 0; d < bb.size(); ++d) bi[d] = bb[d] == 1 ? 0 : oi[d + rank - bb.size()];
    const int64_t abase = ravel(ai, ab) * m * k, bbase = ravel(bi, bb) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t s = 0;
        for (int64_t kk = 0; kk < k; ++kk)
          s += (a.get_int64(abase + i * k + kk) - static_cast<int64_t>(az.at(ai, ab, i, true))) *
               (b.get_int64(bbase + kk * n + j) - static_cast<int64_t>(bz.at(bi, bb, j, false)));
        r.acc.push_back(s);
        r.a_scale.push_back(as.at(ai, ab, i, true));
        r.b_scale.push_back(bs.at(bi, bb, j, false));
      }
  }
  return r;
}

Tensor int32_out(const RefMatmul& r) {
  std::vector<int32_t> v(r.acc.begin(), r.acc.end());
  return qtensor(DType::Int32, v, r.out_shape);
}

Tensor param_tensor(DType t, const Param& p) {
  std::vector<int32_t> v(p.v.begin(), p.v.end());
  return qtensor(t, v, p.shape);
}

Param random_zp(DType t, Shape shape, uint32_t seed) {
  Param p;
  p.shape = shape;
  for (int32_t x : ints(random_q(t, shape, seed))) p.v.push_back(x);
  return p;
}

const Param kNone{{0}, {}};

}  // namespace

TEST(MatMulInteger, OnnxExample) {
  const Tensor a = qtensor(DType::UInt8, {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, {4, 3});
  const Tensor b = qtensor(DType::UInt8, {1, 4, 2, 5, 3, 6}, {3, 2});
  auto r = run_node({.op_type = "MatMulInteger",
                     .inputs = {a, b, qtensor(DType::UInt8, {12}, {1}), qtensor(DType::UInt8, {0}, {1})},
                     .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::Int32, {-38, -83, -44, -98, -50, -113, -56, -128}, {4, 2}), 0, 0);
}

TEST(MatMulInteger, TypesAndShapes) {
  struct Case {
    Shape a, b;
  };
  const Case cases[] = {{{3, 5}, {5, 7}},       {{1, 13}, {13, 1}},     {{7}, {7, 3}},          {{4, 9}, {9}},
                        {{6}, {6}},             {{2, 3, 4}, {4, 5}},    {{3, 4}, {2, 4, 5}},    {{2, 1, 3, 4}, {3, 4, 5}},
                        {{1, 3, 2}, {5, 1, 2, 3}}, {{0, 3}, {3, 4}},   {{3, 0}, {0, 4}}};
  uint32_t seed = 100;
  for (DType ta : {DType::UInt8, DType::Int8})
    for (DType tb : {DType::UInt8, DType::Int8})
      for (const Case& c : cases) {
        const Tensor a = random_q(ta, c.a, ++seed), b = random_q(tb, c.b, ++seed);
        const Param az = random_zp(ta, {}, ++seed), bz = random_zp(tb, {}, ++seed);
        auto r = run_node({.op_type = "MatMulInteger", .inputs = {a, b, param_tensor(ta, az), param_tensor(tb, bz)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], int32_out(ref_matmul(a, b, az, bz, kNone, kNone)), 0, 0)
            << shape_str(c.a) << " x " << shape_str(c.b);
        // Without zero points.
        r = run_node({.op_type = "MatMulInteger", .inputs = {a, b}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], int32_out(ref_matmul(a, b, kNone, kNone, kNone, kNone)), 0, 0);
      }
}

TEST(MatMulInteger, PerRowAndPerColumnZeroPoints) {
  uint32_t seed = 7;
  for (DType t : {DType::UInt8, DType::Int8}) {
    // 2-D: [M] and [N] vectors.
    {
      const Tensor a = random_q(t, {5, 11}, ++seed), b = random_q(t, {11, 3}, ++seed);
      const Param az = random_zp(t, {5}, ++seed), bz = random_zp(t, {3}, ++seed);
      auto r = run_node({.op_type = "MatMulInteger", .inputs = {a, b, param_tensor(t, az), param_tensor(t, bz)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], int32_out(ref_matmul(a, b, az, bz, kNone, kNone)), 0, 0);
    }
    // N-D: [D, M, 1] and [D, 1, N], and broadcast ones [1, M, 1] / [1, N].
    for (auto [azs, bzs] : {std::pair{Shape{2, 3, 1}, Shape{2, 1, 4}}, std::pair{Shape{1, 3, 1}, Shape{1, 4}},
                            std::pair{Shape{3, 1}, Shape{2, 1, 1}}}) {
      const Tensor a = random_q(t, {2, 3, 7}, ++seed), b = random_q(t, {2, 7, 4}, ++seed);
      const Param az = random_zp(t, azs, ++seed), bz = random_zp(t, bzs, ++seed);
      auto r = run_node({.op_type = "MatMulInteger", .inputs = {a, b, param_tensor(t, az), param_tensor(t, bz)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_NEAR((*r)[0], int32_out(ref_matmul(a, b, az, bz, kNone, kNone)), 0, 0)
          << shape_str(azs) << " " << shape_str(bzs);
    }
  }
}

TEST(MatMulInteger, LargeTiledAndThreaded) {
  // Crosses every tile boundary of the blocked GEMM (rows 64, columns 512, depth 256).
  const Tensor a = random_q(DType::UInt8, {67, 301}, 1), b = random_q(DType::Int8, {301, 530}, 2);
  const Param az = random_zp(DType::UInt8, {67}, 3), bz = random_zp(DType::Int8, {530}, 4);
  const Tensor expected = int32_out(ref_matmul(a, b, az, bz, kNone, kNone));
  for (int threads : {1, 2, 3}) {
    auto r = run_node({.op_type = "MatMulInteger",
                       .inputs = {a, b, param_tensor(DType::UInt8, az), param_tensor(DType::Int8, bz)}},
                      threads);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], expected, 0, 0) << threads << " threads";
  }
}

TEST(MatMulInteger, Errors) {
  const Tensor a = random_q(DType::UInt8, {3, 4}, 1), b = random_q(DType::UInt8, {5, 2}, 2);
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {a, b}}).ok());  // K mismatch
  const Tensor b2 = random_q(DType::UInt8, {4, 2}, 3);
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {a, b2, qtensor(DType::Int8, {0}, {})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {a, b2, qtensor(DType::UInt8, {0, 1}, {2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {a, b2, Tensor(), qtensor(DType::UInt8, {0, 1, 2}, {3})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {Tensor(DType::Float, {3, 4}), b2}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger", .inputs = {Tensor::scalar<uint8_t>(1), b2}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MatMulInteger",
                         .inputs = {random_q(DType::UInt8, {2, 3, 4}, 1), random_q(DType::UInt8, {3, 4, 2}, 1)}}).ok());
}

namespace {

Tensor ref_qlinear(const RefMatmul& r, double y_scale, int32_t y_zp, DType yt) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < r.acc.size(); ++i) {
    const float mult = static_cast<float>(r.a_scale[i]) * static_cast<float>(r.b_scale[i]) / static_cast<float>(y_scale);
    out.push_back(quantize(static_cast<float>(r.acc[i]) * mult, y_zp, yt));
  }
  return qtensor(yt, out, r.out_shape);
}

Tensor float_tensor(const Param& p) {
  std::vector<float> v(p.v.begin(), p.v.end());
  return Tensor::from_vector(v, p.shape);
}

}  // namespace

TEST(QLinearMatMul, OnnxExample) {
  const Tensor a = qtensor(DType::UInt8, {208, 236, 0, 238, 3, 214, 255, 29}, {2, 4});
  const Tensor b = qtensor(DType::UInt8, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247}, {4, 3});
  auto r = run_node({.op_type = "QLinearMatMul",
                     .inputs = {a, Tensor::from_vector<float>({0.0066f}), qtensor(DType::UInt8, {113}, {1}), b,
                                Tensor::from_vector<float>({0.00705f}), qtensor(DType::UInt8, {114}, {1}),
                                Tensor::from_vector<float>({0.0107f}), qtensor(DType::UInt8, {118}, {1})},
                     .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::UInt8, {168, 115, 255, 1, 66, 151}, {2, 3}), 0, 0);
}

TEST(QLinearMatMul, TypesScalesAndSaturation) {
  uint32_t seed = 50;
  for (DType ta : {DType::UInt8, DType::Int8})
    for (DType tb : {DType::UInt8, DType::Int8})
      for (DType ty : {DType::UInt8, DType::Int8})
        for (double y_scale : {0.05, 0.5, 4.0}) {  // the smallest saturates most outputs
          const Tensor a = random_q(ta, {2, 5, 9}, ++seed), b = random_q(tb, {9, 6}, ++seed);
          const Param az = random_zp(ta, {}, ++seed), bz = random_zp(tb, {}, ++seed);
          const Param as{{0.02}, {}}, bs{{0.03}, {}};
          const int32_t yz = ty == DType::UInt8 ? 120 : -3;
          auto r = run_node({.op_type = "QLinearMatMul",
                             .inputs = {a, float_tensor(as), param_tensor(ta, az), b, float_tensor(bs),
                                        param_tensor(tb, bz), Tensor::scalar<float>(static_cast<float>(y_scale)),
                                        qtensor(ty, {yz}, {})}});
          ASSERT_TRUE(r.ok()) << r.status().message();
          EXPECT_TENSOR_NEAR((*r)[0], ref_qlinear(ref_matmul(a, b, az, bz, as, bs), y_scale, yz, ty), 0, 0);
        }
}

TEST(QLinearMatMul, PerRowAndPerColumn) {
  uint32_t seed = 90;
  for (DType t : {DType::UInt8, DType::Int8}) {
    const Tensor a = random_q(t, {3, 4, 13}, ++seed), b = random_q(t, {3, 13, 7}, ++seed);
    const Param az = random_zp(t, {3, 4, 1}, ++seed), bz = random_zp(t, {7}, ++seed);
    Param as{{}, {4}}, bs{{}, {3, 1, 7}};
    for (int i = 0; i < 4; ++i) as.v.push_back(0.01 * (i + 1));
    for (int i = 0; i < 21; ++i) bs.v.push_back(0.003 * (i + 2));
    auto r = run_node({.op_type = "QLinearMatMul",
                       .inputs = {a, float_tensor(as), param_tensor(t, az), b, float_tensor(bs), param_tensor(t, bz),
                                  Tensor::scalar<float>(0.2f), qtensor(t, {5}, {})}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], ref_qlinear(ref_matmul(a, b, az, bz, as, bs), 0.2, 5, t), 0, 0);
  }
}

TEST(QLinearMatMul, Errors) {
  const Tensor a = random_q(DType::UInt8, {3, 4}, 1), b = random_q(DType::UInt8, {4, 2}, 2);
  const Tensor s = Tensor::scalar<float>(0.1f), z = qtensor(DType::UInt8, {0}, {});
  EXPECT_TRUE(run_node({.op_type = "QLinearMatMul", .inputs = {a, s, z, b, s, z, s, z}}).ok());
  // y_scale per column is not allowed.
  EXPECT_FALSE(run_node({.op_type = "QLinearMatMul", .inputs = {a, s, z, b, s, z, Tensor::from_vector<float>({1, 2}), z}}).ok());
  // b_scale of the wrong length.
  EXPECT_FALSE(run_node({.op_type = "QLinearMatMul", .inputs = {a, s, z, b, Tensor::from_vector<float>({1, 2, 3}), z, s, z}}).ok());
  // Zero point type differs from its operand's.
  EXPECT_FALSE(run_node({.op_type = "QLinearMatMul", .inputs = {a, s, qtensor(DType::Int8, {0}, {}), b, s, z, s, z}}).ok());
  // Integer scale.
  EXPECT_FALSE(run_node({.op_type = "QLinearMatMul", .inputs = {a, Tensor::scalar<int32_t>(1), z, b, s, z, s, z}}).ok());
}

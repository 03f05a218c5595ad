// One row times a pruned weight (kernels/sparse_gemv.h) against a plain loop over odd shapes,
// sparsities, orientations, epilogues and thread counts; and MatMul / Gemm / FusedMatMul on a
// weight with 95% zeros through a session, for one row (sparse) and several (dense), against
// the graph run op by op.
#include "kernels/sparse_gemv.h"
#include "unit/pass_test.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace sz0;
using namespace sz0::kernels;

TEST(SparseGemv, MatchesPlainLoop) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> coin(0, 1);
  for (int64_t k : {1, 3, 64, 257})
    for (int64_t n : {1, 5, 33})
      for (double zeros : {0.5, 0.9, 1.0})
        for (bool trans : {false, true})
          for (int variant = 0; variant < 3; ++variant) {
            SCOPED_TRACE(testing::Message() << "k " << k << " n " << n << " zeros " << zeros << " trans " << trans
                                            << " variant " << variant);
            const int64_t ld = (trans ? k : n) + 2;
            std::vector<float> w(static_cast<size_t>((trans ? n : k) * ld), 7.0f);  // padding must not be read
            for (int64_t r = 0; r < (trans ? n : k); ++r)
              for (int64_t c = 0; c < (trans ? k : n); ++c) w[static_cast<size_t>(r * ld + c)] = coin(rng) < zeros ? 0.0f : normal(rng);
            std::vector<float> x(static_cast<size_t>(k)), bias(static_cast<size_t>(n)), res(static_cast<size_t>(n));
            for (float& v : x) v = normal(rng);
            for (float& v : bias) v = normal(rng);
            for (float& v : res) v = normal(rng);
            SgemmEpilogue ep;
            if (variant >= 1) {
              ep.alpha = 0.5f;
              ep.bias = bias.data();
            }
            if (variant == 2) {
              ep.residual = res.data();
              ep.has_act = true;
              ep.act = UnaryF32::Relu;
            }
            const auto packed = pack_sparse_columns(trans, k, n, w.data(), ld);
            ASSERT_TRUE(packed.has_value());
            const SparseColumns& s = *packed;
            for (int threads : {1, 2}) {
              std::vector<float> y(static_cast<size_t>(n), -1.0f);
              sparse_gemv(x.data(), s, y.data(), ep, threads);
              for (int64_t j = 0; j < n; ++j) {
                double acc = 0;
                for (int64_t i = 0; i < k; ++i) acc += x[static_cast<size_t>(i)] * w[static_cast<size_t>(trans ? j * ld + i : i * ld + j)];
                double want = ep.alpha * acc + (ep.bias ? bias[static_cast<size_t>(j)] : 0) + (ep.residual ? res[static_cast<size_t>(j)] : 0);
                if (ep.has_act) want = std::max(want, 0.0);
                EXPECT_NEAR(y[static_cast<size_t>(j)], want, 1e-4 * (1 + std::fabs(want))) << "column " << j;
              }
            }
          }
  const std::vector<float> some = {0, 1, 0, 0, 2, 0, 0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(zero_fraction(some.data(), 10), 0.8);
}

// A Gemm + Relu (fused into one kernel) and a plain MatMul on weights with 95% zeros: one row
// takes the sparse path, three rows the dense one; both match the op-by-op graph.
TEST(SparseGemv, PrunedLayersThroughASession) {
  for (int64_t rows : {1, 3}) {
    SCOPED_TRACE(testing::Message() << rows << " rows");
    Tensor w1 = test::random_tensor(DType::Float, {40, 96}, 1), w2 = test::random_tensor(DType::Float, {24, 40}, 2);
    for (Tensor* w : {&w1, &w2})
      for (int64_t i = 0; i < w->numel(); ++i)
        if (i % 20 != 0) w->data<float>()[i] = 0.0f;
    Model m = test::graph_model(17, {{"x", {rows, 96}}}, {"y"},
                                {test::op("Gemm", {"x", "w1", "b1"}, {"h"}, {test::attr_int("transB", 1)}),
                                 test::op("Relu", {"h"}, {"hr"}), test::op("MatMul", {"hr", "w2t"}, {"y"})},
                                {{"w1", w1}, {"b1", test::random_tensor(DType::Float, {40}, 3)},
                                 {"w2t", test::random_tensor(DType::Float, {40, 24}, 4)}});
    Tensor w2t(DType::Float, {40, 24});
    for (int64_t i = 0; i < 40; ++i)
      for (int64_t j = 0; j < 24; ++j) w2t.data<float>()[i * 24 + j] = w2.data<float>()[j * 40 + i];
    m.graph.initializers["w2t"] = w2t;
    std::map<std::string, Tensor> feeds = {{"x", test::random_tensor(DType::Float, {rows, 96}, 5)}};
    test::expect_optimized_matches(m, feeds, 1, 1e-4, 1e-4);
    test::expect_optimized_matches(m, feeds, 2, 1e-4, 1e-4);
  }
}

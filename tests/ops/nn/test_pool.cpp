#include "nn_ref.h"

#include <limits>

using namespace sz0;
using namespace sz0::test;

namespace {

enum class Kind { Max, Avg, AvgIncl, Lp3 };

struct PoolRef {
  Tensor y, ind;
};

// Direct pooling into explicit output sizes; pads = begin values then end values.
PoolRef ref_pool(const Tensor& x, Kind kind, const Shape& k, const std::vector<int64_t>& s,
                 const std::vector<int64_t>& dil, const std::vector<int64_t>& pads, const Shape& out_sp,
                 bool col_major = false) {
  const auto xv = x.to_double();
  const size_t nd = k.size();
  Shape out = {x.dim(0), x.dim(1)};
  out.insert(out.end(), out_sp.begin(), out_sp.end());
  PoolRef r{Tensor(DType::Double, out), Tensor(DType::Int64, out)};
  const int64_t kn = shape_numel(k);
  for (int64_t oi = 0; oi < r.y.numel(); ++oi) {
    auto o = nnref::unravel(oi, out);
    double best = -std::numeric_limits<double>::infinity(), sum = 0;
    int64_t at = -1, count = 0, padded = 0;
    for (int64_t ki = 0; ki < kn; ++ki) {
      auto kk = nnref::unravel(ki, k);
      std::vector<int64_t> xi = {o[0], o[1]};
      bool ok = true, in_pad = true;
      for (size_t d = 0; d < nd; ++d) {
        const int64_t i = o[d + 2] * s[d] - pads[d] + kk[d] * dil[d];
        ok = ok && i >= 0 && i < x.dim(d + 2);
        in_pad = in_pad && i < x.dim(d + 2) + pads[d + nd];
        xi.push_back(i);
      }
      if (in_pad) ++padded;
      if (!ok) continue;
      const int64_t flat = nnref::ravel(xi, x.shape());
      const double v = xv[flat];
      ++count;
      sum += kind == Kind::Lp3 ? std::pow(std::fabs(v), 3.0) : v;
      if (v > best) {
        best = v;
        int64_t local = 0;
        if (col_major) {
          int64_t st = 1;
          for (size_t d = 0; d < nd; ++d) {
            local += xi[d + 2] * st;
            st *= x.dim(d + 2);
          }
        } else {
          Shape sp(x.shape().begin() + 2, x.shape().end());
          local = nnref::ravel(std::vector<int64_t>(xi.begin() + 2, xi.end()), sp);
        }
        at = (o[0] * x.dim(1) + o[1]) * shape_numel(Shape(x.shape().begin() + 2, x.shape().end())) + local;
      }
    }
    double v = best;
    if (kind == Kind::Avg) v = sum / count;
    if (kind == Kind::AvgIncl) v = sum / padded;
    if (kind == Kind::Lp3) v = std::pow(sum, 1.0 / 3.0);
    r.y.data<double>()[oi] = v;
    r.ind.data<int64_t>()[oi] = at;
  }
  return r;
}

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, bool ceil) {
  const int64_t span = in + pb + pe - ((k - 1) * d + 1);
  int64_t o = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (o - 1) * s >= in + pb) --o;
  return o;
}

}  // namespace

TEST(MaxPool, StridesPadsDilationsCeilIndices) {
  struct Case {
    Shape x, k;
    std::vector<int64_t> s, dil, pads;
    bool ceil;
    int64_t order;
  };
  const Case cases[] = {
      {{2, 3, 7, 9}, {3, 2}, {2, 2}, {1, 1}, {1, 0, 1, 1}, false, 0},
      {{2, 3, 7, 9}, {3, 2}, {2, 2}, {2, 1}, {1, 1, 0, 1}, true, 0},
      {{1, 2, 13}, {4}, {3}, {1}, {2, 1}, true, 0},
      {{1, 2, 5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}, false, 1},
      {{1, 1, 7, 9}, {3, 3}, {2, 3}, {1, 1}, {0, 0, 0, 0}, true, 1},
  };
  for (const Case& c : cases)
    for (DType dt : {DType::Float, DType::Double, DType::Float16, DType::UInt8, DType::Int8}) {
      Tensor x = dtype_is_float(dt) ? random_tensor(dt, c.x, 1) : random_tensor(dt, c.x, 1, -100, 100);
      if (dt == DType::UInt8) x = random_tensor(dt, c.x, 1, 0, 255);
      auto r = run_node({.op_type = "MaxPool",
                         .inputs = {x},
                         .attributes = {attr_ints("kernel_shape", c.k), attr_ints("strides", c.s),
                                        attr_ints("dilations", c.dil), attr_ints("pads", c.pads),
                                        attr_int("ceil_mode", c.ceil), attr_int("storage_order", c.order)},
                         .num_outputs = 2});
      ASSERT_TRUE(r.ok()) << r.status().message();
      const size_t nd = c.k.size();
      Shape out_sp;
      for (size_t d = 0; d < nd; ++d)
        out_sp.push_back(out_size(c.x[d + 2], c.k[d], c.s[d], c.dil[d], c.pads[d], c.pads[d + nd], c.ceil));
      PoolRef ref = ref_pool(x, Kind::Max, c.k, c.s, c.dil, c.pads, out_sp, c.order == 1);
      EXPECT_TENSOR_NEAR((*r)[0], ref.y.cast(dt), 0, 0);
      if (dt == DType::Float || dt == DType::Double) {
        EXPECT_TENSOR_NEAR((*r)[1], ref.ind, 0, 0);
      }
    }
}

TEST(MaxPool, AutoPadAndErrors) {
  Tensor x = random_tensor(DType::Float, {1, 2, 7, 9}, 3);
  for (std::string mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    auto r = run_node({.op_type = "MaxPool",
                       .inputs = {x},
                       .attributes = {attr_ints("kernel_shape", {3, 4}), attr_ints("strides", {2, 2}),
                                      attr_string("auto_pad", mode)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::vector<int64_t> pads(4, 0);
    Shape out_sp = {3, 3};
    if (mode != "VALID") {
      out_sp = {4, 5};
      // totals: (4-1)*2+3-7 = 2, (5-1)*2+4-9 = 3
      pads = mode == "SAME_UPPER" ? std::vector<int64_t>{1, 1, 1, 2} : std::vector<int64_t>{1, 2, 1, 1};
    }
    PoolRef ref = ref_pool(x, Kind::Max, {3, 4}, {2, 2}, {1, 1}, pads, out_sp);
    EXPECT_TENSOR_NEAR((*r)[0], ref.y.cast(DType::Float), 0, 0) << mode;
  }
  EXPECT_FALSE(run_node({.op_type = "MaxPool", .inputs = {x}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MaxPool", .inputs = {x}, .attributes = {attr_ints("kernel_shape", {3})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MaxPool", .inputs = {x}, .attributes = {attr_ints("kernel_shape", {9, 3})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "MaxPool",
                         .inputs = {random_tensor(DType::Int32, {1, 1, 4, 4}, 1)},
                         .attributes = {attr_ints("kernel_shape", {2, 2})}})
                   .ok());
}

TEST(AveragePool, CountIncludePadCeil) {
  struct Case {
    Shape x, k;
    std::vector<int64_t> s, pads;
    bool ceil;
  };
  const Case cases[] = {
      {{2, 3, 7, 9}, {3, 2}, {2, 2}, {1, 0, 1, 1}, false},
      {{2, 3, 7, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true},
      {{1, 2, 13}, {4}, {3}, {2, 1}, true},
      {{1, 2, 5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 0, 1, 0, 1, 1}, false},
  };
  for (const Case& c : cases)
    for (int incl = 0; incl < 2; ++incl)
      for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
        Tensor x = random_tensor(dt, c.x, 1);
        auto r = run_node({.op_type = "AveragePool",
                           .inputs = {x},
                           .attributes = {attr_ints("kernel_shape", c.k), attr_ints("strides", c.s),
                                          attr_ints("pads", c.pads), attr_int("ceil_mode", c.ceil),
                                          attr_int("count_include_pad", incl)}});
        ASSERT_TRUE(r.ok()) << r.status().message();
        const size_t nd = c.k.size();
        Shape out_sp;
        for (size_t d = 0; d < nd; ++d)
          out_sp.push_back(out_size(c.x[d + 2], c.k[d], c.s[d], 1, c.pads[d], c.pads[d + nd], c.ceil));
        PoolRef ref = ref_pool(x, incl ? Kind::AvgIncl : Kind::Avg, c.k, c.s, std::vector<int64_t>(nd, 1), c.pads, out_sp);
        const double tol = dt == DType::Float16 ? 2e-3 : 1e-6;
        EXPECT_TENSOR_NEAR((*r)[0], ref.y.cast(dt), tol, tol);
      }
}

TEST(LpPool, OrderThree) {
  Tensor x = random_tensor(DType::Float, {2, 3, 7, 9}, 4);
  auto r = run_node({.op_type = "LpPool",
                     .inputs = {x},
                     .attributes = {attr_ints("kernel_shape", {3, 2}), attr_ints("strides", {2, 1}),
                                    attr_ints("pads", {1, 0, 0, 1}), attr_int("p", 3)}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  PoolRef ref = ref_pool(x, Kind::Lp3, {3, 2}, {2, 1}, {1, 1}, {1, 0, 0, 1}, {3, 9});
  EXPECT_TENSOR_NEAR((*r)[0], ref.y.cast(DType::Float));
  // Default p = 2.
  r = run_node({.op_type = "LpPool", .inputs = {x}, .attributes = {attr_ints("kernel_shape", {7, 9})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto g = run_node({.op_type = "GlobalLpPool", .inputs = {x}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], (*g)[0]);
}

TEST(GlobalPool, AllKinds) {
  for (DType dt : {DType::Float, DType::Double, DType::Float16}) {
    Tensor x = random_tensor(dt, {2, 3, 5, 7}, 5);
    const auto xv = x.to_double();
    Tensor mx(DType::Double, {2, 3, 1, 1}), av(DType::Double, {2, 3, 1, 1}), lp(DType::Double, {2, 3, 1, 1});
    for (int p = 0; p < 6; ++p) {
      double m = -1e30, s = 0, q = 0;
      for (int i = 0; i < 35; ++i) {
        m = std::max(m, xv[p * 35 + i]);
        s += xv[p * 35 + i];
        q += std::pow(std::fabs(xv[p * 35 + i]), 3);
      }
      mx.data<double>()[p] = m;
      av.data<double>()[p] = s / 35;
      lp.data<double>()[p] = std::cbrt(q);
    }
    const double tol = dt == DType::Float16 ? 2e-3 : 1e-6;
    auto r = run_node({.op_type = "GlobalMaxPool", .inputs = {x}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], mx.cast(dt), tol, tol);
    r = run_node({.op_type = "GlobalAveragePool", .inputs = {x}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], av.cast(dt), tol, tol);
    r = run_node({.op_type = "GlobalLpPool", .inputs = {x}, .attributes = {attr_int("p", 3)}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], lp.cast(dt), tol, tol);
  }
  Tensor x3 = random_tensor(DType::Float, {1, 4, 9}, 6);
  auto r = run_node({.op_type = "GlobalAveragePool", .inputs = {x3}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 4, 1}));
  EXPECT_FALSE(run_node({.op_type = "GlobalMaxPool", .inputs = {random_tensor(DType::Int32, {1, 2, 3}, 1)}}).ok());
}

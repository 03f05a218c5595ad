// The float32 kernel tables (kernels/simd_f32.h), each one this CPU has, against plain double
// references over odd sizes: every vector body, every masked tail.
#include "simd_test_levels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

using namespace sz0;
using namespace sz0::kernels;
using sz0::test::for_each_simd_level;

namespace {

const int64_t kSizes[] = {1, 3, 7, 8, 16, 17, 33, 1000};
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<float> uniform(int64_t n, double lo, double hi, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(d(g));
  return v;
}

// |a - ref| in units of the float spacing at ref.
double ulps(float a, double ref) {
  if (std::isnan(ref)) return std::isnan(a) ? 0.0 : kInf;
  if (std::isinf(ref)) return a == ref ? 0.0 : kInf;
  const float r = static_cast<float>(ref);
  const double step = std::nextafter(std::fabs(r), std::numeric_limits<float>::infinity()) - std::fabs(r);
  return std::fabs(a - ref) / step;
}

struct UnaryCase {
  const char* name;
  UnaryF32 op;
  UnaryArgs args;
  double (*ref)(double x, double a, double b);
  double lo, hi;
  double max_ulps;  // allowed error in ulps of the result ...
  double atol;      // ... or absolutely
};

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

const UnaryCase kUnary[] = {
    {"Copy", UnaryF32::Copy, {}, [](double x, double, double) { return x; }, -10, 10, 0, 0},
    {"Relu", UnaryF32::Relu, {}, [](double x, double, double) { return std::max(x, 0.0); }, -10, 10, 0, 0},
    {"LeakyRelu", UnaryF32::LeakyRelu, {0.1f, 0}, [](double x, double a, double) { return x < 0 ? a * x : x; }, -10, 10, 0.5, 0},
    {"Clip", UnaryF32::Clip, {-0.5f, 0.7f}, [](double x, double a, double b) { return std::min(b, std::max(a, x)); }, -2, 2, 0, 0},
    {"HardSigmoid", UnaryF32::HardSigmoid, {0.2f, 0.5f}, [](double x, double a, double b) { return clamp01(a * x + b); }, -5, 5, 1, 1e-7},
    {"HardSwish", UnaryF32::HardSwish, {}, [](double x, double, double) { return x * clamp01(x / 6 + 0.5); }, -5, 5, 2, 1e-7},
    {"Sigmoid", UnaryF32::Sigmoid, {}, [](double x, double, double) { return sigmoid(x); }, -30, 30, 4, 0},
    {"Tanh", UnaryF32::Tanh, {}, [](double x, double, double) { return std::tanh(x); }, -12, 12, 4, 0},
    {"TanhNearZero", UnaryF32::Tanh, {}, [](double x, double, double) { return std::tanh(x); }, -1, 1, 4, 0},
    {"Erf", UnaryF32::Erf, {}, [](double x, double, double) { return std::erf(x); }, -5, 5, 7, 0},
    {"ErfNearZero", UnaryF32::Erf, {}, [](double x, double, double) { return std::erf(x); }, -1e-3, 1e-3, 7, 0},
    {"Exp", UnaryF32::Exp, {}, [](double x, double, double) { return std::exp(x); }, -87, 88, 3, 0},
    {"ExpDenormal", UnaryF32::Exp, {}, [](double x, double, double) { return std::exp(x); }, -103, -87, 3, 2e-45},
    // Gelu forms 1 + erf(x/√2) for x/√2 in [-1, 1]: near -1 that sum cancels about three bits of
    // erf's few-ulp error.
    {"Gelu", UnaryF32::Gelu, {}, [](double x, double, double) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }, -8, 8, 24, 5e-8},
    // x·sigmoid(z): z's float rounding, relative 1e-7, scales by |z| in the tail.
    {"GeluTanh", UnaryF32::GeluTanh, {},
     [](double x, double, double) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); },
     -8, 8, 16, 1e-9},
    {"Sqrt", UnaryF32::Sqrt, {}, [](double x, double, double) { return std::sqrt(x); }, 0, 100, 0.5, 0},
    {"PowHalf", UnaryF32::PowHalf, {}, [](double x, double, double) { return std::sqrt(x); }, 0, 100, 0.5, 0},
    {"Square", UnaryF32::Square, {}, [](double x, double, double) { return x * x; }, -100, 100, 0.5, 0},
    {"Cube", UnaryF32::Cube, {}, [](double x, double, double) { return x * x * x; }, -100, 100, 1.5, 0},
    {"Neg", UnaryF32::Neg, {}, [](double x, double, double) { return -x; }, -10, 10, 0, 0},
    {"Abs", UnaryF32::Abs, {}, [](double x, double, double) { return std::fabs(x); }, -10, 10, 0, 0},
    {"Reciprocal", UnaryF32::Reciprocal, {}, [](double x, double, double) { return 1 / x; }, 0.1, 10, 0.5, 0},
    {"Affine", UnaryF32::Affine, {1.5f, -0.25f}, [](double x, double a, double b) { return a * x + b; }, -10, 10, 1, 1e-7},
    {"Silu", UnaryF32::Silu, {}, [](double x, double, double) { return x * sigmoid(x); }, -30, 30, 5, 0},
    {"Softsign", UnaryF32::Softsign, {}, [](double x, double, double) { return x / (1 + std::fabs(x)); }, -10, 10, 1.5, 0},
};

}  // namespace

TEST(SimdKernels, PortableAlwaysThere) {
  ASSERT_NE(simd_f32_for(SimdLevel::Portable), nullptr);
  EXPECT_NE(simd_f32_for(simd_level()), nullptr);
  std::printf("simd level in use: %s\n", simd_level_name(simd_level()));
  EXPECT_FALSE(set_simd_level_for_testing(static_cast<SimdLevel>(7)));
}

TEST(SimdKernels, UnaryAgainstDouble) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    uint32_t seed = 1;
    for (const UnaryCase& c : kUnary) {
      double worst = 0;
      for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{17}, int64_t{33}, int64_t{1000}, int64_t{20000}}) {
        std::vector<float> x = uniform(n, c.lo, c.hi, seed++), y(x.size());
        k.unary(c.op, c.args, x.data(), y.data(), n);
        for (int64_t i = 0; i < n; ++i) {
          const double r = c.ref(x[i], c.args.a, c.args.b);
          const double e = std::fabs(y[i] - r) <= c.atol ? 0.0 : ulps(y[i], r);
          worst = std::max(worst, e);
          ASSERT_LE(e, c.max_ulps) << c.name << " x = " << x[i] << " got " << y[i] << " want " << r << " n " << n;
        }
      }
      if (worst > 0) std::printf("  %s %s: worst %.2f ulps\n", k.name, c.name, worst);
    }
  });
}

TEST(SimdKernels, UnaryTailsMatchBodyAndRunInPlace) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    const std::vector<float> x = uniform(40, -6, 6, 99);
    for (const UnaryCase& c : kUnary) {
      std::vector<float> full(40);
      k.unary(c.op, c.args, x.data(), full.data(), 40);
      for (int64_t off : {1, 5}) {
        for (int64_t n : kSizes) {
          if (off + n > 40) continue;
          std::vector<float> part(static_cast<size_t>(n));
          k.unary(c.op, c.args, x.data() + off, part.data(), n);
          for (int64_t i = 0; i < n; ++i)
            ASSERT_TRUE(part[i] == full[off + i] || (std::isnan(part[i]) && std::isnan(full[off + i])))
                << c.name << " element " << off + i << " of a run of " << n;
        }
      }
      std::vector<float> inplace = x;
      k.unary(c.op, c.args, inplace.data(), inplace.data(), 40);
      for (int64_t i = 0; i < 40; ++i)
        ASSERT_TRUE(inplace[i] == full[i] || (std::isnan(inplace[i]) && std::isnan(full[i]))) << c.name;
    }
  });
}

TEST(SimdKernels, UnarySpecialValues) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
    const std::vector<float> x = {inf, -inf, nan, 0.0f, -0.0f, 1e-30f, -1e-30f, 100.0f, -100.0f, 1e30f, -1e30f};
    std::vector<float> y(x.size());
    auto run = [&](UnaryF32 op, UnaryArgs a = {}) { k.unary(op, a, x.data(), y.data(), static_cast<int64_t>(x.size())); };
    run(UnaryF32::Exp);
    EXPECT_EQ(y[0], inf);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[3], 1.0f);
    run(UnaryF32::Sigmoid);
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[3], 0.5f);
    run(UnaryF32::Tanh);
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], -1.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[5], 1e-30f);
    run(UnaryF32::Erf);
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], -1.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[9], 1.0f);
    EXPECT_EQ(y[10], -1.0f);
    run(UnaryF32::Gelu);
    EXPECT_EQ(y[0], inf);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[7], 100.0f);
    EXPECT_EQ(y[8], 0.0f);
    run(UnaryF32::GeluTanh);
    EXPECT_EQ(y[7], 100.0f);
    EXPECT_EQ(y[8], 0.0f);
    run(UnaryF32::Relu);
    EXPECT_EQ(y[0], inf);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_EQ(y[2], 0.0f);  // NaN > 0 is false, as in the reference
    run(UnaryF32::Clip, {-1.0f, 1.0f});
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], -1.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    run(UnaryF32::Clip, {2.0f, 1.0f});  // min > max: everything becomes max
    EXPECT_EQ(y[3], 1.0f);
    EXPECT_EQ(y[1], 1.0f);
    run(UnaryF32::PowHalf);
    EXPECT_EQ(y[1], inf);
    EXPECT_FALSE(std::signbit(y[4]));
    run(UnaryF32::Sqrt);
    EXPECT_TRUE(std::signbit(y[4]));
    EXPECT_TRUE(std::isnan(y[1]));
    run(UnaryF32::HardSwish);  // -inf · 0 is NaN, as in the formula's reference
    EXPECT_EQ(y[0], inf);
    EXPECT_EQ(y[8], 0.0f);
    EXPECT_EQ(y[7], 100.0f);
  });
}

TEST(SimdKernels, BinaryAllStridePatterns) {
  const BinaryF32 ops[] = {BinaryF32::Add, BinaryF32::Sub, BinaryF32::Mul, BinaryF32::Div,
                           BinaryF32::Max, BinaryF32::Min, BinaryF32::PRelu};
  auto ref = [](BinaryF32 op, float a, float b) -> float {
    switch (op) {
      case BinaryF32::Add: return a + b;
      case BinaryF32::Sub: return a - b;
      case BinaryF32::Mul: return a * b;
      case BinaryF32::Div: return a / b;
      case BinaryF32::Max: return (a > b || std::isnan(a)) ? a : b;
      case BinaryF32::Min: return (a < b || std::isnan(a)) ? a : b;
      case BinaryF32::PRelu: return a < 0 ? b * a : a;
    }
    return 0;
  };
  for_each_simd_level([&] {
    const SimdF32Kernels& k = simd_f32();
    uint32_t seed = 3;
    for (BinaryF32 op : ops)
      for (int64_t n : kSizes)
        for (int64_t rows : {1, 3})
          for (int sa : {0, 1})
            for (int sb : {0, 1}) {
              // A broadcast operand (stride 0 along the row) still advances by one per row.
              const int64_t ra = sa ? n : 1, rb = sb ? n : 1;
              std::vector<float> a = uniform(rows * n, -3, 3, seed++), b = uniform(rows * n, -3, 3, seed++);
              if (a.size() > 2) a[1] = std::nanf("");
              if (b.size() > 3) b[2] = std::nanf("");
              std::vector<float> o(static_cast<size_t>(rows * n));
              k.binary(op, a.data(), ra, sa, b.data(), rb, sb, o.data(), rows, n);
              for (int64_t r = 0; r < rows; ++r)
                for (int64_t i = 0; i < n; ++i) {
                  const float want = ref(op, a[r * ra + i * sa], b[r * rb + i * sb]), got = o[r * n + i];
                  ASSERT_TRUE(want == got || (std::isnan(want) && std::isnan(got)))
                      << "op " << static_cast<int>(op) << " n " << n << " rows " << rows << " sa " << sa << " sb " << sb
                      << " at " << r << "," << i << ": " << got << " vs " << want;
                }
              if (sa) {  // in place over a
                std::vector<float> inplace = a;
                k.binary(op, inplace.data(), ra, sa, b.data(), rb, sb, inplace.data(), rows, n);
                for (size_t i = 0; i < o.size(); ++i)
                  ASSERT_TRUE(inplace[i] == o[i] || (std::isnan(inplace[i]) && std::isnan(o[i])));
              }
            }
  });
}

TEST(SimdKernels, SoftmaxRowsAndStrided) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    uint32_t seed = 11;
    for (bool log : {false, true})
      for (int64_t n : kSizes)
        for (int64_t inner : {int64_t{1}, int64_t{3}, int64_t{17}}) {
          const int64_t outer = 2;
          std::vector<float> x = uniform(outer * n * inner, -20, 20, seed++), y(x.size());
          std::vector<float> scratch(static_cast<size_t>(2 * inner));
          if (inner == 1) k.softmax_rows(x.data(), y.data(), outer, n, log);
          else
            for (int64_t o = 0; o < outer; ++o)
              k.softmax_strided(x.data() + o * n * inner, y.data() + o * n * inner, n, inner, log, scratch.data());
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t j = 0; j < inner; ++j) {
              auto at = [&](int64_t kk) { return (o * n + kk) * inner + j; };
              double m = -kInf, s = 0;
              for (int64_t kk = 0; kk < n; ++kk) m = std::max(m, static_cast<double>(x[at(kk)]));
              for (int64_t kk = 0; kk < n; ++kk) s += std::exp(x[at(kk)] - m);
              for (int64_t kk = 0; kk < n; ++kk) {
                const double want = log ? (x[at(kk)] - m) - std::log(s) : std::exp(x[at(kk)] - m) / s;
                ASSERT_NEAR(y[at(kk)], want, log ? 2e-6 * (1 + std::fabs(want)) : 2e-6 * want + 1e-12)
                    << "log " << log << " n " << n << " inner " << inner;
              }
            }
        }
  });
}

TEST(SimdKernels, SoftmaxExtremes) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> x = {1e30f, -1e30f, 0.0f, 1e30f, 5.0f}, y(5);
    k.softmax_rows(x.data(), y.data(), 1, 5, false);
    EXPECT_FLOAT_EQ(y[0], 0.5f);
    EXPECT_FLOAT_EQ(y[3], 0.5f);
    EXPECT_EQ(y[1], 0.0f);
    x = {1.0f, std::nanf(""), 2.0f};
    k.softmax_rows(x.data(), y.data(), 1, 3, false);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(y[i]));
    x = {-inf, 0.0f, 1.0f};
    k.softmax_rows(x.data(), y.data(), 1, 3, true);
    EXPECT_EQ(y[0], -inf);
  });
}

TEST(SimdKernels, LayerNormRows) {
  for_each_simd_level([] {
    const SimdF32Kernels& k = simd_f32();
    uint32_t seed = 21;
    for (int64_t n : kSizes)
      for (bool with_bias : {true, false})
        for (double offset : {0.0, 1000.0}) {
          const int64_t rows = 3;
          std::vector<float> x = uniform(rows * n, offset - 2, offset + 2, seed++), y(x.size());
          std::vector<float> scale = uniform(n, -2, 2, seed++), bias = uniform(n, -1, 1, seed++);
          std::vector<float> mean(rows), inv(rows);
          const float eps = 1e-5f;
          k.layer_norm_rows(x.data(), y.data(), rows, n, scale.data(), with_bias ? bias.data() : nullptr, eps, mean.data(),
                            inv.data());
          for (int64_t r = 0; r < rows; ++r) {
            double m = 0, v = 0;
            for (int64_t i = 0; i < n; ++i) m += x[r * n + i];
            m /= n;
            for (int64_t i = 0; i < n; ++i) v += (x[r * n + i] - m) * (x[r * n + i] - m);
            v /= n;
            const double iv = 1 / std::sqrt(v + eps);
            ASSERT_NEAR(mean[r], m, 1e-6 * (1 + std::fabs(m)));
            ASSERT_NEAR(inv[r], iv, 2e-6 * iv);
            for (int64_t i = 0; i < n; ++i) {
              const double want = (x[r * n + i] - m) * iv * scale[i] + (with_bias ? bias[i] : 0.0);
              // The float mean of large values carries their rounding: relative to offset.
              ASSERT_NEAR(y[r * n + i], want, 1e-5 * (1 + std::fabs(want)) + 1e-7 * offset * iv * std::fabs(scale[i]))
                  << "n " << n << " offset " << offset;
            }
          }
        }
  });
}

TEST(SimdKernels, ReduceRowAndColumns) {
  const ReduceF32 ops[] = {ReduceF32::Sum, ReduceF32::SumSquare, ReduceF32::SumAbs, ReduceF32::Max, ReduceF32::Min};
  for_each_simd_level([&] {
    const SimdF32Kernels& k = simd_f32();
    uint32_t seed = 31;
    for (ReduceF32 op : ops)
      for (int64_t n : kSizes) {
        std::vector<float> x = uniform(n, -5, 5, seed++);
        double want = op == ReduceF32::Max ? -kInf : op == ReduceF32::Min ? kInf : 0.0;
        for (float v : x) {
          if (op == ReduceF32::Sum) want += v;
          else if (op == ReduceF32::SumSquare) want += static_cast<double>(v) * v;
          else if (op == ReduceF32::SumAbs) want += std::fabs(v);
          else if (op == ReduceF32::Max) want = std::max<double>(want, v);
          else want = std::min<double>(want, v);
        }
        EXPECT_NEAR(k.reduce_row(op, x.data(), n), want, 1e-12 * (1 + std::fabs(want))) << static_cast<int>(op) << " n " << n;
        // Columns: rows of `n` with a stride of n + 2.
        const int64_t rows = 5, stride = n + 2;
        std::vector<float> m = uniform(rows * stride, -5, 5, seed++);
        std::vector<double> acc = op == ReduceF32::Max || op == ReduceF32::Min ? std::vector<double>(m.begin(), m.begin() + n)
                                                                                : std::vector<double>(n, 0.0);
        const int64_t first = op == ReduceF32::Max || op == ReduceF32::Min ? 1 : 0;
        k.reduce_cols(op, m.data() + first * stride, rows - first, stride, n, acc.data());
        for (int64_t i = 0; i < n; ++i) {
          double w = op == ReduceF32::Max ? -kInf : op == ReduceF32::Min ? kInf : 0.0;
          for (int64_t r = 0; r < rows; ++r) {
            const double v = m[r * stride + i];
            if (op == ReduceF32::Sum) w += v;
            else if (op == ReduceF32::SumSquare) w += v * v;
            else if (op == ReduceF32::SumAbs) w += std::fabs(v);
            else if (op == ReduceF32::Max) w = std::max(w, v);
            else w = std::min(w, v);
          }
          ASSERT_NEAR(acc[i], w, 1e-12 * (1 + std::fabs(w))) << static_cast<int>(op) << " column " << i << " n " << n;
        }
      }
    // A NaN anywhere wins Max and Min, in rows and in columns.
    std::vector<float> x = uniform(37, -1, 1, 5);
    x[20] = std::nanf("");
    EXPECT_TRUE(std::isnan(k.reduce_row(ReduceF32::Max, x.data(), 37)));
    EXPECT_TRUE(std::isnan(k.reduce_row(ReduceF32::Min, x.data(), 37)));
    std::vector<double> acc(x.begin(), x.begin() + 3);
    k.reduce_cols(ReduceF32::Max, x.data() + 18, 1, 3, 3, acc.data());
    EXPECT_TRUE(std::isnan(acc[2]));
    EXPECT_FALSE(std::isnan(acc[0]));
  });
}

TEST(SimdKernels, LongSumsStayExact) {
  for_each_simd_level([] {
    std::vector<float> x(1000003, 0.1f);
    const double s = simd_f32().reduce_row(ReduceF32::Sum, x.data(), static_cast<int64_t>(x.size()));
    EXPECT_EQ(static_cast<float>(s), static_cast<float>(static_cast<double>(0.1f) * 1000003));
  });
}

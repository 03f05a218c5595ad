// Resize and Upsample against a naive reference that follows ONNX's definition literally: for
// each output element, interpolate the innermost dim first, picking each 1-D neighbourhood as
// the n points of the edge-padded input nearest to the sampling coordinate.
#include "ops/op.h"
#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace sz0;
using namespace sz0::test;

namespace {

struct Opts {
  std::string mode = "nearest";
  std::string coord = "half_pixel";
  std::string nearest = "round_prefer_floor";
  double a = -0.75;
  bool exclude = false;
  double extrap = 0;
  bool legacy = false;  // Upsample / Resize-10
};

std::vector<double> coeffs(const Opts& o, double ratio, double scale) {
  if (o.mode == "nearest") {
    if (ratio == 1) return {0, 1};
    if (o.legacy) return scale < 1 ? std::vector<double>{0, 1} : std::vector<double>{1, 0};
    if (o.nearest == "round_prefer_floor") return {double(ratio <= 0.5), double(ratio > 0.5)};
    if (o.nearest == "round_prefer_ceil") return {double(ratio < 0.5), double(ratio >= 0.5)};
    if (o.nearest == "floor") return {1, 0};
    return {0, 1};
  }
  if (o.mode == "linear") return {1 - ratio, ratio};
  const double A = o.a;
  auto k = [&](double t) {
    t = std::fabs(t);
    if (t <= 1) return (A + 2) * t * t * t - (A + 3) * t * t + 1;
    if (t < 2) return A * t * t * t - 5 * A * t * t + 8 * A * t - 4 * A;
    return 0.0;
  };
  return {k(ratio + 1), k(ratio), k(1 - ratio), k(2 - ratio)};
}

double interp_1d(const std::vector<double>& data, double scale, int64_t out_int, int64_t x, const Opts& o, double r0, double r1) {
  const double in = static_cast<double>(data.size());
  const double out_w = scale * in;
  double xo = 0;
  if (o.coord == "align_corners") xo = out_w == 1 ? 0 : x * (in - 1) / (out_w - 1);
  else if (o.coord == "asymmetric") xo = x / scale;
  else if (o.coord == "pytorch_half_pixel") xo = out_int > 1 ? (x + 0.5) / scale - 0.5 : 0;
  else if (o.coord == "half_pixel") xo = (x + 0.5) / scale - 0.5;
  else if (o.coord == "tf_half_pixel_for_nn") xo = (x + 0.5) / scale;
  else if (o.coord == "tf_crop_and_resize") {
    xo = out_w == 1 ? (r1 - r0) * (in - 1) / 2 : x * (r1 - r0) * (in - 1) / (out_w - 1);
    xo += r0 * (in - 1);
    if (xo < 0 || xo > in - 1) return o.extrap;
  }
  const double fl = std::floor(xo);
  const double ratio = xo == fl ? 1.0 : xo - fl;
  std::vector<double> c = coeffs(o, ratio, scale);
  const int n = static_cast<int>(c.size());
  const int pad = (n + 1) / 2;
  std::vector<double> padded;
  for (int i = 0; i < pad; ++i) padded.push_back(data.front());
  padded.insert(padded.end(), data.begin(), data.end());
  for (int i = 0; i < pad; ++i) padded.push_back(data.back());
  const double xp = xo + pad;
  std::vector<int> order(padded.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int p, int q) { return std::fabs(xp - p) < std::fabs(xp - q); });
  std::vector<int> idx(order.begin(), order.begin() + n);
  std::sort(idx.begin(), idx.end());
  if (o.exclude) {
    double s = 0;
    for (int i = 0; i < n; ++i) {
      if (idx[i] - pad < 0 || idx[i] - pad >= static_cast<int>(data.size())) c[i] = 0;
      s += c[i];
    }
    for (double& v : c) v /= s;
  }
  double r = 0;
  for (int i = 0; i < n; ++i) r += c[i] * padded[idx[i]];
  return r;
}

struct Problem {
  Shape in, out;
  std::vector<double> scales;  // per dim, as the transform uses them
  std::vector<double> roi;     // 2 * rank, or empty
};

double interp_nd(const std::vector<double>& x, const Problem& p, const Opts& o, const Shape& strides, size_t d,
                 int64_t base, const std::vector<int64_t>& coord) {
  const size_t rank = p.in.size();
  std::vector<double> line(static_cast<size_t>(p.in[d]));
  for (int64_t i = 0; i < p.in[d]; ++i) {
    const int64_t off = base + i * strides[d];
    line[static_cast<size_t>(i)] = d + 1 == rank ? x[static_cast<size_t>(off)] : interp_nd(x, p, o, strides, d + 1, off, coord);
  }
  const double r0 = p.roi.empty() ? 0 : p.roi[d], r1 = p.roi.empty() ? 1 : p.roi[rank + d];
  return interp_1d(line, p.scales[d], p.out[d], coord[d], o, r0, r1);
}

Tensor reference(const Tensor& xt, const Problem& p, const Opts& o) {
  std::vector<double> x = xt.to_double();
  Tensor y(DType::Double, p.out);
  const Shape strides = shape_strides(p.in), ostrides = shape_strides(p.out);
  std::vector<int64_t> coord(p.in.size());
  for (int64_t i = 0; i < y.numel(); ++i) {
    for (size_t d = 0; d < coord.size(); ++d) coord[d] = (i / ostrides[d]) % p.out[d];
    y.data<double>()[i] = interp_nd(x, p, o, strides, 0, 0, coord);
  }
  if (!dtype_is_float(xt.dtype()))
    for (int64_t i = 0; i < y.numel(); ++i) y.data<double>()[i] = std::round(y.data<double>()[i]);
  return y.cast(xt.dtype());
}

Problem from_scales(const Shape& in, const std::vector<float>& scales) {
  Problem p{in, in, {}, {}};
  for (size_t d = 0; d < in.size(); ++d) {
    p.scales.push_back(scales[d]);
    p.out[d] = static_cast<int64_t>(std::floor(static_cast<double>(scales[d]) * in[d]));
  }
  return p;
}

Problem from_sizes(const Shape& in, const Shape& sizes) {
  Problem p{in, sizes, {}, {}};
  for (size_t d = 0; d < in.size(); ++d) p.scales.push_back(static_cast<double>(sizes[d]) / in[d]);
  return p;
}

std::vector<Attribute> attrs_of(const Opts& o) {
  std::vector<Attribute> a = {attr_string("mode", o.mode), attr_string("coordinate_transformation_mode", o.coord)};
  if (o.mode == "nearest") a.push_back(attr_string("nearest_mode", o.nearest));
  if (o.mode == "cubic") a.push_back(attr_float("cubic_coeff_a", static_cast<float>(o.a)));
  if (o.exclude) a.push_back(attr_int("exclude_outside", 1));
  if (o.extrap != 0) a.push_back(attr_float("extrapolation_value", static_cast<float>(o.extrap)));
  return a;
}

Tensor roi_tensor(const std::vector<double>& roi) {
  std::vector<float> f(roi.begin(), roi.end());
  return Tensor::from_vector<float>(f);
}

// Resize-13 with either scales or sizes.
Result<std::vector<Tensor>> run_resize(const Tensor& x, const Opts& o, const std::vector<float>* scales, const Shape* sizes,
                                       const std::vector<double>& roi = {}, int64_t opset = 13, int threads = 1) {
  NodeSpec s{.op_type = "Resize", .inputs = {x}, .attributes = attrs_of(o), .opset = opset};
  s.inputs.push_back(roi.empty() ? Tensor() : roi_tensor(roi));
  if (scales) s.inputs.push_back(Tensor::from_vector<float>(*scales));
  else s.inputs.push_back(Tensor());
  if (sizes) s.inputs.push_back(Tensor::from_vector<int64_t>(*sizes));
  return run_node(s, threads);
}

struct Case {
  Shape in;
  std::vector<float> scales;
  Shape sizes;
};

const std::vector<Case> kCases = {
    {{1, 1, 3, 5}, {1, 1, 1.7f, 0.6f}, {1, 1, 5, 3}},
    {{1, 2, 4, 4}, {1, 1, 0.5f, 2.5f}, {1, 2, 7, 2}},
    {{7}, {2.3f}, {3}},
    {{2, 4, 3}, {0.5f, 1.5f, 2.0f}, {3, 1, 5}},
    {{1, 2, 3, 2, 3}, {1, 1, 1.5f, 2, 0.7f}, {1, 2, 4, 3, 1}},
    {{1, 1, 1, 4}, {1, 1, 3, 1.25f}, {1, 1, 2, 6}},
    // Integer upsampling (FPN necks): the kernel's repeat and row-copy paths.
    {{2, 3, 4, 5}, {1, 1, 2, 3}, {2, 3, 8, 15}},
    {{1, 2, 3, 4}, {1, 1, 4, 2}, {1, 2, 12, 8}},
    {{3, 7}, {2, 2}, {6, 14}},
};

const std::vector<std::string> kCoords = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                          "tf_half_pixel_for_nn", "tf_crop_and_resize"};

std::vector<double> some_roi(size_t rank) {
  std::vector<double> roi(2 * rank);
  for (size_t d = 0; d < rank; ++d) {
    roi[d] = d % 2 ? 0.2 : -0.1;
    roi[rank + d] = d % 2 ? 0.9 : 1.15;
  }
  return roi;
}

void check_all(const Opts& base, double tol) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    Tensor x = random_tensor(DType::Float, c.in, seed++, -2, 2);
    for (const std::string& coord : kCoords) {
      Opts o = base;
      o.coord = coord;
      const bool crop = coord == "tf_crop_and_resize";
      if (crop) o.extrap = 0.5;
      const std::vector<double> roi = crop ? some_roi(c.in.size()) : std::vector<double>{};
      for (bool use_sizes : {false, true}) {
        Problem p = use_sizes ? from_sizes(c.in, c.sizes) : from_scales(c.in, c.scales);
        if (crop) {
          // The kernel reads roi as float, like the model does.
          for (double r : roi) p.roi.push_back(static_cast<float>(r));
        }
        auto r = use_sizes ? run_resize(x, o, nullptr, &c.sizes, roi) : run_resize(x, o, &c.scales, nullptr, roi);
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], reference(x, p, o), tol, tol)
            << o.mode << "/" << o.nearest << " " << coord << " in " << shape_str(c.in) << (use_sizes ? " sizes" : " scales");
      }
    }
  }
}

}  // namespace

TEST(Resize, NearestAllModes) {
  for (std::string nm : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
    Opts o;
    o.nearest = nm;
    check_all(o, 0);
  }
}

TEST(Resize, Linear) {
  Opts o;
  o.mode = "linear";
  check_all(o, 1e-5);
}

TEST(Resize, Cubic) {
  for (double a : {-0.75, -0.5}) {
    for (bool exclude : {false, true}) {
      Opts o;
      o.mode = "cubic";
      o.a = a;
      o.exclude = exclude;
      check_all(o, 1e-5);
    }
  }
}

TEST(Resize, OtherTypes) {
  const Shape in = {1, 2, 5, 3};
  const std::vector<float> scales = {1, 1, 1.6f, 2.4f};
  const Problem p = from_scales(in, scales);
  uint32_t seed = 50;
  for (DType t : {DType::Double, DType::Float16, DType::BFloat16, DType::UInt8, DType::Int8, DType::Int32, DType::Int64}) {
    const bool is_int = !dtype_is_float(t);
    Tensor x = random_tensor(t, in, seed++, is_int ? (t == DType::UInt8 ? 0 : -100) : -2, is_int ? 100 : 2);
    for (std::string mode : {"nearest", "linear", "cubic"}) {
      Opts o;
      o.mode = mode;
      auto r = run_resize(x, o, &scales, nullptr);
      ASSERT_TRUE(r.ok()) << r.status().message();
      const double tol = t == DType::Float16 ? 2e-3 : t == DType::BFloat16 ? 1e-2 : is_int && mode != "nearest" ? 1 : 1e-12;
      EXPECT_TENSOR_NEAR((*r)[0], reference(x, p, o), tol, tol) << mode << " " << dtype_name(t);
    }
  }
  // Nearest is a pure copy: exact for int64 beyond double's integers, and for bool.
  Tensor big = Tensor::from_vector<int64_t>({(int64_t{1} << 60) + 1, -3}, {1, 2});
  Opts o;
  const std::vector<float> up = {1, 2};
  auto r = run_resize(big, o, &up, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].data<int64_t>()[0], (int64_t{1} << 60) + 1);
  EXPECT_EQ((*r)[0].data<int64_t>()[3], -3);
  Tensor b = Tensor::from_vector<bool>({true, false}, {2, 1});
  const std::vector<float> up2 = {2, 2};
  r = run_resize(b, o, &up2, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<bool>({1, 1, 1, 1, 0, 0, 0, 0}, {4, 2}), 0, 0);
}

TEST(Resize, KnownValues) {
  // ONNX's align_corners example: the transform uses scale * input length (2.4), not the
  // rounded output length.
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
  Opts o;
  o.mode = "linear";
  o.coord = "align_corners";
  const std::vector<float> s = {1, 1, 0.6f, 0.6f};
  auto r = run_resize(x, o, &s, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({1, 3.142857f}, {1, 1, 1, 2}));
  // tf_half_pixel_for_nn at opset 11, with empty roi and scales tensors.
  Tensor x4(DType::Float, {1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x4.data<float>()[i] = static_cast<float>(i + 1);
  r = run_node({.op_type = "Resize",
                .inputs = {x4, Tensor(DType::Float, {0}), Tensor(DType::Float, {0}), Tensor::from_vector<int64_t>({1, 1, 3, 2})},
                .attributes = {attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nn"), attr_string("mode", "nearest")},
                .opset = 11});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({6, 8, 10, 12, 14, 16}, {1, 1, 3, 2}));
  // tf_crop_and_resize, ONNX's example.
  o = Opts{};
  o.mode = "linear";
  o.coord = "tf_crop_and_resize";
  o.extrap = 10;
  const Shape sizes = {1, 1, 3, 3};
  r = run_resize(x4, o, nullptr, &sizes, {0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10}, {1, 1, 3, 3}));
}

TEST(Resize, Opset10AndUpsample) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
  // Resize-10 and Upsample sample at x / scale; nearest truncates, or rounds up when shrinking.
  auto r = run_node({.op_type = "Resize", .inputs = {x, Tensor::from_vector<float>({1, 1, 0.6f, 0.6f})},
                     .attributes = {attr_string("mode", "nearest")}, .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], Tensor::from_vector<float>({1, 3}, {1, 1, 1, 2}));
  Tensor x2 = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor bilinear = Tensor::from_vector<float>({1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4}, {1, 1, 4, 4});
  r = run_node({.op_type = "Upsample", .inputs = {x2, Tensor::from_vector<float>({1, 1, 2, 2})},
                .attributes = {attr_string("mode", "linear")}, .opset = 9});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], bilinear);
  r = run_node({.op_type = "Upsample", .inputs = {x2}, .attributes = {attr_string("mode", "linear"), attr_floats("scales", {1, 1, 2, 2})},
                .opset = 7});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], bilinear);
  r = run_node({.op_type = "Resize", .inputs = {x2, Tensor::from_vector<float>({1, 1, 2, 2})},
                .attributes = {attr_string("mode", "linear")}, .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], bilinear);
  // Against the reference with non-integer scales, several ranks and types.
  uint32_t seed = 70;
  for (const Case& c : kCases) {
    for (std::string mode : {"nearest", "linear"}) {
      for (DType t : {DType::Float, DType::Int32}) {
        Tensor xi = random_tensor(t, c.in, seed++, -50, 50);
        std::vector<float> sc = c.scales;
        for (float& v : sc) v = std::max(v, 1.0f);  // Upsample only grows
        Opts o;
        o.mode = mode;
        o.coord = "asymmetric";
        o.legacy = true;
        const Tensor want = reference(xi, from_scales(c.in, sc), o);
        r = run_node({.op_type = "Upsample", .inputs = {xi, Tensor::from_vector<float>(sc)}, .attributes = {attr_string("mode", mode)},
                      .opset = 9});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], want, 1e-5, 1e-5) << mode;
        r = run_node({.op_type = "Upsample", .inputs = {xi}, .attributes = {attr_string("mode", mode), attr_floats("scales", sc)},
                      .opset = 7});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], want, 1e-5, 1e-5) << mode;
        // Resize-10 also shrinks.
        const Tensor want10 = reference(xi, from_scales(c.in, c.scales), o);
        r = run_node({.op_type = "Resize", .inputs = {xi, Tensor::from_vector<float>(c.scales)},
                      .attributes = {attr_string("mode", mode)}, .opset = 10});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], want10, 1e-5, 1e-5) << mode;
      }
    }
  }
}

TEST(Resize, AxesAndAspectRatio) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  Opts o;
  // sizes on the last two axes only.
  auto r = run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor(), Tensor::from_vector<int64_t>({3, 5})},
                     .attributes = {attr_string("mode", "nearest"), attr_ints("axes", {2, -1})}, .opset = 18});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], reference(x, from_sizes({1, 1, 2, 2}, {1, 1, 3, 5}), o));
  r = run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor::from_vector<float>({2.5f})},
                .attributes = {attr_string("mode", "linear"), attr_ints("axes", {3})}, .opset = 18});
  ASSERT_TRUE(r.ok()) << r.status().message();
  Opts lin;
  lin.mode = "linear";
  EXPECT_TENSOR_NEAR((*r)[0], reference(x, from_scales({1, 1, 2, 2}, {1, 1, 1, 2.5f}), lin));
  // keep_aspect_ratio_policy: one scale for every axis listed.
  for (std::string policy : {"not_larger", "not_smaller"}) {
    r = run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor(), Tensor::from_vector<int64_t>({7, 8})},
                  .attributes = {attr_string("mode", "nearest"), attr_ints("axes", {2, 3}),
                                 attr_string("keep_aspect_ratio_policy", policy)},
                  .opset = 18});
    ASSERT_TRUE(r.ok()) << r.status().message();
    const double s = policy == "not_larger" ? 3.5 : 4.0;
    const int64_t n = static_cast<int64_t>(s * 2 + 0.5);
    Problem p{{1, 1, 2, 2}, {1, 1, n, n}, {1, 1, s, s}, {}};
    EXPECT_TENSOR_NEAR((*r)[0], reference(x, p, o)) << policy;
  }
}

TEST(Resize, IdentityAndThreads) {
  Tensor x = random_tensor(DType::Float, {2, 3, 17, 19}, 9);
  const std::vector<float> ones = {1, 1, 1, 1};
  for (std::string mode : {"nearest", "linear", "cubic"}) {
    Opts o;
    o.mode = mode;
    auto r = run_resize(x, o, &ones, nullptr);
    ASSERT_TRUE(r.ok());
    EXPECT_TENSOR_NEAR((*r)[0], x, 0, 0);
    const std::vector<float> s = {1, 1, 2.5f, 0.75f};
    auto a = run_resize(x, o, &s, nullptr, {}, 13, 1);
    auto b = run_resize(x, o, &s, nullptr, {}, 13, 4);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TENSOR_NEAR((*b)[0], (*a)[0], 0, 0);
  }
}

TEST(Resize, EmptyOutputs) {
  Tensor x = random_tensor(DType::Float, {1, 1, 3, 3}, 2);
  Opts o;
  const std::vector<float> tiny = {1, 1, 0.2f, 1};
  auto r = run_resize(x, o, &tiny, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 1, 0, 3}));
  Tensor e(DType::Float, {0, 2});
  const std::vector<float> two = {2, 2};
  r = run_resize(e, o, &two, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{0, 4}));
}

TEST(Resize, Errors) {
  Tensor x = random_tensor(DType::Float, {1, 1, 3, 3}, 2);
  const std::vector<float> s = {1, 1, 2, 2};
  const Shape sizes = {1, 1, 4, 4};
  Opts o;
  // Both and neither of scales and sizes.
  EXPECT_FALSE(run_resize(x, o, &s, &sizes).ok());
  EXPECT_FALSE(run_resize(x, o, nullptr, nullptr).ok());
  // Wrong lengths, non-positive scales, negative sizes.
  const std::vector<float> short_s = {2, 2};
  EXPECT_FALSE(run_resize(x, o, &short_s, nullptr).ok());
  const std::vector<float> neg = {1, 1, -2, 2};
  EXPECT_FALSE(run_resize(x, o, &neg, nullptr).ok());
  const std::vector<float> zero = {1, 1, 0, 2};
  EXPECT_FALSE(run_resize(x, o, &zero, nullptr).ok());
  const Shape bad_sizes = {1, 1, -4, 4};
  EXPECT_FALSE(run_resize(x, o, nullptr, &bad_sizes).ok());
  // Bad attributes.
  Opts bad = o;
  bad.mode = "bicubic";
  EXPECT_FALSE(run_resize(x, bad, &s, nullptr).ok());
  bad = o;
  bad.coord = "corners";
  EXPECT_FALSE(run_resize(x, bad, &s, nullptr).ok());
  bad = o;
  bad.nearest = "nearest";
  EXPECT_FALSE(run_resize(x, bad, &s, nullptr).ok());
  // tf_crop_and_resize needs a roi of 2 * rank values.
  bad = o;
  bad.coord = "tf_crop_and_resize";
  EXPECT_FALSE(run_resize(x, bad, &s, nullptr).ok());
  EXPECT_FALSE(run_resize(x, bad, &s, nullptr, {0, 1}).ok());
  // antialias is not supported; cubic did not exist at opset 10.
  EXPECT_FALSE(run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor::from_vector<float>(s)},
                         .attributes = {attr_int("antialias", 1)}, .opset = 18}).ok());
  EXPECT_FALSE(run_node({.op_type = "Resize", .inputs = {x, Tensor::from_vector<float>(s)},
                         .attributes = {attr_string("mode", "cubic")}, .opset = 10}).ok());
  // Upsample without scales; axes out of range; scalar input.
  EXPECT_FALSE(run_node({.op_type = "Upsample", .inputs = {x}, .opset = 7}).ok());
  EXPECT_FALSE(run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor::from_vector<float>({2})},
                         .attributes = {attr_ints("axes", {4})}, .opset = 18}).ok());
  EXPECT_FALSE(run_node({.op_type = "Resize", .inputs = {Tensor::scalar<float>(1), Tensor(), Tensor::from_vector<float>({})},
                         .opset = 13}).ok());
  // Sizes must be int64.
  EXPECT_FALSE(run_node({.op_type = "Resize", .inputs = {x, Tensor(), Tensor(), Tensor::from_vector<float>({1, 1, 4, 4})},
                         .opset = 13}).ok());
}

TEST(Resize, InferencePartlyKnown) {
  Node n;
  n.name = "r";
  n.op_type = "Resize";
  n.inputs = {"x", "", "scales"};
  n.outputs = {"y"};
  Tensor scales = Tensor::from_vector<float>({1, 1, 2, 1.5f});
  ops::InferContext ctx(n, 13);
  ctx.inputs = {TypeInfo(DType::Float, {Dim(std::string("n")), Dim(3), Dim(4), Dim()}), TypeInfo{},
                TypeInfo(DType::Float, {Dim(4)})};
  ctx.values = {nullptr, nullptr, &scales};
  ASSERT_TRUE(ops::infer_node(ctx).ok());
  const auto& d = *ctx.outputs[0].shape;
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].symbol, "n");
  EXPECT_EQ(d[1].value, 3);
  EXPECT_EQ(d[2].value, 8);
  EXPECT_FALSE(d[3].known());
  // Unknown scales: rank only.
  ops::InferContext ctx2(n, 13);
  ctx2.inputs = ctx.inputs;
  ctx2.values = {nullptr, nullptr, nullptr};
  ASSERT_TRUE(ops::infer_node(ctx2).ok());
  EXPECT_EQ(ctx2.outputs[0].rank(), 4);
}

#include "quant_ref.h"

#include <string>

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::qref;

namespace {

struct ConvCfg {
  std::vector<int64_t> strides, dilations, pads;  // empty: attribute left out
  std::string auto_pad;                            // empty: left out
  int64_t group = 1;
  bool kernel_shape_attr = false;
};

std::vector<Attribute> attrs(const ConvCfg& c, const Shape& w) {
  std::vector<Attribute> a;
  if (!c.strides.empty()) a.push_back(attr_ints("strides", c.strides));
  if (!c.dilations.empty()) a.push_back(attr_ints("dilations", c.dilations));
  if (!c.pads.empty()) a.push_back(attr_ints("pads", c.pads));
  if (!c.auto_pad.empty()) a.push_back(attr_string("auto_pad", c.auto_pad));
  if (c.group != 1) a.push_back(attr_int("group", c.group));
  if (c.kernel_shape_attr) a.push_back(attr_ints("kernel_shape", Shape(w.begin() + 2, w.end())));
  return a;
}

// Naive N-D grouped convolution of (x - x_zp) by (w - w_zp[m]), int64 sums; padding is the real
// value zero. Returns the output shape in `out_shape`.
std::vector<int64_t> ref_conv(const Tensor& x, int32_t x_zp, const Tensor& w, const std::vector<int32_t>& w_zp,
                              const ConvCfg& c, Shape* out_shape) {
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  const size_t nd = xs.size() - 2;
  std::vector<int64_t> st(nd, 1), dl(nd, 1), pb(nd, 0), pe(nd, 0), os(nd);
  for (size_t d = 0; d < nd; ++d) {
    if (!c.strides.empty()) st[d] = c.strides[d];
    if (!c.dilations.empty()) dl[d] = c.dilations[d];
    if (!c.pads.empty()) {
      pb[d] = c.pads[d];
      pe[d] = c.pads[d + nd];
    }
    const int64_t in = xs[2 + d], ext = (ws[2 + d] - 1) * dl[d] + 1;
    if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
      os[d] = (in + st[d] - 1) / st[d];
      const int64_t total = std::max<int64_t>(0, (os[d] - 1) * st[d] + ext - in);
      pb[d] = c.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    } else {
      if (c.auto_pad == "VALID") pb[d] = pe[d] = 0;
      os[d] = (in + pb[d] + pe[d] - ext) / st[d] + 1;
    }
  }
  const int64_t n = xs[0], cin = xs[1], m = ws[0], cg = ws[1], mg = m / c.group;
  *out_shape = {n, m};
  for (int64_t o : os) out_shape->push_back(o);
  const Shape out_sp(os.begin(), os.end()), k_sp(ws.begin() + 2, ws.end()), in_sp(xs.begin() + 2, xs.end());
  const int64_t osz = shape_numel(out_sp), ksz = shape_numel(k_sp), isz = shape_numel(in_sp);
  std::vector<int64_t> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t p = 0; p < osz; ++p) {
        const auto op = unravel(p, out_sp);
        const int64_t g = oc / mg;
        int64_t sum = 0;
        for (int64_t ic = 0; ic < cg; ++ic)
          for (int64_t q = 0; q < ksz; ++q) {
            const auto kq = unravel(q, k_sp);
            std::vector<int64_t> ip(nd);
            bool inside = true;
            for (size_t d = 0; d < nd; ++d) {
              ip[d] = op[d] * st[d] - pb[d] + kq[d] * dl[d];
              if (ip[d] < 0 || ip[d] >= in_sp[d]) inside = false;
            }
            if (!inside) continue;
            const int64_t xv = x.get_int64((b * cin + g * cg + ic) * isz + ravel(ip, in_sp)) - x_zp;
            const int64_t wv = w.get_int64((oc * cg + ic) * ksz + q) - w_zp[w_zp.size() == 1 ? 0 : oc];
            sum += xv * wv;
          }
        y.push_back(sum);
      }
  return y;
}

Tensor as_int32(const std::vector<int64_t>& v, const Shape& s) {
  return qtensor(DType::Int32, std::vector<int32_t>(v.begin(), v.end()), s);
}

struct Geometry {
  Shape x, w;
  ConvCfg cfg;
};

std::vector<Geometry> geometries() {
  return {
      {{1, 1, 3, 3}, {1, 1, 2, 2}, {}},
      {{1, 1, 3, 3}, {1, 1, 2, 2}, {.pads = {1, 1, 1, 1}}},
      {{2, 3, 7, 5}, {4, 3, 3, 3}, {.pads = {1, 0, 2, 1}}},
      {{1, 3, 9, 11}, {5, 3, 3, 2}, {.strides = {2, 3}}},
      {{1, 2, 13, 7}, {3, 2, 3, 3}, {.strides = {2, 1}, .dilations = {2, 3}, .pads = {2, 1, 1, 3}}},
      {{2, 4, 6, 6}, {6, 2, 3, 3}, {.pads = {1, 1, 1, 1}, .group = 2}},
      {{1, 6, 7, 9}, {6, 1, 3, 3}, {.strides = {2, 2}, .pads = {1, 1, 1, 1}, .group = 6}},  // depthwise
      {{1, 3, 7, 8}, {2, 3, 3, 3}, {.strides = {2, 2}, .auto_pad = "SAME_UPPER"}},
      {{1, 3, 7, 8}, {2, 3, 2, 4}, {.strides = {2, 3}, .auto_pad = "SAME_LOWER"}},
      {{1, 3, 7, 8}, {2, 3, 3, 3}, {.strides = {2, 2}, .auto_pad = "VALID"}},
      {{1, 3, 7, 8}, {2, 3, 3, 3}, {.dilations = {2, 2}, .auto_pad = "SAME_UPPER"}},
      {{2, 3, 13}, {4, 3, 3}, {.strides = {2}, .pads = {1, 2}, .kernel_shape_attr = true}},  // 1-D
      {{1, 2, 5, 4, 6}, {3, 2, 2, 3, 2}, {.strides = {1, 2, 1}, .pads = {1, 0, 1, 0, 1, 1}}},  // 3-D
      {{1, 5, 1, 1}, {7, 5, 1, 1}, {}},
      {{1, 4, 5, 5}, {4, 2, 5, 5}, {.pads = {4, 4, 4, 4}, .group = 2}},  // kernel wider than input
  };
}

}  // namespace

TEST(ConvInteger, OnnxExamples) {
  const Tensor x = qtensor(DType::UInt8, {2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 1, 3, 3});
  const Tensor w = qtensor(DType::UInt8, {1, 1, 1, 1}, {1, 1, 2, 2});
  auto r = run_node({.op_type = "ConvInteger", .inputs = {x, w, qtensor(DType::UInt8, {1}, {})}, .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::Int32, {12, 16, 24, 28}, {1, 1, 2, 2}), 0, 0);
  r = run_node({.op_type = "ConvInteger",
                .inputs = {x, w, qtensor(DType::UInt8, {1}, {})},
                .attributes = {attr_ints("pads", {1, 1, 1, 1})}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0], qtensor(DType::Int32, {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9}, {1, 1, 4, 4}),
                     0, 0);
}

TEST(ConvInteger, Geometries) {
  uint32_t seed = 10;
  for (const Geometry& g : geometries())
    for (DType tx : {DType::UInt8, DType::Int8})
      for (DType tw : {DType::UInt8, DType::Int8}) {
        const Tensor x = random_q(tx, g.x, ++seed), w = random_q(tw, g.w, ++seed);
        const int32_t xz = ints(random_q(tx, {}, ++seed))[0];
        // Per-tensor and per-output-channel weight zero points.
        for (bool per_channel : {false, true}) {
          const Shape zs = per_channel ? Shape{g.w[0]} : Shape{};
          const std::vector<int32_t> wz = ints(random_q(tw, zs, ++seed));
          Shape os;
          const auto ref = ref_conv(x, xz, w, wz, g.cfg, &os);
          auto r = run_node({.op_type = "ConvInteger",
                             .inputs = {x, w, qtensor(tx, {xz}, {}), qtensor(tw, wz, zs)},
                             .attributes = attrs(g.cfg, g.w)});
          ASSERT_TRUE(r.ok()) << r.status().message();
          EXPECT_TENSOR_NEAR((*r)[0], as_int32(ref, os), 0, 0) << shape_str(g.x) << " * " << shape_str(g.w);
        }
        // No zero points at all.
        Shape os;
        const auto ref = ref_conv(x, 0, w, {0}, g.cfg, &os);
        auto r = run_node({.op_type = "ConvInteger", .inputs = {x, w}, .attributes = attrs(g.cfg, g.w)});
        ASSERT_TRUE(r.ok()) << r.status().message();
        EXPECT_TENSOR_NEAR((*r)[0], as_int32(ref, os), 0, 0);
      }
}

TEST(ConvInteger, LargerThreaded) {
  const Tensor x = random_q(DType::UInt8, {2, 16, 23, 29}, 1), w = random_q(DType::Int8, {70, 16, 3, 3}, 2);
  const ConvCfg cfg{.pads = {1, 1, 1, 1}};
  Shape os;
  const auto ref = ref_conv(x, 7, w, {-3}, cfg, &os);
  for (int threads : {1, 2}) {
    auto r = run_node({.op_type = "ConvInteger",
                       .inputs = {x, w, qtensor(DType::UInt8, {7}, {}), qtensor(DType::Int8, {-3}, {})},
                       .attributes = attrs(cfg, w.shape())},
                      threads);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], as_int32(ref, os), 0, 0);
  }
}

TEST(ConvInteger, Errors) {
  const Tensor x = random_q(DType::UInt8, {1, 4, 5, 5}, 1), w = random_q(DType::UInt8, {2, 4, 3, 3}, 2);
  auto conv = [&](const Tensor& xx, const Tensor& ww, std::vector<Attribute> a, std::vector<Tensor> extra = {}) {
    std::vector<Tensor> in = {xx, ww};
    in.insert(in.end(), extra.begin(), extra.end());
    return run_node({.op_type = "ConvInteger", .inputs = in, .attributes = std::move(a)}).ok();
  };
  EXPECT_TRUE(conv(x, w, {}));
  EXPECT_FALSE(conv(x, random_q(DType::UInt8, {2, 3, 3, 3}, 2), {}));          // channel mismatch
  EXPECT_FALSE(conv(x, w, {attr_int("group", 2)}));                             // C != Cg * group
  EXPECT_FALSE(conv(x, random_q(DType::UInt8, {3, 2, 3, 3}, 2), {attr_int("group", 2)}));  // M % group
  EXPECT_FALSE(conv(x, w, {attr_ints("kernel_shape", {2, 2})}));                // disagrees with w
  EXPECT_FALSE(conv(x, w, {attr_ints("strides", {1})}));
  EXPECT_FALSE(conv(x, w, {attr_ints("pads", {1, 1})}));
  EXPECT_FALSE(conv(x, w, {attr_ints("dilations", {0, 1})}));
  EXPECT_FALSE(conv(x, w, {attr_string("auto_pad", "SAME")}));
  EXPECT_FALSE(conv(x, random_q(DType::UInt8, {2, 4, 7, 7}, 2), {}));           // kernel larger than input
  EXPECT_FALSE(conv(random_q(DType::UInt8, {4, 5}, 1), random_q(DType::UInt8, {2, 4}, 1), {}));  // no spatial axes
  EXPECT_FALSE(conv(x, w, {}, {qtensor(DType::UInt8, {1, 2}, {2})}));           // x zero point not scalar
  EXPECT_FALSE(conv(x, w, {}, {qtensor(DType::UInt8, {1}, {}), qtensor(DType::UInt8, {1, 2, 3}, {3})}));
  EXPECT_FALSE(conv(x, w, {}, {qtensor(DType::Int8, {1}, {})}));                // zero point type
}

// ------------------------------------------------------------------------------------------------

namespace {

Tensor ref_qlinear_conv(const std::vector<int64_t>& acc, const Shape& os, float x_scale, const std::vector<float>& w_scale,
                        float y_scale, int32_t y_zp, const std::vector<int32_t>& bias, DType yt) {
  const int64_t m = os[1], per = shape_numel(os) / (os[0] * os[1]);
  std::vector<int32_t> y;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t oc = (static_cast<int64_t>(i) / per) % m;
    const float mult = x_scale * w_scale[w_scale.size() == 1 ? 0 : oc] / y_scale;
    const int64_t v = acc[i] + (bias.empty() ? 0 : bias[oc]);
    y.push_back(quantize(static_cast<float>(v) * mult, y_zp, yt));
  }
  return qtensor(yt, y, os);
}

}  // namespace

TEST(QLinearConv, OnnxExample) {
  const Tensor x = qtensor(DType::UInt8,
                           {255, 174, 162, 25,  203, 168, 58,  15,  59,  237, 95,  129, 0,   64,  56,  242, 153,
                            221, 168, 12,  166, 232, 178, 186, 195, 237, 162, 237, 188, 39,  124, 77,  80,  102,
                            43,  127, 230, 21,  83,  41,  40,  134, 255, 154, 92,  141, 42,  148, 247},
                           {1, 1, 7, 7});
  auto r = run_node({.op_type = "QLinearConv",
                     .inputs = {x, Tensor::scalar<float>(0.00369204697f), Tensor::scalar<uint8_t>(132),
                                qtensor(DType::UInt8, {0}, {1, 1, 1, 1}), Tensor::from_vector<float>({0.00172794575f}),
                                qtensor(DType::UInt8, {255}, {1}), Tensor::scalar<float>(0.00162681262f),
                                Tensor::scalar<uint8_t>(123)},
                     .opset = 10});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[0],
                     qtensor(DType::UInt8,
                             {0,   81,  93,  230, 52,  87,  197, 240, 196, 18,  160, 126, 255, 191, 199, 13,  102,
                              34,  87,  243, 89,  23,  77,  69,  60,  18,  93,  18,  67,  216, 131, 178, 175, 153,
                              212, 128, 25,  234, 172, 214, 215, 121, 0,   101, 163, 114, 213, 107, 8},
                             {1, 1, 7, 7}),
                     0, 0);
}

TEST(QLinearConv, Geometries) {
  uint32_t seed = 500;
  for (const Geometry& g : geometries())
    for (DType tx : {DType::UInt8, DType::Int8})
      for (DType tw : {DType::UInt8, DType::Int8})
        for (DType ty : {DType::UInt8, DType::Int8}) {
          const Tensor x = random_q(tx, g.x, ++seed), w = random_q(tw, g.w, ++seed);
          const int64_t m = g.w[0];
          const bool per_channel = (seed % 2) == 0;
          const Shape ps = per_channel ? Shape{m} : Shape{};
          const int32_t xz = ints(random_q(tx, {}, ++seed))[0];
          const std::vector<int32_t> wz = ints(random_q(tw, ps, ++seed));
          std::vector<float> ws;
          for (int64_t c = 0; c < (per_channel ? m : 1); ++c) ws.push_back(0.002f * static_cast<float>(c + 1));
          const std::vector<int32_t> bias = ints(random_tensor(DType::Int32, {m}, ++seed, -5000, 5000));
          const int32_t yz = ty == DType::UInt8 ? 128 : 0;
          // A small y_scale makes many outputs saturate.
          for (float y_scale : {0.01f, 0.3f}) {
            Shape os;
            const auto acc = ref_conv(x, xz, w, wz, g.cfg, &os);
            auto r = run_node({.op_type = "QLinearConv",
                               .inputs = {x, Tensor::scalar<float>(0.05f), qtensor(tx, {xz}, {}), w,
                                          Tensor::from_vector(ws, ps), qtensor(tw, wz, ps), Tensor::scalar<float>(y_scale),
                                          qtensor(ty, {yz}, {}), qtensor(DType::Int32, bias, {m})},
                               .attributes = attrs(g.cfg, g.w)});
            ASSERT_TRUE(r.ok()) << r.status().message();
            EXPECT_TENSOR_NEAR((*r)[0], ref_qlinear_conv(acc, os, 0.05f, ws, y_scale, yz, bias, ty), 0, 0)
                << shape_str(g.x) << " * " << shape_str(g.w);
            // Without bias.
            r = run_node({.op_type = "QLinearConv",
                          .inputs = {x, Tensor::scalar<float>(0.05f), qtensor(tx, {xz}, {}), w,
                                     Tensor::from_vector(ws, ps), qtensor(tw, wz, ps), Tensor::scalar<float>(y_scale),
                                     qtensor(ty, {yz}, {})},
                          .attributes = attrs(g.cfg, g.w)});
            ASSERT_TRUE(r.ok()) << r.status().message();
            EXPECT_TENSOR_NEAR((*r)[0], ref_qlinear_conv(acc, os, 0.05f, ws, y_scale, yz, {}, ty), 0, 0);
          }
        }
}

TEST(QLinearConv, Errors) {
  const Tensor x = random_q(DType::UInt8, {1, 2, 5, 5}, 1), w = random_q(DType::Int8, {3, 2, 3, 3}, 2);
  const Tensor s = Tensor::scalar<float>(0.1f), xz = Tensor::scalar<uint8_t>(3), wz = Tensor::scalar<int8_t>(0);
  auto conv = [&](std::vector<Tensor> in) { return run_node({.op_type = "QLinearConv", .inputs = std::move(in)}).ok(); };
  EXPECT_TRUE(conv({x, s, xz, w, s, wz, s, xz}));
  EXPECT_FALSE(conv({x, s, xz, w, Tensor::from_vector<float>({1, 2}), wz, s, xz}));          // w_scale length
  EXPECT_FALSE(conv({x, s, xz, w, s, qtensor(DType::Int8, {0, 0}, {2}), s, xz}));            // w_zero_point length
  EXPECT_FALSE(conv({x, Tensor::from_vector<float>({1, 2}), xz, w, s, wz, s, xz}));          // x_scale not scalar
  EXPECT_FALSE(conv({x, s, xz, w, s, wz, Tensor::from_vector<float>({1, 2, 3}), xz}));       // y_scale not scalar
  EXPECT_FALSE(conv({x, s, xz, w, s, wz, s, xz, qtensor(DType::Int32, {1, 2}, {2})}));       // bias length
  EXPECT_FALSE(conv({x, s, xz, w, s, wz, s, xz, Tensor(DType::Float, {3})}));                // bias type
  EXPECT_FALSE(conv({x, s, xz, w, s, wz, s, xz, qtensor(DType::Int32, {1}, {1})}));          // one bias for 3 channels
  EXPECT_FALSE(conv({x, s, Tensor::scalar<int8_t>(0), w, s, wz, s, xz}));                    // x zero point type
  EXPECT_FALSE(conv({x, s, xz, w, s, wz, s, Tensor::scalar<int32_t>(0)}));                   // y zero point type
}

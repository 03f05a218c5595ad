// The int8 depthwise convolution (kernels/qdepthwise.h): both kernel tables against a naive
// reference over odd shapes, whole QConv nodes against oneDNN (SZ0_QDW=0), and mobilenet-s
// INT8 static with and without it.
#include <sz0/quantize.h>
#include <sz0/session.h>
#include <sz0/zoo.h>

#include "kernels/qdepthwise.h"
#include "ops/internal.h"
#include "unit/pass_test.h"

#include <cmath>
#include <cstdlib>
#include <random>

using namespace sz0;
using namespace sz0::test;
using kernels::QdwAct;
using kernels::QdwOut;

namespace {

struct DwCase {
  int64_t n = 1, c = 8, h = 5, w = 5;
  int k = 3, s = 1;
  int pt = 1, pl = 1, pb = 1, pr = 1;
  bool x_signed = false, x_nchw = false, y_nchw = false;
  int32_t x_zp = 0;
  bool per_channel = true, bias = true;
  int wmax = 63;
  kernels::QdwEpilogue e;
  int64_t oh() const { return (h + pt + pb - k) / s + 1; }
  int64_t ow() const { return (w + pl + pr - k) / s + 1; }
};

std::string describe(const DwCase& c) {
  return fmt::format("n{} c{} {}x{} k{} s{} pads {},{},{},{} {} zp {} {}{} w±{} act {} out {} zp {}{}", c.n, c.c, c.h,
                     c.w, c.k, c.s, c.pt, c.pl, c.pb, c.pr, c.x_signed ? "s8" : "u8", c.x_zp,
                     c.per_channel ? "per-channel" : "per-tensor", c.bias ? " bias" : "", c.wmax,
                     static_cast<int>(c.e.act), static_cast<int>(c.e.out), c.e.zp, c.x_nchw ? " x-nchw" : "");
}

struct DwData {
  std::vector<uint8_t> x;  // bytes of uint8 or int8 values
  std::vector<int8_t> w;   // [c, k·k]
  std::vector<float> scale, bias;
};

DwData make_data(const DwCase& c, uint32_t seed) {
  std::mt19937 rng(seed);
  DwData d;
  d.x.resize(static_cast<size_t>(c.n * c.c * c.h * c.w));
  for (uint8_t& v : d.x) v = static_cast<uint8_t>(rng());
  d.w.resize(static_cast<size_t>(c.c * c.k * c.k));
  for (int8_t& v : d.w) v = static_cast<int8_t>(static_cast<int>(rng() % (2 * c.wmax + 1)) - c.wmax);
  // Outputs spread past the 8-bit range (saturation is tested too): a sum's deviation is about
  // k · 74 · wmax / 1.7.
  const double spread = c.k * 74.0 * c.wmax / 1.7;
  const double target = c.e.act == QdwAct::HardSwish || c.e.act == QdwAct::HardSigmoid ? 6.0 : 150.0;
  std::uniform_real_distribution<double> u(0.5, 1.5);
  for (int64_t m = 0; m < (c.per_channel ? c.c : 1); ++m)
    d.scale.push_back(static_cast<float>(target / spread * u(rng)));
  std::uniform_real_distribution<double> b(-2.0 * spread, 2.0 * spread);
  if (c.bias)
    for (int64_t m = 0; m < c.c; ++m) d.bias.push_back(static_cast<float>(b(rng)));
  return d;
}

// Plain loops: int32 sums (padding taps skipped, i.e. X = x_zp there), then the epilogue in the
// kernel's order of float operations (qdepthwise.h). Rounding is std::nearbyint, half to even
// under the default mode, which is what vcvtps2dq does in the AVX2 kernel: both give identical
// integers. The comparisons return their second operand for NaN, as maxps / minps do.
std::vector<float> reference(const DwCase& c, const DwData& d) {
  auto mx = [](float a, float b) { return a > b ? a : b; };
  auto mn = [](float a, float b) { return a < b ? a : b; };
  const kernels::QdwEpilogue& e = c.e;
  const int64_t oh = c.oh(), ow = c.ow();
  std::vector<float> y(static_cast<size_t>(c.n * c.c * oh * ow));
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t m = 0; m < c.c; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int32_t acc = 0;
          for (int i = 0; i < c.k; ++i)
            for (int j = 0; j < c.k; ++j) {
              const int64_t ih = oy * c.s - c.pt + i, iw = ox * c.s - c.pl + j;
              if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
              const size_t xi = static_cast<size_t>(c.x_nchw ? ((n * c.c + m) * c.h + ih) * c.w + iw
                                                             : ((n * c.h + ih) * c.w + iw) * c.c + m);
              const int32_t xv = c.x_signed ? static_cast<int8_t>(d.x[xi]) : d.x[xi];
              acc += (xv - c.x_zp) * d.w[static_cast<size_t>((m * c.k + i) * c.k + j)];
            }
          float v = (static_cast<float>(acc) + (c.bias ? d.bias[m] : 0.f)) * d.scale[c.per_channel ? m : 0];
          switch (e.act) {
            case QdwAct::None: break;
            case QdwAct::Relu: v = mx(v, 0.f); break;
            case QdwAct::LeakyRelu: v = v > 0.f ? v : v * e.a; break;
            case QdwAct::Clip: v = mn(mx(v, e.a), e.b); break;
            case QdwAct::HardSwish: v = v * mn(mx(v + 3.f, 0.f), 6.f) * (e.post / 6.f); break;
            case QdwAct::HardSigmoid: v = mn(mx(v * e.a + e.b, 0.f), 1.f); break;
          }
          if (e.act != QdwAct::HardSwish) v *= e.post;
          if (e.out != QdwOut::Float) {
            const float lo = e.out == QdwOut::UInt8 ? 0.f : -128.f, hi = e.out == QdwOut::UInt8 ? 255.f : 127.f;
            v += static_cast<float>(e.zp);
            v = std::nearbyint(v >= lo ? (v > hi ? hi : v) : lo);
          }
          const size_t yi = static_cast<size_t>(c.y_nchw ? ((n * c.c + m) * oh + oy) * ow + ox
                                                         : ((n * oh + oy) * ow + ox) * c.c + m);
          y[yi] = v;
        }
  return y;
}

std::vector<float> run_kernel(const DwCase& c, const DwData& d, const kernels::QdwKernels& k, int threads) {
  kernels::QdwPacked p;
  kernels::qdw_pack(c.c, c.k, c.k, d.w.data(), d.scale.data(), static_cast<int64_t>(d.scale.size()),
                    c.bias ? d.bias.data() : nullptr, p);
  kernels::QdwShape s{.n = c.n, .h = c.h, .w = c.w, .oh = c.oh(), .ow = c.ow(), .sh = c.s, .sw = c.s, .pt = c.pt,
                      .pl = c.pl};
  const size_t count = static_cast<size_t>(c.n * c.c * c.oh() * c.ow());
  std::vector<float> out(count);
  if (c.e.out == QdwOut::Float) {
    kernels::qdw_run(p, s, c.e, d.x.data(), c.x_signed, c.x_nchw, c.x_zp, out.data(), c.y_nchw, threads, &k);
    return out;
  }
  std::vector<uint8_t> y(count);
  kernels::qdw_run(p, s, c.e, d.x.data(), c.x_signed, c.x_nchw, c.x_zp, y.data(), c.y_nchw, threads, &k);
  for (size_t i = 0; i < count; ++i)
    out[i] = c.e.out == QdwOut::Int8 ? static_cast<float>(static_cast<int8_t>(y[i])) : static_cast<float>(y[i]);
  return out;
}

// Float outputs agree to rounding (the same operations, possibly contracted differently);
// integer outputs exactly.
void expect_matches(const DwCase& c, const std::vector<float>& got, const std::vector<float>& want,
                    const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool ok = c.e.out == QdwOut::Float ? std::fabs(got[i] - want[i]) <= 1e-5f * (1.f + std::fabs(want[i]))
                                             : got[i] == want[i];
    if (!ok && bad++ < 3)
      ADD_FAILURE() << what << " " << describe(c) << ": at " << i << " " << got[i] << " vs " << want[i];
  }
}

std::vector<const kernels::QdwKernels*> tables() {
  std::vector<const kernels::QdwKernels*> t = {&kernels::qdw_kernels_portable()};
  if (const kernels::QdwKernels* a = kernels::qdw_kernels_avx2()) t.push_back(a);
  return t;
}

// Parameters cycle with the case number at coprime periods, so every option meets many shapes.
DwCase sweep_case(int i, int64_t c, int64_t h, int64_t w, int k, int s) {
  static const int kPads[6][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 1}, {2, 0, 1, 2}, {1, 2, 0, 0}};
  static const QdwAct kActs[] = {QdwAct::None, QdwAct::Relu, QdwAct::Clip, QdwAct::LeakyRelu, QdwAct::HardSwish,
                                 QdwAct::HardSigmoid};
  DwCase d;
  d.n = i % 7 == 3 ? 2 : 1;
  d.c = c;
  d.h = h;
  d.w = w;
  d.k = k;
  d.s = s;
  const int* pads = kPads[i % 6];
  d.pt = pads[0];
  d.pl = pads[1];
  d.pb = pads[2];
  d.pr = pads[3];
  d.x_signed = i % 2 == 1;
  d.x_zp = d.x_signed ? (i * 37) % 200 - 100 : 1 + (i * 53) % 254;
  d.per_channel = i % 5 != 2;
  d.bias = i % 4 != 1;
  d.wmax = i % 3 == 0 ? 127 : i % 3 == 1 ? 64 : 63;
  d.x_nchw = i % 11 == 4;
  d.y_nchw = i % 3 == 2;
  d.e.act = kActs[(i / 3) % 6];
  d.e.out = i % 3 == 0 ? QdwOut::UInt8 : i % 3 == 1 ? QdwOut::Int8 : QdwOut::Float;
  d.e.zp = d.e.out == QdwOut::UInt8 ? 20 + (i * 29) % 200 : d.e.out == QdwOut::Int8 ? (i * 13) % 100 - 50 : 0;
  if (d.e.act == QdwAct::Clip) {
    d.e.a = -40.f;
    d.e.b = 90.f;
  } else if (d.e.act == QdwAct::LeakyRelu) {
    d.e.a = 0.1f;
  } else if (d.e.act == QdwAct::HardSigmoid) {
    d.e.a = 0.2f;
    d.e.b = 0.5f;
  }
  // Activations on real values are divided by the output scale after them.
  if (d.e.act == QdwAct::HardSwish) d.e.post = 25.f;
  if (d.e.act == QdwAct::HardSigmoid) d.e.post = 180.f;
  return d;
}

TEST(QDepthwise, KernelsMatchReferenceOverOddShapes) {
  int i = 0, run = 0;
  for (int64_t c : {1, 7, 8, 16, 24, 33, 96, 576})
    for (int64_t h : {1, 5, 12, 40})
      for (int k : {3, 5})
        for (int s : {1, 2}) {
          const int64_t w = std::vector<int64_t>{5, 1, 40, 12}[static_cast<size_t>(i % 4)];
          const DwCase dc = sweep_case(i++, c, h, w, k, s);
          if (dc.oh() <= 0 || dc.ow() <= 0) continue;
          const DwData d = make_data(dc, static_cast<uint32_t>(100 + i));
          const std::vector<float> want = reference(dc, d);
          for (const kernels::QdwKernels* t : tables()) {
            expect_matches(dc, run_kernel(dc, d, *t, 1), want, t->name);
            if (i % 3 == 0) expect_matches(dc, run_kernel(dc, d, *t, 2), want, std::string(t->name) + " 2 threads");
          }
          ++run;
        }
  EXPECT_GT(run, 100);
}

// Every option on one shape with a channel tail, each input and output type and activation.
TEST(QDepthwise, KernelsMatchReferenceOverEveryEpilogue) {
  for (int i = 0; i < 72; ++i) {
    DwCase dc = sweep_case(i, 40, 7, 9, i % 2 ? 5 : 3, 1 + i % 2);
    dc.wmax = i % 4 == 0 ? 127 : 64;
    const DwData d = make_data(dc, static_cast<uint32_t>(7 + i));
    const std::vector<float> want = reference(dc, d);
    for (const kernels::QdwKernels* t : tables()) expect_matches(dc, run_kernel(dc, d, *t, 1), want, t->name);
  }
}

// ---------------------------------------------------------------------------------------------
// Whole QConv nodes: the depthwise kernel against oneDNN's int8 convolution.

struct NodeCase {
  int64_t c = 24, h = 9, w = 11;
  int k = 3, s = 1;
  std::vector<int64_t> pads = {1, 1, 1, 1};
  std::string auto_pad;  // instead of pads when set
  DType xt = DType::UInt8, yt = DType::UInt8;
  int x_zp = 3, y_zp = 0;
  bool per_channel = true, bias = true, src_last = false, dst_last = false;
  std::string act;
  std::vector<float> act_params;
};

Model qconv_model(const NodeCase& c, uint32_t seed) {
  Model m;
  m.opsets = {{"", 17}, {std::string(ops::kInternalDomain), 1}};
  const Shape xs = c.src_last ? Shape{1, c.h, c.w, c.c} : Shape{1, c.c, c.h, c.w};
  m.graph.inputs.push_back({"x", TypeInfo(c.xt, std::vector<Dim>(xs.begin(), xs.end())), ""});
  m.graph.initializers["w"] = random_tensor(DType::Int8, {c.c, 1, c.k, c.k}, seed, -63, 63);
  std::vector<std::string> ins = {"x", "w"};
  const float x_scale = 0.02f;
  std::vector<float> ws = c.per_channel ? std::vector<float>{} : std::vector<float>{0.004f};
  for (int64_t i = 0; c.per_channel && i < c.c; ++i) ws.push_back(0.002f + 0.0001f * static_cast<float>(i % 17));
  if (c.bias) {
    m.graph.initializers["b"] = random_tensor(DType::Float, {c.c}, seed + 1, -1.0, 1.0);
    ins.push_back("b");
  }
  Node q = passes::make_node("QConv", ins, {"y"});
  q.domain = std::string(ops::kInternalDomain);
  q.name = "dw";
  q.attributes = {attr_int("group", c.c), attr_ints("kernel_shape", {c.k, c.k}), attr_ints("strides", {c.s, c.s}),
                  c.auto_pad.empty() ? attr_ints("pads", c.pads) : attr_string("auto_pad", c.auto_pad),
                  attr_float("x_scale", x_scale), attr_int("x_zero_point", c.x_zp), attr_floats("w_scales", ws)};
  if (!c.act.empty()) {
    q.attributes.push_back(attr_string("activation", c.act));
    if (!c.act_params.empty()) q.attributes.push_back(attr_floats("activation_params", c.act_params));
  }
  if (c.yt != DType::Float) {
    q.attributes.push_back(attr_string("output", c.yt == DType::UInt8 ? "uint8" : "int8"));
    q.attributes.push_back(attr_float("y_scale", c.act == "HardSwish" ? 0.01f : 0.03f));
    q.attributes.push_back(attr_int("y_zero_point", c.y_zp));
  }
  if (c.src_last) q.attributes.push_back(attr_int("src_channels_last", 1));
  if (c.dst_last) q.attributes.push_back(attr_int("dst_channels_last", 1));
  m.graph.nodes.push_back(std::move(q));
  m.graph.outputs.push_back({"y", TypeInfo{}, ""});
  return m;
}

// Runs `m` on `feeds` with the depthwise kernel on (qdw) or off.
Tensor run_with(const Model& m, const std::map<std::string, Tensor>& feeds, bool qdw, int threads = 1) {
  if (qdw) ::unsetenv("SZ0_QDW");
  else ::setenv("SZ0_QDW", "0", 1);
  SessionOptions o;
  o.threads = threads;
  auto s = Session::create(m, o);
  ::unsetenv("SZ0_QDW");
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  auto r = (*s)->run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? (*r)[0] : Tensor();
}

TEST(QDepthwise, QConvNodesMatchOneDnnWithinOneStep) {
  std::vector<NodeCase> cases;
  const char* acts[] = {"", "Relu", "Clip", "HardSwish", "LeakyRelu", "HardSigmoid"};
  for (int i = 0; i < 24; ++i) {
    NodeCase c;
    c.c = std::vector<int64_t>{24, 7, 72, 16, 33, 96}[static_cast<size_t>(i % 6)];
    c.h = 5 + i % 9;
    c.w = 4 + (i * 5) % 13;
    c.k = i % 2 ? 5 : 3;
    c.s = 1 + (i / 2) % 2;
    c.pads = i % 4 == 3 ? std::vector<int64_t>{0, 1, 2, 1} : std::vector<int64_t>{c.k / 2, c.k / 2, c.k / 2, c.k / 2};
    if (i % 8 == 5) c.auto_pad = i % 16 == 5 ? "SAME_UPPER" : "SAME_LOWER";
    c.xt = i % 3 == 1 ? DType::Int8 : DType::UInt8;
    c.x_zp = c.xt == DType::Int8 ? -5 + i : 100 + i;
    c.yt = i % 4 == 2 ? DType::Float : i % 5 == 1 ? DType::Int8 : DType::UInt8;
    c.y_zp = c.yt == DType::UInt8 ? 17 * (i % 5) : c.yt == DType::Int8 ? -9 : 0;
    c.per_channel = i % 7 != 3;
    c.bias = i % 3 != 2;
    c.src_last = i % 2 == 0;
    c.dst_last = i % 3 == 0;
    c.act = acts[i % 6];
    if (c.act == "Clip") c.act_params = {-0.5f, 1.5f};
    if (c.act == "LeakyRelu") c.act_params = {0.1f};
    cases.push_back(c);
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const NodeCase& c = cases[i];
    const Model m = qconv_model(c, static_cast<uint32_t>(40 + i));
    const Shape xs = c.src_last ? Shape{1, c.h, c.w, c.c} : Shape{1, c.c, c.h, c.w};
    std::map<std::string, Tensor> feeds = {
        {"x", random_tensor(c.xt, xs, static_cast<uint32_t>(70 + i), c.xt == DType::UInt8 ? 0 : -128,
                            c.xt == DType::UInt8 ? 255 : 127)}};
    const Tensor want = run_with(m, feeds, false), got = run_with(m, feeds, true);
    const double tol = c.yt == DType::Float ? 1e-4 : 1.0;
    EXPECT_TRUE(tensors_close(got, want, tol, c.yt == DType::Float ? 1e-5 : 0.0)) << "case " << i << " act " << c.act;
    EXPECT_TRUE(tensors_close(run_with(m, feeds, true, 2), got, 0.0, 0.0)) << "case " << i << " on 2 threads";
  }
}

// DequantizeLinear → depthwise Conv → activation → QuantizeLinear with 8-bit weights that
// oneDNN here would saturate: the session still fuses it (the depthwise kernel is exact for any
// int8 weights) and matches the graph run op by op, for each activation.
TEST(QDepthwise, FullRangeWeightsFuseAndMatchTheGraph) {
  auto scalar = [](DType t, double v) {
    Tensor s(DType::Double, Shape{});
    s.data<double>()[0] = v;
    return s.cast(t);
  };
  for (const char* act : {"", "Relu", "LeakyRelu", "HardSwish", "HardSigmoid", "Clip"}) {
    Model m;
    m.opsets = {{"", 17}};
    m.graph.inputs.push_back({"xq", TypeInfo(DType::UInt8, {Dim(1), Dim(12), Dim(9), Dim(9)}), ""});
    m.graph.initializers["xs"] = scalar(DType::Float, 0.02);
    m.graph.initializers["xz"] = scalar(DType::UInt8, 120);
    m.graph.initializers["wq"] = random_tensor(DType::Int8, {12, 1, 3, 3}, 5, -127, 127);
    m.graph.initializers["ws"] = random_tensor(DType::Float, {12}, 6, 0.002, 0.004);
    m.graph.initializers["ys"] = scalar(DType::Float, std::string(act) == "HardSigmoid" ? 0.005 : 0.05);
    m.graph.initializers["yz"] = scalar(DType::UInt8, std::string(act).empty() ? 128 : 20);
    m.graph.initializers["lo"] = scalar(DType::Float, -0.5);
    m.graph.initializers["hi"] = scalar(DType::Float, 2.0);
    m.graph.nodes = {op("DequantizeLinear", {"xq", "xs", "xz"}, {"x"}),
                     op("DequantizeLinear", {"wq", "ws"}, {"w"}, {attr_int("axis", 0)}),
                     op("Conv", {"x", "w"}, {"y"}, {attr_int("group", 12), attr_ints("pads", {1, 2, 1, 0})})};
    std::string y = "y";
    if (std::string(act) == "Clip") m.graph.nodes.push_back(op("Clip", {"y", "lo", "hi"}, {"a"}));
    else if (*act) m.graph.nodes.push_back(op(act, {"y"}, {"a"}));
    if (*act) y = "a";
    m.graph.nodes.push_back(op("QuantizeLinear", {y, "ys", "yz"}, {"q"}));
    m.graph.outputs.push_back({"q", TypeInfo{}, ""});
    std::map<std::string, Tensor> feeds = {{"xq", random_tensor(DType::UInt8, {1, 12, 9, 9}, 8, 0, 255)}};
    auto ops = expect_optimized_matches(m, feeds, 1, 1.0, 0.0);
    EXPECT_EQ(ops["QConv"], 1) << act;
  }
}

// ---------------------------------------------------------------------------------------------

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.get_double(i), y = b.get_double(i);
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

TEST(QDepthwise, MobilenetInt8StaticMatchesOneDnn) {
  const zoo::ZooModel& entry = *zoo::find_model("mobilenet-s");
  auto model = zoo::build_model("mobilenet-s", {.seed = 7});
  ASSERT_TRUE(model.ok());
  auto feed = [&](uint32_t seed) {
    const zoo::InputSpec& in = entry.inputs[0];
    Shape shape{1};
    shape.insert(shape.end(), in.dims.begin(), in.dims.end());
    return std::map<std::string, Tensor>{{in.name, random_tensor(in.dtype, shape, seed)}};
  };
  QuantizeOptions qo{.type = QuantizationType::Int8Static};
  qo.samples = {feed(1), feed(2)};
  auto r = ModelQuantizer(qo).quantize(*model);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // The session fuses all eleven depthwise layers into QConv nodes.
  auto session = Session::create(*model, SessionOptions{.threads = 1});
  ASSERT_TRUE(session.ok());
  int depthwise = 0;
  for (const Node& n : (*session)->model().graph.nodes) depthwise += n.op_type == "QConv" && n.attr_int("group", 1) > 1;
  EXPECT_EQ(depthwise, 11);
  for (uint32_t seed : {11u, 12u}) {
    const Tensor want = run_with(*model, feed(seed), false), got = run_with(*model, feed(seed), true);
    ASSERT_EQ(got.numel(), want.numel());
    const double cos = cosine(got, want);
    EXPECT_GE(cos, 0.9999) << "seed " << seed;
    RecordProperty("cosine_seed_" + std::to_string(seed), fmt::format("{:.9f}", cos));
  }
}

}  // namespace

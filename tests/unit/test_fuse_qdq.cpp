// Quantized pattern fusion (runtime/fuse_qdq.cpp): DequantizeLinear → Conv / MatMul / Gemm →
// [activation] → [QuantizeLinear] and the dynamic MatMulInteger pattern become oneDNN int8
// kernels, and the outputs match the graph run op by op (SessionOptions::optimize = false):
// 8-bit outputs within 1 (the rounding of values that land next to .5), float outputs within a
// small fraction of the output's scale.
#include "unit/pass_test.h"

#include <cmath>

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor scalar(DType t, double v) {
  Tensor s(DType::Double, Shape{});
  s.data<double>()[0] = v;
  return s.cast(t);
}

// A model built node by node; inputs carry their own types.
struct QModel {
  Model m;
  std::map<std::string, Tensor> feeds;
  uint32_t seed = 11;

  QModel() { m.opsets = {{"", 17}}; }

  void input(const std::string& name, DType t, const Shape& s) {
    m.graph.inputs.push_back({name, TypeInfo(t, std::vector<Dim>(s.begin(), s.end())), ""});
    feeds[name] = t == DType::Float ? random_tensor(t, s, seed++, -3.0, 3.0)
                                    : random_tensor(t, s, seed++, t == DType::UInt8 ? 0 : -128, t == DType::UInt8 ? 255 : 127);
  }
  void init(const std::string& name, Tensor t) { m.graph.initializers[name] = std::move(t); }
  void add(Node n) { m.graph.nodes.push_back(std::move(n)); }
  void output(const std::string& name) { m.graph.outputs.push_back({name, TypeInfo{}, ""}); }

  // DequantizeLinear of input `q` (per tensor): float value `name`.
  void dq_input(const std::string& q, const std::string& name, DType t, float scale, int zp) {
    init(name + "_s", scalar(DType::Float, scale));
    init(name + "_z", scalar(t, zp));
    add(op("DequantizeLinear", {q, name + "_s", name + "_z"}, {name}));
  }
  // Int8 weights of `shape` dequantized along `axis` (per channel when `per_channel`); returns
  // the scales.
  std::vector<float> dq_weight(const std::string& name, const Shape& shape, int64_t axis, bool per_channel) {
    init(name + "_q", random_tensor(DType::Int8, shape, seed++, -64, 64));
    const int64_t c = per_channel ? shape[static_cast<size_t>(axis)] : 1;
    Tensor s = random_tensor(DType::Float, per_channel ? Shape{c} : Shape{}, seed++, 0.002, 0.01);
    std::vector<float> v(s.data<float>(), s.data<float>() + c);
    init(name + "_s", s);
    add(op("DequantizeLinear", {name + "_q", name + "_s"}, {name}, {attr_int("axis", axis)}));
    return v;
  }
  // Int32 bias of c values dequantized with scale x_scale · w_scale.
  void dq_bias(const std::string& name, int64_t c, float x_scale, const std::vector<float>& ws) {
    init(name + "_q", random_tensor(DType::Int32, {c}, seed++, -3000, 3000));
    Tensor s(DType::Float, ws.size() == 1 ? Shape{} : Shape{c});
    for (size_t i = 0; i < ws.size(); ++i) s.data<float>()[i] = x_scale * ws[i];
    init(name + "_s", s);
    add(op("DequantizeLinear", {name + "_q", name + "_s"}, {name}, {attr_int("axis", 0)}));
  }
  void quantize(const std::string& y, const std::string& out, DType t, float scale, int zp) {
    init(out + "_s", scalar(DType::Float, scale));
    init(out + "_z", scalar(t, zp));
    add(op("QuantizeLinear", {y, out + "_s", out + "_z"}, {out}));
  }
};

struct ConvCase {
  Shape x;                   // [N, C, spatial...]
  int64_t m = 8, kernel = 3, group = 1;
  std::vector<int64_t> strides, pads, dilations;
  DType xt = DType::UInt8;
  int x_zp = 0;
  bool per_channel = true;
  int bias = 0;              // 0 none, 1 int32 DequantizeLinear, 2 float constant
  std::string act;           // "", Relu, Clip, HardSigmoid, HardSwishWritten (x · HardSigmoid(x))
  DType yt = DType::Float;   // Float: no QuantizeLinear
  int y_zp = 0;
  int64_t opset = 17;
};

std::map<std::string, int> run_conv_case(const ConvCase& c) {
  QModel q;
  q.m.opsets = {{"", c.opset}};
  const int nd = static_cast<int>(c.x.size()) - 2;
  q.input("xq", c.xt, c.x);
  const float xs = 0.02f;
  q.dq_input("xq", "x", c.xt, xs, c.x_zp);
  Shape ws = {c.m, c.x[1] / c.group};
  for (int d = 0; d < nd; ++d) ws.push_back(c.kernel);
  const std::vector<float> wsc = q.dq_weight("w", ws, 0, c.per_channel);
  std::vector<std::string> ins = {"x", "w"};
  if (c.bias == 1) q.dq_bias("b", c.m, xs, wsc);
  if (c.bias == 2) q.init("b", random_tensor(DType::Float, {c.m}, 5, -1.0, 1.0));
  if (c.bias) ins.push_back("b");
  std::vector<Attribute> attrs = {attr_int("group", c.group)};
  if (!c.strides.empty()) attrs.push_back(attr_ints("strides", c.strides));
  if (!c.pads.empty()) attrs.push_back(attr_ints("pads", c.pads));
  if (!c.dilations.empty()) attrs.push_back(attr_ints("dilations", c.dilations));
  q.add(op("Conv", ins, {"y"}, attrs));
  std::string y = "y";
  if (c.act == "Relu") q.add(op("Relu", {"y"}, {"ya"}));
  if (c.act == "Clip") {
    q.init("lo", scalar(DType::Float, -0.5));
    q.init("hi", scalar(DType::Float, 2.0));
    q.add(op("Clip", {"y", "lo", "hi"}, {"ya"}));
  }
  if (c.act == "HardSigmoid") q.add(op("HardSigmoid", {"y"}, {"ya"}, {attr_float("alpha", 0.2f), attr_float("beta", 0.5f)}));
  if (c.act == "HardSwishWritten") {  // as exporters write hard swish below opset 14
    q.add(op("HardSigmoid", {"y"}, {"yh"}, {attr_float("alpha", 1.0f / 6.0f), attr_float("beta", 0.5f)}));
    q.add(op("Mul", {"y", "yh"}, {"ya"}));
  }
  if (!c.act.empty()) y = "ya";
  // Output spread over the 8-bit range: the sum's deviation is about sqrt(k) · 74 · 73 · scales.
  const double k = static_cast<double>(ws[1]) * std::pow(static_cast<double>(c.kernel), nd);
  const float ys = static_cast<float>(xs * 0.006 * 5400 * std::sqrt(k) / 40);
  if (c.yt != DType::Float) {
    q.quantize(y, "out", c.yt, ys, c.y_zp);
    y = "out";
  }
  q.output(y);
  return expect_optimized_matches(q.m, q.feeds, 1, c.yt == DType::Float ? ys * 0.01 : 1.0, 1e-4);
}

TEST(FuseQdq, Conv2dPerChannelBiasReluToUint8) {
  auto ops = run_conv_case({.x = {2, 5, 7, 9}, .m = 17, .pads = {1, 1, 1, 1}, .x_zp = 131, .bias = 1, .act = "Relu",
                            .yt = DType::UInt8, .y_zp = 3});
  EXPECT_EQ(ops["QConv"], 1);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
  EXPECT_EQ(ops["QuantizeLinear"], 0);
  EXPECT_EQ(ops["Relu"], 0);
}

TEST(FuseQdq, Conv2dInt8StridedDilatedClipToInt8) {
  auto ops = run_conv_case({.x = {1, 3, 15, 13}, .m = 5, .strides = {2, 2}, .pads = {2, 1, 0, 2}, .dilations = {2, 2},
                            .xt = DType::Int8, .x_zp = -7, .per_channel = false, .bias = 2, .act = "Clip",
                            .yt = DType::Int8, .y_zp = -5});
  EXPECT_EQ(ops["QConv"], 1);
  EXPECT_EQ(ops["Clip"], 0);
}

// HardSigmoid before an 8-bit output: oneDNN 2.6's int8 kernels computed the post-op chain it
// first took (linear, clip, then the division by y_scale) wrongly; fused, it must match the
// op-by-op graph within one step.
TEST(FuseQdq, HardSigmoidToUint8MatchesTheGraph) {
  for (int64_t group : {1, 5}) {
    auto ops = run_conv_case({.x = {1, 5, 12, 10}, .m = group == 1 ? 16 : 5, .group = group, .pads = {1, 1, 1, 1},
                              .x_zp = 120, .bias = 1, .act = "HardSigmoid", .yt = DType::UInt8, .y_zp = 0});
    EXPECT_EQ(ops["QConv"], 1);
    EXPECT_EQ(ops["HardSigmoid"], 0);
  }
}

// Hard swish written out (HardSigmoid and Mul) at an opset without HardSwish, as older exporters
// leave it: fused into the convolution like the HardSwish op, regular and depthwise.
TEST(FuseQdq, WrittenOutHardSwishToUint8) {
  for (int64_t group : {1, 16}) {
    auto ops = run_conv_case({.x = {1, 16, 9, 11}, .m = 16, .group = group, .pads = {1, 1, 1, 1}, .x_zp = 128,
                              .bias = 1, .act = "HardSwishWritten", .yt = DType::UInt8, .y_zp = 60, .opset = 13});
    EXPECT_EQ(ops["QConv"], 1) << group;
    EXPECT_EQ(ops["HardSigmoid"], 0) << group;
    EXPECT_EQ(ops["Mul"], 0) << group;
  }
}

TEST(FuseQdq, DepthwiseConvToFloat) {
  auto ops = run_conv_case({.x = {2, 17, 7, 9}, .m = 17, .group = 17, .pads = {1, 1, 1, 1}, .x_zp = 128, .bias = 1});
  EXPECT_EQ(ops["QConv"], 1);
  EXPECT_EQ(ops["Conv"], 0);
}

TEST(FuseQdq, GroupedConvStride2) {
  auto ops = run_conv_case({.x = {1, 24, 9, 7}, .m = 48, .group = 3, .strides = {2, 2}, .pads = {1, 1, 1, 1},
                            .x_zp = 20, .bias = 2, .act = "Relu", .yt = DType::UInt8});
  EXPECT_EQ(ops["QConv"], 1);
  // Two channels per group: oneDNN may have only its reference kernel; fused or not, it matches.
  run_conv_case({.x = {1, 6, 9, 7}, .m = 9, .group = 3, .strides = {2, 2}, .pads = {1, 1, 1, 1}, .x_zp = 20,
                 .yt = DType::UInt8});
}

TEST(FuseQdq, PointwiseConvNoZeroPoint) {
  auto ops = run_conv_case({.x = {2, 5, 7, 9}, .m = 3, .kernel = 1, .yt = DType::UInt8, .y_zp = 128});
  EXPECT_EQ(ops["QConv"], 1);
}

TEST(FuseQdq, Conv1d) {
  auto ops = run_conv_case({.x = {2, 5, 11}, .m = 3, .pads = {1, 2}, .x_zp = 100, .bias = 2, .act = "Relu"});
  EXPECT_EQ(ops["QConv"], 1);
  auto q = run_conv_case({.x = {1, 3, 20}, .m = 7, .kernel = 5, .strides = {3}, .xt = DType::Int8, .yt = DType::Int8});
  EXPECT_EQ(q["QConv"], 1);
}

// Nonzero weight zero points are not what the int8 kernels take: the convolution stays float, its
// weight dequantized once when the session is created.
TEST(FuseQdq, WeightZeroPointNotFused) {
  QModel q;
  q.input("xq", DType::UInt8, {1, 3, 5, 5});
  q.dq_input("xq", "x", DType::UInt8, 0.02f, 10);
  q.init("w_q", random_tensor(DType::Int8, {4, 3, 3, 3}, 3, -64, 64));
  q.init("w_s", scalar(DType::Float, 0.01));
  q.init("w_z", scalar(DType::Int8, 3));
  q.add(op("DequantizeLinear", {"w_q", "w_s", "w_z"}, {"w"}));
  q.add(op("Conv", {"x", "w"}, {"y"}));
  q.output("y");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-4, 1e-4);
  EXPECT_EQ(ops["QConv"], 0);
  EXPECT_GE(ops["DequantizeLinear"] + ops["BlockedConv"] + ops["Conv"], 1);
  EXPECT_EQ(ops["DequantizeLinear"], 1) << "the weight's is folded once; the activation's stays";
}

// One DequantizeLinear read by two convolutions: both fuse and the DequantizeLinear goes.
TEST(FuseQdq, SharedInputDequantize) {
  QModel q;
  q.input("xq", DType::UInt8, {1, 5, 6, 6});
  q.dq_input("xq", "x", DType::UInt8, 0.02f, 128);
  q.dq_weight("w1", {4, 5, 3, 3}, 0, true);
  q.dq_weight("w2", {6, 5, 1, 1}, 0, false);
  q.add(op("Conv", {"x", "w1"}, {"y1"}, {attr_ints("pads", {1, 1, 1, 1})}));
  q.add(op("Conv", {"x", "w2"}, {"y2"}));
  q.output("y1");
  q.output("y2");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-3, 1e-4);
  EXPECT_EQ(ops["QConv"], 2);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
}

// Two layers: the first's QuantizeLinear and the second's DequantizeLinear both fold away.
TEST(FuseQdq, ConvChain) {
  QModel q;
  q.input("xq", DType::UInt8, {1, 5, 8, 8});
  q.dq_input("xq", "x", DType::UInt8, 0.02f, 128);
  q.dq_weight("w1", {8, 5, 3, 3}, 0, true);
  q.add(op("Conv", {"x", "w1"}, {"y1"}, {attr_ints("pads", {1, 1, 1, 1})}));
  q.add(op("Relu", {"y1"}, {"r1"}));
  q.quantize("r1", "q1", DType::UInt8, 0.05f, 0);
  q.dq_input("q1", "d1", DType::UInt8, 0.05f, 0);
  q.dq_weight("w2", {4, 8, 3, 3}, 0, true);
  q.add(op("Conv", {"d1", "w2"}, {"y2"}, {attr_ints("pads", {1, 1, 1, 1})}));
  q.output("y2");
  // A first-layer value one step off moves the second's float output by at most about
  // 0.05 · Σ|w| — a loose bound; typical differences are far smaller.
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 0.05, 1e-3);
  EXPECT_EQ(ops["QConv"], 2);
  EXPECT_EQ(ops["QuantizeLinear"], 0);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
}

TEST(FuseQdq, MatMulRank3BiasReluToUint8) {
  QModel q;
  q.input("aq", DType::UInt8, {2, 7, 13});
  q.dq_input("aq", "a", DType::UInt8, 0.03f, 120);
  q.dq_weight("w", {13, 11}, 1, true);
  q.add(op("MatMul", {"a", "w"}, {"y"}));
  q.init("bias", random_tensor(DType::Float, {11}, 4, -1.0, 1.0));
  q.add(op("Add", {"y", "bias"}, {"yb"}));
  q.add(op("Relu", {"yb"}, {"yr"}));
  q.quantize("yr", "out", DType::UInt8, 0.02f, 2);
  q.output("out");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1.0, 0);
  EXPECT_EQ(ops["QMatMul"], 1);
  EXPECT_EQ(ops["Add"], 0);
  EXPECT_EQ(ops["QuantizeLinear"], 0);
}

TEST(FuseQdq, MatMulHardSigmoidToUint8MatchesTheGraph) {
  QModel q;
  q.input("aq", DType::UInt8, {9, 13});
  q.dq_input("aq", "a", DType::UInt8, 0.03f, 120);
  q.dq_weight("w", {13, 11}, 1, true);
  q.add(op("MatMul", {"a", "w"}, {"y"}));
  q.add(op("HardSigmoid", {"y"}, {"ya"}, {attr_float("alpha", 0.2f), attr_float("beta", 0.5f)}));
  q.quantize("ya", "out", DType::UInt8, 0.004f, 0);
  q.output("out");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1.0, 0);
  EXPECT_EQ(ops["QMatMul"], 1);
  EXPECT_EQ(ops["HardSigmoid"], 0);
}

TEST(FuseQdq, MatMulInt8ActivationsToFloat) {
  QModel q;
  q.input("aq", DType::Int8, {5, 17});
  q.dq_input("aq", "a", DType::Int8, 0.03f, -9);
  q.dq_weight("w", {17, 6}, 1, false);
  q.add(op("MatMul", {"a", "w"}, {"y"}));
  q.output("y");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-4, 1e-4);
  EXPECT_EQ(ops["QMatMul"], 1);
}

TEST(FuseQdq, GemmTransBAlphaBetaToInt8) {
  for (bool per_channel : {false, true}) {
    QModel q;
    q.input("aq", DType::UInt8, {3, 19});
    q.dq_input("aq", "a", DType::UInt8, 0.03f, 77);
    q.dq_weight("w", {9, 19}, 0, per_channel);
    q.init("c", random_tensor(DType::Float, {9}, 4, -1.0, 1.0));
    q.add(op("Gemm", {"a", "w", "c"}, {"y"}, {attr_int("transB", 1), attr_float("alpha", 0.5f), attr_float("beta", 2.0f)}));
    q.quantize("y", "out", DType::Int8, 0.01f, -3);
    q.output("out");
    auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1.0, 0);
    EXPECT_EQ(ops["QMatMul"], 1);
    EXPECT_EQ(ops["Gemm"], 0);
  }
}

// x_q, s, z = DynamicQuantizeLinear(x); MatMulInteger; Cast; Mul by s · w_scale; bias; Relu.
void dynamic_case(bool per_channel, bool bias, bool swap) {
  QModel q;
  const int64_t k = 19, n = 23;
  q.input("x", DType::Float, {3, 4, k});
  q.add(op("DynamicQuantizeLinear", {"x"}, {"xq", "xs", "xz"}));
  q.init("w", random_tensor(DType::Int8, {k, n}, 8, -64, 64));
  q.init("wz", per_channel ? Tensor(DType::Int8, {n}) : scalar(DType::Int8, 0));
  q.init("ws", per_channel ? random_tensor(DType::Float, {n}, 9, 0.002, 0.01) : scalar(DType::Float, 0.004));
  q.add(op("MatMulInteger", {"xq", "w", "xz", "wz"}, {"yi"}));
  q.add(op("Cast", {"yi"}, {"yc"}, {attr_int("to", 1)}));
  q.add(op("Mul", swap ? std::vector<std::string>{"ws", "xs"} : std::vector<std::string>{"xs", "ws"}, {"s"}));
  q.add(op("Mul", swap ? std::vector<std::string>{"s", "yc"} : std::vector<std::string>{"yc", "s"}, {"y"}));
  std::string y = "y";
  if (bias) {
    q.init("b", random_tensor(DType::Float, {n}, 10, -1.0, 1.0));
    q.add(op("Add", {"b", "y"}, {"yb"}));
    q.add(op("Relu", {"yb"}, {"yr"}));
    y = "yr";
  }
  q.output(y);
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-4, 1e-4);
  EXPECT_EQ(ops["DynQMatMul"], 1);
  EXPECT_EQ(ops["MatMulInteger"], 0);
  EXPECT_EQ(ops["DynamicQuantizeLinear"], 0);
  EXPECT_EQ(ops["Mul"], 0);
}

TEST(FuseQdq, DynamicPerChannelBiasRelu) { dynamic_case(true, true, false); }
TEST(FuseQdq, DynamicPerTensorSwapped) { dynamic_case(false, false, true); }

// Two projections of the same input share one DynamicQuantizeLinear.
TEST(FuseQdq, DynamicSharedQuantization) {
  QModel q;
  q.input("x", DType::Float, {5, 8});
  q.add(op("DynamicQuantizeLinear", {"x"}, {"xq", "xs", "xz"}));
  for (std::string p : {"a", "b"}) {
    q.init(p + "w", random_tensor(DType::Int8, {8, 6}, p == "a" ? 1 : 2, -64, 64));
    q.init(p + "ws", scalar(DType::Float, 0.005));
    q.add(op("MatMulInteger", {"xq", p + "w", "xz"}, {p + "yi"}));
    q.add(op("Cast", {p + "yi"}, {p + "yc"}, {attr_int("to", 1)}));
    q.add(op("Mul", {"xs", p + "ws"}, {p + "s"}));
    q.add(op("Mul", {p + "yc", p + "s"}, {p + "y"}));
    q.output(p + "y");
  }
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-4, 1e-4);
  EXPECT_EQ(ops["DynQMatMul"], 2);
  EXPECT_EQ(ops["DynamicQuantizeLinear"], 0);
}

}  // namespace

namespace {

// 8-bit weights past ±64 overflow the int16 pair sums of CPUs without VNNI: such a convolution
// fuses only where the int8 kernel is exact, and the outputs match either way.
TEST(FuseQdq, FullRangeWeightsStayExact) {
  QModel q;
  q.input("xq", DType::UInt8, {1, 8, 6, 6});
  q.dq_input("xq", "x", DType::UInt8, 0.02f, 0);
  q.init("w_q", random_tensor(DType::Int8, {4, 8, 3, 3}, 3, -127, 127));
  q.init("w_s", scalar(DType::Float, 0.01));
  q.add(op("DequantizeLinear", {"w_q", "w_s"}, {"w"}));
  q.add(op("Conv", {"x", "w"}, {"y"}));
  q.quantize("y", "out", DType::UInt8, 0.2f, 100);
  q.output("out");
  expect_optimized_matches(q.m, q.feeds, 1, 1.0, 0);
}

// RNN, GRU and LSTM with W and R behind DequantizeLinear run as QRNN/QGRU/QLSTM with R in int8;
// they follow the graph run op by op within the 8-bit rounding of the state (the sequence is
// short and the weights small, so the recurrence does not amplify it).
struct RecurrentCase {
  std::string op = "GRU";
  int64_t H = 16, I = 5, S = 6, N = 2;
  std::string direction = "forward";
  bool per_channel = true, lbr = false;
  int r_range = 64;  // |R| <= r_range
};

std::map<std::string, int> run_recurrent_case(const RecurrentCase& c) {
  QModel q;
  const int64_t D = c.direction == "bidirectional" ? 2 : 1, G = c.op == "RNN" ? 1 : c.op == "GRU" ? 3 : 4;
  q.input("x", DType::Float, {c.S, c.N, c.I});
  q.dq_weight("w", {D, G * c.H, c.I}, 1, c.per_channel);
  q.init("r_q", random_tensor(DType::Int8, {D, G * c.H, c.H}, 7, -c.r_range, c.r_range));
  q.init("r_s", scalar(DType::Float, 0.3 / (c.r_range * std::sqrt(static_cast<double>(c.H)))));
  q.add(op("DequantizeLinear", {"r_q", "r_s"}, {"r"}));
  q.init("b", random_tensor(DType::Float, {D, 2 * G * c.H}, 9, -0.5, 0.5));
  std::vector<Attribute> attrs = {attr_int("hidden_size", c.H), attr_string("direction", c.direction)};
  if (c.lbr) attrs.push_back(attr_int("linear_before_reset", 1));
  q.add(op(c.op, {"x", "w", "r", "b"}, {"y", "y_h"}, attrs));
  q.output("y");
  q.output("y_h");
  return expect_optimized_matches(q.m, q.feeds, 1, 0.02, 0);
}

TEST(FuseQdq, GruInt8PerChannel) {
  auto ops = run_recurrent_case({});
  EXPECT_EQ(ops["QGRU"], 1);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
}

TEST(FuseQdq, GruLinearBeforeResetBidirectionalPerTensor) {
  auto ops = run_recurrent_case({.N = 3, .direction = "bidirectional", .per_channel = false, .lbr = true});
  EXPECT_EQ(ops["QGRU"], 1);
}

TEST(FuseQdq, LstmAndRnnInt8) {
  EXPECT_EQ(run_recurrent_case({.op = "LSTM", .H = 9, .direction = "reverse"})["QLSTM"], 1);
  EXPECT_EQ(run_recurrent_case({.op = "RNN", .H = 33, .N = 1})["QRNN"], 1);
}

// Full 8-bit R would saturate the int16 pair sums: the cell runs in float on the dequantized
// weights, computed once, and matches the graph to float rounding.
TEST(FuseQdq, FullRangeRecurrentWeightsRunInFloat) {
  QModel q;
  q.input("x", DType::Float, {4, 1, 3});
  q.dq_weight("w", {1, 24, 3}, 1, true);
  q.init("r_q", random_tensor(DType::Int8, {1, 24, 8}, 7, -127, 127));
  q.init("r_s", scalar(DType::Float, 0.002));
  q.add(op("DequantizeLinear", {"r_q", "r_s"}, {"r"}));
  q.add(op("GRU", {"x", "w", "r"}, {"y"}, {attr_int("hidden_size", 8)}));
  q.output("y");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-5, 1e-5);
  EXPECT_EQ(ops["GRU"], 1);
  EXPECT_EQ(ops["QGRU"], 0);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
}

// A cell the int8 kernel does not take (clip) keeps its op, its weights dequantized once.
TEST(FuseQdq, ClippedRecurrentCellRunsInFloat) {
  QModel q;
  q.input("x", DType::Float, {4, 1, 3});
  q.dq_weight("w", {1, 32, 3}, 1, true);
  q.dq_weight("r", {1, 32, 8}, 1, true);
  q.add(op("LSTM", {"x", "w", "r"}, {"y"}, {attr_int("hidden_size", 8), attr_float("clip", 0.5f)}));
  q.output("y");
  auto ops = expect_optimized_matches(q.m, q.feeds, 1, 1e-5, 1e-5);
  EXPECT_EQ(ops["LSTM"], 1);
  EXPECT_EQ(ops["QLSTM"], 0);
  EXPECT_EQ(ops["DequantizeLinear"], 0);
}

}  // namespace

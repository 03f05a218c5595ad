// INT8 quantization (sz0/quantize.h): weight and activation parameters, the calibration methods,
// the QDQ / QOperator / dynamic graphs, exclusions, the calibration cache, streamed samples and
// automatic exclusion by sensitivity.
#include <sz0/builder.h>
#include <sz0/io.h>
#include <sz0/quantize.h>
#include <sz0/session.h>

#include "quantize/calibrate.h"
#include "quantize/int8.h"
#include "util/build_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

using namespace sz0;

namespace {

// conv-bn-relu, conv-relu, global pool, linear: the shape of the CNN detectors.
Model cnn() {
  ModelBuilder b("cnn", {.seed = 11, .batch = 1});
  Var x = b.input("image", DType::Float, {3, 12, 10});
  x = b.relu(b.batch_norm(b.conv2d(x, 8, 3, {.padding = 1})));
  x = b.relu(b.conv2d(x, 16, 3, {.stride = 2, .padding = 1}));
  x = b.global_avg_pool(x);
  b.output(b.linear(x, 5), "logits");
  return build_model(b);
}

Model mlp() {
  ModelBuilder b("mlp", {.seed = 4, .batch = 3});
  Var x = b.input("x", DType::Float, {24});
  x = b.relu(b.linear(x, 32));
  b.output(b.linear(x, 6), "y");
  return build_model(b);
}

int count_op(const Model& m, const std::string& op) {
  int n = 0;
  for (const Node& node : m.graph.nodes) n += node.op_type == op;
  return n;
}

std::vector<std::map<std::string, Tensor>> samples(const Model& m, int n, uint32_t seed = 100) {
  std::vector<std::map<std::string, Tensor>> out;
  for (int i = 0; i < n; ++i) out.push_back(generated_sample(m, seed + static_cast<uint32_t>(i)));
  return out;
}

// Cosine of the first outputs of `a` and `b` on `feeds`.
double cosine(const Model& a, const Model& b, const std::map<std::string, Tensor>& feeds) {
  SessionOptions so;
  so.threads = 1;
  auto sa = Session::create(a, so), sb = Session::create(b, so);
  EXPECT_TRUE(sa.ok() && sb.ok());
  if (!sa.ok() || !sb.ok()) return 0;
  auto ra = (*sa)->run(feeds), rb = (*sb)->run(feeds);
  EXPECT_TRUE(ra.ok() && rb.ok());
  if (!ra.ok() || !rb.ok()) return 0;
  OutputAgreement agree;
  agree.add(ra->front(), rb->front());
  EXPECT_TRUE(agree.finite);
  return agree.cosine();
}

// Runs `m` optimized (the session's fused kernels) and unoptimized (reference kernels) on
// `feeds`: the optimized session's rewritten model, and the cosine of the two first outputs.
struct FusedCheck {
  bool ran = false;
  Model runtime;
  double cosine = 0;
};
FusedCheck fused_vs_reference(const Model& m, const std::map<std::string, Tensor>& feeds) {
  FusedCheck r;
  SessionOptions fast, plain;
  fast.threads = plain.threads = 1;
  plain.optimize = false;
  auto sf = Session::create(m, fast), sp = Session::create(m, plain);
  EXPECT_TRUE(sf.ok() && sp.ok());
  if (!sf.ok() || !sp.ok()) return r;
  auto yf = (*sf)->run(feeds), yp = (*sp)->run(feeds);
  EXPECT_TRUE(yf.ok() && yp.ok());
  if (!yf.ok() || !yp.ok()) return r;
  OutputAgreement agree;
  agree.add(yp->front(), yf->front());
  r.ran = true;
  r.runtime = (*sf)->model();
  r.cosine = agree.cosine();
  return r;
}

}  // namespace

TEST(QuantizeInt8, WeightsPerChannelAndPerTensor) {
  Tensor w(DType::Float, {3, 2, 2});
  const float v[] = {1, -2, 0.5f, 0.25f, 0, 0, 0, 0, -0.1f, 0.05f, 0.1f, 0.02f};
  for (int i = 0; i < 12; ++i) w.data<float>()[i] = v[i];
  auto q = quant::quantize_weight(w, 0);
  ASSERT_EQ(q.scale.numel(), 3);
  EXPECT_FLOAT_EQ(q.scale.data<float>()[0], 2.f / 127);
  EXPECT_FLOAT_EQ(q.scale.data<float>()[1], 1.f);  // an all-zero channel: scale 1, values 0
  EXPECT_FLOAT_EQ(q.scale.data<float>()[2], 0.1f / 127);
  EXPECT_EQ(q.values.data<int8_t>()[1], -127);
  EXPECT_EQ(q.values.data<int8_t>()[10], 127);
  for (int i = 0; i < 12; ++i) {
    const float deq = q.values.data<int8_t>()[i] * q.scale.data<float>()[i / 4];
    EXPECT_NEAR(deq, v[i], q.scale.data<float>()[i / 4] / 2 + 1e-7f) << i;
  }
  auto r = quant::quantize_weight(w, -1, 63);  // per tensor, 7 bits
  ASSERT_EQ(r.scale.rank(), 0);
  EXPECT_FLOAT_EQ(r.scale.data<float>()[0], 2.f / 63);
  EXPECT_EQ(r.values.data<int8_t>()[1], -63);
}

TEST(QuantizeInt8, ActivationParameters) {
  TensorRange u = quant::qparams(0.5f, 3.f, DType::UInt8);  // the range always holds zero
  EXPECT_FLOAT_EQ(u.min, 0.f);
  EXPECT_FLOAT_EQ(u.scale, 3.f / 255);
  EXPECT_EQ(u.zero_point, 0);
  u = quant::qparams(-1.f, 3.f, DType::UInt8);
  EXPECT_FLOAT_EQ(u.scale, 4.f / 255);
  EXPECT_EQ(u.zero_point, 64);  // round(1 / (4/255)) = round(63.75)
  TensorRange s = quant::qparams(-1.f, 3.f, DType::Int8);
  EXPECT_FLOAT_EQ(s.scale, 3.f / 127);
  EXPECT_EQ(s.zero_point, 0);
  TensorRange z = quant::qparams(0.f, 0.f, DType::UInt8);
  EXPECT_FLOAT_EQ(z.scale, 1.f);
}

TEST(QuantizeInt8, RangeMethodsClipOutliers) {
  // 100k normal values plus a few far outliers: min-max keeps them, the others clip them.
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<float> x(100000);
  for (float& v : x) v = nd(rng);
  x[0] = 40.f;
  x[1] = -35.f;
  quant::Observation ob;
  ob.min = *std::min_element(x.begin(), x.end());
  ob.max = *std::max_element(x.begin(), x.end());
  ob.values = {ob.min, ob.max, std::vector<double>(2048, 0)};
  ob.abs = {0, 40, std::vector<double>(2048, 0)};
  for (float v : x) {
    ob.values.counts[std::min<size_t>(2047, static_cast<size_t>((v - ob.min) / ob.values.width()))] += 1;
    ob.abs.counts[std::min<size_t>(2047, static_cast<size_t>(std::fabs(v) / ob.abs.width()))] += 1;
  }
  auto [mlo, mhi] = quant::choose_range(ob, CalibrationMethod::MinMax, 0, DType::UInt8);
  EXPECT_FLOAT_EQ(mhi, 40.f);
  EXPECT_FLOAT_EQ(mlo, -35.f);
  // MSE weighs two outliers against 100k rounding errors: it clips, but less.
  auto [slo, shi] = quant::choose_range(ob, CalibrationMethod::Mse, 0, DType::UInt8);
  EXPECT_LT(shi, 40.f);
  EXPECT_GT(slo, -35.f);
  for (auto m : {CalibrationMethod::Percentile, CalibrationMethod::Entropy}) {
    auto [lo, hi] = quant::choose_range(ob, m, 99.99, DType::UInt8);
    EXPECT_GT(hi, 2.f) << calibration_method_name(m);
    EXPECT_LT(hi, 12.f) << calibration_method_name(m);
    EXPECT_LT(lo, -2.f) << calibration_method_name(m);
    EXPECT_GT(lo, -12.f) << calibration_method_name(m);
  }
  // Percentile: 99.99% kept, 0.005% cut at each end: about ±3.9σ for a normal distribution.
  auto [plo, phi] = quant::choose_range(ob, CalibrationMethod::Percentile, 99.99, DType::UInt8);
  EXPECT_NEAR(phi, 3.9f, 0.4f);
  EXPECT_NEAR(plo, -3.9f, 0.4f);
}

TEST(QuantizeInt8, StaticQdqGraphRunsCloseToFloat) {
  const Model ref = cnn();
  Model m = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static};
  o.samples = samples(ref, 4);
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes_converted, 3);  // two Convs and the Gemm (BatchNorm folded first)
  EXPECT_EQ(count_op(m, "BatchNormalization"), 0);
  EXPECT_EQ(count_op(m, "QuantizeLinear"), 3);
  EXPECT_EQ(count_op(m, "DequantizeLinear"), 3 + 3 + 3);  // activations, weights, biases
  int int8 = 0, int32 = 0;
  for (auto& [name, t] : m.graph.initializers) {
    int8 += t.dtype() == DType::Int8 && t.rank() >= 2;
    int32 += t.dtype() == DType::Int32;
    EXPECT_FALSE(t.dtype() == DType::Float && t.numel() > 16) << name << " still float";
  }
  EXPECT_EQ(int8, 3);
  EXPECT_EQ(int32, 3);
  EXPECT_EQ(r->ranges.size(), 3u);
  EXPECT_LT(r->bytes_after * 3, r->bytes_before);
  EXPECT_EQ(r->verified_samples, 4);
  EXPECT_GE(r->min_cosine, 0.99);
  // A sample calibration did not see.
  EXPECT_GE(cosine(ref, m, generated_sample(ref, 999)), 0.99);
}

TEST(QuantizeInt8, EveryMethodAndActivationTypeStaysClose) {
  const Model ref = cnn();
  for (auto method : {CalibrationMethod::MinMax, CalibrationMethod::Percentile, CalibrationMethod::Entropy,
                      CalibrationMethod::Mse})
    for (DType act : {DType::UInt8, DType::Int8}) {
      Model m = ref;
      QuantizeOptions o{.type = QuantizationType::Int8Static};
      o.samples = samples(ref, 3);
      o.method = method;
      o.activation_type = act;
      auto r = ModelQuantizer(o).quantize(m);
      ASSERT_TRUE(r.ok()) << r.status().message();
      for (auto& [name, range] : r->ranges) {
        if (act == DType::Int8) {
          EXPECT_EQ(range.zero_point, 0) << name;
        }
        EXPECT_GT(range.scale, 0.f);
      }
      EXPECT_GE(cosine(ref, m, generated_sample(ref, 998)), 0.98)
          << calibration_method_name(method) << (act == DType::Int8 ? " int8" : " uint8");
    }
}

TEST(QuantizeInt8, QOperatorFormat) {
  const Model ref = cnn();
  Model m = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static, .format = QuantFormat::QOperator};
  o.samples = samples(ref, 3);
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(count_op(m, "QLinearConv"), 2);
  EXPECT_EQ(count_op(m, "Conv"), 0);
  EXPECT_EQ(count_op(m, "Gemm"), 1);  // with a bias: QDQ form
  EXPECT_GE(cosine(ref, m, generated_sample(ref, 997)), 0.99);

  // The session runs QLinearConv on the fused int8 kernels, with the reference kernels' results.
  const auto feeds = generated_sample(ref, 996);
  const FusedCheck fr = fused_vs_reference(m, feeds);
  ASSERT_TRUE(fr.ran);
  EXPECT_EQ(count_op(fr.runtime, "QConv"), 2);
  EXPECT_EQ(count_op(fr.runtime, "QLinearConv"), 0);
  EXPECT_GE(fr.cosine, 0.9999);
}

TEST(QuantizeInt8, DynamicMatMul) {
  const Model ref = mlp();
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Int8Dynamic}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes_converted, 2);
  EXPECT_EQ(count_op(m, "MatMulInteger"), 2);
  EXPECT_EQ(count_op(m, "DynamicQuantizeLinear"), 2);
  EXPECT_EQ(count_op(m, "Gemm"), 0);
  EXPECT_GE(cosine(ref, m, generated_sample(ref, 5)), 0.995);
  // Conv too, as ConvInteger.
  Model c = cnn();
  auto rc = ModelQuantizer({.type = QuantizationType::Int8Dynamic}).quantize(c);
  ASSERT_TRUE(rc.ok()) << rc.status().message();
  EXPECT_EQ(rc->nodes_converted, 3);
  EXPECT_EQ(count_op(c, "Conv"), 0);
  EXPECT_EQ(count_op(c, "ConvInteger"), 2);
}

TEST(QuantizeInt8, ExclusionsKeepNodesFloat) {
  const Model ref = cnn();
  Model m = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static};
  o.exclude_ops = {"Gemm"};
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes_converted, 2);
  ASSERT_EQ(r->excluded.size(), 1u);
  EXPECT_EQ(r->excluded[0].op_type, "Gemm");
  for (const Node& n : m.graph.nodes) {
    if (n.op_type == "Gemm") {
      EXPECT_TRUE(m.graph.initializers.at(n.inputs[1]).dtype() == DType::Float);
    }
  }

  std::string conv;
  for (const Node& n : ref.graph.nodes)
    if (n.op_type == "Conv" && conv.empty()) conv = n.name;
  ASSERT_FALSE(conv.empty());
  Model m2 = ref;
  QuantizeOptions o2{.type = QuantizationType::Int8Static};
  o2.exclude_nodes = {conv};
  auto r2 = ModelQuantizer(o2).quantize(m2);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  EXPECT_EQ(r2->nodes_converted, 2);
  EXPECT_EQ(r2->excluded.at(0).name, conv);

  QuantizeOptions all{.type = QuantizationType::Int8Static};
  all.exclude_ops = {"Conv", "Gemm"};
  Model m3 = ref;
  auto r3 = ModelQuantizer(all).quantize(m3);
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.status().message().find("nothing to quantize"), std::string::npos);
}

TEST(QuantizeInt8, CalibrationCacheRoundTrip) {
  const Model ref = cnn();
  Model a = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static, .method = CalibrationMethod::Percentile};
  o.samples = samples(ref, 3);
  auto r = ModelQuantizer(o).quantize(a);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string path = (std::filesystem::temp_directory_path() / "sz0_calib_cache_test.json").string();
  ASSERT_TRUE(write_calibration_cache(path, r->ranges, o).ok());
  auto back = read_calibration_cache(path, DType::UInt8);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), r->ranges.size());
  for (auto& [name, t] : r->ranges) {
    EXPECT_FLOAT_EQ(back->at(name).scale, t.scale);
    EXPECT_EQ(back->at(name).zero_point, t.zero_point);
  }
  // Reused: no samples needed, the same model comes out.
  Model b = ref;
  QuantizeOptions reuse{.type = QuantizationType::Int8Static};
  reuse.ranges = *back;
  auto rb = ModelQuantizer(reuse).quantize(b);
  ASSERT_TRUE(rb.ok()) << rb.status().message();
  ASSERT_EQ(a.graph.initializers.size(), b.graph.initializers.size());
  for (auto& [name, t] : a.graph.initializers) {
    const Tensor& u = b.graph.initializers.at(name);
    ASSERT_EQ(t.nbytes(), u.nbytes()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u.raw(), t.nbytes()), 0) << name;
  }
  // Wrong activation type, a missing tensor, a corrupt file: clear errors.
  auto wrong = read_calibration_cache(path, DType::Int8);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("uint8"), std::string::npos) << wrong.status().message();
  QuantizeOptions partial = reuse;
  partial.ranges.erase(partial.ranges.begin());
  Model c = ref;
  auto rc = ModelQuantizer(partial).quantize(c);
  ASSERT_FALSE(rc.ok());
  EXPECT_NE(rc.status().message().find("no range for tensor"), std::string::npos) << rc.status().message();
  ASSERT_TRUE(write_file_atomic(path, "{\"tensors\": {\"x\": {\"min\": 0}}}").ok());
  auto bad = read_calibration_cache(path, DType::UInt8);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'x'"), std::string::npos) << bad.status().message();
  ASSERT_TRUE(write_file_atomic(path, "not json").ok());
  EXPECT_FALSE(read_calibration_cache(path, DType::UInt8).ok());
  std::filesystem::remove(path);
}

TEST(QuantizeInt8, SamplesAreStreamedOneAtATime) {
  const Model ref = cnn();
  for (auto method : {CalibrationMethod::MinMax, CalibrationMethod::Entropy}) {
    size_t reads = 0;
    QuantizeOptions o{.type = QuantizationType::Int8Static, .method = method};
    o.stream = {40, [&](size_t i) -> Result<std::map<std::string, Tensor>> {
                  ++reads;
                  return generated_sample(ref, static_cast<uint32_t>(i));
                }};
    Model m = ref;
    auto r = ModelQuantizer(o).quantize(m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    // One read per sample and pass (min-max one pass, histograms a second; the first sample is
    // kept from the session's set-up), plus the check's eight.
    const size_t passes = method == CalibrationMethod::MinMax ? 1 : 2;
    EXPECT_EQ(reads, passes * 40 - (passes - 1) + 8);
  }
  // A failing read stops calibration with its message.
  QuantizeOptions o{.type = QuantizationType::Int8Static};
  o.stream = {3, [&](size_t i) -> Result<std::map<std::string, Tensor>> {
                if (i == 2) return error("sample 2 is unreadable");
                return generated_sample(ref, 0);
              }};
  Model m = ref;
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sample 2 is unreadable"), std::string::npos);
}

TEST(QuantizeInt8, AutoExcludeReachesTheTarget) {
  const Model ref = cnn();
  QuantizeOptions o{.type = QuantizationType::Int8Static, .sensitivity = true};
  o.samples = samples(ref, 2);
  Model full = ref;
  auto r = ModelQuantizer(o).quantize(full);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->sensitivity.size(), 3u);
  for (const LayerSensitivity& s : r->sensitivity) {
    EXPECT_GT(s.sqnr_db, 10) << s.node;
    EXPECT_LT(s.sqnr_db, 300) << s.node;
  }

  // Ask for more than full quantization gives, but less than the best single node gives.
  double best = 0;
  for (const LayerSensitivity& s : r->sensitivity) best = std::max(best, s.sqnr_db);
  o.auto_exclude = true;
  o.min_sqnr_db = std::min(r->min_sqnr_db + 3, best - 0.1);
  ASSERT_GT(o.min_sqnr_db, r->min_sqnr_db);
  Model m = ref;
  auto a = ModelQuantizer(o).quantize(m);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_GE(a->min_sqnr_db, o.min_sqnr_db);
  EXPECT_FALSE(a->excluded.empty());
  EXPECT_LT(a->nodes_converted, 3);
  for (const FencedNode& f : a->excluded) EXPECT_NE(f.reason.find("auto-excluded"), std::string::npos);

  o.min_sqnr_db = 299;  // unreachable: an error, not a silently float model
  Model u = ref;
  EXPECT_FALSE(ModelQuantizer(o).quantize(u).ok());
}

TEST(QuantizeInt8, QLinearMatMulRunsOnTheFusedKernel) {
  ModelBuilder b("mm", {.seed = 8, .batch = 3});
  Var x = b.input("x", DType::Float, {24});
  b.output(b.relu(b.matmul(x, b.parameter("w", {24, 16}, 0.3f))), "y");
  const Model ref = build_model(b);
  Model m = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static, .format = QuantFormat::QOperator};
  o.samples = samples(ref, 2);
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(count_op(m, "QLinearMatMul"), 1);
  const auto feeds = generated_sample(ref, 3);
  const FusedCheck fr = fused_vs_reference(m, feeds);
  ASSERT_TRUE(fr.ran);
  EXPECT_EQ(count_op(fr.runtime, "QMatMul"), 1);
  EXPECT_GE(fr.cosine, 0.9999);
  EXPECT_GE(cosine(ref, m, feeds), 0.99);
}

TEST(QuantizeInt8, DynamicMatMulTakesGeluWrittenOut) {
  ModelBuilder b("ffn", {.seed = 12, .batch = 2});
  Var x = b.input("x", DType::Float, {8, 16});
  Var h = b.gelu(b.linear(x, 32));
  b.output(b.linear(b.silu(b.linear(h, 24)), 16), "y");
  const Model ref = build_model(b);
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Int8Dynamic}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto feeds = generated_sample(ref, 4);
  const FusedCheck fr = fused_vs_reference(m, feeds);
  ASSERT_TRUE(fr.ran);
  const Model& run = fr.runtime;
  EXPECT_EQ(count_op(run, "DynQMatMul"), 3);
  EXPECT_EQ(count_op(run, "Erf"), 0);  // GELU and SiLU became post-ops
  EXPECT_EQ(count_op(run, "Sigmoid"), 0);
  EXPECT_GE(fr.cosine, 0.9999);
}

TEST(QuantizeInt8, ConvWithHardSwishWritesEightBitsDirectly) {
  ModelBuilder b("hs", {.seed = 13, .batch = 1});
  Var x = b.input("image", DType::Float, {5, 9, 7});
  x = b.hard_swish(b.conv2d(x, 12, 3, {.padding = 1}));
  x = b.relu(b.conv2d(x, 12, 3, {.padding = 1, .groups = 12}));  // depthwise
  x = b.conv2d(x, 7, 1, {.padding = 0});
  b.output(x, "y");
  const Model ref = build_model(b);
  for (DType act : {DType::UInt8, DType::Int8}) {
    SCOPED_TRACE(act == DType::Int8 ? "int8 activations" : "uint8 activations");
    Model m = ref;
    QuantizeOptions o{.type = QuantizationType::Int8Static, .activation_type = act};
    o.samples = samples(ref, 2);
    ASSERT_TRUE(ModelQuantizer(o).quantize(m).ok());
    const auto feeds = generated_sample(ref, 5);
    const FusedCheck fr = fused_vs_reference(m, feeds);
    ASSERT_TRUE(fr.ran);
    EXPECT_EQ(count_op(fr.runtime, "QConv"), 3);
    // Only the graph input's QuantizeLinear is left: HardSwish and ReLU run before the fused
    // requantization of their convolutions.
    EXPECT_EQ(count_op(fr.runtime, "QuantizeLinear"), 1);
    // The two 8-bit values between the convolutions stay channels last.
    int last_out = 0, last_in = 0;
    for (const Node& n : fr.runtime.graph.nodes) {
      last_out += n.attr_int("dst_channels_last", 0) != 0;
      last_in += n.attr_int("src_channels_last", 0) != 0;
    }
    EXPECT_EQ(last_out, 2);
    EXPECT_EQ(last_in, 2);
    EXPECT_GE(fr.cosine, 0.999);
  }
}

TEST(QuantizeInt8, SqueezeExcitationConvolutionsRunAsFewRowProducts) {
  ModelBuilder b("se", {.seed = 14, .batch = 2});
  Var x = b.input("image", DType::Float, {6, 7, 5});
  x = b.relu(b.conv2d(x, 10, 3, {.padding = 1}));
  Var s = b.global_avg_pool(x, /*flatten=*/false);  // [2, 10, 1, 1]
  s = b.relu(b.conv2d(s, 4, 1, {.padding = 0}));
  s = b.hard_sigmoid(b.conv2d(s, 10, 1, {.padding = 0}));
  b.output(b.mul(x, s), "y");
  const Model ref = build_model(b);
  for (DType act : {DType::UInt8, DType::Int8}) {
    SCOPED_TRACE(act == DType::Int8 ? "int8 activations" : "uint8 activations");
    Model m = ref;
    QuantizeOptions o{.type = QuantizationType::Int8Static, .activation_type = act};
    o.samples = samples(ref, 2);
    ASSERT_TRUE(ModelQuantizer(o).quantize(m).ok());
    const auto feeds = generated_sample(ref, 6);
    const FusedCheck fr = fused_vs_reference(m, feeds);
    ASSERT_TRUE(fr.ran);
    EXPECT_EQ(count_op(fr.runtime, "QConv"), 3);
    EXPECT_GE(fr.cosine, 0.999);
    EXPECT_GE(cosine(ref, m, feeds), 0.98);
  }
}

TEST(QuantizeInt8, DynamicConvRunsOnTheFusedKernel) {
  const Model ref = cnn();
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Int8Dynamic}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(count_op(m, "ConvInteger"), 2);
  EXPECT_EQ(count_op(m, "MatMulInteger"), 1);
  const auto feeds = generated_sample(ref, 7);
  const FusedCheck fr = fused_vs_reference(m, feeds);
  ASSERT_TRUE(fr.ran);
  EXPECT_EQ(count_op(fr.runtime, "QConv"), 2);
  EXPECT_EQ(count_op(fr.runtime, "ConvInteger"), 0);
  EXPECT_GE(fr.cosine, 0.9999);
  EXPECT_GE(cosine(ref, m, feeds), 0.99);
}

TEST(QuantizeInt8, ExcludingAnUnknownNodeIsAnError) {
  Model m = cnn();
  QuantizeOptions o{.type = QuantizationType::Int8Static};
  o.exclude_nodes = {"no_such_conv"};
  auto r = ModelQuantizer(o).quantize(m);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no_such_conv"), std::string::npos);
}

// One session, input shapes changing between runs (dynamic batch): each shape gets its own
// oneDNN plan and weight layout, and going back to an earlier shape still gives its results.
TEST(QuantizeInt8, FusedKernelsFollowChangingShapes) {
  ModelBuilder b("dyn", {.seed = 15});  // symbolic batch
  Var x = b.input("image", DType::Float, {4, 9, 9});
  x = b.relu(b.conv2d(x, 16, 3, {.padding = 1}));
  x = b.relu(b.conv2d(x, 16, 1, {.padding = 0}));
  x = b.global_avg_pool(x);
  b.output(b.linear(x, 6), "y");
  const Model ref = build_model(b);
  Model m = ref;
  QuantizeOptions o{.type = QuantizationType::Int8Static};
  o.samples = samples(ref, 2);
  ASSERT_TRUE(ModelQuantizer(o).quantize(m).ok());
  SessionOptions fast, plain;
  fast.threads = plain.threads = 1;
  plain.optimize = false;
  auto sf = Session::create(m, fast), sp = Session::create(m, plain);
  ASSERT_TRUE(sf.ok() && sp.ok());
  for (int64_t batch : {1, 7, 1, 3, 7}) {
    Tensor t(DType::Float, {batch, 4, 9, 9});
    std::mt19937 rng(static_cast<uint32_t>(batch));
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (float& v : t.span<float>()) v = u(rng);
    auto yf = (*sf)->run({{"image", t}}), yp = (*sp)->run({{"image", t}});
    ASSERT_TRUE(yf.ok() && yp.ok()) << "batch " << batch;
    OutputAgreement agree;
    agree.add(yp->front(), yf->front());
    EXPECT_GE(agree.cosine(), 0.9999) << "batch " << batch;
  }
}

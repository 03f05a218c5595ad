// FP16/BF16 conversion (sz0/quantize.h): what is converted, what is fenced in float32 and why,
// the Casts at the graph's edges, and outputs that stay finite and close to the float model's.
#include <sz0/builder.h>
#include <sz0/quantize.h>
#include <sz0/session.h>

#include "util/build_model.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sz0;

namespace {

// Runs `m` on the deterministic sample for `ref` (cast to m's input types); first output as float.
std::vector<double> run_first(const Model& m, const std::map<std::string, Tensor>& sample) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo* v : m.graph.runtime_inputs()) feeds[v->name] = sample.at(v->name).cast(v->type.dtype);
  SessionOptions o;
  o.threads = 1;
  auto s = Session::create(m, o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  auto out = (*s)->run(feeds);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? out->front().to_double() : std::vector<double>{};
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / std::sqrt(na * nb);
}

bool finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return !v.empty();
}

int count_op(const Model& m, const std::string& op) {
  int n = 0;
  for (const Node& node : m.graph.nodes) n += node.op_type == op;
  return n;
}

Model mlp() {
  ModelBuilder b("mlp", {.seed = 3, .batch = 2});
  Var x = b.input("x", DType::Float, {32});
  x = b.relu(b.linear(x, 64));
  b.output(b.linear(x, 10), "logits");
  return build_model(b);
}

TEST(QuantizeFp16, ConvertsComputeAndWeights) {
  const Model ref = mlp();
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Fp16}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->nodes_converted, 3);  // Gemm, Relu, Gemm
  EXPECT_EQ(r->converted_ops.at("Gemm"), 2);
  EXPECT_TRUE(r->fenced.empty());
  EXPECT_EQ(r->initializers_converted, 4);
  EXPECT_EQ(r->casts_added, 2);  // input to float16, output back to float32
  EXPECT_EQ(count_op(m, "Cast"), 2);
  for (auto& [name, t] : m.graph.initializers) EXPECT_EQ(t.dtype(), DType::Float16) << name;
  EXPECT_LT(r->bytes_after * 2, r->bytes_before + 1);
  // keep_io_types (default): the interface is unchanged.
  EXPECT_EQ(m.graph.inputs[0].type.dtype, DType::Float);
  EXPECT_EQ(m.graph.outputs[0].type.dtype, DType::Float);
  EXPECT_EQ(m.graph.outputs[0].name, "logits");

  const auto sample = generated_sample(ref, 1);
  const auto want = run_first(ref, sample), got = run_first(m, sample);
  ASSERT_TRUE(finite(got));
  EXPECT_GE(cosine(want, got), 0.999);
}

TEST(QuantizeFp16, KeepIoTypesOff) {
  const Model ref = mlp();
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Fp16, .keep_io_types = false}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(m.graph.inputs[0].type.dtype, DType::Float16);
  EXPECT_EQ(m.graph.outputs[0].type.dtype, DType::Float16);
  EXPECT_EQ(r->casts_added, 0);
  EXPECT_EQ(count_op(m, "Cast"), 0);
  const auto sample = generated_sample(ref, 1);
  EXPECT_GE(cosine(run_first(ref, sample), run_first(m, sample)), 0.999);
}

TEST(QuantizeFp16, FencesOpsWhoseActivationsExceedHalfRange) {
  ModelBuilder b("big", {.seed = 5, .batch = 1});
  Var x = b.input("x", DType::Float, {64});
  Var h = b.mul(x, b.parameter("gain", {64}, 400.f));  // |h| up to ~1000: fits float16
  Var sq = b.mul(h, h);                                // |sq| up to ~1e6: does not
  Var y = b.tanh(b.mul(sq, b.parameter("shrink", {64}, 1e-6f)));
  b.output(y, "y");
  const Model ref = build_model(b);
  const auto sample = generated_sample(ref, 0);
  auto ranges = activation_ranges(ref, {sample});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  ASSERT_GT(ranges->at(ref.graph.nodes[1].outputs[0]), 65504.0);  // the premise of the test

  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Fp16, .samples = {sample}}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // h*h writes the big value and (sq * shrink) reads it: both stay float32.
  ASSERT_EQ(r->fenced.size(), 2u);
  for (const FencedNode& f : r->fenced) {
    EXPECT_EQ(f.op_type, "Mul");
    EXPECT_NE(f.reason.find("65504"), std::string::npos) << f.reason;
  }
  EXPECT_EQ(r->nodes_converted, 2);  // the first Mul and Tanh
  const auto got = run_first(m, sample);
  ASSERT_TRUE(finite(got));
  EXPECT_GE(cosine(run_first(ref, sample), got), 0.999);

}

TEST(QuantizeFp16, FragileOpsStayFloat32AndIndicesAreUntouched) {
  ModelBuilder b("seq", {.seed = 9, .batch = 1});
  Var ids = b.input("ids", DType::Int64, {8});
  Var e = b.embedding(ids, 10, 16);
  e = b.layer_norm(b.linear(e, 16));
  b.output(b.softmax(e), "probs");
  const Model ref = build_model(b);
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Fp16}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->fenced.size(), 1u);
  EXPECT_EQ(r->fenced[0].op_type, "LayerNormalization");
  EXPECT_EQ(r->converted_ops.count("Gather"), 1u);
  EXPECT_EQ(m.graph.inputs[0].type.dtype, DType::Int64);  // indices stay int64
  const auto sample = generated_sample(ref, 2);
  const auto got = run_first(m, sample);
  ASSERT_TRUE(finite(got));
  EXPECT_GE(cosine(run_first(ref, sample), got), 0.999);

  // A custom float32 set: Softmax kept too.
  Model m2 = ref;
  auto r2 = ModelQuantizer({.type = QuantizationType::Fp16, .fp32_ops = {{"Softmax", "asked"}}}).quantize(m2);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  // LayerNormalization is still fenced: it has no float16 rule of its own, only the default set.
  ASSERT_EQ(r2->fenced.size(), 2u);
  EXPECT_EQ(r2->fenced[0].op_type, "LayerNormalization");
  EXPECT_EQ(r2->fenced[1].op_type, "Softmax");
  EXPECT_EQ(r2->fenced[1].reason, "asked");
}

TEST(QuantizeBf16, StoresWeightsComputesFloat32) {
  const Model ref = mlp();
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Bf16}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // Weights and the 64-wide bias; the 10-element bias is below min_bf16_elements (16).
  EXPECT_EQ(r->initializers_converted, 3);
  EXPECT_EQ(count_op(m, "Cast"), 3);  // one per converted initializer
  for (auto& [name, t] : m.graph.initializers)
    EXPECT_EQ(t.dtype(), t.numel() >= 16 ? DType::BFloat16 : DType::Float) << name;
  const auto sample = generated_sample(ref, 1);
  const auto got = run_first(m, sample);
  ASSERT_TRUE(finite(got));
  EXPECT_GE(cosine(run_first(ref, sample), got), 0.999);

  Model io = ref;
  auto r2 = ModelQuantizer({.type = QuantizationType::Bf16, .keep_io_types = false}).quantize(io);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  EXPECT_EQ(io.graph.inputs[0].type.dtype, DType::BFloat16);
  EXPECT_EQ(io.graph.outputs[0].type.dtype, DType::BFloat16);
  EXPECT_GE(cosine(run_first(ref, sample), run_first(io, sample)), 0.999);
}

// Older exporters keep weights in Constant nodes, at opsets whose Cast has no bfloat16: the
// Constants are stored as bfloat16 too, and the opset is raised to 13.
TEST(QuantizeBf16, ConstantNodeWeightsAtAnOldOpset) {
  Model ref = mlp();
  std::vector<Node> nodes;
  for (auto& [name, t] : ref.graph.initializers) {
    Node c;
    c.op_type = "Constant";
    c.name = "const_" + name;
    c.outputs = {name};
    Attribute a;
    a.name = "value";
    a.kind = Attribute::Kind::Tensor;
    a.t = t;
    c.attributes.push_back(a);
    nodes.push_back(std::move(c));
  }
  ref.graph.initializers.clear();
  for (Node& n : ref.graph.nodes) nodes.push_back(std::move(n));
  ref.graph.nodes = std::move(nodes);
  for (OpsetImport& o : ref.opsets)
    if (o.domain.empty() || o.domain == "ai.onnx") o.version = 9;
  ASSERT_EQ(ref.opset(), 9);
  Model m = ref;
  auto r = ModelQuantizer({.type = QuantizationType::Bf16}).quantize(m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->initializers_converted, 3);
  EXPECT_EQ(r->casts_added, 3);
  EXPECT_GE(m.opset(), 13);
  EXPECT_LT(r->bytes_after, r->bytes_before * 6 / 10);
  int bf16_constants = 0;
  for (const Node& n : m.graph.nodes)
    if (n.op_type == "Constant") bf16_constants += n.attr_tensor("value")->dtype() == DType::BFloat16;
  EXPECT_EQ(bf16_constants, 3);
  EXPECT_TRUE(validate_model(m).empty());
  const auto sample = generated_sample(ref, 1);
  EXPECT_GE(cosine(run_first(ref, sample), run_first(m, sample)), 0.999);
}

TEST(Quantize, ParsesModeNames) {
  EXPECT_FALSE(parse_quantization_type("int4").ok());
  EXPECT_TRUE(parse_quantization_type("int8-static").ok());
  EXPECT_TRUE(parse_quantization_type("bf16").ok());
}

}  // namespace

// An optimized session computes a float16 model in float32 (fast kernels, no per-element
// conversion) and keeps the model's float16 interface.
TEST(QuantizeFp16, SessionRunsFloat16ModelsInFloat32) {
  const Model ref = mlp();
  for (bool keep_io : {true, false}) {
    Model m = ref;
    ASSERT_TRUE(ModelQuantizer({.type = QuantizationType::Fp16, .keep_io_types = keep_io}).quantize(m).ok());
    SessionOptions fast, plain;
    fast.threads = plain.threads = 1;
    plain.optimize = false;
    auto sf = Session::create(m, fast), sp = Session::create(m, plain);
    ASSERT_TRUE(sf.ok() && sp.ok());
    for (auto& [name, t] : (*sf)->model().graph.initializers) EXPECT_NE(t.dtype(), DType::Float16) << name;
    std::map<std::string, Tensor> feeds;
    for (const ValueInfo* v : m.graph.runtime_inputs()) feeds[v->name] = generated_sample(ref, 2).at(v->name).cast(v->type.dtype);
    auto yf = (*sf)->run(feeds), yp = (*sp)->run(feeds);
    ASSERT_TRUE(yf.ok() && yp.ok()) << (yf.ok() ? yp.status().message() : yf.status().message());
    EXPECT_EQ(yf->front().dtype(), keep_io ? DType::Float : DType::Float16);
    const auto a = yf->front().to_double(), b = yp->front().to_double();
    EXPECT_GE(cosine(a, b), 0.9999);
    EXPECT_GE(cosine(a, run_first(ref, generated_sample(ref, 2))), 0.9999);
  }
}

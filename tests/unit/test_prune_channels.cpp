// Structured pruning's channel groups: which tensors must keep their channels aligned, what
// blocks a group, and channel removal. Most tests zero the channels they remove first (weights,
// bias, BatchNormalization shift): the pruned model must then compute exactly what the zeroed
// one does, which checks every slice (producers, consumers, constants, shape constants).
#include <sz0/builder.h>
#include <sz0/zoo.h>

#include "prune/channels.h"
#include "unit/pass_test.h"
#include "util/build_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace sz0;
using namespace sz0::prune;
using namespace sz0::test;

namespace {

ChannelAnalysis analyze(const Model& m, const std::map<std::string, Shape>& shapes = {}) {
  auto a = analyze_channels(m, shapes);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? std::move(*a) : ChannelAnalysis{};
}

// Index of the group whose producers are `producers` (in any order); fails the test when there
// is none.
size_t group_of(const ChannelAnalysis& a, std::vector<std::string> producers) {
  std::sort(producers.begin(), producers.end());
  for (size_t g = 0; g < a.groups.size(); ++g) {
    std::vector<std::string> p = a.groups[g].producers;
    std::sort(p.begin(), p.end());
    if (p == producers) return g;
  }
  ADD_FAILURE() << "no group produced by " << producers.front();
  return 0;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Zeroes the entries `index` along `axis` of initializer `name`.
void zero_along(Model& m, const std::string& name, int axis, const std::vector<int64_t>& index) {
  Tensor t = m.graph.initializers.at(name).clone();
  const Shape& s = t.shape();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) inner *= s[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : index)
      for (int64_t j = 0; j < inner; ++j) t.data<float>()[(o * s[static_cast<size_t>(axis)] + c) * inner + j] = 0;
  m.graph.initializers[name] = t;
}

// A conv channel that outputs exactly zero: its filter and bias are zero.
void silence_conv(Model& m, const std::string& conv, const std::vector<int64_t>& ch) {
  zero_along(m, conv + ".weight", 0, ch);
  if (m.graph.initializers.count(conv + ".bias")) zero_along(m, conv + ".bias", 0, ch);
}

// BatchNormalization of a zero channel is beta - mean·scale: zero with both at 0.
void silence_bn(Model& m, const std::string& bn, const std::vector<int64_t>& ch) {
  zero_along(m, bn + ".bias", 0, ch);
  zero_along(m, bn + ".running_mean", 0, ch);
}

std::vector<int64_t> expand(const std::vector<int64_t>& idx, int64_t width) {
  std::vector<int64_t> out;
  for (int64_t i : idx)
    for (int64_t j = 0; j < width; ++j) out.push_back(i * width + j);
  return out;
}

// Removes channels from a copy of `zeroed`; the copy must be valid and compute the same outputs.
Model prune_exact(const Model& zeroed, const ChannelAnalysis& a, const std::map<size_t, std::vector<int64_t>>& keep,
                  ChannelRemoval* removal = nullptr) {
  Model pruned = zeroed;
  auto r = remove_channels(pruned, a, keep);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return pruned;
  if (removal) *removal = *r;
  const auto problems = validate_model(pruned);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
  expect_same_outputs(zeroed, pruned, 1e-5, 1e-5);
  return pruned;
}

Shape shape_of(const Model& m, const std::string& init) { return m.graph.initializers.at(init).shape(); }

Model small_cnn() {
  ModelBuilder b("cnn", {.seed = 5});
  Var x = b.input("x", DType::Float, {3, 7, 6});
  x = b.relu(b.batch_norm(b.conv2d(x, 5, 3, {.name = "conv1"}), "bn1"));
  x = b.relu(b.batch_norm(b.conv2d(x, 7, 3, {.name = "conv2"}), "bn2"));
  x = b.global_avg_pool(x);
  b.output(b.linear(x, 4, {.name = "fc"}), "y");
  return build_model(b);
}

}  // namespace

TEST(PruneChannels, SmallCnnGroupsAndExactRemoval) {
  Model m = small_cnn();
  // A stale shape for conv1's output, which removal must drop.
  const std::string conv1_out = m.graph.nodes[0].outputs[0];
  m.graph.value_info.push_back({conv1_out, TypeInfo(DType::Float, {Dim("batch"), 5, 7, 6}), ""});
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 3u);
  const size_t g1 = group_of(a, {"conv1"}), g2 = group_of(a, {"conv2"}), gfc = group_of(a, {"fc"});
  EXPECT_EQ(a.groups[g1].channels, 5);
  EXPECT_EQ(a.groups[g2].channels, 7);
  EXPECT_TRUE(a.groups[g1].blocked.empty()) << a.groups[g1].blocked;
  EXPECT_TRUE(a.groups[g2].blocked.empty()) << a.groups[g2].blocked;
  EXPECT_NE(a.groups[gfc].blocked.find("graph output 'y'"), std::string::npos) << a.groups[gfc].blocked;
  for (const char* n : {"conv1", "bn1", "conv2"}) EXPECT_TRUE(has(a.groups[g1].members, n)) << n;
  for (const char* n : {"conv2", "bn2", "fc"}) EXPECT_TRUE(has(a.groups[g2].members, n)) << n;

  silence_conv(m, "conv1", {1, 3});
  silence_bn(m, "bn1", {1, 3});
  silence_conv(m, "conv2", {0, 4, 6});
  silence_bn(m, "bn2", {0, 4, 6});
  ChannelRemoval r;
  const Model p = prune_exact(m, a, {{g1, {0, 2, 4}}, {g2, {1, 2, 3, 5}}}, &r);
  EXPECT_EQ(shape_of(p, "conv1.weight"), (Shape{3, 3, 3, 3}));
  EXPECT_EQ(shape_of(p, "conv1.bias"), (Shape{3}));
  EXPECT_EQ(shape_of(p, "bn1.running_var"), (Shape{3}));
  EXPECT_EQ(shape_of(p, "conv2.weight"), (Shape{4, 3, 3, 3}));
  EXPECT_EQ(shape_of(p, "fc.weight"), (Shape{4, 4}));
  EXPECT_EQ(r.weights.at("conv2.weight").rows, (std::vector<int64_t>{1, 2, 3, 5}));
  EXPECT_EQ(r.weights.at("conv2.weight").cols, expand({0, 2, 4}, 9));  // 3x3 kernel: 9 columns per channel
  EXPECT_EQ(r.weights.at("fc.weight").rows, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.weights.at("fc.weight").cols, (std::vector<int64_t>{1, 2, 3, 5}));
  EXPECT_EQ(r.kept_channels.at(conv1_out), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(p.graph.find_value_info(conv1_out), nullptr);
  // Output shape unchanged: checked by expect_same_outputs; a blocked group is refused.
  Model q = m;
  EXPECT_FALSE(remove_channels(q, a, {{gfc, {0, 1}}}).ok());
  EXPECT_FALSE(remove_channels(q, a, {{g1, {2, 1}}}).ok());
  EXPECT_FALSE(remove_channels(q, a, {{g1, {}}}).ok());
}

TEST(PruneChannels, ResidualAddMergesProducers) {
  ModelBuilder b("res", {.seed = 2});
  Var x = b.input("x", DType::Float, {4, 5, 5});
  Var y = b.add(b.conv2d(x, 6, 3, {.name = "a"}), b.conv2d(x, 6, 1, {.padding = 0, .name = "b"}));
  b.output(b.conv2d(b.relu(y), 3, 3, {.name = "c"}), "out");
  Model m = build_model(b);
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 2u);
  const size_t g = group_of(a, {"a", "b"});
  EXPECT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
  EXPECT_EQ(a.groups[g].channels, 6);
  silence_conv(m, "a", {1, 2, 4});
  silence_conv(m, "b", {1, 2, 4});
  const Model p = prune_exact(m, a, {{g, {0, 3, 5}}});
  EXPECT_EQ(shape_of(p, "a.weight"), (Shape{3, 4, 3, 3}));
  EXPECT_EQ(shape_of(p, "b.weight"), (Shape{3, 4, 1, 1}));
  EXPECT_EQ(shape_of(p, "c.weight"), (Shape{3, 3, 3, 3}));
}

TEST(PruneChannels, SqueezeExcitation) {
  ModelBuilder b("se", {.seed = 3});
  Var x = b.input("x", DType::Float, {3, 6, 6});
  Var x0 = b.relu(b.conv2d(x, 8, 3, {.name = "c0"}));
  Var s = b.global_avg_pool(x0, false);
  s = b.relu(b.conv2d(s, 3, 1, {.padding = 0, .name = "fc1"}));
  s = b.sigmoid(b.conv2d(s, 8, 1, {.padding = 0, .name = "fc2"}));
  b.output(b.conv2d(b.mul(x0, s), 5, 3, {.name = "c3"}), "out");
  Model m = build_model(b);
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 3u);
  const size_t gx = group_of(a, {"c0", "fc2"}), gs = group_of(a, {"fc1"});
  EXPECT_TRUE(a.groups[gx].blocked.empty()) << a.groups[gx].blocked;
  EXPECT_TRUE(a.groups[gs].blocked.empty()) << a.groups[gs].blocked;
  EXPECT_TRUE(has(a.groups[gx].members, "fc1"));  // fc1 reads the excited channels
  // x0's removed channels are zero, so whatever fc2 computes for them is multiplied by zero.
  silence_conv(m, "c0", {0, 3, 4});
  silence_conv(m, "fc1", {1});
  const Model p = prune_exact(m, a, {{gx, {1, 2, 5, 6, 7}}, {gs, {0, 2}}});
  EXPECT_EQ(shape_of(p, "fc1.weight"), (Shape{2, 5, 1, 1}));
  EXPECT_EQ(shape_of(p, "fc2.weight"), (Shape{5, 2, 1, 1}));
  EXPECT_EQ(shape_of(p, "fc2.bias"), (Shape{5}));
  EXPECT_EQ(shape_of(p, "c3.weight"), (Shape{5, 5, 3, 3}));
}

TEST(PruneChannels, DepthwiseInTheMiddle) {
  for (int64_t mult : {1, 2}) {
    SCOPED_TRACE(mult);
    ModelBuilder b("mobile", {.seed = 4});
    Var x = b.input("x", DType::Float, {3, 7, 7});
    Var y = b.relu(b.batch_norm(b.conv2d(x, 6, 1, {.padding = 0, .name = "pw1"}), "bn1"));
    y = b.relu(b.batch_norm(b.conv2d(y, 6 * mult, 3, {.groups = 6, .name = "dw"}), "bn2"));
    b.output(b.conv2d(y, 4, 1, {.padding = 0, .name = "pw2"}), "out");
    Model m = build_model(b);
    const ChannelAnalysis a = analyze(m);
    ASSERT_EQ(a.groups.size(), 2u);
    const size_t g = group_of(a, {"pw1"});
    EXPECT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
    for (const char* n : {"pw1", "bn1", "dw", "bn2", "pw2"}) EXPECT_TRUE(has(a.groups[g].members, n)) << n;
    const std::vector<int64_t> removed{2, 3, 5};
    silence_conv(m, "pw1", removed);
    silence_bn(m, "bn1", removed);
    // The depthwise outputs of a zero channel are its bias: zero them and their BN shift.
    silence_conv(m, "dw", expand(removed, mult));
    silence_bn(m, "bn2", expand(removed, mult));
    ChannelRemoval r;
    const Model p = prune_exact(m, a, {{g, {0, 1, 4}}}, &r);
    const Node* dw = nullptr;
    for (const Node& n : p.graph.nodes)
      if (n.name == "dw") dw = &n;
    ASSERT_NE(dw, nullptr);
    EXPECT_EQ(dw->attr_int("group", 0), 3);
    EXPECT_EQ(shape_of(p, "dw.weight"), (Shape{3 * mult, 1, 3, 3}));
    EXPECT_EQ(shape_of(p, "bn2.weight"), (Shape{3 * mult}));
    EXPECT_EQ(shape_of(p, "pw2.weight"), (Shape{4, 3 * mult, 1, 1}));
    EXPECT_EQ(r.weights.at("dw.weight").rows, expand({0, 1, 4}, mult));
  }
}

TEST(PruneChannels, ConcatAlongChannels) {
  for (bool with_input : {false, true}) {
    SCOPED_TRACE(with_input);
    ModelBuilder b("cat", {.seed = 6});
    Var x = b.input("x", DType::Float, {3, 5, 5});
    Var pa = b.relu(b.conv2d(x, 3, 3, {.name = "A"}));
    Var pb = b.relu(b.conv2d(x, 4, 3, {.name = "B"}));
    // The graph input, concatenated too, keeps its channels.
    Var cat = with_input ? b.concat({pa, x, pb}, 1) : b.concat({pa, pb}, 1);
    b.output(b.conv2d(cat, 2, 3, {.name = "C"}), "out");
    Model m = build_model(b);
    const ChannelAnalysis a = analyze(m);
    ASSERT_EQ(a.groups.size(), 3u);
    const size_t ga = group_of(a, {"A"}), gb = group_of(a, {"B"});
    EXPECT_TRUE(a.groups[ga].blocked.empty()) << a.groups[ga].blocked;
    EXPECT_TRUE(a.groups[gb].blocked.empty()) << a.groups[gb].blocked;
    silence_conv(m, "A", {1});
    silence_conv(m, "B", {0, 3});
    ChannelRemoval r;
    const Model p = prune_exact(m, a, {{ga, {0, 2}}, {gb, {1, 2}}}, &r);
    const std::vector<int64_t> kept = with_input ? std::vector<int64_t>{0, 2, 3, 4, 5, 7, 8}
                                                 : std::vector<int64_t>{0, 2, 4, 5};
    EXPECT_EQ(r.weights.at("C.weight").cols, expand(kept, 9));
    EXPECT_EQ(shape_of(p, "C.weight"), (Shape{2, static_cast<int64_t>(kept.size()), 3, 3}));
  }
}

TEST(PruneChannels, FlattenAndReshapeIntoGemm) {
  // 5 channels of 3x3 flattened into 45 features, in every spelling.
  enum Kind { kFlatten, kReshapeZero, kReshapeMinusOne, kReshapeOne, kMatMul };
  for (Kind kind : {kFlatten, kReshapeZero, kReshapeMinusOne, kReshapeOne, kMatMul}) {
    SCOPED_TRACE(static_cast<int>(kind));
    const bool fixed = kind == kReshapeMinusOne || kind == kReshapeOne;
    ModelBuilder b("flat", {.seed = 7, .batch = fixed ? 1 : 0});
    Var x = b.input("x", DType::Float, {2, 5, 5});
    Var y = b.relu(b.conv2d(x, 5, 3, {.stride = 2, .name = "conv"}));  // [N, 5, 3, 3]
    if (kind == kFlatten || kind == kMatMul) y = b.flatten(y);
    if (kind == kReshapeZero) y = b.reshape(y, {0, -1});
    if (kind == kReshapeMinusOne) y = b.reshape(y, {-1, 45});
    if (kind == kReshapeOne) y = b.reshape(y, {1, 45});
    const std::string weight = kind == kMatMul ? "w" : "fc.weight";
    y = kind == kMatMul ? b.matmul(y, b.parameter("w", {45, 4}, 0.3f)) : b.linear(y, 4, {.name = "fc"});
    b.output(y, "out");
    Model m = build_model(b);
    const ChannelAnalysis a = analyze(m);
    const size_t g = group_of(a, {"conv"});
    ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
    silence_conv(m, "conv", {1, 2});
    ChannelRemoval r;
    const Model p = prune_exact(m, a, {{g, {0, 3, 4}}}, &r);
    EXPECT_EQ(r.weights.at(weight).cols, expand({0, 3, 4}, 9));
    EXPECT_EQ(shape_of(p, weight), kind == kMatMul ? (Shape{27, 4}) : (Shape{4, 27}));
    auto types = infer_graph(p.graph, p);
    ASSERT_TRUE(types.ok()) << types.status().message();
    for (const Node& n : p.graph.nodes) {
      if (n.op_type != "Reshape") continue;
      const std::vector<int64_t> s = types->constants.at(n.inputs[1]).to_int64();
      const std::vector<int64_t> want = kind == kReshapeZero       ? std::vector<int64_t>{0, -1}
                                        : kind == kReshapeMinusOne ? std::vector<int64_t>{-1, 27}
                                                                   : std::vector<int64_t>{1, 27};
      EXPECT_EQ(s, want);
    }
  }
}

TEST(PruneChannels, MatMulFeedForward) {
  ModelBuilder b("ffn", {.seed = 8, .batch = 1});
  Var x = b.input("x", DType::Float, {5, 6});  // [1, T=5, D=6]
  Var h = b.relu(b.linear(x, 7, {.name = "fc1"}));
  b.output(b.linear(h, 6, {.name = "fc2"}), "out");
  Model m = build_model(b);
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 2u);
  const size_t gf = group_of(a, {"fc1.matmul"}), gd = group_of(a, {"fc2.matmul"});
  EXPECT_TRUE(a.groups[gf].blocked.empty()) << a.groups[gf].blocked;
  EXPECT_TRUE(has(a.groups[gf].members, "fc1"));  // the bias Add
  EXPECT_NE(a.groups[gd].blocked.find("graph output"), std::string::npos) << a.groups[gd].blocked;
  zero_along(m, "fc1.weight", 1, {0, 3, 5});
  zero_along(m, "fc1.bias", 0, {0, 3, 5});
  ChannelRemoval r;
  const Model p = prune_exact(m, a, {{gf, {1, 2, 4, 6}}}, &r);
  EXPECT_EQ(shape_of(p, "fc1.weight"), (Shape{6, 4}));
  EXPECT_EQ(shape_of(p, "fc1.bias"), (Shape{4}));
  EXPECT_EQ(shape_of(p, "fc2.weight"), (Shape{4, 6}));
  EXPECT_EQ(r.weights.at("fc1.weight").rows, (std::vector<int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(r.weights.at("fc2.weight").cols, (std::vector<int64_t>{1, 2, 4, 6}));
  EXPECT_EQ(r.weights.at("fc2.weight").rows, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

// Channel-wise ops by hand at opsets 11 and 13: PRelu, a Constant-node scale, per-channel Add and
// Div, Clip, LeakyRelu, MaxPool, Dropout, then a reduction over H, W into a Gemm with B [K, N].
TEST(PruneChannels, ChannelWiseOpsByHand) {
  for (int64_t opset : {11, 13}) {
    SCOPED_TRACE(opset);
    const std::vector<int64_t> removed{1, 4};
    std::vector<float> shift{0.3f, 0, -0.2f, 0.1f, 0};  // zero on the removed channels
    std::vector<Node> nodes = {
        op("Conv", {"x", "w1", "b1"}, {"y1"}, {attr_ints("pads", {1, 1, 1, 1})}),
        op("PRelu", {"y1", "slope"}, {"y2"}),
        op("Constant", {}, {"scale"}, {attr_tensor("value", f32({1.5f, -1, 2, 0.5f, 3}, {1, 5, 1, 1}))}),
        op("Mul", {"y2", "scale"}, {"y3"}),
        op("Add", {"y3", "shift"}, {"y4"}),
        op("Div", {"y4", "div"}, {"y5"}),
        op("Clip", {"y5", "lo", "hi"}, {"y6"}),
        op("LeakyRelu", {"y6"}, {"y7"}, {attr_float("alpha", 0.2f)}),
        op("MaxPool", {"y7"}, {"y8"}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}),
        op("Dropout", {"y8"}, {"y9"}),
    };
    if (opset == 11) {
      nodes.push_back(op("ReduceMean", {"y9"}, {"r"}, {attr_ints("axes", {2, 3}), attr_int("keepdims", 0)}));
    } else {
      nodes.push_back(op("ReduceSum", {"y9", "axes"}, {"rk"}, {attr_int("keepdims", 1)}));
      nodes.push_back(op("Squeeze", {"rk", "axes"}, {"r"}));
    }
    nodes.push_back(op("Gemm", {"r", "B", "C"}, {"out"}));
    Model m = graph_model(opset, {{"x", {1, 3, 6, 6}}}, {"out"}, nodes,
                          {{"w1", random_tensor(DType::Float, {5, 3, 3, 3}, 1)},
                           {"b1", random_tensor(DType::Float, {5}, 2)},
                           {"slope", random_tensor(DType::Float, {5, 1, 1}, 3)},
                           {"shift", f32(shift, {5, 1, 1})},
                           {"div", f32({2, 4, -1, 0.5f, 8}, {5, 1, 1})},
                           {"lo", scalar(-1)},
                           {"hi", scalar(1)},
                           {"axes", i64({2, 3})},
                           {"B", random_tensor(DType::Float, {5, 4}, 4)},
                           {"C", random_tensor(DType::Float, {4}, 5)}});
    const ChannelAnalysis a = analyze(m);
    ASSERT_EQ(a.groups.size(), 2u);
    const size_t g = group_of(a, {"y1"});
    ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
    for (const char* n : {"y1", "y2", "y3", "y4", "y5", "out"}) EXPECT_TRUE(has(a.groups[g].members, n)) << n;
    zero_along(m, "w1", 0, removed);
    zero_along(m, "b1", 0, removed);
    ChannelRemoval r;
    const Model p = prune_exact(m, a, {{g, {0, 2, 3}}}, &r);
    EXPECT_EQ(shape_of(p, "B"), (Shape{3, 4}));
    EXPECT_EQ(shape_of(p, "slope"), (Shape{3, 1, 1}));
    EXPECT_EQ(r.weights.at("B").cols, (std::vector<int64_t>{0, 2, 3}));
    // The Constant node's value now lives in an initializer of its reader.
    EXPECT_EQ(count_op(p, "Constant"), 0);
    for (const Node& n : p.graph.nodes)
      if (n.op_type == "Mul") {
        EXPECT_EQ(shape_of(p, n.inputs[1]), (Shape{1, 3, 1, 1}));
      }
    EXPECT_EQ(r.kept_channels.at("y9"), (std::vector<int64_t>{0, 2, 3}));
  }
}

TEST(PruneChannels, GemmChainAndTransA) {
  {
    // Gemm (transB 1, per-channel C) → Relu → Gemm: the first one's rows and C shrink.
    ModelBuilder b("mlp", {.seed = 10});
    Var h = b.relu(b.linear(b.input("x", DType::Float, {6}), 7, {.name = "fc1"}));
    b.output(b.linear(h, 3, {.name = "fc2"}), "out");
    Model m = build_model(b);
    const ChannelAnalysis a = analyze(m);
    const size_t g = group_of(a, {"fc1"});
    ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
    silence_conv(m, "fc1", {0, 5});  // rows of [out, in] and bias entries
    const Model p = prune_exact(m, a, {{g, {1, 2, 3, 4, 6}}});
    EXPECT_EQ(shape_of(p, "fc1.weight"), (Shape{5, 6}));
    EXPECT_EQ(shape_of(p, "fc1.bias"), (Shape{5}));
    EXPECT_EQ(shape_of(p, "fc2.weight"), (Shape{3, 5}));
  }
  // Channels on axis 0 ([1, C] reshaped to [C, 1]) read by Gemm with transA: B [K, N] loses rows.
  Model m = graph_model(13, {{"x", {1, 3, 5, 5}}}, {"out"},
                        {op("Conv", {"x", "w", "b"}, {"y"}), op("GlobalAveragePool", {"y"}, {"p"}),
                         op("Flatten", {"p"}, {"f"}), op("Reshape", {"f", "shape"}, {"t"}),
                         op("Gemm", {"t", "B"}, {"out"}, {attr_int("transA", 1)})},
                        {{"w", random_tensor(DType::Float, {5, 3, 3, 3}, 1)},
                         {"b", random_tensor(DType::Float, {5}, 2)},
                         {"shape", i64({5, 1})},
                         {"B", random_tensor(DType::Float, {5, 4}, 3)}});
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 2u);
  const size_t g = group_of(a, {"y"});
  ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
  zero_along(m, "w", 0, {2});
  zero_along(m, "b", 0, {2});
  ChannelRemoval r;
  const Model p = prune_exact(m, a, {{g, {0, 1, 3, 4}}}, &r);
  EXPECT_EQ(shape_of(p, "B"), (Shape{4, 4}));
  EXPECT_EQ(p.graph.initializers.at("shape").to_int64(), (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(r.weights.at("B").cols, (std::vector<int64_t>{0, 1, 3, 4}));
}

TEST(PruneChannels, Blockers) {
  auto reason = [](const Model& m, const std::string& producer) {
    const ChannelAnalysis a = analyze(m);
    return a.groups.empty() ? std::string() : a.groups[group_of(a, {producer})].blocked;
  };
  {
    ModelBuilder b("softmax", {.seed = 1});
    Var y = b.softmax(b.conv2d(b.input("x", DType::Float, {3, 5, 5}), 4, 3, {.name = "c1"}), 1);
    b.output(b.conv2d(y, 2, 3, {.name = "c2"}), "out");
    const std::string why = reason(build_model(b), "c1");
    EXPECT_NE(why.find("Softmax"), std::string::npos) << why;
  }
  {
    ModelBuilder b("grouped", {.seed = 1});
    Var y = b.conv2d(b.input("x", DType::Float, {3, 5, 5}), 4, 3, {.name = "c1"});
    b.output(b.conv2d(y, 4, 3, {.groups = 2, .name = "g"}), "out");
    const std::string why = reason(build_model(b), "c1");
    EXPECT_NE(why.find("node 'g' (Conv): grouped convolution"), std::string::npos) << why;
  }
  {
    // A Transpose carries the channels to their new axis; here they reach the graph's output.
    ModelBuilder b("transpose", {.seed = 1});
    Var y = b.conv2d(b.input("x", DType::Float, {3, 5, 5}), 4, 3, {.name = "c1"});
    b.output(b.transpose(y, {0, 2, 3, 1}), "out");
    const std::string why = reason(build_model(b), "c1");
    EXPECT_NE(why.find("reaches graph output 'out'"), std::string::npos) << why;
  }
  // By hand: a shared weight, a Conv whose weight is a graph input, and a subgraph reading a group.
  Tensor w = random_tensor(DType::Float, {4, 3, 1, 1}, 1);
  Tensor w2 = random_tensor(DType::Float, {2, 4, 1, 1}, 2);
  Node branch = op("Relu", {"y2"}, {"t"});
  Graph then_g;
  then_g.name = "then";
  then_g.nodes = {branch};
  then_g.outputs = {{"t", TypeInfo(DType::Float, {1, 4, 5, 5}), ""}};
  Graph else_g = then_g;
  else_g.nodes[0] = op("Sigmoid", {"y2"}, {"t"});
  Model m = graph_model(17, {{"x", {1, 3, 5, 5}}, {"wi", {2, 4, 1, 1}}}, {"o1", "o2", "o3"},
                        {op("Conv", {"x", "w"}, {"y1"}), op("Conv", {"x", "w"}, {"y1b"}),
                         op("Conv", {"x", "w_own"}, {"y2"}), op("Conv", {"y1", "wi"}, {"o1"}),
                         op("Conv", {"y1b", "w2"}, {"o2"}), op("Constant", {}, {"cond"}, {attr_tensor("value", Tensor::scalar<bool>(true))}),
                         op("If", {"cond"}, {"o3"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})},
                        {{"w", w}, {"w_own", w.clone()}, {"w2", w2}});
  const ChannelAnalysis a = analyze(m);
  ASSERT_EQ(a.groups.size(), 4u) << "y1, y1b, y2, o2";
  EXPECT_NE(a.groups[group_of(a, {"y1"})].blocked.find("weight 'w' is shared"), std::string::npos);
  EXPECT_NE(a.groups[group_of(a, {"y1b"})].blocked.find("shared"), std::string::npos);
  EXPECT_NE(a.groups[group_of(a, {"y2"})].blocked.find("subgraph of node 'o3' (If)"), std::string::npos)
      << a.groups[group_of(a, {"y2"})].blocked;
  Model bad = graph_model(17, {{"x", {1, 3, 5, 5}}, {"wi", {2, 4, 1, 1}}}, {"o1"},
                          {op("Conv", {"x", "w"}, {"y1"}), op("Conv", {"y1", "wi"}, {"o1"})}, {{"w", w}});
  const ChannelAnalysis b = analyze(bad);
  ASSERT_EQ(b.groups.size(), 1u);
  EXPECT_NE(b.groups[0].blocked.find("node 'o1' (Conv): its weight is not a float32 initializer"), std::string::npos)
      << b.groups[0].blocked;
}

namespace {

// A recurrent cell's hidden unit j that stays exactly zero: its rows of W and R in every gate and
// direction, its biases, peepholes and initial state are zero (every gate then sits at σ(0) or
// tanh(0), and the state decays from zero to zero). Readers of the state see zeros.
void silence_unit(Model& m, const Node& cell, int64_t H, int64_t j) {
  auto zero = [&](const std::string& name, int64_t stride, int64_t inner) {
    if (name.empty()) return;
    Tensor t = m.graph.initializers.at(name).clone();
    for (int64_t e = 0; e < t.numel(); ++e)
      if ((e / inner) % stride % H == j) t.data<float>()[e] = 0;
    m.graph.initializers[name] = t;
  };
  const Tensor& w = m.graph.initializers.at(cell.inputs[1]);
  const int64_t GH = w.dim(1);
  zero(cell.inputs[1], GH, w.dim(2));  // W [D, G·H, I]
  zero(cell.inputs[2], GH, H);         // R [D, G·H, H]
  if (cell.has_input(3)) zero(cell.inputs[3], 2 * GH, 1);
  for (size_t k : {size_t{5}, size_t{6}})
    if (cell.has_input(k)) zero(cell.inputs[k], H, 1);  // [D, N, H]
  if (cell.has_input(7)) zero(cell.inputs[7], 3 * H, 1);
}

const Node& node_named(const Model& m, const std::string& name) {
  for (const Node& n : m.graph.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

}  // namespace

// GRU and LSTM stacks as the zoo builds them (Squeeze, or for two directions Transpose and
// Reshape, between layers; Transpose and a Gemm after): each layer's hidden units are a group of
// their own; removing units shrinks W's and R's rows in every gate and direction, R's and the
// next layer's columns (once per direction), B, and hidden_size.
TEST(PruneChannels, RecurrentHiddenUnits) {
  for (bool last_state : {false, true})
    for (bool bidir : {false, true}) {
      SCOPED_TRACE(std::string(last_state ? "final state" : "sequence") + (bidir ? ", bidirectional" : ""));
      const int64_t D = bidir ? 2 : 1;
      ModelBuilder b("rnn", {.seed = 3, .batch = 2});
      Var x = b.input("x", DType::Float, {6, 4});  // [2, T=6, 4]
      Var y = b.gru(x, 7, {.layers = 2, .bidirectional = bidir, .name = "gru"});
      y = b.lstm(y, 5, {.bidirectional = bidir, .return_sequences = !last_state, .name = "lstm"});
      b.output(b.linear(y, 3, {.name = "fc"}), "out");
      Model m = build_model(b);
      const ChannelAnalysis a = analyze(m);
      const size_t g0 = group_of(a, {"gru.l0"}), g1 = group_of(a, {"gru.l1"}), gl = group_of(a, {"lstm.l0"});
      for (size_t g : {g0, g1, gl}) ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
      silence_unit(m, node_named(m, "gru.l0"), 7, 1);
      silence_unit(m, node_named(m, "gru.l0"), 7, 5);
      silence_unit(m, node_named(m, "gru.l1"), 7, 0);
      silence_unit(m, node_named(m, "lstm.l0"), 5, 3);
      ChannelRemoval r;
      const Model p = prune_exact(m, a, {{g0, {0, 2, 3, 4, 6}}, {g1, {1, 2, 3, 4, 5, 6}}, {gl, {0, 1, 2, 4}}}, &r);
      EXPECT_EQ(shape_of(p, "gru.l0.W"), (Shape{D, 15, 4}));
      EXPECT_EQ(shape_of(p, "gru.l0.R"), (Shape{D, 15, 5}));
      EXPECT_EQ(shape_of(p, "gru.l0.B"), (Shape{D, 30}));
      EXPECT_EQ(shape_of(p, "gru.l1.W"), (Shape{D, 18, 5 * D}));
      EXPECT_EQ(shape_of(p, "lstm.l0.W"), (Shape{D, 16, 6 * D}));
      EXPECT_EQ(node_named(p, "gru.l0").attr_int("hidden_size", 0), 5);
      EXPECT_EQ(node_named(p, "lstm.l0").attr_int("hidden_size", 0), 4);
      // Unit j of gate g keeps its place: rows g·7 + j of the first GRU's W survive, in order.
      std::vector<int64_t> rows;
      for (int64_t gate = 0; gate < 3 * D; ++gate)
        for (int64_t j : {0, 2, 3, 4, 6}) rows.push_back(gate * 7 + j);
      EXPECT_EQ(r.weights.at("gru.l0.W").rows, rows);
      if (bidir) {
        EXPECT_EQ(r.weights.at("gru.l1.W").cols, (std::vector<int64_t>{0, 2, 3, 4, 6, 7, 9, 10, 11, 13}));
      }
    }
}

// By hand: an RNN with a constant initial state into an LSTM (reverse, peepholes, constant
// initial h and c) read through its final state, and a GRU without linear_before_reset in
// layout 1 pooled by attention (a MatMul of weights and the sequence).
TEST(PruneChannels, RecurrentOptionsByHand) {
  const int64_t S = 4, N = 2, I = 3;
  auto rand = [](Shape s, uint32_t seed) { return random_tensor(DType::Float, s, seed, -0.6, 0.6); };
  auto axes = [](int64_t a) { return Tensor::from_vector(std::vector<int64_t>{a}); };
  std::map<std::string, Tensor> init = {
      {"rW", rand({1, 5, I}, 1)},  {"rR", rand({1, 5, 5}, 2)},  {"rB", rand({1, 10}, 3)},   {"rh", rand({1, N, 5}, 4)},
      {"lW", rand({1, 16, 5}, 5)}, {"lR", rand({1, 16, 4}, 6)}, {"lB", rand({1, 32}, 7)},   {"lh", rand({1, N, 4}, 8)},
      {"lc", rand({1, N, 4}, 9)},  {"lP", rand({1, 12}, 10)},   {"gW", rand({1, 9, I}, 11)}, {"gR", rand({1, 9, 3}, 12)},
      {"gB", rand({1, 18}, 13)},   {"fc", rand({4, 2}, 14)},    {"att", rand({N, 1, S}, 15)}, {"fc2", rand({3, 2}, 16)},
      {"ax0", axes(0)},            {"ax1", axes(1)},            {"ax2", axes(2)}};
  std::vector<Node> nodes = {
      op("RNN", {"x", "rW", "rR", "rB", "", "rh"}, {"rY"}, {attr_int("hidden_size", 5)}),
      op("Squeeze", {"rY", "ax1"}, {"rYs"}),
      op("LSTM", {"rYs", "lW", "lR", "lB", "", "lh", "lc", "lP"}, {"", "lYh"},
         {attr_int("hidden_size", 4), attr_string("direction", "reverse")}),
      op("Squeeze", {"lYh", "ax0"}, {"lYs"}),
      op("MatMul", {"lYs", "fc"}, {"o1"}),
      op("Transpose", {"x"}, {"xb"}, {attr_ints("perm", {1, 0, 2})}),
      op("GRU", {"xb", "gW", "gR", "gB"}, {"gY"}, {attr_int("hidden_size", 3), attr_int("layout", 1)}),
      op("Squeeze", {"gY", "ax2"}, {"gYs"}),  // [N, S, 3]
      op("MatMul", {"att", "gYs"}, {"pooled"}),  // [N, 1, 3]
      op("Squeeze", {"pooled", "ax1"}, {"ps"}),
      op("MatMul", {"ps", "fc2"}, {"o2"})};
  for (size_t i = 0; i < nodes.size(); ++i) nodes[i].name = "n" + std::to_string(i);
  Model m = graph_model(17, {{"x", {S, N, I}}}, {"o1", "o2"}, nodes, init);
  const ChannelAnalysis a = analyze(m);
  const size_t gr = group_of(a, {"n0"}), gl = group_of(a, {"n2"}), gg = group_of(a, {"n6"});
  for (size_t g : {gr, gl, gg}) ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
  silence_unit(m, m.graph.nodes[0], 5, 2);
  silence_unit(m, m.graph.nodes[2], 4, 1);
  silence_unit(m, m.graph.nodes[6], 3, 0);
  const Model p = prune_exact(m, a, {{gr, {0, 1, 3, 4}}, {gl, {0, 2, 3}}, {gg, {1, 2}}});
  EXPECT_EQ(shape_of(p, "rh"), (Shape{1, N, 4}));
  EXPECT_EQ(shape_of(p, "lP"), (Shape{1, 9}));
  EXPECT_EQ(shape_of(p, "lc"), (Shape{1, N, 3}));
  EXPECT_EQ(shape_of(p, "lW"), (Shape{1, 12, 4}));
  EXPECT_EQ(shape_of(p, "fc"), (Shape{3, 2}));
  EXPECT_EQ(shape_of(p, "gR"), (Shape{1, 6, 2}));
  EXPECT_EQ(shape_of(p, "fc2"), (Shape{2, 2}));

  // An initial state computed at run time cannot follow: the cell's group is blocked.
  Model dyn = m;
  dyn.graph.initializers.erase("rh");
  dyn.graph.inputs.push_back({"rh", TypeInfo(DType::Float, {1, N, 5}), ""});
  const ChannelAnalysis b = analyze(dyn);
  EXPECT_NE(b.groups[group_of(b, {"n0"})].blocked.find("'rh' is not a constant"), std::string::npos)
      << b.groups[group_of(b, {"n0"})].blocked;
}

// A transformer's residual stream: the embedding table's columns, the positional constant,
// every LayerNormalization's scale and bias, the residual producers' rows and the readers'
// columns shrink together. LayerNormalization then normalizes over the kept channels only, so
// this removal is checked for shapes, validity and the removed channels' being gone, not for
// unchanged outputs.
TEST(PruneChannels, ResidualStreamThroughEmbeddingAndLayerNorm) {
  ModelBuilder b("tiny-transformer", {.seed = 4, .batch = 1});
  Var ids = b.input("ids", DType::Int64, {5});
  Var x = b.add(b.embedding(ids, 11, 8, "embed"), b.parameter("pos", {5, 8}, 0.1f));
  Var h = b.layer_norm(x, "ln1");
  x = b.add(x, b.linear(b.relu(b.linear(h, 6, {.name = "fc1"})), 8, {.name = "fc2"}));
  x = b.layer_norm(x, "ln2");
  b.output(b.linear(b.reduce_mean(x, 1, false), 3, {.name = "head"}), "out");
  Model m = build_model(b);
  const ChannelAnalysis a = analyze(m);
  size_t g = a.groups.size();
  for (size_t i = 0; i < a.groups.size(); ++i)
    if (has(a.groups[i].producers, "embed") || has(a.groups[i].producers, "embed_gather")) g = i;
  ASSERT_LT(g, a.groups.size());
  ASSERT_TRUE(a.groups[g].blocked.empty()) << a.groups[g].blocked;
  EXPECT_EQ(a.groups[g].producers.size(), 2u) << "the embedding and fc2, joined by the residual Add";
  const std::vector<double> imp = channel_importance(m, a, g, ChannelImportance::L1);
  ASSERT_EQ(imp.size(), 8u);
  Model p = m;
  auto r = remove_channels(p, a, {{g, {0, 2, 3, 5, 7}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto problems = validate_model(p);
  ASSERT_TRUE(problems.empty()) << problems.front();
  auto initializer_with = [&](const std::string& part) {
    for (const auto& [name, t] : p.graph.initializers)
      if (name.find(part) != std::string::npos) return t.shape();
    return Shape{};
  };
  EXPECT_EQ(initializer_with("embed"), (Shape{11, 5}));
  EXPECT_EQ(initializer_with("pos"), (Shape{5, 5}));
  EXPECT_EQ(initializer_with("ln1.weight"), (Shape{5}));
  EXPECT_EQ(initializer_with("ln2.bias"), (Shape{5}));
  // The kept columns are the original ones.
  const Tensor& e0 = m.graph.initializers.at(p.graph.nodes[0].inputs[0]);
  const Tensor& e1 = p.graph.initializers.at(p.graph.nodes[0].inputs[0]);
  EXPECT_EQ(e1.data<float>()[1], e0.data<float>()[2]);
  EXPECT_EQ(e1.data<float>()[5 + 4], e0.data<float>()[8 + 7]);
  Tensor tokens = Tensor::from_vector<int64_t>({1, 4, 10, 0, 7}, {1, 5});
  auto outs = run_model(p, {{"ids", tokens}});
  ASSERT_TRUE(outs.ok()) << outs.status().message();
  EXPECT_EQ((*outs)[0].shape(), (Shape{1, 3}));
}

// A feature-pyramid step: Resize (nearest, x2 on the spatial axes only) is channel-wise, so the
// convolution before it loses channels exactly; a Resize that scales the channel axis blocks.
TEST(PruneChannels, ResizeOfTheSpatialAxes) {
  for (bool channel_scaled : {false, true}) {
    SCOPED_TRACE(channel_scaled ? "channel axis scaled" : "spatial only");
    const std::vector<float> sc = {1, channel_scaled ? 2.0f : 1.0f, 2, 2};
    Model m = graph_model(13, {{"x", {1, 3, 4, 4}}}, {"out"},
                          {op("Conv", {"x", "w1", "b1"}, {"h"}), op("Resize", {"h", "", "scales"}, {"u"}, {attr_string("mode", "nearest")}),
                           op("Conv", {"u", "w2"}, {"out"})},
                          {{"w1", random_tensor(DType::Float, {5, 3, 1, 1}, 1)},
                           {"b1", random_tensor(DType::Float, {5}, 2)},
                           {"scales", Tensor::from_vector(sc)},
                           {"w2", random_tensor(DType::Float, {2, channel_scaled ? 10 : 5, 1, 1}, 3)}});
    m.graph.nodes[0].name = "c1";
    const ChannelAnalysis a = analyze(m);
    const ChannelGroup& grp = a.groups[group_of(a, {"c1"})];
    if (channel_scaled) {
      EXPECT_NE(grp.blocked.find("scale along the channel axis"), std::string::npos) << grp.blocked;
      continue;
    }
    ASSERT_TRUE(grp.blocked.empty()) << grp.blocked;
    zero_along(m, "w1", 0, {1, 4});
    zero_along(m, "b1", 0, {1, 4});
    const Model p = prune_exact(m, a, {{group_of(a, {"c1"}), {0, 2, 3}}});
    EXPECT_EQ(shape_of(p, "w2"), (Shape{2, 3, 1, 1}));
  }
}

// Resize-18 with axes: scales lists only the resized axes. Scaling the spatial axes passes the
// channels; scaling the channel axis, or tf_half_pixel_for_nn (which reads channel c + 0.5 even
// at scale 1), blocks.
TEST(PruneChannels, ResizeAxesAndCoordinateModes) {
  struct Case {
    std::vector<int64_t> axes;
    std::vector<float> scales;
    std::string coord;
    bool passes;
    int64_t channels_after;  // the Resize's output channels
  };
  const Case cases[] = {{{2, 3}, {2, 2}, "asymmetric", true, 5},
                        {{-1, 1}, {2, 1}, "half_pixel", true, 5},
                        {{1}, {2}, "asymmetric", false, 10},
                        {{}, {1, 1, 2, 2}, "tf_half_pixel_for_nn", false, 5}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.coord + " with " + std::to_string(c.axes.size()) + " axes");
    std::vector<Attribute> attrs = {attr_string("mode", "nearest"), attr_string("coordinate_transformation_mode", c.coord)};
    if (!c.axes.empty()) attrs.push_back(attr_ints("axes", c.axes));
    Model m = graph_model(18, {{"x", {1, 3, 4, 4}}}, {"out"},
                          {op("Conv", {"x", "w1"}, {"h"}), op("Resize", {"h", "", "scales"}, {"u"}, attrs),
                           op("Conv", {"u", "w2"}, {"out"})},
                          {{"w1", random_tensor(DType::Float, {5, 3, 1, 1}, 1)},
                           {"scales", Tensor::from_vector(c.scales)},
                           {"w2", random_tensor(DType::Float, {2, c.channels_after, 1, 1}, 3)}});
    m.graph.nodes[0].name = "c1";
    const ChannelAnalysis a = analyze(m);
    const std::string& why = a.groups[group_of(a, {"c1"})].blocked;
    EXPECT_EQ(why.empty(), c.passes) << why;
  }
}

// LayerNormalization over more than the channel axis mixes channels into the statistics of
// other positions: the group stays whole.
TEST(PruneChannels, LayerNormOverSeveralAxesBlocks) {
  Model m = graph_model(17, {{"x", {1, 5, 6}}}, {"out"},
                        {op("MatMul", {"x", "w"}, {"h"}), op("LayerNormalization", {"h", "g", "b"}, {"n"}, {attr_int("axis", 1)}),
                         op("MatMul", {"n", "w2"}, {"out"})},
                        {{"w", random_tensor(DType::Float, {6, 8}, 1)},
                         {"g", random_tensor(DType::Float, {5, 8}, 2)},
                         {"b", random_tensor(DType::Float, {5, 8}, 3)},
                         {"w2", random_tensor(DType::Float, {8, 3}, 4)}});
  m.graph.nodes[0].name = "fc1";
  const ChannelAnalysis a = analyze(m);
  const std::string& why = a.groups[group_of(a, {"fc1"})].blocked;
  EXPECT_NE(why.find("normalizes over more than the channel axis"), std::string::npos) << why;
}

TEST(PruneChannels, ImportanceByHand) {
  ModelBuilder b("imp", {.seed = 9});
  Var x = b.input("x", DType::Float, {2, 3, 3});
  Var y = b.add(b.conv2d(x, 3, 1, {.padding = 0, .name = "A"}), b.conv2d(x, 3, 1, {.padding = 0, .name = "B"}));
  y = b.relu(b.batch_norm(y, "bn"));
  b.output(b.conv2d(y, 2, 1, {.padding = 0, .name = "C"}), "out");
  Model m = build_model(b);
  m.graph.initializers["A.weight"] = f32({1, -2, 0.5f, 0.5f, -3, 0}, {3, 2, 1, 1});
  m.graph.initializers["B.weight"] = f32({0, 1, 2, -2, 0.1f, 0.1f}, {3, 2, 1, 1});
  m.graph.initializers["bn.weight"] = f32({-0.5f, 2, 1}, {3});
  const ChannelAnalysis a = analyze(m);
  const size_t g = group_of(a, {"A", "B"}), gc = group_of(a, {"C"});
  auto near = [](const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  };
  // Weights only (the biases are random and not counted).
  near(channel_importance(m, a, g, ChannelImportance::L1), {3 + 1, 1 + 4, 3 + 0.2});
  near(channel_importance(m, a, g, ChannelImportance::L2),
       {std::sqrt(5.0) + 1, std::sqrt(0.5) + std::sqrt(8.0), 3 + std::sqrt(0.02)});
  near(channel_importance(m, a, g, ChannelImportance::BnScale), {0.5, 2, 1});
  // No BatchNormalization on C's channels: |gamma| falls back to L1.
  const std::vector<float> c = std::vector<float>(m.graph.initializers.at("C.weight").span<float>().begin(),
                                                  m.graph.initializers.at("C.weight").span<float>().end());
  near(channel_importance(m, a, gc, ChannelImportance::BnScale),
       {std::abs(c[0]) + std::abs(c[1]) + std::abs(c[2]), std::abs(c[3]) + std::abs(c[4]) + std::abs(c[5])});
  EXPECT_TRUE(channel_importance(m, a, a.groups.size(), ChannelImportance::L1).empty());
}

// Every zoo model: about 30% of each prunable group's channels (lowest L1) removed; the result
// validates and runs with the original output shapes.
TEST(PruneChannels, ZooModelsPruneAndRun) {
  for (const zoo::ZooModel& entry : zoo::models()) {
    SCOPED_TRACE(entry.name);
    auto built = zoo::build_model(entry.name, {.seed = 1, .batch = 1});
    ASSERT_TRUE(built.ok()) << built.status().message();
    Model m = std::move(*built);
    const ChannelAnalysis a = analyze(m);
    std::map<size_t, std::vector<int64_t>> keep;
    size_t prunable = 0;
    for (size_t g = 0; g < a.groups.size(); ++g) {
      const int64_t n = a.groups[g].channels, remove = n * 3 / 10;
      if (!a.groups[g].blocked.empty()) continue;
      ++prunable;
      if (remove == 0) continue;
      const std::vector<double> imp = channel_importance(m, a, g, ChannelImportance::L1);
      ASSERT_EQ(static_cast<int64_t>(imp.size()), n);
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
        return imp[static_cast<size_t>(x)] > imp[static_cast<size_t>(y)];
      });
      order.resize(static_cast<size_t>(n - remove));
      std::sort(order.begin(), order.end());
      keep[g] = order;
    }
    auto expected = infer_graph(m.graph, m);
    ASSERT_TRUE(expected.ok()) << expected.status().message();
    Model p = m;
    auto r = remove_channels(p, a, keep);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const auto problems = validate_model(p);
    ASSERT_TRUE(problems.empty()) << problems.front();
    auto outs = run_model(p, random_feeds(p));
    ASSERT_TRUE(outs.ok()) << outs.status().message();
    ASSERT_EQ(outs->size(), p.graph.outputs.size());
    for (size_t i = 0; i < outs->size(); ++i)
      EXPECT_EQ((*outs)[i].shape(), expected->types.at(p.graph.outputs[i].name).concrete());
    auto params = [](const Model& x) {
      int64_t n = 0;
      for (const auto& [name, t] : x.graph.initializers)
        if (dtype_is_float(t.dtype())) n += t.numel();
      return n;
    };
    std::printf("[ zoo prune ] %-14s groups %3zu  prunable %3zu  params %9lld -> %9lld\n", entry.name.c_str(),
                a.groups.size(), prunable, static_cast<long long>(params(m)), static_cast<long long>(params(p)));
    if (entry.name == "resnet-s" || entry.name == "mobilenet-s" || entry.name == "mlp") {
      EXPECT_LT(params(p), params(m));
    }
  }
}

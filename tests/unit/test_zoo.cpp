// Zoo: every model builds, validates, survives an ONNX round trip, and runs at batch 1 and 4
// with a symbolic batch axis and with the batch fixed; the sentinel detectors' outputs are
// probabilities.
#include <sz0/onnx.h>
#include <sz0/session.h>
#include <sz0/zoo.h>

#include "util/op_test.h"
#include "util/zoo_feeds.h"

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace sz0;
using namespace sz0::test;

namespace {

std::map<std::string, Tensor> feeds_for(const zoo::ZooModel& m, int64_t batch, uint32_t seed) {
  return zoo_feeds(m, batch, seed);
}

Result<std::vector<Tensor>> run(const Model& model, const std::map<std::string, Tensor>& feeds) {
  SessionOptions o;
  o.threads = 1;
  SZ0_ASSIGN(auto session, Session::create(model, o));
  return session->run(feeds);
}

void expect_finite(const Tensor& t, const std::string& what) {
  for (float v : t.span<float>()) ASSERT_TRUE(std::isfinite(v)) << what;
}

std::string temp_path(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("sz0_zoo_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return (d / name).string();
}

}  // namespace

TEST(Zoo, Registry) {
  const std::vector<std::string> want = {"sentinel-gru", "sentinel-tcn", "mlp",          "resnet-s",
                                         "mobilenet-s",  "lstm-seq",     "transformer-s"};
  EXPECT_EQ(zoo::model_names(), want);
  EXPECT_NE(zoo::find_model("resnet-s"), nullptr);
  EXPECT_EQ(zoo::find_model("resnet-xl"), nullptr);
  auto bad = zoo::build_model("resnet-xl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sentinel-gru"), std::string::npos) << bad.status().message();
  for (const zoo::ZooModel& m : zoo::models()) {
    EXPECT_FALSE(m.description.empty()) << m.name;
    EXPECT_FALSE(m.inputs.empty()) << m.name;
    EXPECT_FALSE(m.outputs.empty()) << m.name;
  }
}

TEST(Zoo, EveryModelBuildsValidatesAndRuns) {
  for (const zoo::ZooModel& entry : zoo::models()) {
    SCOPED_TRACE(entry.name);
    auto model = zoo::build_model(entry.name, {.seed = 3});
    ASSERT_TRUE(model.ok()) << model.status().message();
    EXPECT_TRUE(validate_model(*model).empty()) << validate_model(*model).front();
    EXPECT_EQ(model->opset(), 17);
    EXPECT_TRUE(unsupported_ops(*model).empty());
    for (const Node& n : model->graph.nodes) EXPECT_TRUE(n.domain.empty()) << n.label();
    ASSERT_EQ(model->graph.inputs.size(), entry.inputs.size());
    for (const ValueInfo& in : model->graph.inputs) EXPECT_EQ((*in.type.shape)[0].symbol, "batch") << in.name;
    ASSERT_EQ(model->graph.outputs.size(), entry.outputs.size());
    for (size_t i = 0; i < entry.outputs.size(); ++i) EXPECT_EQ(model->graph.outputs[i].name, entry.outputs[i]);

    // Through an ONNX file, as `sz0 zoo export` writes it.
    const std::string path = temp_path(entry.name + ".onnx");
    ASSERT_TRUE(save_model(*model, path).ok());
    auto loaded = load_model(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();

    for (int64_t batch : {1, 4}) {
      auto outs = run(*loaded, feeds_for(entry, batch, 9));
      ASSERT_TRUE(outs.ok()) << "batch " << batch << ": " << outs.status().message();
      ASSERT_EQ(outs->size(), entry.outputs.size());
      for (size_t i = 0; i < outs->size(); ++i) {
        EXPECT_EQ((*outs)[i].dim(0), batch) << entry.outputs[i];
        expect_finite((*outs)[i], entry.outputs[i]);
      }
      // The same weights with the batch fixed give the same answers.
      auto fixed = zoo::build_model(entry.name, {.seed = 3, .batch = batch});
      ASSERT_TRUE(fixed.ok()) << fixed.status().message();
      for (const ValueInfo& in : fixed->graph.inputs) EXPECT_EQ((*in.type.shape)[0].value, batch) << in.name;
      auto fixed_outs = run(*fixed, feeds_for(entry, batch, 9));
      ASSERT_TRUE(fixed_outs.ok()) << "fixed batch " << batch << ": " << fixed_outs.status().message();
      for (size_t i = 0; i < outs->size(); ++i) EXPECT_TENSOR_NEAR((*fixed_outs)[i], (*outs)[i], 1e-5, 1e-4);
    }
  }
  std::filesystem::remove_all(std::filesystem::path(temp_path("x")).parent_path());
}

TEST(Zoo, SentinelOutputsAreProbabilities) {
  for (const char* name : {"sentinel-gru", "sentinel-tcn"}) {
    SCOPED_TRACE(name);
    auto model = zoo::build_model(name);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto outs = run(*model, feeds_for(*zoo::find_model(name), 3, 5));
    ASSERT_TRUE(outs.ok()) << outs.status().message();
    const Tensor& score = (*outs)[0];
    const Tensor& kind = (*outs)[1];
    EXPECT_EQ(score.shape(), (Shape{3, 1}));
    EXPECT_EQ(kind.shape(), (Shape{3, 4}));
    for (float v : score.span<float>()) {
      EXPECT_GE(v, 0.f);
      EXPECT_LE(v, 1.f);
    }
    for (int64_t n = 0; n < 3; ++n) {
      double s = 0;
      for (int64_t c = 0; c < 4; ++c) s += kind.data<float>()[n * 4 + c];
      EXPECT_NEAR(s, 1.0, 1e-5);
    }
  }
}

TEST(Zoo, SeedsAreDeterministic) {
  auto a = zoo::build_model("sentinel-gru", {.seed = 1});
  auto b = zoo::build_model("sentinel-gru", {.seed = 1});
  auto c = zoo::build_model("sentinel-gru", {.seed = 2});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (auto& [name, t] : a->graph.initializers) {
    EXPECT_EQ(std::memcmp(t.raw(), b->graph.initializers.at(name).raw(), t.nbytes()), 0) << name;
    EXPECT_NE(std::memcmp(t.raw(), c->graph.initializers.at(name).raw(), t.nbytes()), 0) << name;
  }
}

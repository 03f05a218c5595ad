// The optimization pipeline (sz0/pipeline.h): recipe parsing and its errors, the Pareto
// frontier, gate checks, and whole runs on a small model: a recipe that meets its gates writes
// every step's model; one whose gate fails stops there, keeps the earlier models and writes no
// later one; the automatic search builds, measures and chooses.
#include <sz0/builder.h>
#include <sz0/io.h>
#include <sz0/onnx.h>
#include <sz0/pipeline.h>

#include "pipeline/internal.h"
#include "util/build_model.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace sz0;
namespace fs = std::filesystem;

namespace {

Result<Recipe> parse(const std::string& text) { return parse_recipe(text, "/base", "r.yaml"); }

std::string error_of(const std::string& text) {
  auto r = parse(text);
  return r.ok() ? std::string("(parsed)") : r.status().message();
}

}  // namespace

TEST(PipelineRecipe, ParsesEveryStepKind) {
  auto r = parse(R"(
data: events
calib: /abs/calib
labels: events/labels.csv
gates: {min_cosine: 0.99, min_sqnr_db: 20, min_top1_agreement: 0.95}
threads: 2
iterations: 50
steps:
  - prune: {strategy: structured, amount: 0.3, reconstruct: true, channel_multiple: 4, exclude_nodes: [head]}
  - prune: {strategy: "2:4"}
  - quantize: {mode: int8-static, method: entropy, per_channel: false, format: qoperator}
    gates: {max_accuracy_drop: 0.01}
  - quantize: {mode: fp16}
    name: half
  - optimize: {level: extended}
  - benchmark: {iterations: 30, batch: [1, 8], concurrency: 2}
)");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->data, "/base/events");
  EXPECT_EQ(r->calib, "/abs/calib");
  EXPECT_EQ(r->labels, "/base/events/labels.csv");
  EXPECT_EQ(r->gates.min_cosine, 0.99);
  EXPECT_EQ(r->gates.min_sqnr_db, 20);
  EXPECT_FALSE(r->gates.max_accuracy_drop);
  EXPECT_EQ(r->gates.min_top1_agreement, 0.95);
  EXPECT_EQ(r->threads, 2);
  EXPECT_EQ(r->iterations, 50);
  ASSERT_EQ(r->steps.size(), 6u);
  const PipelineStep& p = r->steps[0];
  EXPECT_EQ(p.kind, StepKind::Prune);
  EXPECT_EQ(p.prune.strategy, PruningStrategy::Structured);
  EXPECT_DOUBLE_EQ(p.prune.amount, 0.3);
  EXPECT_TRUE(p.prune.reconstruct);
  EXPECT_EQ(p.prune.channel_multiple, 4);
  EXPECT_EQ(p.prune.exclude_nodes, std::set<std::string>{"head"});
  EXPECT_EQ(p.tag, "structured-0.3-refit");
  EXPECT_EQ(r->steps[1].prune.strategy, PruningStrategy::NM);
  EXPECT_EQ(r->steps[1].tag, "2of4");
  const PipelineStep& q = r->steps[2];
  EXPECT_EQ(q.quantize.type, QuantizationType::Int8Static);
  EXPECT_EQ(q.quantize.method, CalibrationMethod::Entropy);
  EXPECT_FALSE(q.quantize.per_channel);
  EXPECT_EQ(q.quantize.format, QuantFormat::QOperator);
  EXPECT_EQ(q.gates.max_accuracy_drop, 0.01);
  EXPECT_EQ(q.tag, "int8-static-entropy-per-tensor-qoperator");
  EXPECT_EQ(r->steps[3].tag, "half");
  EXPECT_EQ(r->steps[4].optimize.level, OptLevel::Extended);
  EXPECT_EQ(r->steps[4].tag, "opt-extended");
  EXPECT_EQ(r->steps[5].kind, StepKind::Benchmark);
  EXPECT_EQ(r->steps[5].batches, (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(r->steps[5].concurrency, 2);
}

TEST(PipelineRecipe, JsonIsAcceptedToo) {
  auto r = parse(R"({"steps": [{"quantize": {"mode": "int8-dynamic"}}, {"optimize": null}], "gates": {"min_cosine": 0.98}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->steps.size(), 2u);
  EXPECT_EQ(r->steps[0].tag, "int8-dynamic");
  EXPECT_EQ(r->steps[1].tag, "opt");
}

TEST(PipelineRecipe, ErrorsNameTheStepAndTheKey) {
  EXPECT_NE(error_of("steps: [{quantize: {mode: fp16, methd: mse}}]").find("step 1 (quantize): unknown option 'methd'"),
            std::string::npos);
  EXPECT_NE(error_of("stepz: []").find("unknown option 'stepz'"), std::string::npos);
  EXPECT_NE(error_of("steps: []").find("'steps' must be a non-empty list"), std::string::npos);
  EXPECT_NE(error_of("steps: [{prune: {amount: 0.3}}]").find("'strategy' is required"), std::string::npos);
  EXPECT_NE(error_of("steps: [{prune: {strategy: magnitude}}]").find("'amount' is required"), std::string::npos);
  EXPECT_NE(error_of("steps: [{prune: {strategy: magnitude, amount: 1.5}}]").find("outside (0, 1)"), std::string::npos);
  EXPECT_NE(error_of("steps: [{prune: {strategy: '2:4', amount: 0.5}}]").find("does not apply to N:M"), std::string::npos);
  EXPECT_NE(error_of("steps: [{quantize: {mode: int4}}]").find("step 1 (quantize)"), std::string::npos);
  EXPECT_NE(error_of("steps: [{quantize: {mode: fp16}, optimize: {}}]").find("two steps in one entry"), std::string::npos);
  EXPECT_NE(error_of("steps: [{engine: {}}]").find("engine builds are not available"), std::string::npos);
  EXPECT_NE(error_of("steps: [{deploy: {}}]").find("step 1: unknown key 'deploy'"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {level: max}}]").find("level 'max'"), std::string::npos);
  EXPECT_NE(error_of("steps: [{benchmark: {batch: [0]}}]").find("at least 1"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {}, gates: {min_cos: 1}}]").find("unknown option 'min_cos'"), std::string::npos);
  EXPECT_NE(error_of("gates: {min_cosine: 2}\nsteps: [{optimize: {}}]").find("outside [-1, 1]"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {}, name: '../x'}]").find("plain file-name part"), std::string::npos);
  EXPECT_NE(error_of("threads: many\nsteps: [{optimize: {}}]").find("wrong type"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {level: [").find("not valid YAML or JSON"), std::string::npos);
  EXPECT_NE(error_of("- just a list").find("expected a mapping"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {}, gate: {min_cosine: 0.9}}]").find("step 1: unknown key 'gate'"),
            std::string::npos);
  EXPECT_NE(error_of("data:\nsteps: [{optimize: {}}]").find("option 'data' has no value"), std::string::npos);
  EXPECT_NE(error_of("steps: [{prune: {strategy: magnitude, amount: .nan}}]").find("outside (0, 1)"), std::string::npos);
  EXPECT_NE(error_of("gates: {min_cosine: .nan}\nsteps: [{optimize: {}}]").find("outside [-1, 1]"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {}}]\n? [a, b]\n: 1").find("must be text"), std::string::npos);
  EXPECT_NE(error_of("steps: [{? [a]\n : 1}]").find("must be text"), std::string::npos);
  EXPECT_NE(error_of("steps: [{optimize: {}, name: [x]}]").find("'name' must be text"), std::string::npos);
}

TEST(PipelineFrontier, KeepsOnlyUndominatedPointsSortedByLatency) {
  // (latency, fidelity)
  const std::vector<std::pair<double, double>> p = {{1.0, 300}, {0.8, 40}, {0.9, 30}, {0.5, 20}, {0.5, 25}, {0.3, 10}, {0.8, 40}};
  // {0.9, 30} is dominated by {0.8, 40}; {0.5, 20} by {0.5, 25}; the two {0.8, 40} tie and both stay.
  EXPECT_EQ(pareto_frontier(p), (std::vector<size_t>{5, 4, 1, 6, 0}));
  EXPECT_TRUE(pareto_frontier({}).empty());
  EXPECT_EQ(pareto_frontier({{2, 1}}), std::vector<size_t>{0});
}

TEST(PipelineGates, EachGateNamesItsMetricAndThreshold) {
  Variant v;
  v.cosine = 0.985;
  v.sqnr_db = 18;
  v.reference_accuracy = 0.9;
  v.accuracy = 0.85;
  EXPECT_EQ(pipeline::gate_failure({}, v), "");
  EXPECT_EQ(pipeline::gate_failure({.min_cosine = 0.99}, v), "cosine 0.98500 < min_cosine 0.99");
  EXPECT_EQ(pipeline::gate_failure({.min_cosine = 0.98, .min_sqnr_db = 20}, v), "SQNR 18.00 dB < min_sqnr_db 20");
  EXPECT_NE(pipeline::gate_failure({.max_accuracy_drop = 0.01}, v).find("accuracy drop 0.0500"), std::string::npos);
  EXPECT_EQ(pipeline::gate_failure({.max_accuracy_drop = 0.05}, v), "");
  EXPECT_EQ(pipeline::gate_failure({.min_top1_agreement = 0.9}, v),
            "min_top1_agreement: no output holds class scores ([rows, classes])");
  v.top1_agreement = 0.875;
  EXPECT_EQ(pipeline::gate_failure({.min_top1_agreement = 0.9}, v), "top-1 agreement 0.8750 < min_top1_agreement 0.9");
  EXPECT_EQ(pipeline::gate_failure({.min_top1_agreement = 0.85}, v), "");
  v.finite = false;
  EXPECT_EQ(pipeline::gate_failure({}, v), "outputs hold NaN or Inf");
  EXPECT_EQ(gates_text({.min_cosine = 0.99, .max_accuracy_drop = 0.02}), "min_cosine 0.99, max_accuracy_drop 0.02");
  EXPECT_EQ(gates_text({}), "none");
}

namespace {

// A small classifier: [1, 24] → 64 → 64 → 5 with a softmax, saved to a temporary folder.
class PipelineRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fs::path("sz0_pipeline_" + std::to_string(::getpid()) + "_" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ModelBuilder b("clf", {.seed = 7, .batch = 1});
    Var x = b.input("x", DType::Float, {24});
    x = b.relu(b.linear(x, 64, {.name = "fc1"}));
    x = b.relu(b.linear(x, 64, {.name = "fc2"}));
    b.output(b.softmax(b.linear(x, 5, {.name = "head"})), "probs");
    ASSERT_TRUE(save_model(build_model(b), model_path()).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string model_path() const { return (dir_ / "clf.onnx").string(); }
  std::string out() const { return (dir_ / "out").string(); }
  PipelineOptions options() const {
    PipelineOptions o;
    o.output_dir = out();
    o.iterations = 20;
    o.rounds = 2;
    o.generated_samples = 8;
    return o;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(PipelineRun, RecipeWritesEveryStepsModelNamedByWhatWasDone) {
  auto recipe = parse("gates: {min_cosine: 0.95}\nsteps: [{quantize: {mode: int8-dynamic}}, {optimize: {}}, {benchmark: {batch: [1, 3]}}]");
  ASSERT_TRUE(recipe.ok()) << recipe.status().message();
  auto r = OptimizationPipeline(options()).run(model_path(), *recipe);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->variants.size(), 3u);
  EXPECT_EQ(r->variants[1].path, out() + "/clf.int8-dynamic.onnx");
  EXPECT_EQ(r->variants[2].path, out() + "/clf.int8-dynamic.opt.onnx");
  EXPECT_EQ(r->chosen, 2);
  EXPECT_TRUE(r->stopped.empty());
  for (const Variant& v : r->variants) {
    EXPECT_TRUE(fs::exists(v.path)) << v.path;
    ASSERT_TRUE(v.bench) << v.name;
    EXPECT_EQ(v.bench->latency.count, 20) << v.name;
    EXPECT_GT(v.cosine, 0.95) << v.name;
    EXPECT_EQ(v.samples, 8) << v.name;
  }
  EXPECT_LT(r->variants[1].file_bytes, r->variants[0].file_bytes / 2);
  ASSERT_TRUE(r->variants[2].detail);  // the benchmark step ran on the last model
  EXPECT_EQ(r->variants[2].detail->batches.size(), 2u);
  const std::string md = pipeline_markdown(*r), html = pipeline_html(*r), json = pipeline_json(*r);
  EXPECT_NE(md.find("int8-dynamic + opt (chosen)"), std::string::npos);
  EXPECT_NE(html.find("data-chart=\"frontier\""), std::string::npos);
  EXPECT_NE(json.find("\"chosen\": \"int8-dynamic + opt\""), std::string::npos);
}

TEST_F(PipelineRun, FailedGateStopsAndKeepsTheEarlierModels) {
  auto recipe = parse(R"(
gates: {min_cosine: 0.9}
steps:
  - optimize: {}
  - prune: {strategy: magnitude, amount: 0.95, min_params: 1}
    gates: {min_cosine: 0.999}
  - quantize: {mode: fp16}
)");
  ASSERT_TRUE(recipe.ok()) << recipe.status().message();
  auto r = OptimizationPipeline(options()).run(model_path(), *recipe);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->chosen, -1);
  EXPECT_NE(r->stopped.find("step 2 (prune magnitude-0.95): gate failed: cosine"), std::string::npos) << r->stopped;
  EXPECT_NE(r->stopped.find("< min_cosine 0.999"), std::string::npos) << r->stopped;
  ASSERT_EQ(r->variants.size(), 2u);  // the original and step 1
  EXPECT_TRUE(fs::exists(out() + "/clf.opt.onnx"));
  EXPECT_FALSE(fs::exists(out() + "/clf.opt.magnitude-0.95.onnx"));
  EXPECT_FALSE(fs::exists(out() + "/clf.opt.magnitude-0.95.fp16.onnx"));
  auto kept = load_model(out() + "/clf.opt.onnx");
  EXPECT_TRUE(kept.ok());
  // Run again over a model an earlier run left under a later step's name: it goes.
  ASSERT_TRUE(save_model(*kept, out() + "/clf.opt.magnitude-0.95.fp16.onnx").ok());
  auto again = OptimizationPipeline(options()).run(model_path(), *recipe);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(again->stopped.empty());
  EXPECT_FALSE(fs::exists(out() + "/clf.opt.magnitude-0.95.fp16.onnx"));
}

TEST_F(PipelineRun, CommandLineGatesWinOverTheRecipes) {
  auto recipe = parse("steps: [{quantize: {mode: int8-dynamic}, gates: {min_cosine: 0.5}}]");
  ASSERT_TRUE(recipe.ok());
  PipelineOptions o = options();
  o.gates.min_cosine = 2;  // out of range: refused
  auto bad = OptimizationPipeline(o).run(model_path(), *recipe);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("min_cosine 2 is outside"), std::string::npos);
  o.gates.min_cosine = 0.9999999;  // stricter than the step's 0.5, and it is the one that holds
  auto r = OptimizationPipeline(o).run(model_path(), *recipe);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->stopped.find("min_cosine 0.9999999"), std::string::npos) << r->stopped;
}

TEST_F(PipelineRun, AutoJudgesTheOriginalByTheGatesToo) {
  // One output of one value: no class scores, so a top-1 gate fails every variant.
  ModelBuilder b("reg", {.seed = 2, .batch = 1});
  Var x = b.input("x", DType::Float, {24});
  b.output(b.linear(b.relu(b.linear(x, 64, {.name = "fc1"})), 1, {.name = "head"}), "score");
  const std::string reg = (dir_ / "reg.onnx").string();
  ASSERT_TRUE(save_model(build_model(b), reg).ok());
  PipelineOptions o = options();
  o.gates.min_top1_agreement = 0.9;
  auto r = OptimizationPipeline(o).run_auto(reg);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->chosen, -1);
  EXPECT_NE(r->variants[0].gate_failure.find("no output holds class scores"), std::string::npos);
}

TEST_F(PipelineRun, PruningAQuantizedModelSaysWhy) {
  auto recipe = parse("steps: [{quantize: {mode: fp16}}, {prune: {strategy: magnitude, amount: 0.5, min_params: 1}}]");
  ASSERT_TRUE(recipe.ok());
  auto r = OptimizationPipeline(options()).run(model_path(), *recipe);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("step 2 (prune magnitude-0.5)"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("prune before quantizing"), std::string::npos) << r.status().message();
  EXPECT_TRUE(fs::exists(out() + "/clf.fp16.onnx"));
}

TEST_F(PipelineRun, AccuracyGateNeedsLabels) {
  auto recipe = parse("steps: [{optimize: {}, gates: {max_accuracy_drop: 0.01}}]");
  ASSERT_TRUE(recipe.ok());
  auto r = OptimizationPipeline(options()).run(model_path(), *recipe);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("step 1 (optimize): the max_accuracy_drop gate needs labels"), std::string::npos);
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(PipelineRun, AutoChoosesTheFastestVariantThatMeetsTheGates) {
  PipelineOptions o = options();
  o.gates.min_cosine = 0.999;
  auto r = OptimizationPipeline(o).run_auto(model_path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::set<std::string> names;
  for (const Variant& v : r->variants) names.insert(v.name);
  for (const char* n : {"fp32", "opt", "fp16", "bf16", "int8-dynamic", "int8-static-minmax", "int8-static-percentile",
                        "int8-static-entropy", "int8-static-mse", "structured-0.3", "structured-0.3-refit",
                        "structured-0.5", "structured-0.5-refit"})
    EXPECT_TRUE(names.count(n)) << n;
  ASSERT_GE(r->chosen, 0) << r->why;
  const Variant& c = r->variants[r->chosen];
  EXPECT_TRUE(c.gate_failure.empty());
  EXPECT_GE(c.cosine, 0.999);
  for (const Variant& v : r->variants) {
    if (!v.measured() || !v.gate_failure.empty()) continue;
    EXPECT_LE(c.bench->latency.median, v.bench->latency.median) << v.name;
  }
  int frontier = 0;
  for (const Variant& v : r->variants) frontier += v.on_frontier;
  EXPECT_GE(frontier, 1);
  // A budget nothing can meet: no choice, and the reason says so.
  o.latency_budget_ms = 1e-6;
  o.output_dir = out() + "2";
  auto none = OptimizationPipeline(o).run_auto(model_path());
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_EQ(none->chosen, -1);
  EXPECT_NE(none->why.find("no variant meets min_cosine 0.999 and p95"), std::string::npos) << none->why;
}

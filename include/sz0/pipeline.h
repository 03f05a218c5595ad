// The optimization pipeline: a model taken through prune → quantize → optimize → benchmark
// steps, with accuracy gates checked against the original after every step, or an automatic
// search over variants that measures each, draws the Pareto frontier of latency against
// fidelity and picks the fastest variant that meets the gates.
//
//   OptimizationPipeline p({.output_dir = "out", .data = "events"});
//   Result<PipelineResult> r = p.run_auto("model.onnx");        // or p.run("model.onnx", recipe)
//   write_file_atomic("out/report.html", pipeline_html(*r));
//
// Data. DATA samples serve twice: calibration (INT8 static, pruning reconstruction) and
// evaluation (the gates). Without a separate calibration set the first half of DATA calibrates
// and the second half evaluates, so no variant is judged on the samples it was fitted to.
// Without DATA, generated inputs are used for both (different seeds) and the report says so.
//
// Latency. Every variant is timed on the first evaluation sample as given (DATA samples hold
// one row each as `sz0 zoo data` writes them: batch 1), all sessions alive at
// once, in interleaved rounds (each round runs every variant for a short chunk in turn), so the
// slow phases of a shared machine fall on all variants alike; the percentiles pool the rounds.
// See docs/pipeline.md.
#pragma once

#include <sz0/bench.h>
#include <sz0/optimize.h>
#include <sz0/prune.h>
#include <sz0/quantize.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sz0 {

// Accuracy gates, each against the original model's outputs on the evaluation samples.
struct Gates {
  std::optional<double> min_cosine;         // worst output's cosine similarity
  std::optional<double> min_sqnr_db;        // worst output's SQNR
  std::optional<double> max_accuracy_drop;  // reference accuracy − candidate accuracy (labels)
  // Share of rows whose top class is the original's, over every class-score ([rows, classes])
  // output; needs no labels. A model without such an output fails it.
  std::optional<double> min_top1_agreement;
  bool empty() const { return !min_cosine && !min_sqnr_db && !max_accuracy_drop && !min_top1_agreement; }
};
// `over`'s gates replace `base`'s where set.
Gates merge_gates(const Gates& base, const Gates& over);
std::string gates_text(const Gates& g);
// Thresholds in range (cosine in [-1, 1], shares in [0, 1], finite dB); NaN is refused.
Status validate_gates(const Gates& g);  // "min_cosine 0.99, min_sqnr_db 20"; "none"

enum class StepKind { Prune, Quantize, Optimize, Benchmark };
const char* step_kind_name(StepKind k);  // "prune", "quantize", "optimize", "benchmark"

struct PipelineStep {
  StepKind kind = StepKind::Optimize;
  std::string tag;  // what it does, in file names: "structured-0.3-refit", "int8-static-entropy"
  PruneOptions prune;
  QuantizeOptions quantize;
  OptimizeOptions optimize;
  // Benchmark: iterations and threads of the timing, batch sizes swept, requests in flight.
  int iterations = 0;  // 0: the pipeline's
  std::vector<int64_t> batches;
  int concurrency = 1;
  Gates gates;  // this step's gates, over the recipe's
};

// What a step does, as its part of the file names: "structured-0.3-refit", "2of4",
// "int8-static-entropy-per-tensor", "opt"; "" for a benchmark step.
std::string step_tag(const PipelineStep& s);

// A recipe file (YAML, or JSON, which is YAML too):
//   data: events              # DATA (relative to the recipe's folder)
//   calib: calib              # optional; else DATA's first half calibrates
//   labels: events/labels.csv # optional
//   gates: {min_cosine: 0.99, min_sqnr_db: 20, max_accuracy_drop: 0.01}
//   threads: 1
//   iterations: 200
//   steps:
//     - prune: {strategy: structured, amount: 0.3, reconstruct: true}
//     - quantize: {mode: int8-static, method: entropy}
//       gates: {min_cosine: 0.995}
//     - optimize: {level: all}
//     - benchmark: {iterations: 500, batch: [1, 4, 16]}
// docs/pipeline.md lists every option. Unknown keys are errors naming the step.
struct Recipe {
  std::string data, calib, labels;  // paths as given, resolved against the recipe's folder
  Gates gates;
  std::optional<int> threads, iterations;
  std::vector<PipelineStep> steps;
};
// `base_dir` resolves relative paths; `source` names the text in errors.
Result<Recipe> parse_recipe(const std::string& text, const std::string& base_dir, const std::string& source);
Result<Recipe> load_recipe(const std::string& path);

struct PipelineOptions {
  std::string output_dir = ".";
  std::string data, calib, labels;  // DATA directories and a labels file; empty: none
  Gates gates;                      // auto mode: min_cosine 0.99 when no gate is given
  std::optional<double> latency_budget_ms;  // auto mode: the chosen variant's p95 on the timing sample
  int threads = 1;       // per session, for timing and evaluation
  int iterations = 400;  // timed runs per variant, over all rounds
  int rounds = 20;       // interleaved timing rounds
  int generated_samples = 16;  // without DATA: generated calibration and evaluation samples each
  std::map<std::string, Shape> input_shapes;  // without DATA: the generated inputs' shapes (else dims 1)
  uint32_t seed = 0;
  // Progress lines ("[3/14] int8-static-entropy: built in 0.4 s").
  std::function<void(const std::string&)> log;
};

// One model the pipeline produced (or the original, always first).
struct Variant {
  std::string name;                // "fp32", "int8-static-entropy", "structured-0.3-refit+int8-static-mse"
  std::vector<std::string> steps;  // what was done, in order ("prune structured 0.3, re-fitted on 32 samples")
  std::string path;                // the file written ("" for the original: its own path)
  std::string error;               // why it could not be built ("" when it was)
  double build_seconds = 0;
  int64_t file_bytes = 0, parameters = 0;  // parameters: elements of float and 8-bit initializers
  // Fidelity against the original on the evaluation samples.
  int samples = 0;
  double cosine = 1, sqnr_db = 0, max_abs_error = 0, top1_agreement = -1;
  double accuracy = -1, reference_accuracy = -1;  // with labels
  bool finite = true;
  std::string gate_failure;  // "cosine 0.9712 < min_cosine 0.99"; "" when every gate holds
  std::optional<BenchmarkResult> bench;  // latency, throughput, memory (batch 1)
  std::optional<BenchmarkResult> detail; // a benchmark step's sweep or concurrency run
  bool on_frontier = false;
  bool measured() const { return error.empty() && bench.has_value(); }
};

struct PipelineResult {
  std::string model;  // the original's path
  bool automatic = false;
  std::vector<Variant> variants;  // [0]: the original
  int chosen = -1;                // index into variants; -1 when none meets the gates
  std::string why;                // how the choice was made, or why nothing was chosen
  std::string stopped;            // recipe: the gate failure that stopped it ("" when it ran through)
  Gates gates;
  std::optional<double> latency_budget_ms;
  std::string data_note;  // which samples calibrated and which evaluated
  int threads = 1, iterations = 0, rounds = 0;
  SystemInfo system;
};

// Indices of the points on the Pareto frontier of (latency, fidelity): no other point is at
// least as fast and at least as faithful, and strictly better in one. Sorted by latency.
std::vector<size_t> pareto_frontier(const std::vector<std::pair<double, double>>& latency_fidelity);

class OptimizationPipeline {
 public:
  explicit OptimizationPipeline(PipelineOptions options) : options_(std::move(options)) {}
  // Runs the recipe's steps in order, each on the previous step's model, saving each result as
  // <stem>.<tag>[.<tag>...].onnx in output_dir. A failed gate stops the run: `stopped` names the
  // step, the metric and the threshold; the earlier outputs stay on disk, the failing model is
  // not written. The recipe's paths apply where the options leave them empty, its gates under
  // the options' gates, and its threads and iterations where it sets them.
  Result<PipelineResult> run(const std::string& model_path, const Recipe& recipe) const;
  // Builds and measures every variant (FP32 optimized, FP16, BF16, INT8 dynamic, INT8 static
  // with each calibration method, structured 30%/50% with and without re-fitting, pruned + INT8)
  // and chooses the fastest (median on the timing sample) that meets the gates and the latency budget.
  // A variant that cannot be built is recorded with its error; the others go on.
  Result<PipelineResult> run_auto(const std::string& model_path) const;
  const PipelineOptions& options() const { return options_; }

 private:
  PipelineOptions options_;
};

// The report: every variant's size, latency percentiles, throughput, memory and fidelity, the
// frontier chart (HTML: inline SVG), the chosen variant and why.
std::string pipeline_markdown(const PipelineResult& r);
std::string pipeline_html(const PipelineResult& r);
std::string pipeline_json(const PipelineResult& r);
// The terminal summary: one line per variant.
std::string pipeline_summary(const PipelineResult& r);

}  // namespace sz0

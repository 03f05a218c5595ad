// sz0 pipeline MODEL (--recipe FILE | --auto) [-o DIR] [--data DATA] [--calib DATA] [--labels FILE]
//   [--min-cosine C] [--min-sqnr DB] [--max-accuracy-drop F] [--min-top1 F] [--latency-budget MS]
//   [--threads N] [--iterations N] [--rounds N]
// A model taken through a recipe's steps with accuracy gates, or an automatic search over
// variants; every variant is saved in DIR with report.md, report.html and pipeline.json.
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/pipeline.h>

#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct PipelineArgs {
  std::string model, recipe, output, data, calib, labels;
  bool automatic = false;
  std::optional<double> min_cosine, min_sqnr, max_accuracy_drop, min_top1, budget;
  std::optional<int> threads, iterations;
  int rounds = 20;
  std::vector<std::string> shapes;
  bool quiet = false;
};

Status run_pipeline(const PipelineArgs& a) {
  if (a.automatic == !a.recipe.empty()) return error("give either --recipe FILE or --auto");
  if (a.budget && a.recipe.size()) return error("--latency-budget applies to --auto");
  PipelineOptions o;
  o.output_dir = a.output.empty() ? std::filesystem::path(a.model).stem().string() + "-pipeline" : a.output;
  o.data = a.data;
  o.calib = a.calib;
  o.labels = a.labels;
  o.gates.min_cosine = a.min_cosine;
  o.gates.min_sqnr_db = a.min_sqnr;
  o.gates.max_accuracy_drop = a.max_accuracy_drop;
  o.gates.min_top1_agreement = a.min_top1;
  o.latency_budget_ms = a.budget;
  if (a.threads) o.threads = *a.threads;
  if (a.iterations) o.iterations = *a.iterations;
  o.rounds = a.rounds;
  SZ0_ASSIGN(o.input_shapes, parse_shapes(a.shapes));
  if (!a.quiet) o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  if (!std::filesystem::exists(a.model)) return error("{}: no such file", a.model);
  const std::filesystem::path dir(o.output_dir);
  const bool dir_existed = std::filesystem::exists(dir);
  const OptimizationPipeline pipeline(o);
  Result<PipelineResult> r = [&]() -> Result<PipelineResult> {
    if (a.automatic) return pipeline.run_auto(a.model);
    SZ0_ASSIGN(Recipe recipe, load_recipe(a.recipe));
    if (a.threads) recipe.threads = a.threads;  // the command line wins over the recipe
    if (a.iterations) recipe.iterations = a.iterations;
    return pipeline.run(a.model, recipe);
  }();
  if (!r.ok()) {
    std::error_code ec;  // a directory this run made and left empty goes too
    if (!dir_existed && std::filesystem::is_empty(dir, ec) && !ec) std::filesystem::remove(dir, ec);
    return r.status();
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return error("{}: cannot create the output directory: {}", o.output_dir, ec.message());
  SZ0_TRY(write_file_atomic((dir / "report.md").string(), pipeline_markdown(*r)));
  SZ0_TRY(write_file_atomic((dir / "report.html").string(), pipeline_html(*r)));
  SZ0_TRY(write_file_atomic((dir / "pipeline.json").string(), pipeline_json(*r)));
  std::printf("%s", pipeline_summary(*r).c_str());
  std::printf("report: %s, %s, %s\n", (dir / "report.md").c_str(), (dir / "report.html").c_str(),
              (dir / "pipeline.json").c_str());
  if (!r->stopped.empty()) return error("{}", r->stopped);
  if (r->chosen < 0) return error("{}", r->why);
  return {};
}

}  // namespace

void add_pipeline(CLI::App& app, int& rc) {
  auto args = std::make_shared<PipelineArgs>();
  CLI::App* cmd = app.add_subcommand("pipeline", "Prune, quantize, optimize and benchmark in one run, with accuracy gates; or search the variants (--auto)");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("--recipe", args->recipe, "Recipe (YAML or JSON): data, gates and steps");
  cmd->add_flag("--auto", args->automatic, "Build and measure every variant; choose the fastest that meets the gates");
  cmd->add_option("-o,--output", args->output, "Directory for the variants and reports (default: <model name>-pipeline here)");
  cmd->add_option("--data", args->data, "Samples (DATA): without --calib, the first half calibrates and the rest evaluates");
  cmd->add_option("--calib", args->calib, "Calibration samples (DATA); DATA then only evaluates");
  cmd->add_option("--labels", args->labels, "Class labels of DATA (one per line, or CSV sample,label)");
  cmd->add_option("--min-cosine", args->min_cosine, "Gate: worst output's cosine similarity (auto default 0.99)");
  cmd->add_option("--min-sqnr", args->min_sqnr, "Gate: worst output's SQNR in dB");
  cmd->add_option("--max-accuracy-drop", args->max_accuracy_drop, "Gate: accuracy lost against the labels (0.01 = one point)");
  cmd->add_option("--min-top1", args->min_top1, "Gate: share of rows whose top class is the original's (class-score outputs)");
  cmd->add_option("--latency-budget", args->budget, "Auto: the chosen variant's p95 latency on one sample (ms)");
  cmd->add_option("--threads", args->threads, "Threads per session (default 1)");
  cmd->add_option("--iterations", args->iterations, "Timed runs per variant over all rounds (default 400)");
  cmd->add_option("--rounds", args->rounds, "Interleaved timing rounds (default 20)");
  cmd->add_option("--shape", args->shapes, "NAME=DIMS of generated inputs without DATA (symbolic dims default to 1)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress lines");
  cmd->callback([args, &rc]() {
    Status s = run_pipeline(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

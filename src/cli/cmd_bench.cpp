// sz0 bench MODEL... [-i NAME=FILE]... [--shape NAME=DIMS]... [--iterations N | --duration S]
//                    [--warmup N | --warmup-seconds S] [--threads N] [--concurrency K [--sessions]]
//                    [--batch B,...] [--find-batch --latency-budget MS [--max-batch N]]
//                    [--data DATA] [--json FILE] [--report FILE.md|FILE.html] [--export-times FILE.csv]
//                    [--profile]
#include "cli/common.h"

#include <sz0/bench.h>
#include <sz0/evaluate.h>
#include <sz0/io.h>
#include <sz0/onnx.h>

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

namespace sz0::cli {

namespace {

struct BenchArgs {
  std::vector<std::string> models;
  InputArgs inputs;
  int iterations = 100;
  int warmup = 10;
  double warmup_seconds = 0, duration = 0;
  int threads = 0;
  int concurrency = 1;
  bool sessions = false;
  std::vector<std::string> batches;
  bool find_batch = false;
  double budget_ms = 0;
  int64_t max_batch = 256;
  std::string data, json, report, export_times;
  bool profile = false;
};

constexpr uint32_t kSeed = 0;

// Feeds at a batch size: the given or generated feeds with their leading dimension set to
// `batch`; rows of inputs read from files repeat cyclically, generated ones are generated anew.
FeedFactory feed_factory(std::map<std::string, Tensor> base, std::set<std::string> from_files) {
  return [base = std::move(base), from_files = std::move(from_files)](int64_t batch) -> Result<std::map<std::string, Tensor>> {
    if (batch <= 0) return base;
    std::map<std::string, Tensor> out;
    for (auto& [name, t] : base) {
      if (t.rank() == 0) return error("input '{}' is a scalar: it has no batch dimension", name);
      Shape shape = t.shape();
      shape[0] = batch;
      if (!from_files.count(name)) {
        out[name] = random_input(t.dtype(), shape, kSeed);
        continue;
      }
      auto b = repeat_rows(t, batch);
      if (!b.ok()) return b.status().context(fmt::format("input '{}'", name));
      out[name] = std::move(*b);
    }
    return out;
  };
}

// The candidate's outputs against the reference's on every sample of DATA.
Result<Fidelity> fidelity(const Model& ref, const Model& cand, const std::string& data, int threads) {
  SessionOptions so;
  so.threads = threads;
  SZ0_ASSIGN(auto rs, Session::create(ref, so));
  SZ0_ASSIGN(auto cs, Session::create(cand, so));
  SZ0_ASSIGN(SampleStream stream, data_stream(data, ref));
  SZ0_ASSIGN(ModelAgreement m, compare_sessions(*rs, *cs, stream, {}, "the first model", "this model"));
  Fidelity f;
  f.samples = m.samples;
  f.min_cosine = m.worst_sample_cosine;
  f.mean_cosine = m.mean_sample_cosine;
  f.sqnr_db = m.min_sqnr_db();
  f.max_abs_diff = m.max_abs_error();
  f.top1_agreement = m.top1_agreement();
  return f;
}

Result<std::vector<int64_t>> parse_batches(const std::vector<std::string>& args) {
  std::vector<int64_t> out;
  for (const std::string& s : split_commas(args)) {
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 1) return error("--batch: '{}' is not a batch size (a positive integer)", s);
    out.push_back(v);
  }
  return out;
}

void print_result(const BenchmarkResult& r, const BenchArgs& a) {
  const LatencyStats& l = r.latency;
  std::printf("%s: threads %d, concurrency %d (%d session%s), %lld requests: median %.3f ms (95%% CI %.3f-%.3f), mean %.3f, "
              "p90 %.3f, p95 %.3f, p99 %.3f, p99.9 %.3f, min %.3f, max %.3f, std %.3f; %.1f inferences/s; session created in "
              "%.1f ms, first inference %.3f ms; peak RSS %.1f MB (+%.1f), arena %.1f MB, weights %.1f MB\n",
              r.model.c_str(), r.threads, r.concurrency, r.sessions, r.sessions == 1 ? "" : "s", static_cast<long long>(l.count),
              l.median, l.median_ci_low, l.median_ci_high, l.mean, l.p90, l.p95, l.p99, l.p999, l.min, l.max, l.std,
              r.throughput_qps, r.session_create_ms, r.first_inference_ms, r.memory.peak_rss_mb, r.memory.rss_growth_mb,
              r.memory.arena_mb, r.memory.weights_mb);
  if (r.gpu.available)
    std::printf("  GPU %s: %.0f of %.0f MB used, %.0f%% busy\n", r.gpu.name.c_str(), r.gpu.memory_used_mb, r.gpu.memory_total_mb,
                r.gpu.utilization_pct);
  for (const BatchPoint& p : r.batches)
    std::printf("  batch %4lld: median %.3f ms, p95 %.3f ms, %.1f samples/s\n", static_cast<long long>(p.batch), p.latency.median,
                p.latency.p95, p.throughput_qps);
  if (r.find_batch) {
    if (r.find_batch->batch > 0)
      std::printf("  best batch within p95 <= %.3f ms: %lld (p95 %.3f ms, %.1f samples/s)\n", r.find_batch->budget_ms,
                  static_cast<long long>(r.find_batch->batch), r.find_batch->p95_ms, r.find_batch->throughput_qps);
    else
      std::printf("  no batch keeps p95 within %.3f ms\n", r.find_batch->budget_ms);
  }
  if (a.profile)
    for (const auto& p : r.profile) std::printf("  %-40s %8.3f ms/run  %6.1f calls/run\n", p.op.c_str(), p.ms_per_run, p.calls_per_run);
}

// The side-by-side table of a comparison: speedup by median against the first model.
void print_comparison(const std::vector<BenchmarkResult>& rs) {
  const bool fid = std::any_of(rs.begin(), rs.end(), [](auto& r) { return r.fidelity.has_value(); });
  std::printf("\n%-32s %9s %10s %10s %10s %11s %8s %9s%s\n", "model", "size MB", "median ms", "p95 ms", "p99 ms", "inferences/s",
              "speedup", "peak MB", fid ? "  min cos  SQNR dB" : "");
  for (const BenchmarkResult& r : rs) {
    std::string name = std::filesystem::path(r.model).filename().string();
    if (name.size() > 32) name = "..." + name.substr(name.size() - 29);
    const double speedup = r.latency.median > 0 ? rs[0].latency.median / r.latency.median : 0;
    std::printf("%-32s %9.2f %10.3f %10.3f %10.3f %11.1f %7.2fx %9.1f", name.c_str(), r.model_mb, r.latency.median, r.latency.p95,
                r.latency.p99, r.throughput_qps, speedup, r.memory.peak_rss_mb);
    if (r.fidelity) std::printf("  %7.5f %8.1f", r.fidelity->min_cosine, r.fidelity->sqnr_db);
    else if (fid) std::printf("  %7s %8s", "-", "-");
    std::printf("\n");
  }
}

Status export_times(const std::string& path, const std::vector<BenchmarkResult>& rs) {
  std::string csv = "model,request,latency_ms\n";
  for (const BenchmarkResult& r : rs)
    for (size_t i = 0; i < r.times_ms.size(); ++i) csv += fmt::format("\"{}\",{},{:.6f}\n", r.model, i, r.times_ms[i]);
  return write_file_atomic(path, csv);
}

Status bench(const BenchArgs& a) {
  if (a.iterations < 1 && a.duration <= 0) return error("--iterations must be at least 1");
  SZ0_ASSIGN(std::vector<int64_t> batches, parse_batches(a.batches));
  // Before any timing: a bad DATA path should not cost a whole benchmark first.
  if (!a.data.empty() && !std::filesystem::exists(a.data)) return error("{}: data directory not found", a.data);
  BenchmarkOptions o;
  o.warmup_iterations = a.warmup;
  o.warmup_seconds = a.warmup_seconds;
  o.iterations = a.iterations;
  o.duration_seconds = a.duration;
  o.threads = a.threads;
  o.concurrency = a.concurrency;
  o.separate_sessions = a.sessions;
  const bool tty = isatty(fileno(stderr)) != 0;
  std::vector<BenchmarkResult> results;
  std::optional<Model> first;
  for (const std::string& path : a.models) {
    SZ0_ASSIGN(Model model, load_model(path));
    std::set<std::string> from_files;
    for (const std::string& f : a.inputs.files) from_files.insert(f.substr(0, f.rfind('=')));
    SZ0_ASSIGN(auto feeds, make_feeds(model, a.inputs, true));
    if (!batches.empty() || a.find_batch) relax_batch(model);
    const FeedFactory factory = feed_factory(std::move(feeds), from_files);
    if (tty && a.duration <= 0 && a.iterations >= 200)
      o.progress = [label = std::filesystem::path(path).filename().string()](int64_t done, int64_t total) {
        if (total > 0 && (done % 16 == 0 || done == total)) draw_progress(label, static_cast<size_t>(done), static_cast<size_t>(total));
      };
    const PerformanceBenchmark bench(o);
    auto r = bench.run(model, path, factory, a.profile);
    if (!r.ok()) return r.status().context(path);
    std::error_code ec;
    r->model_mb = static_cast<double>(std::filesystem::file_size(path, ec)) / (1024.0 * 1024.0);
    if (!batches.empty()) {
      if (Status s = bench.sweep_batches(model, factory, batches, *r); !s.ok()) return s.context(path);
    }
    if (a.find_batch) {
      if (Status s = bench.find_batch(model, factory, a.budget_ms, a.max_batch, *r); !s.ok()) return s.context(path);
    }
    if (!a.data.empty()) {
      if (first) {
        auto f = fidelity(*first, model, a.data, a.threads);
        if (!f.ok()) return f.status().context(path);
        r->fidelity = *f;
      } else {
        first = model;
      }
    }
    print_result(*r, a);
    results.push_back(std::move(*r));
  }
  if (results.size() > 1) print_comparison(results);
  const SystemInfo sys = system_info();
  std::printf("system: %s, %d cores (%d logical), kernels %s; sz0 %s (%s), %s, oneDNN %s\n", sys.cpu_model.c_str(), sys.physical_cores,
              sys.logical_cpus, sys.isa.c_str(), sys.version.c_str(), sys.build_type.c_str(), sys.compiler.c_str(),
              sys.onednn_version.c_str());
  if (!a.json.empty()) SZ0_TRY(write_file_atomic(a.json, benchmark_json(results, sys)));
  if (!a.export_times.empty()) SZ0_TRY(export_times(a.export_times, results));
  if (!a.report.empty()) {
    const bool md = std::filesystem::path(a.report).extension() == ".md";
    SZ0_TRY(write_file_atomic(a.report, md ? benchmark_markdown(results, sys) : benchmark_html(results, sys)));
  }
  return {};
}

}  // namespace

void add_bench(CLI::App& app, int& rc) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time models: latency percentiles, throughput under concurrency, memory, batch search");
  cmd->add_option("models", args->models, "ONNX models (several: a side-by-side comparison against the first)")->required();
  add_input_options(cmd, args->inputs, false);
  cmd->add_option("--iterations", args->iterations, "Timed requests (default 100)");
  cmd->add_option("--duration", args->duration, "Time requests for this many seconds instead of a fixed count")->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "Untimed requests first (default 10)")->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--warmup-seconds", args->warmup_seconds, "Warm up for this many seconds instead")->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads, "Threads per request (default: one per core; 1 with --concurrency above 1)")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--concurrency", args->concurrency, "Requests in flight, each from its own thread (default 1)")->check(CLI::Range(1, 1024));
  cmd->add_flag("--sessions", args->sessions, "One session per concurrent thread instead of one shared session");
  cmd->add_option("--batch", args->batches, "Also time these batch sizes (1,2,4,...): latency and samples/s per batch");
  CLI::Option* find = cmd->add_flag("--find-batch", args->find_batch,
                                    "Find the batch with the highest throughput whose p95 stays within --latency-budget");
  CLI::Option* budget = cmd->add_option("--latency-budget", args->budget_ms, "p95 latency budget in ms for --find-batch")
                            ->check(CLI::PositiveNumber);
  find->needs(budget);
  budget->needs(find);
  cmd->add_option("--max-batch", args->max_batch, "Largest batch --find-batch tries (default 256)")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--data", args->data, "Samples (DATA directory): every model after the first is compared with the first on them");
  cmd->add_option("--json", args->json, "Write results as JSON");
  cmd->add_option("--report", args->report, "Write a report: FILE.md (Markdown) or FILE.html (page with charts)")
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            const std::string ext = std::filesystem::path(path).extension().string();
            return ext == ".md" || ext == ".html" || ext == ".htm" ? "" : "must end in .md or .html";
          },
          "FILE.md|FILE.html"));
  cmd->add_option("--export-times", args->export_times, "Write every timed request's latency as CSV");
  cmd->add_flag("--profile", args->profile, "Time each node; print and write per-op-type totals");
  cmd->callback([args, &rc]() {
    Status s = bench(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

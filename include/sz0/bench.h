// Benchmarking: latency percentiles with a stated method, throughput under concurrency, batch
// sweeps and batch search under a latency budget, memory, and reports (terminal, JSON, Markdown,
// HTML with SVG charts).
//
// Method. A session is created (timed: "session_create_ms"), one inference is timed on its own
// ("first_inference_ms": planning, packing and cache warm-up), then warm-up runs (by count or by
// seconds) are discarded and the steady state is measured: a fixed number of iterations, or as
// many as fit in a duration. With concurrency K, K threads each keep one request in flight over
// one shared session (or one session each), and every request's latency is recorded.
#pragma once

#include <sz0/graph.h>
#include <sz0/session.h>
#include <sz0/tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sz0 {

// Order statistics of a sample of latencies (milliseconds).
struct LatencyStats {
  int64_t count = 0;
  double mean = 0, median = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, min = 0, max = 0, std = 0;
  // 95% confidence interval of the median: the order statistics whose ranks bound it by the
  // binomial(n, 1/2) distribution (normal approximation), distribution-free.
  double median_ci_low = 0, median_ci_high = 0;
};
// Percentiles interpolate linearly between closest ranks (NumPy's default).
LatencyStats summarize_latency(std::vector<double> ms);
double percentile_sorted(const std::vector<double>& sorted, double p);

struct MemoryUsage {
  double peak_rss_mb = 0;    // VmHWM of the process after the run
  double rss_growth_mb = 0;  // RSS after the timed runs minus RSS before the session was created
  double arena_mb = 0;       // the session's planned activation arena (per concurrent run)
  double weights_mb = 0;     // the model's initializers
};

// GPU figures through NVML, loaded at run time; `available` false with the reason otherwise.
struct GpuUsage {
  bool available = false;
  std::string reason;  // why not available
  std::string name;
  double memory_used_mb = 0, memory_total_mb = 0;
  double utilization_pct = 0;  // mean of samples taken during the timed runs
};

struct SystemInfo {
  std::string cpu_model;
  int logical_cpus = 0, physical_cores = 0;
  std::string isa;  // the instruction set the kernels chose (e.g. "avx2+fma")
  std::string version, build_type, compiler, onednn_version, os;
};
SystemInfo system_info();

// Accuracy of a variant against the first model of a comparison (sz0 compare's figures).
struct Fidelity {
  int samples = 0;
  double min_cosine = 1, mean_cosine = 1, max_abs_diff = 0, sqnr_db = 0;
  double top1_agreement = -1;  // -1 when outputs are not classifications
};

struct BatchPoint {
  int64_t batch = 1;
  LatencyStats latency;       // per batch (one request)
  double throughput_qps = 0;  // samples per second
};

struct BenchmarkOptions {
  int warmup_iterations = 10;
  double warmup_seconds = 0;  // > 0: warm up for this long instead of by count
  int iterations = 100;
  double duration_seconds = 0;  // > 0: time runs for this long instead of a fixed count
  int threads = 0;              // per session (0: one per core, or 1 with concurrency > 1)
  int concurrency = 1;          // requests in flight, each from its own thread
  bool separate_sessions = false;  // one session per concurrent thread instead of one shared
  bool optimize = true;
  // run(): plan the sessions for the shapes of the feeds (SessionOptions::input_shapes), as a
  // server with fixed inputs would. Off for sweeps, which change the batch.
  bool fix_input_shapes = false;
  // Progress: called with (done, total) during long runs; total 0 when running by duration.
  std::function<void(int64_t, int64_t)> progress;
};

// Feeds for one request at a batch size (0: the batch the inputs were given with).
using FeedFactory = std::function<Result<std::map<std::string, Tensor>>(int64_t batch)>;

// `t` with its leading dimension set to `batch`, its rows repeated cyclically.
Result<Tensor> repeat_rows(const Tensor& t, int64_t batch);
// Feeds at a batch size from one sample: every input's rows repeated (batch 0: as given).
FeedFactory repeated_feeds(std::map<std::string, Tensor> sample);
// Every runtime input's leading dimension made symbolic, and the outputs' likewise, so a model
// exported with a fixed batch runs at other batch sizes where its graph allows.
void relax_batch(Model& model);

// Several sessions timed in turn, for ratios that a shared machine's slow phases do not skew:
// `rounds` rounds, each running every session for ceil(runs / rounds) timed runs after one
// discarded run (the caches still hold the previous session's data). A session whose run fails
// is timed no further; its status says why. Two warm-up runs per session come first.
struct InterleavedTimes {
  std::vector<double> ms;  // every timed run, in order
  Status status;
};
std::vector<InterleavedTimes> time_interleaved(const std::vector<Session*>& sessions,
                                               const std::vector<std::map<std::string, Tensor>>& feeds, int runs,
                                               int rounds);

struct BenchmarkResult {
  std::string model;  // path or name
  double model_mb = 0;
  int threads = 1, concurrency = 1, sessions = 1;
  std::map<std::string, std::pair<DType, Shape>> inputs;
  double session_create_ms = 0, first_inference_ms = 0;
  double warmup_runs = 0;
  LatencyStats latency;
  std::vector<double> times_ms;  // every timed request, in completion order
  double wall_seconds = 0;
  double throughput_qps = 0;  // requests per second
  MemoryUsage memory;
  GpuUsage gpu;
  std::vector<BatchPoint> batches;  // --batch sweep
  // --find-batch: the batch with the highest throughput whose p95 is within the budget.
  struct FindBatch {
    double budget_ms = 0;
    int64_t batch = 0;  // 0: none met the budget
    double p95_ms = 0, throughput_qps = 0;
  };
  std::optional<FindBatch> find_batch;
  std::optional<Fidelity> fidelity;
  struct OpTime {
    std::string op;  // "Conv [kernel]"
    double ms_per_run = 0, calls_per_run = 0;
  };
  std::vector<OpTime> profile;
};

class PerformanceBenchmark {
 public:
  explicit PerformanceBenchmark(BenchmarkOptions options);
  // Times `model` on the feeds the factory gives for batch 0.
  Result<BenchmarkResult> run(const Model& model, const std::string& label, const FeedFactory& feeds,
                              bool profile = false) const;
  // Times each batch size (concurrency as configured) and fills `result.batches`.
  Status sweep_batches(const Model& model, const FeedFactory& feeds, const std::vector<int64_t>& batches,
                       BenchmarkResult& result) const;
  // Largest throughput whose p95 is within `budget_ms`: doubles the batch while it fits (up to
  // `max_batch`), then bisects between the last fit and the first miss. Fills `result.find_batch`
  // and adds every batch tried to `result.batches`.
  Status find_batch(const Model& model, const FeedFactory& feeds, double budget_ms, int64_t max_batch,
                    BenchmarkResult& result) const;

 private:
  BenchmarkOptions options_;
};

// Reports over one run's results (the first is the baseline of speedups).
std::string benchmark_json(const std::vector<BenchmarkResult>& results, const SystemInfo& system);
std::string benchmark_markdown(const std::vector<BenchmarkResult>& results, const SystemInfo& system);
// A self-contained page: tables plus inline SVG charts (latency histogram and CDF per model;
// batch size against throughput and p95 when a sweep ran). No scripts, no external resources.
std::string benchmark_html(const std::vector<BenchmarkResult>& results, const SystemInfo& system);

}  // namespace sz0

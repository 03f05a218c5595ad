// PerformanceBenchmark: sessions, warm-up, the timed loop (one request in flight per thread),
// batch sweeps and the batch search under a latency budget.
#include <sz0/bench.h>
#include <sz0/session.h>

#include "bench/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace sz0 {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// One timed loop's samples: each request's latency with its completion time.
struct Samples {
  std::vector<std::pair<Clock::time_point, double>> done;  // (end, latency ms), by completion
  double wall_seconds = 0;

  std::vector<double> latencies() const {
    std::vector<double> ms;
    for (auto& [end, l] : done) ms.push_back(l);
    return ms;
  }
  double requests_per_second() const { return wall_seconds > 0 ? static_cast<double>(done.size()) / wall_seconds : 0; }
};

// The sessions a benchmark runs: one shared by every thread, or one per thread.
class Runner {
 public:
  static Result<Runner> create(const Model& model, const BenchmarkOptions& o, double* create_ms, bool profile = false,
                               const std::map<std::string, Tensor>* fixed = nullptr) {
    Runner r;
    r.options_ = o;
    r.concurrency_ = std::max(1, o.concurrency);
    SessionOptions so;
    so.optimize = o.optimize;
    so.profile = profile;
    if (fixed)
      for (auto& [name, t] : *fixed) so.input_shapes[name] = t.shape();
    // Requests in flight share the cores: one thread each unless told otherwise.
    so.threads = o.threads > 0 ? o.threads : (r.concurrency_ > 1 ? 1 : 0);
    const int sessions = o.separate_sessions ? r.concurrency_ : 1;
    for (int i = 0; i < sessions; ++i) {
      const auto t0 = Clock::now();
      SZ0_ASSIGN(auto s, Session::create(model, so));
      if (i == 0 && create_ms) *create_ms = ms_between(t0, Clock::now());
      r.sessions_.push_back(std::move(s));
    }
    return r;
  }

  // Concurrent requests each need their own arena and per-thread scratch before timing.
  int64_t warmup_count() const {
    return concurrency_ == 1 ? options_.warmup_iterations : std::max<int64_t>(options_.warmup_iterations, 2 * concurrency_);
  }

  Session& session(int thread) { return *sessions_[static_cast<size_t>(thread) % sessions_.size()]; }
  int concurrency() const { return concurrency_; }
  int sessions() const { return static_cast<int>(sessions_.size()); }

  // `count` requests (or, with `seconds` > 0, as many as start within that time), `concurrency`
  // threads each keeping one in flight. `report` gets progress.
  Result<Samples> loop(const std::map<std::string, Tensor>& feeds, int64_t count, double seconds,
                       const std::function<void(int64_t, int64_t)>& report) {
    Samples s;
    std::atomic<int64_t> issued{0}, finished{0};
    std::atomic<bool> stop{false};
    std::mutex mu;
    Status first_error;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::vector<std::pair<Clock::time_point, double>>> per_thread(static_cast<size_t>(concurrency_));
    auto work = [&](int t) {
      Session& session = this->session(t);
      auto& mine = per_thread[static_cast<size_t>(t)];
      while (!stop) {
        if (seconds > 0) {
          if (Clock::now() >= deadline) break;
        } else if (issued.fetch_add(1) >= count) {
          break;
        }
        const auto t0 = Clock::now();
        auto out = session.run(feeds);
        const auto t1 = Clock::now();
        if (!out.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = out.status();
          stop = true;
          break;
        }
        mine.emplace_back(t1, ms_between(t0, t1));
        const int64_t n = ++finished;
        if (report && t == 0) report(n, seconds > 0 ? 0 : count);
      }
    };
    if (concurrency_ == 1) {
      work(0);
    } else {
      std::vector<std::thread> threads;
      for (int t = 0; t < concurrency_; ++t) threads.emplace_back(work, t);
      for (auto& th : threads) th.join();
    }
    if (!first_error.ok()) return first_error;
    for (auto& v : per_thread) s.done.insert(s.done.end(), v.begin(), v.end());
    std::sort(s.done.begin(), s.done.end(), [](auto& a, auto& b) { return a.first < b.first; });
    s.wall_seconds = s.done.empty() ? 0 : ms_between(start, s.done.back().first) / 1000.0;
    if (report) report(static_cast<int64_t>(s.done.size()), static_cast<int64_t>(s.done.size()));
    return s;
  }

  // Warm-up (every thread, so each concurrent request has its arena and plans), then the timed
  // loop.
  Result<Samples> measure(const std::map<std::string, Tensor>& feeds, bool with_progress) {
    SZ0_TRY(loop(feeds, warmup_count(), options_.warmup_seconds, nullptr).status());
    return loop(feeds, options_.iterations, options_.duration_seconds, with_progress ? options_.progress : nullptr);
  }

 private:
  BenchmarkOptions options_;
  int concurrency_ = 1;
  std::vector<std::unique_ptr<Session>> sessions_;
};

Result<BatchPoint> time_batch(Runner& runner, const FeedFactory& feeds, int64_t batch) {
  SZ0_ASSIGN(auto f, feeds(batch));
  SZ0_ASSIGN(Samples s, runner.measure(f, false));
  BatchPoint p;
  p.batch = batch;
  p.latency = summarize_latency(s.latencies());
  p.throughput_qps = s.requests_per_second() * static_cast<double>(batch);  // the factory's leading dimension
  return p;
}

void add_point(BenchmarkResult& result, const BatchPoint& p) {
  auto it = std::find_if(result.batches.begin(), result.batches.end(), [&](const BatchPoint& q) { return q.batch == p.batch; });
  if (it != result.batches.end()) *it = p;
  else result.batches.push_back(p);
  std::sort(result.batches.begin(), result.batches.end(), [](auto& a, auto& b) { return a.batch < b.batch; });
}

}  // namespace

PerformanceBenchmark::PerformanceBenchmark(BenchmarkOptions options) : options_(std::move(options)) {}

Result<BenchmarkResult> PerformanceBenchmark::run(const Model& model, const std::string& label, const FeedFactory& feeds,
                                                  bool profile) const {
  if (options_.iterations < 1 && options_.duration_seconds <= 0) return error("iterations must be at least 1");
  BenchmarkResult r;
  r.model = label;
  // Weights: initializers, and tensors held in Constant nodes (some exporters put every weight there).
  size_t weight_bytes = 0;
  for (auto& [name, t] : model.graph.initializers) weight_bytes += t.nbytes();
  for (const Node& n : model.graph.nodes)
    if (n.op_type == "Constant" && n.domain.empty())
      for (const Attribute& a : n.attributes)
        if (a.kind == Attribute::Kind::Tensor) weight_bytes += a.t.nbytes();
  r.memory.weights_mb = static_cast<double>(weight_bytes) / (1024.0 * 1024.0);
  SZ0_ASSIGN(auto f, feeds(0));
  for (auto& [name, t] : f) r.inputs[name] = {t.dtype(), t.shape()};
  const double rss_before = bench::current_rss_mb();
  const BenchmarkOptions& o = options_;
  SZ0_ASSIGN(Runner runner, Runner::create(model, o, &r.session_create_ms, profile, o.fix_input_shapes ? &f : nullptr));
  r.concurrency = runner.concurrency();
  r.sessions = runner.sessions();
  r.threads = runner.session(0).threads();
  {
    const auto t0 = Clock::now();
    SZ0_TRY(runner.session(0).run(f).status());
    r.first_inference_ms = ms_between(t0, Clock::now());
  }
  bench::GpuMonitor gpu;
  SZ0_ASSIGN(Samples warmed, runner.loop(f, runner.warmup_count(), o.warmup_seconds, nullptr));
  r.warmup_runs = static_cast<double>(warmed.done.size());
  for (int i = 0; i < runner.sessions(); ++i) runner.session(i).reset_profile();
  gpu.start();
  SZ0_ASSIGN(Samples s, runner.loop(f, o.iterations, o.duration_seconds, o.progress));
  r.gpu = gpu.stop();
  r.times_ms = s.latencies();
  r.latency = summarize_latency(r.times_ms);
  r.wall_seconds = s.wall_seconds;
  r.throughput_qps = s.requests_per_second();
  r.memory.peak_rss_mb = bench::peak_rss_mb();
  r.memory.rss_growth_mb = bench::current_rss_mb() - rss_before;
  size_t arenas = 0;
  for (int i = 0; i < runner.sessions(); ++i) arenas += runner.session(i).memory_stats().arenas_total_bytes;
  r.memory.arena_mb = static_cast<double>(arenas) / (1024.0 * 1024.0);
  if (profile) {
    std::map<std::string, std::pair<double, double>> by_type;
    for (int i = 0; i < runner.sessions(); ++i)
      for (const NodeProfile& n : runner.session(i).profile()) {
        auto& [ms, calls] = by_type[n.op_type + " [" + n.kernel + "]"];
        ms += n.total_ms;
        calls += static_cast<double>(n.calls);
      }
    const double runs = static_cast<double>(std::max<size_t>(1, s.done.size()));
    for (auto& [op, t] : by_type) r.profile.push_back({op, t.first / runs, t.second / runs});
    std::sort(r.profile.begin(), r.profile.end(), [](auto& a, auto& b) { return a.ms_per_run > b.ms_per_run; });
  }
  return r;
}

Status PerformanceBenchmark::sweep_batches(const Model& model, const FeedFactory& feeds, const std::vector<int64_t>& batches,
                                           BenchmarkResult& result) const {
  SZ0_ASSIGN(Runner runner, Runner::create(model, options_, nullptr));
  for (int64_t b : batches) {
    if (b < 1) return error("batch sizes must be at least 1, got {}", b);
    auto p = time_batch(runner, feeds, b);
    if (!p.ok()) return p.status().context(fmt::format("batch {}", b));
    add_point(result, *p);
  }
  return {};
}

Status PerformanceBenchmark::find_batch(const Model& model, const FeedFactory& feeds, double budget_ms, int64_t max_batch,
                                        BenchmarkResult& result) const {
  if (!(budget_ms > 0)) return error("the latency budget must be positive, got {} ms", budget_ms);
  if (max_batch < 1) return error("the largest batch must be at least 1, got {}", max_batch);
  SZ0_ASSIGN(Runner runner, Runner::create(model, options_, nullptr));
  std::map<int64_t, BatchPoint> tried;
  auto measure = [&](int64_t b) -> Result<BatchPoint> {
    auto p = time_batch(runner, feeds, b);
    if (!p.ok()) return p.status().context(fmt::format("batch {}", b));
    tried[b] = *p;
    add_point(result, *p);
    return p;
  };
  auto fits = [&](const BatchPoint& p) { return p.latency.p95 <= budget_ms; };
  // Doubling while the budget holds, then bisection between the last fit and the first miss.
  int64_t fit = 0, miss = 0;
  for (int64_t b = 1;; b = std::min(b * 2, max_batch)) {
    SZ0_ASSIGN(BatchPoint p, measure(b));
    if (!fits(p)) {
      miss = b;
      break;
    }
    fit = b;
    if (b == max_batch) break;
  }
  while (fit > 0 && miss > fit + 1) {
    const int64_t mid = fit + (miss - fit) / 2;
    SZ0_ASSIGN(BatchPoint p, measure(mid));
    (fits(p) ? fit : miss) = mid;
  }
  BenchmarkResult::FindBatch fb;
  fb.budget_ms = budget_ms;
  // The highest-throughput fit, confirmed by a second measurement (a p95 at the edge of the
  // budget can be noise); a batch that fails its confirmation is dropped and the next taken.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const BatchPoint* best = nullptr;
    for (auto& [b, p] : tried)
      if (fits(p) && (!best || p.throughput_qps > best->throughput_qps)) best = &p;
    if (!best) break;
    const int64_t b = best->batch;
    SZ0_ASSIGN(BatchPoint again, time_batch(runner, feeds, b));
    if (fits(again)) {
      fb.batch = b;
      fb.p95_ms = again.latency.p95;
      fb.throughput_qps = again.throughput_qps;
      break;
    }
    tried[b] = again;
    add_point(result, again);
  }
  result.find_batch = fb;
  return {};
}

}  // namespace sz0

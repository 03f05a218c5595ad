// The benchmark library: order statistics against a naive computation, the median's confidence
// interval by its coverage on known distributions, the runner's counts under concurrency and
// duration, batch sweeps and the batch search, the JSON contract, and the GPU monitor on both
// paths (no NVML here; a stand-in library with NVML's entry points).
#include <sz0/bench.h>
#include <sz0/zoo.h>

#include "bench/monitor.h"
#include "util/op_test.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

using namespace sz0;
using namespace sz0::test;

namespace {

// Rank-interpolated percentile written out directly (position p/100 · (n-1)).
double naive_percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(lo);
  return lo + 1 < v.size() ? v[lo] * (1 - frac) + v[lo + 1] * frac : v[lo];
}

FeedFactory mlp_feeds() {
  return [](int64_t batch) -> Result<std::map<std::string, Tensor>> {
    const zoo::ZooModel& m = *zoo::find_model("mlp");
    std::map<std::string, Tensor> f;
    for (const zoo::InputSpec& in : m.inputs) {
      Shape s{batch > 0 ? batch : 1};
      s.insert(s.end(), in.dims.begin(), in.dims.end());
      f[in.name] = random_tensor(in.dtype, s, 3);
    }
    return f;
  };
}

}  // namespace

TEST(Bench, StatisticsMatchNaiveComputation) {
  for (size_t n : {1u, 2u, 7u, 100u, 1001u}) {
    std::mt19937 rng(static_cast<uint32_t>(n));
    std::lognormal_distribution<double> dist(0.0, 0.5);
    std::vector<double> v(n);
    for (double& x : v) x = dist(rng);
    const LatencyStats s = summarize_latency(v);
    EXPECT_EQ(s.count, static_cast<int64_t>(n));
    for (auto [p, got] : {std::pair{50.0, s.median}, {90.0, s.p90}, {95.0, s.p95}, {99.0, s.p99}, {99.9, s.p999}})
      EXPECT_NEAR(got, naive_percentile(v, p), 1e-12) << "n " << n << " p" << p;
    EXPECT_EQ(s.min, *std::min_element(v.begin(), v.end()));
    EXPECT_EQ(s.max, *std::max_element(v.begin(), v.end()));
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(n);
    EXPECT_NEAR(s.mean, mean, 1e-12);
    EXPECT_TRUE(s.min <= s.median && s.median <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
    EXPECT_TRUE(s.median_ci_low <= s.median && s.median <= s.median_ci_high);
  }
  EXPECT_EQ(summarize_latency({}).count, 0);
}

TEST(Bench, MedianIntervalCoversTheTrueMedianAboutNinetyFivePercentOfTheTime) {
  // Exponential(1): true median ln 2. 2000 samples of 101 draws each.
  std::mt19937 rng(11);
  std::exponential_distribution<double> dist(1.0);
  int covered = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> v(101);
    for (double& x : v) x = dist(rng);
    const LatencyStats s = summarize_latency(v);
    covered += s.median_ci_low <= std::log(2.0) && std::log(2.0) <= s.median_ci_high;
  }
  const double rate = static_cast<double>(covered) / trials;
  EXPECT_GE(rate, 0.93);  // order-statistic intervals are conservative: at least nominal
  EXPECT_LE(rate, 0.99);
}

TEST(Bench, RunnerCountsRequestsUnderConcurrency) {
  auto model = zoo::build_model("mlp", {.seed = 1});
  ASSERT_TRUE(model.ok());
  for (bool separate : {false, true}) {
    BenchmarkOptions o;
    o.iterations = 37;
    o.warmup_iterations = 3;
    o.concurrency = 3;
    o.separate_sessions = separate;
    auto r = PerformanceBenchmark(o).run(*model, "mlp", mlp_feeds());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->latency.count, 37);
    EXPECT_EQ(r->times_ms.size(), 37u);
    EXPECT_EQ(r->concurrency, 3);
    EXPECT_EQ(r->sessions, separate ? 3 : 1);
    EXPECT_EQ(r->threads, 1);  // one per request with concurrency
    EXPECT_GT(r->throughput_qps, 0);
    EXPECT_GT(r->first_inference_ms, 0);
    EXPECT_GT(r->memory.weights_mb, 0);
    EXPECT_GT(r->memory.arena_mb, 0);
    EXPECT_GE(r->warmup_runs, 6);  // at least two per concurrent thread
  }
}

// Sessions timed in turn: every one gets rounds × ceil(runs / rounds) timed runs; one whose run
// fails stops, says why, and the others go on.
TEST(Bench, InterleavedTimingTimesEverySessionAndIsolatesFailures) {
  auto model = zoo::build_model("mlp", {.seed = 1});
  ASSERT_TRUE(model.ok());
  SessionOptions so;
  so.threads = 1;
  auto a = Session::create(*model, so), b = Session::create(*model, so), c = Session::create(*model, so);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto good = mlp_feeds()(1);
  ASSERT_TRUE(good.ok());
  std::map<std::string, Tensor> bad = *good;
  bad.begin()->second = random_tensor(DType::Float, {1, 3}, 1);  // the wrong width
  const auto t = time_interleaved({a->get(), b->get(), c->get()}, {*good, bad, *good}, 7, 3);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_TRUE(t[0].status.ok());
  EXPECT_EQ(t[0].ms.size(), 9u);  // 3 rounds of ceil(7 / 3) = 3
  EXPECT_FALSE(t[1].status.ok());
  EXPECT_TRUE(t[1].ms.empty());
  EXPECT_TRUE(t[2].status.ok());
  EXPECT_EQ(t[2].ms.size(), 9u);
  for (double ms : t[0].ms) EXPECT_GT(ms, 0);
}

TEST(Bench, DurationRunsUntilTheDeadline) {
  auto model = zoo::build_model("mlp", {.seed = 1});
  ASSERT_TRUE(model.ok());
  BenchmarkOptions o;
  o.duration_seconds = 0.3;
  o.warmup_iterations = 1;
  o.threads = 1;
  auto r = PerformanceBenchmark(o).run(*model, "mlp", mlp_feeds());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(r->latency.count, 1);
  EXPECT_GE(r->wall_seconds, 0.25);
  EXPECT_LE(r->wall_seconds, 5.0);
}

TEST(Bench, BatchSweepAndSearch) {
  auto model = zoo::build_model("mlp", {.seed = 1});
  ASSERT_TRUE(model.ok());
  BenchmarkOptions o;
  o.iterations = 8;
  o.warmup_iterations = 1;
  o.threads = 1;
  const PerformanceBenchmark bench(o);
  BenchmarkResult r;
  ASSERT_TRUE(bench.sweep_batches(*model, mlp_feeds(), {1, 3, 2}, r).ok());
  ASSERT_EQ(r.batches.size(), 3u);
  EXPECT_EQ(r.batches[0].batch, 1);
  EXPECT_EQ(r.batches[2].batch, 3);
  // A budget nothing can miss: the search ends at the largest batch allowed.
  BenchmarkResult big;
  ASSERT_TRUE(bench.find_batch(*model, mlp_feeds(), 1e6, 12, big).ok());
  ASSERT_TRUE(big.find_batch.has_value());
  EXPECT_GE(big.find_batch->batch, 1);
  EXPECT_LE(big.find_batch->batch, 12);
  EXPECT_LE(big.find_batch->p95_ms, 1e6);
  // One nothing can meet: batch 0, and only batch 1 was tried.
  BenchmarkResult none;
  ASSERT_TRUE(bench.find_batch(*model, mlp_feeds(), 1e-6, 64, none).ok());
  EXPECT_EQ(none.find_batch->batch, 0);
  ASSERT_EQ(none.batches.size(), 1u);
  EXPECT_FALSE(bench.find_batch(*model, mlp_feeds(), -1, 64, none).ok());
  EXPECT_FALSE(bench.sweep_batches(*model, mlp_feeds(), {0}, r).ok());
}

TEST(Bench, JsonKeepsTheContract) {
  BenchmarkResult r;
  r.model = "m.onnx";
  r.latency = summarize_latency({1, 2, 3, 4});
  r.throughput_qps = 10;
  r.find_batch = BenchmarkResult::FindBatch{5, 8, 4.5, 100};
  const SystemInfo sys = system_info();
  auto one = nlohmann::json::parse(benchmark_json({r}, sys));
  for (const char* k : {"mean", "median", "p90", "p95", "p99", "min", "max", "std"}) EXPECT_TRUE(one["latency_ms"].contains(k)) << k;
  EXPECT_EQ(one["throughput_qps"], 10);
  for (const char* k : {"peak_rss_mb", "rss_growth_mb", "arena_mb", "weights_mb"}) EXPECT_TRUE(one["memory"].contains(k)) << k;
  EXPECT_EQ(one["find_batch"]["batch"], 8);
  EXPECT_EQ(one["find_batch"]["p95_ms"], 4.5);
  EXPECT_EQ(one["find_batch"]["throughput_qps"], 100);
  EXPECT_FALSE(one["system"]["cpu_model"].get<std::string>().empty());
  auto two = nlohmann::json::parse(benchmark_json({r, r}, sys));
  ASSERT_EQ(two["results"].size(), 2u);
  EXPECT_TRUE(two["results"][1].contains("latency_ms"));
}

TEST(Bench, GpuMonitorWithoutNvmlSaysWhy) {
  ::setenv("SZ0_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
  bench::GpuMonitor m;
  m.start();
  const GpuUsage g = m.stop();
  ::unsetenv("SZ0_NVML_LIBRARY");
  EXPECT_FALSE(g.available);
  EXPECT_NE(g.reason.find("not found"), std::string::npos) << g.reason;
}

TEST(Bench, GpuMonitorReadsNvml) {
  const char* lib = std::getenv("SZ0_FAKE_NVML");  // set by CTest to the stand-in library
  if (!lib) GTEST_SKIP() << "SZ0_FAKE_NVML not set";
  ::setenv("SZ0_NVML_LIBRARY", lib, 1);
  bench::GpuMonitor m;
  m.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const GpuUsage g = m.stop();
  ::unsetenv("SZ0_NVML_LIBRARY");
  ASSERT_TRUE(g.available) << g.reason;
  EXPECT_EQ(g.name, "Fake GPU 80GB");
  EXPECT_NEAR(g.memory_total_mb, 80 * 1024, 1e-6);
  EXPECT_NEAR(g.memory_used_mb, 3 * 1024, 1e-6);
  EXPECT_GE(g.utilization_pct, 40);
  EXPECT_LE(g.utilization_pct, 60);
}

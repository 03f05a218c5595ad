// sz0 bench MODEL... [-i NAME=FILE]... [--shape NAME=DIMS]... [--iterations N] [--warmup N]
//                    [--threads N] [--json FILE]
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/onnx.h>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

namespace sz0::cli {

namespace {

struct BenchArgs {
  std::vector<std::string> models;
  InputArgs inputs;
  int iterations = 100;
  int warmup = 10;
  int threads = 0;
  std::string json;
  bool profile = false;
};

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

// Per-op-type totals, slowest first, as milliseconds per inference.
nlohmann::json profile_json(const std::vector<NodeProfile>& nodes, int iterations) {
  std::map<std::string, std::pair<double, int64_t>> by_type;
  for (const NodeProfile& n : nodes) {
    auto& [ms, count] = by_type[n.op_type + " [" + n.kernel + "]"];
    ms += n.total_ms;
    count += n.calls;
  }
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> v(by_type.begin(), by_type.end());
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second.first > b.second.first; });
  nlohmann::json j = nlohmann::json::array();
  for (auto& [op, t] : v)
    j.push_back({{"op", op}, {"ms_per_run", t.first / iterations}, {"calls_per_run", static_cast<double>(t.second) / iterations}});
  return j;
}

Result<nlohmann::json> bench_one(const std::string& path, const BenchArgs& a) {
  SZ0_ASSIGN(Model model, load_model(path));
  SZ0_ASSIGN(auto feeds, make_feeds(model, a.inputs, true));
  SessionOptions so;
  so.threads = a.threads;
  so.profile = a.profile;
  const auto t0 = Clock::now();
  auto created = Session::create(std::move(model), so);
  if (!created.ok()) return created.status().context(path);
  const double create_ms = ms_since(t0);
  auto& session = *created;
  auto warm = time_runs(*session, feeds, a.warmup, 0);
  if (!warm.ok()) return warm.status().context(path);
  session->reset_profile();
  const auto start = Clock::now();
  auto timed = time_runs(*session, feeds, 0, a.iterations);
  if (!timed.ok()) return timed.status().context(path);
  const double total_s = ms_since(start) / 1000.0;
  const std::vector<double>& lat = *timed;
  std::vector<double> sorted = lat;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (double x : lat) mean += x;
  mean /= static_cast<double>(lat.size());
  double var = 0;
  for (double x : lat) var += (x - mean) * (x - mean);
  const double stdev = std::sqrt(var / static_cast<double>(lat.size()));
  nlohmann::json j;
  j["model"] = path;
  j["threads"] = session->threads();
  j["iterations"] = a.iterations;
  j["warmup"] = a.warmup;
  j["inputs"] = nlohmann::json::object();
  for (auto& [name, t] : feeds) j["inputs"][name] = {{"dtype", std::string(dtype_name(t.dtype()))}, {"shape", t.shape()}};
  j["latency_ms"] = {{"mean", mean},
                     {"median", percentile(sorted, 50)},
                     {"p90", percentile(sorted, 90)},
                     {"p95", percentile(sorted, 95)},
                     {"p99", percentile(sorted, 99)},
                     {"min", sorted.front()},
                     {"max", sorted.back()},
                     {"std", stdev}};
  j["throughput_qps"] = static_cast<double>(a.iterations) / total_s;
  j["session_create_ms"] = create_ms;
  j["memory"] = {{"peak_rss_mb", peak_rss_mb()}};
  if (a.profile) j["profile"] = profile_json(session->profile(), a.iterations);
  return j;
}

Status bench(const BenchArgs& a) {
  if (a.iterations < 1) return error("--iterations must be at least 1");
  std::vector<nlohmann::json> results;
  for (const std::string& m : a.models) {
    SZ0_ASSIGN(auto j, bench_one(m, a));
    const auto& l = j["latency_ms"];
    std::printf("%s: threads %d, %d iterations: mean %.3f ms, median %.3f, p90 %.3f, p95 %.3f, p99 %.3f, "
                "min %.3f, max %.3f, std %.3f; %.1f inferences/s; session created in %.1f ms; peak RSS %.1f MB\n",
                m.c_str(), j["threads"].get<int>(), a.iterations, l["mean"].get<double>(), l["median"].get<double>(),
                l["p90"].get<double>(), l["p95"].get<double>(), l["p99"].get<double>(), l["min"].get<double>(),
                l["max"].get<double>(), l["std"].get<double>(), j["throughput_qps"].get<double>(),
                j["session_create_ms"].get<double>(), j["memory"]["peak_rss_mb"].get<double>());
    if (a.profile)
      for (const auto& p : j["profile"])
        std::printf("  %-40s %8.3f ms/run  %6.1f calls/run\n", p["op"].get<std::string>().c_str(),
                    p["ms_per_run"].get<double>(), p["calls_per_run"].get<double>());
    results.push_back(std::move(j));
  }
  if (!a.json.empty()) {
    nlohmann::json out;
    if (results.size() == 1) out = results[0];
    else out["results"] = results;
    SZ0_TRY(write_file_atomic(a.json, out.dump(2) + "\n"));
  }
  return {};
}

}  // namespace

void add_bench(CLI::App& app, int& rc) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time models: latency percentiles, throughput, memory");
  cmd->add_option("models", args->models, "ONNX models")->required();
  add_input_options(cmd, args->inputs, false);
  cmd->add_option("--iterations", args->iterations, "Timed runs (default 100)");
  cmd->add_option("--warmup", args->warmup, "Untimed runs first (default 10)")->check(CLI::Range(0, 4096));
  cmd->add_option("--threads", args->threads, "Intra-op threads (default: one per core)")->check(CLI::Range(0, 4096));
  cmd->add_option("--json", args->json, "Write results as JSON");
  cmd->add_flag("--profile", args->profile, "Time each node; print and write per-op-type totals");
  cmd->callback([args, &rc]() {
    Status s = bench(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

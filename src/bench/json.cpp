// The benchmark's JSON: with one result its fields at the top level, with several a "results"
// array (the CLI contract); the system section beside them.
#include <sz0/bench.h>

#include <nlohmann/json.hpp>

#include <cmath>

namespace sz0 {

namespace {

using nlohmann::json;

// JSON has no NaN or infinity: a figure that is not finite is written as null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json latency_json(const LatencyStats& l) {
  return {{"count", l.count},         {"mean", number(l.mean)}, {"median", number(l.median)},
          {"p90", number(l.p90)},     {"p95", number(l.p95)},   {"p99", number(l.p99)},
          {"p99_9", number(l.p999)},  {"min", number(l.min)},   {"max", number(l.max)},
          {"std", number(l.std)},     {"median_ci95", {number(l.median_ci_low), number(l.median_ci_high)}}};
}

json result_json(const BenchmarkResult& r) {
  json j;
  j["model"] = r.model;
  j["model_mb"] = number(r.model_mb);
  j["threads"] = r.threads;
  j["concurrency"] = r.concurrency;
  j["sessions"] = r.sessions;
  j["iterations"] = r.latency.count;
  j["warmup"] = r.warmup_runs;
  j["inputs"] = json::object();
  for (auto& [name, t] : r.inputs) j["inputs"][name] = {{"dtype", std::string(dtype_name(t.first))}, {"shape", t.second}};
  j["latency_ms"] = latency_json(r.latency);
  j["throughput_qps"] = number(r.throughput_qps);
  j["wall_seconds"] = number(r.wall_seconds);
  j["session_create_ms"] = number(r.session_create_ms);
  j["first_inference_ms"] = number(r.first_inference_ms);
  j["memory"] = {{"peak_rss_mb", number(r.memory.peak_rss_mb)},
                 {"rss_growth_mb", number(r.memory.rss_growth_mb)},
                 {"arena_mb", number(r.memory.arena_mb)},
                 {"weights_mb", number(r.memory.weights_mb)}};
  if (r.gpu.available)
    j["gpu"] = {{"available", true},
                {"name", r.gpu.name},
                {"memory_used_mb", number(r.gpu.memory_used_mb)},
                {"memory_total_mb", number(r.gpu.memory_total_mb)},
                {"utilization_pct", number(r.gpu.utilization_pct)}};
  else
    j["gpu"] = {{"available", false}, {"reason", r.gpu.reason}};
  if (!r.batches.empty()) {
    json b = json::array();
    for (const BatchPoint& p : r.batches)
      b.push_back({{"batch", p.batch}, {"latency_ms", latency_json(p.latency)}, {"throughput_qps", number(p.throughput_qps)}});
    j["batches"] = b;
  }
  if (r.find_batch)
    j["find_batch"] = {{"budget_ms", number(r.find_batch->budget_ms)},
                       {"batch", r.find_batch->batch},
                       {"p95_ms", number(r.find_batch->p95_ms)},
                       {"throughput_qps", number(r.find_batch->throughput_qps)}};
  if (r.fidelity)
    j["fidelity"] = {{"samples", r.fidelity->samples},
                     {"min_cosine", number(r.fidelity->min_cosine)},
                     {"mean_cosine", number(r.fidelity->mean_cosine)},
                     {"max_abs_diff", number(r.fidelity->max_abs_diff)},
                     {"sqnr_db", number(r.fidelity->sqnr_db)},
                     {"top1_agreement", r.fidelity->top1_agreement < 0 ? json(nullptr) : number(r.fidelity->top1_agreement)}};
  if (!r.profile.empty()) {
    json p = json::array();
    for (auto& op : r.profile)
      p.push_back({{"op", op.op}, {"ms_per_run", number(op.ms_per_run)}, {"calls_per_run", number(op.calls_per_run)}});
    j["profile"] = p;
  }
  return j;
}

}  // namespace

std::string benchmark_json(const std::vector<BenchmarkResult>& results, const SystemInfo& s) {
  json out;
  if (results.size() == 1) {
    out = result_json(results[0]);
  } else {
    out["results"] = json::array();
    for (const BenchmarkResult& r : results) out["results"].push_back(result_json(r));
  }
  out["system"] = {{"cpu_model", s.cpu_model},   {"logical_cpus", s.logical_cpus}, {"physical_cores", s.physical_cores},
                   {"isa", s.isa},               {"version", s.version},           {"build_type", s.build_type},
                   {"compiler", s.compiler},     {"onednn_version", s.onednn_version}, {"os", s.os}};
  return out.dump(2) + "\n";
}

}  // namespace sz0

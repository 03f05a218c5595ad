// Formatted figures and table contents for the Markdown and HTML benchmark reports.
#include "bench/report_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace sz0::bench {

const char* const kMethodText =
    "Session creation and the first inference are timed on their own; warm-up runs are then discarded "
    "and the steady state is timed request by request. Percentiles interpolate linearly between "
    "closest ranks, and the 95% confidence interval of the median is given by the order statistics "
    "whose ranks bound it under the binomial(n, 1/2) distribution.";

std::string num(double v, int decimals) {
  if (std::isnan(v)) return "—";
  if (std::isinf(v)) return v > 0 ? "∞" : "−∞";
  // Values that round to zero print as zero, not "-0.000".
  if (std::abs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;
  return fmt::format("{:.{}f}", v, decimals);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string speedup(double base, double v) {
  if (!(base > 0) || !(v > 0) || !std::isfinite(base) || !std::isfinite(v)) return "—";
  return num(base / v, 2) + "×";
}

std::string count_text(double v) {
  // Calls per run are whole numbers unless a node runs a varying number of times.
  return std::abs(v - std::round(v)) < 1e-9 ? num(v, 0) : num(v, 2);
}

}  // namespace

TextTable comparison_table(const std::vector<BenchmarkResult>& results) {
  const bool fidelity = std::any_of(results.begin(), results.end(), [](auto& r) { return r.fidelity.has_value(); });
  TextTable t;
  auto col = [&](const char* name, bool numeric = true) {
    t.header.emplace_back(name);
    t.numeric.push_back(numeric);
  };
  col("Model", false);
  for (const char* c : {"Size MB", "Threads", "Concurrency", "Median ms", "95% CI of median ms", "p90 ms", "p95 ms",
                        "p99 ms", "p99.9 ms", "Mean ms", "Min ms", "Max ms", "Std ms", "Throughput req/s",
                        "Speedup", "Session create ms", "First inference ms", "Peak RSS MB", "RSS growth MB",
                        "Arena MB", "Weights MB"})
    col(c);
  if (fidelity) {
    col("Min cosine");
    col("SQNR dB");
    col("Top-1 agreement");
  }
  const double base = results.empty() ? 0 : results.front().latency.median;
  for (const BenchmarkResult& r : results) {
    const LatencyStats& l = r.latency;
    // Without samples the statistics are placeholders, not measurements.
    const bool timed = l.count > 0 || !r.times_ms.empty();
    auto ms = [&](double v) { return timed ? fmt_ms(v) : std::string("—"); };
    std::vector<std::string> row = {r.model,
                                    fmt_mb(r.model_mb),
                                    std::to_string(r.threads),
                                    std::to_string(r.concurrency),
                                    ms(l.median),
                                    timed ? fmt_ms(l.median_ci_low) + "–" + fmt_ms(l.median_ci_high) : "—",
                                    ms(l.p90),
                                    ms(l.p95),
                                    ms(l.p99),
                                    ms(l.p999),
                                    ms(l.mean),
                                    ms(l.min),
                                    ms(l.max),
                                    ms(l.std),
                                    timed ? fmt_qps(r.throughput_qps) : "—",
                                    timed ? speedup(base, l.median) : "—",
                                    fmt_ms(r.session_create_ms),
                                    fmt_ms(r.first_inference_ms),
                                    fmt_mb(r.memory.peak_rss_mb),
                                    fmt_mb(r.memory.rss_growth_mb),
                                    fmt_mb(r.memory.arena_mb),
                                    fmt_mb(r.memory.weights_mb)};
    if (fidelity) {
      if (r.fidelity) {
        const Fidelity& f = *r.fidelity;
        row.push_back(num(f.min_cosine, 6));
        row.push_back(num(f.sqnr_db, 1));
        row.push_back(f.top1_agreement < 0 ? "—" : num(100 * f.top1_agreement, 1) + "%");
      } else {
        row.insert(row.end(), 3, "—");
      }
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<BatchPoint> sorted_batches(const std::vector<BatchPoint>& points) {
  std::map<int64_t, BatchPoint> by_batch;
  for (const BatchPoint& p : points) by_batch[p.batch] = p;
  std::vector<BatchPoint> out;
  for (auto& [b, p] : by_batch) out.push_back(p);
  return out;
}

bool any_batches(const std::vector<BenchmarkResult>& results) {
  return std::any_of(results.begin(), results.end(), [](auto& r) { return !r.batches.empty(); });
}

TextTable batch_table(const BenchmarkResult& r) {
  TextTable t{{"Batch", "Median ms", "p95 ms", "Throughput samples/s"}, {true, true, true, true}, {}};
  for (const BatchPoint& p : sorted_batches(r.batches))
    t.rows.push_back(
        {std::to_string(p.batch), fmt_ms(p.latency.median), fmt_ms(p.latency.p95), fmt_qps(p.throughput_qps)});
  return t;
}

TextTable profile_table(const BenchmarkResult& r, size_t top) {
  TextTable t{{"Op", "ms/run", "calls/run", "Share"}, {false, true, true, true}, {}};
  std::vector<BenchmarkResult::OpTime> ops = r.profile;
  std::stable_sort(ops.begin(), ops.end(), [](auto& a, auto& b) { return a.ms_per_run > b.ms_per_run; });
  double total = 0;
  for (auto& o : ops) total += o.ms_per_run;
  for (size_t i = 0; i < ops.size() && i < top; ++i) {
    const auto& o = ops[i];
    t.rows.push_back({o.op, fmt_ms(o.ms_per_run), count_text(o.calls_per_run),
                      total > 0 ? num(100 * o.ms_per_run / total, 1) + "%" : "—"});
  }
  return t;
}

std::vector<std::pair<std::string, std::string>> system_rows(const SystemInfo& s) {
  auto or_dash = [](const std::string& v) { return v.empty() ? std::string("—") : v; };
  return {{"CPU", or_dash(s.cpu_model)},
          {"Logical CPUs / physical cores", fmt::format("{} / {}", s.logical_cpus, s.physical_cores)},
          {"ISA", or_dash(s.isa)},
          {"sz0 version", or_dash(s.version)},
          {"Build type", or_dash(s.build_type)},
          {"Compiler", or_dash(s.compiler)},
          {"oneDNN", or_dash(s.onednn_version)},
          {"OS", or_dash(s.os)}};
}

std::string gpu_text(const GpuUsage& g) {
  if (!g.available) return "unavailable: " + (g.reason.empty() ? std::string("unknown reason") : g.reason);
  return fmt::format("{}, {} / {} MB used, {}% utilization", g.name, fmt_mb(g.memory_used_mb),
                     fmt_mb(g.memory_total_mb), num(g.utilization_pct, 1));
}

std::string runs_text(const BenchmarkResult& r) {
  const int64_t n = r.latency.count > 0 ? r.latency.count : static_cast<int64_t>(r.times_ms.size());
  return fmt::format("{} warm-up runs excluded; {} timed requests in {} s; {} session{}", num(r.warmup_runs, 0), n,
                     num(r.wall_seconds, 3), r.sessions, r.sessions == 1 ? "" : "s");
}

std::string find_batch_text(const BenchmarkResult::FindBatch& f) {
  if (f.batch == 0) return fmt::format("Batch search: no batch met the budget of {} ms.", fmt_ms(f.budget_ms));
  return fmt::format("Best batch under a p95 budget of {} ms: {} (p95 {} ms, {} samples/s).", fmt_ms(f.budget_ms),
                     f.batch, fmt_ms(f.p95_ms), fmt_qps(f.throughput_qps));
}

}  // namespace sz0::bench

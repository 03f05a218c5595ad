// The pipeline's report: one table across every variant (size, latency percentiles,
// throughput, memory, fidelity, gates, frontier), the steps behind each, the frontier chart
// and the choice; as Markdown, HTML (inline SVG), JSON and a terminal summary.
#include <sz0/pipeline.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "bench/report_tables.h"
#include "bench/svg.h"

namespace sz0 {

namespace {

using bench::num;
using bench::TextTable;

constexpr double kSqnrShownMax = 120;  // identical outputs have SQNR 300 dB: drawn at the top

double size_ratio(const PipelineResult& r, const Variant& v) {
  const int64_t base = r.variants.empty() ? 0 : r.variants[0].file_bytes;
  return base > 0 ? static_cast<double>(v.file_bytes) / static_cast<double>(base) : 0.0;
}
double latency_ratio(const PipelineResult& r, const Variant& v) {
  if (r.variants.empty() || !r.variants[0].measured() || !v.measured()) return NAN;
  return v.bench->latency.median / r.variants[0].bench->latency.median;
}
std::string gate_cell(const Variant& v) {
  if (!v.error.empty()) return "failed";
  return v.gate_failure.empty() ? "pass" : "fail: " + v.gate_failure;
}
std::string accuracy_cell(const Variant& v) {
  return v.accuracy >= 0 ? num(v.accuracy, 4) : "—";
}

TextTable variants_table(const PipelineResult& r) {
  TextTable t;
  t.header = {"variant", "size MB", "size ×", "median ms", "p95 ms", "p99 ms", "latency ×", "inferences/s",
              "memory MB", "cosine", "SQNR dB", "top-1", "accuracy", "gates", "frontier"};
  t.numeric = {false, true, true, true, true, true, true, true, true, true, true, true, true, false, false};
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const Variant& v = r.variants[i];
    if (!v.error.empty()) continue;
    std::vector<std::string> row = {v.name + (static_cast<int>(i) == r.chosen ? " (chosen)" : ""),
                                    num(static_cast<double>(v.file_bytes) / (1024.0 * 1024.0), 3),
                                    num(size_ratio(r, v), 3)};
    if (v.bench) {
      const BenchmarkResult& b = *v.bench;
      row.insert(row.end(), {num(b.latency.median, 3), num(b.latency.p95, 3), num(b.latency.p99, 3),
                             num(latency_ratio(r, v), 3), num(b.throughput_qps, 1),
                             num(b.memory.weights_mb + b.memory.arena_mb, 2)});
    } else {
      row.insert(row.end(), 6, "—");
    }
    row.insert(row.end(), {num(v.cosine, 5), num(std::min(v.sqnr_db, 300.0), 1),
                           v.top1_agreement >= 0 ? num(v.top1_agreement, 3) : "—", accuracy_cell(v), gate_cell(v),
                           v.on_frontier ? "yes" : ""});
    t.rows.push_back(std::move(row));
  }
  return t;
}

TextTable steps_table(const PipelineResult& r) {
  TextTable t;
  t.header = {"variant", "what was done", "file", "built in s"};
  t.numeric = {false, false, false, true};
  for (const Variant& v : r.variants)
    t.rows.push_back({v.name, fmt::format("{}", fmt::join(v.steps, "; ")), v.file_bytes > 0 ? v.path : "(not written)",
                      num(v.build_seconds, 2)});
  return t;
}

std::vector<std::string> setup_lines(const PipelineResult& r) {
  std::vector<std::string> out = {
      fmt::format("Model: {}", r.model),
      fmt::format("Mode: {}", r.automatic ? "automatic search over variants" : "recipe"),
      fmt::format("Data: {}", r.data_note),
      fmt::format("Gates (against the original's outputs): {}", gates_text(r.gates)),
  };
  if (r.latency_budget_ms)
    out.push_back(fmt::format("Latency budget: p95 ≤ {:g} ms on one evaluation sample", *r.latency_budget_ms));
  out.push_back(fmt::format("Timing: the first evaluation sample as given, {} thread{}, {} timed runs per variant in {} "
                            "interleaved rounds (each round times every variant in turn)",
                            r.threads, r.threads == 1 ? "" : "s", r.iterations, r.rounds));
  return out;
}

std::string chosen_text(const PipelineResult& r) {
  if (r.chosen < 0) return "No variant chosen: " + r.why + ".";
  return fmt::format("Chosen: {} ({}): {}.", r.variants[r.chosen].name, r.variants[r.chosen].path, r.why);
}

std::string frontier_text(const PipelineResult& r) {
  std::vector<const Variant*> on;
  for (const Variant& v : r.variants)
    if (v.on_frontier && v.measured()) on.push_back(&v);
  std::sort(on.begin(), on.end(), [](const Variant* a, const Variant* b) { return a->bench->latency.median < b->bench->latency.median; });
  std::vector<std::string> names;
  for (const Variant* v : on) names.push_back(v->name);
  return names.empty() ? "none measured" : fmt::format("{}", fmt::join(names, " → "));
}

std::string frontier_chart(const PipelineResult& r) {
  struct Pt {
    double x, y;
    const Variant* v;
    bool chosen;
  };
  std::vector<Pt> pts;
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const Variant& v = r.variants[i];
    if (!v.measured() || !v.finite) continue;
    pts.push_back({v.bench->latency.median, std::clamp(v.sqnr_db, 0.0, kSqnrShownMax), &v, static_cast<int>(i) == r.chosen});
  }
  double xhi = 0, yhi = 10;
  for (const Pt& p : pts) {
    xhi = std::max(xhi, p.x);
    yhi = std::max(yhi, p.y);
  }
  if (r.latency_budget_ms) xhi = std::max(xhi, *r.latency_budget_ms);
  if (!(xhi > 0)) xhi = 1;
  bench::SvgChart chart("frontier", "Latency against fidelity (median on one sample; SQNR of the worst output)",
                        bench::linear_axis(0, xhi * 1.05, "median latency (ms)", true),
                        bench::linear_axis(0, yhi * 1.05, "SQNR (dB, identical shown at 120)", true, 6));
  if (pts.empty()) {
    chart.message("no variant measured");
    return chart.str();
  }
  const std::string frontier = bench::palette(0), pass = bench::palette(2), fail = "#aaa";
  std::vector<std::pair<double, double>> line;
  for (const Pt& p : pts)
    if (p.v->on_frontier) line.emplace_back(p.x, p.y);
  std::sort(line.begin(), line.end());
  chart.polyline(line, frontier, 1.5);
  for (const Pt& p : pts) {
    const std::string color = p.v->on_frontier ? frontier : p.v->gate_failure.empty() ? pass : fail;
    chart.point(p.x, p.y, color,
                fmt::format("{}: {:.3f} ms, SQNR {:.1f} dB, cosine {:.5f}", p.v->name, p.x, p.v->sqnr_db, p.v->cosine));
  }
  if (r.gates.min_sqnr_db) chart.hline(*r.gates.min_sqnr_db, "#c33", "4 3", "min_sqnr_db");
  if (r.latency_budget_ms) chart.vline(*r.latency_budget_ms, "#c33", "4 3", "budget (p95)", 0.1);
  for (const Pt& p : pts)
    if (p.chosen) chart.highlight(p.x, p.y, "#c33", "chosen: " + p.v->name);
  chart.legend({{"on the frontier", frontier}, {"meets the gates", pass}, {"fails a gate", fail}});
  return chart.str();
}

nlohmann::json latency_json(const LatencyStats& l) {
  return {{"mean", l.mean}, {"median", l.median}, {"p90", l.p90}, {"p95", l.p95}, {"p99", l.p99},
          {"min", l.min},   {"max", l.max},       {"std", l.std}, {"count", l.count}};
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

std::string pipeline_json(const PipelineResult& r) {
  nlohmann::json j;
  j["model"] = r.model;
  j["mode"] = r.automatic ? "auto" : "recipe";
  j["data"] = r.data_note;
  j["gates"] = nlohmann::json::object();
  if (r.gates.min_cosine) j["gates"]["min_cosine"] = *r.gates.min_cosine;
  if (r.gates.min_sqnr_db) j["gates"]["min_sqnr_db"] = *r.gates.min_sqnr_db;
  if (r.gates.max_accuracy_drop) j["gates"]["max_accuracy_drop"] = *r.gates.max_accuracy_drop;
  if (r.gates.min_top1_agreement) j["gates"]["min_top1_agreement"] = *r.gates.min_top1_agreement;
  j["latency_budget_ms"] = r.latency_budget_ms ? nlohmann::json(*r.latency_budget_ms) : nlohmann::json(nullptr);
  j["threads"] = r.threads;
  j["iterations"] = r.iterations;
  j["rounds"] = r.rounds;
  j["chosen"] = r.chosen >= 0 ? nlohmann::json(r.variants[r.chosen].name) : nlohmann::json(nullptr);
  j["chosen_path"] = r.chosen >= 0 ? nlohmann::json(r.variants[r.chosen].path) : nlohmann::json(nullptr);
  j["why"] = r.why;
  j["stopped"] = r.stopped;
  j["variants"] = nlohmann::json::array();
  for (const Variant& v : r.variants) {
    nlohmann::json x = {{"name", v.name},
                        {"steps", v.steps},
                        {"path", v.file_bytes > 0 ? nlohmann::json(v.path) : nlohmann::json(nullptr)},
                        {"error", v.error},
                        {"build_seconds", v.build_seconds},
                        {"file_bytes", v.file_bytes},
                        {"size_ratio", size_ratio(r, v)},
                        {"parameters", v.parameters},
                        {"samples", v.samples},
                        {"cosine", v.cosine},
                        {"sqnr_db", finite_or_null(v.sqnr_db)},
                        {"max_abs_error", finite_or_null(v.max_abs_error)},
                        {"finite", v.finite},
                        {"gate_failure", v.gate_failure},
                        {"passes_gates", v.error.empty() && v.gate_failure.empty()},
                        {"on_frontier", v.on_frontier}};
    x["top1_agreement"] = v.top1_agreement >= 0 ? nlohmann::json(v.top1_agreement) : nlohmann::json(nullptr);
    x["accuracy"] = v.accuracy >= 0 ? nlohmann::json(v.accuracy) : nlohmann::json(nullptr);
    x["reference_accuracy"] = v.reference_accuracy >= 0 ? nlohmann::json(v.reference_accuracy) : nlohmann::json(nullptr);
    if (v.bench) {
      x["latency_ms"] = latency_json(v.bench->latency);
      x["latency_ratio"] = finite_or_null(latency_ratio(r, v));
      x["throughput_qps"] = v.bench->throughput_qps;
      x["memory_mb"] = {{"weights", v.bench->memory.weights_mb},
                        {"arena", v.bench->memory.arena_mb},
                        {"rss_growth", v.bench->memory.rss_growth_mb}};
    }
    if (v.detail) {
      nlohmann::json d = {{"iterations", v.detail->latency.count},
                          {"concurrency", v.detail->concurrency},
                          {"latency_ms", latency_json(v.detail->latency)},
                          {"throughput_qps", v.detail->throughput_qps}};
      d["batches"] = nlohmann::json::array();
      for (const BatchPoint& p : bench::sorted_batches(v.detail->batches))
        d["batches"].push_back({{"batch", p.batch}, {"latency_ms", latency_json(p.latency)}, {"throughput_qps", p.throughput_qps}});
      x["benchmark"] = d;
    }
    j["variants"].push_back(std::move(x));
  }
  j["system"] = {{"cpu", r.system.cpu_model}, {"cores", r.system.physical_cores}, {"isa", r.system.isa},
                 {"version", r.system.version}};
  return j.dump(2) + "\n";
}

std::string pipeline_summary(const PipelineResult& r) {
  std::string out = fmt::format("{:<44} {:>9} {:>7} {:>10} {:>9} {:>7} {:>9} {:>8}  {}\n", "variant", "size MB", "size ×",
                                "median ms", "p95 ms", "lat ×", "cosine", "SQNR dB", "gates");
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const Variant& v = r.variants[i];
    const std::string name = (static_cast<int>(i) == r.chosen ? "* " : "  ") + v.name + (v.on_frontier ? " ◆" : "");
    if (!v.error.empty()) {
      out += fmt::format("{:<44} failed: {}\n", name, v.error);
      continue;
    }
    out += fmt::format("{:<44} {:>9} {:>7} {:>10} {:>9} {:>7} {:>9} {:>8}  {}\n", name,
                       num(static_cast<double>(v.file_bytes) / (1024.0 * 1024.0), 3), num(size_ratio(r, v), 3),
                       v.bench ? num(v.bench->latency.median, 3) : "—", v.bench ? num(v.bench->latency.p95, 3) : "—",
                       num(latency_ratio(r, v), 3), num(v.cosine, 5), num(std::min(v.sqnr_db, 300.0), 1), gate_cell(v));
  }
  out += "(* chosen, ◆ on the latency–fidelity frontier)\n";
  if (!r.stopped.empty()) out += "stopped: " + r.stopped + "\n";
  out += chosen_text(r) + "\n";
  return out;
}

std::string pipeline_markdown(const PipelineResult& r) {
  std::string out = "# sz0 optimization pipeline\n\n";
  for (const std::string& line : setup_lines(r)) out += "- " + bench::md_text(line) + "\n";
  out += "\n## Result\n\n" + bench::md_text(chosen_text(r)) + "\n\n";
  if (!r.stopped.empty()) out += "**Stopped:** " + bench::md_text(r.stopped) + "\n\n";
  out += "## Variants\n\nRatios are against the original (the first row). Memory: weights plus the planned activation arena.\n\n";
  bench::md_table(out, variants_table(r));
  out += "Latency–fidelity frontier (fastest first): " + bench::md_text(frontier_text(r)) + "\n\n";
  out += "## Steps\n\n";
  bench::md_table(out, steps_table(r));
  std::vector<std::string> failed;
  for (const Variant& v : r.variants)
    if (!v.error.empty()) failed.push_back("- " + bench::code_span(v.name, false) + ": " + bench::md_text(v.error));
  if (!failed.empty()) out += "## Failed (not built or not run)\n\n" + fmt::format("{}", fmt::join(failed, "\n")) + "\n\n";
  for (const Variant& v : r.variants) {
    if (!v.detail) continue;
    out += "## Benchmark: " + bench::md_text(v.name) + "\n\n" + bench::md_text(bench::runs_text(*v.detail)) + "\n\n";
    if (!v.detail->batches.empty()) bench::md_table(out, bench::batch_table(*v.detail));
  }
  return out;
}

std::string pipeline_html(const PipelineResult& r) {
  using bench::html_escape;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>sz0 optimization pipeline</title>\n<style>" + std::string(bench::kHtmlStyle) + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>sz0 optimization pipeline</h1>\n<ul>\n";
  for (const std::string& line : setup_lines(r)) out += "<li>" + html_escape(line) + "</li>\n";
  out += "</ul>\n<h2>Result</h2>\n<p class=\"chosen\">" + html_escape(chosen_text(r)) + "</p>\n";
  if (!r.stopped.empty()) out += "<p class=\"stopped\"><strong>Stopped:</strong> " + html_escape(r.stopped) + "</p>\n";
  out += "<div class=\"charts\">" + frontier_chart(r) + "</div>\n";
  out += "<h2>Variants</h2>\n<p class=\"note\">Ratios are against the original (the first row). Memory: weights plus "
         "the planned activation arena.</p>\n";
  bench::html_table(out, variants_table(r), "variant", true);
  out += "<p>Latency–fidelity frontier (fastest first): " + html_escape(frontier_text(r)) + "</p>\n";
  out += "<h2>Steps</h2>\n";
  bench::html_table(out, steps_table(r), "step", true);
  bool any_failed = false;
  for (const Variant& v : r.variants) {
    if (v.error.empty()) continue;
    if (!any_failed) out += "<h2>Failed (not built or not run)</h2>\n<ul>\n";
    any_failed = true;
    out += "<li><code>" + html_escape(v.name) + "</code>: " + html_escape(v.error) + "</li>\n";
  }
  if (any_failed) out += "</ul>\n";
  for (const Variant& v : r.variants) {
    if (!v.detail) continue;
    out += "<h2>Benchmark: " + html_escape(v.name) + "</h2>\n<p>" + html_escape(bench::runs_text(*v.detail)) + "</p>\n";
    if (!v.detail->batches.empty()) bench::html_table(out, bench::batch_table(*v.detail), "batch", false);
  }
  bench::html_system_section(out, r.system);
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace sz0

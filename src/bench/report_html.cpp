// The benchmark report as one self-contained HTML page: inline CSS and SVG, no scripts, nothing
// fetched, so it can be attached to a ticket or opened offline.
#include "bench/charts.h"
#include "bench/report_tables.h"
#include "bench/svg.h"

#include <sz0/bench.h>

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace sz0 {

namespace bench {

const char* const kHtmlStyle = R"(
body { font: 14px/1.45 system-ui, 'DejaVu Sans', sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 16px; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 22px 0 8px; }
code { font: 13px ui-monospace, 'DejaVu Sans Mono', monospace; overflow-wrap: anywhere; }
p.method { max-width: 820px; color: #333; }
.scroll { overflow-x: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 4px 9px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f2f3f5; font-weight: 600; }
.scroll th, .scroll td { white-space: nowrap; }
td.num, th.num { text-align: right; }
.scroll td:first-child, .scroll th:first-child { position: sticky; left: 0; background: #fff; max-width: 280px;
  overflow: hidden; text-overflow: ellipsis; border-right: 1px solid #ddd; }
.scroll th:first-child { background: #f2f3f5; }
table.kv th { background: none; font-weight: 600; padding-left: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 20px; margin: 8px 0 16px; }
.charts svg { border: 1px solid #e3e3e3; }
ul.runs li { margin: 3px 0; }
.note { color: #555; }
)";

// A table whose column 0 holds names; `row_class` marks the body rows for tests and styling.
void html_table(std::string& out, const TextTable& t, const char* row_class, bool scroll) {
  out += scroll ? "<div class=\"scroll\"><table>\n<thead><tr>" : "<table>\n<thead><tr>";
  for (size_t i = 0; i < t.header.size(); ++i)
    out += fmt::format("<th{}>{}</th>", t.numeric[i] ? " class=\"num\"" : "", html_escape(t.header[i]));
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += fmt::format("<tr class=\"{}\">", row_class);
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string cell = html_escape(row[i]);
      if (t.numeric[i])
        out += "<td class=\"num\">" + cell + "</td>";
      else
        out += fmt::format("<td title=\"{0}\"><code>{0}</code></td>", cell);
    }
    out += "</tr>\n";
  }
  out += scroll ? "</tbody></table></div>\n" : "</tbody></table>\n";
}

}  // namespace bench

namespace {

using bench::html_escape;
using bench::TextTable;
using bench::kHtmlStyle;

}  // namespace

namespace bench {

void html_system_section(std::string& out, const SystemInfo& system) {
  out += "<h2>System</h2>\n<table class=\"kv\"><tbody>\n";
  for (const auto& [key, value] : bench::system_rows(system))
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(key), html_escape(value));
  out += "</tbody></table>\n";
}

}  // namespace bench

namespace {

std::string code(const std::string& s) { return "<code>" + html_escape(s) + "</code>"; }

void results_section(std::string& out, const std::vector<BenchmarkResult>& results) {
  out += "<h2>Results</h2>\n";
  if (results.empty()) {
    out += "<p class=\"note\">No results.</p>\n";
    return;
  }
  out += fmt::format("<p>Speedup is relative to the median of the first model, {}.</p>\n", code(results.front().model));
  bench::html_table(out, bench::comparison_table(results), "result", true);
  out += "<ul class=\"runs\">\n";
  for (const BenchmarkResult& r : results)
    out += fmt::format("<li>{}: {}; GPU {}</li>\n", code(r.model), html_escape(bench::runs_text(r)),
                       html_escape(bench::gpu_text(r.gpu)));
  out += "</ul>\n";
}

void latency_section(std::string& out, const std::vector<BenchmarkResult>& results) {
  if (results.empty()) return;
  out += "<h2>Latency distributions</h2>\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const BenchmarkResult& r = results[i];
    out += fmt::format("<h3>{}</h3>\n<div class=\"charts\">\n", code(r.model));
    out += bench::histogram_chart(r, bench::palette(i));
    out += bench::cdf_chart(r, bench::palette(i));
    out += "</div>\n";
  }
}

void batch_section(std::string& out, const std::vector<BenchmarkResult>& results) {
  const bool searched = std::any_of(results.begin(), results.end(), [](auto& r) { return r.find_batch.has_value(); });
  if (!bench::any_batches(results) && !searched) return;
  out += "<h2>Batch sizes</h2>\n";
  if (bench::any_batches(results)) {
    out += "<div class=\"charts\">\n" + bench::batch_throughput_chart(results) + bench::batch_p95_chart(results);
    out += "</div>\n";
  }
  for (const BenchmarkResult& r : results) {
    if (r.batches.empty() && !r.find_batch) continue;
    out += fmt::format("<h3>{}</h3>\n", code(r.model));
    if (r.find_batch) out += "<p class=\"find-batch\">" + html_escape(bench::find_batch_text(*r.find_batch)) + "</p>\n";
    if (!r.batches.empty()) bench::html_table(out, bench::batch_table(r), "batch", false);
  }
}

void profile_section(std::string& out, const std::vector<BenchmarkResult>& results) {
  bool header = false;
  for (const BenchmarkResult& r : results) {
    if (r.profile.empty()) continue;
    if (!header) out += "<h2>Time by operator (top 15)</h2>\n";
    header = true;
    out += fmt::format("<h3>{}</h3>\n", code(r.model));
    bench::html_table(out, bench::profile_table(r), "op", false);
  }
}

}  // namespace

std::string benchmark_html(const std::vector<BenchmarkResult>& results, const SystemInfo& system) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>sz0 benchmark report</title>\n<style>" + std::string(kHtmlStyle) + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>sz0 benchmark report</h1>\n";
  bench::html_system_section(out, system);
  out += fmt::format("<h2>Method</h2>\n<p class=\"method\">{}</p>\n", html_escape(bench::kMethodText));
  results_section(out, results);
  latency_section(out, results);
  batch_section(out, results);
  profile_section(out, results);
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace sz0

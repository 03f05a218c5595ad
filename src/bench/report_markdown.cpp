// The benchmark report as Markdown (GitHub-flavoured tables).
#include "bench/report_tables.h"

#include <sz0/bench.h>

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace sz0 {

namespace bench {

namespace {
std::string one_line(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}
}  // namespace

// Prose text: backslash-escapes the characters that would start markup, a table cell break or
// raw HTML (model paths and CPU names come from outside).
std::string md_text(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Names and paths as code spans, so they read literally; the fence is longer than any run of
// backticks inside. In a table cell `|` still ends the cell unless escaped, even in code.
std::string code_span(std::string_view s, bool in_table) {
  std::string body = one_line(s);
  size_t longest = 0, run = 0;
  for (char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (in_table) {
    std::string escaped;
    for (char c : body) {
      if (c == '|') escaped += '\\';
      escaped += c;
    }
    body = std::move(escaped);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

// A text column 0 holds names (code spans); the others are figures.
void md_table(std::string& out, const TextTable& t) {
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    out += '|';
    for (size_t i = 0; i < cells.size(); ++i)
      out += ' ' + (i == 0 && !header && !t.numeric[0] ? code_span(cells[i], true) : md_text(cells[i])) + " |";
    out += '\n';
  };
  line(t.header, true);
  out += '|';
  for (size_t i = 0; i < t.header.size(); ++i) out += t.numeric[i] ? "---:|" : ":---|";
  out += '\n';
  for (const auto& row : t.rows) line(row, false);
  out += '\n';
}

}  // namespace bench

namespace {

using bench::TextTable;
using bench::code_span;
using bench::md_text;

}  // namespace

std::string benchmark_markdown(const std::vector<BenchmarkResult>& results, const SystemInfo& system) {
  std::string out = "# sz0 benchmark report\n\n## System\n\n";
  for (const auto& [key, value] : bench::system_rows(system)) out += fmt::format("- **{}:** {}\n", key, md_text(value));
  out += fmt::format("\n## Method\n\n{}\n\n## Results\n\n", bench::kMethodText);
  if (results.empty()) return out + "No results.\n";
  out += fmt::format("Speedup is relative to the median of the first model, {}.\n\n",
                     code_span(results.front().model, false));
  bench::md_table(out, bench::comparison_table(results));
  for (const BenchmarkResult& r : results) {
    out += fmt::format("- {}: {}; GPU {}\n", code_span(r.model, false), md_text(bench::runs_text(r)),
                       md_text(bench::gpu_text(r.gpu)));
  }
  out += '\n';
  for (const BenchmarkResult& r : results) {
    if (r.batches.empty() && !r.find_batch) continue;
    out += fmt::format("## Batch sweep: {}\n\n", code_span(r.model, false));
    if (!r.batches.empty()) bench::md_table(out, bench::batch_table(r));
    if (r.find_batch) out += md_text(bench::find_batch_text(*r.find_batch)) + "\n\n";
  }
  for (const BenchmarkResult& r : results) {
    if (r.profile.empty()) continue;
    out += fmt::format("## Profile: {}\n\n", code_span(r.model, false));
    bench::md_table(out, bench::profile_table(r));
  }
  return out;
}

}  // namespace sz0

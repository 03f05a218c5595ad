// The content shared by the Markdown and HTML benchmark reports: formatted numbers and the tables
// as plain (unescaped) text cells, so both renderers show the same figures.
#pragma once

#include <sz0/bench.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sz0::bench {

// Fixed-point text of `v`; never "nan" or "inf" ("—" and "∞" instead), and no "-0.000".
std::string num(double v, int decimals);
inline std::string fmt_ms(double v) { return num(v, 3); }
inline std::string fmt_mb(double v) { return num(v, 1); }
inline std::string fmt_qps(double v) { return num(v, 1); }

std::string html_escape(std::string_view s);

struct TextTable {
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per column: right-aligned
  std::vector<std::vector<std::string>> rows;
};

// One row per result; the first result is the baseline of the speedup column. Column 0 is the
// model name; fidelity columns appear only when some result has fidelity figures.
TextTable comparison_table(const std::vector<BenchmarkResult>& results);
// Batch sweep points in ascending batch order.
TextTable batch_table(const BenchmarkResult& r);
// The slowest ops first, at most `top` of them.
TextTable profile_table(const BenchmarkResult& r, size_t top = 15);

std::vector<std::pair<std::string, std::string>> system_rows(const SystemInfo& s);
std::string gpu_text(const GpuUsage& g);
std::string runs_text(const BenchmarkResult& r);
std::string find_batch_text(const BenchmarkResult::FindBatch& f);
extern const char* const kMethodText;

// Markdown: prose with markup characters escaped; a code span; a table (column 0 as code spans
// when it is text).
std::string md_text(std::string_view s);
std::string code_span(std::string_view s, bool in_table);
void md_table(std::string& out, const TextTable& t);
// HTML: the reports' style sheet; a table (`row_class` on body rows, in a horizontal scroller
// when `scroll`); the system section.
extern const char* const kHtmlStyle;
void html_table(std::string& out, const TextTable& t, const char* row_class, bool scroll);
void html_system_section(std::string& out, const SystemInfo& system);

// Batch points sorted by batch, one per batch size (the last measurement of a size wins).
std::vector<BatchPoint> sorted_batches(const std::vector<BatchPoint>& points);
bool any_batches(const std::vector<BenchmarkResult>& results);

}  // namespace sz0::bench

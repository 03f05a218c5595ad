// Markdown and HTML benchmark reports over synthetic results: one table row per model, the
// baseline's speedup, escaping of names, charts per result and per sweep, and no "nan" or "inf"
// whatever the figures. With SZ0_REPORT_SAMPLE=DIR the sample report is written to
// DIR/report.html and DIR/report.md for a look in a browser (tests/cli/report_browser.sh).
#include <sz0/bench.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace sz0;

namespace {

const char* kOddModel = "models/resnet<a&b>.onnx";
const char* kOddModelHtml = "models/resnet&lt;a&amp;b&gt;.onnx";

BenchmarkResult make_result(std::string model, double scale, unsigned seed) {
  BenchmarkResult r;
  r.model = std::move(model);
  r.model_mb = 97.8 * scale;
  r.threads = 4;
  r.warmup_runs = 10;
  std::mt19937 rng(seed);
  std::lognormal_distribution<double> noise(0.0, 0.15);
  for (int i = 0; i < 200; ++i) r.times_ms.push_back(scale * (4.0 + noise(rng)) + (i % 97 == 0 ? 0.8 * scale : 0));
  r.latency = summarize_latency(r.times_ms);
  r.wall_seconds = r.latency.mean * 200 / 1000;
  r.throughput_qps = 1000 / r.latency.mean;
  r.session_create_ms = 35.2 * scale;
  r.first_inference_ms = 12.5 * scale;
  r.memory = {210.4, 120.3, 18.5, 97.8 * scale};
  r.gpu.reason = "NVML not found";
  return r;
}

void add_sweep(BenchmarkResult& r, double budget_ms) {
  for (int64_t b : {1, 2, 4, 8, 16, 32, 64}) {
    BatchPoint p;
    p.batch = b;
    p.latency.median = r.latency.median * (0.6 + 0.4 * static_cast<double>(b));
    p.latency.p95 = p.latency.median * 1.15;
    p.throughput_qps = 1000.0 * static_cast<double>(b) / p.latency.median;
    r.batches.push_back(p);
  }
  BenchmarkResult::FindBatch f{budget_ms, 0, 0, 0};
  for (const BatchPoint& p : r.batches)
    if (p.latency.p95 <= budget_ms) f = {budget_ms, p.batch, p.latency.p95, p.throughput_qps};
  r.find_batch = f;
}

SystemInfo sample_system() {
  return {"Intel(R) Xeon(R) <Gold> 6338 @ 2.00GHz", 8, 4, "avx2+fma", "0.9.0", "Release", "GCC 12.2.0", "3.1.1",
          "Debian GNU/Linux 12 (bookworm)"};
}

// Baseline with a sweep, a profile and no GPU; an INT8 variant with fidelity figures and a GPU.
std::vector<BenchmarkResult> sample() {
  std::vector<BenchmarkResult> rs = {make_result(kOddModel, 1.0, 1), make_result("models/resnet-int8.onnx", 0.6, 2)};
  add_sweep(rs[0], 60);
  for (int i = 0; i < 20; ++i) rs[0].profile.push_back({"Op" + std::to_string(i) + " [jit]", 2.0 / (i + 1), 3});
  rs[1].fidelity = Fidelity{64, 0.99912, 0.99987, 0.031, 31.25, 0.984};
  rs[1].gpu = {true, "", "NVIDIA H100 80GB HBM3", 1023.5, 81559.0, 41.5};
  return rs;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// Every <svg> chart of a kind, whole, in page order.
std::vector<std::string> charts(const std::string& html, const std::string& kind) {
  std::vector<std::string> out;
  const std::string attr = "data-chart=\"" + kind + "\"";
  for (size_t at = html.find(attr); at != std::string::npos; at = html.find(attr, at + 1)) {
    const size_t start = html.rfind("<svg", at), end = html.find("</svg>", at);
    out.push_back(html.substr(start, end + 6 - start));
  }
  return out;
}

std::string chart(const std::string& html, const std::string& kind) {
  const std::vector<std::string> all = charts(html, kind);
  return all.empty() ? std::string() : all.front();
}

// Cell separators: `|` not escaped with a backslash.
size_t pipes(const std::string& line) {
  size_t n = 0;
  for (size_t i = 0; i < line.size(); ++i) n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
  return n;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The rows of the Markdown table whose header starts with `first_column`, header first.
std::vector<std::string> md_table(const std::string& md, const std::string& first_column) {
  const std::vector<std::string> ls = lines(md);
  std::vector<std::string> out;
  for (size_t i = 0; i < ls.size(); ++i) {
    if (ls[i].rfind("| " + first_column + " |", 0) != 0) continue;
    out.push_back(ls[i]);
    for (size_t j = i + 2; j < ls.size() && !ls[j].empty() && ls[j][0] == '|'; ++j) out.push_back(ls[j]);
    break;
  }
  return out;
}

void expect_no_nan_or_inf(const std::string& s) {
  static const std::regex bad(R"(\b(nan|inf|infinity)\b)", std::regex::icase);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(s, m, bad)) << "found '" << m.str() << "' at " << m.position();
}

}  // namespace

TEST(BenchReport, MarkdownHasOneRowPerModelAndTheBaselineSpeedup) {
  const std::string md = benchmark_markdown(sample(), sample_system());
  const std::vector<std::string> table = md_table(md, "Model");
  ASSERT_EQ(table.size(), 3u);
  EXPECT_NE(table[1].find("1.00×"), std::string::npos);
  EXPECT_NE(table[2].find("1.6"), std::string::npos);  // the variant runs at 0.6 of the baseline's time
  for (const std::string& row : table) EXPECT_EQ(pipes(row), pipes(table[0])) << row;
  EXPECT_NE(table[0].find("Min cosine"), std::string::npos);
  EXPECT_NE(table[1].find("—"), std::string::npos);  // the baseline has no fidelity figures
  EXPECT_NE(table[2].find("98.4%"), std::string::npos);
  for (const char* s : {"Intel(R) Xeon(R)", "avx2+fma", "GCC 12.2.0", "3.1.1", "bookworm", "warm-up runs",
                        "unavailable: NVML not found", "NVIDIA H100 80GB HBM3"})
    EXPECT_NE(md.find(s), std::string::npos) << s;
  expect_no_nan_or_inf(md);
}

TEST(BenchReport, MarkdownSweepAndProfileTables) {
  const std::string md = benchmark_markdown(sample(), sample_system());
  const std::vector<std::string> batches = md_table(md, "Batch");
  EXPECT_EQ(batches.size(), 8u);
  for (const std::string& row : batches) EXPECT_EQ(pipes(row), pipes(batches[0])) << row;
  EXPECT_NE(md.find("Best batch under a p95 budget of 60.000 ms: "), std::string::npos);
  const std::vector<std::string> ops = md_table(md, "Op");
  EXPECT_EQ(ops.size(), 16u);  // top 15
  EXPECT_NE(ops[1].find("Op0 [jit]"), std::string::npos);
}

TEST(BenchReport, MarkdownEscapesCellBreaks) {
  std::vector<BenchmarkResult> rs = sample();
  rs[1].model = "a|b`c.onnx";
  const std::string md = benchmark_markdown(rs, sample_system());
  const std::vector<std::string> table = md_table(md, "Model");
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(pipes(table[2]), pipes(table[0]));
  EXPECT_NE(table[2].find("a\\|b`c.onnx"), std::string::npos);
  EXPECT_EQ(md.find("Gold>"), std::string::npos);  // raw HTML in system strings is escaped
}

TEST(BenchReport, NoFidelityColumnsWithoutFidelity) {
  std::vector<BenchmarkResult> rs = sample();
  rs[1].fidelity.reset();
  EXPECT_EQ(benchmark_markdown(rs, sample_system()).find("Min cosine"), std::string::npos);
  EXPECT_EQ(benchmark_html(rs, sample_system()).find("Min cosine"), std::string::npos);
}

TEST(BenchReport, HtmlEscapesNamesAndIsSelfContained) {
  const std::string html = benchmark_html(sample(), sample_system());
  EXPECT_NE(html.find(kOddModelHtml), std::string::npos);
  EXPECT_EQ(html.find(kOddModel), std::string::npos);
  EXPECT_EQ(html.find("<Gold>"), std::string::npos);
  EXPECT_NE(html.find("&lt;Gold&gt;"), std::string::npos);
  EXPECT_EQ(count(html, "<tr class=\"result\">"), 2u);
  EXPECT_NE(html.find("1.00×"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));  // only the SVG namespace
  expect_no_nan_or_inf(html);
}

TEST(BenchReport, HtmlDrawsHistogramAndCdfPerResult) {
  const std::vector<BenchmarkResult> rs = sample();
  const std::string html = benchmark_html(rs, sample_system());
  EXPECT_EQ(count(html, "data-chart=\"histogram\""), rs.size());
  EXPECT_EQ(count(html, "data-chart=\"cdf\""), rs.size());
  const std::string hist = chart(html, "histogram");
  EXPECT_GT(count(hist, "class=\"bar\""), 10u);
  EXPECT_LE(count(hist, "class=\"bar\""), 40u);
  EXPECT_NE(hist.find("viewBox="), std::string::npos);
  EXPECT_NE(hist.find("#1f77b4"), std::string::npos);
  const std::string cdf = chart(html, "cdf");
  EXPECT_EQ(count(cdf, "class=\"series\""), 1u);
  for (const char* s : {"median ", "p95 ", "p99 ", "latency (ms)"}) EXPECT_NE(cdf.find(s), std::string::npos) << s;
}

TEST(BenchReport, HtmlBatchChartsOnlyWithASweep) {
  std::vector<BenchmarkResult> rs = sample();
  std::string html = benchmark_html(rs, sample_system());
  const std::string throughput = chart(html, "batch-throughput"), p95 = chart(html, "batch-p95");
  ASSERT_FALSE(throughput.empty());
  ASSERT_FALSE(p95.empty());
  EXPECT_EQ(count(throughput, "class=\"series\""), 1u);
  EXPECT_EQ(count(throughput, "class=\"point\""), 7u);
  EXPECT_NE(throughput.find("log2"), std::string::npos);  // batches 1..64
  EXPECT_NE(p95.find("stroke-dasharray"), std::string::npos);  // the budget
  EXPECT_EQ(count(p95, "class=\"chosen\""), 1u);
  EXPECT_NE(html.find("Best batch under a p95 budget of 60.000 ms"), std::string::npos);

  add_sweep(rs[1], 60);  // two series, one legend
  html = benchmark_html(rs, sample_system());
  EXPECT_EQ(count(chart(html, "batch-throughput"), "class=\"series\""), 2u);
  EXPECT_EQ(count(chart(html, "batch-p95"), "class=\"legend\""), 1u);

  rs[1].batches.resize(3);  // batches 1..4 only: a linear axis
  rs[0].batches.clear(), rs[0].find_batch.reset();
  EXPECT_EQ(chart(benchmark_html(rs, sample_system()), "batch-throughput").find("log2"), std::string::npos);

  for (auto& r : rs) r.batches.clear(), r.find_batch.reset();
  html = benchmark_html(rs, sample_system());
  EXPECT_EQ(html.find("data-chart=\"batch-"), std::string::npos);
}

TEST(BenchReport, NoBatchMetTheBudget) {
  std::vector<BenchmarkResult> rs = sample();
  add_sweep(rs[0], 1);
  ASSERT_EQ(rs[0].find_batch->batch, 0);
  const std::string needle = "no batch met the budget of 1.000 ms";
  EXPECT_NE(benchmark_markdown(rs, sample_system()).find(needle), std::string::npos);
  const std::string html = benchmark_html(rs, sample_system());
  EXPECT_NE(html.find(needle), std::string::npos);
  EXPECT_EQ(count(chart(html, "batch-p95"), "class=\"chosen\""), 0u);
}

TEST(BenchReport, EmptyAndDegenerateSamples) {
  std::vector<BenchmarkResult> rs = sample();
  rs[0].times_ms.clear();
  rs[0].latency = {};
  rs[1].times_ms.assign(50, 3.25);  // min == max
  rs[1].latency = summarize_latency(rs[1].times_ms);
  const std::string html = benchmark_html(rs, sample_system());
  const std::vector<std::string> hists = charts(html, "histogram");
  ASSERT_EQ(hists.size(), 2u);
  EXPECT_NE(hists[0].find("no samples"), std::string::npos);
  EXPECT_EQ(count(hists[0], "class=\"bar\""), 0u);
  EXPECT_NE(chart(html, "cdf").find("no samples"), std::string::npos);
  EXPECT_EQ(count(hists[1], "class=\"bar\""), 1u);
  expect_no_nan_or_inf(html);
  const std::string md = benchmark_markdown(rs, sample_system());
  const std::vector<std::string> table = md_table(md, "Model");
  ASSERT_EQ(table.size(), 3u);
  EXPECT_NE(table[1].find("| 1 | — | — | — |"), std::string::npos);  // no samples: no statistics
  expect_no_nan_or_inf(md);
}

TEST(BenchReport, NonFiniteFiguresNeverPrintAsNanOrInf) {
  std::vector<BenchmarkResult> rs = sample();
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  rs[0].times_ms.push_back(nan);
  rs[0].times_ms.push_back(inf);
  rs[0].latency.median = 0;  // no baseline for speedups
  rs[1].latency.p99 = nan;
  rs[1].fidelity->sqnr_db = inf;  // identical outputs
  rs[1].fidelity->top1_agreement = -1;
  rs[0].batches[2].throughput_qps = nan;
  const std::string md = benchmark_markdown(rs, sample_system()), html = benchmark_html(rs, sample_system());
  expect_no_nan_or_inf(md);
  expect_no_nan_or_inf(html);
  EXPECT_NE(md.find("∞"), std::string::npos);
  EXPECT_EQ(benchmark_markdown({}, sample_system()).find("| Model |"), std::string::npos);
  expect_no_nan_or_inf(benchmark_html({}, sample_system()));
}

TEST(BenchReport, WritesASampleWhenAsked) {
  const char* dir = std::getenv("SZ0_REPORT_SAMPLE");
  if (!dir) GTEST_SKIP() << "set SZ0_REPORT_SAMPLE=DIR to write DIR/report.html and DIR/report.md";
  std::vector<BenchmarkResult> rs = sample();
  rs.push_back(make_result("models/resnet-fp16.onnx", 0.8, 3));
  add_sweep(rs[2], 60);
  std::ofstream(std::string(dir) + "/report.html") << benchmark_html(rs, sample_system());
  std::ofstream(std::string(dir) + "/report.md") << benchmark_markdown(rs, sample_system());
}

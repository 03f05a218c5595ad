// Latency and batch-sweep charts for the HTML benchmark report.
#include "bench/charts.h"

#include "bench/report_tables.h"
#include "bench/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace sz0::bench {

namespace {

constexpr int kBins = 36;
constexpr size_t kMaxCdfPoints = 600;  // enough for a smooth curve; long runs have 10^5 samples
const std::string kMarkerColor = "#333";

std::vector<double> finite_sorted(const std::vector<double>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double x : v)
    if (std::isfinite(x)) out.push_back(x);
  std::sort(out.begin(), out.end());
  return out;
}

size_t chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

// A chart title naming the model, its path cut from the left to fit the chart's width.
std::string title(const std::string& prefix, const std::string& model, const std::string& suffix = "") {
  constexpr size_t kTitleChars = 70;
  const size_t room = kTitleChars - std::min(kTitleChars - 16, chars(prefix) + chars(suffix));
  return prefix + short_label(model, room) + suffix;
}

std::string no_samples(const std::string& kind, const std::string& heading, const std::string& y_title) {
  SvgChart chart(kind, heading, linear_axis(0, 1, "latency (ms)", false), linear_axis(0, 1, y_title, false, 5));
  chart.message("no samples");
  return chart.str();
}

struct Series {
  std::string label, color;
  std::vector<BatchPoint> points;
  std::optional<BenchmarkResult::FindBatch> find;
};

std::vector<Series> batch_series(const std::vector<BenchmarkResult>& results) {
  std::vector<Series> out;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].batches.empty()) continue;
    out.push_back({short_label(results[i].model, 48), palette(i), sorted_batches(results[i].batches),
                   results[i].find_batch});
  }
  return out;
}

Axis batch_axis(const std::vector<Series>& series) {
  int64_t lo = 0, hi = 0;
  for (const Series& s : series)
    for (const BatchPoint& p : s.points) {
      lo = lo == 0 ? p.batch : std::min(lo, p.batch);
      hi = std::max(hi, p.batch);
    }
  lo = std::max<int64_t>(lo, 1);
  hi = std::max(hi, lo);
  if (hi >= 8 * lo) return log2_axis(static_cast<double>(lo), static_cast<double>(hi), "batch size (log2 scale)");
  const double pad = std::max(0.06 * static_cast<double>(hi - lo), 0.5);
  return linear_axis(static_cast<double>(lo) - pad, static_cast<double>(hi) + pad, "batch size", false, 6, 1);
}

// Each series as a line through its points against `value`, and the legend.
template <class Value>
void draw_series(SvgChart& chart, const std::vector<Series>& series, Value value, const char* unit) {
  for (const Series& s : series) {
    std::vector<std::pair<double, double>> pts;
    for (const BatchPoint& p : s.points)
      if (std::isfinite(value(p))) pts.emplace_back(static_cast<double>(p.batch), value(p));
    chart.polyline(pts, s.color, 2.5);
    for (const auto& [x, y] : pts)
      chart.point(x, y, s.color, fmt::format("{}: batch {}, {} {}", s.label, static_cast<int64_t>(x), num(y, 3), unit));
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (const Series& s : series) legend.emplace_back(s.label, s.color);
  chart.legend(legend);
}

}  // namespace

std::string short_label(const std::string& s, size_t max) {
  if (s.size() <= max || max < 2) return s;
  size_t start = s.size() - (max - 1);
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;  // whole UTF-8 chars
  return "…" + s.substr(start);
}

std::string histogram_chart(const BenchmarkResult& r, const std::string& color) {
  const std::vector<double> v = finite_sorted(r.times_ms);
  if (v.empty()) return no_samples("histogram", title("Latency histogram — ", r.model), "requests");
  const Axis x = linear_axis(v.front(), v.back(), "latency (ms)", false, 7);  // pads a single value
  const double width = (x.hi - x.lo) / kBins;
  std::vector<int64_t> counts(kBins, 0);
  for (double t : v) counts[std::clamp(static_cast<int>((t - x.lo) / width), 0, kBins - 1)]++;
  const int64_t most = *std::max_element(counts.begin(), counts.end());
  SvgChart chart("histogram", title("Latency histogram — ", r.model, fmt::format(" ({} requests)", v.size())), x,
                 linear_axis(0, static_cast<double>(most), "requests", true, 5, 1));
  for (int b = 0; b < kBins; ++b) {
    if (counts[b] == 0) continue;
    const double x0 = x.lo + b * width, x1 = x0 + width;
    chart.bar(x0, x1, static_cast<double>(counts[b]), color,
              fmt::format("{}–{} ms: {} requests", fmt_ms(x0), fmt_ms(x1), counts[b]));
  }
  // From the plotted samples, so the markers sit on what is drawn.
  const double median = percentile_sorted(v, 50);
  chart.vline(median, kMarkerColor, "6 4", "median " + fmt_ms(median) + " ms", 0.93);
  return chart.str();
}

std::string cdf_chart(const BenchmarkResult& r, const std::string& color) {
  const std::vector<double> v = finite_sorted(r.times_ms);
  const std::string y_title = "fraction of requests ≤ x";
  if (v.empty()) return no_samples("cdf", title("Latency CDF — ", r.model), y_title);
  SvgChart chart("cdf", title("Latency CDF — ", r.model), linear_axis(v.front(), v.back(), "latency (ms)", false, 7),
                 linear_axis(0, 1, y_title, false, 5));
  const size_t n = v.size(), steps = std::min(n, kMaxCdfPoints);
  std::vector<std::pair<double, double>> pts;
  for (size_t k = 0; k < steps; ++k) {
    const size_t i = steps == 1 ? n - 1 : k * (n - 1) / (steps - 1);
    pts.emplace_back(v[i], static_cast<double>(i + 1) / static_cast<double>(n));
  }
  chart.polyline(pts, color, 2.5);
  // Labels stacked low on the plot, right of their lines, where the curve has already risen.
  const struct {
    const char* name;
    double p;
    const char* dash;
    double label_at;
  } markers[] = {{"median", 50, "", 0.36}, {"p95", 95, "6 4", 0.23}, {"p99", 99, "2 3", 0.10}};
  for (const auto& m : markers) {
    const double at = percentile_sorted(v, m.p);
    chart.vline(at, kMarkerColor, m.dash, fmt::format("{} {} ms", m.name, fmt_ms(at)), m.label_at);
  }
  return chart.str();
}

std::string batch_throughput_chart(const std::vector<BenchmarkResult>& results) {
  const std::vector<Series> series = batch_series(results);
  if (series.empty()) return {};
  double most = 0;
  for (const Series& s : series)
    for (const BatchPoint& p : s.points) most = std::max(most, p.throughput_qps);
  SvgChart chart("batch-throughput", "Throughput by batch size", batch_axis(series),
                 linear_axis(0, most > 0 ? most : 1, "throughput (samples/s)", true, 5));
  draw_series(chart, series, [](const BatchPoint& p) { return p.throughput_qps; }, "samples/s");
  for (const Series& s : series)
    if (s.find && s.find->batch > 0 && std::isfinite(s.find->throughput_qps))
      chart.highlight(static_cast<double>(s.find->batch), s.find->throughput_qps, s.color,
                      fmt::format("batch {}", s.find->batch));
  return chart.str();
}

std::string batch_p95_chart(const std::vector<BenchmarkResult>& results) {
  const std::vector<Series> series = batch_series(results);
  if (series.empty()) return {};
  double most = 0;
  for (const Series& s : series) {
    for (const BatchPoint& p : s.points) most = std::max(most, p.latency.p95);
    if (s.find && std::isfinite(s.find->budget_ms)) most = std::max(most, s.find->budget_ms);
  }
  SvgChart chart("batch-p95", "p95 latency by batch size", batch_axis(series),
                 linear_axis(0, most > 0 ? most * 1.05 : 1, "p95 latency (ms)", true, 5));
  draw_series(chart, series, [](const BatchPoint& p) { return p.latency.p95; }, "ms");
  // One line per distinct budget: in the series' colour when only one series searched under it.
  std::map<double, std::vector<const Series*>> budgets;
  for (const Series& s : series)
    if (s.find && std::isfinite(s.find->budget_ms)) budgets[s.find->budget_ms].push_back(&s);
  for (const auto& [budget, users] : budgets) {
    const bool own = users.size() == 1 && budgets.size() > 1;
    chart.hline(budget, users.size() == 1 ? users[0]->color : kMarkerColor, "8 5",
                "p95 budget " + fmt_ms(budget) + " ms" + (own ? " (" + short_label(users[0]->label, 24) + ")" : ""));
  }
  for (const Series& s : series)
    if (s.find && s.find->batch > 0 && std::isfinite(s.find->p95_ms))
      chart.highlight(static_cast<double>(s.find->batch), s.find->p95_ms, s.color,
                      fmt::format("batch {}", s.find->batch));
  return chart.str();
}

}  // namespace sz0::bench

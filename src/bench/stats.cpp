// Order statistics of latency samples.
#include <sz0/bench.h>

#include <algorithm>
#include <cmath>

namespace sz0 {

double percentile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

LatencyStats summarize_latency(std::vector<double> ms) {
  LatencyStats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  s.count = static_cast<int64_t>(n);
  double sum = 0;
  for (double x : ms) sum += x;
  s.mean = sum / static_cast<double>(n);
  double var = 0;
  for (double x : ms) var += (x - s.mean) * (x - s.mean);
  s.std = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0;
  s.min = ms.front();
  s.max = ms.back();
  s.median = percentile_sorted(ms, 50);
  s.p90 = percentile_sorted(ms, 90);
  s.p95 = percentile_sorted(ms, 95);
  s.p99 = percentile_sorted(ms, 99);
  s.p999 = percentile_sorted(ms, 99.9);
  // The number of samples below the median is binomial(n, 1/2): ranks n/2 ± 1.96·√n/2 bound
  // it with 95% confidence whatever the distribution (1-based ranks, clamped to the sample).
  const double half = 1.96 * std::sqrt(static_cast<double>(n)) / 2.0;
  const double lo_rank = std::floor(static_cast<double>(n) / 2.0 - half);
  const double hi_rank = std::ceil(static_cast<double>(n) / 2.0 + half) + 1;
  const auto at_rank = [&](double r) { return ms[static_cast<size_t>(std::clamp(r, 1.0, static_cast<double>(n))) - 1]; };
  s.median_ci_low = std::min(at_rank(lo_rank), s.median);
  s.median_ci_high = std::max(at_rank(hi_rank), s.median);
  return s;
}

}  // namespace sz0

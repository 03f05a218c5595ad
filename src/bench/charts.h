// The benchmark report's charts as inline SVG: latency histogram and CDF per result, and batch
// size against throughput and p95 over every result that ran a batch sweep.
#pragma once

#include <sz0/bench.h>

#include <string>
#include <vector>

namespace sz0::bench {

std::string histogram_chart(const BenchmarkResult& r, const std::string& color);
std::string cdf_chart(const BenchmarkResult& r, const std::string& color);
// One series per result with batches, coloured by the result's index; empty when none has any.
std::string batch_throughput_chart(const std::vector<BenchmarkResult>& results);
std::string batch_p95_chart(const std::vector<BenchmarkResult>& results);

// `s` cut to at most about `max` bytes, keeping its end (the file name of a path).
std::string short_label(const std::string& s, size_t max);

}  // namespace sz0::bench

// Process memory from /proc and GPU figures from NVML (loaded at run time), for the benchmark.
#pragma once

#include <sz0/bench.h>

#include <atomic>
#include <memory>
#include <thread>

namespace sz0::bench {

// Resident set size now (VmRSS) and its peak over the process's life (VmHWM), in MiB; 0 where
// /proc is not readable.
double current_rss_mb();
double peak_rss_mb();

// Samples GPU 0's utilization every 50 ms between start() and stop(). Without NVML (no driver,
// no GPU) stop() returns `available` false with the reason.
class GpuMonitor {
 public:
  GpuMonitor();
  ~GpuMonitor();
  GpuMonitor(const GpuMonitor&) = delete;
  GpuMonitor& operator=(const GpuMonitor&) = delete;
  void start();
  GpuUsage stop();

 private:
  struct Nvml;
  std::unique_ptr<Nvml> nvml_;
  std::string reason_;
  std::atomic<bool> running_{false};
  std::thread sampler_;
  double util_sum_ = 0;
  int samples_ = 0;
};

}  // namespace sz0::bench

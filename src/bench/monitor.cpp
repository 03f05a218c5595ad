#include "bench/monitor.h"

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace sz0::bench {

namespace {

double status_mb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':')
      return std::stod(line.substr(n + 1)) / 1024.0;  // "VmRSS:  123456 kB"
  return 0;
}

}  // namespace

double current_rss_mb() { return status_mb("VmRSS"); }
double peak_rss_mb() { return status_mb("VmHWM"); }

// The few NVML entry points used, with the library's documented C signatures. NVML returns 0
// (NVML_SUCCESS) on success.
struct GpuMonitor::Nvml {
  struct Memory {
    unsigned long long total, free, used;
  };
  struct Utilization {
    unsigned int gpu, memory;
  };
  using Device = void*;
  void* lib = nullptr;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*handle_by_index)(unsigned int, Device*) = nullptr;
  int (*name)(Device, char*, unsigned int) = nullptr;
  int (*memory_info)(Device, Memory*) = nullptr;
  int (*utilization)(Device, Utilization*) = nullptr;
  const char* (*error_string)(int) = nullptr;
  Device device = nullptr;

  ~Nvml() {
    if (shutdown && device) shutdown();
    if (lib) dlclose(lib);
  }

  template <class F>
  bool bind(F& f, const char* symbol) {
    f = reinterpret_cast<F>(dlsym(lib, symbol));
    return f != nullptr;
  }
};

GpuMonitor::GpuMonitor() {
  auto n = std::make_unique<Nvml>();
  // SZ0_NVML_LIBRARY: NVML at another path (a driver installed outside the loader's search path).
  const char* env = std::getenv("SZ0_NVML_LIBRARY");
  const std::string path = env && *env ? env : "libnvidia-ml.so.1";
  n->lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!n->lib) {
    reason_ = "NVML (" + path + ") not found: no NVIDIA driver on this machine";
    return;
  }
  if (!n->bind(n->init, "nvmlInit_v2") || !n->bind(n->shutdown, "nvmlShutdown") ||
      !n->bind(n->handle_by_index, "nvmlDeviceGetHandleByIndex_v2") || !n->bind(n->name, "nvmlDeviceGetName") ||
      !n->bind(n->memory_info, "nvmlDeviceGetMemoryInfo") || !n->bind(n->utilization, "nvmlDeviceGetUtilizationRates")) {
    reason_ = "NVML lacks an expected entry point";
    return;
  }
  n->bind(n->error_string, "nvmlErrorString");
  if (int rc = n->init(); rc != 0) {
    reason_ = std::string("NVML did not initialize: ") + (n->error_string ? n->error_string(rc) : std::to_string(rc));
    return;
  }
  if (int rc = n->handle_by_index(0, &n->device); rc != 0) {
    n->device = nullptr;
    n->shutdown();
    reason_ = std::string("no GPU: ") + (n->error_string ? n->error_string(rc) : std::to_string(rc));
    return;
  }
  nvml_ = std::move(n);
}

GpuMonitor::~GpuMonitor() {
  running_ = false;
  if (sampler_.joinable()) sampler_.join();
}

void GpuMonitor::start() {
  if (!nvml_ || running_) return;
  util_sum_ = 0;
  samples_ = 0;
  running_ = true;
  sampler_ = std::thread([this] {
    while (running_) {
      Nvml::Utilization u{};
      if (nvml_->utilization(nvml_->device, &u) == 0) {
        util_sum_ += u.gpu;
        ++samples_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

GpuUsage GpuMonitor::stop() {
  GpuUsage g;
  if (!nvml_) {
    g.reason = reason_;
    return g;
  }
  running_ = false;
  if (sampler_.joinable()) sampler_.join();
  g.available = true;
  char name[96] = {};
  if (nvml_->name(nvml_->device, name, sizeof(name)) == 0) g.name = name;
  Nvml::Memory m{};
  if (nvml_->memory_info(nvml_->device, &m) == 0) {
    g.memory_used_mb = static_cast<double>(m.used) / (1024.0 * 1024.0);
    g.memory_total_mb = static_cast<double>(m.total) / (1024.0 * 1024.0);
  }
  if (samples_ > 0) g.utilization_pct = util_sum_ / samples_;
  return g;
}

}  // namespace sz0::bench

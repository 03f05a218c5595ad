// A stand-in for libnvidia-ml with the few entry points the benchmark's GPU monitor loads, with
// NVML's C signatures: one device, fixed memory figures, a utilization that rises per query. It
// lets the monitor's available path run on machines without a GPU (SZ0_NVML_LIBRARY points at it).
#include <cstring>

extern "C" {

struct FakeMemory {
  unsigned long long total, free, used;
};
struct FakeUtilization {
  unsigned int gpu, memory;
};

static int g_device = 42;
static unsigned int g_queries = 0;

int nvmlInit_v2() { return 0; }
int nvmlShutdown() { return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  if (index != 0) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  *device = &g_device;
  return 0;
}
int nvmlDeviceGetName(void* device, char* name, unsigned int length) {
  if (device != &g_device) return 2;
  std::strncpy(name, "Fake GPU 80GB", length);
  return 0;
}
int nvmlDeviceGetMemoryInfo(void* device, FakeMemory* m) {
  if (device != &g_device) return 2;
  m->total = 80ull << 30;
  m->used = 3ull << 30;
  m->free = m->total - m->used;
  return 0;
}
int nvmlDeviceGetUtilizationRates(void* device, FakeUtilization* u) {
  if (device != &g_device) return 2;
  u->gpu = 40 + (g_queries++ % 2) * 20;  // 40, 60, 40, ...: a mean of about 50
  u->memory = 10;
  return 0;
}
const char* nvmlErrorString(int) { return "fake error"; }
}

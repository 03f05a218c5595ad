// What the report states about the machine and the build.
#include <sz0/bench.h>
#include <sz0/session.h>

#include "kernels/simd_f32.h"

#include <dnnl.hpp>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>

#ifndef SZ0_VERSION
#define SZ0_VERSION "unknown"
#endif
#ifndef SZ0_BUILD_TYPE
#define SZ0_BUILD_TYPE "unknown"
#endif

namespace sz0 {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  const size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The oneDNN ISA name for the int8 and convolution kernels.
std::string onednn_isa() {
  const int isa = static_cast<int>(dnnl::get_effective_cpu_isa());
  auto has = [isa](dnnl::cpu_isa x) { return (isa & static_cast<int>(x)) == static_cast<int>(x); };
  if (has(dnnl::cpu_isa::avx512_core_amx)) return "avx512_core_amx";
  if (has(dnnl::cpu_isa::avx512_core_bf16)) return "avx512_core_bf16";
  if (has(dnnl::cpu_isa::avx512_core_vnni)) return "avx512_core_vnni";
  if (has(dnnl::cpu_isa::avx512_core)) return "avx512_core";
  if (has(dnnl::cpu_isa::avx2_vnni)) return "avx2_vnni";
  if (has(dnnl::cpu_isa::avx2)) return "avx2";
  if (has(dnnl::cpu_isa::avx)) return "avx";
  if (has(dnnl::cpu_isa::sse41)) return "sse41";
  return "any";
}

}  // namespace

SystemInfo system_info() {
  SystemInfo s;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "model name") {
      s.cpu_model = value;
      break;
    }
  }
  if (s.cpu_model.empty()) s.cpu_model = "unknown";
  s.logical_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  s.physical_cores = physical_cores();
  s.isa = std::string("sz0 ") + kernels::simd_level_name(kernels::simd_level()) + ", oneDNN " + onednn_isa();
  s.version = SZ0_VERSION;
  s.build_type = SZ0_BUILD_TYPE;
#if defined(__clang__)
  s.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  s.compiler = "gcc " __VERSION__;
#else
  s.compiler = "unknown";
#endif
  const dnnl_version_t* v = dnnl_version();
  s.onednn_version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  utsname u{};
  if (uname(&u) == 0) s.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  return s;
}

}  // namespace sz0

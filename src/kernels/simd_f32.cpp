// The choice of float32 kernel table (see simd_f32.h).
#include "kernels/simd_f32.h"

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace sz0::kernels {

namespace {

// The highest level SZ0_SIMD allows (Avx512 when unset or unknown).
SimdLevel requested_level() {
  const char* env = std::getenv("SZ0_SIMD");
  if (!env) return SimdLevel::Avx512;
  const std::string_view v(env);
  if (v == "portable" || v == "scalar") return SimdLevel::Portable;
  if (v == "avx2") return SimdLevel::Avx2;
  return SimdLevel::Avx512;
}

SimdLevel best_level() {
  const SimdLevel cap = requested_level();
  for (int l = static_cast<int>(cap); l > 0; --l)
    if (simd_f32_for(static_cast<SimdLevel>(l))) return static_cast<SimdLevel>(l);
  return SimdLevel::Portable;
}

std::atomic<int>& current() {
  static std::atomic<int> level{static_cast<int>(best_level())};
  return level;
}

}  // namespace

const SimdF32Kernels* simd_f32_for(SimdLevel level) {
  switch (level) {
    case SimdLevel::Portable: return &simd_f32_portable();
    case SimdLevel::Avx2: return simd_f32_avx2();
    case SimdLevel::Avx512: return simd_f32_avx512();
  }
  return nullptr;
}

SimdLevel simd_level() { return static_cast<SimdLevel>(current().load(std::memory_order_relaxed)); }

const SimdF32Kernels& simd_f32() {
  // Every level stored in `current` has a table.
  return *simd_f32_for(simd_level());
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Portable: return "portable";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
  }
  return "?";
}

bool set_simd_level_for_testing(SimdLevel level) {
  if (!simd_f32_for(level)) return false;
  current().store(static_cast<int>(level), std::memory_order_relaxed);
  return true;
}

}  // namespace sz0::kernels

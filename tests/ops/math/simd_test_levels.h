// Runs test code once per float32 kernel table this CPU has (kernels/simd_f32.h): the portable
// one always, AVX2 and AVX-512 where present, so the fallback is tested as much as the fast ones.
#pragma once

#include "kernels/simd_f32.h"

#include <gtest/gtest.h>

#include <vector>

namespace sz0::test {

inline std::vector<kernels::SimdLevel> simd_levels() {
  std::vector<kernels::SimdLevel> v;
  for (auto l : {kernels::SimdLevel::Portable, kernels::SimdLevel::Avx2, kernels::SimdLevel::Avx512})
    if (kernels::simd_f32_for(l)) v.push_back(l);
  return v;
}

// Selects a level for the scope; the previous one comes back after.
class ScopedSimdLevel {
 public:
  explicit ScopedSimdLevel(kernels::SimdLevel l) : saved_(kernels::simd_level()) {
    EXPECT_TRUE(kernels::set_simd_level_for_testing(l));
  }
  ~ScopedSimdLevel() { kernels::set_simd_level_for_testing(saved_); }
  ScopedSimdLevel(const ScopedSimdLevel&) = delete;
  ScopedSimdLevel& operator=(const ScopedSimdLevel&) = delete;

 private:
  kernels::SimdLevel saved_;
};

// Calls f() under every level, with the level's name in failure messages.
template <class F>
void for_each_simd_level(F&& f) {
  for (kernels::SimdLevel l : simd_levels()) {
    ScopedSimdLevel scoped(l);
    SCOPED_TRACE(kernels::simd_level_name(l));
    f();
  }
}

}  // namespace sz0::test

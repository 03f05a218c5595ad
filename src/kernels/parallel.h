// Intra-op parallelism. Our kernels and oneDNN share one OpenMP pool, so threads never
// oversubscribe the cores; with one thread the loop runs inline with no pool overhead.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sz0::kernels {

// Calls f(begin, end) over [0, n) split into at most `threads` contiguous chunks, each at least
// `grain` long.
template <class F>
void parallel_for(int64_t n, int threads, F&& f, int64_t grain = 1) {
  if (n <= 0) return;
  const int64_t chunks = std::min<int64_t>(threads, std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (chunks <= 1) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    f(b, e);
  }
}

}  // namespace sz0::kernels

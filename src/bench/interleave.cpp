// Interleaved timing of several sessions (see time_interleaved in sz0/bench.h).
#include <sz0/bench.h>

#include <algorithm>
#include <chrono>

namespace sz0 {

std::vector<InterleavedTimes> time_interleaved(const std::vector<Session*>& sessions,
                                               const std::vector<std::map<std::string, Tensor>>& feeds, int runs,
                                               int rounds) {
  using Clock = std::chrono::steady_clock;
  std::vector<InterleavedTimes> out(sessions.size());
  rounds = std::max(1, rounds);
  const int chunk = std::max(1, (runs + rounds - 1) / rounds);
  auto run = [&](size_t k) -> double {
    const auto t0 = Clock::now();
    auto r = sessions[k]->run(feeds[k]);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!r.ok()) out[k].status = r.status();
    return ms;
  };
  for (size_t k = 0; k < sessions.size(); ++k)
    for (int i = 0; i < 2 && out[k].status.ok(); ++i) run(k);  // planning, packing, first touches
  for (int round = 0; round < rounds; ++round)
    for (size_t k = 0; k < sessions.size(); ++k)
      for (int i = 0; i <= chunk && out[k].status.ok(); ++i) {
        const double ms = run(k);
        if (i > 0 && out[k].status.ok()) out[k].ms.push_back(ms);
      }
  return out;
}

}  // namespace sz0

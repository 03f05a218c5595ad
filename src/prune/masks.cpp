// Unstructured, random and N:M masks.
#include "prune/masks.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sz0::prune {

Mask magnitude_mask(const std::vector<float>& m, int64_t k) {
  Mask mask(m.size(), 0);
  k = std::clamp<int64_t>(k, 0, static_cast<int64_t>(m.size()));
  if (k == 0) return mask;
  std::vector<uint32_t> idx(m.size());
  std::iota(idx.begin(), idx.end(), 0u);
  auto less = [&](uint32_t a, uint32_t b) {
    const float fa = std::fabs(m[a]), fb = std::fabs(m[b]);
    return fa != fb ? fa < fb : a < b;
  };
  std::nth_element(idx.begin(), idx.begin() + (k - 1), idx.end(), less);
  for (int64_t i = 0; i < k; ++i) mask[idx[static_cast<size_t>(i)]] = 1;
  return mask;
}

Mask random_mask(const std::vector<float>& m, int64_t k, std::mt19937& rng) {
  Mask mask(m.size(), 0);
  k = std::clamp<int64_t>(k, 0, static_cast<int64_t>(m.size()));
  std::vector<uint32_t> zeros, rest;
  for (uint32_t i = 0; i < m.size(); ++i) (m[i] == 0 ? zeros : rest).push_back(i);
  int64_t left = k;
  for (uint32_t i : zeros) {
    if (left == 0) break;
    mask[i] = 1;
    --left;
  }
  // Partial Fisher-Yates: the first `left` entries of `rest` become a uniform random subset.
  for (int64_t i = 0; i < left; ++i) {
    std::uniform_int_distribution<size_t> pick(static_cast<size_t>(i), rest.size() - 1);
    std::swap(rest[static_cast<size_t>(i)], rest[pick(rng)]);
    mask[rest[static_cast<size_t>(i)]] = 1;
  }
  return mask;
}

namespace {

// Calls f(indices) for every N:M group of a row: the row-major matrix indices of its members.
template <class F>
void for_each_group(const WeightRef& w, int m_, F&& f) {
  const int64_t kernel = std::max<int64_t>(w.kernel, 1);
  const int64_t channels = w.cols / kernel;
  std::vector<int64_t> group;
  for (int64_t r = 0; r < w.rows; ++r)
    for (int64_t pos = 0; pos < kernel; ++pos)
      for (int64_t c0 = 0; c0 < channels; c0 += m_) {
        group.clear();
        for (int64_t c = c0; c < std::min<int64_t>(c0 + m_, channels); ++c) group.push_back(r * w.cols + c * kernel + pos);
        f(group);
      }
}

}  // namespace

Mask nm_mask(const std::vector<float>& m, const WeightRef& w, int n, int m_) {
  Mask mask(m.size(), 0);
  for_each_group(w, m_, [&](std::vector<int64_t>& g) {
    if (static_cast<int64_t>(g.size()) <= n) return;
    std::stable_sort(g.begin(), g.end(), [&](int64_t a, int64_t b) { return std::fabs(m[a]) > std::fabs(m[b]); });
    for (size_t i = static_cast<size_t>(n); i < g.size(); ++i) mask[static_cast<size_t>(g[i])] = 1;
  });
  return mask;
}

std::vector<int64_t> nm_column_order(const WeightRef& w) {
  const int64_t kernel = std::max<int64_t>(w.kernel, 1);
  const int64_t channels = w.cols / kernel;
  std::vector<int64_t> perm(static_cast<size_t>(w.cols));
  for (int64_t j = 0; j < w.cols; ++j) perm[static_cast<size_t>(j)] = (j % channels) * kernel + j / channels;
  return perm;
}

bool satisfies_nm(const std::vector<float>& m, const WeightRef& w, int n, int m_) {
  bool ok = true;
  for_each_group(w, m_, [&](const std::vector<int64_t>& g) {
    int nonzero = 0;
    for (int64_t i : g) nonzero += m[static_cast<size_t>(i)] != 0;
    ok = ok && nonzero <= n;
  });
  return ok;
}

std::vector<int64_t> global_magnitude_counts(const std::vector<std::vector<float>>& weights, double amount) {
  struct Entry {
    float mag;
    uint32_t layer;
  };
  std::vector<Entry> all;
  for (uint32_t l = 0; l < weights.size(); ++l)
    for (float v : weights[l]) all.push_back({std::fabs(v), l});
  std::vector<int64_t> counts(weights.size(), 0);
  const int64_t k = std::llround(amount * static_cast<double>(all.size()));
  if (k <= 0) return counts;
  auto less = [](const Entry& a, const Entry& b) { return a.mag != b.mag ? a.mag < b.mag : a.layer < b.layer; };
  std::nth_element(all.begin(), all.begin() + (k - 1), all.end(), less);
  for (int64_t i = 0; i < k; ++i) ++counts[all[static_cast<size_t>(i)].layer];
  return counts;
}

int64_t count_zeros(const std::vector<float>& m) {
  return std::count(m.begin(), m.end(), 0.0f);
}

}  // namespace sz0::prune

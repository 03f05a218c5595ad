// Internal: which weights unstructured and N:M pruning set to zero. A mask has one byte per
// element of a WeightRef's row-major [rows, cols] matrix; 1 = pruned.
#pragma once

#include "prune/layers.h"

#include <cstdint>
#include <random>
#include <vector>

namespace sz0::prune {

using Mask = std::vector<uint8_t>;

// The `k` elements of smallest |m| (ties: lower index first).
Mask magnitude_mask(const std::vector<float>& m, int64_t k);

// `k` elements chosen at random, the existing zeros of `m` first (so a later stage of a
// schedule never revives a weight an earlier one removed).
Mask random_mask(const std::vector<float>& m, int64_t k, std::mt19937& rng);

// Per group of `m_` consecutive input channels at one kernel position of one row, all but the
// `n` largest |w| (a shorter tail group keeps at most n). Conv columns are channel-major
// (c·kernel + position), so a group steps through the columns with stride `kernel`.
Mask nm_mask(const std::vector<float>& m, const WeightRef& w, int n, int m_);

// Column order that makes N:M groups consecutive: position-major (position·C + c) for Conv,
// identity otherwise. perm[j] is the original column at permuted position j.
std::vector<int64_t> nm_column_order(const WeightRef& w);

// True when every N:M group of the matrix holds at most n non-zeros.
bool satisfies_nm(const std::vector<float>& m, const WeightRef& w, int n, int m_);

// Global scope: how many elements of each weight to prune so that exactly round(amount · total)
// of all of them are pruned, taking the smallest |w| over all weights at once.
std::vector<int64_t> global_magnitude_counts(const std::vector<std::vector<float>>& weights, double amount);

int64_t count_zeros(const std::vector<float>& m);

}  // namespace sz0::prune

// Magnitude, random and N:M pruning, with SparseGPT reconstruction on calibration data.
#include "prune/layers.h"
#include "prune/masks.h"
#include "prune/reconstruct.h"
#include "prune/stages.h"

#include <cmath>
#include <numeric>

namespace sz0::prune {

namespace {

std::vector<float> apply_mask(std::vector<float> m, const Mask& mask) {
  for (size_t i = 0; i < m.size(); ++i)
    if (mask[i]) m[i] = 0;
  return m;
}

// Columns of a row-major [rows, cols] matrix reordered: out column j = in column perm[j].
std::vector<float> permute_columns(const std::vector<float>& m, int64_t rows, int64_t cols,
                                   const std::vector<int64_t>& perm, bool inverse) {
  std::vector<float> out(m.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t a = r * cols + j, b = r * cols + perm[static_cast<size_t>(j)];
      if (inverse) out[static_cast<size_t>(b)] = m[static_cast<size_t>(a)];
      else out[static_cast<size_t>(a)] = m[static_cast<size_t>(b)];
    }
  return out;
}

Hessian permute_hessian(const Hessian& h, const std::vector<int64_t>& perm) {
  Hessian p = h;
  const int64_t d = h.dim;
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j)
      p.h[static_cast<size_t>(i * d + j)] = h.h[static_cast<size_t>(perm[static_cast<size_t>(i)] * d + perm[static_cast<size_t>(j)])];
  return p;
}

// The masks of one stage: `target` of every layer (layer scope) or of all at once (global).
std::vector<Mask> stage_masks(const std::vector<WeightRef>& refs, const std::vector<std::vector<float>>& mats,
                              const PruneOptions& o, double target, std::mt19937& rng) {
  std::vector<Mask> masks(refs.size());
  if (o.strategy == PruningStrategy::NM) {
    for (size_t i = 0; i < refs.size(); ++i) masks[i] = nm_mask(mats[i], refs[i], o.n, o.m);
    return masks;
  }
  std::vector<int64_t> counts(refs.size());
  if (o.scope == PruningScope::Global && o.strategy == PruningStrategy::Magnitude) {
    counts = global_magnitude_counts(mats, target);
  } else if (o.scope == PruningScope::Global) {
    // Random over all weights at once: one mask over the concatenation, split back.
    std::vector<float> all;
    for (const auto& m : mats) all.insert(all.end(), m.begin(), m.end());
    const Mask big = random_mask(all, std::llround(target * static_cast<double>(all.size())), rng);
    size_t at = 0;
    for (size_t i = 0; i < refs.size(); ++i) {
      masks[i].assign(big.begin() + static_cast<std::ptrdiff_t>(at), big.begin() + static_cast<std::ptrdiff_t>(at + mats[i].size()));
      at += mats[i].size();
    }
    return masks;
  } else {
    for (size_t i = 0; i < refs.size(); ++i) counts[i] = std::llround(target * static_cast<double>(mats[i].size()));
  }
  for (size_t i = 0; i < refs.size(); ++i)
    masks[i] = o.strategy == PruningStrategy::Random ? random_mask(mats[i], counts[i], rng) : magnitude_mask(mats[i], counts[i]);
  return masks;
}

// SparseGPT on one layer with the stage's mask as its guide: N:M and magnitude choose their own
// mask (same counts, or the same pattern), random keeps the random mask.
Result<std::vector<float>> reconstruct_layer(const WeightRef& w, const std::vector<float>& m, const Mask& mask,
                                             const Hessian& h, const PruneOptions& o) {
  SparseGptOptions so;
  so.damp = o.damp;
  std::vector<float> out = m;
  if (o.strategy == PruningStrategy::NM) {
    // Groups run along input channels; SparseGPT groups consecutive columns, so reorder.
    const std::vector<int64_t> perm = nm_column_order(w);
    std::vector<float> p = permute_columns(m, w.rows, w.cols, perm, false);
    so.n = o.n;
    so.m = o.m;
    SZ0_TRY(sparsegpt(p, w.rows, w.cols, permute_hessian(h, perm), so));
    return permute_columns(p, w.rows, w.cols, perm, true);
  }
  if (o.strategy == PruningStrategy::Random) {
    so.mask = &mask;
  } else {
    so.sparsity = static_cast<double>(std::accumulate(mask.begin(), mask.end(), int64_t{0})) / static_cast<double>(m.size());
  }
  SZ0_TRY(sparsegpt(out, w.rows, w.cols, h, so));
  return out;
}

}  // namespace

std::string refit_blocker(int64_t vectors, int64_t cols) {
  if (vectors >= kMinVectorsPerColumn * cols) return "";
  return fmt::format("not re-fitted: the data gave {} input vectors for {} columns (need {}; add samples)", vectors,
                     cols, kMinVectorsPerColumn * cols);
}

double scheduled_amount(double amount, int t, int steps) {
  const double left = 1.0 - static_cast<double>(t) / static_cast<double>(steps);
  return amount * (1.0 - left * left * left);
}

Status prune_unstructured(Model& model, const PruneOptions& o, const std::map<std::string, Shape>& shapes,
                          LayerNotes& notes) {
  std::vector<WeightRef> refs;
  for (const WeightRef& w : prunable_weights(model)) {
    const std::string& node = model.graph.nodes[w.node].name;
    if (o.exclude_nodes.count(node)) {
      notes.skipped[node] = "excluded";
    } else if (w.rows * w.cols < o.min_params) {
      notes.skipped[node] = fmt::format("too small ({} weights < {})", w.rows * w.cols, o.min_params);
    } else {
      refs.push_back(w);
    }
  }
  if (refs.empty()) return error("nothing to prune: no Conv, Gemm, MatMul, GRU or LSTM weight of at least {} elements", o.min_params);
  std::mt19937 rng(o.seed);
  const int steps = o.strategy == PruningStrategy::NM ? 1 : o.steps;
  // The re-fits aim at this model's layer outputs.
  const Model original = o.reconstruct ? model : Model{};
  for (int t = 1; t <= steps; ++t) {
    const double target = scheduled_amount(o.amount, t, steps);
    std::vector<std::vector<float>> mats;
    for (const WeightRef& w : refs) mats.push_back(weight_matrix(model, w));
    const std::vector<Mask> masks = stage_masks(refs, mats, o, target, rng);
    for (size_t i = 0; i < refs.size(); ++i) {
      const WeightRef& w = refs[i];
      std::vector<float> plain = apply_mask(mats[i], masks[i]);
      // Sequential, as in SparseGPT: each layer's inputs X are seen through the layers before it
      // as already pruned. The layer is first re-fitted to give the original model's outputs
      // W X_orig from them (least squares, through the cross moments of X_orig and X), which
      // absorbs what the earlier layers changed, and then pruned with SparseGPT from there.
      // (Fitting to W X only, the output of the original weights on the pruned inputs, left
      // the PP-OCR classifier at 2:4 further from the original than no re-fit.)
      std::map<std::string, Hessian> hessians;
      if (o.reconstruct) {
        if (o.progress) o.progress(fmt::format("stage {}/{}: re-fitting layers", t, steps), i, refs.size());
        SZ0_ASSIGN(hessians, collect_hessians(model, {w}, o.stream, shapes, {}, &original));
      }
      auto h = hessians.find(w.name);
      const std::string& node = model.graph.nodes[w.node].name;
      const std::string blocker = h == hessians.end() ? "" : refit_blocker(h->second.vectors, w.cols);
      if (!blocker.empty()) notes.not_refit[node] = blocker;
      if (h == hessians.end() || !blocker.empty()) {
        set_weight_matrix(model, w, plain);
        continue;
      }
      std::vector<int64_t> all(static_cast<size_t>(w.cols));
      std::iota(all.begin(), all.end(), 0);
      auto target = refit_columns(weight_matrix(original, w), w.rows, w.cols, h->second, all, o.damp, true);
      if (!target.ok()) return target.status().context(model.graph.nodes[w.node].label());
      auto fitted = reconstruct_layer(w, *target, masks[i], h->second, o);
      if (!fitted.ok()) return fitted.status().context(model.graph.nodes[w.node].label());
      notes.gain_db[node] +=
          layer_sqnr_db(mats[i], *fitted, w.rows, w.cols, h->second) - layer_sqnr_db(mats[i], plain, w.rows, w.cols, h->second);
      set_weight_matrix(model, w, *fitted);
    }
    if (o.reconstruct && o.progress) o.progress(fmt::format("stage {}/{}: re-fitting layers", t, steps), refs.size(), refs.size());
  }
  return {};
}

}  // namespace sz0::prune

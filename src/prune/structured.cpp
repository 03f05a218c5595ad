// Structured pruning: dependency groups lose their least important channels; with calibration
// data, the consumers that lost input channels are re-fitted and BatchNormalization statistics
// re-estimated.
#include "prune/channels.h"
#include "prune/layers.h"
#include "prune/reconstruct.h"
#include "prune/stages.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sz0::prune {

namespace {

// Indices of the `keep` most important channels, ascending.
std::vector<int64_t> top_channels(const std::vector<double>& importance, int64_t keep) {
  std::vector<int64_t> idx(importance.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    return importance[static_cast<size_t>(a)] > importance[static_cast<size_t>(b)];
  });
  idx.resize(static_cast<size_t>(keep));
  std::sort(idx.begin(), idx.end());
  return idx;
}

// `keep` rounded to the nearest multiple of `multiple` (at least one, at most `channels`) when
// the group's original count is a multiple of it.
int64_t rounded_keep(int64_t keep, int64_t original, int64_t channels, int64_t multiple) {
  if (multiple <= 1 || original % multiple != 0 || channels < multiple) return keep;
  const int64_t r = (keep + multiple / 2) / multiple * multiple;
  return std::clamp(r, multiple, channels);
}

bool touches(const ChannelGroup& g, const std::set<std::string>& nodes) {
  for (const auto* list : {&g.producers, &g.members})
    for (const std::string& n : *list)
      if (nodes.count(n)) return true;
  return false;
}

// The first producer names a group across stages (re-analysis renumbers groups).
std::string group_key(const ChannelGroup& g) { return g.producers.empty() ? std::string() : g.producers.front(); }

// Channels each prunable group keeps at this stage. `original` holds each group's channel
// count before the first stage, so `target` is a share of the original channels.
std::map<size_t, std::vector<int64_t>> choose_channels(const Model& model, const ChannelAnalysis& a,
                                                       const PruneOptions& o, double target,
                                                       std::map<std::string, int64_t>& original,
                                                       LayerNotes& notes) {
  struct Candidate {
    size_t group;
    std::vector<double> importance;
    int64_t remove = 0;
    int64_t original = 0;
  };
  std::vector<Candidate> cands;
  for (size_t g = 0; g < a.groups.size(); ++g) {
    const ChannelGroup& grp = a.groups[g];
    const std::string key = group_key(grp);
    if (key.empty()) continue;
    original.emplace(key, grp.channels);
    if (!grp.blocked.empty()) {
      for (const std::string& p : grp.producers) notes.skipped.emplace(p, grp.blocked);
      continue;
    }
    if (touches(grp, o.exclude_nodes)) {
      for (const std::string& p : grp.producers) notes.skipped.emplace(p, "excluded (in a group with an excluded node)");
      continue;
    }
    const int64_t orig = original[key];
    int64_t want_left = std::max<int64_t>(1, orig - std::llround(target * static_cast<double>(orig)));
    if (o.scope == PruningScope::Layer) want_left = rounded_keep(want_left, orig, grp.channels, o.channel_multiple);
    cands.push_back({g, channel_importance(model, a, g, o.importance), std::max<int64_t>(0, grp.channels - want_left),
                     orig});
  }
  if (o.scope == PruningScope::Global) {
    // One ranking over all groups: importance relative to its group's mean, so that groups of
    // different scale compete fairly; each group keeps at least one channel.
    struct Entry {
      double score;
      size_t cand;
      int64_t channel;
    };
    std::vector<Entry> all;
    int64_t total_remove = 0;
    for (size_t c = 0; c < cands.size(); ++c) {
      const auto& imp = cands[c].importance;
      const double mean = std::accumulate(imp.begin(), imp.end(), 0.0) / std::max<size_t>(imp.size(), 1);
      for (size_t k = 0; k < imp.size(); ++k) all.push_back({mean > 0 ? imp[k] / mean : 0.0, c, static_cast<int64_t>(k)});
      total_remove += cands[c].remove;
      cands[c].remove = 0;
    }
    std::stable_sort(all.begin(), all.end(), [](const Entry& x, const Entry& y) { return x.score < y.score; });
    for (const Entry& e : all) {
      if (total_remove == 0) break;
      Candidate& c = cands[e.cand];
      if (static_cast<int64_t>(c.importance.size()) - c.remove <= 1) continue;
      c.importance[static_cast<size_t>(e.channel)] = -1;  // marked: lowest in top_channels
      ++c.remove;
      --total_remove;
    }
    for (Candidate& c : cands) {
      const int64_t channels = static_cast<int64_t>(c.importance.size());
      c.remove = channels - rounded_keep(channels - c.remove, c.original, channels, o.channel_multiple);
    }
  }
  std::map<size_t, std::vector<int64_t>> keep;
  for (const Candidate& c : cands) {
    if (c.remove <= 0) continue;
    const int64_t channels = static_cast<int64_t>(c.importance.size());
    keep[c.group] = top_channels(c.importance, channels - c.remove);
  }
  return keep;
}

// Re-fits every weight that lost input columns so it reproduces its original outputs.
Status refit_consumers(const Model& before, Model& after, const ChannelRemoval& removal, const PruneOptions& o,
                       const std::map<std::string, Shape>& shapes, LayerNotes& notes, int t) {
  std::vector<WeightRef> refs;
  for (const WeightRef& w : prunable_weights(before)) {
    auto it = removal.weights.find(w.name);
    if (it != removal.weights.end() && static_cast<int64_t>(it->second.cols.size()) < w.cols) refs.push_back(w);
  }
  if (refs.empty()) return {};
  auto progress = [&](size_t done, size_t total) {
    if (o.progress) o.progress(fmt::format("stage {}/{}: layer inputs", t, o.steps), done, total);
  };
  SZ0_ASSIGN(auto hessians, collect_hessians(before, refs, o.stream, shapes, progress));
  std::map<std::string, WeightRef> after_refs;
  for (const WeightRef& w : prunable_weights(after)) after_refs.emplace(w.name, w);
  for (const WeightRef& w : refs) {
    auto h = hessians.find(w.name);
    auto a = after_refs.find(w.name);
    if (h == hessians.end() || a == after_refs.end()) continue;
    const Node& node = before.graph.nodes[w.node];
    if (std::string why = refit_blocker(h->second.vectors, w.cols); !why.empty()) {
      notes.not_refit[node.name] = why;
      continue;
    }
    const ChannelRemoval::Weight& kept = removal.weights.at(w.name);
    const std::vector<float> full = weight_matrix(before, w);
    const int64_t rows = static_cast<int64_t>(kept.rows.size());
    std::vector<float> w_rows(static_cast<size_t>(rows * w.cols));
    for (int64_t r = 0; r < rows; ++r)
      std::copy_n(full.begin() + kept.rows[static_cast<size_t>(r)] * w.cols, w.cols, w_rows.begin() + r * w.cols);
    auto fitted = refit_columns(w_rows, rows, w.cols, h->second, kept.cols, o.damp);
    if (!fitted.ok()) return fitted.status().context(node.label());
    if (a->second.rows != rows || a->second.cols != static_cast<int64_t>(kept.cols.size()))
      return error("{}: weight '{}' is {}x{} after removal, expected {}x{}", node.label(), w.name, a->second.rows,
                   a->second.cols, rows, kept.cols.size());
    // Layer SQNR of the plain column drop and of the re-fit, both embedded in the full columns.
    std::vector<float> dropped(w_rows.size(), 0), refit(w_rows.size(), 0);
    for (int64_t r = 0; r < rows; ++r)
      for (size_t k = 0; k < kept.cols.size(); ++k) {
        const size_t at = static_cast<size_t>(r * w.cols + kept.cols[k]);
        dropped[at] = w_rows[at];
        refit[at] = (*fitted)[static_cast<size_t>(r) * kept.cols.size() + k];
      }
    notes.gain_db[node.name] += layer_sqnr_db(w_rows, refit, rows, w.cols, h->second) -
                                layer_sqnr_db(w_rows, dropped, rows, w.cols, h->second);
    set_weight_matrix(after, a->second, *fitted);
  }
  return {};
}

}  // namespace

Status prune_structured(Model& model, const PruneOptions& o, const std::map<std::string, Shape>& shapes,
                        LayerNotes& notes, int& groups, int& groups_pruned) {
  std::map<std::string, int64_t> original;
  std::set<std::string> pruned_keys;
  for (int t = 1; t <= o.steps; ++t) {
    const double target = scheduled_amount(o.amount, t, o.steps);
    SZ0_ASSIGN(ChannelAnalysis a, analyze_channels(model, shapes));
    if (t == 1) groups = static_cast<int>(a.groups.size());
    const auto keep = choose_channels(model, a, o, target, original, notes);
    if (keep.empty()) continue;
    for (const auto& [g, k] : keep) pruned_keys.insert(group_key(a.groups[g]));
    Model next = model;
    SZ0_ASSIGN(ChannelRemoval removal, remove_channels(next, a, keep));
    if (o.reconstruct) {
      SZ0_TRY(refit_consumers(model, next, removal, o, shapes, notes, t));
      SZ0_TRY(reestimate_batchnorm(model, next, removal.kept_channels, o.stream, shapes));
    }
    model = std::move(next);
  }
  groups_pruned = static_cast<int>(pruned_keys.size());
  if (groups_pruned == 0 && o.amount > 0)
    return error("nothing to prune: none of {} channel groups can lose channels (see `sz0 prune --report`)", groups);
  return {};
}

}  // namespace sz0::prune

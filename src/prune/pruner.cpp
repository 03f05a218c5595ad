// ModelPruner: options, the stages, and the report (counts before and after, agreement with
// the original model).
#include "kernels/sparse_gemv.h"
#include "prune/layers.h"
#include "prune/masks.h"
#include "prune/stages.h"
#include "prune/stats.h"

#include <sz0/prune.h>
#include <sz0/session.h>

#include <algorithm>
#include <cmath>

namespace sz0 {

std::string pruning_strategy_name(PruningStrategy s, int n, int m) {
  switch (s) {
    case PruningStrategy::Magnitude: return "magnitude";
    case PruningStrategy::Random: return "random";
    case PruningStrategy::Structured: return "structured";
    case PruningStrategy::NM: return fmt::format("{}:{}", n, m);
  }
  return "?";
}

Result<PruningStrategy> parse_pruning_strategy(const std::string& name, int& n, int& m) {
  if (name == "magnitude" || name == "l1") return PruningStrategy::Magnitude;
  if (name == "random") return PruningStrategy::Random;
  if (name == "structured") return PruningStrategy::Structured;
  const size_t colon = name.find(':');
  if (colon != std::string::npos) {
    try {
      size_t used_n = 0, used_m = 0;
      const int a = std::stoi(name.substr(0, colon), &used_n);
      const int b = std::stoi(name.substr(colon + 1), &used_m);
      if (used_n == colon && used_m == name.size() - colon - 1 && a >= 1 && b > a && b <= 64) {
        n = a;
        m = b;
        return PruningStrategy::NM;
      }
    } catch (const std::exception&) {
    }
  }
  return error("unknown pruning strategy '{}' (magnitude, random, structured, or N:M such as 2:4)", name);
}

namespace {

Status check_options(const PruneOptions& o, const Model& model) {
  if (!(o.amount >= 0 && o.amount < 1)) return error("amount {} is outside [0, 1)", o.amount);
  if (o.steps < 1) return error("steps must be at least 1, got {}", o.steps);
  if (o.reconstruct && (o.stream.count == 0 || !o.stream.read))
    return error("reconstruction needs calibration samples");
  if (!(o.damp > 0)) return error("damping must be positive, got {}", o.damp);
  for (const std::string& name : o.exclude_nodes) {
    const auto& nodes = model.graph.nodes;
    if (std::none_of(nodes.begin(), nodes.end(), [&](const Node& n) { return n.name == name; }))
      return error("--exclude-node '{}': no node of that name", name);
  }
  return {};
}

struct LayerCount {
  int64_t params = 0, zeros = 0, rows = 0;
};

std::map<std::string, LayerCount> layer_counts(const Model& model) {
  std::map<std::string, LayerCount> out;
  for (const prune::WeightRef& w : prune::prunable_weights(model)) {
    LayerCount& c = out[model.graph.nodes[w.node].name];
    const std::vector<float> m = prune::weight_matrix(model, w);
    c.params += static_cast<int64_t>(m.size());
    c.zeros += prune::count_zeros(m);
    c.rows = std::max(c.rows, w.rows);
  }
  return out;
}

// Agreement of `cand`'s outputs with `ref`'s over up to 16 samples.
Result<OutputAgreement> agreement(const Model& ref, const Model& cand, const SampleStream& stream,
                                  const std::map<std::string, Shape>& shapes) {
  SessionOptions so;
  so.threads = 1;
  so.input_shapes = shapes;
  SZ0_ASSIGN(auto a, Session::create(ref, so));
  SZ0_ASSIGN(auto b, Session::create(cand, so));
  OutputAgreement agree;
  const size_t n = std::min<size_t>(stream.count, 16);
  for (size_t s = 0; s < n; ++s) {
    SZ0_ASSIGN(auto feeds, stream.read(s));
    SZ0_ASSIGN(auto ra, a->run(feeds));
    auto rb = b->run(feeds);
    if (!rb.ok()) return rb.status().context("the pruned model");
    for (size_t i = 0; i < ra.size() && i < rb->size(); ++i)
      if (dtype_is_float(ra[i].dtype()) && ra[i].shape() == (*rb)[i].shape()) agree.add(ra[i], (*rb)[i]);
  }
  return agree;
}

Status run_stages(Model& model, const PruneOptions& o, const std::map<std::string, Shape>& shapes,
                  prune::LayerNotes& notes, PruneReport& r) {
  if (o.strategy == PruningStrategy::Structured) {
    int groups = 0, pruned = 0;
    SZ0_TRY(prune::prune_structured(model, o, shapes, notes, groups, pruned));
    r.channel_groups = groups;
    r.groups_pruned = pruned;
    return {};
  }
  return prune::prune_unstructured(model, o, shapes, notes);
}

}  // namespace

Result<PruneReport> ModelPruner::prune(Model& model) const {
  const PruneOptions& o = options_;
  SZ0_TRY(check_options(o, model));
  prune::lift_constants(model);
  const std::map<std::string, Shape> shapes = prune::concrete_input_shapes(model, o.input_shapes);
  const Model original = model;
  PruneReport r;
  r.strategy = o.strategy;
  r.amount = o.strategy == PruningStrategy::NM ? 1.0 - static_cast<double>(o.n) / o.m : o.amount;
  r.params_before = prune::float_params(model);
  const auto macs_before = prune::node_macs(model, shapes);
  const auto counts_before = layer_counts(model);

  prune::LayerNotes notes;
  SZ0_TRY(run_stages(model, o, shapes, notes, r));
  r.reconstructed = o.reconstruct;
  r.samples = o.reconstruct ? static_cast<int>(o.stream.count) : 0;

  // Agreement with the original; with reconstruction, also of the same pruning without it.
  SampleStream eval = o.stream;
  if (eval.count == 0 || !eval.read) {
    // Generated at the shapes given for symbolic dims.
    Model fixed = original;
    for (ValueInfo& in : fixed.graph.inputs) {
      auto it = shapes.find(in.name);
      if (it == shapes.end()) continue;
      in.type.shape = std::vector<Dim>(it->second.begin(), it->second.end());
    }
    auto one = std::make_shared<std::map<std::string, Tensor>>(generated_sample(fixed, o.seed));
    eval = {1, [one](size_t) -> Result<std::map<std::string, Tensor>> { return *one; }};
  }
  SZ0_ASSIGN(OutputAgreement agree, agreement(original, model, eval, shapes));
  r.evaluated_samples = static_cast<int>(std::min<size_t>(eval.count, 16));
  r.cosine = agree.cosine();
  r.sqnr_db = agree.sqnr_db();
  if (o.reconstruct) {
    Model plain = original;
    PruneOptions po = o;
    po.reconstruct = false;
    prune::LayerNotes unused;
    PruneReport ignored;
    SZ0_TRY(run_stages(plain, po, shapes, unused, ignored));
    SZ0_ASSIGN(OutputAgreement a2, agreement(original, plain, eval, shapes));
    r.cosine_without_reconstruction = a2.cosine();
    r.sqnr_db_without_reconstruction = a2.sqnr_db();
  }

  // Counts after, per layer in the original's graph order.
  r.params_after = prune::float_params(model);
  const auto macs_after = prune::node_macs(model, shapes);
  const auto counts_after = layer_counts(model);
  for (auto& [name, m] : macs_before) r.macs_before += m;
  for (auto& [name, m] : macs_after) r.macs_after += m;
  for (const Node& n : original.graph.nodes) {
    auto cb = counts_before.find(n.name);
    if (cb == counts_before.end()) continue;
    LayerPruning l;
    l.node = n.name;
    l.op_type = n.op_type;
    const LayerCount before = cb->second;
    const LayerCount after = counts_after.count(n.name) ? counts_after.at(n.name) : LayerCount{};
    l.params_before = before.params;
    l.params_after = after.params;
    l.zeros_before = before.zeros;
    l.zeros_after = after.zeros;
    l.channels_before = before.rows;
    l.channels_after = after.rows;
    if (macs_before.count(n.name)) l.macs_before = macs_before.at(n.name);
    if (macs_after.count(n.name)) l.macs_after = macs_after.at(n.name);
    auto skipped = notes.skipped.find(n.name);
    const bool shrank = after.params < before.params;
    l.pruned = shrank || after.zeros > before.zeros;
    if (skipped != notes.skipped.end() && !l.pruned) l.skipped = skipped->second;
    if (!l.pruned && l.skipped.empty() && o.strategy == PruningStrategy::NM)
      l.skipped = fmt::format("no group of more than {} input channels (depthwise or narrow)", o.n);
    if (!l.pruned && l.skipped.empty() && o.strategy == PruningStrategy::Structured)
      l.skipped = "its channels are in no prunable group";
    if (notes.gain_db.count(n.name)) l.reconstruction_gain_db = notes.gain_db.at(n.name);
    if (notes.not_refit.count(n.name) && !notes.gain_db.count(n.name)) l.not_refit = notes.not_refit.at(n.name);
    if (shrank || (o.strategy == PruningStrategy::Structured && l.pruned))
      l.runtime = "smaller dense kernel";
    else if (l.pruned && o.strategy == PruningStrategy::NM)
      l.runtime = fmt::format("dense kernel ({}:{} needs sparse tensor cores)", o.n, o.m);
    else if (l.pruned && (n.op_type == "MatMul" || n.op_type == "Gemm") && after.params > 0 &&
             static_cast<double>(after.zeros) >= kernels::kSparseMinZeros * static_cast<double>(after.params))
      l.runtime = "sparse kernel at one row, dense otherwise";
    else if (l.pruned)
      l.runtime = "dense kernel (zeros not exploited)";
    // The sparsity the amount asks for is over the layers the pruner was allowed to touch.
    if (l.skipped.empty()) {
      r.prunable_params += after.params;
      r.prunable_zeros += after.zeros;
    }
    r.layers.push_back(std::move(l));
  }
  return r;
}

}  // namespace sz0

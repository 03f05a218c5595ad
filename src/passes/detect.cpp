// Counting the patterns of patterns.h over a model, for the optimizer's report: what is left
// for the runtime's internal fusions after the standard rewrites.
#include "passes/patterns.h"

#include <algorithm>

namespace sz0::passes {

namespace {

void detect_in(const Graph& g, const Model& m, const std::map<std::string, TypeInfo>* outer, std::map<std::string, int>& counts) {
  GraphView v(g, m, outer);
  std::vector<bool> used(static_cast<size_t>(v.size()), false);
  auto take = [&](const char* what, const auto& match) {
    if (!match) return;
    for (int n : match->nodes)
      if (used[static_cast<size_t>(n)]) return;
    for (int n : match->nodes) used[static_cast<size_t>(n)] = true;
    ++counts[what];
  };
  // Last node first, so that a pattern is seen from its final node (the longest match).
  for (int i = v.size(); i-- > 0;) {
    take("attention", match_attention(v, i));
    take("layer_norm", match_layer_norm(v, i));
    take("gelu", match_gelu(v, i));
    take("silu", match_silu(v, i));
  }
  bool nested = std::any_of(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return has_subgraph(n); });
  if (!nested) return;
  const std::map<std::string, TypeInfo> scope = v.facts().types;
  for (const Node& n : g.nodes)
    for (const Graph* sg : subgraphs(n)) detect_in(*sg, m, &scope, counts);
}

}  // namespace

std::vector<std::pair<std::string, int>> detect_patterns(const Model& model) {
  std::map<std::string, int> counts;
  detect_in(model.graph, model, nullptr, counts);
  std::vector<std::pair<std::string, int>> out;
  for (const char* what : {"layer_norm", "gelu", "silu", "attention"})
    if (auto it = counts.find(what); it != counts.end()) out.emplace_back(what, it->second);
  return out;
}

}  // namespace sz0::passes

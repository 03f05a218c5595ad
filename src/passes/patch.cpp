// Applying a pass's patch: nodes out, replacements in at the position of the last node they
// replace (all their inputs are defined by then), readers renamed, initializers updated.
#include "passes/pass.h"

#include <algorithm>

namespace sz0::passes {

bool Patch::free(const std::vector<int>& nodes) const {
  return std::none_of(nodes.begin(), nodes.end(), [&](int i) { return remove.count(i) > 0; });
}

void Patch::replace(const std::vector<int>& nodes, std::vector<Node> replacement) {
  const int at = *std::max_element(nodes.begin(), nodes.end());
  for (int i : nodes) remove.insert(i);
  for (Node& n : replacement) insert.emplace_back(at, std::move(n));
  ++rewrites;
}

Status apply_patch(Graph& g, Patch p) {
  // Chains (a → b, b → c) resolve to their end.
  std::map<std::string, std::string> to;
  for (auto& [from, dst] : p.rename) {
    std::string d = dst;
    for (size_t hops = 0; hops <= p.rename.size(); ++hops) {
      auto it = p.rename.find(d);
      if (it == p.rename.end()) break;
      d = it->second;
    }
    if (d == from) return error("internal: rename cycle through '{}'", from);
    to[from] = d;
  }
  for (const ValueInfo& o : g.outputs)
    if (to.count(o.name)) return error("internal: a pass renamed graph output '{}'", o.name);
  const int n = static_cast<int>(g.nodes.size());
  for (int i : p.remove)
    if (i < 0 || i >= n) return error("internal: patch removes node {} of {}", i, n);
  std::map<int, std::vector<Node>> at;
  for (auto& [pos, node] : p.insert) at[pos].push_back(std::move(node));
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size() + p.insert.size());
  for (int i = 0; i <= n; ++i) {
    if (auto it = at.find(i); it != at.end())
      for (Node& x : it->second) nodes.push_back(std::move(x));
    if (i < n && !p.remove.count(i)) nodes.push_back(std::move(g.nodes[static_cast<size_t>(i)]));
  }
  g.nodes = std::move(nodes);
  for (const std::string& name : p.remove_initializers) g.initializers.erase(name);
  for (auto& [name, t] : p.add_initializers) g.initializers[name] = std::move(t);
  rename_reads(g, to);
  return {};
}

}  // namespace sz0::passes

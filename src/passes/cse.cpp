// Common subexpression elimination (basic).
// Targets: nodes with the same op, domain, inputs and attributes as an earlier node; and
//          initializers with identical contents (so that nodes reading equal constants under
//          different names match too).
// Applies: not to nondeterministic ops (two RandomNormal draws differ), ops holding subgraphs,
//          or when the later node's outputs are graph outputs (their names must stay).
// Changes: readers of the later node's outputs read the earlier one's; the later node (or
//          duplicate initializer) is removed.
#include "passes/pass.h"

#include <algorithm>

namespace sz0::passes {

namespace {

// A sample of the contents: up to 256 evenly spaced bytes (FNV-1a). Equal tensors hash equal;
// candidates are compared in full, so sampling only trades a few comparisons for not hashing
// every weight byte on every pipeline round (tens of milliseconds on a 10M-parameter model).
uint64_t content_hash(const Tensor& t) {
  uint64_t h = 1469598103934665603ull;
  const auto* b = static_cast<const unsigned char*>(t.raw());
  const size_t n = t.nbytes();
  const size_t step = std::max<size_t>(1, n / 256);
  for (size_t i = 0; i < n; i += step) h = (h ^ b[i]) * 1099511628211ull;
  return (h ^ n) * 1099511628211ull;
}

// Duplicate initializers → the first of their kind (by name).
void dedupe_initializers(const GraphView& v, Patch& p) {
  std::map<std::tuple<int, Shape, uint64_t>, std::vector<std::string>> groups;
  for (auto& [name, t] : v.graph().initializers) {
    if (!v.constant(name) || v.is_graph_output(name) || v.is_graph_input(name)) continue;
    if (!t.defined() || t.dtype() == DType::String) continue;
    auto& names = groups[{static_cast<int>(t.dtype()), t.shape(), content_hash(t)}];
    bool merged = false;
    for (const std::string& first : names)
      if (tensors_equal(v.graph().initializers.at(first), t)) {
        p.rename[name] = first;
        p.remove_initializers.insert(name);
        ++p.rewrites;
        merged = true;
        break;
      }
    if (!merged) names.push_back(name);
  }
}

bool same_attributes(const Node& a, const Node& b) {
  if (a.attributes.size() != b.attributes.size()) return false;
  for (const Attribute& x : a.attributes) {
    const Attribute* y = b.attr(x.name);
    if (!y || !attributes_equal(x, *y)) return false;
  }
  return true;
}

}  // namespace

Result<Patch> eliminate_common_subexpressions(const GraphView& v, PassContext&) {
  Patch p;
  dedupe_initializers(v, p);
  auto resolve = [&](const std::string& name) {
    std::string n = name;
    for (auto it = p.rename.find(n); it != p.rename.end(); it = p.rename.find(n)) n = it->second;
    return n;
  };
  // Signature without attributes → earlier nodes with it.
  std::map<std::vector<std::string>, std::vector<int>> seen;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (n.outputs.empty() || is_nondeterministic(n) || has_subgraph(n)) continue;
    if (is_onnx_domain(n.domain) && n.op_type == "Constant") continue;  // folded into initializers instead
    std::vector<std::string> sig = {n.domain, n.op_type, std::to_string(n.outputs.size())};
    for (const std::string& in : n.inputs) sig.push_back(resolve(in));
    std::vector<int>& earlier = seen[sig];
    int match = -1;
    for (int j : earlier)
      if (same_attributes(v.node(j), n)) {
        match = j;
        break;
      }
    if (match < 0) {
      earlier.push_back(i);
      continue;
    }
    const Node& first = v.node(match);
    bool ok = true;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k].empty()) continue;
      ok = ok && !first.outputs[k].empty() && !v.is_graph_output(n.outputs[k]);
    }
    if (!ok) continue;
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (!n.outputs[k].empty()) p.rename[n.outputs[k]] = first.outputs[k];
    p.replace({i}, {});
  }
  return p;
}

}  // namespace sz0::passes

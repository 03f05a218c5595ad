// Transpose cancellation (extended).
// Targets: Transpose whose perm is the identity, and Transpose of a Transpose.
// Applies: the perms (or the rank, when perm is omitted: a reversal) are known. A value that is
//          a graph output keeps its node.
// Changes: an identity Transpose is removed (readers read its input); Transpose(Transpose(x,
//          p1), p2) becomes Transpose(x, q) with q[i] = p1[p2[i]], or nothing when q is the
//          identity. The inner Transpose goes when nothing else reads it (dead-code elimination).
#include "passes/pass.h"

#include <numeric>

namespace sz0::passes {

namespace {

std::optional<std::vector<int64_t>> perm_of(const GraphView& v, const Node& t) {
  std::vector<int64_t> perm = t.attr_ints("perm");
  if (perm.empty()) {
    int r = v.rank(t.inputs[0]);
    if (r < 0 && t.has_output(0)) r = v.rank(t.outputs[0]);
    if (r < 0) return std::nullopt;
    perm.resize(static_cast<size_t>(r));
    for (int i = 0; i < r; ++i) perm[static_cast<size_t>(i)] = r - 1 - i;
  }
  std::vector<bool> seen(perm.size(), false);
  for (int64_t a : perm) {
    if (a < 0 || a >= static_cast<int64_t>(perm.size()) || seen[static_cast<size_t>(a)]) return std::nullopt;
    seen[static_cast<size_t>(a)] = true;
  }
  return perm;
}

bool is_identity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

}  // namespace

Result<Patch> cancel_transposes(const GraphView& v, PassContext&) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& t = v.node(i);
    if (!is_onnx_domain(t.domain) || t.op_type != "Transpose" || !t.has_input(0) || !t.has_output(0)) continue;
    const std::string& y = t.outputs[0];
    auto p2 = perm_of(v, t);
    if (!p2 || !p.free({i})) continue;
    if (is_identity(*p2)) {
      if (v.is_graph_output(y)) continue;
      p.rename[y] = t.inputs[0];
      p.replace({i}, {});
      continue;
    }
    const Node* inner = v.producer_of(t.inputs[0], "Transpose");
    if (!inner || !inner->has_input(0)) continue;
    auto p1 = perm_of(v, *inner);
    if (!p1 || p1->size() != p2->size()) continue;
    std::vector<int64_t> q(p2->size());
    for (size_t k = 0; k < q.size(); ++k) q[k] = (*p1)[static_cast<size_t>((*p2)[k])];
    const std::string& x = inner->inputs[0];
    if (is_identity(q)) {
      if (v.is_graph_output(y)) {
        p.replace({i}, {make_node("Identity", {x}, {y}, t.name)});
      } else {
        p.rename[y] = x;
        p.replace({i}, {});
      }
      continue;
    }
    Node merged = make_node("Transpose", {x}, {y}, t.name);
    merged.attributes = {make_attr_ints("perm", q)};
    p.replace({i}, {std::move(merged)});
  }
  return p;
}

}  // namespace sz0::passes

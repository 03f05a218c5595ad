// Squeeze / Unsqueeze cancellation (extended).
// Targets: Squeeze(Unsqueeze(x, axes), axes) and Unsqueeze(Squeeze(x, axes), axes).
// Applies: both axes lists are known (attribute before opset 13, constant input since) and
//          name the same axes once normalized against the rank between the two nodes (which
//          must be known when an axis is negative). A Squeeze without axes does not apply. A
//          value that is a graph output keeps its node.
// Changes: readers of the outer node's output read x; the inner node goes when nothing else
//          reads it.
#include "passes/pass.h"

#include <algorithm>

namespace sz0::passes {

namespace {

std::optional<std::vector<int64_t>> axes_of(const GraphView& v, const Node& n) {
  if (v.opset() >= 13) {
    if (!n.has_input(1)) return std::nullopt;
    const Tensor* t = v.constant(n.inputs[1]);
    if (!t) return std::nullopt;
    return t->to_int64();
  }
  if (!n.has_attr("axes")) return std::nullopt;
  return n.attr_ints("axes");
}

// Sorted axes in [0, rank); nullopt when a negative axis meets an unknown rank.
std::optional<std::vector<int64_t>> normalized(std::vector<int64_t> axes, int rank) {
  for (int64_t& a : axes) {
    if (a < 0) {
      if (rank < 0) return std::nullopt;
      a += rank;
    }
    if (a < 0 || (rank >= 0 && a >= rank)) return std::nullopt;
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) return std::nullopt;
  return axes;
}

}  // namespace

Result<Patch> cancel_squeeze_unsqueeze(const GraphView& v, PassContext&) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& outer = v.node(i);
    if (!is_onnx_domain(outer.domain) || !outer.has_input(0) || !outer.has_output(0)) continue;
    const bool squeeze = outer.op_type == "Squeeze";
    if (!squeeze && outer.op_type != "Unsqueeze") continue;
    const Node* inner = v.producer_of(outer.inputs[0], squeeze ? "Unsqueeze" : "Squeeze");
    if (!inner || !inner->has_input(0) || v.is_graph_output(outer.outputs[0])) continue;
    auto a_outer = axes_of(v, outer);
    auto a_inner = axes_of(v, *inner);
    if (!a_outer || !a_inner) continue;
    // The rank between the two: the Unsqueeze's output, the Squeeze's input.
    int mid = -1;
    if (squeeze) {
      mid = v.rank(outer.inputs[0]);
      if (const int x = v.rank(inner->inputs[0]); mid < 0 && x >= 0) mid = x + static_cast<int>(a_inner->size());
    } else {
      mid = v.rank(inner->inputs[0]);
      if (const int s = v.rank(outer.inputs[0]); mid < 0 && s >= 0) mid = s + static_cast<int>(a_outer->size());
    }
    auto n_outer = normalized(*a_outer, mid);
    auto n_inner = normalized(*a_inner, mid);
    if (!n_outer || !n_inner || *n_outer != *n_inner || !p.free({i})) continue;
    p.rename[outer.outputs[0]] = inner->inputs[0];
    p.replace({i}, {});
  }
  return p;
}

}  // namespace sz0::passes

// Reshape cancellation (extended).
// Targets: Reshape whose output shape equals its input's, and Reshape of a value that a
//          Reshape, Flatten, Squeeze or Unsqueeze produced (they keep the element order too).
// Applies: same shape: both shapes known, dim by dim (equal sizes or the same symbol). Chains:
//          the outer target is a constant that does not copy dims from its input (no 0 entry,
//          unless allowzero makes 0 literal). A value that is a graph output keeps its node.
// Changes: a same-shape Reshape is removed (readers read its input); a chain becomes one
//          Reshape of the first input. The inner node goes when nothing else reads it.
#include "passes/pass.h"

#include <algorithm>

namespace sz0::passes {

namespace {

bool same_shape(const TypeInfo* a, const TypeInfo* b) {
  if (!a || !b || !a->has_rank() || !b->has_rank() || a->rank() != b->rank()) return false;
  for (size_t k = 0; k < a->shape->size(); ++k) {
    const Dim& x = (*a->shape)[k];
    const Dim& y = (*b->shape)[k];
    if (!(x == y)) return false;
  }
  return true;
}

}  // namespace

Result<Patch> cancel_reshapes(const GraphView& v, PassContext&) {
  Patch p;
  if (v.opset() < 5) return p;  // before opset 5 the target was an attribute
  for (int i = 0; i < v.size(); ++i) {
    const Node& r = v.node(i);
    if (!is_onnx_domain(r.domain) || r.op_type != "Reshape" || r.inputs.size() != 2 || !r.has_input(0) ||
        !r.has_output(0))
      continue;
    const std::string& y = r.outputs[0];
    if (same_shape(v.type(r.inputs[0]), v.type(y))) {
      if (v.is_graph_output(y)) continue;
      p.rename[y] = r.inputs[0];
      p.replace({i}, {});
      continue;
    }
    const Tensor* target = v.constant(r.inputs[1]);
    if (!target) continue;
    if (r.attr_int("allowzero", 0) == 0)
      if (auto t = target->to_int64(); std::find(t.begin(), t.end(), 0) != t.end()) continue;
    const int pi = v.producer(r.inputs[0]);
    if (pi < 0) continue;
    const Node& inner = v.node(pi);
    const std::string& op = inner.op_type;
    if (!is_onnx_domain(inner.domain) || !inner.has_input(0) ||
        (op != "Reshape" && op != "Flatten" && op != "Squeeze" && op != "Unsqueeze"))
      continue;
    Node merged = r;
    merged.inputs[0] = inner.inputs[0];
    p.replace({i}, {std::move(merged)});
  }
  return p;
}

}  // namespace sz0::passes

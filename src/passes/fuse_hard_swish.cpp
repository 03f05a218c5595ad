// HardSwish fusion (all).
// Targets: x * HardSigmoid(x) with alpha 1/6 and beta 1/2, and x * Clip(x + 3, 0, 6) / 6 (or
//          times 1/6): the forms exporters write for hard swish below opset 14.
// Applies: ai.onnx opset 14 or newer (HardSwish's first version); interior values feed nothing
//          else.
// Changes: one HardSwish(x) node.
#include "passes/patterns.h"

namespace sz0::passes {

Result<Patch> fuse_hard_swish(const GraphView& v, PassContext&) {
  Patch p;
  if (v.opset() < 14) return p;
  for (int i = 0; i < v.size(); ++i) {
    auto m = match_hard_swish(v, i);
    if (!m || !p.free(m->nodes)) continue;
    p.replace(m->nodes, {make_node("HardSwish", {m->x}, {m->output}, v.node(i).name)});
  }
  return p;
}

}  // namespace sz0::passes

// Identity elimination (basic).
// Targets: Identity, and Dropout at inference (no mask read, training_mode absent or a constant
//          false), which computes the identity too.
// Applies: always, except that a graph output keeps its name: when the output of such a node
//          is a graph output, the node producing its input is renamed to produce it instead (if
//          nothing else reads that input), else the node stays.
// Changes: readers of the output read the input; the node is removed.
#include "passes/pass.h"

namespace sz0::passes {

namespace {

bool inference_passthrough(const GraphView& v, const Node& n) {
  if (is_passthrough(n)) return true;
  if (!is_onnx_domain(n.domain) || n.op_type != "Dropout" || !n.has_input(0) || !n.has_output(0)) return false;
  if (n.has_output(1)) {
    const std::string& mask = n.outputs[1];
    if (!v.readers(mask).empty() || v.is_graph_output(mask) || v.captured(mask)) return false;
  }
  if (n.has_input(2)) {
    const Tensor* training = v.constant(n.inputs[2]);
    if (!training || training->numel() != 1 || training->get_double(0) != 0) return false;
  }
  return true;
}

}  // namespace

Result<Patch> eliminate_identity(const GraphView& v, PassContext&) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (!inference_passthrough(v, n)) continue;
    const std::string& in = n.inputs[0];
    const std::string& out = n.outputs[0];
    if (!v.is_graph_output(out)) {
      p.rename[out] = in;
      p.replace({i}, {});
      continue;
    }
    // A graph output: let the producer of the input write it directly.
    const int src = v.producer(in);
    if (src < 0 || !p.free({src}) || !v.single_use(in)) continue;
    Node moved = v.node(src);
    int defined = 0;
    for (const std::string& o : moved.outputs) defined += !o.empty();
    if (defined != 1 || moved.outputs[0] != in) continue;
    moved.outputs[0] = out;
    p.replace({src, i}, {std::move(moved)});
  }
  return p;
}

}  // namespace sz0::passes

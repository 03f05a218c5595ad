// Dead-code elimination (basic).
// Targets: nodes none of whose outputs reaches a graph output (through other nodes or through
//          what subgraphs capture), and initializers nothing reads.
// Applies: always; graph inputs stay, even when unused, since they are the model's interface.
// Changes: those nodes and initializers are removed.
#include "passes/pass.h"

namespace sz0::passes {

Result<Patch> eliminate_dead_code(const GraphView& v, PassContext&) {
  Patch p;
  const Graph& g = v.graph();
  std::set<std::string> live;
  for (const ValueInfo& o : g.outputs) live.insert(o.name);
  for (int i = v.size(); i-- > 0;) {
    const Node& n = v.node(i);
    bool needed = false;
    for (const std::string& o : n.outputs) needed = needed || (!o.empty() && live.count(o));
    if (!needed) {
      p.remove.insert(i);
      ++p.rewrites;
      continue;
    }
    for (const std::string& in : n.inputs)
      if (!in.empty()) live.insert(in);
    collect_subgraph_reads(n, live);
  }
  for (auto& [name, t] : g.initializers)
    if (!live.count(name) && !g.find_input(name)) p.remove_initializers.insert(name);
  return p;
}

}  // namespace sz0::passes

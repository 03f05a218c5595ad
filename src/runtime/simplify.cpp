// Basic simplification before planning: forward Identity (and inference Dropout) inputs to their
// readers, then drop nodes and initializers that no graph output depends on. Applied to every
// subgraph too. The full optimizer (folding, fusion) is a separate pipeline of passes
// (src/passes/), whose graph helpers this shares.
#include <sz0/session.h>

#include "passes/pass.h"

#include <set>

namespace sz0 {

namespace {

using passes::collect_reads;
using passes::is_passthrough;
using passes::rename_reads;

void simplify_graph(Graph& g) {
  std::set<std::string> graph_outputs;
  for (const ValueInfo& v : g.outputs) graph_outputs.insert(v.name);
  // 1. Readers of a pass-through's output read its input instead (graph outputs keep their node).
  std::map<std::string, std::string> forward;
  for (const Node& n : g.nodes)
    if (is_passthrough(n) && !graph_outputs.count(n.outputs[0])) {
      std::string src = n.inputs[0];
      if (auto it = forward.find(src); it != forward.end()) src = it->second;
      forward[n.outputs[0]] = src;
    }
  if (!forward.empty()) rename_reads(g, forward);
  // 2. Liveness backwards from the graph outputs.
  std::set<std::string> live(graph_outputs);
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    bool needed = false;
    for (const std::string& o : n.outputs) needed = needed || (!o.empty() && live.count(o));
    if (!needed) continue;
    keep[i] = true;
    std::set<std::string> reads;
    for (const std::string& in : n.inputs)
      if (!in.empty()) reads.insert(in);
    for (const Attribute& a : n.attributes) {
      if (a.g) collect_reads(*a.g, reads);
      for (auto& sg : a.graphs) collect_reads(*sg, reads);
    }
    live.insert(reads.begin(), reads.end());
  }
  std::vector<Node> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i]) nodes.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(nodes);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = !live.count(it->first) && !g.find_input(it->first) ? g.initializers.erase(it) : std::next(it);
  for (Node& n : g.nodes)
    for (Attribute& a : n.attributes) {
      if (a.g) simplify_graph(*a.g);
      for (auto& sg : a.graphs) simplify_graph(*sg);
    }
}

}  // namespace

void simplify_for_inference(Model& model) { simplify_graph(model.graph); }

}  // namespace sz0

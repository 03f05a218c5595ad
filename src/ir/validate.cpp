// Structural checks of a model: single assignment, definitions before use, outputs produced.
#include <sz0/graph.h>

#include <set>

namespace sz0 {

namespace {

void check_graph(const Graph& g, std::set<std::string> visible, const std::string& where,
                 std::vector<std::string>& problems) {
  std::set<std::string> defined;
  auto define = [&](const std::string& name, const std::string& what) {
    if (name.empty()) return;
    if (defined.count(name)) problems.push_back(fmt::format("{}: '{}' is assigned twice ({})", where, name, what));
    defined.insert(name);
    visible.insert(name);
  };
  for (const ValueInfo& v : g.inputs)
    if (!g.initializers.count(v.name)) define(v.name, "graph input");
  for (auto& [name, t] : g.initializers) define(name, "initializer");
  for (const Node& n : g.nodes) {
    if (n.op_type.empty()) problems.push_back(fmt::format("{}: a node has no op_type", where));
    for (const std::string& in : n.inputs)
      if (!in.empty() && !visible.count(in))
        problems.push_back(fmt::format("{}: {} reads '{}' before anything defines it", where, n.label(), in));
    for (const Attribute& a : n.attributes) {
      if (a.g) check_graph(*a.g, visible, n.label() + " attribute " + a.name, problems);
      for (auto& sg : a.graphs) check_graph(*sg, visible, n.label() + " attribute " + a.name, problems);
    }
    for (const std::string& out : n.outputs) define(out, n.label());
  }
  for (const ValueInfo& v : g.outputs)
    if (!visible.count(v.name)) problems.push_back(fmt::format("{}: output '{}' is never produced", where, v.name));
}

}  // namespace

std::vector<std::string> validate_model(const Model& m) {
  std::vector<std::string> problems;
  if (m.opset("") == 0) problems.push_back("the model imports no ai.onnx opset");
  check_graph(m.graph, {}, "graph '" + m.graph.name + "'", problems);
  return problems;
}

}  // namespace sz0

// The read-only view a pass matches against: producers, readers, constants, types.
#include "passes/pass.h"

namespace sz0::passes {

GraphView::GraphView(const Graph& g, const Model& m, const std::map<std::string, TypeInfo>* outer_types)
    : g_(g), m_(m), outer_(outer_types) {
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i) {
    const Node& n = g.nodes[static_cast<size_t>(i)];
    for (const std::string& o : n.outputs)
      if (!o.empty()) producer_[o] = i;
    for (const std::string& in : n.inputs)
      if (!in.empty()) readers_[in].push_back(i);
    collect_subgraph_reads(n, captured_);
    if (n.outputs.size() == 1 && !n.outputs[0].empty())
      if (auto c = constant_node_value(n)) constant_nodes_[n.outputs[0]] = *c;
  }
  for (const ValueInfo& v : g.outputs) outputs_.insert(v.name);
  // Since IR version 4 an initializer that is also a graph input is only a default value.
  if (m.ir_version >= 4)
    for (const ValueInfo& v : g.inputs)
      if (g.initializers.count(v.name)) overridable_.insert(v.name);
}

int GraphView::producer(const std::string& name) const {
  auto it = producer_.find(name);
  return it == producer_.end() ? -1 : it->second;
}

const Node* GraphView::producer_of(const std::string& name, std::string_view op) const {
  const int i = producer(name);
  if (i < 0) return nullptr;
  const Node& n = node(i);
  return is_onnx_domain(n.domain) && n.op_type == op ? &n : nullptr;
}

const std::vector<int>& GraphView::readers(const std::string& name) const {
  static const std::vector<int> kNone;
  auto it = readers_.find(name);
  return it == readers_.end() ? kNone : it->second;
}

bool GraphView::single_use(const std::string& name) const {
  return readers(name).size() == 1 && !is_graph_output(name) && !captured(name);
}

std::optional<std::vector<int>> GraphView::only_readers(const std::string& name) const {
  if (is_graph_output(name) || captured(name)) return std::nullopt;
  return readers(name);
}

const Tensor* GraphView::constant(const std::string& name) const {
  if (auto it = g_.initializers.find(name); it != g_.initializers.end())
    return overridable_.count(name) ? nullptr : &it->second;
  auto it = constant_nodes_.find(name);
  return it == constant_nodes_.end() ? nullptr : &it->second;
}

const Facts& GraphView::facts() const {
  if (!facts_) facts_ = std::make_unique<Facts>(infer_facts(g_, m_, outer_));
  return *facts_;
}

const TypeInfo* GraphView::type(const std::string& name) const {
  const Facts& f = facts();
  auto it = f.types.find(name);
  return it == f.types.end() ? nullptr : &it->second;
}

int GraphView::rank(const std::string& name) const {
  const TypeInfo* t = type(name);
  return t ? t->rank() : -1;
}

}  // namespace sz0::passes

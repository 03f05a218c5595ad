// Whole-graph type and shape inference, with folding of constant subgraphs (shape arithmetic).
#include <sz0/session.h>

#include "ops/op.h"
#include "passes/fold.h"

#include <set>

namespace sz0 {

namespace {

// Ops whose value must never be folded at load time.
bool foldable(const Node& n) {
  static const std::set<std::string> kNo = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                            "Multinomial", "Bernoulli", "Loop", "If", "Scan", "Dropout"};
  return !kNo.count(n.op_type);
}

constexpr int64_t kMaxFoldElements = 1 << 16;

}  // namespace

Result<GraphTypes> infer_graph(const Graph& graph, const Model& model, const std::map<std::string, Shape>& input_shapes) {
  GraphTypes gt;
  for (auto& [name, t] : graph.initializers) {
    gt.types[name] = TypeInfo::of(t);
    gt.constants[name] = t;
  }
  for (const ValueInfo& v : graph.inputs) {
    if (graph.initializers.count(v.name)) continue;
    TypeInfo t = v.type;
    if (auto it = input_shapes.find(v.name); it != input_shapes.end()) t.shape = std::vector<Dim>(it->second.begin(), it->second.end());
    gt.types[v.name] = t;
  }
  for (const Node& node : graph.nodes) {
    const int64_t opset = model.opset(node.domain);
    ops::InferContext ctx(node, opset);
    bool all_const = true;
    int64_t const_elems = 0;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        ctx.inputs.emplace_back();
        ctx.values.push_back(nullptr);
        continue;
      }
      auto t = gt.types.find(in);
      ctx.inputs.push_back(t == gt.types.end() ? TypeInfo{} : t->second);
      auto c = gt.constants.find(in);
      ctx.values.push_back(c == gt.constants.end() ? nullptr : &c->second);
      if (c == gt.constants.end()) all_const = false;
      else const_elems += c->second.numel();
    }
    SZ0_TRY(ops::infer_node(ctx));
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty()) gt.types[node.outputs[i]] = ctx.outputs[i];
    if (all_const && foldable(node) && const_elems <= kMaxFoldElements && ops::is_supported(node.domain, node.op_type, opset)) {
      auto outs = passes::evaluate_node(node, opset, ctx);
      if (!outs.ok()) continue;  // inference already succeeded; the value stays unknown
      for (size_t i = 0; i < node.outputs.size() && i < outs->size(); ++i)
        if (!node.outputs[i].empty() && (*outs)[i].defined()) {
          gt.constants[node.outputs[i]] = (*outs)[i];
          gt.types[node.outputs[i]] = TypeInfo::of((*outs)[i]);
        }
    }
  }
  return gt;
}

namespace {
void collect_unsupported(const Graph& g, const Model& m, std::set<std::string>& out) {
  for (const Node& n : g.nodes) {
    const int64_t opset = m.opset(n.domain);
    if (!ops::is_supported(n.domain, n.op_type, opset))
      out.insert(fmt::format("{}{} (opset {})", n.domain.empty() ? "" : n.domain + ":", n.op_type, opset));
    for (const Attribute& a : n.attributes) {
      if (a.g) collect_unsupported(*a.g, m, out);
      for (const auto& sg : a.graphs) collect_unsupported(*sg, m, out);
    }
  }
}
}  // namespace

std::vector<std::string> unsupported_ops(const Model& model) {
  std::set<std::string> s;
  collect_unsupported(model.graph, model, s);
  return {s.begin(), s.end()};
}

}  // namespace sz0

// Tolerant type and constant analysis for the passes: every node's shape inference runs with
// whatever is known of its inputs; a node it fails on just leaves its outputs unknown (or as
// the model's value_info declares them). Small constant expressions are evaluated so that shape
// arithmetic downstream (Reshape targets, Slice bounds) is known.
#include "passes/fold.h"
#include "passes/pass.h"

#include "ops/op.h"

namespace sz0::passes {

namespace {

constexpr int64_t kMaxAnalysisElements = 1 << 16;

bool overridable(const Graph& g, const Model& m, const std::string& name) {
  return m.ir_version >= 4 && g.find_input(name) != nullptr;
}

}  // namespace

Facts infer_facts(const Graph& g, const Model& m, const std::map<std::string, TypeInfo>* outer) {
  Facts f;
  if (outer) f.types = *outer;
  for (auto& [name, t] : g.initializers) {
    f.types[name] = TypeInfo::of(t);
    if (!overridable(g, m, name)) f.values[name] = t;
  }
  for (const ValueInfo& v : g.inputs)
    if (!g.initializers.count(v.name) || v.type.has_rank()) f.types[v.name] = v.type;
  for (const Node& node : g.nodes) {
    const int64_t opset = m.opset(node.domain);
    ops::InferContext ctx(node, opset);
    bool all_known = true;
    int64_t elems = 0;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        ctx.inputs.emplace_back();
        ctx.values.push_back(nullptr);
        continue;
      }
      auto t = f.types.find(in);
      ctx.inputs.push_back(t == f.types.end() ? TypeInfo{} : t->second);
      auto c = f.values.find(in);
      ctx.values.push_back(c == f.values.end() ? nullptr : &c->second);
      if (c == f.values.end()) all_known = false;
      else elems += c->second.numel();
    }
    const bool inferred = ops::find_infer(node.domain, node.op_type, opset) != nullptr && ops::infer_node(ctx).ok();
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const std::string& out = node.outputs[i];
      if (out.empty()) continue;
      if (inferred && i < ctx.outputs.size() && (ctx.outputs[i].dtype != DType::Undefined || ctx.outputs[i].has_rank())) {
        f.types[out] = ctx.outputs[i];
      } else if (const ValueInfo* vi = g.find_value_info(out)) {
        f.types[out] = vi->type;
      }
    }
    if (!inferred) continue;
    // Shape and Size of a value whose shape is known are constants.
    if (auto v = shape_value(node, opset, ctx.inputs.empty() ? nullptr : &ctx.inputs[0])) {
      f.values[node.outputs[0]] = *v;
      continue;
    }
    if (!all_known || elems > kMaxAnalysisElements || !can_fold(node)) continue;
    auto outs = evaluate_node(node, opset, ctx);
    if (!outs.ok()) continue;
    for (size_t i = 0; i < node.outputs.size() && i < outs->size(); ++i)
      if (!node.outputs[i].empty() && (*outs)[i].defined()) {
        f.values[node.outputs[i]] = (*outs)[i];
        f.types[node.outputs[i]] = TypeInfo::of((*outs)[i]);
      }
  }
  return f;
}

}  // namespace sz0::passes

// Float16 models computed in float32; see upcast.h.
#include "runtime/upcast.h"

#include <sz0/session.h>

#include "ops/op.h"
#include "passes/pass.h"

#include <set>

namespace sz0 {

namespace {

constexpr int64_t kOnnxFloat = static_cast<int64_t>(DType::Float);
constexpr int64_t kOnnxHalf = static_cast<int64_t>(DType::Float16);

bool has_half(const Model& m) {
  for (auto& [name, t] : m.graph.initializers)
    if (t.dtype() == DType::Float16) return true;
  for (const ValueInfo& v : m.graph.inputs)
    if (v.type.dtype == DType::Float16) return true;
  for (const Node& n : m.graph.nodes) {
    if (n.op_type == "Cast" && n.attr_int("to", 0) == kOnnxHalf) return true;
    if (const Tensor* t = n.attr_tensor("value"); t && t->dtype() == DType::Float16) return true;
  }
  return false;
}

// Ops whose output type comes from an attribute (beyond Cast, Constant, ConstantOfShape) or that
// carry subgraphs: their float16 meaning cannot be kept by retyping values.
bool blocks_upcast(const Node& n) {
  static const std::set<std::string> kTyped = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                               "EyeLike", "Multinomial", "Bernoulli"};
  return !passes::is_onnx_domain(n.domain) || kTyped.count(n.op_type) || passes::has_subgraph(n);
}

}  // namespace

bool upcast_float16(Model& model) {
  // The rewrite adds Casts: a build holding only some op families may lack them.
  if (!has_half(model) || !ops::is_supported("", "Cast", model.opset(""))) return false;
  Graph& g = model.graph;
  std::set<std::string> produced;
  for (const Node& n : g.nodes) {
    if (blocks_upcast(n)) return false;
    produced.insert(n.outputs.begin(), n.outputs.end());
  }
  // A float16 output must come from a node (not straight from an input or an initializer), so a
  // Cast back to float16 can take its place.
  for (const ValueInfo& out : g.outputs)
    if (out.type.dtype == DType::Float16 && !produced.count(out.name)) return false;
  passes::NameGen names(model);
  std::vector<Node> head, tail;
  for (auto& [name, t] : g.initializers)
    if (t.dtype() == DType::Float16) t = t.cast(DType::Float);
  for (Node& n : g.nodes) {
    if (n.op_type == "Cast" && n.attr_int("to", 0) == kOnnxHalf) n.set_attr(passes::make_attr_int("to", kOnnxFloat));
    for (Attribute& a : n.attributes)
      if (a.kind == Attribute::Kind::Tensor && a.t.dtype() == DType::Float16) a.t = a.t.cast(DType::Float);
  }
  // Inputs: the caller still feeds float16; outputs: the caller still gets float16.
  std::map<std::string, std::string> renamed;
  for (ValueInfo& in : g.inputs) {
    if (in.type.dtype != DType::Float16 || g.initializers.count(in.name)) continue;
    const std::string f = names.fresh(in.name + "_float");
    Node c = passes::make_node("Cast", {in.name}, {f}, names.fresh(in.name + "_to_float"));
    c.attributes.push_back(passes::make_attr_int("to", kOnnxFloat));
    head.push_back(std::move(c));
    renamed[in.name] = f;
  }
  if (!renamed.empty()) passes::rename_reads(g, renamed);
  for (ValueInfo& out : g.outputs) {
    if (out.type.dtype != DType::Float16) continue;
    const std::string f = names.fresh(out.name + "_float");
    for (Node& n : g.nodes)
      for (std::string& o : n.outputs)
        if (o == out.name) o = f;
    for (Node& n : g.nodes)
      for (std::string& i : n.inputs)
        if (i == out.name) i = f;
    Node c = passes::make_node("Cast", {f}, {out.name}, names.fresh(out.name + "_to_half"));
    c.attributes.push_back(passes::make_attr_int("to", kOnnxHalf));
    tail.push_back(std::move(c));
  }
  // Declared intermediate types are stale now; inference recomputes them.
  for (ValueInfo& v : g.value_info)
    if (v.type.dtype == DType::Float16) v.type.dtype = DType::Float;
  std::vector<Node> nodes = std::move(head);
  for (Node& n : g.nodes) nodes.push_back(std::move(n));
  for (Node& n : tail) nodes.push_back(std::move(n));
  g.nodes = std::move(nodes);
  // The Casts that fenced float32 ops inside the float16 graph now cast float to float: as
  // Identity they go (the optimizer forwards them), and Conv → BatchNormalization folds again.
  auto types = infer_graph(g, model, {});
  if (types.ok())
    for (Node& n : g.nodes) {
      if (n.op_type != "Cast" || n.attr_int("to", 0) != kOnnxFloat || n.inputs.empty()) continue;
      auto it = types->types.find(n.inputs[0]);
      if (it == types->types.end() || it->second.dtype != DType::Float) continue;
      n.op_type = "Identity";
      n.attributes.clear();
    }
  return true;
}

}  // namespace sz0

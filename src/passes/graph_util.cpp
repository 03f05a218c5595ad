// Small helpers shared by the passes and by the session's basic simplification.
#include "passes/pass.h"

#include <cmath>
#include <cstring>

namespace sz0::passes {

namespace {

void rename_in(Graph& g, const std::map<std::string, std::string>& to, bool rename_outputs) {
  for (Node& n : g.nodes) {
    for (std::string& in : n.inputs)
      if (auto it = to.find(in); it != to.end()) in = it->second;
    for (Graph* sg : subgraphs(n)) {
      // A subgraph that defines one of the names itself means its own value there.
      std::set<std::string> defs;
      collect_defs(*sg, defs);
      std::map<std::string, std::string> inner;
      for (auto& [from, dst] : to)
        if (!defs.count(from)) inner.emplace(from, dst);
      if (!inner.empty()) rename_in(*sg, inner, true);
    }
  }
  // Subgraph outputs are positional (If, Loop, Scan): one naming an outer value may follow it.
  if (rename_outputs)
    for (ValueInfo& v : g.outputs)
      if (auto it = to.find(v.name); it != to.end()) v.name = it->second;
}

}  // namespace

void collect_reads(const Graph& g, std::set<std::string>& reads) {
  for (const Node& n : g.nodes) {
    for (const std::string& in : n.inputs)
      if (!in.empty()) reads.insert(in);
    collect_subgraph_reads(n, reads);
  }
  for (const ValueInfo& v : g.outputs) reads.insert(v.name);
}

void collect_subgraph_reads(const Node& n, std::set<std::string>& reads) {
  for (const Graph* sg : subgraphs(n)) collect_reads(*sg, reads);
}

void collect_defs(const Graph& g, std::set<std::string>& defs) {
  for (const ValueInfo& v : g.inputs) defs.insert(v.name);
  for (auto& [name, t] : g.initializers) defs.insert(name);
  for (const Node& n : g.nodes)
    for (const std::string& o : n.outputs)
      if (!o.empty()) defs.insert(o);
}

void rename_reads(Graph& g, const std::map<std::string, std::string>& to) {
  if (!to.empty()) rename_in(g, to, false);
}

std::vector<Graph*> subgraphs(Node& n) {
  std::vector<Graph*> out;
  for (Attribute& a : n.attributes) {
    if (a.g) out.push_back(a.g.get());
    for (auto& sg : a.graphs)
      if (sg) out.push_back(sg.get());
  }
  return out;
}

std::vector<const Graph*> subgraphs(const Node& n) {
  std::vector<const Graph*> out;
  for (const Attribute& a : n.attributes) {
    if (a.g) out.push_back(a.g.get());
    for (auto& sg : a.graphs)
      if (sg) out.push_back(sg.get());
  }
  return out;
}

bool has_subgraph(const Node& n) {
  for (const Attribute& a : n.attributes)
    if (a.g || !a.graphs.empty()) return true;
  return false;
}

bool is_onnx_domain(std::string_view d) { return d.empty() || d == "ai.onnx"; }
bool is_recurrent_op(std::string_view op) { return op == "RNN" || op == "GRU" || op == "LSTM"; }

bool is_passthrough(const Node& n) {
  if (!is_onnx_domain(n.domain) || n.inputs.empty() || n.inputs[0].empty() || n.outputs.empty()) return false;
  if (n.op_type == "Identity") return n.outputs.size() == 1;
  if (n.op_type == "Dropout") return !n.has_output(1) && !n.has_input(2);
  return false;
}

bool is_nondeterministic(const Node& n) {
  static const std::set<std::string> kOps = {"RandomNormal", "RandomUniform", "RandomNormalLike",
                                             "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"};
  return !is_onnx_domain(n.domain) || kOps.count(n.op_type) > 0;
}

std::optional<Tensor> constant_node_value(const Node& n) {
  if (!is_onnx_domain(n.domain) || n.op_type != "Constant") return std::nullopt;
  if (const Tensor* t = n.attr_tensor("value")) {
    if (!t->defined() || t->dtype() == DType::String) return std::nullopt;
    return *t;
  }
  if (const Attribute* a = n.attr("value_float"); a && a->kind == Attribute::Kind::Float) return Tensor::scalar<float>(a->f);
  if (const Attribute* a = n.attr("value_int"); a && a->kind == Attribute::Kind::Int) return Tensor::scalar<int64_t>(a->i);
  if (const Attribute* a = n.attr("value_floats"); a && a->kind == Attribute::Kind::Floats) return Tensor::from_vector(a->floats);
  if (const Attribute* a = n.attr("value_ints"); a && a->kind == Attribute::Kind::Ints) return Tensor::from_vector(a->ints);
  return std::nullopt;
}

bool tensors_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.raw() == b.raw()) return true;
  return std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

bool attributes_equal(const Attribute& a, const Attribute& b) {
  if (a.name != b.name || a.kind != b.kind || a.ref_attr_name != b.ref_attr_name) return false;
  using K = Attribute::Kind;
  switch (a.kind) {
    case K::Float: return std::memcmp(&a.f, &b.f, sizeof a.f) == 0;  // bitwise: NaN and -0 stay apart
    case K::Int: return a.i == b.i;
    case K::String: return a.s == b.s;
    case K::Tensor: return tensors_equal(a.t, b.t);
    case K::Floats:
      return a.floats.size() == b.floats.size() &&
             (a.floats.empty() || std::memcmp(a.floats.data(), b.floats.data(), a.floats.size() * sizeof(float)) == 0);
    case K::Ints: return a.ints == b.ints;
    case K::Strings: return a.strings == b.strings;
    case K::Tensors:
      if (a.tensors.size() != b.tensors.size()) return false;
      for (size_t i = 0; i < a.tensors.size(); ++i)
        if (!tensors_equal(a.tensors[i], b.tensors[i])) return false;
      return true;
    case K::Opaque: return a.opaque == b.opaque;
    default: return false;  // graphs are never compared
  }
}

int64_t known_numel(const TypeInfo* t) {
  if (!t || !t->fully_known()) return -1;
  return shape_numel(t->concrete());
}

std::vector<double> as_doubles(const Tensor& t) { return t.to_double(); }

Tensor from_doubles(const std::vector<double>& v, const Shape& shape, DType dtype) {
  Tensor d(DType::Double, shape);
  for (size_t i = 0; i < v.size() && static_cast<int64_t>(i) < d.numel(); ++i) d.data<double>()[i] = v[i];
  return dtype == DType::Double ? d : d.cast(dtype);
}

bool is_scalar_value(const Tensor* t, double want, double tol) {
  if (!t || t->numel() != 1 || t->dtype() == DType::String) return false;
  const double v = t->get_double(0);
  return std::fabs(v - want) <= tol * std::max(1.0, std::fabs(want));
}

void count_ops(const Graph& g, std::map<std::string, int>& ops, int64_t& params) {
  for (auto& [name, t] : g.initializers) params += t.numel();
  for (const Node& n : g.nodes) {
    ++ops[is_onnx_domain(n.domain) ? n.op_type : n.domain + ":" + n.op_type];
    for (const Graph* sg : subgraphs(n)) count_ops(*sg, ops, params);
  }
}

Graph deep_copy(const Graph& g) {
  Graph c = g;
  for (Node& n : c.nodes)
    for (Attribute& a : n.attributes) {
      if (a.g) a.g = std::make_shared<Graph>(deep_copy(*a.g));
      for (auto& sg : a.graphs)
        if (sg) sg = std::make_shared<Graph>(deep_copy(*sg));
    }
  return c;
}

namespace {
void collect_names(const Graph& g, std::set<std::string>& used) {
  collect_defs(g, used);
  collect_reads(g, used);
  for (const Node& n : g.nodes) {
    if (!n.name.empty()) used.insert(n.name);
    for (const Graph* sg : subgraphs(n)) collect_names(*sg, used);
  }
}
}  // namespace

NameGen::NameGen(const Model& m) { collect_names(m.graph, used_); }

std::string NameGen::fresh(const std::string& base) {
  for (;;) {
    std::string name = fmt::format("{}_opt{}", base, next_++);
    if (used_.insert(name).second) return name;
  }
}

Node make_node(std::string op, std::vector<std::string> inputs, std::vector<std::string> outputs, std::string name) {
  Node n;
  n.op_type = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.name = std::move(name);
  return n;
}

Attribute make_attr_int(std::string name, int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Int;
  a.i = v;
  return a;
}

Attribute make_attr_float(std::string name, float v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Float;
  a.f = v;
  return a;
}

Attribute make_attr_ints(std::string name, std::vector<int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Ints;
  a.ints = std::move(v);
  return a;
}

Attribute make_attr_floats(std::string name, std::vector<float> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Floats;
  a.floats = std::move(v);
  return a;
}

Attribute make_attr_string(std::string name, std::string v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::String;
  a.s = std::move(v);
  return a;
}

}  // namespace sz0::passes

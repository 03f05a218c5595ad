#include <sz0/model_info.h>
#include <sz0/session.h>

namespace sz0 {

namespace {

void histogram(const Graph& g, std::map<std::string, int>& h, int64_t& params, int64_t& bytes) {
  for (auto& [name, t] : g.initializers) {
    params += t.numel();
    bytes += static_cast<int64_t>(t.nbytes());
  }
  for (const Node& n : g.nodes) {
    ++h[n.domain.empty() ? n.op_type : n.domain + ":" + n.op_type];
    for (const Attribute& a : n.attributes) {
      if (a.g) histogram(*a.g, h, params, bytes);
      for (auto& sg : a.graphs) histogram(*sg, h, params, bytes);
    }
  }
}

int64_t numel_of(const TypeInfo* t) {
  if (!t || !t->fully_known()) return -1;
  return shape_numel(t->concrete());
}

}  // namespace

int64_t node_macs(const Node& n, const std::map<std::string, TypeInfo>& types) {
  auto type = [&](size_t i, bool out) -> const TypeInfo* {
    const auto& names = out ? n.outputs : n.inputs;
    if (i >= names.size() || names[i].empty()) return nullptr;
    auto it = types.find(names[i]);
    return it == types.end() ? nullptr : &it->second;
  };
  const std::string& op = n.op_type;
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv") {
    const size_t w = op == "QLinearConv" ? 3 : 1;
    const TypeInfo* wt = type(w, false);
    const int64_t out = numel_of(type(0, true));
    if (!wt || !wt->fully_known() || out < 0) return -1;
    const Shape ws = wt->concrete();  // [M, C/g, k...]
    return out * (shape_numel(ws) / ws[0]);
  }
  if (op == "ConvTranspose") {
    const TypeInfo* wt = type(1, false);
    const int64_t in = numel_of(type(0, false));
    if (!wt || !wt->fully_known() || in < 0) return -1;
    const Shape ws = wt->concrete();  // [C, M/g, k...]
    return in * (shape_numel(ws) / ws[0]);
  }
  if (op == "MatMul" || op == "Gemm" || op == "MatMulInteger" || op == "QLinearMatMul") {
    const TypeInfo* a = type(0, false);
    const int64_t out = numel_of(type(0, true));
    if (!a || !a->fully_known() || out < 0) return -1;
    const Shape as = a->concrete();
    if (as.empty()) return 0;
    const bool ta = op == "Gemm" && n.attr_int("transA", 0);
    const int64_t k = ta && as.size() == 2 ? as[0] : as.back();
    return out * k;
  }
  if (op == "LSTM" || op == "GRU" || op == "RNN") {
    const TypeInfo* x = type(0, false);
    const TypeInfo* w = type(1, false);
    const TypeInfo* r = type(2, false);
    if (!x || !w || !r || !x->fully_known() || !w->fully_known() || !r->fully_known()) return -1;
    const Shape xs = x->concrete(), ws = w->concrete(), rs = r->concrete();
    const int64_t steps = xs[0] * xs[1];  // seq * batch (layout does not change the product)
    return steps * (shape_numel(ws) + shape_numel(rs));
  }
  return 0;
}

ModelInfo analyze_model(const Model& model, const std::map<std::string, Shape>& input_shapes) {
  ModelInfo info;
  histogram(model.graph, info.op_histogram, info.parameters, info.parameter_bytes);
  std::map<std::string, Shape> shapes = input_shapes;
  for (const ValueInfo* v : model.graph.runtime_inputs()) {
    if (shapes.count(v->name) || !v->type.shape) continue;
    Shape s;
    for (const Dim& d : *v->type.shape) s.push_back(d.known() ? d.value : 1);
    shapes[v->name] = s;
  }
  auto types = infer_graph(model.graph, model, shapes);
  if (!types.ok()) {
    info.notes.push_back("shape inference stopped: " + types.status().message());
    info.macs_complete = false;
  }
  int64_t macs = 0;
  for (const Node& n : model.graph.nodes) {
    const int64_t m = types.ok() ? node_macs(n, types->types) : -1;
    if (m < 0) info.macs_complete = false;
    else macs += m;
  }
  info.macs = macs;
  return info;
}

}  // namespace sz0

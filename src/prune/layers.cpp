// The weights the pruner may change, and their matrix view.
#include "prune/layers.h"

#include "passes/pass.h"

#include <map>

namespace sz0::prune {

namespace {

const Tensor* float_initializer(const Model& model, const std::string& name) {
  auto it = model.graph.initializers.find(name);
  if (it == model.graph.initializers.end() || it->second.dtype() != DType::Float) return nullptr;
  return &it->second;
}

}  // namespace

std::optional<WeightRef> weight_ref(const Model& model, size_t node, int input) {
  const Node& n = model.graph.nodes[node];
  if (!n.has_input(static_cast<size_t>(input)) || !n.domain.empty()) return std::nullopt;
  const Tensor* t = float_initializer(model, n.inputs[static_cast<size_t>(input)]);
  if (!t) return std::nullopt;
  WeightRef w;
  w.node = node;
  w.input = input;
  w.name = n.inputs[static_cast<size_t>(input)];
  const Shape& s = t->shape();
  if (n.op_type == "Conv" && input == 1 && s.size() >= 3) {
    w.rows = s[0];
    w.kernel = 1;
    for (size_t i = 2; i < s.size(); ++i) w.kernel *= s[i];
    w.cols = s[1] * w.kernel;
    w.group = n.attr_int("group", 1);
  } else if (n.op_type == "Gemm" && input == 1 && s.size() == 2) {
    const bool trans_b = n.attr_int("transB", 0) != 0;
    w.rows = trans_b ? s[0] : s[1];
    w.cols = trans_b ? s[1] : s[0];
    w.transposed = !trans_b;
  } else if (n.op_type == "MatMul" && input == 1 && s.size() == 2) {
    w.rows = s[1];
    w.cols = s[0];
    w.transposed = true;
  } else if (passes::is_recurrent_op(n.op_type) && (input == 1 || input == 2) && s.size() == 3) {
    w.rows = s[0] * s[1];
    w.cols = s[2];
    w.directions = s[0];
  } else {
    return std::nullopt;
  }
  if (w.rows * w.cols != t->numel() || t->numel() == 0) return std::nullopt;
  return w;
}

int lift_constants(Model& model) {
  Graph& g = model.graph;
  int moved = 0;
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (Node& n : g.nodes) {
    const Tensor* t = n.domain.empty() && n.op_type == "Constant" && n.outputs.size() == 1 && n.attributes.size() == 1
                          ? n.attr_tensor("value")
                          : nullptr;
    if (t && dtype_is_float(t->dtype()) && !g.find_output(n.outputs[0]) && !g.initializers.count(n.outputs[0])) {
      g.initializers[n.outputs[0]] = *t;
      ++moved;
      continue;
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  return moved;
}

std::vector<WeightRef> prunable_weights(const Model& model) {
  const Graph& g = model.graph;
  std::map<std::string, int> readers;
  for (const Node& n : g.nodes)
    for (const std::string& in : n.inputs)
      if (!in.empty()) ++readers[in];
  std::vector<WeightRef> out;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int input : {1, 2}) {
      auto w = weight_ref(model, i, input);
      if (!w || readers[w->name] != 1 || g.find_output(w->name)) continue;
      out.push_back(*w);
    }
  }
  return out;
}

std::vector<float> weight_matrix(const Model& model, const WeightRef& w) {
  const float* p = model.graph.initializers.at(w.name).data<float>();
  std::vector<float> m(static_cast<size_t>(w.rows * w.cols));
  for (int64_t r = 0; r < w.rows; ++r)
    for (int64_t c = 0; c < w.cols; ++c) m[static_cast<size_t>(r * w.cols + c)] = p[w.index(r, c)];
  return m;
}

void set_weight_matrix(Model& model, const WeightRef& w, const std::vector<float>& m) {
  Tensor& t = model.graph.initializers.at(w.name);
  // Initializers may share their buffer with the loaded file: write into a private copy.
  Tensor copy(DType::Float, t.shape());
  float* p = copy.data<float>();
  for (int64_t r = 0; r < w.rows; ++r)
    for (int64_t c = 0; c < w.cols; ++c) p[w.index(r, c)] = m[static_cast<size_t>(r * w.cols + c)];
  t = std::move(copy);
}

}  // namespace sz0::prune

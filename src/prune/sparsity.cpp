// Sparsity of a model's weights, and the parameter and MAC counts pruning reports.
#include "prune/layers.h"
#include "prune/masks.h"
#include "prune/stats.h"

#include <sz0/model_info.h>
#include <sz0/prune.h>
#include <sz0/session.h>

namespace sz0::prune {

int64_t float_params(const Model& model) {
  int64_t n = 0;
  for (const auto& [name, t] : model.graph.initializers)
    if (dtype_is_float(t.dtype())) n += t.numel();
  return n;
}

std::map<std::string, Shape> concrete_input_shapes(const Model& model, std::map<std::string, Shape> input_shapes) {
  for (const ValueInfo* in : model.graph.runtime_inputs()) {
    if (input_shapes.count(in->name) || !in->type.has_rank()) continue;
    Shape s;
    for (const Dim& d : *in->type.shape) s.push_back(d.known() ? d.value : 1);
    input_shapes[in->name] = s;
  }
  return input_shapes;
}

std::map<std::string, int64_t> node_macs(const Model& model, const std::map<std::string, Shape>& input_shapes) {
  std::map<std::string, int64_t> macs;
  auto types = infer_graph(model.graph, model, concrete_input_shapes(model, input_shapes));
  if (!types.ok()) return macs;
  for (const Node& n : model.graph.nodes) {
    if (!n.domain.empty()) continue;
    const int64_t m = sz0::node_macs(n, types->types);
    if (m > 0) macs[n.name] = m;
  }
  return macs;
}

}  // namespace sz0::prune

namespace sz0 {

SparsityReport model_sparsity(const Model& stored) {
  // Weights held in Constant nodes count as the initializers they are.
  Model model = stored;
  prune::lift_constants(model);
  SparsityReport r;
  for (const auto& [name, t] : model.graph.initializers) {
    if (!dtype_is_float(t.dtype())) continue;
    r.params += t.numel();
    for (int64_t i = 0; i < t.numel(); ++i) r.zeros += t.get_double(i) == 0;
  }
  for (const prune::WeightRef& w : prune::prunable_weights(model)) {
    const Node& n = model.graph.nodes[w.node];
    const std::vector<float> m = prune::weight_matrix(model, w);
    LayerSparsity l;
    l.node = n.name;
    l.op_type = n.op_type;
    l.weight = w.name;
    l.params = w.rows * w.cols;
    l.zeros = prune::count_zeros(m);
    l.out_channels = w.rows;
    l.in_channels = w.cols / std::max<int64_t>(w.kernel, 1);
    l.nm_2_4 = prune::satisfies_nm(m, w, 2, 4);
    r.prunable_params += l.params;
    r.prunable_zeros += l.zeros;
    r.layers.push_back(std::move(l));
  }
  return r;
}

}  // namespace sz0

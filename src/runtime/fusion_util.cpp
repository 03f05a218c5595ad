#include "runtime/fusion_util.h"

#include "ops/internal.h"
#include "passes/pass.h"
#include "passes/patterns.h"

#include <algorithm>

#include <set>
#include <string>

namespace sz0 {

std::map<std::string, WrittenOutActivation> written_out_activations(const passes::GraphView& v) {
  std::map<std::string, WrittenOutActivation> out;
  for (int i = 0; i < v.size(); ++i) {
    if (auto g = passes::match_gelu(v, i)) out.emplace(g->x, WrittenOutActivation{"Gelu", g->nodes, g->output});
    else if (auto s = passes::match_silu(v, i)) out.emplace(s->x, WrittenOutActivation{"Silu", s->nodes, s->output});
    else if (auto h = passes::match_hard_swish(v, i)) out.emplace(h->x, WrittenOutActivation{"HardSwish", h->nodes, h->output});
  }
  return out;
}

bool readers_within(const passes::GraphView& v, const std::string& name, const std::vector<int>& nodes) {
  auto readers = v.only_readers(name);
  if (!readers) return false;
  return std::all_of(readers->begin(), readers->end(),
                     [&](int r) { return std::find(nodes.begin(), nodes.end(), r) != nodes.end(); });
}

bool is_fusable_activation(const std::string& op_type) {
  static const std::set<std::string> kFusable = {"Relu", "LeakyRelu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid", "Tanh"};
  return kFusable.count(op_type) > 0;
}

std::optional<std::vector<float>> activation_params(const Node& a, int64_t opset,
                                                    const std::function<const Tensor*(const std::string&)>& constant) {
  if (a.op_type == "LeakyRelu") return std::vector<float>{a.attr_float("alpha", 0.01f)};
  if (a.op_type == "HardSigmoid") return std::vector<float>{a.attr_float("alpha", 0.2f), a.attr_float("beta", 0.5f)};
  if (a.op_type == "Clip") {
    if (opset < 11) return std::vector<float>{a.attr_float("min", -3.4028235e38f), a.attr_float("max", 3.4028235e38f)};
    std::vector<float> p = {-3.4028235e38f, 3.4028235e38f};
    for (size_t k = 1; k <= 2; ++k) {
      if (!a.has_input(k)) continue;
      const Tensor* t = constant(a.inputs[k]);
      if (!t || t->numel() != 1 || t->dtype() != DType::Float) return std::nullopt;
      p[k - 1] = t->data<float>()[0];
    }
    return p;
  }
  return std::vector<float>{};
}

void set_activation(Node& n, const std::string& act, const std::vector<float>& params) {
  if (act.empty()) return;
  n.attributes.push_back(passes::make_attr_string("activation", act));
  if (!params.empty()) n.attributes.push_back(passes::make_attr_floats("activation_params", params));
}

int apply_runtime_patch(Model& model, passes::Patch patch) {
  const int rewrites = patch.rewrites;
  if (rewrites == 0) return 0;
  Graph g = model.graph;
  if (!passes::apply_patch(g, std::move(patch)).ok()) return 0;
  model.graph = std::move(g);
  if (model.opset(ops::kInternalDomain) == 0) model.opsets.push_back({std::string(ops::kInternalDomain), 1});
  return rewrites;
}

}  // namespace sz0

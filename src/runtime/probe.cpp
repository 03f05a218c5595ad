// TensorProbe: intermediate tensors of a model as graph outputs of an unoptimized session.
#include "runtime/probe.h"

#include <set>

namespace sz0 {

Result<TensorProbe> TensorProbe::create(const Model& model, const std::vector<std::string>& tensors,
                                        const std::map<std::string, Shape>& input_shapes) {
  Model copy = model;
  std::set<std::string> visible;
  for (const ValueInfo& v : copy.graph.outputs) visible.insert(v.name);
  for (const ValueInfo* v : copy.graph.runtime_inputs()) visible.insert(v->name);
  for (const auto& [name, t] : copy.graph.initializers) visible.insert(name);
  for (const std::string& t : tensors)
    if (visible.insert(t).second) copy.graph.outputs.push_back({t, TypeInfo{DType::Float, {}}, ""});
  SessionOptions so;
  so.optimize = false;
  so.plan_memory = false;  // results are read after the run
  so.threads = 1;
  so.input_shapes = input_shapes;
  SZ0_ASSIGN(auto session, Session::create(std::move(copy), so));
  TensorProbe p;
  p.session_ = std::move(session);
  p.graph_ = &p.session_->model().graph;
  return p;
}

Result<std::map<std::string, const Tensor*>> TensorProbe::run(const std::map<std::string, Tensor>& feeds) {
  feeds_ = feeds;
  for (auto& [name, t] : feeds_)
    if (t.dtype() != DType::Float && dtype_is_float(t.dtype())) t = t.cast(DType::Float);
  SZ0_ASSIGN(results_, session_->run(feeds_));
  std::map<std::string, const Tensor*> values;
  for (const auto& [name, t] : graph_->initializers) values[name] = &t;
  for (const auto& [name, t] : feeds_) values[name] = &t;
  const auto& outs = session_->outputs();
  for (size_t i = 0; i < results_.size() && i < outs.size(); ++i) values[outs[i].name] = &results_[i];
  return values;
}

}  // namespace sz0

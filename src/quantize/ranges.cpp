// Activation ranges: runs the float model and records the largest |value| of each float tensor,
// which tells the FP16 converter where float16's range (65504) would overflow.
#include <sz0/builder.h>
#include <sz0/quantize.h>
#include <sz0/session.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sz0 {

std::map<std::string, Tensor> generated_sample(const Model& model, uint32_t seed, const std::map<std::string, Shape>& shapes) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo* v : model.graph.runtime_inputs()) {
    Shape shape;
    if (auto it = shapes.find(v->name); it != shapes.end())
      shape = it->second;
    else if (v->type.shape)
      for (const Dim& d : *v->type.shape) shape.push_back(d.known() ? d.value : 1);
    const DType dtype = v->type.dtype == DType::Undefined ? DType::Float : v->type.dtype;
    // One stream per input name: adding an input does not change the others.
    SeededRandom rng(seed, v->name);
    Tensor d(DType::Double, shape);
    for (int64_t i = 0; i < d.numel(); ++i) {
      if (dtype_is_float(dtype)) d.data<double>()[i] = rng.uniform(-1.0, 1.0);
      else if (dtype == DType::Bool) d.data<double>()[i] = rng.next_u32() & 1u;
      else d.data<double>()[i] = rng.next_u32() % 10u;
    }
    feeds[v->name] = d.cast(dtype);
  }
  return feeds;
}

namespace {

double max_abs(const Tensor& t) {
  if (!dtype_is_float(t.dtype())) return 0;
  double m = 0;
  if (t.dtype() == DType::Float) {
    for (float v : t.span<float>()) {
      // NaN and Inf count as out of range: the converter must not make them worse.
      if (!std::isfinite(v)) return INFINITY;
      m = std::max(m, static_cast<double>(std::fabs(v)));
    }
    return m;
  }
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.get_double(i);
    if (!std::isfinite(v)) return INFINITY;
    m = std::max(m, std::fabs(v));
  }
  return m;
}

}  // namespace

Result<std::map<std::string, double>> activation_ranges(const Model& model,
                                                        const std::vector<std::map<std::string, Tensor>>& samples) {
  std::map<std::string, double> ranges;
  for (auto& [name, t] : model.graph.initializers) ranges[name] = max_abs(t);
  if (samples.empty()) return ranges;

  // Input shapes from the first sample fix the symbolic dims for inference.
  std::map<std::string, Shape> shapes;
  for (auto& [name, t] : samples.front()) shapes[name] = t.shape();
  SZ0_ASSIGN(GraphTypes types, infer_graph(model.graph, model, shapes));

  // Every float value a node writes becomes a graph output, so one run shows them all. The
  // session runs unoptimized: fusions would hide the intermediate values.
  Model probe = model;
  std::set<std::string> listed;
  for (const ValueInfo& o : probe.graph.outputs) listed.insert(o.name);
  for (const Node& n : probe.graph.nodes)
    for (const std::string& out : n.outputs) {
      if (out.empty() || listed.count(out)) continue;
      auto it = types.types.find(out);
      if (it == types.types.end() || !dtype_is_float(it->second.dtype)) continue;
      probe.graph.outputs.push_back({out, it->second, ""});
      listed.insert(out);
    }
  SessionOptions so;
  so.optimize = false;
  so.threads = 1;
  so.input_shapes = shapes;
  SZ0_ASSIGN(auto session, Session::create(std::move(probe), so));
  const auto& outs = session->outputs();
  for (const auto& feeds : samples) {
    for (auto& [name, t] : feeds) ranges[name] = std::max(ranges[name], max_abs(t));
    SZ0_ASSIGN(auto results, session->run(feeds));
    for (size_t i = 0; i < results.size() && i < outs.size(); ++i)
      ranges[outs[i].name] = std::max(ranges[outs[i].name], max_abs(results[i]));
  }
  return ranges;
}

}  // namespace sz0

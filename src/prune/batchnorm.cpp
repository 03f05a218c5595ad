// BatchNormalization statistics re-estimated after structured pruning, by moment matching.
//
// An inference-mode BatchNormalization computes y = γ (x − μ) / σ + β with σ = √(var + ε). On
// the data, the reference model's x has per-channel mean m_r and deviation s_r, the pruned
// model's m_p and s_p. Choosing σ' = σ · s_p / s_r and μ' = m_p − (m_r − μ) · s_p / s_r gives the
// pruned y the reference y's mean and deviation: the shift and scale the removed inputs caused
// are taken out. With data from the training distribution this is the usual re-estimation of
// the statistics; with other data it still only corrects towards the original model.
#include "prune/stages.h"

#include "runtime/probe.h"

#include <cmath>

namespace sz0::prune {

namespace {

struct Moments {
  std::vector<double> sum, sq;
  double count = 0;  // values per channel
};

// Per-channel (axis 1) moments of `tensors` when `model` runs on every sample.
Result<std::map<std::string, Moments>> channel_moments(const Model& model, const std::vector<std::string>& tensors,
                                                       const SampleStream& stream,
                                                       const std::map<std::string, Shape>& shapes) {
  SZ0_ASSIGN(TensorProbe probe, TensorProbe::create(model, tensors, shapes));
  std::map<std::string, Moments> m;
  for (const std::string& t : tensors) m[t];
  for (size_t s = 0; s < stream.count; ++s) {
    SZ0_ASSIGN(auto feeds, stream.read(s));
    auto values = probe.run(feeds);
    if (!values.ok()) return values.status().context(fmt::format("calibration sample {}", s));
    for (auto& [name, mo] : m) {
      auto it = values->find(name);
      if (it == values->end()) continue;
      const Tensor& t = *it->second;
      if (t.dtype() != DType::Float || t.rank() < 2) continue;
      const int64_t n = t.dim(0), c = t.dim(1), inner = t.numel() / std::max<int64_t>(n * c, 1);
      if (mo.sum.empty()) mo.sum.assign(static_cast<size_t>(c), 0), mo.sq.assign(static_cast<size_t>(c), 0);
      if (static_cast<int64_t>(mo.sum.size()) != c) continue;
      const float* x = t.data<float>();
      for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch) {
          const float* p = x + (b * c + ch) * inner;
          double s1 = 0, s2 = 0;
          for (int64_t k = 0; k < inner; ++k) s1 += p[k], s2 += static_cast<double>(p[k]) * p[k];
          mo.sum[static_cast<size_t>(ch)] += s1;
          mo.sq[static_cast<size_t>(ch)] += s2;
        }
      mo.count += static_cast<double>(n * inner);
    }
  }
  return m;
}

}  // namespace

Status reestimate_batchnorm(const Model& reference, Model& pruned,
                            const std::map<std::string, std::vector<int64_t>>& kept, const SampleStream& stream,
                            const std::map<std::string, Shape>& shapes) {
  std::vector<std::string> inputs;
  for (const Node& n : pruned.graph.nodes)
    if (n.op_type == "BatchNormalization" && n.domain.empty() && n.inputs.size() >= 5 && n.outputs.size() == 1)
      inputs.push_back(n.inputs[0]);
  if (inputs.empty() || stream.count == 0) return {};
  SZ0_ASSIGN(auto ref, channel_moments(reference, inputs, stream, shapes));
  // One BatchNormalization at a time, in graph order, each measured after the ones before it
  // were corrected: corrected together, each would also undo a shift its predecessors' own
  // corrections already removed (measured: a MobileNet's cosine fell from 0.68 to 0.21).
  for (Node& n : pruned.graph.nodes) {
    if (n.op_type != "BatchNormalization" || n.outputs.size() != 1 || n.inputs.size() < 5) continue;
    const Moments& r = ref[n.inputs[0]];
    SZ0_ASSIGN(auto now, channel_moments(pruned, {n.inputs[0]}, stream, shapes));
    const Moments& p = now[n.inputs[0]];
    auto mean_it = pruned.graph.initializers.find(n.inputs[3]);
    auto var_it = pruned.graph.initializers.find(n.inputs[4]);
    if (r.count == 0 || p.count == 0 || mean_it == pruned.graph.initializers.end() ||
        var_it == pruned.graph.initializers.end() || mean_it->second.dtype() != DType::Float ||
        var_it->second.dtype() != DType::Float)
      continue;
    const int64_t c = static_cast<int64_t>(p.sum.size());
    auto k = kept.find(n.inputs[0]);
    if (mean_it->second.numel() != c || var_it->second.numel() != c) continue;
    if (k != kept.end() && static_cast<int64_t>(k->second.size()) != c) continue;
    if (k == kept.end() && static_cast<int64_t>(r.sum.size()) != c) continue;
    const float eps = n.attr_float("epsilon", 1e-5f);
    Tensor mean = mean_it->second.clone(), var = var_it->second.clone();
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t rc = static_cast<size_t>(k != kept.end() ? k->second[static_cast<size_t>(ch)] : ch);
      const double mr = r.sum[rc] / r.count, vr = std::max(r.sq[rc] / r.count - mr * mr, 0.0);
      const double mp = p.sum[static_cast<size_t>(ch)] / p.count;
      const double vp = std::max(p.sq[static_cast<size_t>(ch)] / p.count - mp * mp, 0.0);
      // A channel the data never moves (constant in either model) keeps its statistics.
      if (vr < 1e-12 || vp < 1e-12) continue;
      const double ratio = std::sqrt(vp / vr);
      const double mu = mean.data<float>()[ch], sigma = std::sqrt(static_cast<double>(var.data<float>()[ch]) + eps);
      const double sigma_new = sigma * ratio;
      mean.data<float>()[ch] = static_cast<float>(mp - (mr - mu) * ratio);
      var.data<float>()[ch] = static_cast<float>(std::max(sigma_new * sigma_new - eps, 0.0));
    }
    mean_it->second = std::move(mean);
    var_it->second = std::move(var);
  }
  return {};
}

}  // namespace sz0::prune

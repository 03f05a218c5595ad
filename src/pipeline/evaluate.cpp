// Agreement of two sessions' outputs over streamed samples, with accuracy on labels.
#include <sz0/evaluate.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sz0 {

namespace {

int64_t argmax_row(const Tensor& t, int64_t row) {
  const int64_t cols = t.dim(1);
  int64_t best = 0;
  for (int64_t j = 1; j < cols; ++j)
    if (t.get_double(row * cols + j) > t.get_double(row * cols + best)) best = j;
  return best;
}

}  // namespace

double ModelAgreement::reference_accuracy() const {
  return labelled_rows ? static_cast<double>(reference_correct) / static_cast<double>(labelled_rows) : -1.0;
}
double ModelAgreement::candidate_accuracy() const {
  return labelled_rows ? static_cast<double>(candidate_correct) / static_cast<double>(labelled_rows) : -1.0;
}
// NaN (a reference output that is not finite) wins over any number: no gate passes on it.
double ModelAgreement::min_cosine() const {
  double v = 1;
  for (const OutputAgreement& a : per_output) v = std::isnan(a.cosine()) || std::isnan(v) ? NAN : std::min(v, a.cosine());
  return v;
}
double ModelAgreement::min_sqnr_db() const {
  double v = std::numeric_limits<double>::infinity();
  for (const OutputAgreement& a : per_output) v = std::isnan(a.sqnr_db()) || std::isnan(v) ? NAN : std::min(v, a.sqnr_db());
  return per_output.empty() ? 0.0 : v;
}
double ModelAgreement::max_abs_error() const {
  double v = 0;
  for (const OutputAgreement& a : per_output) v = std::max(v, a.max_abs);
  return v;
}
bool ModelAgreement::finite() const {
  return std::all_of(per_output.begin(), per_output.end(), [](const OutputAgreement& a) { return a.finite; });
}
double ModelAgreement::top1_agreement() const {
  int64_t rows = 0, same = 0;
  for (const OutputAgreement& a : per_output)
    if (a.class_scores) rows += a.rows, same += a.top1_same;
  return rows ? static_cast<double>(same) / static_cast<double>(rows) : -1.0;
}

std::map<std::string, Tensor> feeds_for(const Model& model, const std::map<std::string, Tensor>& sample) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo* v : model.graph.runtime_inputs()) {
    auto it = sample.find(v->name);
    if (it == sample.end()) continue;
    const bool same = v->type.dtype == DType::Undefined || v->type.dtype == it->second.dtype();
    feeds[v->name] = same ? it->second : it->second.cast(v->type.dtype);
  }
  return feeds;
}

Result<std::shared_ptr<const Dataset>> open_dataset(const std::string& dir, const Model& model) {
  std::vector<std::string> names;
  for (const ValueInfo* v : model.graph.runtime_inputs()) names.push_back(v->name);
  SZ0_ASSIGN(Dataset d, Dataset::open(dir, names));
  return std::make_shared<const Dataset>(std::move(d));
}

SampleStream dataset_stream(std::shared_ptr<const Dataset> data, const Model& model, std::vector<size_t> indices) {
  std::vector<std::string> names;
  for (const ValueInfo* v : model.graph.runtime_inputs()) names.push_back(v->name);
  if (indices.empty())
    for (size_t i = 0; i < data->size(); ++i) indices.push_back(i);
  const size_t count = indices.size();
  return SampleStream{count, [data, names, indices = std::move(indices)](size_t i) -> Result<std::map<std::string, Tensor>> {
                        if (i >= indices.size()) return error("{}: sample {} of {}", data->dir(), i, indices.size());
                        SZ0_ASSIGN(Sample s, data->read(indices[i]));
                        for (const std::string& n : names)
                          if (!s.inputs.count(n)) return error("sample '{}' lacks input '{}'", s.id, n);
                        return std::move(s.inputs);
                      }};
}

Result<ModelAgreement> compare_sessions(Session& reference, Session& candidate, const SampleStream& samples,
                                        const std::vector<int64_t>& labels, const std::string& reference_name,
                                        const std::string& candidate_name, const std::string& labels_name) {
  if (reference.outputs().size() != candidate.outputs().size())
    return error("{}: {} outputs, but {} has {}", candidate_name, candidate.outputs().size(), reference_name,
                 reference.outputs().size());
  ModelAgreement m;
  for (const ValueInfo& v : reference.outputs()) m.outputs.push_back(v.name);
  m.per_output.resize(m.outputs.size());
  int64_t label_output = -1;
  double sample_cosine_sum = 0;
  int64_t sample_cosines = 0;
  for (size_t s = 0; s < samples.count; ++s) {
    SZ0_ASSIGN(auto sample, samples.read(s));
    auto r = reference.run(feeds_for(reference.model(), sample));
    if (!r.ok()) return r.status().context(reference_name);
    auto c = candidate.run(feeds_for(candidate.model(), sample));
    if (!c.ok()) return c.status().context(candidate_name);
    for (size_t i = 0; i < r->size(); ++i) {
      const Tensor& rt = (*r)[i];
      const Tensor& ct = (*c)[i];
      if (rt.shape() != ct.shape())
        return error("{}: output '{}' has shape {}, reference {}", candidate_name, candidate.outputs()[i].name,
                     shape_str(ct.shape()), shape_str(rt.shape()));
      OutputAgreement one;
      one.add(rt, ct);
      m.worst_sample_cosine = std::isnan(one.cosine()) ? NAN : std::min(m.worst_sample_cosine, one.cosine());
      sample_cosine_sum += one.cosine();
      ++sample_cosines;
      m.per_output[i].merge(one);
      if (labels.empty() || !one.class_scores) continue;
      if (label_output >= 0 && label_output != static_cast<int64_t>(i)) continue;
      label_output = static_cast<int64_t>(i);
      for (int64_t row = 0; row < rt.dim(0); ++row, ++m.labelled_rows) {
        if (m.labelled_rows >= static_cast<int64_t>(labels.size()))
          return error("{}: {} labels, but the samples have more rows of output '{}'", labels_name, labels.size(),
                       m.outputs[i]);
        const int64_t want = labels[static_cast<size_t>(m.labelled_rows)];
        m.reference_correct += argmax_row(rt, row) == want;
        m.candidate_correct += argmax_row(ct, row) == want;
      }
    }
    ++m.samples;
  }
  if (sample_cosines) m.mean_sample_cosine = sample_cosine_sum / static_cast<double>(sample_cosines);
  if (!labels.empty()) {
    if (label_output < 0)
      return error("{}: no output holds class scores ([rows, classes]) to score labels against", reference_name);
    m.label_output = m.outputs[static_cast<size_t>(label_output)];
    if (m.labelled_rows != static_cast<int64_t>(labels.size()))
      return error("{}: {} labels for {} rows of output '{}'", labels_name, labels.size(), m.labelled_rows, m.label_output);
  }
  return m;
}

}  // namespace sz0

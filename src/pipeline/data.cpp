// The pipeline's samples: DATA split into calibration and evaluation halves (or a separate
// calibration set), labels for the evaluation rows, or generated inputs without DATA.
#include <sz0/evaluate.h>

#include "pipeline/internal.h"

namespace sz0::pipeline {

namespace {

SampleStream generated_stream(const Model& model, uint32_t first_seed, size_t count,
                              const std::map<std::string, Shape>& shapes) {
  return SampleStream{count, [&model, first_seed, shapes](size_t i) -> Result<std::map<std::string, Tensor>> {
                        return generated_sample(model, first_seed + static_cast<uint32_t>(i), shapes);
                      }};
}

}  // namespace

Result<Data> prepare_data(const Model& original, const PipelineOptions& o) {
  Data d;
  if (o.data.empty()) {
    if (!o.calib.empty()) return error("a calibration set needs evaluation DATA too (--data)");
    if (!o.labels.empty()) return error("labels belong to DATA samples: give --data");
    const size_t n = static_cast<size_t>(std::max(1, o.generated_samples));
    for (const auto& [name, shape] : o.input_shapes) {
      const auto inputs = original.graph.runtime_inputs();
      if (std::none_of(inputs.begin(), inputs.end(), [&](const ValueInfo* v) { return v->name == name; }))
        return error("--shape {}: the model has no input of that name", name);
    }
    // The streams refer to `original`, which outlives them: the runner owns both.
    d.calib = generated_stream(original, o.seed + 1, n, o.input_shapes);
    d.eval = generated_stream(original, o.seed + 100001, n, o.input_shapes);
    d.note = fmt::format("no DATA: {} generated samples calibrate and {} others evaluate (floats uniform in [-1, 1)); "
                         "give real samples (--data) for figures that mean something",
                         n, n);
  } else {
    if (!o.input_shapes.empty()) return error("--shape sizes generated inputs: DATA samples have their own shapes");
    SZ0_ASSIGN(auto data, open_dataset(o.data, original));
    const size_t n = data->size();
    std::vector<size_t> eval_idx;
    if (!o.calib.empty()) {
      SZ0_ASSIGN(auto calib, open_dataset(o.calib, original));
      d.calib = dataset_stream(calib, original);
      d.eval = dataset_stream(data, original);
      for (size_t i = 0; i < n; ++i) eval_idx.push_back(i);
      d.note = fmt::format("{} samples of {} calibrate; {} samples of {} evaluate", calib->size(), o.calib, n, o.data);
    } else if (n >= 2) {
      std::vector<size_t> calib_idx;
      for (size_t i = 0; i < n; ++i) (i < n / 2 ? calib_idx : eval_idx).push_back(i);
      d.calib = dataset_stream(data, original, calib_idx);
      d.eval = dataset_stream(data, original, eval_idx);
      d.note = fmt::format("{}: the first {} samples calibrate, the other {} evaluate (held out)", o.data,
                           calib_idx.size(), eval_idx.size());
    } else {
      d.calib = dataset_stream(data, original);
      d.eval = dataset_stream(data, original);
      eval_idx = {0};
      d.note = fmt::format("{}: one sample, which both calibrates and evaluates (not held out)", o.data);
    }
    if (!o.labels.empty()) {
      std::vector<std::string> ids;
      for (size_t i = 0; i < n; ++i) ids.push_back(data->id(i));
      SZ0_ASSIGN(std::vector<int64_t> all, read_labels(o.labels, ids));
      if (all.size() % n != 0)
        return error("{}: {} labels for {} samples (expected the same number of rows in every sample)", o.labels,
                     all.size(), n);
      const size_t rows = all.size() / n;
      for (size_t i : eval_idx)
        d.eval_labels.insert(d.eval_labels.end(), all.begin() + static_cast<std::ptrdiff_t>(i * rows),
                             all.begin() + static_cast<std::ptrdiff_t>((i + 1) * rows));
      d.note += fmt::format("; labels from {}", o.labels);
    }
  }
  SZ0_ASSIGN(d.timing_sample, d.eval.read(0));
  for (const auto& [name, t] : d.timing_sample) d.shapes[name] = t.shape();
  return d;
}

}  // namespace sz0::pipeline

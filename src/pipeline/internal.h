// Shared pieces of the recipe and automatic pipelines: the data split, building one step,
// evaluating and timing variants.
#pragma once

#include <sz0/pipeline.h>
#include <sz0/session.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sz0::pipeline {

// Calibration and evaluation samples, streamed; labels for the evaluation rows.
struct Data {
  SampleStream calib, eval;
  std::vector<int64_t> eval_labels;
  std::map<std::string, Tensor> timing_sample;  // the first evaluation sample
  std::map<std::string, Shape> shapes;          // its input shapes
  std::string note;                             // which samples do what, for the report
};
Result<Data> prepare_data(const Model& original, const PipelineOptions& o);

// "cosine 0.97120 < min_cosine 0.99"; "" when every gate holds.
std::string gate_failure(const Gates& g, const Variant& v);

class Runner {
 public:
  static Result<std::unique_ptr<Runner>> create(const PipelineOptions& o, const std::string& model_path);

  const Model& original() const { return original_; }
  const Data& data() const { return data_; }
  const PipelineOptions& options() const { return o_; }
  // The original as variant 0, evaluated against itself (accuracy with labels).
  Result<Variant> original_variant(const std::string& name);
  // Applies one prune/quantize/optimize step to `model`; returns what was done, in words.
  Result<std::string> apply(Model& model, const PipelineStep& step) const;
  // Fidelity of `model` against the original, then the gates (fills v.gate_failure).
  Status evaluate(Variant& v, const Model& model, const Gates& gates);
  // <output_dir>/<stem>.<tags joined by '.'>.onnx
  std::string path_for(const std::vector<std::string>& tags) const;
  // Writes the model (temporary + rename) and fills v.path, file_bytes and parameters.
  Status save(Variant& v, const Model& model) const;
  // Times every built variant on the timing sample in interleaved rounds; fills `bench`, or
  // `error` for a variant that fails to run, and `timed_runs` with the runs each one got.
  Status time_all(std::vector<Variant>& variants, int& timed_runs) const;
  // A benchmark step's run on one variant: its iterations, batch sweep and concurrency.
  Status benchmark(Variant& v, const PipelineStep& step) const;
  void log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }
  PipelineResult result_skeleton(bool automatic) const;

 private:
  Runner(const PipelineOptions& o, std::string path, Model original, Data data);
  PipelineOptions o_;
  std::string path_, stem_;
  Model original_;
  Data data_;
  std::unique_ptr<Session> reference_;
};

}  // namespace sz0::pipeline

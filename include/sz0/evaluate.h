// How far a candidate model's outputs are from a reference's over samples, and accuracy on
// labels: what `sz0 compare` reports and what the pipeline's gates check.
#pragma once

#include <sz0/io.h>
#include <sz0/quantize.h>  // OutputAgreement, SampleStream
#include <sz0/session.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sz0 {

struct ModelAgreement {
  int samples = 0;
  std::vector<std::string> outputs;  // reference output names, graph order
  std::vector<OutputAgreement> per_output;
  // With labels: the first output holding class scores ([rows, classes]) is scored.
  std::string label_output;
  int64_t labelled_rows = 0, reference_correct = 0, candidate_correct = 0;
  // Cosine of each output on each sample on its own: the worst and the mean.
  double worst_sample_cosine = 1, mean_sample_cosine = 1;

  double reference_accuracy() const;  // -1 without labels
  double candidate_accuracy() const;  // -1 without labels
  // The worst output: lowest cosine and SQNR, largest error; finite when every output is.
  double min_cosine() const;
  double min_sqnr_db() const;
  double max_abs_error() const;
  bool finite() const;
  double top1_agreement() const;  // over the class-score outputs; -1 when none
};

// A DATA directory listed for the runtime inputs of `model` (samples read later, one at a time).
Result<std::shared_ptr<const Dataset>> open_dataset(const std::string& dir, const Model& model);

// The sample's tensors cast to the input types `model` declares (a float16-input model gets
// float16); inputs the sample lacks are left out.
std::map<std::string, Tensor> feeds_for(const Model& model, const std::map<std::string, Tensor>& sample);

// Samples of a DATA directory (those at `indices`, in that order; every one when empty) read one
// at a time; a sample lacking a runtime input of `model` is an error naming both.
SampleStream dataset_stream(std::shared_ptr<const Dataset> data, const Model& model, std::vector<size_t> indices = {});

// Runs both sessions on every sample (read one at a time) and accumulates each output's
// agreement. `labels` (optional) holds one class index per row of the reference's first
// class-score output, over the samples in order. Errors name the model (`reference_name`,
// `candidate_name`) that failed, the output whose shapes differ, or the labels (`labels_name`).
Result<ModelAgreement> compare_sessions(Session& reference, Session& candidate, const SampleStream& samples,
                                        const std::vector<int64_t>& labels, const std::string& reference_name,
                                        const std::string& candidate_name, const std::string& labels_name = "labels");

}  // namespace sz0

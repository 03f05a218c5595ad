// sz0 compare REF CAND [--data DATA] [--labels FILE] [--json FILE] [--iterations N]
// Runs two models (say a float32 model and its quantized copy) in sz0 on the same inputs and
// reports how far the candidate's outputs are from the reference's, and the size and speed ratios.
#include "cli/common.h"

#include <sz0/bench.h>
#include <sz0/evaluate.h>
#include <sz0/io.h>
#include <sz0/onnx.h>
#include <sz0/quantize.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct CompareArgs {
  std::string ref;
  std::string cand;
  std::string data;
  std::string json;
  std::string labels;
  int iterations = 20;
};

constexpr uint32_t kSeed = 0;  // generated inputs: fixed, so runs are comparable

nlohmann::json metrics(const OutputAgreement& a) {
  nlohmann::json j;
  j["cosine"] = a.cosine();
  j["sqnr_db"] = a.sqnr_db();
  j["max_abs_error"] = a.max_abs;
  j["mean_abs_error"] = a.mean_abs_error();
  j["elements"] = a.count;
  j["finite"] = a.finite;
  if (a.class_scores) j["top1_agreement"] = a.top1_agreement();
  return j;
}

Status compare(const CompareArgs& a) {
  if (a.iterations < 1) return error("--iterations must be at least 1");
  SZ0_ASSIGN(Model ref_model, load_model(a.ref));
  SZ0_ASSIGN(Model cand_model, load_model(a.cand));
  std::vector<std::map<std::string, Tensor>> samples;
  std::vector<std::string> sample_ids;
  if (!a.data.empty()) {
    std::vector<std::string> names;
    for (const ValueInfo* v : ref_model.graph.runtime_inputs()) names.push_back(v->name);
    SZ0_ASSIGN(auto ds, read_dataset(a.data, names));
    if (ds.empty()) return error("{}: no samples", a.data);
    for (auto& s : ds) {
      sample_ids.push_back(s.id);
      samples.push_back(std::move(s.inputs));
    }
  } else {
    samples.push_back(generated_sample(ref_model, kSeed));
  }
  std::map<std::string, Shape> shapes;
  for (auto& [name, t] : samples.front()) shapes[name] = t.shape();
  SessionOptions so;
  so.threads = 1;  // latency ratio on one thread: the least noisy comparison
  so.input_shapes = shapes;
  auto ref = Session::create(ref_model, so);
  if (!ref.ok()) return ref.status().context(a.ref);
  auto cand = Session::create(cand_model, so);
  if (!cand.ok()) return cand.status().context(a.cand);

  std::vector<int64_t> labels;
  if (!a.labels.empty()) {
    if (a.data.empty()) return error("--labels needs --data: labels belong to the DATA samples");
    SZ0_ASSIGN(labels, read_labels(a.labels, sample_ids));
  }
  const SampleStream stream{samples.size(), [&samples](size_t i) -> Result<std::map<std::string, Tensor>> { return samples[i]; }};
  auto agreement = compare_sessions(**ref, **cand, stream, labels, a.ref, a.cand, a.labels);
  if (!agreement.ok()) return agreement.status();
  const ModelAgreement& m = *agreement;
  // Interleaved (short chunks of each in turn), so a slow phase of the machine skews neither.
  const auto times = time_interleaved({ref->get(), cand->get()},
                                      {feeds_for(ref_model, samples.front()), feeds_for(cand_model, samples.front())},
                                      a.iterations, std::min(a.iterations, 10));
  if (!times[0].status.ok()) return times[0].status.context(a.ref);
  if (!times[1].status.ok()) return times[1].status.context(a.cand);
  const double ref_ms = summarize_latency(times[0].ms).median, cand_ms = summarize_latency(times[1].ms).median;
  std::error_code ec;
  const double ref_size = static_cast<double>(std::filesystem::file_size(a.ref, ec));
  const double cand_size = static_cast<double>(std::filesystem::file_size(a.cand, ec));

  nlohmann::json j;
  j["reference"] = a.ref;
  j["candidate"] = a.cand;
  j["samples"] = samples.size();
  j["outputs"] = nlohmann::json::array();
  for (size_t i = 0; i < m.per_output.size(); ++i) {
    nlohmann::json o = metrics(m.per_output[i]);
    o["name"] = m.outputs[i];
    j["outputs"].push_back(o);
  }
  if (!labels.empty())
    j["accuracy"] = {{"output", m.label_output},
                     {"rows", m.labelled_rows},
                     {"reference", m.reference_accuracy()},
                     {"candidate", m.candidate_accuracy()}};
  j["file_size_ratio"] = ref_size > 0 ? cand_size / ref_size : 0.0;
  j["latency_ms"] = {{"reference_median", ref_ms}, {"candidate_median", cand_ms}};
  j["latency_ratio"] = ref_ms > 0 ? cand_ms / ref_ms : 0.0;
  j["threads"] = 1;

  std::printf("compared    %s (reference) with %s on %zu sample%s\n", a.ref.c_str(), a.cand.c_str(), samples.size(),
              samples.size() == 1 ? "" : "s");
  std::printf("\n  %-24s %10s %10s %12s %12s %8s\n", "output", "cosine", "SQNR dB", "max |err|", "mean |err|", "top-1");
  for (const auto& m : j["outputs"]) {
    const std::string top1 = m.contains("top1_agreement") ? fmt::format("{:.3f}", m["top1_agreement"].get<double>()) : "-";
    std::printf("  %-24s %10.6f %10.2f %12.4g %12.4g %8s\n", m["name"].get<std::string>().c_str(),
                m["cosine"].get<double>(), m["sqnr_db"].get<double>(), m["max_abs_error"].get<double>(),
                m["mean_abs_error"].get<double>(), top1.c_str());
  }
  if (j.contains("accuracy"))
    std::printf("\naccuracy    reference %.4f, candidate %.4f (%lld labelled rows of '%s')\n",
                j["accuracy"]["reference"].get<double>(), j["accuracy"]["candidate"].get<double>(),
                static_cast<long long>(m.labelled_rows), j["accuracy"]["output"].get<std::string>().c_str());
  std::printf("\nfile size   ratio %.3f (candidate / reference)\n", j["file_size_ratio"].get<double>());
  std::printf("latency     ratio %.3f (median %.3f ms / %.3f ms, 1 thread, %zu runs each, interleaved)\n",
              j["latency_ratio"].get<double>(), cand_ms, ref_ms, times[0].ms.size());
  if (!a.json.empty()) SZ0_TRY(write_file_atomic(a.json, j.dump(2) + "\n"));
  return {};
}

}  // namespace

void add_compare(CLI::App& app, int& rc) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "Compare a candidate model's outputs, size and speed with a reference");
  cmd->add_option("ref", args->ref, "Reference ONNX model")->required();
  cmd->add_option("cand", args->cand, "Candidate ONNX model (e.g. quantized)")->required();
  cmd->add_option("--data", args->data, "Samples (DATA directory); default: generated inputs, fixed seed");
  cmd->add_option("--json", args->json, "Write the metrics as JSON");
  cmd->add_option("--labels", args->labels, "Class labels (one index per line, or CSV sample,label): adds accuracy");
  cmd->add_option("--iterations", args->iterations, "Timed runs per model (default 20)");
  cmd->callback([args, &rc]() {
    Status s = compare(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

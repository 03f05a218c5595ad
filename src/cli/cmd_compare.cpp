// sz0 compare REF CAND [--data DATA] [--labels FILE] [--json FILE] [--iterations N]
// Runs two models (say a float32 model and its quantized copy) in sz0 on the same inputs and
// reports how far the candidate's outputs are from the reference's, and the size and speed ratios.
#include "cli/common.h"

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

// --labels FILE: either one class index per line (blank lines and '#' comments skipped), one per
// row of the class-score output, samples in DATA order; or CSV lines "sample,label[,...]" (a
// header line allowed, as `sz0 zoo data` writes), one label per sample id, put in DATA order.
Result<std::vector<int64_t>> read_labels(const std::string& path, const std::vector<std::string>& sample_ids) {
  SZ0_ASSIGN(std::string text, read_file_bytes(path));
  std::vector<int64_t> labels;
  std::map<std::string, int64_t> by_id;
  bool csv = false;
  size_t pos = 0;
  int line_no = 0;
  auto parse_index = [&](const std::string& field, int64_t& v) {
    char* stop = nullptr;
    const long long x = std::strtoll(field.c_str(), &stop, 10);
    v = x;
    return stop != field.c_str() && *stop == '\0' && x >= 0;
  };
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (line.empty()) continue;
    int64_t v = 0;
    if (const size_t comma = line.find(','); comma != std::string::npos) {
      csv = true;
      const size_t next = line.find(',', comma + 1);
      const std::string id = line.substr(0, comma);
      const std::string field = line.substr(comma + 1, next == std::string::npos ? std::string::npos : next - comma - 1);
      if (!parse_index(field, v)) {
        if (by_id.empty()) continue;  // a header line
        return error("{}:{}: expected a class index in the second column, got '{}'", path, line_no, field);
      }
      by_id[id] = v;
      continue;
    }
    if (!parse_index(line, v)) return error("{}:{}: expected a class index, got '{}'", path, line_no, line);
    labels.push_back(v);
  }
  if (csv) {
    for (const std::string& id : sample_ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) return error("{}: no label for sample '{}'", path, id);
      labels.push_back(it->second);
    }
  }
  if (labels.empty()) return error("{}: no labels", path);
  return labels;
}

int64_t argmax_row(const Tensor& t, int64_t row) {
  const int64_t cols = t.dim(1);
  int64_t best = 0;
  for (int64_t j = 1; j < cols; ++j)
    if (t.get_double(row * cols + j) > t.get_double(row * cols + best)) best = j;
  return best;
}

// The sample's tensors cast to the types `model` declares (a float16-input candidate gets float16).
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

Result<double> median_ms(Session& s, const std::map<std::string, Tensor>& feeds, int iterations, const std::string& path) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < 2; ++i) {  // warm-up: first runs plan memory and pack weights
    auto r = s.run(feeds);
    if (!r.ok()) return r.status().context(path);
  }
  std::vector<double> t;
  for (int i = 0; i < iterations; ++i) {
    const auto t0 = Clock::now();
    auto r = s.run(feeds);
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r.ok()) return r.status().context(path);
  }
  std::sort(t.begin(), t.end());
  return t.size() % 2 ? t[t.size() / 2] : (t[t.size() / 2 - 1] + t[t.size() / 2]) / 2;
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
  const std::vector<ValueInfo> ref_outputs = ref_model.graph.outputs;
  auto ref = Session::create(ref_model, so);
  if (!ref.ok()) return ref.status().context(a.ref);
  auto cand = Session::create(cand_model, so);
  if (!cand.ok()) return cand.status().context(a.cand);
  if ((*ref)->outputs().size() != (*cand)->outputs().size())
    return error("{}: {} outputs, but {} has {}", a.cand, (*cand)->outputs().size(), a.ref, (*ref)->outputs().size());

  std::vector<int64_t> labels;
  if (!a.labels.empty()) {
    if (a.data.empty()) return error("--labels needs --data: labels belong to the DATA samples");
    SZ0_ASSIGN(labels, read_labels(a.labels, sample_ids));
  }
  std::vector<OutputAgreement> acc((*ref)->outputs().size());
  int64_t labelled = 0, ref_correct = 0, cand_correct = 0, label_output = -1;
  for (const auto& s : samples) {
    auto r = (*ref)->run(feeds_for(ref_model, s));
    if (!r.ok()) return r.status().context(a.ref);
    auto c = (*cand)->run(feeds_for(cand_model, s));
    if (!c.ok()) return c.status().context(a.cand);
    for (size_t i = 0; i < r->size(); ++i) {
      if ((*r)[i].shape() != (*c)[i].shape())
        return error("{}: output '{}' has shape {}, reference {}", a.cand, (*cand)->outputs()[i].name,
                     shape_str((*c)[i].shape()), shape_str((*r)[i].shape()));
      acc[i].add((*r)[i], (*c)[i]);
      // Accuracy on the first output holding class scores.
      const Tensor& rt = (*r)[i];
      if (!labels.empty() && rt.rank() == 2 && rt.dim(1) > 1 && (label_output < 0 || label_output == static_cast<int64_t>(i))) {
        label_output = static_cast<int64_t>(i);
        for (int64_t row = 0; row < rt.dim(0); ++row, ++labelled) {
          if (labelled >= static_cast<int64_t>(labels.size()))
            return error("{}: {} labels, but the samples have more rows", a.labels, labels.size());
          ref_correct += argmax_row(rt, row) == labels[labelled];
          cand_correct += argmax_row((*c)[i], row) == labels[labelled];
        }
      }
    }
  }
  SZ0_ASSIGN(double ref_ms, median_ms(**ref, feeds_for(ref_model, samples.front()), a.iterations, a.ref));
  SZ0_ASSIGN(double cand_ms, median_ms(**cand, feeds_for(cand_model, samples.front()), a.iterations, a.cand));
  std::error_code ec;
  const double ref_size = static_cast<double>(std::filesystem::file_size(a.ref, ec));
  const double cand_size = static_cast<double>(std::filesystem::file_size(a.cand, ec));

  nlohmann::json j;
  j["reference"] = a.ref;
  j["candidate"] = a.cand;
  j["samples"] = samples.size();
  j["outputs"] = nlohmann::json::array();
  for (size_t i = 0; i < acc.size(); ++i) {
    nlohmann::json m = metrics(acc[i]);
    m["name"] = (*ref)->outputs()[i].name;
    j["outputs"].push_back(m);
  }
  if (!labels.empty()) {
    if (label_output < 0) return error("{}: no output holds class scores ([rows, classes]) to score labels against", a.ref);
    if (labelled != static_cast<int64_t>(labels.size()))
      return error("{}: {} labels for {} rows of output '{}'", a.labels, labels.size(), labelled,
                   (*ref)->outputs()[label_output].name);
    j["accuracy"] = {{"output", (*ref)->outputs()[label_output].name},
                     {"rows", labelled},
                     {"reference", static_cast<double>(ref_correct) / static_cast<double>(labelled)},
                     {"candidate", static_cast<double>(cand_correct) / static_cast<double>(labelled)}};
  }
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
                static_cast<long long>(labelled), j["accuracy"]["output"].get<std::string>().c_str());
  std::printf("\nfile size   ratio %.3f (candidate / reference)\n", j["file_size_ratio"].get<double>());
  std::printf("latency     ratio %.3f (median %.3f ms / %.3f ms, 1 thread, %d iterations)\n",
              j["latency_ratio"].get<double>(), cand_ms, ref_ms, a.iterations);
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

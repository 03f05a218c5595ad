// The recipe pipeline, and the runner both pipelines share: applying a step, evaluating a
// variant against the original and its gates, saving it, and timing variants in interleaved
// rounds.
#include <sz0/evaluate.h>
#include <sz0/onnx.h>

#include <chrono>
#include <filesystem>

#include "pipeline/internal.h"

namespace sz0 {

namespace fs = std::filesystem;

Gates merge_gates(const Gates& base, const Gates& over) {
  Gates g = base;
  if (over.min_cosine) g.min_cosine = over.min_cosine;
  if (over.min_sqnr_db) g.min_sqnr_db = over.min_sqnr_db;
  if (over.max_accuracy_drop) g.max_accuracy_drop = over.max_accuracy_drop;
  if (over.min_top1_agreement) g.min_top1_agreement = over.min_top1_agreement;
  return g;
}

std::string gates_text(const Gates& g) {
  std::vector<std::string> parts;
  if (g.min_cosine) parts.push_back(fmt::format("min_cosine {}", *g.min_cosine));
  if (g.min_sqnr_db) parts.push_back(fmt::format("min_sqnr_db {}", *g.min_sqnr_db));
  if (g.max_accuracy_drop) parts.push_back(fmt::format("max_accuracy_drop {}", *g.max_accuracy_drop));
  if (g.min_top1_agreement) parts.push_back(fmt::format("min_top1_agreement {}", *g.min_top1_agreement));
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::Prune: return "prune";
    case StepKind::Quantize: return "quantize";
    case StepKind::Optimize: return "optimize";
    case StepKind::Benchmark: return "benchmark";
  }
  return "?";
}

std::string step_tag(const PipelineStep& s) {
  switch (s.kind) {
    case StepKind::Prune: {
      const PruneOptions& p = s.prune;
      std::string tag = p.strategy == PruningStrategy::NM ? fmt::format("{}of{}", p.n, p.m)
                                                          : fmt::format("{}-{:g}", pruning_strategy_name(p.strategy), p.amount);
      return p.reconstruct ? tag + "-refit" : tag;
    }
    case StepKind::Quantize: {
      const QuantizeOptions& q = s.quantize;
      std::string tag = quantization_type_name(q.type);
      const bool int8 = q.type == QuantizationType::Int8Dynamic || q.type == QuantizationType::Int8Static;
      if (q.type == QuantizationType::Int8Static) tag += std::string("-") + calibration_method_name(q.method);
      if (int8 && !q.per_channel) tag += "-per-tensor";
      if (q.format == QuantFormat::QOperator) tag += "-qoperator";
      if (q.activation_type == DType::Int8) tag += "-s8";
      return tag;
    }
    case StepKind::Optimize:
      return s.optimize.level == OptLevel::All ? "opt" : "opt-" + std::string(opt_level_name(s.optimize.level));
    case StepKind::Benchmark: break;
  }
  return "";
}

namespace pipeline {

namespace {

using Clock = std::chrono::steady_clock;

int64_t weight_elements(const Model& m) {
  int64_t n = 0;
  for (const auto& [name, t] : m.graph.initializers)
    if (dtype_is_float(t.dtype()) || t.dtype() == DType::Int8 || t.dtype() == DType::UInt8) n += t.numel();
  return n;
}

constexpr size_t kMaxRangeSamples = 16;  // FP16/BF16 range observation: a few samples suffice

}  // namespace

std::string gate_failure(const Gates& g, const Variant& v) {
  if (!v.finite) return "outputs hold NaN or Inf";
  if (g.min_cosine && !(v.cosine >= *g.min_cosine))
    return fmt::format("cosine {:.5f} < min_cosine {}", v.cosine, *g.min_cosine);
  if (g.min_sqnr_db && !(v.sqnr_db >= *g.min_sqnr_db))
    return fmt::format("SQNR {:.2f} dB < min_sqnr_db {}", v.sqnr_db, *g.min_sqnr_db);
  if (g.min_top1_agreement) {
    if (v.top1_agreement < 0) return "min_top1_agreement: no output holds class scores ([rows, classes])";
    if (!(v.top1_agreement >= *g.min_top1_agreement))
      return fmt::format("top-1 agreement {:.4f} < min_top1_agreement {}", v.top1_agreement, *g.min_top1_agreement);
  }
  if (g.max_accuracy_drop && v.reference_accuracy >= 0) {
    const double drop = v.reference_accuracy - v.accuracy;
    if (!(drop <= *g.max_accuracy_drop + 1e-12))
      return fmt::format("accuracy drop {:.4f} ({:.4f} → {:.4f}) > max_accuracy_drop {}", drop, v.reference_accuracy,
                         v.accuracy, *g.max_accuracy_drop);
  }
  return "";
}

Runner::Runner(const PipelineOptions& o, std::string path, Model original, Data data)
    : o_(o), path_(std::move(path)), original_(std::move(original)), data_(std::move(data)) {
  stem_ = fs::path(path_).stem().string();
}

Result<std::unique_ptr<Runner>> Runner::create(const PipelineOptions& o, const std::string& model_path) {
  if (o.threads < 1) return error("threads must be at least 1");
  if (o.iterations < 1) return error("iterations must be at least 1");
  if (o.rounds < 1) return error("rounds must be at least 1");
  SZ0_TRY(validate_gates(o.gates).context("gates"));
  if (o.gates.max_accuracy_drop && o.labels.empty())
    return error("the max_accuracy_drop gate needs labels (--labels, or 'labels' in the recipe)");
  SZ0_ASSIGN(Model model, load_model(model_path));
  if (auto missing = unsupported_ops(model); !missing.empty())
    return error("{}: unsupported op {}", model_path, missing.front());
  std::unique_ptr<Runner> r(new Runner(o, model_path, std::move(model), Data{}));
  auto data = prepare_data(r->original_, o);  // streams may refer to r->original_, which stays put
  if (!data.ok()) return data.status();
  r->data_ = std::move(*data);
  SessionOptions so;
  so.threads = o.threads;
  so.input_shapes = r->data_.shapes;
  auto ref = Session::create(r->original_, so);
  if (!ref.ok()) return ref.status().context(model_path);
  r->reference_ = std::move(*ref);
  return r;
}

PipelineResult Runner::result_skeleton(bool automatic) const {
  PipelineResult r;
  r.model = path_;
  r.automatic = automatic;
  r.gates = o_.gates;
  r.latency_budget_ms = o_.latency_budget_ms;
  r.data_note = data_.note;
  r.threads = o_.threads;
  r.iterations = o_.iterations;  // time_all sets the count it timed
  r.rounds = o_.rounds;
  r.system = system_info();
  return r;
}

Result<Variant> Runner::original_variant(const std::string& name) {
  Variant v;
  v.name = name;
  v.steps = {"as given"};
  v.path = path_;
  std::error_code ec;
  v.file_bytes = static_cast<int64_t>(fs::file_size(path_, ec));
  v.parameters = weight_elements(original_);
  Status st = evaluate(v, original_, o_.gates);
  if (!st.ok() && o_.data.empty())
    return st.context("the original on generated inputs (symbolic dims 1 unless --shape NAME=DIMS sizes them)");
  SZ0_TRY(st);
  return v;
}

Result<std::string> Runner::apply(Model& model, const PipelineStep& step) const {
  switch (step.kind) {
    case StepKind::Prune: {
      PruneOptions po = step.prune;
      po.input_shapes = data_.shapes;
      if (po.reconstruct) po.stream = data_.calib;
      auto pruned = ModelPruner(po).prune(model);
      if (!pruned.ok()) {
        const bool quantized = std::any_of(model.graph.initializers.begin(), model.graph.initializers.end(),
                                           [](const auto& kv) { return kv.second.dtype() != DType::Float && dtype_is_float(kv.second.dtype()); }) ||
                               std::any_of(model.graph.nodes.begin(), model.graph.nodes.end(),
                                           [](const Node& n) { return n.op_type == "DequantizeLinear" || n.op_type == "DynamicQuantizeLinear"; });
        if (quantized) return error("{} (prune before quantizing: pruning works on float32 weights)", pruned.status().message());
        return pruned.status();
      }
      PruneReport& r = *pruned;
      if (r.strategy == PruningStrategy::Structured && r.groups_pruned == 0)
        return error("structured pruning found no channel group it could remove ({} groups, all blocked or too small)",
                     r.channel_groups);
      std::string what = fmt::format("prune {} {:g}: parameters {} → {}", pruning_strategy_name(r.strategy, po.n, po.m),
                                     r.strategy == PruningStrategy::NM ? 1.0 - static_cast<double>(po.n) / po.m : r.amount,
                                     r.params_before, r.params_after);
      if (r.macs_before > 0) what += fmt::format(", MACs ×{:.2f}", static_cast<double>(r.macs_after) / r.macs_before);
      if (r.reconstructed) what += fmt::format(", re-fitted on {} samples", r.samples);
      return what;
    }
    case StepKind::Quantize: {
      QuantizeOptions qo = step.quantize;
      if (qo.type == QuantizationType::Int8Static) {
        qo.stream = data_.calib;
      } else {
        for (size_t i = 0; i < data_.calib.count && i < kMaxRangeSamples; ++i) {
          SZ0_ASSIGN(auto s, data_.calib.read(i));
          qo.samples.push_back(std::move(s));
        }
      }
      SZ0_ASSIGN(QuantizeReport r, ModelQuantizer(qo).quantize(model));
      std::string what = fmt::format("quantize {}", quantization_type_name(r.type));
      if (r.type == QuantizationType::Int8Static)
        what += fmt::format(" ({}, {} calibration samples)", calibration_method_name(qo.method), qo.stream.count);
      what += fmt::format(": {} nodes converted", r.nodes_converted);
      if (!r.fenced.empty()) what += fmt::format(", {} kept float", r.fenced.size());
      if (!r.excluded.empty()) what += fmt::format(", {} excluded", r.excluded.size());
      return what;
    }
    case StepKind::Optimize: {
      SZ0_ASSIGN(OptimizeReport r, optimize_model(model, step.optimize));
      int rewrites = 0;
      for (const auto& [pass, n] : r.applied) rewrites += n;
      return fmt::format("optimize {}: {} rewrites", opt_level_name(step.optimize.level), rewrites);
    }
    case StepKind::Benchmark: break;
  }
  return error("a benchmark step makes no model");
}

Status Runner::evaluate(Variant& v, const Model& model, const Gates& gates) {
  SessionOptions so;
  so.threads = o_.threads;
  so.input_shapes = data_.shapes;
  SZ0_ASSIGN(auto cand, Session::create(model, so));
  SZ0_ASSIGN(ModelAgreement m, compare_sessions(*reference_, *cand, data_.eval, data_.eval_labels, "original", v.name, o_.labels));
  v.samples = m.samples;
  v.cosine = m.min_cosine();
  v.sqnr_db = m.min_sqnr_db();
  v.max_abs_error = m.max_abs_error();
  v.top1_agreement = m.top1_agreement();
  v.finite = m.finite();
  v.accuracy = m.candidate_accuracy();
  v.reference_accuracy = m.reference_accuracy();
  v.gate_failure = gate_failure(gates, v);
  return {};
}

std::string Runner::path_for(const std::vector<std::string>& tags) const {
  std::string name = stem_;
  for (const std::string& t : tags) name += "." + t;
  return (fs::path(o_.output_dir) / (name + ".onnx")).string();
}

Status Runner::save(Variant& v, const Model& model) const {
  std::error_code ec;
  fs::create_directories(o_.output_dir, ec);  // on the first model written: errors before leave nothing
  if (ec) return error("{}: cannot create the output directory: {}", o_.output_dir, ec.message());
  SZ0_TRY(save_model(model, v.path));
  v.file_bytes = static_cast<int64_t>(fs::file_size(v.path, ec));
  v.parameters = weight_elements(model);
  return {};
}

Status Runner::time_all(std::vector<Variant>& variants, int& timed_runs) const {
  // Start-up, memory and a first latency figure per variant from the benchmark.
  BenchmarkOptions bo;
  bo.threads = o_.threads;
  bo.warmup_iterations = 5;
  bo.iterations = 10;
  bo.fix_input_shapes = true;
  const PerformanceBenchmark bench(bo);
  std::vector<Variant*> timed;
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<std::map<std::string, Tensor>> feeds;
  SessionOptions so;
  so.threads = o_.threads;
  so.input_shapes = data_.shapes;
  for (Variant& v : variants) {
    if (!v.error.empty()) continue;
    Status st = [&]() -> Status {
      SZ0_ASSIGN(Model m, load_model(v.path));
      auto f = feeds_for(m, data_.timing_sample);
      SZ0_ASSIGN(BenchmarkResult r, bench.run(m, v.path, repeated_feeds(f)));
      r.model_mb = static_cast<double>(v.file_bytes) / (1024.0 * 1024.0);
      v.bench = std::move(r);
      SZ0_ASSIGN(auto s, Session::create(std::move(m), so));
      timed.push_back(&v);
      sessions.push_back(std::move(s));
      feeds.push_back(std::move(f));
      return {};
    }();
    if (!st.ok()) {  // recorded; the other variants go on
      v.error = "timing: " + st.message();
      v.bench.reset();
    }
  }
  // The steady state, interleaved (time_interleaved): the slow phases of a shared machine last
  // longer than a chunk, so they fall on every variant alike.
  std::vector<Session*> live;
  for (auto& s : sessions) live.push_back(s.get());
  const std::vector<InterleavedTimes> times = time_interleaved(live, feeds, o_.iterations, o_.rounds);
  for (size_t k = 0; k < timed.size(); ++k) {
    Variant& v = *timed[k];
    if (!times[k].status.ok()) {
      v.error = "timing: " + times[k].status.message();
      v.bench.reset();
      continue;
    }
    BenchmarkResult& r = *v.bench;
    timed_runs = static_cast<int>(times[k].ms.size());
    r.times_ms = times[k].ms;
    r.latency = summarize_latency(times[k].ms);
    r.throughput_qps = r.latency.mean > 0 ? 1000.0 / r.latency.mean : 0.0;
  }
  log(fmt::format("timed {} variants: {} runs each in {} interleaved rounds", timed.size(), timed_runs, o_.rounds));
  return {};
}

Status Runner::benchmark(Variant& v, const PipelineStep& step) const {
  BenchmarkOptions bo;
  bo.threads = o_.threads;
  bo.iterations = step.iterations > 0 ? step.iterations : o_.iterations;
  bo.concurrency = step.concurrency;
  SZ0_ASSIGN(Model m, load_model(v.path));
  if (!step.batches.empty()) relax_batch(m);
  const FeedFactory feeds = repeated_feeds(feeds_for(m, data_.timing_sample));
  const PerformanceBenchmark bench(bo);
  auto r = bench.run(m, v.path, feeds);
  if (!r.ok()) return r.status().context(v.name);
  r->model_mb = static_cast<double>(v.file_bytes) / (1024.0 * 1024.0);
  if (!step.batches.empty()) SZ0_TRY(bench.sweep_batches(m, feeds, step.batches, *r).context(v.name));
  v.detail = std::move(*r);
  return {};
}

}  // namespace pipeline

Result<PipelineResult> OptimizationPipeline::run(const std::string& model_path, const Recipe& recipe) const {
  PipelineOptions o = options_;
  if (o.data.empty()) o.data = recipe.data;
  if (o.calib.empty()) o.calib = recipe.calib;
  if (o.labels.empty()) o.labels = recipe.labels;
  o.gates = merge_gates(recipe.gates, options_.gates);
  if (recipe.threads) o.threads = *recipe.threads;
  if (recipe.iterations) o.iterations = *recipe.iterations;
  for (size_t i = 0; i < recipe.steps.size(); ++i)
    if (recipe.steps[i].gates.max_accuracy_drop && o.labels.empty())
      return error("step {} ({}): the max_accuracy_drop gate needs labels (--labels, or 'labels' in the recipe)", i + 1,
                   step_kind_name(recipe.steps[i].kind));
  SZ0_ASSIGN(auto runner, pipeline::Runner::create(o, model_path));
  PipelineResult result = runner->result_skeleton(false);
  SZ0_ASSIGN(Variant original, runner->original_variant("original"));
  result.variants.push_back(std::move(original));

  Model model = runner->original();
  std::vector<std::string> tags;
  std::vector<std::pair<size_t, const PipelineStep*>> benchmarks;  // variant index, step
  for (size_t i = 0; i < recipe.steps.size(); ++i) {
    const PipelineStep& step = recipe.steps[i];
    const std::string where = fmt::format("step {} ({}{}{})", i + 1, step_kind_name(step.kind), step.tag.empty() ? "" : " ",
                                          step.tag);
    if (step.kind == StepKind::Benchmark) {
      benchmarks.emplace_back(result.variants.size() - 1, &step);
      continue;
    }
    const auto t0 = pipeline::Clock::now();
    auto what = runner->apply(model, step);
    if (!what.ok()) return what.status().context(where);
    tags.push_back(step.tag);
    Variant v;
    v.name = fmt::format("{}", fmt::join(tags, " + "));
    v.steps = result.variants.back().steps;
    if (result.variants.size() == 1) v.steps.clear();
    v.steps.push_back(*what);
    v.path = runner->path_for(tags);
    // The step's gates over the recipe's; the caller's (command line) over both.
    const Gates gates = merge_gates(merge_gates(recipe.gates, step.gates), options_.gates);
    if (Status s = runner->evaluate(v, model, gates); !s.ok()) return s.context(where);
    v.build_seconds = std::chrono::duration<double>(pipeline::Clock::now() - t0).count();
    runner->log(fmt::format("[{}/{}] {}: cosine {:.5f}, SQNR {:.1f} dB{}", i + 1, recipe.steps.size(), v.name, v.cosine,
                            v.sqnr_db, v.gate_failure.empty() ? "" : " — gate failed: " + v.gate_failure));
    if (!v.gate_failure.empty()) {
      // No model of this step or a later one may be mistaken for this run's: a file an earlier
      // run left under those names goes.
      std::vector<std::string> later = tags;
      for (size_t k = i; k < recipe.steps.size(); ++k) {
        if (k > i) {
          if (recipe.steps[k].kind == StepKind::Benchmark) continue;
          later.push_back(recipe.steps[k].tag);
        }
        std::error_code ec;
        fs::remove(runner->path_for(later), ec);
      }
      result.stopped = fmt::format("{}: gate failed: {}; its model was not written", where, v.gate_failure);
      if (result.variants.size() > 1)
        result.stopped += fmt::format(", the earlier steps' models are kept ({})", result.variants.back().path);
      break;
    }
    SZ0_TRY(runner->save(v, model).context(where));
    result.variants.push_back(std::move(v));
  }
  SZ0_TRY(runner->time_all(result.variants, result.iterations));
  for (auto& [index, step] : benchmarks)
    if (result.variants[index].error.empty()) SZ0_TRY(runner->benchmark(result.variants[index], *step));
  if (result.stopped.empty()) {
    result.chosen = static_cast<int>(result.variants.size()) - 1;
    result.why = "the recipe's last model: every step met its gates";
  } else {
    result.why = "the recipe stopped at a failed gate";
  }
  return result;
}

}  // namespace sz0

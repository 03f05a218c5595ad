// The automatic pipeline: every variant built from the original (or from a pruned variant),
// evaluated and timed; the Pareto frontier of latency against fidelity; the fastest variant
// that meets the gates and the latency budget is chosen.
#include <sz0/onnx.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <optional>

#include "pipeline/internal.h"

namespace sz0 {

std::vector<size_t> pareto_frontier(const std::vector<std::pair<double, double>>& p) {
  std::vector<size_t> out;
  for (size_t i = 0; i < p.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < p.size() && !dominated; ++j) {
      if (j == i) continue;
      const bool no_worse = p[j].first <= p[i].first && p[j].second >= p[i].second;
      const bool better = p[j].first < p[i].first || p[j].second > p[i].second;
      dominated = no_worse && better;
    }
    if (!dominated) out.push_back(i);
  }
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) { return p[a].first < p[b].first; });
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

PipelineStep quantize_step(QuantizationType type, CalibrationMethod method = CalibrationMethod::MinMax) {
  PipelineStep s;
  s.kind = StepKind::Quantize;
  s.quantize.type = type;
  s.quantize.method = method;
  s.tag = step_tag(s);
  return s;
}

PipelineStep structured_step(double amount, bool refit) {
  PipelineStep s;
  s.kind = StepKind::Prune;
  s.prune.strategy = PruningStrategy::Structured;
  s.prune.amount = amount;
  s.prune.reconstruct = refit;
  s.tag = step_tag(s);
  return s;
}

// A variant to build: steps applied to the original, or to the model of an earlier variant.
struct Plan {
  std::vector<PipelineStep> steps;
  int base = 0;  // variant index whose model the steps start from
};

}  // namespace

Result<PipelineResult> OptimizationPipeline::run_auto(const std::string& model_path) const {
  PipelineOptions o = options_;
  if (o.gates.empty()) o.gates.min_cosine = 0.99;
  if (o.latency_budget_ms && !(*o.latency_budget_ms > 0)) return error("the latency budget must be positive");
  SZ0_ASSIGN(auto runner, pipeline::Runner::create(o, model_path));
  PipelineResult result = runner->result_skeleton(true);
  SZ0_ASSIGN(Variant original, runner->original_variant("fp32"));
  result.variants.push_back(std::move(original));

  std::vector<Plan> plans;
  PipelineStep opt;
  opt.kind = StepKind::Optimize;
  opt.tag = step_tag(opt);
  plans.push_back({{opt}});
  plans.push_back({{quantize_step(QuantizationType::Fp16)}});
  plans.push_back({{quantize_step(QuantizationType::Bf16)}});
  plans.push_back({{quantize_step(QuantizationType::Int8Dynamic)}});
  for (CalibrationMethod m : {CalibrationMethod::MinMax, CalibrationMethod::Percentile, CalibrationMethod::Entropy,
                              CalibrationMethod::Mse})
    plans.push_back({{quantize_step(QuantizationType::Int8Static, m)}});
  for (double amount : {0.3, 0.5})
    for (bool refit : {false, true}) plans.push_back({{structured_step(amount, refit)}});

  const size_t total = plans.size() + 2;  // + pruned-then-INT8 for each re-fitted pruning
  auto build = [&](const Plan& plan) {
    const Variant& base = result.variants[static_cast<size_t>(plan.base)];
    Variant v;
    std::vector<std::string> tags;
    if (plan.base > 0) {
      v.steps = base.steps;
      tags.push_back(base.name);
    }
    for (const PipelineStep& s : plan.steps) tags.push_back(s.tag);
    v.name = fmt::format("{}", fmt::join(tags, " + "));
    v.path = runner->path_for(tags);
    const auto t0 = Clock::now();
    Status st = [&]() -> Status {
      SZ0_ASSIGN(Model model, plan.base > 0 ? load_model(base.path) : Result<Model>(runner->original()));
      for (const PipelineStep& s : plan.steps) {
        SZ0_ASSIGN(std::string what, runner->apply(model, s));
        v.steps.push_back(what);
      }
      SZ0_TRY(runner->evaluate(v, model, o.gates));
      return runner->save(v, model);
    }();
    v.build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!st.ok()) v.error = st.message();
    runner->log(fmt::format("[{}/{}] {}: {}", result.variants.size(), total, v.name,
                            !v.error.empty() ? "not built: " + v.error
                                             : fmt::format("cosine {:.5f}, SQNR {:.1f} dB, {:.1f} s{}", v.cosine, v.sqnr_db,
                                                           v.build_seconds,
                                                           v.gate_failure.empty() ? "" : " (fails: " + v.gate_failure + ")")));
    result.variants.push_back(std::move(v));
  };
  // Pruned, then INT8 static with the calibration method that kept the outputs closest.
  std::optional<CalibrationMethod> best_method;
  double best_sqnr = 0;
  std::vector<size_t> refitted;  // re-fitted structured variants
  for (const Plan& p : plans) {
    build(p);
    const Variant& v = result.variants.back();
    const PipelineStep& s = p.steps.front();
    if (!v.error.empty()) continue;
    if (s.kind == StepKind::Quantize && s.quantize.type == QuantizationType::Int8Static &&
        (!best_method || v.sqnr_db > best_sqnr)) {
      best_method = s.quantize.method;
      best_sqnr = v.sqnr_db;
    }
    if (s.kind == StepKind::Prune && s.prune.reconstruct) refitted.push_back(result.variants.size() - 1);
  }
  if (best_method)
    for (size_t i : refitted) build({{quantize_step(QuantizationType::Int8Static, *best_method)}, static_cast<int>(i)});

  SZ0_TRY(runner->time_all(result.variants, result.iterations));

  std::vector<std::pair<double, double>> points;
  std::vector<size_t> index;
  for (size_t i = 0; i < result.variants.size(); ++i) {
    const Variant& v = result.variants[i];
    if (!v.measured() || !v.finite || std::isnan(v.sqnr_db)) continue;  // broken outputs are on no frontier
    points.emplace_back(v.bench->latency.median, v.sqnr_db);
    index.push_back(i);
  }
  for (size_t k : pareto_frontier(points)) result.variants[index[k]].on_frontier = true;

  if (!result.variants[0].measured()) return error("the original could not be timed: {}", result.variants[0].error);
  const double base_ms = result.variants[0].bench->latency.median;
  int eligible = 0;
  for (size_t i = 0; i < result.variants.size(); ++i) {
    const Variant& v = result.variants[i];
    if (!v.measured() || !v.gate_failure.empty()) continue;
    if (o.latency_budget_ms && v.bench->latency.p95 > *o.latency_budget_ms) continue;
    ++eligible;
    if (result.chosen < 0 || v.bench->latency.median < result.variants[result.chosen].bench->latency.median)
      result.chosen = static_cast<int>(i);
  }
  const std::string budget = o.latency_budget_ms ? fmt::format(" and p95 ≤ {:g} ms", *o.latency_budget_ms) : "";
  if (result.chosen < 0) {
    result.why = fmt::format("no variant meets {}{}", gates_text(o.gates), budget);
  } else {
    const Variant& c = result.variants[result.chosen];
    result.why = fmt::format("the fastest of {} variants that meet {}{}: median {:.3f} ms, {:.2f}× fp32's "
                             "{:.3f} ms; cosine {:.5f}, SQNR {:.1f} dB; file {:.2f}× fp32's",
                             eligible, gates_text(o.gates), budget, c.bench->latency.median,
                             c.bench->latency.median / base_ms, base_ms, c.cosine, c.sqnr_db,
                             static_cast<double>(c.file_bytes) / std::max<int64_t>(1, result.variants[0].file_bytes));
  }
  return result;
}

}  // namespace sz0

// sz0 prune MODEL -o OUT --strategy magnitude|random|structured|2:4 --amount F [options]
// sz0 sparsity MODEL [--json]
// Prunes a model, writes standard ONNX, and reports what changed per layer, how close the
// outputs stay, and the latency measured before and after on the same inputs.
#include "cli/common.h"

#include <sz0/bench.h>
#include <sz0/io.h>
#include <sz0/onnx.h>
#include <sz0/prune.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace sz0::cli {

namespace {

struct PruneArgs {
  std::string model, output, strategy, scope = "layer", importance = "l1", calib, report;
  double amount = -1;
  std::vector<std::string> exclude_nodes, shapes;
  int64_t min_params = 1024;
  int64_t channel_multiple = 8;
  uint32_t seed = 0;
  bool reconstruct = false;
  int steps = 1;
  double damp = 0.01;
  int bench_iterations = 50;
  int threads = 1;
};

struct Latency {
  double before = 0, after = 0;  // medians, ms
};

Result<double> median_ms(const Model& model, const std::map<std::string, Tensor>& feeds, int threads, int iterations) {
  BenchmarkOptions o;
  o.threads = threads;
  o.iterations = iterations;
  o.warmup_iterations = std::max(3, iterations / 10);
  o.fix_input_shapes = true;
  SZ0_ASSIGN(BenchmarkResult r, PerformanceBenchmark(o).run(model, "", [&](int64_t) { return feeds; }));
  return r.latency.median;
}

std::string count_str(int64_t n) {
  if (n >= 10'000'000) return fmt::format("{:.1f}M", static_cast<double>(n) / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f}k", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

void print_report(const PruneArgs& a, const PruneReport& r, const PruneOptions& o, const Latency* lat) {
  std::printf("pruned      %s -> %s (%s", a.model.c_str(), a.output.c_str(),
              pruning_strategy_name(r.strategy, o.n, o.m).c_str());
  if (r.strategy != PruningStrategy::NM) std::printf(", amount %.3g, %s scope", r.amount, a.scope.c_str());
  if (o.steps > 1) std::printf(", %d steps", o.steps);
  std::printf(")\n");
  std::printf("parameters  %s -> %s (%.3fx)\n", count_str(r.params_before).c_str(), count_str(r.params_after).c_str(),
              ratio(static_cast<double>(r.params_after), static_cast<double>(r.params_before)));
  std::printf("MACs        %s -> %s (%.3fx)\n", count_str(r.macs_before).c_str(), count_str(r.macs_after).c_str(),
              ratio(static_cast<double>(r.macs_after), static_cast<double>(r.macs_before)));
  std::printf("sparsity    %.2f%% of %s prunable weights are zero\n", 100 * r.sparsity(),
              count_str(r.prunable_params).c_str());
  if (r.strategy == PruningStrategy::Structured)
    std::printf("groups      %d of %d channel groups pruned\n", r.groups_pruned, r.channel_groups);
  std::printf("outputs     cosine %.6f, SQNR %.1f dB vs the original (%d sample%s)\n", r.cosine, r.sqnr_db,
              r.evaluated_samples, r.evaluated_samples == 1 ? "" : "s");
  if (r.reconstructed)
    std::printf("            without reconstruction: cosine %.6f, SQNR %.1f dB (%d calibration samples)\n",
                r.cosine_without_reconstruction, r.sqnr_db_without_reconstruction, r.samples);
  if (lat)
    std::printf("latency     %.3f -> %.3f ms median, %d thread%s (%.2fx speedup)\n", lat->before, lat->after, a.threads,
                a.threads == 1 ? "" : "s", ratio(lat->before, lat->after));
  std::printf("%-28s %-6s %21s %21s %13s  %s\n", "layer", "op", "params", "MACs", "channels", "runtime");
  for (const LayerPruning& l : r.layers) {
    const std::string params = l.params_before == l.params_after
                                   ? fmt::format("{} ({:.0f}% 0)", count_str(l.params_after),
                                                 100 * ratio(static_cast<double>(l.zeros_after), static_cast<double>(l.params_after)))
                                   : fmt::format("{} -> {}", count_str(l.params_before), count_str(l.params_after));
    const std::string macs = l.macs_before == l.macs_after ? count_str(l.macs_after)
                                                           : fmt::format("{} -> {}", count_str(l.macs_before), count_str(l.macs_after));
    const std::string ch = l.channels_before == l.channels_after ? std::to_string(l.channels_after)
                                                                 : fmt::format("{} -> {}", l.channels_before, l.channels_after);
    std::string note = l.pruned ? l.runtime : "skipped: " + l.skipped;
    if (l.reconstruction_gain_db != 0) note += fmt::format(", re-fit {:+.1f} dB", l.reconstruction_gain_db);
    if (!l.not_refit.empty()) note += ", " + l.not_refit;
    std::printf("%-28s %-6s %21s %21s %13s  %s\n", l.node.substr(0, 28).c_str(), l.op_type.c_str(), params.c_str(),
                macs.c_str(), ch.c_str(), note.c_str());
  }
}

nlohmann::json report_json(const PruneArgs& a, const PruneReport& r, const PruneOptions& o, const Latency* lat) {
  nlohmann::json j;
  j["model"] = a.model;
  j["output"] = a.output;
  j["strategy"] = pruning_strategy_name(r.strategy, o.n, o.m);
  j["amount"] = r.amount;
  j["scope"] = a.scope;
  j["steps"] = o.steps;
  j["parameters"] = {{"before", r.params_before}, {"after", r.params_after}};
  j["macs"] = {{"before", r.macs_before}, {"after", r.macs_after}};
  j["prunable"] = {{"parameters", r.prunable_params}, {"zeros", r.prunable_zeros}, {"sparsity", r.sparsity()}};
  if (r.strategy == PruningStrategy::Structured) j["channel_groups"] = {{"found", r.channel_groups}, {"pruned", r.groups_pruned}};
  j["accuracy"] = {{"samples", r.evaluated_samples}, {"cosine", r.cosine}, {"sqnr_db", r.sqnr_db}};
  if (r.reconstructed)
    j["accuracy"]["without_reconstruction"] = {{"cosine", r.cosine_without_reconstruction},
                                               {"sqnr_db", r.sqnr_db_without_reconstruction}};
  j["reconstructed"] = r.reconstructed;
  j["calibration_samples"] = r.samples;
  if (lat)
    j["latency_ms"] = {{"threads", a.threads}, {"before", lat->before}, {"after", lat->after},
                       {"speedup", ratio(lat->before, lat->after)}};
  j["layers"] = nlohmann::json::array();
  for (const LayerPruning& l : r.layers) {
    nlohmann::json x = {{"node", l.node},
                        {"op_type", l.op_type},
                        {"pruned", l.pruned},
                        {"params", {{"before", l.params_before}, {"after", l.params_after}}},
                        {"zeros", {{"before", l.zeros_before}, {"after", l.zeros_after}}},
                        {"macs", {{"before", l.macs_before}, {"after", l.macs_after}}},
                        {"channels", {{"before", l.channels_before}, {"after", l.channels_after}}},
                        {"runtime", l.runtime}};
    if (!l.pruned) x["skipped"] = l.skipped;
    if (l.reconstruction_gain_db != 0) x["reconstruction_gain_db"] = l.reconstruction_gain_db;
    if (!l.not_refit.empty()) x["not_refit"] = l.not_refit;
    j["layers"].push_back(std::move(x));
  }
  return j;
}

Status prune_cmd(const PruneArgs& a) {
  PruneOptions o;
  SZ0_ASSIGN(o.strategy, parse_pruning_strategy(a.strategy, o.n, o.m));
  if (o.strategy != PruningStrategy::NM) {
    if (a.amount < 0) return error("--amount is required with --strategy {}", a.strategy);
    o.amount = a.amount;
  } else if (a.amount >= 0 && std::abs(a.amount - (1.0 - static_cast<double>(o.n) / o.m)) > 1e-9) {
    return error("--amount {} contradicts --strategy {} (which prunes {})", a.amount, a.strategy,
                 1.0 - static_cast<double>(o.n) / o.m);
  }
  o.scope = a.scope == "global" ? PruningScope::Global : PruningScope::Layer;
  o.importance = a.importance == "l2" ? ChannelImportance::L2 : a.importance == "bn" ? ChannelImportance::BnScale : ChannelImportance::L1;
  for (const std::string& n : split_commas(a.exclude_nodes)) o.exclude_nodes.insert(n);
  o.min_params = a.min_params;
  if (a.channel_multiple < 1) return error("--channel-multiple must be at least 1");
  o.channel_multiple = a.channel_multiple;
  o.seed = a.seed;
  o.reconstruct = a.reconstruct;
  o.steps = a.steps;
  o.damp = a.damp;
  if (a.reconstruct && a.calib.empty()) return error("--reconstruct needs --calib DATA");
  if (a.threads < 1) return error("--threads must be at least 1");
  SZ0_ASSIGN(o.input_shapes, parse_shapes(a.shapes));

  SZ0_ASSIGN(Model model, load_model(a.model));
  if (!a.calib.empty()) {
    SZ0_ASSIGN(o.stream, data_stream(a.calib, model));
    if (o.input_shapes.empty()) {
      SZ0_ASSIGN(auto first, o.stream.read(0));
      for (auto& [name, t] : first) o.input_shapes[name] = t.shape();
    }
  }
  if (isatty(fileno(stderr))) o.progress = [](const std::string& what, size_t done, size_t total) { draw_progress(what, done, total); };
  const Model original = a.bench_iterations > 0 ? model : Model{};

  auto report = ModelPruner(o).prune(model);
  if (!report.ok()) return report.status().context(a.model);

  // Pay-off, measured: the same inputs through both models.
  Latency lat;
  if (a.bench_iterations > 0) {
    std::map<std::string, Tensor> feeds;
    if (o.stream.count > 0) {
      SZ0_ASSIGN(feeds, o.stream.read(0));
    } else {
      InputArgs ia;
      ia.shapes = a.shapes;
      SZ0_ASSIGN(feeds, make_feeds(original, ia, /*random=*/true));
    }
    SZ0_ASSIGN(lat.before, median_ms(original, feeds, a.threads, a.bench_iterations));
    auto after = median_ms(model, feeds, a.threads, a.bench_iterations);
    if (!after.ok()) return after.status().context("the pruned model");
    lat.after = *after;
  }
  SZ0_TRY(save_model(model, a.output));  // temporary + rename: never a half-written OUT
  const Latency* l = a.bench_iterations > 0 ? &lat : nullptr;
  print_report(a, *report, o, l);
  if (!a.report.empty()) SZ0_TRY(write_file_atomic(a.report, report_json(a, *report, o, l).dump(2) + "\n"));
  return {};
}

Status sparsity_cmd(const std::string& path, bool json) {
  SZ0_ASSIGN(Model model, load_model(path));
  const SparsityReport r = model_sparsity(model);
  if (json) {
    nlohmann::json j;
    j["model"] = path;
    j["parameters"] = r.params;
    j["zeros"] = r.zeros;
    j["sparsity"] = r.sparsity();
    j["prunable"] = {{"parameters", r.prunable_params}, {"zeros", r.prunable_zeros}, {"sparsity", r.prunable_sparsity()}};
    j["layers"] = nlohmann::json::array();
    for (const LayerSparsity& l : r.layers)
      j["layers"].push_back({{"node", l.node},
                             {"op_type", l.op_type},
                             {"weight", l.weight},
                             {"parameters", l.params},
                             {"zeros", l.zeros},
                             {"sparsity", l.sparsity()},
                             {"out_channels", l.out_channels},
                             {"in_channels", l.in_channels},
                             {"pattern_2_4", l.nm_2_4}});
    std::printf("%s\n", j.dump(2).c_str());
    return {};
  }
  std::printf("model       %s\n", path.c_str());
  std::printf("parameters  %s, %.2f%% zero\n", count_str(r.params).c_str(), 100 * r.sparsity());
  std::printf("prunable    %s in %zu weights, %.2f%% zero\n", count_str(r.prunable_params).c_str(), r.layers.size(),
              100 * r.prunable_sparsity());
  std::printf("%-28s %-6s %10s %9s %9s %8s  %s\n", "layer", "op", "params", "sparsity", "out ch", "in ch", "2:4");
  for (const LayerSparsity& l : r.layers)
    std::printf("%-28s %-6s %10s %8.2f%% %9lld %8lld  %s\n", l.node.substr(0, 28).c_str(), l.op_type.c_str(),
                count_str(l.params).c_str(), 100 * l.sparsity(), static_cast<long long>(l.out_channels),
                static_cast<long long>(l.in_channels), l.nm_2_4 ? "yes" : "no");
  return {};
}

}  // namespace

void add_prune(CLI::App& app, int& rc) {
  auto a = std::make_shared<PruneArgs>();
  CLI::App* cmd = app.add_subcommand("prune", "Prune weights (magnitude, random, N:M) or remove channels (structured)");
  cmd->add_option("model", a->model, "ONNX model")->required();
  cmd->add_option("-o,--output", a->output, "Where to write the pruned model")->required();
  cmd->add_option("--strategy", a->strategy, "magnitude, random, structured, or N:M such as 2:4")
      ->required()
      ->check(CLI::Validator(
          [](std::string& s) {
            int n = 0, m = 0;
            auto r = parse_pruning_strategy(s, n, m);
            return r.ok() ? std::string() : r.status().message();
          },
          "STRATEGY"));
  cmd->add_option("--amount", a->amount, "Share of weights zeroed, or of each channel group removed (structured), in [0, 1)");
  cmd->add_option("--scope", a->scope, "layer (each layer by the amount, default) or global (one ranking over all)")
      ->check(CLI::IsMember({"layer", "global"}));
  cmd->add_option("--importance", a->importance, "Structured: channel importance l1 (default), l2 or bn (BatchNorm scale)")
      ->check(CLI::IsMember({"l1", "l2", "bn"}));
  cmd->add_option("--channel-multiple", a->channel_multiple,
                  "Structured: groups of a multiple of N channels keep a multiple of N (default 8, the fast "
                  "kernels' block; 1: exact)");
  cmd->add_option("--exclude-node", a->exclude_nodes, "Node names left alone (repeat or comma-separate)");
  cmd->add_option("--min-params", a->min_params, "Skip layers with fewer weights (default 1024)");
  cmd->add_option("--seed", a->seed, "Random strategy seed (default 0)");
  cmd->add_option("--calib", a->calib, "Samples (DATA directory) for reconstruction and for the accuracy report");
  cmd->add_flag("--reconstruct", a->reconstruct, "Re-fit the remaining weights on --calib data (SparseGPT / least squares)");
  cmd->add_option("--steps", a->steps, "Prune in K stages on a cubic schedule (default 1)");
  cmd->add_option("--damp", a->damp, "Reconstruction: Hessian damping as a share of its mean diagonal (default 0.01)");
  cmd->add_option("--shape", a->shapes, "NAME=DIMS for symbolic input dims (default 1)");
  cmd->add_option("--bench-iterations", a->bench_iterations, "Timed runs before and after (default 50; 0 skips)");
  cmd->add_option("--threads", a->threads, "Threads for the before/after timing (default 1)");
  cmd->add_option("--report", a->report, "Write a JSON report (per layer: parameters, MACs, channels, runtime)");
  cmd->callback([a, &rc]() {
    Status s = prune_cmd(*a);
    rc = s.ok() ? kOk : report(s);
  });
}

void add_sparsity(CLI::App& app, int& rc) {
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("sparsity", "Zeros per layer, channel counts, 2:4 pattern");
  cmd->add_option("model", *path, "ONNX model")->required();
  cmd->add_flag("--json", *json, "JSON on stdout");
  cmd->callback([path, json, &rc]() {
    Status s = sparsity_cmd(*path, *json);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

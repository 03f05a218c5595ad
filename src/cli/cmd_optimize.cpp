// sz0 optimize MODEL -o OUT [--level basic|extended|all] [--fix-shape NAME=DIMS]...
// Rewrites the graph (folding, elimination, fusion into standard ops) and reports what changed.
#include "cli/common.h"

#include <sz0/onnx.h>
#include <sz0/optimize.h>

#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct OptimizeArgs {
  std::string model;
  std::string output;
  std::string level = "all";
  std::vector<std::string> fix_shapes;
};

std::string bytes_str(uintmax_t b) {
  if (b >= (1u << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(b) / (1 << 20));
  if (b >= (1u << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / (1 << 10));
  return fmt::format("{} B", b);
}

void print_report(const OptimizeArgs& a, const OptimizeReport& r, uintmax_t size_before, uintmax_t size_after) {
  std::printf("optimized   %s -> %s (level %s, %d round%s)\n", a.model.c_str(), a.output.c_str(), a.level.c_str(),
              r.rounds, r.rounds == 1 ? "" : "s");
  std::map<std::string, std::pair<int, int>> ops;
  for (auto& [op, n] : r.ops_before) ops[op].first = n;
  for (auto& [op, n] : r.ops_after) ops[op].second = n;
  int total_before = 0, total_after = 0;
  std::printf("\n  %-28s %8s %8s\n", "op", "before", "after");
  for (auto& [op, n] : ops) {
    total_before += n.first;
    total_after += n.second;
    const std::string delta = n.first == n.second ? "" : fmt::format("{:+d}", n.second - n.first);
    std::printf("  %-28s %8d %8d  %s\n", op.c_str(), n.first, n.second, delta.c_str());
  }
  std::printf("  %-28s %8d %8d  %+d\n", "total", total_before, total_after, total_after - total_before);
  std::printf("\n  %-36s %8s\n", "pass", "rewrites");
  for (auto& [pass, n] : r.applied) std::printf("  %-36s %8d\n", pass.c_str(), n);
  if (!r.detected.empty()) {
    std::string list;
    for (auto& [what, n] : r.detected) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", what, n);
    std::printf("\nleft as is (no standard op at this opset, or not fusable here): %s\n", list.c_str());
  }
  std::printf("\nparameters  %lld -> %lld\n", static_cast<long long>(r.params_before), static_cast<long long>(r.params_after));
  std::printf("file size   %s -> %s\n", bytes_str(size_before).c_str(), bytes_str(size_after).c_str());
}

Status optimize(const OptimizeArgs& a) {
  const auto level = parse_opt_level(a.level);
  if (!level) return error("unknown level '{}' (basic, extended or all)", a.level);
  SZ0_ASSIGN(auto shapes, parse_shapes(a.fix_shapes, "--fix-shape"));
  SZ0_ASSIGN(Model model, load_model(a.model));
  OptimizeOptions opts;
  opts.level = *level;
  opts.fixed_shapes = std::move(shapes);
  auto report = optimize_model(model, opts);
  if (!report.ok()) return report.status().context(a.model);
  std::error_code ec;
  const uintmax_t before = std::filesystem::file_size(a.model, ec);  // before: OUT may be MODEL
  SZ0_TRY(save_model(model, a.output));
  const uintmax_t after = std::filesystem::file_size(a.output, ec);
  print_report(a, *report, before, after);
  return {};
}

}  // namespace

void add_optimize(CLI::App& app, int& rc) {
  auto args = std::make_shared<OptimizeArgs>();
  CLI::App* cmd = app.add_subcommand("optimize", "Fold, eliminate and fuse: a smaller, faster standard ONNX model");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-o,--output", args->output, "Where to write the optimized model")->required();
  cmd->add_option("--level", args->level, "basic, extended or all (default)")
      ->check(CLI::IsMember({"basic", "extended", "all"}));
  cmd->add_option("--fix-shape", args->fix_shapes,
                  "Fix an input's dims, NAME=DIMS (1x3x224x224): its shape arithmetic folds away; repeatable");
  cmd->callback([args, &rc]() {
    Status s = optimize(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

// The optimizer's driver: one ordered pipeline of passes per level, run over the main graph and
// every subgraph, round after round until no pass changes anything (or the round cap).
#include "passes/pass.h"
#include "passes/patterns.h"

#include <sz0/optimize.h>

namespace sz0 {

std::optional<OptLevel> parse_opt_level(std::string_view name) {
  if (name == "basic") return OptLevel::Basic;
  if (name == "extended") return OptLevel::Extended;
  if (name == "all") return OptLevel::All;
  return std::nullopt;
}

std::string_view opt_level_name(OptLevel level) {
  switch (level) {
    case OptLevel::Basic: return "basic";
    case OptLevel::Extended: return "extended";
    case OptLevel::All: return "all";
  }
  return "?";
}

namespace passes {

namespace {

// A pass re-runs on one graph while it still finds something, at most this often per round.
constexpr int kRepeatsPerRound = 8;

const std::vector<PassInfo>& pipeline() {
  // Order matters within a round: forwarding and folding expose patterns; a bias folded into a
  // convolution exposes a BatchNormalization behind it; BatchNormalization folding leaves MatMul + Add for the Gemm rule; HardSigmoid comes before HardSwish, which
  // builds on it; dead code goes last.
  static const std::vector<PassInfo> kPasses = {
      {"eliminate_identity", OptLevel::Basic, eliminate_identity},
      {"fold_constants", OptLevel::Basic, fold_constants},
      {"eliminate_common_subexpressions", OptLevel::Basic, eliminate_common_subexpressions},
      {"fuse_conv_affine", OptLevel::Extended, fuse_conv_affine},
      {"fuse_batch_norm", OptLevel::Extended, fuse_batch_norm},
      {"fuse_matmul_add", OptLevel::Extended, fuse_matmul_add},
      {"cancel_transposes", OptLevel::Extended, cancel_transposes},
      {"cancel_reshapes", OptLevel::Extended, cancel_reshapes},
      {"cancel_squeeze_unsqueeze", OptLevel::Extended, cancel_squeeze_unsqueeze},
      {"fuse_layer_norm", OptLevel::All, fuse_layer_norm},
      {"fuse_hard_sigmoid", OptLevel::All, fuse_hard_sigmoid},
      {"fuse_hard_swish", OptLevel::All, fuse_hard_swish},
      {"fuse_gelu", OptLevel::All, fuse_gelu},
      {"eliminate_dead_code", OptLevel::Basic, eliminate_dead_code},
  };
  return kPasses;
}

// Runs `pass` on `g` and then on each of its subgraphs (which see the types of this scope).
// Returns whether anything changed; adds the rewrites to `rewrites`.
Result<bool> run_on(Graph& g, const Model& m, const PassInfo& pass, PassContext& ctx,
                    const std::map<std::string, TypeInfo>* outer, int& rewrites) {
  bool changed = false;
  for (int rep = 0; rep < kRepeatsPerRound; ++rep) {
    GraphView view(g, m, outer);
    auto patch = pass.run(view, ctx);
    if (!patch.ok()) return patch.status().context(fmt::format("pass {}", pass.name));
    if (patch->empty()) break;
    rewrites += patch->rewrites;
    changed = true;
    SZ0_TRY(apply_patch(g, std::move(*patch)).context(fmt::format("pass {}", pass.name)));
  }
  bool nested = false;
  for (const Node& n : g.nodes) nested = nested || has_subgraph(n);
  if (!nested) return changed;
  GraphView view(g, m, outer);
  const std::map<std::string, TypeInfo> scope = view.facts().types;
  for (Node& n : g.nodes)
    for (Graph* sg : subgraphs(n)) {
      SZ0_ASSIGN(bool sub_changed, run_on(*sg, m, pass, ctx, &scope, rewrites));
      changed = changed || sub_changed;
    }
  return changed;
}

Status fix_input_shapes(Graph& g, const std::map<std::string, Shape>& shapes) {
  for (auto& [name, shape] : shapes) {
    ValueInfo* input = nullptr;
    for (ValueInfo& v : g.inputs)
      if (v.name == name && !g.initializers.count(name)) input = &v;
    if (!input) return error("fixed shape for '{}': not an input of the model", name);
    if (!input->type.opaque_type.empty()) return error("fixed shape for '{}': the input is not a tensor", name);
    if (input->type.has_rank()) {
      const auto& dims = *input->type.shape;
      bool ok = dims.size() == shape.size();
      for (size_t i = 0; ok && i < dims.size(); ++i) ok = !dims[i].known() || dims[i].value == shape[i];
      if (!ok) return error("fixed shape {} for input '{}' contradicts its declared type {}", shape_str(shape), name, input->type.str());
    }
    input->type.shape = std::vector<Dim>(shape.begin(), shape.end());
  }
  return {};
}

// Drops value_info entries of values that no longer exist, in every graph.
void prune_value_info(Graph& g) {
  std::set<std::string> defs;
  collect_defs(g, defs);
  std::erase_if(g.value_info, [&](const ValueInfo& v) { return !defs.count(v.name); });
  for (Node& n : g.nodes)
    for (Graph* sg : subgraphs(n)) prune_value_info(*sg);
}

// With fixed input shapes, declared intermediate and output types may now be known exactly.
void refresh_types(Model& m) {
  const Facts f = infer_facts(m.graph, m, nullptr);
  auto refresh = [&](ValueInfo& v) {
    auto it = f.types.find(v.name);
    if (it == f.types.end() || !it->second.fully_known() || !v.type.opaque_type.empty()) return;
    if (v.type.dtype != DType::Undefined && v.type.dtype != it->second.dtype) return;
    if (v.type.has_rank() && v.type.rank() != it->second.rank()) return;
    v.type = it->second;
  };
  for (ValueInfo& v : m.graph.value_info) refresh(v);
  for (ValueInfo& v : m.graph.outputs) refresh(v);
}

}  // namespace

const std::vector<PassInfo>& all_passes() { return pipeline(); }

Result<int> run_pass(Model& model, std::string_view pass_name, const OptimizeOptions& options) {
  const PassInfo* pass = nullptr;
  for (const PassInfo& p : pipeline())
    if (p.name == pass_name) pass = &p;
  if (!pass) return error("unknown pass '{}'", pass_name);
  NameGen names(model);
  PassContext ctx{names, options};
  int rewrites = 0;
  for (int round = 0; round < options.max_rounds; ++round) {
    SZ0_ASSIGN(bool changed, run_on(model.graph, model, *pass, ctx, nullptr, rewrites));
    if (!changed) break;
  }
  return rewrites;
}

}  // namespace passes

Result<OptimizeReport> optimize_model(Model& model, const OptimizeOptions& opts) {
  using namespace passes;
  if (const auto problems = validate_model(model); !problems.empty())
    return error("not a valid model: {}", problems.front());
  if (model.opset("") == 0 && !model.graph.nodes.empty()) return error("model imports no ai.onnx opset");
  OptimizeReport report;
  count_ops(model.graph, report.ops_before, report.params_before);
  // Work on a copy: on error the caller's model is untouched.
  Model work = model;
  work.graph = deep_copy(model.graph);
  SZ0_TRY(fix_input_shapes(work.graph, opts.fixed_shapes));
  NameGen names(work);
  PassContext ctx{names, opts};
  std::vector<int> counts(pipeline().size(), 0);
  for (int round = 0; round < std::max(1, opts.max_rounds); ++round) {
    ++report.rounds;
    bool changed = false;
    for (size_t k = 0; k < pipeline().size(); ++k) {
      const PassInfo& pass = pipeline()[k];
      if (pass.level > opts.level) continue;
      SZ0_ASSIGN(bool pass_changed, run_on(work.graph, work, pass, ctx, nullptr, counts[k]));
      if (!pass_changed) continue;
      changed = true;
      if (const auto problems = validate_model(work); !problems.empty())
        return error("internal: pass {} left an invalid graph: {}", pass.name, problems.front());
    }
    if (!changed) break;
  }
  prune_value_info(work.graph);
  // Before IR version 4 every initializer had to be a graph input too; new ones are not, so the
  // file declares the version that allows that (existing inputs keep their defaults).
  if (work.ir_version < 4)
    for (auto& [name, t] : work.graph.initializers)
      if (!work.graph.find_input(name)) work.ir_version = 4;
  if (!opts.fixed_shapes.empty()) refresh_types(work);
  for (size_t k = 0; k < pipeline().size(); ++k)
    if (pipeline()[k].level <= opts.level) report.applied.emplace_back(pipeline()[k].name, counts[k]);
  report.detected = detect_patterns(work);
  count_ops(work.graph, report.ops_after, report.params_after);
  model = std::move(work);
  return report;
}

}  // namespace sz0

// Recipe files (YAML or JSON): data, gates and an ordered list of steps with their options.
// Every key is checked: a misspelt option is an error naming the step, never silently ignored.
#include <sz0/io.h>
#include <sz0/pipeline.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>

namespace sz0 {

namespace {

namespace fs = std::filesystem;

// Reads typed values from one YAML map, remembering which keys were used, so the rest can be
// reported as unknown.
class Fields {
 public:
  Fields(const YAML::Node& node, std::string where) : node_(node), where_(std::move(where)) {}

  Status check_map() const {
    if (!node_.IsMap()) return error("{}: expected a mapping of options", where_);
    return {};
  }
  template <typename T>
  Status get(const char* key, T& out) {
    used_.insert(key);
    const YAML::Node v = node_[key];
    if (!v) return {};
    if (v.IsNull()) return error("{}: option '{}' has no value (line {})", where_, key, v.Mark().line + 1);
    try {
      out = v.as<T>();
    } catch (const YAML::Exception&) {
      return error("{}: option '{}' has a value of the wrong type (line {})", where_, key, v.Mark().line + 1);
    }
    return {};
  }
  template <typename T>
  Status get_optional(const char* key, std::optional<T>& out) {
    T v{};
    used_.insert(key);
    if (!node_[key]) return {};
    SZ0_TRY(get(key, v));
    out = v;
    return {};
  }
  Status get_set(const char* key, std::set<std::string>& out) {
    std::vector<std::string> v;
    used_.insert(key);
    const YAML::Node n = node_[key];
    if (!n) return {};
    if (n.IsScalar()) v.push_back(n.as<std::string>());
    else SZ0_TRY(get(key, v));
    out.insert(v.begin(), v.end());
    return {};
  }
  void mark(const char* key) { used_.insert(key); }  // read elsewhere
  bool has(const char* key) const { return static_cast<bool>(node_[key]); }
  // Every key of the map was read.
  Status no_others() const {
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) return error("{}: option names must be text (line {})", where_, kv.first.Mark().line + 1);
      const std::string k = kv.first.Scalar();
      if (!used_.count(k)) return error("{}: unknown option '{}' (line {})", where_, k, kv.first.Mark().line + 1);
    }
    return {};
  }
  const std::string& where() const { return where_; }

 private:
  YAML::Node node_;
  std::string where_;
  std::set<std::string> used_;
};

Result<Gates> parse_gates(const YAML::Node& node, const std::string& where) {
  Gates g;
  Fields f(node, where + ": gates");
  SZ0_TRY(f.check_map());
  SZ0_TRY(f.get_optional("min_cosine", g.min_cosine));
  SZ0_TRY(f.get_optional("min_sqnr_db", g.min_sqnr_db));
  SZ0_TRY(f.get_optional("max_accuracy_drop", g.max_accuracy_drop));
  SZ0_TRY(f.get_optional("min_top1_agreement", g.min_top1_agreement));
  SZ0_TRY(f.no_others());
  SZ0_TRY(validate_gates(g).context(where + ": gates"));
  return g;
}

}  // namespace

Status validate_gates(const Gates& g) {
  if (g.min_cosine && !(*g.min_cosine >= -1 && *g.min_cosine <= 1))
    return error("min_cosine {} is outside [-1, 1]", *g.min_cosine);
  if (g.min_sqnr_db && !std::isfinite(*g.min_sqnr_db)) return error("min_sqnr_db {} is not a number of dB", *g.min_sqnr_db);
  if (g.min_top1_agreement && !(*g.min_top1_agreement >= 0 && *g.min_top1_agreement <= 1))
    return error("min_top1_agreement {} is outside [0, 1]", *g.min_top1_agreement);
  if (g.max_accuracy_drop && !(*g.max_accuracy_drop >= 0 && *g.max_accuracy_drop <= 1))
    return error("max_accuracy_drop {} is outside [0, 1] (a share, 0.01 = one point)", *g.max_accuracy_drop);
  return {};
}

namespace {

Status parse_prune(Fields& f, PipelineStep& s) {
  std::string strategy, scope = "layer", importance = "l1";
  SZ0_TRY(f.get("strategy", strategy));
  if (strategy.empty()) return error("{}: 'strategy' is required (magnitude, random, structured or N:M)", f.where());
  auto parsed = parse_pruning_strategy(strategy, s.prune.n, s.prune.m);
  if (!parsed.ok()) return parsed.status().context(f.where());
  s.prune.strategy = *parsed;
  std::optional<double> amount;
  SZ0_TRY(f.get_optional("amount", amount));
  if (s.prune.strategy == PruningStrategy::NM) {
    if (amount) return error("{}: 'amount' does not apply to N:M (its share is 1 - N/M)", f.where());
  } else {
    if (!amount) return error("{}: 'amount' is required", f.where());
    if (!(*amount > 0 && *amount < 1)) return error("{}: amount {} is outside (0, 1)", f.where(), *amount);
    s.prune.amount = *amount;
  }
  SZ0_TRY(f.get("scope", scope));
  if (scope != "layer" && scope != "global") return error("{}: scope '{}' (expected layer or global)", f.where(), scope);
  s.prune.scope = scope == "global" ? PruningScope::Global : PruningScope::Layer;
  SZ0_TRY(f.get("importance", importance));
  if (importance == "l1") s.prune.importance = ChannelImportance::L1;
  else if (importance == "l2") s.prune.importance = ChannelImportance::L2;
  else if (importance == "bn") s.prune.importance = ChannelImportance::BnScale;
  else return error("{}: importance '{}' (expected l1, l2 or bn)", f.where(), importance);
  SZ0_TRY(f.get("channel_multiple", s.prune.channel_multiple));
  if (s.prune.channel_multiple < 1) return error("{}: channel_multiple must be at least 1", f.where());
  SZ0_TRY(f.get_set("exclude_nodes", s.prune.exclude_nodes));
  SZ0_TRY(f.get("min_params", s.prune.min_params));
  SZ0_TRY(f.get("seed", s.prune.seed));
  SZ0_TRY(f.get("reconstruct", s.prune.reconstruct));
  SZ0_TRY(f.get("steps", s.prune.steps));
  if (s.prune.steps < 1) return error("{}: steps must be at least 1", f.where());
  SZ0_TRY(f.get("damp", s.prune.damp));
  if (!(s.prune.damp >= 0 && std::isfinite(s.prune.damp))) return error("{}: damp must be a non-negative number", f.where());
  return {};
}

Status parse_quantize(Fields& f, PipelineStep& s) {
  std::string mode, method = "minmax", activation = "uint8", format = "qdq";
  SZ0_TRY(f.get("mode", mode));
  if (mode.empty()) return error("{}: 'mode' is required (fp16, bf16, int8-dynamic or int8-static)", f.where());
  auto type = parse_quantization_type(mode);
  if (!type.ok()) return type.status().context(f.where());
  s.quantize.type = *type;
  SZ0_TRY(f.get("method", method));
  auto m = parse_calibration_method(method);
  if (!m.ok()) return m.status().context(f.where());
  s.quantize.method = *m;
  SZ0_TRY(f.get("percentile", s.quantize.percentile));
  if (!(s.quantize.percentile > 50 && s.quantize.percentile <= 100))
    return error("{}: percentile {} is outside (50, 100]", f.where(), s.quantize.percentile);
  SZ0_TRY(f.get("per_channel", s.quantize.per_channel));
  SZ0_TRY(f.get("reduce_range", s.quantize.reduce_range));
  SZ0_TRY(f.get("keep_io_types", s.quantize.keep_io_types));
  SZ0_TRY(f.get("activation_type", activation));
  if (activation == "uint8") s.quantize.activation_type = DType::UInt8;
  else if (activation == "int8") s.quantize.activation_type = DType::Int8;
  else return error("{}: activation_type '{}' (expected uint8 or int8)", f.where(), activation);
  SZ0_TRY(f.get("format", format));
  if (format == "qdq") s.quantize.format = QuantFormat::Qdq;
  else if (format == "qoperator") s.quantize.format = QuantFormat::QOperator;
  else return error("{}: format '{}' (expected qdq or qoperator)", f.where(), format);
  SZ0_TRY(f.get_set("exclude_ops", s.quantize.exclude_ops));
  SZ0_TRY(f.get_set("exclude_nodes", s.quantize.exclude_nodes));
  SZ0_TRY(f.get("auto_exclude", s.quantize.auto_exclude));
  SZ0_TRY(f.get("min_sqnr_db", s.quantize.min_sqnr_db));
  if (!std::isfinite(s.quantize.min_sqnr_db)) return error("{}: min_sqnr_db must be a number of dB", f.where());
  const bool int8 = s.quantize.type == QuantizationType::Int8Dynamic || s.quantize.type == QuantizationType::Int8Static;
  if (s.quantize.auto_exclude && !int8) return error("{}: auto_exclude applies to the int8 modes", f.where());
  return {};
}

Status parse_optimize(Fields& f, PipelineStep& s) {
  std::string level = "all";
  SZ0_TRY(f.get("level", level));
  auto l = parse_opt_level(level);
  if (!l) return error("{}: level '{}' (expected basic, extended or all)", f.where(), level);
  s.optimize.level = *l;
  return {};
}

Status parse_benchmark(Fields& f, PipelineStep& s) {
  SZ0_TRY(f.get("iterations", s.iterations));
  if (s.iterations < 0) return error("{}: iterations must not be negative", f.where());
  if (f.has("batch")) {
    std::vector<int64_t> b;
    SZ0_TRY(f.get("batch", b));
    for (int64_t v : b)
      if (v < 1) return error("{}: batch sizes must be at least 1", f.where());
    s.batches = b;
  }
  SZ0_TRY(f.get("concurrency", s.concurrency));
  if (s.concurrency < 1) return error("{}: concurrency must be at least 1", f.where());
  return {};
}

Result<PipelineStep> parse_step(const YAML::Node& node, size_t index) {
  const std::string where = fmt::format("step {}", index + 1);
  if (!node.IsMap()) return error("{}: expected a mapping such as '- quantize: {{mode: fp16}}'", where);
  PipelineStep s;
  std::string kind;
  static const std::set<std::string> kKinds = {"prune", "quantize", "optimize", "benchmark", "engine"};
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return error("{}: keys must be text (line {})", where, kv.first.Mark().line + 1);
    const std::string k = kv.first.Scalar();
    if (k == "gates" || k == "name") continue;
    if (!kKinds.count(k))
      return error("{}: unknown key '{}' (line {}; expected prune, quantize, optimize or benchmark, with optional gates "
                   "and name)",
                   where, k, kv.first.Mark().line + 1);
    if (!kind.empty()) return error("{}: two steps in one entry ('{}' and '{}'): one per list item", where, kind, k);
    kind = k;
  }
  if (kind.empty()) return error("{}: no step (expected prune, quantize, optimize or benchmark)", where);
  const std::string what = fmt::format("{} ({})", where, kind);
  YAML::Node opts = node[kind];
  if (opts.IsNull()) opts = YAML::Node(YAML::NodeType::Map);
  Fields f(opts, what);
  SZ0_TRY(f.check_map());
  if (kind == "prune") {
    s.kind = StepKind::Prune;
    SZ0_TRY(parse_prune(f, s));
  } else if (kind == "quantize") {
    s.kind = StepKind::Quantize;
    SZ0_TRY(parse_quantize(f, s));
  } else if (kind == "optimize") {
    s.kind = StepKind::Optimize;
    SZ0_TRY(parse_optimize(f, s));
  } else if (kind == "benchmark") {
    s.kind = StepKind::Benchmark;
    SZ0_TRY(parse_benchmark(f, s));
  } else {  // "engine"
    return error("{}: engine builds are not available in sz0 yet (steps: prune, quantize, optimize, benchmark)", where);
  }
  SZ0_TRY(f.no_others());
  s.tag = step_tag(s);
  if (node["gates"]) {
    SZ0_ASSIGN(s.gates, parse_gates(node["gates"], what));
  }
  if (node["name"]) {
    if (!node["name"].IsScalar()) return error("{}: 'name' must be text", what);
    s.tag = node["name"].Scalar();
    if (s.tag.empty() || s.tag.find_first_of("/\\") != std::string::npos || safe_file_name(s.tag) != s.tag)
      return error("{}: name '{}' must be a plain file-name part ([A-Za-z0-9_.-])", what, s.tag);
  }
  return s;
}

Result<Recipe> parse_recipe_text(const std::string& text, const std::string& base_dir, const std::string& source);

}  // namespace

Result<Recipe> parse_recipe(const std::string& text, const std::string& base_dir, const std::string& source) {
  try {
    return parse_recipe_text(text, base_dir, source);
  } catch (const YAML::Exception& e) {  // a node of an unexpected kind somewhere: not silently wrong
    return error("{}: {} (line {})", source, e.msg, e.mark.line + 1);
  }
}

namespace {

Result<Recipe> parse_recipe_text(const std::string& text, const std::string& base_dir, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return error("{}: not valid YAML or JSON: {} (line {})", source, e.msg, e.mark.line + 1);
  }
  if (!root.IsMap()) return error("{}: expected a mapping with 'steps'", source);
  Recipe r;
  Fields f(root, source);
  auto path = [&](const char* key, std::string& out) -> Status {
    SZ0_TRY(f.get(key, out));
    if (!out.empty() && fs::path(out).is_relative()) out = (fs::path(base_dir) / out).lexically_normal().string();
    return {};
  };
  SZ0_TRY(path("data", r.data));
  SZ0_TRY(path("calib", r.calib));
  SZ0_TRY(path("labels", r.labels));
  SZ0_TRY(f.get_optional("threads", r.threads));
  SZ0_TRY(f.get_optional("iterations", r.iterations));
  if (r.threads && *r.threads < 1) return error("{}: threads must be at least 1", source);
  if (r.iterations && *r.iterations < 1) return error("{}: iterations must be at least 1", source);
  if (root["gates"]) {
    SZ0_ASSIGN(r.gates, parse_gates(root["gates"], source));
  }
  f.mark("gates");
  f.mark("steps");
  SZ0_TRY(f.no_others());
  const YAML::Node steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) return error("{}: 'steps' must be a non-empty list", source);
  for (size_t i = 0; i < steps.size(); ++i) {
    auto s = parse_step(steps[i], i);
    if (!s.ok()) return s.status().context(source);
    r.steps.push_back(std::move(*s));
  }
  return r;
}

}  // namespace

Result<Recipe> load_recipe(const std::string& path) {
  SZ0_ASSIGN(std::string text, read_file_bytes(path));
  return parse_recipe(text, fs::path(path).parent_path().string(), path);
}

}  // namespace sz0

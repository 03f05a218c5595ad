// ModelBuilder core: values and their types, names, seeded parameters, constants, build().
#include <sz0/builder.h>

#include "zoo/builder_util.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

namespace sz0 {

// --- seeded random streams ---

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

SeededRandom::SeededRandom(uint32_t seed, const std::string& stream) {
  const uint64_t k = splitmix64(fnv1a(stream) ^ splitmix64(seed));
  // std::seed_seq's mixing is specified by the standard, so this is portable.
  std::seed_seq seq{static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32), seed};
  engine_.seed(seq);
}

uint32_t SeededRandom::next_u32() { return static_cast<uint32_t>(engine_()); }

double SeededRandom::uniform() {
  const uint64_t a = next_u32() >> 5, b = next_u32() >> 6;  // 27 + 26 bits
  return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) * (1.0 / 9007199254740992.0);
}

double SeededRandom::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

double SeededRandom::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(t);
  has_spare_ = true;
  return r * std::cos(t);
}

// --- builder core ---

ModelBuilder::ModelBuilder(std::string model_name, BuilderOptions options) : options_(std::move(options)) {
  model_.ir_version = 8;
  model_.opsets = {{"", 17}};
  model_.producer_name = "sz0";
  model_.producer_version = "0.1.0";
  model_.doc = options_.doc;
  model_.graph.name = std::move(model_name);
  if (options_.batch < 0) fail(fmt::format("batch must be positive or 0 (symbolic), got {}", options_.batch));
  if (options_.batch == 0 && options_.batch_symbol.empty()) fail("the symbolic batch axis needs a name");
}

bool ModelBuilder::fail(std::string message) {
  if (status_.ok()) status_ = Status::error(fmt::format("model '{}': {}", model_.graph.name, message));
  return false;
}

bool ModelBuilder::check(const Var& v, const char* what) {
  if (!status_.ok()) return false;
  if (!v.valid()) return fail(fmt::format("{}: invalid input value", what));
  if (!types_.count(v.name)) return fail(fmt::format("{}: unknown value '{}'", what, v.name));
  return true;
}

const TypeInfo* ModelBuilder::type_of(const Var& v) const {
  auto it = types_.find(v.name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<Dim> ModelBuilder::dims(const Var& v) const {
  const TypeInfo* t = type_of(v);
  return t && t->shape ? *t->shape : std::vector<Dim>{};
}

void ModelBuilder::push_scope(const std::string& scope) { scopes_.push_back(scope); }

void ModelBuilder::pop_scope() {
  if (scopes_.empty()) {
    fail("pop_scope without a matching push_scope");
    return;
  }
  scopes_.pop_back();
}

std::string ModelBuilder::layer_name(const std::string& given, const std::string& kind) {
  std::string prefix;
  for (const std::string& s : scopes_) prefix += s + ".";
  if (!given.empty()) return prefix + given;
  const std::string key = prefix + kind;
  return fmt::format("{}_{}", key, counters_[key]++);
}

std::string ModelBuilder::fresh_value(const std::string& base) {
  std::string name = base;
  for (int n = 1; types_.count(name); ++n) name = fmt::format("{}_{}", base, n);
  return name;
}

Node& ModelBuilder::emit_node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                              std::vector<std::string> outputs, std::vector<Attribute> attrs) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attrs);
  model_.graph.nodes.push_back(std::move(n));
  return model_.graph.nodes.back();
}

Var ModelBuilder::emit(const std::string& op, const std::vector<std::string>& inputs, TypeInfo out_type,
                       std::vector<Attribute> attrs, const std::string& name) {
  std::string kind = op;
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string node = name.empty() ? layer_name("", kind) : name;
  const std::string out = fresh_value(node);
  emit_node(op, node, inputs, {out}, std::move(attrs));
  types_[out] = std::move(out_type);
  return Var{out};
}

std::string ModelBuilder::add_initializer(const std::string& name, Tensor t) {
  if (types_.count(name) || model_.graph.initializers.count(name)) {
    fail(fmt::format("parameter name '{}' is used twice (give layers distinct names)", name));
    return name;
  }
  types_[name] = TypeInfo::of(t);
  parameter_count_ += t.numel();
  model_.graph.initializers[name] = std::move(t);
  return name;
}

std::string ModelBuilder::weight(const std::string& name, const Shape& shape, Init init, int64_t fan_in,
                                 int64_t fan_out) {
  Tensor t(DType::Float, shape);
  SeededRandom rng(options_.seed, name);
  float* p = t.data<float>();
  if (init == Init::Kaiming) {
    const double std = std::sqrt(2.0 / static_cast<double>(std::max<int64_t>(fan_in, 1)));
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.normal() * std);
  } else {
    const double bound = std::sqrt(6.0 / static_cast<double>(std::max<int64_t>(fan_in + fan_out, 1)));
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.uniform(-bound, bound));
  }
  return add_initializer(name, std::move(t));
}

std::string ModelBuilder::uniform_param(const std::string& name, const Shape& shape, float lo, float hi) {
  Tensor t(DType::Float, shape);
  SeededRandom rng(options_.seed, name);
  for (float& v : t.span<float>()) v = static_cast<float>(rng.uniform(lo, hi));
  return add_initializer(name, std::move(t));
}

Var ModelBuilder::parameter(const std::string& name, const Shape& shape, float stddev) {
  if (!status_.ok()) return {};
  for (int64_t d : shape)
    if (d <= 0) {
      fail(fmt::format("parameter '{}': dims must be positive, got {}", name, shape_str(shape)));
      return {};
    }
  const std::string full = layer_name(name, "param");
  Tensor t(DType::Float, shape);
  SeededRandom rng(options_.seed, full);
  for (float& v : t.span<float>()) v = static_cast<float>(rng.normal() * stddev);
  const std::string n = add_initializer(full, std::move(t));
  return status_.ok() ? Var{n} : Var{};
}

std::string ModelBuilder::constant_i64(const std::vector<int64_t>& values, bool scalar) {
  std::string key = scalar ? "i64s:" : "i64:";
  for (int64_t v : values) key += std::to_string(v) + ",";
  if (auto it = constants_.find(key); it != constants_.end()) return it->second;
  Tensor t = scalar ? Tensor::scalar<int64_t>(values.at(0)) : Tensor::from_vector(values);
  const std::string name = fresh_value(fmt::format("const_{}", constants_.size()));
  emit_node("Constant", name, {}, {name}, {builder_util::attr_tensor("value", t)});
  types_[name] = TypeInfo::of(t);
  constants_[key] = name;
  return name;
}

std::string ModelBuilder::constant_f32(float value) {
  const std::string key = fmt::format("f32:{}", value);
  if (auto it = constants_.find(key); it != constants_.end()) return it->second;
  Tensor t = Tensor::scalar<float>(value);
  const std::string name = fresh_value(fmt::format("const_{}", constants_.size()));
  emit_node("Constant", name, {}, {name}, {builder_util::attr_tensor("value", t)});
  types_[name] = TypeInfo::of(t);
  constants_[key] = name;
  return name;
}

Var ModelBuilder::input(const std::string& name, DType dtype, const std::vector<int64_t>& dims) {
  if (!status_.ok()) return {};
  if (name.empty()) {
    fail("an input needs a name");
    return {};
  }
  if (types_.count(name)) {
    fail(fmt::format("input '{}' is defined twice", name));
    return {};
  }
  std::vector<Dim> shape{options_.batch > 0 ? Dim(options_.batch) : Dim(options_.batch_symbol)};
  for (int64_t d : dims) {
    if (d <= 0) {
      fail(fmt::format("input '{}': dims must be positive, got {}", name, shape_str(dims)));
      return {};
    }
    shape.push_back(Dim(d));
  }
  TypeInfo t(dtype, shape);
  model_.graph.inputs.push_back({name, t, ""});
  types_[name] = t;
  return Var{name};
}

Var ModelBuilder::output(Var v, const std::string& name) {
  if (!check(v, "output")) return {};
  if (name.empty()) {
    fail("an output needs a name");
    return {};
  }
  if (name != v.name && types_.count(name)) {
    fail(fmt::format("output name '{}' is already used", name));
    return {};
  }
  const bool produced = std::any_of(model_.graph.nodes.begin(), model_.graph.nodes.end(), [&](const Node& n) {
    return std::find(n.outputs.begin(), n.outputs.end(), v.name) != n.outputs.end();
  });
  const bool is_output = model_.graph.find_output(v.name) != nullptr;
  const TypeInfo type = types_[v.name];
  if (!produced || is_output) {  // graph inputs, parameters, outputs: copy through Identity
    if (name == v.name) {
      fail(fmt::format("output '{}': give the copy a different name", name));
      return {};
    }
    emit_node("Identity", name, {v.name}, {name}, {});
  } else if (name != v.name) {  // rename the value everywhere
    for (Node& n : model_.graph.nodes) {
      for (std::string& s : n.inputs)
        if (s == v.name) s = name;
      for (std::string& s : n.outputs)
        if (s == v.name) s = name;
    }
    types_.erase(v.name);
  }
  types_[name] = type;
  model_.graph.outputs.push_back({name, type, ""});
  return Var{name};
}

Result<Model> ModelBuilder::build() {
  if (built_) return error("model '{}': build() was already called", model_.graph.name);
  SZ0_TRY(status_);
  if (!scopes_.empty()) return error("model '{}': {} scope(s) still open", model_.graph.name, scopes_.size());
  if (model_.graph.outputs.empty()) return error("model '{}': no outputs", model_.graph.name);
  const auto problems = validate_model(model_);
  if (!problems.empty()) return error("model '{}': {}", model_.graph.name, problems.front());
  built_ = true;
  return std::move(model_);
}

}  // namespace sz0

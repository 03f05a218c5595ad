#include <sz0/graph.h>

#include <algorithm>
#include <set>

namespace sz0 {

TypeInfo TypeInfo::of(const Tensor& t) {
  std::vector<Dim> dims(t.shape().begin(), t.shape().end());
  return TypeInfo(t.dtype(), std::move(dims));
}

bool TypeInfo::fully_known() const {
  if (!shape) return false;
  return std::all_of(shape->begin(), shape->end(), [](const Dim& d) { return d.known(); });
}

Shape TypeInfo::concrete() const {
  Shape s;
  for (const Dim& d : *shape) s.push_back(d.value);
  return s;
}

std::string TypeInfo::str() const {
  if (!opaque_type.empty()) return "(non-tensor type)";
  std::string s(dtype_name(dtype));
  if (!shape) return s + "[?]";
  s += "[";
  for (size_t i = 0; i < shape->size(); ++i) {
    const Dim& d = (*shape)[i];
    if (i) s += ",";
    s += d.known() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol);
  }
  return s + "]";
}

const Attribute* Node::attr(std::string_view n) const {
  for (const Attribute& a : attributes)
    if (a.name == n) return &a;
  return nullptr;
}

int64_t Node::attr_int(std::string_view n, int64_t fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind == Attribute::Kind::Int ? a->i : fallback;
}

float Node::attr_float(std::string_view n, float fallback) const {
  const Attribute* a = attr(n);
  if (!a) return fallback;
  if (a->kind == Attribute::Kind::Float) return a->f;
  if (a->kind == Attribute::Kind::Int) return static_cast<float>(a->i);
  return fallback;
}

std::string Node::attr_string(std::string_view n, std::string_view fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind == Attribute::Kind::String ? a->s : std::string(fallback);
}

std::vector<int64_t> Node::attr_ints(std::string_view n, std::vector<int64_t> fallback) const {
  const Attribute* a = attr(n);
  if (a && a->kind == Attribute::Kind::Ints) return a->ints;
  if (a && a->kind == Attribute::Kind::Int) return {a->i};
  return fallback;
}

std::vector<float> Node::attr_floats(std::string_view n, std::vector<float> fallback) const {
  const Attribute* a = attr(n);
  if (a && a->kind == Attribute::Kind::Floats) return a->floats;
  if (a && a->kind == Attribute::Kind::Float) return {a->f};
  return fallback;
}

std::vector<std::string> Node::attr_strings(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind == Attribute::Kind::Strings ? a->strings : std::vector<std::string>{};
}

const Tensor* Node::attr_tensor(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind == Attribute::Kind::Tensor ? &a->t : nullptr;
}

const Graph* Node::attr_graph(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind == Attribute::Kind::Graph ? a->g.get() : nullptr;
}

Attribute& Node::set_attr(Attribute a) {
  for (Attribute& x : attributes)
    if (x.name == a.name) return x = std::move(a);
  attributes.push_back(std::move(a));
  return attributes.back();
}

std::string Node::label() const {
  std::string id = name;
  for (size_t i = 0; id.empty() && i < outputs.size(); ++i) id = outputs[i];
  return fmt::format("node '{}' ({})", id.empty() ? "?" : id,
                     domain.empty() || domain == "ai.onnx" ? op_type : domain + ":" + op_type);
}

namespace {
const ValueInfo* find(const std::vector<ValueInfo>& v, std::string_view name) {
  for (const ValueInfo& x : v)
    if (x.name == name) return &x;
  return nullptr;
}
}  // namespace

const ValueInfo* Graph::find_input(std::string_view n) const { return find(inputs, n); }
const ValueInfo* Graph::find_output(std::string_view n) const { return find(outputs, n); }
const ValueInfo* Graph::find_value_info(std::string_view n) const { return find(value_info, n); }

std::vector<const ValueInfo*> Graph::runtime_inputs() const {
  std::vector<const ValueInfo*> r;
  for (const ValueInfo& v : inputs)
    if (!initializers.count(v.name)) r.push_back(&v);
  return r;
}

int64_t Model::opset(std::string_view d) const {
  const bool onnx = d.empty() || d == "ai.onnx";
  for (const OpsetImport& o : opsets)
    if (o.domain == d || (onnx && (o.domain.empty() || o.domain == "ai.onnx"))) return o.version;
  return 0;
}

}  // namespace sz0

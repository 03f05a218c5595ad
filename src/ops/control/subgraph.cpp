#include "ops/control/subgraph.h"

#include <cstring>
#include <map>
#include <memory>
#include <string>

namespace sz0::ops::control {

namespace {

bool onnx_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// Declared type, with what the caller knows filling the gaps.
TypeInfo input_type(const ValueInfo& v, const TypeInfo* known) {
  TypeInfo t = v.type;
  if (!known) return t;
  if (t.dtype == DType::Undefined) t.dtype = known->dtype;
  if (!t.shape) t.shape = known->shape;
  return t;
}

}  // namespace

std::vector<TypeInfo> subgraph_output_types(const Graph& g, std::span<const TypeInfo> inputs, int64_t opset) {
  std::vector<TypeInfo> out;
  bool complete = true;
  for (const ValueInfo& v : g.outputs) {
    out.push_back(v.type);
    if (v.type.dtype == DType::Undefined && v.type.opaque_type.empty()) complete = false;
  }
  if (complete) return out;

  // Walk the body with the types we know; outer-scope names stay unknown.
  std::map<std::string, TypeInfo> types;
  for (auto& [name, t] : g.initializers) types[name] = TypeInfo::of(t);
  for (size_t i = 0; i < g.inputs.size(); ++i)
    types[g.inputs[i].name] = input_type(g.inputs[i], i < inputs.size() ? &inputs[i] : nullptr);
  for (const Node& node : g.nodes) {
    InferContext ctx(node, onnx_domain(node.domain) ? opset : 1);
    for (const std::string& in : node.inputs) {
      auto it = in.empty() ? types.end() : types.find(in);
      ctx.inputs.push_back(it == types.end() ? TypeInfo{} : it->second);
      auto c = in.empty() ? g.initializers.end() : g.initializers.find(in);
      ctx.values.push_back(c == g.initializers.end() ? nullptr : &c->second);
    }
    if (!infer_node(ctx).ok()) continue;  // outputs stay unknown
    for (size_t i = 0; i < node.outputs.size() && i < ctx.outputs.size(); ++i)
      if (!node.outputs[i].empty()) types[node.outputs[i]] = ctx.outputs[i];
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    if (out[i].dtype != DType::Undefined || !out[i].opaque_type.empty()) continue;
    auto it = types.find(g.outputs[i].name);
    if (it == types.end()) continue;
    out[i].dtype = it->second.dtype;
    if (!out[i].shape) out[i].shape = it->second.shape;
  }
  return out;
}

Status check_tensor_outputs(const Node& node, const Graph& g) {
  for (const ValueInfo& v : g.outputs)
    if (!v.type.opaque_type.empty())
      return error("{}: subgraph output '{}' is not a tensor; only tensor types are supported", node.label(), v.name);
  return {};
}

TypeInfo merge_types(const TypeInfo& a, const TypeInfo& b) {
  TypeInfo t;
  t.dtype = a.dtype != DType::Undefined ? a.dtype : b.dtype;
  if (a.shape && b.shape && a.shape->size() == b.shape->size()) {
    std::vector<Dim> dims;
    for (size_t i = 0; i < a.shape->size(); ++i) dims.push_back((*a.shape)[i] == (*b.shape)[i] ? (*a.shape)[i] : Dim());
    t.shape = std::move(dims);
  }
  return t;
}

TypeInfo insert_dim(const TypeInfo& t, int64_t axis, Dim dim) {
  TypeInfo r = t;
  if (r.shape && axis >= 0 && axis <= static_cast<int64_t>(r.shape->size()))
    r.shape->insert(r.shape->begin() + axis, std::move(dim));
  else
    r.shape.reset();
  return r;
}

TypeInfo remove_dim(const TypeInfo& t, int64_t axis) {
  TypeInfo r = t;
  if (r.shape && axis >= 0 && axis < static_cast<int64_t>(r.shape->size()))
    r.shape->erase(r.shape->begin() + axis);
  else
    r.shape.reset();
  return r;
}

Tensor slice_axis(const Tensor& x, int64_t axis, int64_t index) {
  const Shape& s = x.shape();
  Shape out_shape;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d < axis) outer *= s[d];
    if (d > axis) inner *= s[d];
    if (d != axis) out_shape.push_back(s[d]);
  }
  const size_t es = dtype_size(x.dtype());
  const int64_t len = s[axis];
  const auto* src = static_cast<const char*>(x.raw());
  if (outer == 1) {
    // Contiguous: a view that keeps x's buffer alive (never written: inputs are read-only).
    auto holder = std::make_shared<Tensor>(x);
    char* base = static_cast<char*>(holder->raw()) + static_cast<size_t>(index * inner) * es;
    return Tensor(x.dtype(), std::move(out_shape), std::shared_ptr<void>(holder), base);
  }
  Tensor r(x.dtype(), std::move(out_shape));
  auto* dst = static_cast<char*>(r.raw());
  const size_t row = static_cast<size_t>(inner) * es;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + static_cast<size_t>(o) * row, src + static_cast<size_t>(o * len + index) * row, row);
  return r;
}

Tensor stack_axis(std::span<const Tensor* const> items, DType dtype, const Shape& item_shape, int64_t axis,
                  bool reverse) {
  const int64_t n = static_cast<int64_t>(items.size());
  Shape out_shape = item_shape;
  out_shape.insert(out_shape.begin() + axis, n);
  Tensor r(dtype, out_shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(item_shape.size()); ++d) (d < axis ? outer : inner) *= item_shape[d];
  const size_t row = static_cast<size_t>(inner) * dtype_size(dtype);
  auto* dst = static_cast<char*>(r.raw());
  for (int64_t i = 0; i < n; ++i) {
    if (!items[i] || row == 0) continue;  // zeros already
    const int64_t pos = reverse ? n - 1 - i : i;
    const auto* src = static_cast<const char*>(items[i]->raw());
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + static_cast<size_t>(o * n + pos) * row, src + static_cast<size_t>(o) * row, row);
  }
  return r;
}

Shape shape_or_zeros(const TypeInfo& t) {
  Shape s;
  if (t.shape)
    for (const Dim& d : *t.shape) s.push_back(d.known() ? d.value : 0);
  return s;
}

DType dtype_or_float(const TypeInfo& t) { return t.dtype == DType::Undefined ? DType::Float : t.dtype; }

}  // namespace sz0::ops::control

// LayerNormalization fusion (all).
// Targets: the decomposition exporters write for layer norm over trailing axes:
//            m = ReduceMean(x); d = x - m; v = ReduceMean(d ^ 2); y = d / Sqrt(v + eps)
//          then optionally y * scale and + bias (constants). See match_layer_norm.
// Applies: ai.onnx opset 17 or newer (LayerNormalization's first version); both means over the
//          same trailing axes with keepdims; the normalized dims of x known; scale and bias
//          broadcast only within the normalized dims; interior values feed nothing else.
// Changes: one LayerNormalization(x, scale, bias) node (scale of ones when there was none).
#include "passes/patterns.h"

#include <algorithm>

namespace sz0::passes {

namespace {

// Axes of a ReduceMean with keepdims, normalized against `rank`; nullopt when unknown.
std::optional<std::vector<int64_t>> mean_axes(const GraphView& v, const Node& n, int rank) {
  if (n.attr_int("keepdims", 1) != 1) return std::nullopt;
  std::vector<int64_t> axes;
  if (v.opset() >= 18) {
    if (n.has_input(1)) {
      const Tensor* t = v.constant(n.inputs[1]);
      if (!t) return std::nullopt;
      axes = t->to_int64();
    }
    if (axes.empty() && n.attr_int("noop_with_empty_axes", 0)) return std::nullopt;
  } else {
    axes = n.attr_ints("axes");
  }
  if (rank < 0) return std::nullopt;
  if (axes.empty())
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  for (int64_t& a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return std::nullopt;
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

// The operand of binary node `n` that is a constant, and the other one.
std::optional<std::pair<const Tensor*, std::string>> constant_operand(const GraphView& v, const Node& n, std::string* const_name) {
  if (n.inputs.size() != 2) return std::nullopt;
  for (int side = 1; side >= 0; --side) {
    const std::string& c = n.inputs[static_cast<size_t>(side)];
    if (const Tensor* t = v.constant(c)) {
      if (const_name) *const_name = c;
      return std::make_pair(t, n.inputs[static_cast<size_t>(1 - side)]);
    }
  }
  return std::nullopt;
}

// True when `t` (leading 1s aside) has the shape of a suffix of `dims`.
bool broadcasts_within(const Tensor& t, const Shape& dims) {
  Shape s = t.shape();
  while (!s.empty() && s.front() == 1) s.erase(s.begin());
  if (s.size() > dims.size()) return false;
  return std::equal(s.begin(), s.end(), dims.end() - static_cast<std::ptrdiff_t>(s.size()));
}

}  // namespace

std::optional<LayerNormMatch> match_layer_norm(const GraphView& v, int anchor) {
  LayerNormMatch m;
  std::vector<int> nodes = {anchor};
  const Node* cur = &v.node(anchor);
  if (!is_onnx_domain(cur->domain) || !cur->has_output(0)) return std::nullopt;
  m.output = cur->outputs[0];
  auto step = [&](const std::string& name, std::string_view op) -> const Node* {
    const Node* n = v.producer_of(name, op);
    if (!n || !v.single_use(name)) return nullptr;
    nodes.push_back(v.producer(name));
    return n;
  };
  if (cur->op_type == "Add") {
    auto c = constant_operand(v, *cur, &m.bias);
    if (!c) return std::nullopt;
    const std::string inner = c->second;
    cur = v.producer_of(inner, "Mul") ? step(inner, "Mul") : step(inner, "Div");
    if (!cur) return std::nullopt;
  }
  if (cur->op_type == "Mul") {
    auto c = constant_operand(v, *cur, &m.scale);
    if (!c) return std::nullopt;
    cur = step(c->second, "Div");
    if (!cur) return std::nullopt;
  }
  if (cur->op_type != "Div" || cur->inputs.size() != 2) return std::nullopt;
  const int div_index = nodes.back();
  const std::string d = cur->inputs[0];
  const Node* sqrt = step(cur->inputs[1], "Sqrt");
  if (!sqrt || sqrt->inputs.size() != 1) return std::nullopt;
  const Node* add_eps = step(sqrt->inputs[0], "Add");
  if (!add_eps) return std::nullopt;
  auto eps = constant_operand(v, *add_eps, nullptr);
  if (!eps || eps->first->numel() != 1 || !dtype_is_float(eps->first->dtype())) return std::nullopt;
  m.epsilon = static_cast<float>(eps->first->get_double(0));
  const Node* var = step(eps->second, "ReduceMean");
  if (!var || var->inputs.empty()) return std::nullopt;
  const std::string sq = var->inputs[0];
  const int sq_index = v.producer(sq);
  const Node* pow = v.producer_of(sq, "Pow");
  const Node* self_mul = v.producer_of(sq, "Mul");
  if (pow && pow->inputs.size() == 2 && pow->inputs[0] == d && is_scalar_value(v.constant(pow->inputs[1]), 2.0)) {
    if (!step(sq, "Pow")) return std::nullopt;
  } else if (self_mul && self_mul->inputs.size() == 2 && self_mul->inputs[0] == d && self_mul->inputs[1] == d) {
    if (!step(sq, "Mul")) return std::nullopt;
  } else {
    return std::nullopt;
  }
  // d = x - mean(x), read by the square and the division only.
  const Node* sub = v.producer_of(d, "Sub");
  if (!sub || sub->inputs.size() != 2) return std::nullopt;
  auto d_readers = v.only_readers(d);
  if (!d_readers) return std::nullopt;
  for (int r : *d_readers)
    if (r != div_index && r != sq_index) return std::nullopt;
  nodes.push_back(v.producer(d));
  m.x = sub->inputs[0];
  const Node* mean = step(sub->inputs[1], "ReduceMean");
  if (!mean || mean->inputs.empty() || mean->inputs[0] != m.x) return std::nullopt;
  // Axes: the same trailing run in both means.
  const TypeInfo* xt = v.type(m.x);
  if (!xt || !xt->has_rank() || !dtype_is_float(xt->dtype)) return std::nullopt;
  const int rank = xt->rank();
  auto a1 = mean_axes(v, *mean, rank);
  auto a2 = mean_axes(v, *var, rank);
  if (!a1 || !a2 || *a1 != *a2 || a1->empty()) return std::nullopt;
  for (size_t i = 0; i < a1->size(); ++i)
    if ((*a1)[i] != rank - static_cast<int64_t>(a1->size()) + static_cast<int64_t>(i)) return std::nullopt;
  m.axis = -static_cast<int64_t>(a1->size());
  for (int64_t a : *a1) {
    const Dim& dim = (*xt->shape)[static_cast<size_t>(a)];
    if (!dim.known()) return std::nullopt;
    m.normalized.push_back(dim.value);
  }
  for (const std::string* c : {&m.scale, &m.bias})
    if (!c->empty()) {
      const Tensor* t = v.constant(*c);
      if (t->dtype() != xt->dtype || t->rank() > rank || !broadcasts_within(*t, m.normalized)) return std::nullopt;
    }
  m.nodes = std::move(nodes);
  return m;
}

namespace {

// `t` broadcast to `dims` (t's shape is a suffix of dims, leading 1s aside).
Tensor expand_to(const Tensor& t, const Shape& dims) {
  if (t.shape() == dims) return t;
  const std::vector<double> src = as_doubles(t);
  std::vector<double> out(static_cast<size_t>(shape_numel(dims)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = src[i % src.size()];
  return from_doubles(out, dims, t.dtype());
}

}  // namespace

Result<Patch> fuse_layer_norm(const GraphView& v, PassContext& ctx) {
  Patch p;
  if (v.opset() < 17) return p;
  // Last node first: the longest pattern (with scale and bias) claims its nodes before the
  // shorter one ending at the Div could.
  for (int i = v.size(); i-- > 0;) {
    auto m = match_layer_norm(v, i);
    if (!m || !p.free(m->nodes)) continue;
    const DType dt = v.type(m->x)->dtype;
    std::vector<std::string> inputs = {m->x};
    auto add_param = [&](const std::string& name, double fill, const char* what) {
      if (!name.empty() && v.constant(name)->shape() == m->normalized) return name;
      Tensor t = name.empty() ? from_doubles(std::vector<double>(static_cast<size_t>(shape_numel(m->normalized)), fill),
                                             m->normalized, dt)
                              : expand_to(*v.constant(name), m->normalized);
      const std::string fresh = ctx.names.fresh(m->output + what);
      p.add_initializers[fresh] = t;
      return fresh;
    };
    inputs.push_back(add_param(m->scale, 1.0, ".scale"));
    if (!m->bias.empty()) inputs.push_back(add_param(m->bias, 0.0, ".bias"));
    Node ln = make_node("LayerNormalization", inputs, {m->output}, v.node(i).name);
    ln.attributes = {make_attr_int("axis", m->axis), make_attr_float("epsilon", m->epsilon)};
    p.replace(m->nodes, {std::move(ln)});
  }
  return p;
}

}  // namespace sz0::passes

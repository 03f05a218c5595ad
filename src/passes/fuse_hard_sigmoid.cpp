// HardSigmoid fusion (all).
// Targets: Clip(x + b, 0, d) / d, or the same times 1 / d: what exporters write for
//          hard sigmoid (b = 3, d = 6 in PyTorch's form); and x * Clip(x + b, 0, d) / d, the
//          hard swish some exporters write below opset 14.
// Applies: the constants are scalars and the interior values feed nothing else. HardSigmoid
//          exists since opset 1, so any opset.
// Changes: one HardSigmoid(x, alpha = 1 / d, beta = b / d) node; for the swish form,
//          x * HardSigmoid(x) (which fuse_hard_swish turns into HardSwish from opset 14).
#include "passes/patterns.h"

#include <cfloat>
#include <cmath>
#include <limits>

namespace sz0::passes {

namespace {

constexpr double kTol = 1e-5;

bool near(double a, double b) { return std::fabs(a - b) <= kTol * std::max(1.0, std::fabs(b)); }

// A scalar constant operand of binary node `n`; the other operand in `other`.
std::optional<double> scalar_operand(const GraphView& v, const Node& n, bool either_side, std::string& other) {
  if (n.inputs.size() != 2) return std::nullopt;
  for (int side = 1; side >= (either_side ? 0 : 1); --side) {
    const Tensor* c = v.constant(n.inputs[static_cast<size_t>(side)]);
    if (c && c->numel() == 1 && c->dtype() != DType::String) {
      other = n.inputs[static_cast<size_t>(1 - side)];
      return c->get_double(0);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ShiftedClip> match_shifted_clip(const GraphView& v, const std::string& clip_output) {
  const Node* clip = v.producer_of(clip_output, "Clip");
  if (!clip || clip->inputs.empty()) return std::nullopt;
  ShiftedClip m;
  m.output = clip_output;
  m.lo = -std::numeric_limits<double>::infinity();
  m.hi = std::numeric_limits<double>::infinity();
  if (v.opset() >= 11) {
    for (size_t k = 1; k <= 2; ++k) {
      if (!clip->has_input(k)) continue;
      const Tensor* b = v.constant(clip->inputs[k]);
      if (!b || b->numel() != 1) return std::nullopt;
      (k == 1 ? m.lo : m.hi) = b->get_double(0);
    }
  } else {
    m.lo = clip->attr_float("min", -FLT_MAX);
    m.hi = clip->attr_float("max", FLT_MAX);
  }
  const std::string& a = clip->inputs[0];
  const Node* add = v.producer_of(a, "Add");
  if (!add || !v.single_use(a)) return std::nullopt;
  auto shift = scalar_operand(v, *add, true, m.x);
  if (!shift) return std::nullopt;
  m.shift = *shift;
  const TypeInfo* t = v.type(m.x);
  if (t && t->dtype != DType::Undefined && !dtype_is_float(t->dtype)) return std::nullopt;
  m.nodes = {v.producer(a), v.producer(clip_output)};
  return m;
}

Result<Patch> fuse_hard_sigmoid(const GraphView& v, PassContext& ctx) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (!is_onnx_domain(n.domain) || (n.op_type != "Div" && n.op_type != "Mul") || !n.has_output(0)) continue;
    std::string c;
    auto k = scalar_operand(v, n, n.op_type == "Mul", c);
    if (!k || *k == 0) continue;
    const double d = n.op_type == "Div" ? *k : 1.0 / *k;
    Node hs = make_node("HardSigmoid", {}, {n.outputs[0]}, n.name);
    hs.attributes = {make_attr_float("alpha", static_cast<float>(1.0 / d)), make_attr_float("beta", 0)};
    if (auto m = match_shifted_clip(v, c); m && v.single_use(c) && m->lo == 0 && near(m->hi, d)) {
      m->nodes.push_back(i);
      if (!p.free(m->nodes)) continue;
      hs.inputs = {m->x};
      hs.attributes[1].f = static_cast<float>(m->shift / d);
      p.replace(m->nodes, {std::move(hs)});
      continue;
    }
    // x * Clip(x + b, 0, d) / d → x * HardSigmoid(x).
    const Node* mul = v.producer_of(c, "Mul");
    if (!mul || mul->inputs.size() != 2 || !v.single_use(c)) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string& x = mul->inputs[static_cast<size_t>(side)];
      const std::string& cl = mul->inputs[static_cast<size_t>(1 - side)];
      auto m = match_shifted_clip(v, cl);
      if (!m || m->x != x || !v.single_use(cl) || m->lo != 0 || !near(m->hi, d)) continue;
      m->nodes.insert(m->nodes.end(), {v.producer(c), i});
      if (!p.free(m->nodes)) break;
      const std::string h = ctx.names.fresh(n.outputs[0] + ".hard_sigmoid");
      hs.inputs = {x};
      hs.outputs = {h};
      hs.name = h;
      hs.attributes[1].f = static_cast<float>(m->shift / d);
      p.replace(m->nodes, {std::move(hs), make_node("Mul", {x, h}, {n.outputs[0]}, n.name)});
      break;
    }
  }
  return p;
}

}  // namespace sz0::passes

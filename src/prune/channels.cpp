// Channel dependency groups. One forward pass over the graph (nodes are in topological order)
// gives every tensor that carries a producer's channels a layout: which group's channels lie
// where along its channel axis. Ops that cannot follow a layout block the groups they read.
// Removal (channel_removal.cpp) then slices what the layouts reach.
#include "prune/channel_plan.h"

#include "passes/pass.h"

#include <sz0/session.h>

#include <algorithm>
#include <cmath>

namespace sz0::prune {

namespace {

using Layout = ChannelPlan::Layout;

std::string node_id(const Node& n) { return n.name.empty() && !n.outputs.empty() ? n.outputs[0] : n.name; }

// Elementwise unary ops: each output element depends on the same element of the input only.
const std::set<std::string>& unary_ops() {
  static const std::set<std::string> k = {
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "Elu", "Selu",
      "Celu", "Softplus", "Softsign", "Erf", "Identity", "Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal",
      "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh",
      "Acosh", "Atanh", "ThresholdedRelu", "Mish", "Gelu", "Shrink", "Not", "IsNaN", "IsInf", "Cast", "Dropout"};
  return k;
}

// Elementwise ops of several operands, with numpy broadcasting.
const std::set<std::string>& elementwise_ops() {
  static const std::set<std::string> k = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod",
                                          "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                                          "And", "Or", "Xor"};
  return k;
}

const std::set<std::string>& pool_ops() {
  static const std::set<std::string> k = {"MaxPool",           "AveragePool",   "LpPool",
                                          "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"};
  return k;
}

// Every value a subgraph reads (names it defines itself included; they never clash in SSA).
void collect_reads(const Graph& g, std::set<std::string>& out) {
  for (const Node& n : g.nodes) {
    for (const std::string& in : n.inputs) out.insert(in);
    for (const Attribute& a : n.attributes) {
      if (a.g) collect_reads(*a.g, out);
      for (const auto& sg : a.graphs) collect_reads(*sg, out);
    }
  }
}

}  // namespace

std::set<std::string> subgraph_reads(const Node& n) {
  std::set<std::string> out;
  for (const Attribute& a : n.attributes) {
    if (a.g) collect_reads(*a.g, out);
    for (const auto& sg : a.graphs) collect_reads(*sg, out);
  }
  out.erase("");
  return out;
}

namespace {

class Analyzer {
 public:
  Analyzer(const Model& model, const GraphTypes& types) : g_(model.graph), types_(types) {
    for (const Node& n : g_.nodes) {
      for (const std::string& in : n.inputs)
        if (!in.empty()) ++readers_[in];
      for (const std::string& in : subgraph_reads(n)) ++readers_[in];
    }
  }

  ChannelAnalysis run() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) visit(i);
    for (const ValueInfo& o : g_.outputs)
      if (const Layout* l = layout(o.name)) block(*l, fmt::format("reaches graph output '{}'", o.name));
    return finish();
  }

 private:
  struct Visit {
    const Node& n;
    size_t index;
    std::vector<bool> ok;  // inputs whose layout the op follows
    std::string why;       // detail for the groups of the other inputs
  };

  const Layout* layout(const std::string& name) const {
    auto it = state_.find(name);
    return it == state_.end() ? nullptr : &it->second;
  }
  const std::vector<Dim>* dims(const std::string& name) const {
    auto it = types_.types.find(name);
    return it == types_.types.end() || !it->second.shape ? nullptr : &*it->second.shape;
  }
  int rank(const std::string& name) const {
    const auto* d = dims(name);
    return d ? static_cast<int>(d->size()) : -1;
  }
  const Tensor* constant(const std::string& name) const {
    auto it = types_.constants.find(name);
    return name.empty() || it == types_.constants.end() ? nullptr : &it->second;
  }
  const Tensor* float_initializer(const std::string& name) const {
    auto it = g_.initializers.find(name);
    return it == g_.initializers.end() || it->second.dtype() != DType::Float ? nullptr : &it->second;
  }
  bool shared(const std::string& name) const {
    auto it = readers_.find(name);
    return it == readers_.end() || it->second != 1 || g_.find_output(name);
  }
  const Tensor* vector_constant(const std::string& name, int64_t size) const {
    const Tensor* c = constant(name);
    return c && c->rank() == 1 && c->dim(0) == size ? c : nullptr;
  }

  int new_group(size_t node, int64_t channels) {
    parent_.push_back(static_cast<int>(parent_.size()));
    channels_.push_back(channels);
    reason_.emplace_back();
    plan_.producer.push_back(node);
    return parent_.back();
  }
  int& up(int g) { return parent_[static_cast<size_t>(g)]; }
  int find(int g) {
    while (up(g) != g) {
      up(g) = up(up(g));
      g = up(g);
    }
    return g;
  }
  void block_group(int g, const std::string& why) {
    if (g >= 0 && reason_[static_cast<size_t>(g)].empty()) reason_[static_cast<size_t>(g)] = why;
  }
  void block(const Layout& l, const std::string& why) {
    for (const auto& s : l.segs) block_group(s.group, why);
  }
  void unite(int a, int b, const Node& n) {
    if (a < 0 || b < 0) {
      block_group(std::max(a, b), fmt::format("{} joins it with channels that stay", n.label()));
      return;
    }
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (channels_[static_cast<size_t>(a)] != channels_[static_cast<size_t>(b)]) {
      const std::string why = fmt::format("{} joins groups of {} and {} channels", n.label(),
                                          channels_[static_cast<size_t>(a)], channels_[static_cast<size_t>(b)]);
      block_group(a, why);
      block_group(b, why);
    }
    parent_[static_cast<size_t>(std::max(a, b))] = std::min(a, b);
  }
  // Layouts that must stay aligned (both operands of a residual Add): same shape, groups merged.
  bool join(const std::vector<const Layout*>& ls, const Node& n) {
    for (const Layout* l : ls)
      if (l->span != ls[0]->span || l->segs.size() != ls[0]->segs.size()) return false;
    for (const Layout* l : ls)
      for (size_t s = 0; s < l->segs.size(); ++s)
        if (l->segs[s].count != ls[0]->segs[s].count) return false;
    for (const Layout* l : ls)
      for (size_t s = 0; s < l->segs.size(); ++s) unite(ls[0]->segs[s].group, l->segs[s].group, n);
    return true;
  }

  void visit(size_t i) {
    const Node& n = g_.nodes[i];
    Visit v{n, i, std::vector<bool>(n.inputs.size(), false), ""};
    const std::set<std::string> inner = subgraph_reads(n);
    std::optional<Layout> out;
    if ((n.domain.empty() || n.domain == "ai.onnx") && inner.empty()) out = dispatch(v);
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (const Layout* l = layout(n.inputs[k]); l && !v.ok[k])
        block(*l, fmt::format("read by {}{}", n.label(), v.why.empty() ? "" : ": " + v.why));
    for (const std::string& name : inner)
      if (const Layout* l = layout(name)) block(*l, fmt::format("read inside a subgraph of {}", n.label()));
    if (!out) return;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (!n.has_output(k)) continue;
      if (k == 0 || n.op_type == "Dropout") state_[n.outputs[k]] = *out;
      // A recurrent cell's Y_h and Y_c hold its units on their last axis too.
      if (k > 0 && passes::is_recurrent_op(n.op_type)) state_[n.outputs[k]] = Layout{2, out->segs, 1};
    }
  }


  std::optional<Layout> dispatch(Visit& v) {
    const std::string& op = v.n.op_type;
    if (op == "Conv") return conv(v);
    if (op == "Gemm") return gemm(v);
    if (op == "MatMul") return matmul(v);
    if (op == "BatchNormalization" || op == "InstanceNormalization") return norm(v);
    if (op == "LayerNormalization") return layer_norm(v);
    if (op == "Gather") return gather(v);
    if (op == "Resize" || op == "Upsample") return resize(v);
    if (op == "PRelu") return prelu(v);
    if (unary_ops().count(op)) return pass(v);
    if (pool_ops().count(op)) return pool(v);
    if (op.starts_with("Reduce")) return reduce(v);
    if (elementwise_ops().count(op)) return elementwise(v);
    if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") return reshape(v);
    if (op == "Concat") return concat(v);
    if (op == "Transpose") return transpose(v);
    if (passes::is_recurrent_op(op)) return recurrent(v);
    return std::nullopt;
  }

  std::optional<Layout> transpose(Visit& v) {
    const Layout* in = layout(v.n.inputs[0]);
    const int r = rank(v.n.inputs[0]);
    if (!in || r < 0) return std::nullopt;
    std::vector<int64_t> perm = v.n.attr_ints("perm");
    if (perm.empty())
      for (int k = r - 1; k >= 0; --k) perm.push_back(k);
    for (int k = 0; k < static_cast<int>(perm.size()); ++k)
      if (perm[static_cast<size_t>(k)] == in->axis || perm[static_cast<size_t>(k)] == in->axis - r) {
        Layout out = *in;
        out.axis = k;
        v.ok[0] = true;
        return out;
      }
    v.why = "its permutation is malformed";
    return std::nullopt;
  }

  // RNN, GRU, LSTM: the hidden units are a group of their own, repeated along W's and R's rows
  // once per gate and direction, along R's columns (the recurrence reads them), in B, P, a
  // constant initial state, and hidden_size. X's channels, on its last axis, are W's columns.
  std::optional<Layout> recurrent(Visit& v) {
    const Node& n = v.n;
    const Tensor* w = n.has_input(1) ? float_initializer(n.inputs[1]) : nullptr;
    const Tensor* r = n.has_input(2) ? float_initializer(n.inputs[2]) : nullptr;
    if (!w || !r || w->rank() != 3 || r->rank() != 3 || r->dim(2) == 0 || w->dim(1) % r->dim(2) != 0) {
      v.why = "W and R are not float32 initializers";
      return std::nullopt;
    }
    const int64_t D = w->dim(0), H = r->dim(2), G = w->dim(1) / H;
    auto cols = reduced(v, 2, w->dim(2));
    const int gid = new_group(v.index, H);
    auto repeated = [&](int64_t times) {
      Layout l{0, {}, 1};
      for (int64_t k = 0; k < times; ++k) l.segs.push_back({gid, H});
      return l;
    };
    Layout out{3, {{gid, H}}, 1};
    if (shared(n.inputs[1]) || shared(n.inputs[2])) {
      block_group(gid, fmt::format("{}: its weights are shared", n.label()));
      v.why = "its weights are shared";
      return out;
    }
    if (cols) v.ok[0] = true;
    const Layout gates = repeated(D * G);
    plan_.weights.push_back({v.index, gid, cols, 1, gates});
    plan_.weights.push_back({v.index, gid, Layout{0, {{gid, H}}, 1}, 2, gates});
    plan_.attrs.push_back({v.index, "hidden_size", gid});
    // B [D, 2·G·H] and P [D, 3·H] along axis 1; initial_h and initial_c [D, N, H] (or [N, D, H])
    // along axis 2.
    struct Param {
      size_t input;
      int axis;
      Layout layout;
    };
    std::vector<Param> params = {{3, 1, repeated(2 * G)}, {5, 2, repeated(1)}};
    if (n.op_type == "LSTM") {
      params.push_back({6, 2, repeated(1)});
      params.push_back({7, 1, repeated(3)});
    }
    for (Param& p : params) {
      if (!n.has_input(p.input)) continue;
      const Tensor* c = constant(n.inputs[p.input]);
      if (!c || c->rank() <= p.axis || c->dim(p.axis) != p.layout.positions()) {
        block_group(gid, fmt::format("{}: input '{}' is not a constant", n.label(), n.inputs[p.input]));
        continue;
      }
      plan_.consts.push_back({v.index, p.input, p.axis, p.layout, *c});
    }
    return out;
  }

  std::optional<Layout> pass(Visit& v) {
    const Layout* in = layout(v.n.inputs.empty() ? std::string() : v.n.inputs[0]);
    if (!in) return std::nullopt;
    v.ok[0] = true;
    return *in;
  }

  // The layout leaves `node` as a new group of `channels` unless its weight is shared.
  Layout produce(Visit& v, int64_t channels, int axis, const std::optional<Layout>& cols) {
    const int gid = new_group(v.index, channels);
    Layout out{axis, {{gid, channels}}, 1};
    if (shared(v.n.inputs[1])) {
      block_group(gid, fmt::format("{}: weight '{}' is shared", v.n.label(), v.n.inputs[1]));
      v.why = "its weight is shared";
      return out;
    }
    if (cols) v.ok[0] = true;
    plan_.weights.push_back({v.index, gid, cols});
    return out;
  }

  // Whether the data input's layout lies on the axis the weight reduces over.
  std::optional<Layout> reduced(Visit& v, int axis, int64_t size) {
    const Layout* in = layout(v.n.inputs[0]);
    if (!in) return std::nullopt;
    if (in->axis == axis && in->positions() == size) return *in;
    v.why = "its reduction axis does not hold the channels";
    return std::nullopt;
  }

  std::optional<Layout> conv(Visit& v) {
    const Node& n = v.n;
    const Tensor* w = n.has_input(1) ? float_initializer(n.inputs[1]) : nullptr;
    if (!w || w->rank() < 3) {
      v.why = "its weight is not a float32 initializer";
      return std::nullopt;
    }
    const int64_t group = n.attr_int("group", 1);
    if (group != 1) return depthwise(v, *w, group);
    auto cols = reduced(v, 1, w->dim(1));
    Layout out = produce(v, w->dim(0), 1, cols);
    if (n.has_input(2) && !shared(n.inputs[1])) {
      if (const Tensor* b = vector_constant(n.inputs[2], w->dim(0)))
        plan_.consts.push_back({v.index, 2, 0, out, *b});
      else
        block_group(out.segs[0].group, fmt::format("{}: bias '{}' is not a constant", n.label(), n.inputs[2]));
    }
    return out;
  }

  std::optional<Layout> depthwise(Visit& v, const Tensor& w, int64_t group) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    if (!in) return std::nullopt;
    if (in->axis != 1 || group != in->positions() || w.dim(1) != 1 || w.dim(0) % group != 0) {
      v.why = fmt::format("grouped convolution ({} groups over {} channels)", group, in->positions());
      return std::nullopt;
    }
    if (shared(n.inputs[1])) {
      v.why = "its weight is shared";
      return std::nullopt;
    }
    const int64_t mult = w.dim(0) / group;
    Layout out = *in;
    out.span *= mult;
    if (n.has_input(2)) {
      const Tensor* b = vector_constant(n.inputs[2], w.dim(0));
      if (!b) {
        v.why = "its bias is not a constant";
        return std::nullopt;
      }
      plan_.consts.push_back({v.index, 2, 0, out, *b});
    }
    v.ok[0] = true;
    plan_.depthwise.push_back({v.index, *in, mult});
    return out;
  }

  std::optional<Layout> gemm(Visit& v) {
    const Node& n = v.n;
    const Tensor* b = n.has_input(1) ? float_initializer(n.inputs[1]) : nullptr;
    if (!b || b->rank() != 2) {
      v.why = "B is not a float32 initializer";
      return std::nullopt;
    }
    const bool trans_a = n.attr_int("transA", 0) != 0, trans_b = n.attr_int("transB", 0) != 0;
    const int64_t out_ch = trans_b ? b->dim(0) : b->dim(1), k = trans_b ? b->dim(1) : b->dim(0);
    auto cols = reduced(v, trans_a ? 0 : 1, k);
    Layout out = produce(v, out_ch, 1, cols);
    if (n.has_input(2) && !side_operand(v, 2, out, 2))
      block_group(out.segs[0].group, fmt::format("{}: C is not a per-channel constant", n.label()));
    return out;
  }

  std::optional<Layout> matmul(Visit& v) {
    const Node& n = v.n;
    const Tensor* b = n.has_input(1) ? float_initializer(n.inputs[1]) : nullptr;
    const int out_rank = n.has_output(0) ? rank(n.outputs[0]) : -1;
    const int a_rank = rank(n.inputs[0]);
    // Weights times an activation whose channels lie on its last axis (attention pooling over
    // a sequence): each output column is one of B's channels, so they carry over.
    const Layout* lb = !b && n.has_input(1) ? layout(n.inputs[1]) : nullptr;
    if (lb && !layout(n.inputs[0]) && out_rank >= 2 && lb->axis == rank(n.inputs[1]) - 1 && rank(n.inputs[1]) >= 2) {
      v.ok[1] = true;
      Layout out = *lb;
      out.axis = out_rank - 1;
      return out;
    }
    if (!b || b->rank() != 2 || out_rank < 1 || a_rank < 1) {
      v.why = "B is not a rank-2 float32 initializer";
      return std::nullopt;
    }
    auto cols = reduced(v, a_rank - 1, b->dim(0));
    return produce(v, b->dim(1), out_rank - 1, cols);
  }

  std::optional<Layout> norm(Visit& v) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    if (!in) return std::nullopt;
    const bool bn = n.op_type == "BatchNormalization";
    if (in->axis != 1 || (bn && n.outputs.size() > 1 && std::any_of(n.outputs.begin() + 1, n.outputs.end(),
                                                                       [](const std::string& o) { return !o.empty(); }))) {
      v.why = in->axis != 1 ? "channels not on axis 1" : "training-mode outputs";
      return std::nullopt;
    }
    const size_t params = bn ? 5 : 3;
    std::vector<const Tensor*> values;
    for (size_t k = 1; k < params; ++k) {
      const Tensor* c = n.has_input(k) ? vector_constant(n.inputs[k], in->positions()) : nullptr;
      if (!c) {
        v.why = fmt::format("input {} is not a per-channel constant", k);
        return std::nullopt;
      }
      values.push_back(c);
    }
    for (size_t k = 1; k < params; ++k) plan_.consts.push_back({v.index, k, 0, *in, *values[k - 1]});
    if (bn) plan_.batchnorms.push_back({v.index, *in, *values[0]});
    v.ok[0] = true;
    return *in;
  }

  // LayerNormalization over the channel axis alone (a transformer's residual stream): its scale
  // and bias are sliced with the channels. Unlike the other channel-wise ops, removal is not
  // exact here: the mean and variance are then taken over the kept channels only.
  std::optional<Layout> layer_norm(Visit& v) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    const int r = rank(n.inputs[0]);
    if (!in || r < 0) return std::nullopt;
    int64_t axis = n.attr_int("axis", -1);
    if (axis < 0) axis += r;
    if (axis != r - 1 || in->axis != r - 1 || (n.outputs.size() > 1 && (n.has_output(1) || n.has_output(2)))) {
      v.why = axis != r - 1 || in->axis != r - 1 ? "it normalizes over more than the channel axis" : "it returns its statistics";
      return std::nullopt;
    }
    std::vector<const Tensor*> params;
    for (size_t k = 1; k < 3; ++k) {
      if (!n.has_input(k)) continue;
      const Tensor* c = vector_constant(n.inputs[k], in->positions());
      if (!c) {
        v.why = fmt::format("input {} is not a per-channel constant", k);
        return std::nullopt;
      }
      plan_.consts.push_back({v.index, k, 0, *in, *c});
    }
    v.ok[0] = true;
    return *in;
  }

  // Resize / Upsample that leaves the channel axis alone (scale 1 there) is channel-wise: each
  // output channel reads its own input channel only.
  std::optional<Layout> resize(Visit& v) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    if (!in) return std::nullopt;
    v.why = "its scale along the channel axis is not a constant 1";
    // With scale 1 every coordinate mode maps output channel c to input c, except two: crop
    // and resize samples a region of interest, and tf_half_pixel_for_nn reads c + 0.5.
    const std::string coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
    if (coord == "tf_crop_and_resize" || coord == "tf_half_pixel_for_nn") return std::nullopt;
    const bool legacy = n.op_type == "Upsample" || n.inputs.size() == 2;
    const size_t scales_at = legacy ? 1 : 2;
    const Tensor* scales = n.has_input(scales_at) ? constant(n.inputs[scales_at]) : nullptr;
    if (!legacy && n.has_input(3)) return std::nullopt;  // sizes spell out the channel count
    // Resize-18's axes: scales holds one value per listed axis; an axis not listed keeps its size.
    int64_t at = in->axis;
    if (n.has_attr("axes")) {
      const int r = rank(n.inputs[0]);
      const std::vector<int64_t> axes = n.attr_ints("axes");
      at = -1;
      for (size_t k = 0; k < axes.size(); ++k)
        if (axes[k] == in->axis || (r >= 0 && axes[k] + r == in->axis)) at = static_cast<int64_t>(k);
    }
    if (at < 0) {
      // The channel axis is not resized.
    } else if (!scales && n.op_type == "Upsample" && n.has_attr("scales")) {
      const std::vector<float> s = n.attr_floats("scales");
      if (static_cast<int64_t>(s.size()) <= at || s[static_cast<size_t>(at)] != 1.0f) return std::nullopt;
    } else if (!scales || scales->numel() <= at || scales->get_double(at) != 1.0) {
      return std::nullopt;
    }
    v.why.clear();
    v.ok[0] = true;
    return *in;
  }

  // Gather from a float initializer table along axis 0 (an embedding): each row holds one value
  // per channel, so the table's columns are a producer's output channels.
  std::optional<Layout> gather(Visit& v) {
    const Node& n = v.n;
    const Tensor* table = n.inputs.size() == 2 ? float_initializer(n.inputs[0]) : nullptr;
    const int out_rank = n.has_output(0) ? rank(n.outputs[0]) : -1;
    if (!table || table->rank() != 2 || n.attr_int("axis", 0) != 0 || out_rank < 1 || layout(n.inputs[1])) {
      v.why = "it is not an embedding lookup";
      return std::nullopt;
    }
    const int gid = new_group(v.index, table->dim(1));
    Layout out{out_rank - 1, {{gid, table->dim(1)}}, 1};
    if (shared(n.inputs[0])) {
      block_group(gid, fmt::format("{}: table '{}' is shared", n.label(), n.inputs[0]));
      return out;
    }
    plan_.consts.push_back({v.index, 0, 1, out, *table});
    return out;
  }

  std::optional<Layout> prelu(Visit& v) {
    const Layout* in = layout(v.n.inputs[0]);
    if (!in || v.n.inputs.size() < 2) return std::nullopt;
    if (layout(v.n.inputs[1]) || !side_operand(v, 1, *in, rank(v.n.inputs[0]))) {
      v.why = "its slope is not per-channel";
      return std::nullopt;
    }
    v.ok[0] = true;
    return *in;
  }

  std::optional<Layout> pool(Visit& v) {
    const Layout* in = layout(v.n.inputs[0]);
    if (!in) return std::nullopt;
    if (in->axis != 1 || v.n.has_output(1)) {
      v.why = in->axis != 1 ? "channels not on axis 1" : "it returns indices";
      return std::nullopt;
    }
    v.ok[0] = true;
    return *in;
  }

  std::optional<Layout> reduce(Visit& v) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    const int r = rank(n.inputs[0]);
    if (!in || r < 0) return std::nullopt;
    std::vector<int64_t> axes = n.attr_ints("axes");
    if (!n.has_attr("axes") && n.has_input(1)) {
      const Tensor* c = constant(n.inputs[1]);
      if (!c) {
        v.why = "its axes are not constant";
        return std::nullopt;
      }
      axes = c->to_int64();
    }
    if (axes.empty()) {
      if (n.attr_int("noop_with_empty_axes", 0) != 0) return pass(v);
      v.why = "it reduces the channel axis";
      return std::nullopt;
    }
    int before = 0;
    for (int64_t& a : axes) {
      if (a < 0) a += r;
      if (a == in->axis) {
        v.why = "it reduces the channel axis";
        return std::nullopt;
      }
      if (a < in->axis) ++before;
    }
    Layout out = *in;
    if (n.attr_int("keepdims", 1) == 0) out.axis -= before;
    v.ok[0] = true;
    return out;
  }

  // An operand of an elementwise op that carries no group: fine when it broadcasts along the
  // channel axis; a constant holding the whole axis is sliced with the layout.
  bool side_operand(Visit& v, size_t input, const Layout& l, int out_rank) {
    const std::string& name = v.n.inputs[input];
    const auto* d = dims(name);
    if (!d) return false;
    const int ax = l.axis - (out_rank - static_cast<int>(d->size()));
    if (ax < 0) return true;
    const Dim& dim = (*d)[static_cast<size_t>(ax)];
    if (dim.known() && dim.value == 1) return true;
    const Tensor* c = constant(name);
    if (!c || !dim.known() || dim.value != l.positions()) return false;
    plan_.consts.push_back({v.index, input, ax, l, *c});
    return true;
  }

  std::optional<Layout> elementwise(Visit& v) {
    const Node& n = v.n;
    const int out_rank = n.has_output(0) ? rank(n.outputs[0]) : -1;
    if (out_rank < 0) return std::nullopt;
    int axis = -1;
    std::vector<size_t> carried;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const Layout* l = layout(n.inputs[k]);
      if (!l) continue;
      const int r = rank(n.inputs[k]);
      const int ax = l->axis + out_rank - r;
      if (r < 0 || ax >= out_rank || (axis >= 0 && ax != axis)) {
        v.why = "its operands hold channels on different axes";
        return std::nullopt;
      }
      axis = ax;
      carried.push_back(k);
    }
    if (carried.empty()) return std::nullopt;
    // A one-channel group broadcast against many channels stays blocked; the others join.
    const Dim od = (*dims(n.outputs[0]))[static_cast<size_t>(axis)];
    std::vector<const Layout*> joined;
    for (size_t k : carried) {
      const Layout* l = layout(n.inputs[k]);
      if (!od.known() || od.value == l->positions()) joined.push_back(l);
    }
    if (joined.empty()) return std::nullopt;
    Layout out = *joined[0];
    out.axis = axis;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      if (n.inputs[k].empty() || layout(n.inputs[k])) continue;
      if (!side_operand(v, k, out, out_rank)) {
        v.why = fmt::format("operand '{}' is neither per-channel constant nor broadcast", n.inputs[k]);
        return std::nullopt;
      }
    }
    if (!join(joined, n)) {
      v.why = "its operands' channel layouts differ";
      return std::nullopt;
    }
    for (size_t k : carried)
      if (std::find(joined.begin(), joined.end(), layout(n.inputs[k])) != joined.end()) v.ok[k] = true;
    return out;
  }

  // Reshape, Flatten, Squeeze, Unsqueeze: the channel axis survives when the output's trailing
  // dims hold exactly the input's channel axis and everything after it, and the new axis is a
  // whole number of positions per channel position (Flatten: H·W each).
  std::optional<Layout> reshape(Visit& v) {
    const Node& n = v.n;
    const Layout* in = layout(n.inputs[0]);
    if (!in) return std::nullopt;
    const auto* din = dims(n.inputs[0]);
    const auto* dout = n.has_output(0) ? dims(n.outputs[0]) : nullptr;
    v.why = "it mixes the channel axis with others";
    if (!din || !dout) return std::nullopt;
    const int64_t positions = in->positions();
    int64_t inner = 1;
    for (size_t k = static_cast<size_t>(in->axis) + 1; k < din->size(); ++k) {
      if (!(*din)[k].known()) return std::nullopt;
      inner *= (*din)[k].value;
    }
    const int64_t total = positions * inner;
    int at = -1;
    int64_t suffix = 1;
    for (int k = static_cast<int>(dout->size()) - 1; k >= 0 && (*dout)[static_cast<size_t>(k)].known(); --k) {
      suffix *= (*dout)[static_cast<size_t>(k)].value;
      if (suffix == total) {
        at = k;
        break;
      }
      if (suffix > total) break;
    }
    Layout out = *in;
    if (at < 0 && positions > 0 && inner == 1) {
      // The dims just before a last channel axis folded into it, the leading ones kept (a
      // bidirectional cell's directions beside its units): the channels repeat per folded position.
      const Dim last = dout->empty() ? Dim() : dout->back();
      int64_t rep = last.known() && last.value % positions == 0 ? last.value / positions : 0;
      int j = in->axis;
      while (rep > 1 && j > 0 && (*din)[static_cast<size_t>(j - 1)].known() && (*din)[static_cast<size_t>(j - 1)].value > 0 &&
             rep % (*din)[static_cast<size_t>(j - 1)].value == 0)
        rep /= (*din)[static_cast<size_t>(--j)].value;
      bool leading = rep == 1 && j < in->axis && static_cast<int>(dout->size()) == j + 1;
      for (int k = 0; leading && k < j; ++k) {
        const Dim &a = (*din)[static_cast<size_t>(k)], &b = (*dout)[static_cast<size_t>(k)];
        leading = a.known() ? b.known() && a.value == b.value : !a.symbol.empty() && a.symbol == b.symbol;
      }
      if (leading) {
        at = j;
        out.segs.clear();
        for (int64_t r = 0; r < last.value / positions; ++r) out.segs.insert(out.segs.end(), in->segs.begin(), in->segs.end());
      }
    } else if (at >= 0) {
      const int64_t size = (*dout)[static_cast<size_t>(at)].value;
      if (positions == 0 || size % positions != 0) return std::nullopt;
      out.span *= size / positions;
    }
    if (at < 0) return std::nullopt;
    const int64_t size = (*dout)[static_cast<size_t>(at)].value;
    out.axis = at;
    if (n.op_type == "Reshape") {
      const Tensor* shape = n.has_input(1) ? constant(n.inputs[1]) : nullptr;
      if (!shape || shape->numel() != static_cast<int64_t>(dout->size())) {
        v.why = "its shape is not constant";
        return std::nullopt;
      }
      const std::vector<int64_t> s = shape->to_int64();
      const bool allowzero = n.attr_int("allowzero", 0) != 0;
      for (int k = 0; k < static_cast<int>(s.size()); ++k) {
        // 0 copies input dim k: right for the channel axis when it stays where it was and shrinks
        // alike, and for dims the channels do not touch.
        if (s[static_cast<size_t>(k)] != 0 || (!allowzero && k != at && k != in->axis)) continue;
        if (allowzero || k != in->axis || k != at || size != positions) {
          v.why = "its shape copies a dim next to the channel axis";
          return std::nullopt;
        }
      }
      if (s[static_cast<size_t>(at)] > 0) plan_.reshapes.push_back({v.index, static_cast<size_t>(at), *in, *shape});
    }
    v.why.clear();
    v.ok[0] = true;
    return out;
  }

  std::optional<Layout> concat(Visit& v) {
    const Node& n = v.n;
    const int r = n.has_output(0) ? rank(n.outputs[0]) : -1;
    if (r < 0) return std::nullopt;
    int64_t axis = n.attr_int("axis", 0);
    if (axis < 0) axis += r;
    std::vector<const Layout*> ls;
    bool on_axis = true;
    for (const std::string& in : n.inputs)
      if (const Layout* l = layout(in)) {
        ls.push_back(l);
        on_axis = on_axis && l->axis == axis;
      }
    if (ls.empty()) return std::nullopt;
    if (!on_axis) {
      // Along another axis every input must carry the same channels.
      if (ls.size() != n.inputs.size() || !join(ls, n)) {
        v.why = "it joins channel layouts that differ";
        return std::nullopt;
      }
      std::fill(v.ok.begin(), v.ok.end(), true);
      return *ls[0];
    }
    Layout out{static_cast<int>(axis), {}, ls[0]->span};
    for (const std::string& in : n.inputs) {
      if (const Layout* l = layout(in)) {
        if (l->span != out.span) {
          v.why = "its inputs' channels span different widths";
          return std::nullopt;
        }
        out.segs.insert(out.segs.end(), l->segs.begin(), l->segs.end());
        continue;
      }
      const auto* d = dims(in);
      const Dim dim = d && static_cast<int64_t>(d->size()) == r ? (*d)[static_cast<size_t>(axis)] : Dim();
      if (!dim.known() || dim.value % out.span != 0) {
        v.why = fmt::format("input '{}' has an unknown size along the axis", in);
        return std::nullopt;
      }
      out.segs.push_back({-1, dim.value / out.span});
    }
    for (size_t k = 0; k < n.inputs.size(); ++k) v.ok[k] = layout(n.inputs[k]) != nullptr;
    return out;
  }

  ChannelAnalysis finish() {
    ChannelAnalysis a;
    const size_t raw = parent_.size();
    plan_.final_group.assign(raw, 0);
    std::map<int, size_t> index;
    for (size_t i = 0; i < raw; ++i) {
      const int root = find(static_cast<int>(i));
      auto [it, fresh] = index.emplace(root, a.groups.size());
      if (fresh) {
        a.groups.emplace_back();
        a.groups.back().channels = channels_[static_cast<size_t>(root)];
      }
      ChannelGroup& grp = a.groups[it->second];
      plan_.final_group[i] = it->second;
      grp.producers.push_back(node_id(g_.nodes[plan_.producer[i]]));
      if (grp.blocked.empty()) grp.blocked = reason_[i];
    }
    std::vector<std::set<size_t>> members(a.groups.size());
    auto touch = [&](const Layout& l, size_t node) {
      for (const auto& s : l.segs)
        if (s.group >= 0) members[plan_.final_group[static_cast<size_t>(s.group)]].insert(node);
    };
    for (const auto& e : plan_.weights) {
      members[plan_.final_group[static_cast<size_t>(e.rows_group)]].insert(e.node);
      if (e.cols) touch(*e.cols, e.node);
    }
    for (const auto& e : plan_.depthwise) touch(e.in, e.node);
    for (const auto& e : plan_.consts) touch(e.layout, e.node);
    for (const auto& e : plan_.reshapes) touch(e.in, e.node);
    for (const auto& e : plan_.attrs) members[plan_.final_group[static_cast<size_t>(e.group)]].insert(e.node);
    for (size_t gi = 0; gi < a.groups.size(); ++gi)
      for (size_t node : members[gi]) a.groups[gi].members.push_back(node_id(g_.nodes[node]));
    for (const Node& n : g_.nodes) plan_.node_ops.push_back(n.op_type + "/" + n.name);
    plan_.tensors = std::move(state_);
    a.plan = std::make_shared<const ChannelPlan>(std::move(plan_));
    return a;
  }

  const Graph& g_;
  const GraphTypes& types_;
  std::map<std::string, int> readers_;
  std::map<std::string, Layout> state_;
  std::vector<int> parent_;
  std::vector<int64_t> channels_;
  std::vector<std::string> reason_;
  ChannelPlan plan_;
};

}  // namespace

Result<ChannelAnalysis> analyze_channels(const Model& model, const std::map<std::string, Shape>& input_shapes) {
  auto types = infer_graph(model.graph, model, input_shapes);
  if (!types.ok()) return types.status().context("channel analysis: shape inference");
  return Analyzer(model, *types).run();
}

std::vector<double> channel_importance(const Model& model, const ChannelAnalysis& a, size_t group,
                                       ChannelImportance how) {
  if (!a.plan || group >= a.groups.size()) return {};
  const ChannelPlan& p = *a.plan;
  std::vector<double> imp(static_cast<size_t>(a.groups[group].channels), 0.0);
  if (how == ChannelImportance::BnScale) {
    bool any = false;
    for (const ChannelPlan::Norm& bn : p.batchnorms) {
      // The model's current gamma when it is still there, else the analyzed one.
      const Node& n = model.graph.nodes[bn.node];
      auto it = model.graph.initializers.find(n.inputs[1]);
      const Tensor& gamma = it != model.graph.initializers.end() && it->second.numel() == bn.gamma.numel()
                                ? it->second
                                : bn.gamma;
      int64_t offset = 0;
      for (const auto& s : bn.in.segs) {
        if (s.group >= 0 && p.final_group[static_cast<size_t>(s.group)] == group) {
          any = true;
          for (int64_t c = 0; c < s.count; ++c)
            for (int64_t j = 0; j < bn.in.span; ++j)
              imp[static_cast<size_t>(c)] += std::abs(gamma.get_double((offset + c) * bn.in.span + j));
        }
        offset += s.count;
      }
    }
    if (any) return imp;
  }
  // Weights only: a bias shifts a channel but says little about how much its inputs matter.
  for (size_t raw = 0; raw < p.producer.size(); ++raw) {
    if (p.final_group[raw] != group) continue;
    const Node& prod = model.graph.nodes[p.producer[raw]];
    const std::string& op = prod.op_type;
    if (op == "Gather") {
      // One table row is read per position: a channel's typical weight is the mean (L1) or root
      // mean square (L2) over the rows, comparable to one input of a MatMul producer.
      auto it = model.graph.initializers.find(prod.inputs[0]);
      if (it == model.graph.initializers.end() || it->second.rank() != 2 || it->second.dim(1) != static_cast<int64_t>(imp.size()))
        continue;
      const Tensor& t = it->second;
      const int64_t rows = std::max<int64_t>(t.dim(0), 1), cols = t.dim(1);
      std::vector<double> acc(imp.size(), 0.0);
      for (int64_t r = 0; r < t.dim(0); ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const double x = t.get_double(r * cols + c);
          acc[static_cast<size_t>(c)] += how == ChannelImportance::L2 ? x * x : std::abs(x);
        }
      for (size_t c = 0; c < imp.size(); ++c)
        imp[c] += how == ChannelImportance::L2 ? std::sqrt(acc[c] / rows) : acc[c] / rows;
      continue;
    }
    // The norm of each weight row, added to its channel: a Conv/Gemm/MatMul's rows are its output
    // channels; a recurrent cell's W and R have one block of rows per gate and direction, row
    // (d·G + g)·H + j being unit j.
    const bool recurrent = passes::is_recurrent_op(op);
    for (int input : recurrent ? std::vector<int>{1, 2} : std::vector<int>{1}) {
      auto w = weight_ref(model, p.producer[raw], input);
      const int64_t n = static_cast<int64_t>(imp.size());
      if (!w || (recurrent ? w->rows % n != 0 : w->rows != n)) continue;
      const std::vector<float> m = weight_matrix(model, *w);
      for (int64_t r = 0; r < w->rows; ++r) {
        double s = 0;
        for (int64_t c = 0; c < w->cols; ++c) {
          const double x = m[static_cast<size_t>(r * w->cols + c)];
          s += how == ChannelImportance::L2 ? x * x : std::abs(x);
        }
        imp[static_cast<size_t>(r % n)] += how == ChannelImportance::L2 ? std::sqrt(s) : s;
      }
    }
  }
  return imp;
}

}  // namespace sz0::prune

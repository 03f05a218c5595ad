// Blocked-layout rewrite; see layout.h. One forward walk over the main graph's nodes (they are in
// topological order): a value that exists only blocked gets its plain form from a ReorderToPlain
// inserted right before the first node that needs it.
#include "runtime/layout.h"

#include "ops/internal.h"
#include "runtime/fusion_util.h"
#include "passes/pass.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <map>
#include <set>

namespace sz0 {

namespace {

using ops::kChannelBlock;
using ops::kInternalDomain;

const std::set<std::string> kUnary = {"Relu", "LeakyRelu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Neg", "Abs", "Elu"};

// Names a node reads: its inputs and what its subgraphs capture.
std::set<std::string> node_reads(const Node& n) {
  std::set<std::string> r;
  for (const std::string& in : n.inputs)
    if (!in.empty()) r.insert(in);
  passes::collect_subgraph_reads(n, r);
  return r;
}

using passes::make_attr_int;
using passes::make_attr_ints;

class Rewriter {
 public:
  Rewriter(Model& m, const GraphTypes& t) : model_(m), g_(m.graph), types_(t) {}

  int run() {
    for (const Node& n : g_.nodes)
      for (const std::string& in : node_reads(n)) ++uses_[in];
    for (const ValueInfo& v : g_.outputs) ++uses_[v.name];
    std::vector<Node> old = std::move(g_.nodes);
    g_.nodes.clear();
    std::set<size_t> absorbed;
    for (size_t i = 0; i < old.size(); ++i) {
      if (absorbed.count(i)) continue;
      Node& n = old[i];
      if (n.domain.empty() && n.op_type == "Conv" && conv_fits(n)) {
        // Epilogue: a residual Add whose other operand is already blocked (conv + residual),
        // then an activation, each the only reader of what precedes it.
        std::string out = n.outputs[0], residual;
        const int add = sole_reader(old, i, out);
        if (add >= 0 && old[add].domain.empty() && old[add].op_type == "Add" && old[add].inputs.size() == 2) {
          const Node& a = old[add];
          const std::string& other = a.inputs[0] == out ? a.inputs[1] : a.inputs[0];
          if (other != out && blocked_.count(other) && same_shape(other, out) && same_shape(a.outputs[0], out)) {
            residual = other;
            absorbed.insert(static_cast<size_t>(add));
            out = a.outputs[0];
          }
        }
        std::string act_type, final_out = out;
        std::vector<float> act_params;
        const int act_index = sole_reader(old, i, out);
        if (act_index >= 0 && old[act_index].domain.empty() && is_fusable_activation(old[act_index].op_type) &&
            act_params_of(old[act_index])) {
          act_type = old[act_index].op_type;
          act_params = *act_params_of(old[act_index]);
          final_out = old[act_index].outputs[0];
          absorbed.insert(static_cast<size_t>(act_index));
        } else if (auto hs = gated_pair(old, i, out)) {
          act_type = hs->act;
          final_out = old[hs->second].outputs[0];
          absorbed.insert(hs->first);
          absorbed.insert(hs->second);
        }
        // Then scalar Mul / Add / Sub (a learnable affine block after the activation): one
        // a·y + b post-op.
        float scale = 1.0f, shift = 0.0f;
        bool affine = false;
        for (int r = sole_reader(old, i, final_out); r >= 0; r = sole_reader(old, i, final_out)) {
          const Node& e = old[static_cast<size_t>(r)];
          if (!e.domain.empty() || e.inputs.size() != 2 || e.outputs.size() != 1) break;
          const bool first = e.inputs[0] == final_out;
          const Tensor* c = constant(first ? e.inputs[1] : e.inputs[0]);
          if (!c || c->dtype() != DType::Float || c->numel() != 1 || c->rank() > rank(final_out)) break;
          const float v = c->data<float>()[0];
          if (e.op_type == "Mul") scale *= v, shift *= v;
          else if (e.op_type == "Add") shift += v;
          else if (e.op_type == "Sub" && first) shift -= v;
          else break;
          affine = true;
          absorbed.insert(static_cast<size_t>(r));
          final_out = e.outputs[0];
        }
        emit_conv(n, residual, act_type, act_params, final_out);
        if (affine) g_.nodes.back().attributes.push_back(passes::make_attr_floats("affine", {scale, shift}));
        ++converted_;
        continue;
      }
      if (try_propagate(n)) continue;
      emit_plain(std::move(n));
    }
    for (const ValueInfo& v : g_.outputs) materialize(v.name);
    if (converted_ > 0 && model_.opset(kInternalDomain) == 0) model_.opsets.push_back({std::string(kInternalDomain), 1});
    return converted_;
  }

 private:
  bool is_graph_output(const std::string& name) const { return g_.find_output(name) != nullptr; }

  // Index of the only node after `from` that reads `name`; -1 if there are several readers, a
  // subgraph or graph output reads it, or none does.
  int sole_reader(const std::vector<Node>& nodes, size_t from, const std::string& name) {
    if (uses_[name] != 1 || is_graph_output(name)) return -1;
    for (size_t j = from + 1; j < nodes.size(); ++j) {
      const Node& r = nodes[j];
      if (std::find(r.inputs.begin(), r.inputs.end(), name) != r.inputs.end()) return static_cast<int>(j);
      if (node_reads(r).count(name)) return -1;  // read inside a subgraph
    }
    return -1;
  }

  bool same_shape(const std::string& a, const std::string& b) const {
    const TypeInfo *ta = type(a), *tb = type(b);
    if (!ta || !tb || !ta->has_rank() || !tb->has_rank() || ta->dtype != tb->dtype) return false;
    return *ta->shape == *tb->shape;
  }

  const TypeInfo* type(const std::string& name) const {
    auto it = types_.types.find(name);
    return it == types_.types.end() ? nullptr : &it->second;
  }
  // Channel count of a float rank-3 or rank-4 value (1-D or 2-D feature maps); -1 if unknown.
  int64_t channels(const std::string& name) const {
    const TypeInfo* t = type(name);
    if (!t || t->dtype != DType::Float || (t->rank() != 3 && t->rank() != 4) || !(*t->shape)[1].known()) return -1;
    return (*t->shape)[1].value;
  }
  int rank(const std::string& name) const {
    const TypeInfo* t = type(name);
    return t ? t->rank() : -1;
  }
  const Tensor* constant(const std::string& name) const {
    auto it = g_.initializers.find(name);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }

  // A float value of one element whose rank does not exceed `max_rank`.
  bool is_single_value(const std::string& name, int max_rank) const {
    const TypeInfo* t = type(name);
    if (!t || t->dtype != DType::Float || !t->has_rank() || t->rank() > max_rank) return false;
    for (const Dim& d : *t->shape)
      if (!d.known() || d.value != 1) return false;
    return true;
  }

  bool conv_fits(const Node& n) const {
    if (n.inputs.size() < 2 || n.outputs.size() != 1) return false;
    const Tensor* w = constant(n.inputs[1]);
    if (!w || w->dtype() != DType::Float || w->rank() != rank(n.inputs[0])) return false;
    if (n.has_input(2) && !constant(n.inputs[2])) return false;
    const int64_t c = channels(n.inputs[0]);
    const int64_t g = n.attr_int("group", 1);
    const int64_t m = w->dim(0);
    if (c < 1 || g < 1 || c % g != 0 || m % g != 0 || w->dim(1) * g != c) return false;
    if (m % kChannelBlock != 0) return false;  // padded outputs would leak into plain consumers' math
    if (g == 1) return true;
    if (g == c && g == m) return c % kChannelBlock == 0;  // depthwise
    return (c / g) % kChannelBlock == 0 && (m / g) % kChannelBlock == 0;
  }

  // Epilogue parameters of an activation node; nullopt if its parameters are not constants.
  std::optional<std::vector<float>> act_params_of(const Node& a) const {
    return activation_params(a, model_.opset(""), [this](const std::string& n) { return constant(n); });
  }

  std::string fresh(const std::string& base) {
    std::string name = base + "__blocked";
    while (taken(name)) name += "_";
    reserved_.insert(name);
    return name;
  }
  bool taken(const std::string& name) const {
    return reserved_.count(name) || types_.types.count(name) || g_.initializers.count(name);
  }

  // The blocked form of a plain value, reordering if needed; "" if it cannot be blocked.
  std::string blocked(const std::string& name) {
    if (auto it = blocked_.find(name); it != blocked_.end()) return it->second;
    const int64_t c = channels(name);
    if (c < 1 || c % kChannelBlock != 0) return "";
    Node r;
    r.op_type = "ReorderToBlocked";
    r.domain = kInternalDomain;
    r.name = name + "/to_blocked";
    r.inputs = {name};
    r.outputs = {fresh(name)};
    blocked_[name] = r.outputs[0];
    g_.nodes.push_back(std::move(r));
    return blocked_[name];
  }

  // Makes the plain form of `name` exist before the next emitted node.
  void materialize(const std::string& name) {
    if (!plain_missing_.count(name)) return;
    plain_missing_.erase(name);
    Node r;
    r.op_type = "ReorderToPlain";
    r.domain = kInternalDomain;
    r.name = name + "/to_plain";
    r.inputs = {blocked_.at(name)};
    r.outputs = {name};
    r.attributes.push_back(make_attr_int("channels", channels(name)));
    g_.nodes.push_back(std::move(r));
  }

  void emit_plain(Node n) {
    for (const std::string& r : node_reads(n)) materialize(r);
    g_.nodes.push_back(std::move(n));
  }

  // `plain_out` is produced only blocked, under a fresh name.
  std::string produce_blocked(const std::string& plain_out) {
    const std::string b = fresh(plain_out);
    blocked_[plain_out] = b;
    plain_missing_.insert(plain_out);
    return b;
  }

  // x * HardSigmoid(x) with HardSwish's constants, x read by exactly those two nodes: the
  // (HardSigmoid, Mul) node indices.
  // x·HardSigmoid(x) with HardSwish's constants (HardSwish), or x·Sigmoid(x) (SiLU), both
  // nodes after `from` and the only readers of x: the gate's and the Mul's indices.
  struct GatedPair {
    size_t first, second;
    std::string act;
  };
  std::optional<GatedPair> gated_pair(const std::vector<Node>& nodes, size_t from, const std::string& x) {
    if (uses_[x] != 2 || is_graph_output(x)) return std::nullopt;
    int h = -1, m = -1;
    std::string act;
    for (size_t j = from + 1; j < nodes.size(); ++j) {
      const Node& r = nodes[j];
      if (!node_reads(r).count(x)) continue;
      if (!r.domain.empty()) return std::nullopt;
      if (r.op_type == "HardSigmoid" && r.inputs.size() == 1 && std::abs(r.attr_float("alpha", 0.2f) - 1.f / 6.f) < 1e-6f &&
          std::abs(r.attr_float("beta", 0.5f) - 0.5f) < 1e-6f) {
        h = static_cast<int>(j);
        act = "HardSwish";
      } else if (r.op_type == "Sigmoid" && r.inputs.size() == 1) {
        h = static_cast<int>(j);
        act = "Silu";
      } else if (r.op_type == "Mul" && r.inputs.size() == 2) {
        m = static_cast<int>(j);
      } else {
        return std::nullopt;
      }
    }
    if (h < 0 || m < 0 || m < h) return std::nullopt;
    const std::string& hs = nodes[h].outputs[0];
    const Node& mul = nodes[m];
    if (!((mul.inputs[0] == x && mul.inputs[1] == hs) || (mul.inputs[1] == x && mul.inputs[0] == hs))) return std::nullopt;
    if (uses_[hs] != 1 || is_graph_output(hs)) return std::nullopt;
    return GatedPair{static_cast<size_t>(h), static_cast<size_t>(m), act};
  }


  // BlockedConv for `conv` (+ residual sum, + activation) producing `out` blocked.
  void emit_conv(const Node& conv, const std::string& residual, const std::string& act_type,
                 const std::vector<float>& act_params, const std::string& out) {
    Node b;
    b.op_type = "BlockedConv";
    b.domain = kInternalDomain;
    b.name = conv.name;
    b.attributes = conv.attributes;
    const int64_t c = channels(conv.inputs[0]);
    std::string in = c % kChannelBlock == 0 ? blocked(conv.inputs[0]) : "";
    if (in.empty()) {
      materialize(conv.inputs[0]);
      in = conv.inputs[0];
    }
    b.attributes.push_back(make_attr_int("in_blocked", in != conv.inputs[0] ? 1 : 0));
    b.attributes.push_back(make_attr_int("channels", c));
    b.inputs = {in, conv.inputs[1]};
    b.inputs.push_back(conv.has_input(2) ? conv.inputs[2] : "");
    if (!residual.empty()) b.inputs.push_back(blocked_.at(residual));
    set_activation(b, act_type, act_params);
    b.outputs = {produce_blocked(out)};
    g_.nodes.push_back(std::move(b));
  }

  // Runs a layout-agnostic op on blocked inputs when they are available.
  bool try_propagate(Node& n) {
    if (!n.domain.empty() || n.inputs.empty() || n.outputs.size() != 1 || n.inputs[0].empty()) return false;
    const std::string& x = n.inputs[0];
    const bool x_blocked = blocked_.count(x) > 0;
    const std::string& op = n.op_type;
    if (kUnary.count(op)) {
      if (!x_blocked || channels(n.outputs[0]) != channels(x)) return false;
      for (size_t k = 1; k < n.inputs.size(); ++k)
        if (n.has_input(k)) materialize(n.inputs[k]);
      n.inputs[0] = blocked_[x];
      n.outputs[0] = produce_blocked(n.outputs[0]);
      g_.nodes.push_back(std::move(n));
      return true;
    }
    if ((op == "Add" || op == "Mul" || op == "Sub" || op == "Div") && n.inputs.size() == 2) {
      const std::string& y = n.inputs[1];
      const bool y_blocked = blocked_.count(y) > 0;
      if (!x_blocked && !y_blocked) return false;
      // A blocked operand and a single value (the scale and shift of a learnable affine block):
      // the op is the same on every lane.
      for (int side = 0; side < 2; ++side) {
        const std::string& b = side == 0 ? x : y;
        const std::string& s = side == 0 ? y : x;
        if (!blocked_.count(b) || blocked_.count(s) || !is_single_value(s, rank(b))) continue;
        // (all of its dims are 1 and it has no more than b's: the output has b's shape)
        if (channels(b) % kChannelBlock != 0) continue;
        materialize(s);
        n.inputs[static_cast<size_t>(side)] = blocked_[b];
        n.outputs[0] = produce_blocked(n.outputs[0]);
        g_.nodes.push_back(std::move(n));
        return true;
      }
      // Both rank 4 with one channel count (a multiple of the block): broadcasting over N, H, W
      // carries over to the blocked form unchanged.
      const int64_t cx = channels(x), cy = channels(y), co = channels(n.outputs[0]);
      if (cx < 1 || cx != cy || cx != co || cx % kChannelBlock != 0 || rank(x) != rank(y)) return false;
      std::string bx = blocked(x), by = blocked(y);
      if (bx.empty() || by.empty()) return false;
      n.inputs = {bx, by};
      n.outputs[0] = produce_blocked(n.outputs[0]);
      g_.nodes.push_back(std::move(n));
      return true;
    }
    if ((op == "GlobalAveragePool" || op == "GlobalMaxPool") && x_blocked) {
      const int64_t c = channels(x);
      if (c % kChannelBlock != 0) return false;
      const bool two_d = rank(x) == 4;
      // Reduce H and W of [N, C/8, H, W, 8]: the result [N, C/8, 1, 1, 8] is, byte for byte, the
      // plain [N, C, 1, 1] as well (1-D alike).
      Node r;
      r.op_type = op == "GlobalAveragePool" ? "ReduceMean" : "ReduceMax";
      r.name = n.name;
      r.inputs = {blocked_[x]};
      const std::string rb = fresh(n.outputs[0]);
      r.outputs = {rb};
      if (model_.opset("") >= 18) {
        const std::string axes = fresh(n.name + "/axes");
        g_.initializers[axes] = two_d ? Tensor::from_vector<int64_t>({2, 3}) : Tensor::from_vector<int64_t>({2});
        r.inputs.push_back(axes);
      } else {
        r.attributes.push_back(make_attr_ints("axes", two_d ? std::vector<int64_t>{2, 3} : std::vector<int64_t>{2}));
      }
      r.attributes.push_back(make_attr_int("keepdims", 1));
      g_.nodes.push_back(std::move(r));
      Node s;
      s.op_type = "Reshape";
      s.name = n.name + "/as_plain";
      const std::string shape = fresh(n.name + "/shape");
      g_.initializers[shape] = two_d ? Tensor::from_vector<int64_t>({0, c, 1, 1}) : Tensor::from_vector<int64_t>({0, c, 1});
      s.inputs = {rb, shape};
      s.outputs = {n.outputs[0]};
      g_.nodes.push_back(std::move(s));
      blocked_[n.outputs[0]] = rb;
      return true;
    }
    if ((op == "MaxPool" || op == "AveragePool") && x_blocked && !n.has_output(1) && channels(n.outputs[0]) == channels(x)) {
      if (n.attr_ints("kernel_shape").size() + 2 != static_cast<size_t>(rank(x))) return false;
      if (n.attr_int("storage_order", 0) != 0) return false;
      Node p;
      p.op_type = "BlockedPool";
      p.domain = kInternalDomain;
      p.name = n.name;
      p.attributes = n.attributes;
      p.attributes.push_back(passes::make_attr_string("mode", op == "MaxPool" ? "max" : "average"));
      p.attributes.push_back(make_attr_int("channels", channels(x)));
      p.inputs = {blocked_[x]};
      p.outputs = {produce_blocked(n.outputs[0])};
      g_.nodes.push_back(std::move(p));
      return true;
    }
    if (op == "Concat") {
      const int64_t axis = n.attr_int("axis", 0);
      const int r = rank(x);
      if (axis != 1 && axis != 1 - r) return false;
      std::vector<std::string> ins;
      bool any_blocked = false;
      for (const std::string& in : n.inputs) {
        const int64_t c = channels(in);
        if (c < 1 || c % kChannelBlock != 0 || rank(in) != r) return false;
        any_blocked = any_blocked || blocked_.count(in);
      }
      if (!any_blocked) return false;
      for (const std::string& in : n.inputs) ins.push_back(blocked(in));
      n.inputs = ins;
      n.set_attr(make_attr_int("axis", 1));
      n.outputs[0] = produce_blocked(n.outputs[0]);
      g_.nodes.push_back(std::move(n));
      return true;
    }
    return false;
  }

  Model& model_;
  Graph& g_;
  const GraphTypes& types_;
  std::map<std::string, int> uses_;
  std::map<std::string, std::string> blocked_;  // plain name → blocked name
  std::set<std::string> plain_missing_;          // produced only blocked so far
  std::set<std::string> reserved_;
  int converted_ = 0;
};

}  // namespace

int rewrite_blocked_layout(Model& model, const GraphTypes& types) { return Rewriter(model, types).run(); }

}  // namespace sz0

// Quantized pattern fusion; see fuse_qdq.h.
//
// A pattern is fused only when its parameters are constants of the shapes the kernels take
// (per-tensor activation scales and zero points; weight scales per tensor or per output channel,
// weight zero points zero), each interior value is read inside the pattern only, and oneDNN
// runs the result with an optimized kernel (the internal op's registration says so for the
// node, its input type and its weights: find_kernel finds no kernel otherwise). Anything else
// stays as it was: the reference kernels compute it. A DequantizeLinear or DynamicQuantizeLinear
// read by several patterns stays until all its readers are fused.
#include "runtime/fuse_qdq.h"

#include "ops/internal.h"
#include "ops/op.h"
#include "passes/fold.h"
#include "passes/pass.h"
#include "passes/patterns.h"
#include "runtime/fusion_util.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace sz0 {

namespace {

using passes::GraphView;

// An activation's DequantizeLinear: per-tensor scale and zero point.
struct ActDq {
  int node = -1;
  std::string q;  // the 8-bit value
  DType type = DType::Undefined;
  float scale = 0;
  int32_t zp = 0;
};

// A weight's DequantizeLinear: an integer initializer, per-tensor or per-channel scales, zero
// zero points.
struct WeightDq {
  int node = -1;
  std::string q;
  const Tensor* values = nullptr;
  std::vector<float> scales;
};

// The chain after the op: activation, then quantization.
struct Tail {
  std::vector<int> nodes;
  std::string out;
  std::string act;
  std::vector<float> act_params;
  DType out_type = DType::Float;
  float y_scale = 0;
  int32_t y_zp = 0;
};

const float* float_scalar(const Tensor* t) {
  return t && t->dtype() == DType::Float && t->numel() == 1 ? t->data<float>() : nullptr;
}

bool is_q8(DType t) { return t == DType::UInt8 || t == DType::Int8; }

// Whether the registry has a kernel for internal node `n` with these input types and constants.
bool has_kernel(const Node& n, std::vector<TypeInfo> inputs, std::vector<const Tensor*> constants) {
  ops::KernelInit init{n, 1, std::move(inputs), std::move(constants), {}, 1};
  return ops::find_kernel(init, ops::kInternalDomain) != nullptr;
}

bool all_zero(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (t.get_int64(i) != 0) return false;
  return true;
}

class Fuser {
 public:
  explicit Fuser(const Model& m) : v_(m.graph, m, nullptr), written_out_(written_out_activations(v_)), names_(m) {}

  passes::Patch run() {
    for (int i = 0; i < v_.size(); ++i) {
      const Node& n = v_.node(i);
      if (!passes::is_onnx_domain(n.domain)) continue;
      std::optional<Fusion> f;
      if (n.op_type == "Conv") f = fuse_conv(i);
      else if (n.op_type == "MatMul" || n.op_type == "Gemm") f = fuse_matmul(i);
      else if (n.op_type == "MatMulInteger") f = fuse_dynamic(i);
      else if (n.op_type == "ConvInteger") f = fuse_dynamic_conv(i);
      else if (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul") f = fuse_qlinear(i);
      else if (passes::is_recurrent_op(n.op_type)) f = fuse_recurrent(i);
      if (!f || !p_.free(f->nodes)) continue;
      for (auto& [name, t] : f->initializers) p_.add_initializers.emplace(name, std::move(t));
      p_.replace(f->nodes, {std::move(f->node)});
      shared_.insert(f->shared.begin(), f->shared.end());
    }
    drop_unread_shared();
    return std::move(p_);
  }

 private:
  struct Fusion {
    std::vector<int> nodes;
    std::vector<int> shared;  // nodes of the pattern that other nodes read too
    Node node;
    std::map<std::string, Tensor> initializers;
  };

  // Producer `op` (ai.onnx) of value `name`, or -1.
  int producer(const std::string& name, const char* op) const {
    const int p = v_.producer(name);
    return p >= 0 && passes::is_onnx_domain(v_.node(p).domain) && v_.node(p).op_type == op ? p : -1;
  }

  // The sole reader of `name` when it is an ai.onnx node, or -1.
  int sole_reader(const std::string& name) const {
    if (!v_.single_use(name)) return -1;
    const int r = v_.readers(name).front();
    return passes::is_onnx_domain(v_.node(r).domain) ? r : -1;
  }

  // Puts node `k` into the fusion when only the pattern reads its outputs, else keeps it.
  void take(Fusion& f, int k, const std::vector<int>& pattern) const {
    for (const std::string& o : v_.node(k).outputs) {
      if (o.empty()) continue;
      auto readers = v_.only_readers(o);
      const bool inside = readers && std::all_of(readers->begin(), readers->end(), [&](int r) {
        return std::find(pattern.begin(), pattern.end(), r) != pattern.end();
      });
      if (!inside) {
        f.shared.push_back(k);
        return;
      }
    }
    f.nodes.push_back(k);
  }

  // A node left behind by fusions that now has no readers goes too (repeated: dropping one can
  // leave its producer unread).
  void drop_unread_shared() {
    for (bool changed = true; changed;) {
      changed = false;
      for (int k : shared_) {
        if (p_.remove.count(k)) continue;
        bool unread = true;
        for (const std::string& o : v_.node(k).outputs) {
          if (o.empty()) continue;
          auto readers = v_.only_readers(o);
          if (!readers || !std::all_of(readers->begin(), readers->end(), [&](int r) { return p_.remove.count(r) > 0; }))
            unread = false;
        }
        if (unread) {
          p_.remove.insert(k);
          changed = true;
        }
      }
    }
  }

  std::optional<ActDq> activation_dq(const std::string& value) const {
    const int k = producer(value, "DequantizeLinear");
    if (k < 0) return std::nullopt;
    const Node& dq = v_.node(k);
    if (dq.inputs.size() < 2 || dq.attr_int("block_size", 0) != 0) return std::nullopt;
    ActDq a;
    a.node = k;
    a.q = dq.inputs[0];
    const TypeInfo* t = v_.type(a.q);
    if (!t || !is_q8(t->dtype)) return std::nullopt;
    a.type = t->dtype;
    const float* s = float_scalar(v_.constant(dq.inputs[1]));
    if (!s || !(*s > 0) || !std::isfinite(*s)) return std::nullopt;
    a.scale = *s;
    if (dq.has_input(2)) {
      const Tensor* z = v_.constant(dq.inputs[2]);
      if (!z || z->numel() != 1 || z->dtype() != a.type) return std::nullopt;
      a.zp = static_cast<int32_t>(z->get_int64(0));
    }
    return a;
  }

  // `axis`: the weight's output-channel axis (per-channel scales run along it).
  std::optional<WeightDq> weight_dq(const std::string& value, DType type, int64_t axis) const {
    const int k = producer(value, "DequantizeLinear");
    if (k < 0) return std::nullopt;
    const Node& dq = v_.node(k);
    if (dq.inputs.size() < 2 || dq.attr_int("block_size", 0) != 0) return std::nullopt;
    WeightDq w;
    w.node = k;
    w.q = dq.inputs[0];
    w.values = v_.constant(w.q);
    if (!w.values || w.values->dtype() != type || !v_.graph().initializers.count(w.q) || w.values->rank() <= axis)
      return std::nullopt;
    const Tensor* s = v_.constant(dq.inputs[1]);
    if (!s || s->dtype() != DType::Float) return std::nullopt;
    if (s->numel() != 1) {
      int64_t a = dq.attr_int("axis", 1);
      if (a < 0) a += w.values->rank();
      if (s->rank() != 1 || a != axis || s->numel() != w.values->dim(axis)) return std::nullopt;
    }
    w.scales.assign(s->data<float>(), s->data<float>() + s->numel());
    for (float x : w.scales)
      if (!(x > 0) || !std::isfinite(x)) return std::nullopt;
    if (dq.has_input(2)) {
      const Tensor* z = v_.constant(dq.inputs[2]);
      if (!z || z->dtype() != type || !all_zero(*z)) return std::nullopt;
    }
    return w;
  }

  // A bias of n values: a float constant of n elements broadcast along the last axis, or the
  // DequantizeLinear of an int32 one. Returns its real values and the DequantizeLinear (or -1).
  std::optional<std::pair<std::vector<float>, int>> bias_values(const std::string& value, int64_t n) const {
    auto is_row = [&](const Tensor& t) { return t.numel() == n && t.rank() >= 1 && t.dim(t.rank() - 1) == n; };
    if (const Tensor* c = v_.constant(value)) {
      if (c->dtype() != DType::Float || !is_row(*c)) return std::nullopt;
      return std::make_pair(std::vector<float>(c->data<float>(), c->data<float>() + n), -1);
    }
    auto dq = weight_dq(value, DType::Int32, 0);
    if (!dq || !is_row(*dq->values) || dq->values->rank() != 1) return std::nullopt;
    std::vector<float> b(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j)
      b[j] = static_cast<float>(dq->values->data<int32_t>()[j]) * dq->scales[dq->scales.size() == 1 ? 0 : j];
    return std::make_pair(std::move(b), dq->node);
  }

  // Activation and QuantizeLinear after `out`. `act_ok`: whether an activation may join.
  Tail tail(std::string out, bool act_ok) const {
    Tail t;
    t.out = out;
    int r = sole_reader(t.out);
    auto pattern = written_out_.find(t.out);
    if (act_ok && r >= 0 && is_fusable_activation(v_.node(r).op_type) && v_.node(r).outputs.size() == 1) {
      auto params = activation_params(v_.node(r), v_.opset(), [this](const std::string& s) { return v_.constant(s); });
      if (params) {
        t.act = v_.node(r).op_type;
        t.act_params = *params;
        t.nodes.push_back(r);
        t.out = v_.node(r).outputs[0];
        r = sole_reader(t.out);
      }
    } else if (act_ok && r >= 0 && v_.node(r).op_type == "Gelu" && v_.node(r).outputs.size() == 1) {
      t.act = v_.node(r).attr_string("approximate", "none") == "tanh" ? "GeluTanh" : "Gelu";
      t.nodes.push_back(r);
      t.out = v_.node(r).outputs[0];
      r = sole_reader(t.out);
    } else if (act_ok && pattern != written_out_.end() && readers_within(v_, t.out, pattern->second.nodes)) {
      t.act = pattern->second.act;
      t.nodes.insert(t.nodes.end(), pattern->second.nodes.begin(), pattern->second.nodes.end());
      t.out = pattern->second.output;
      r = sole_reader(t.out);
    }
    if (r < 0 || v_.node(r).op_type != "QuantizeLinear") return t;
    const Node& q = v_.node(r);
    if (q.inputs.size() < 2 || q.inputs[0] != t.out || q.outputs.size() != 1 || q.attr_int("output_dtype", 0) != 0 ||
        q.attr_int("block_size", 0) != 0 || q.attr_int("saturate", 1) != 1)
      return t;
    const float* s = float_scalar(v_.constant(q.inputs[1]));
    if (!s || !(*s > 0) || !std::isfinite(*s)) return t;
    DType type = DType::UInt8;
    int32_t zp = 0;
    if (q.has_input(2)) {
      const Tensor* z = v_.constant(q.inputs[2]);
      if (!z || z->numel() != 1 || !is_q8(z->dtype())) return t;
      type = z->dtype();
      zp = static_cast<int32_t>(z->get_int64(0));
    }
    t.nodes.push_back(r);
    t.out = q.outputs[0];
    t.out_type = type;
    t.y_scale = *s;
    t.y_zp = zp;
    return t;
  }

  // Sets the output attributes of fused node `n` from `t`.
  static void set_output(Node& n, const Tail& t) {
    set_activation(n, t.act, t.act_params);
    if (t.out_type == DType::Float) return;
    n.attributes.push_back(passes::make_attr_string("output", t.out_type == DType::UInt8 ? "uint8" : "int8"));
    n.attributes.push_back(passes::make_attr_float("y_scale", t.y_scale));
    n.attributes.push_back(passes::make_attr_int("y_zero_point", t.y_zp));
  }

  // A new initializer holding `b`, named after `base`.
  std::string add_bias(Fusion& f, const std::string& base, const std::vector<float>& b) {
    const std::string name = names_.fresh(base + "_bias");
    Tensor t(DType::Float, {static_cast<int64_t>(b.size())});
    std::copy(b.begin(), b.end(), t.data<float>());
    f.initializers.emplace(name, std::move(t));
    return name;
  }

  static const Tensor* bias_tensor(const Fusion& f) {
    return f.initializers.empty() ? nullptr : &f.initializers.begin()->second;
  }

  // Takes the pattern's nodes: `core` are read only inside it, `optional` may be shared.
  void collect(Fusion& f, std::vector<int> core, const std::vector<int>& optional) const {
    std::vector<int> pattern = core;
    pattern.insert(pattern.end(), optional.begin(), optional.end());
    f.nodes = std::move(core);
    for (int k : optional)
      if (k >= 0 && std::find(f.nodes.begin(), f.nodes.end(), k) == f.nodes.end() &&
          std::find(f.shared.begin(), f.shared.end(), k) == f.shared.end())
        take(f, k, pattern);
  }

  // A convolution input's type with unknown dims set to typical sizes (the kernel choice depends
  // on the configuration more than on the sizes); nullopt when its rank is not the weight's.
  std::optional<TypeInfo> probe_conv_input(const std::string& x, DType as, const Tensor& w, int64_t group) const {
    const TypeInfo* xt = v_.type(x);
    if (!xt || !xt->has_rank() || xt->rank() != w.rank()) return std::nullopt;
    std::vector<Dim> dims;
    for (size_t d = 0; d < xt->shape->size(); ++d) {
      const Dim& dim = (*xt->shape)[d];
      dims.push_back(dim.known() ? dim.value : d == 0 ? 1 : d == 1 ? w.dim(1) * group : 32);
    }
    return TypeInfo(as, std::move(dims));
  }

  // The tail of a float-output kernel: an activation, but no QuantizeLinear (that stays a node).
  Tail float_tail(const std::string& out) const {
    Tail t = tail(out, true);
    if (t.out_type != DType::Float) {
      t.nodes.pop_back();
      t.out = t.nodes.empty() ? out : v_.node(t.nodes.back()).outputs[0];
      t.out_type = DType::Float;
    }
    return t;
  }

  // After MatMulInteger / ConvInteger `i` fed by DynamicQuantizeLinear `dql`: Cast to float, then
  // Mul by (x_scale · W_scale). Returns the Cast, the Mul, the scale product's Mul and the name of
  // W_scale.
  struct DynamicRescale {
    int cast = -1, mul = -1, scale_mul = -1;
    std::string w_scale;
  };
  std::optional<DynamicRescale> dynamic_rescale(int i, const Node& dql) const {
    DynamicRescale r;
    r.cast = sole_reader(v_.node(i).outputs[0]);
    if (r.cast < 0 || v_.node(r.cast).op_type != "Cast" || v_.node(r.cast).attr_int("to", 0) != 1) return std::nullopt;
    const std::string& yc = v_.node(r.cast).outputs[0];
    r.mul = sole_reader(yc);
    if (r.mul < 0 || v_.node(r.mul).op_type != "Mul" || v_.node(r.mul).inputs.size() != 2) return std::nullopt;
    const Node& mn = v_.node(r.mul);
    r.scale_mul = producer(mn.inputs[0] == yc ? mn.inputs[1] : mn.inputs[0], "Mul");
    if (r.scale_mul < 0 || v_.node(r.scale_mul).inputs.size() != 2) return std::nullopt;
    const Node& smn = v_.node(r.scale_mul);
    if (smn.inputs[0] != dql.outputs[1] && smn.inputs[1] != dql.outputs[1]) return std::nullopt;
    r.w_scale = smn.inputs[0] == dql.outputs[1] ? smn.inputs[1] : smn.inputs[0];
    return r;
  }

  std::optional<Fusion> fuse_conv(int i) {
    const Node& conv = v_.node(i);
    if (conv.inputs.size() < 2 || conv.outputs.size() != 1 || conv.outputs[0].empty()) return std::nullopt;
    auto x = activation_dq(conv.inputs[0]);
    auto w = x ? weight_dq(conv.inputs[1], DType::Int8, 0) : std::nullopt;
    if (!w || (w->values->rank() != 3 && w->values->rank() != 4)) return std::nullopt;
    const int64_t m = w->values->dim(0);
    std::optional<std::pair<std::vector<float>, int>> bias;
    if (conv.has_input(2) && !(bias = bias_values(conv.inputs[2], m))) return std::nullopt;
    Tail t = tail(conv.outputs[0], true);
    Fusion f;
    Node& q = f.node;
    q.op_type = "QConv";
    q.domain = ops::kInternalDomain;
    q.name = conv.name;
    q.inputs = {x->q, w->q};
    if (bias) q.inputs.push_back(add_bias(f, conv.name.empty() ? conv.outputs[0] : conv.name, bias->first));
    q.outputs = {t.out};
    q.attributes = conv.attributes;
    q.attributes.push_back(passes::make_attr_float("x_scale", x->scale));
    q.attributes.push_back(passes::make_attr_int("x_zero_point", x->zp));
    q.attributes.push_back(passes::make_attr_floats("w_scales", w->scales));
    set_output(q, t);
    auto probe = probe_conv_input(x->q, x->type, *w->values, conv.attr_int("group", 1));
    if (!probe || !has_kernel(q, {*probe}, {nullptr, w->values, bias_tensor(f)})) return std::nullopt;
    std::vector<int> core = {i};
    core.insert(core.end(), t.nodes.begin(), t.nodes.end());
    collect(f, core, {x->node, w->node, bias ? bias->second : -1});
    return f;
  }

  std::optional<Fusion> fuse_matmul(int i) {
    const Node& mm = v_.node(i);
    const bool gemm = mm.op_type == "Gemm";
    if (mm.inputs.size() < 2 || mm.outputs.size() != 1 || mm.outputs[0].empty()) return std::nullopt;
    const bool tb = gemm && mm.attr_int("transB", 0) != 0;
    auto a = activation_dq(mm.inputs[0]);
    auto w = a ? weight_dq(mm.inputs[1], DType::Int8, tb ? 0 : 1) : std::nullopt;
    if (!w || w->values->rank() != 2) return std::nullopt;
    const int64_t n = w->values->dim(tb ? 0 : 1);
    const int ar = v_.rank(mm.inputs[0]);
    if (ar < 1 || (gemm && (ar != 2 || mm.attr_int("transA", 0) != 0))) return std::nullopt;
    const float alpha = gemm ? mm.attr_float("alpha", 1.0f) : 1.0f;
    if (!(alpha > 0)) return std::nullopt;
    std::vector<float> scales = w->scales;
    for (float& s : scales) s *= alpha;
    std::vector<int> core = {i}, optional = {a->node, w->node};
    std::optional<std::vector<float>> bias;
    std::string out = mm.outputs[0];
    if (gemm && mm.has_input(2)) {
      auto c = bias_values(mm.inputs[2], n);
      if (!c) return std::nullopt;
      const float beta = mm.attr_float("beta", 1.0f);
      for (float& v : c->first) v *= beta;
      bias = std::move(c->first);
      optional.push_back(c->second);
    } else if (const int r = sole_reader(out); r >= 0 && v_.node(r).op_type == "Add" && v_.node(r).inputs.size() == 2) {
      const Node& add = v_.node(r);
      const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
      const Tensor* c = v_.constant(other);
      if (c && c->rank() <= std::max(ar, 1)) {
        if (auto b = bias_values(other, n); b && b->second < 0) {
          bias = std::move(b->first);
          core.push_back(r);
          out = add.outputs[0];
        }
      }
    }
    Tail t = tail(out, true);
    Fusion f;
    Node& q = f.node;
    q.op_type = "QMatMul";
    q.domain = ops::kInternalDomain;
    q.name = mm.name;
    q.inputs = {a->q, w->q};
    if (bias) q.inputs.push_back(add_bias(f, mm.name.empty() ? mm.outputs[0] : mm.name, *bias));
    q.outputs = {t.out};
    q.attributes.push_back(passes::make_attr_int("trans_b", tb ? 1 : 0));
    q.attributes.push_back(passes::make_attr_float("a_scale", a->scale));
    q.attributes.push_back(passes::make_attr_int("a_zero_point", a->zp));
    q.attributes.push_back(passes::make_attr_floats("w_scales", scales));
    set_output(q, t);
    if (!has_kernel(q, {TypeInfo(a->type, {Dim(w->values->dim(tb ? 1 : 0))})}, {nullptr, w->values, bias_tensor(f)}))
      return std::nullopt;
    core.insert(core.end(), t.nodes.begin(), t.nodes.end());
    collect(f, core, optional);
    return f;
  }

  // DynamicQuantizeLinear → MatMulInteger → Cast → Mul(·, x_scale · w_scale) [→ Add] [→ act].
  std::optional<Fusion> fuse_dynamic(int i) {
    const Node& mi = v_.node(i);
    if (mi.inputs.size() < 3 || mi.outputs.size() != 1 || mi.inputs[2].empty()) return std::nullopt;
    const int d = producer(mi.inputs[0], "DynamicQuantizeLinear");
    if (d < 0) return std::nullopt;
    const Node& dql = v_.node(d);
    if (dql.outputs.size() < 3 || dql.outputs[0] != mi.inputs[0] || dql.outputs[2] != mi.inputs[2]) return std::nullopt;
    const Tensor* w = v_.constant(mi.inputs[1]);
    if (!w || w->dtype() != DType::Int8 || w->rank() != 2 || !v_.graph().initializers.count(mi.inputs[1])) return std::nullopt;
    const int64_t n = w->dim(1);
    if (mi.has_input(3)) {
      const Tensor* z = v_.constant(mi.inputs[3]);
      if (!z || z->dtype() != DType::Int8 || (z->numel() != 1 && z->numel() != n) || z->rank() > 1 || !all_zero(*z))
        return std::nullopt;
    }
    auto rs = dynamic_rescale(i, dql);
    if (!rs) return std::nullopt;
    const int cast = rs->cast, mul = rs->mul, sm = rs->scale_mul;
    const Node& mn = v_.node(mul);
    const Tensor* ws = v_.constant(rs->w_scale);
    if (!ws || ws->dtype() != DType::Float || ws->rank() > 1 || (ws->numel() != 1 && ws->numel() != n)) return std::nullopt;
    std::vector<float> scales(ws->data<float>(), ws->data<float>() + ws->numel());
    for (float x : scales)
      if (!(x > 0) || !std::isfinite(x)) return std::nullopt;
    std::vector<int> core = {i, cast, mul};
    std::string out = mn.outputs[0];
    std::optional<std::vector<float>> bias;
    if (const int r = sole_reader(out); r >= 0 && v_.node(r).op_type == "Add" && v_.node(r).inputs.size() == 2) {
      const Node& add = v_.node(r);
      const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
      const Tensor* c = v_.constant(other);
      if (c && c->rank() <= std::max(v_.rank(dql.inputs[0]), 1)) {
        if (auto b = bias_values(other, n); b && b->second < 0) {
          bias = std::move(b->first);
          core.push_back(r);
          out = add.outputs[0];
        }
      }
    }
    if (v_.rank(dql.inputs[0]) < 1) return std::nullopt;
    Tail t = float_tail(out);
    Fusion f;
    Node& q = f.node;
    q.op_type = "DynQMatMul";
    q.domain = ops::kInternalDomain;
    q.name = mi.name;
    q.inputs = {dql.inputs[0], mi.inputs[1]};
    if (bias) q.inputs.push_back(add_bias(f, mi.name.empty() ? mi.outputs[0] : mi.name, *bias));
    q.outputs = {t.out};
    q.attributes.push_back(passes::make_attr_floats("w_scales", scales));
    set_output(q, t);
    if (!has_kernel(q, {TypeInfo(DType::Float, {Dim(w->dim(0))})}, {nullptr, w, bias_tensor(f)})) return std::nullopt;
    core.insert(core.end(), t.nodes.begin(), t.nodes.end());
    // The quantization and the scale product may be shared (one input, several projections).
    collect(f, core, {sm, d});
    return f;
  }

  // A constant of one value per output channel of an m-channel convolution output: a scalar,
  // or [1, m, 1, ...] of the output's rank `r`. Its values, or nullopt.
  std::optional<std::vector<float>> channel_values(const std::string& name, int64_t m, int r) const {
    const Tensor* t = v_.constant(name);
    if (!t || t->dtype() != DType::Float) return std::nullopt;
    if (t->numel() == 1 && t->rank() <= r) return std::vector<float>(1, t->data<float>()[0]);
    if (t->numel() != m || t->rank() != r || t->dim(1) != m) return std::nullopt;
    return std::vector<float>(t->data<float>(), t->data<float>() + m);
  }

  // DynamicQuantizeLinear → ConvInteger → Cast → Mul(·, x_scale · w_scale) [→ bias Add]
  // [→ activation]: QConv in its dynamic mode (X float).
  std::optional<Fusion> fuse_dynamic_conv(int i) {
    const Node& ci = v_.node(i);
    if (ci.inputs.size() < 3 || ci.outputs.size() != 1 || ci.inputs[2].empty()) return std::nullopt;
    const int d = producer(ci.inputs[0], "DynamicQuantizeLinear");
    if (d < 0) return std::nullopt;
    const Node& dql = v_.node(d);
    if (dql.outputs.size() < 3 || dql.outputs[0] != ci.inputs[0] || dql.outputs[2] != ci.inputs[2]) return std::nullopt;
    const Tensor* w = v_.constant(ci.inputs[1]);
    if (!w || w->dtype() != DType::Int8 || (w->rank() != 3 && w->rank() != 4) || !v_.graph().initializers.count(ci.inputs[1]))
      return std::nullopt;
    const int64_t m = w->dim(0);
    const int r = static_cast<int>(w->rank());
    if (ci.has_input(3)) {
      const Tensor* z = v_.constant(ci.inputs[3]);
      if (!z || z->dtype() != DType::Int8 || !all_zero(*z)) return std::nullopt;
    }
    auto rs = dynamic_rescale(i, dql);
    if (!rs) return std::nullopt;
    const int cast = rs->cast, mul = rs->mul, sm = rs->scale_mul;
    const Node& mn = v_.node(mul);
    auto scales = channel_values(rs->w_scale, m, r);
    if (!scales) return std::nullopt;
    for (float x : *scales)
      if (!(x > 0) || !std::isfinite(x)) return std::nullopt;
    std::vector<int> core = {i, cast, mul};
    std::string out = mn.outputs[0];
    std::optional<std::vector<float>> bias;
    if (const int a = sole_reader(out); a >= 0 && v_.node(a).op_type == "Add" && v_.node(a).inputs.size() == 2) {
      const Node& add = v_.node(a);
      auto b = channel_values(add.inputs[0] == out ? add.inputs[1] : add.inputs[0], m, r);
      if (b && b->size() == static_cast<size_t>(m)) {
        bias = std::move(*b);
        core.push_back(a);
        out = add.outputs[0];
      }
    }
    Tail t = float_tail(out);
    Fusion f;
    Node& q = f.node;
    q.op_type = "QConv";
    q.domain = ops::kInternalDomain;
    q.name = ci.name;
    q.inputs = {dql.inputs[0], ci.inputs[1]};
    if (bias) q.inputs.push_back(add_bias(f, ci.name.empty() ? ci.outputs[0] : ci.name, *bias));
    q.outputs = {t.out};
    q.attributes = ci.attributes;
    q.attributes.push_back(passes::make_attr_int("dynamic", 1));
    q.attributes.push_back(passes::make_attr_floats("w_scales", *scales));
    set_output(q, t);
    auto probe = probe_conv_input(dql.inputs[0], DType::Float, *w, ci.attr_int("group", 1));
    if (!probe || !has_kernel(q, {*probe}, {nullptr, w, bias_tensor(f)})) return std::nullopt;
    core.insert(core.end(), t.nodes.begin(), t.nodes.end());
    collect(f, core, {sm, d});
    return f;
  }

  // A per-tensor scale and zero point given as inputs `s` and `z` (z may be omitted: uint8 0).
  std::optional<std::tuple<float, int32_t, DType>> scale_zp(const Node& n, size_t s, size_t z) const {
    const float* sc = float_scalar(v_.constant(n.inputs[s]));
    if (!sc || !(*sc > 0) || !std::isfinite(*sc)) return std::nullopt;
    if (!n.has_input(z)) return std::make_tuple(*sc, 0, DType::UInt8);
    const Tensor* zp = v_.constant(n.inputs[z]);
    if (!zp || zp->numel() != 1 || !is_q8(zp->dtype())) return std::nullopt;
    return std::make_tuple(*sc, static_cast<int32_t>(zp->get_int64(0)), zp->dtype());
  }

  // QLinearConv / QLinearMatMul (QOperator files): the same kernels, parameters from inputs
  // (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point[, B]).
  std::optional<Fusion> fuse_qlinear(int i) {
    const Node& n = v_.node(i);
    const bool conv = n.op_type == "QLinearConv";
    if (n.inputs.size() < 8 || n.outputs.size() != 1 || n.outputs[0].empty() || n.inputs[0].empty() ||
        n.inputs[3].empty())
      return std::nullopt;
    auto x = scale_zp(n, 1, 2);
    auto y = scale_zp(n, 6, 7);
    const TypeInfo* xt = v_.type(n.inputs[0]);
    if (!x || !y || !xt || !is_q8(xt->dtype) || !xt->has_rank()) return std::nullopt;
    if (n.has_input(2) && std::get<2>(*x) != xt->dtype) return std::nullopt;
    const Tensor* w = v_.constant(n.inputs[3]);
    if (!w || w->dtype() != DType::Int8 || !v_.graph().initializers.count(n.inputs[3])) return std::nullopt;
    if (conv ? (w->rank() != 3 && w->rank() != 4) : w->rank() != 2) return std::nullopt;
    const int64_t m = conv ? w->dim(0) : w->dim(1);
    const Tensor* ws = v_.constant(n.inputs[4]);
    if (!ws || ws->dtype() != DType::Float || ws->rank() > 1 || (ws->numel() != 1 && ws->numel() != m)) return std::nullopt;
    std::vector<float> scales(ws->data<float>(), ws->data<float>() + ws->numel());
    for (float v : scales)
      if (!(v > 0) || !std::isfinite(v)) return std::nullopt;
    if (n.has_input(5)) {
      const Tensor* z = v_.constant(n.inputs[5]);
      if (!z || z->dtype() != DType::Int8 || !all_zero(*z)) return std::nullopt;
    }
    Fusion f;
    Node& q = f.node;
    q.domain = ops::kInternalDomain;
    q.name = n.name;
    q.inputs = {n.inputs[0], n.inputs[3]};
    q.outputs = {n.outputs[0]};
    if (conv && n.has_input(8)) {
      // int32 bias in units of x_scale · w_scale[c]: back to real values for the kernel.
      const Tensor* b = v_.constant(n.inputs[8]);
      if (!b || b->dtype() != DType::Int32 || b->numel() != m || b->rank() != 1) return std::nullopt;
      std::vector<float> bv(static_cast<size_t>(m));
      for (int64_t c = 0; c < m; ++c)
        bv[c] = static_cast<float>(b->data<int32_t>()[c]) * std::get<0>(*x) * scales[scales.size() == 1 ? 0 : c];
      q.inputs.push_back(add_bias(f, n.name.empty() ? n.outputs[0] : n.name, bv));
    }
    Tail t;
    t.out_type = std::get<2>(*y);
    t.y_scale = std::get<0>(*y);
    t.y_zp = std::get<1>(*y);
    if (conv) {
      q.op_type = "QConv";
      q.attributes = n.attributes;
      q.attributes.push_back(passes::make_attr_float("x_scale", std::get<0>(*x)));
      q.attributes.push_back(passes::make_attr_int("x_zero_point", std::get<1>(*x)));
      q.attributes.push_back(passes::make_attr_floats("w_scales", scales));
    } else {
      q.op_type = "QMatMul";
      q.attributes.push_back(passes::make_attr_int("trans_b", 0));
      q.attributes.push_back(passes::make_attr_float("a_scale", std::get<0>(*x)));
      q.attributes.push_back(passes::make_attr_int("a_zero_point", std::get<1>(*x)));
      q.attributes.push_back(passes::make_attr_floats("w_scales", scales));
    }
    set_output(q, t);
    const Tensor* b = bias_tensor(f);
    if (conv) {
      auto probe = probe_conv_input(n.inputs[0], xt->dtype, *w, n.attr_int("group", 1));
      if (!probe || !has_kernel(q, {*probe}, {nullptr, w, b})) return std::nullopt;
    } else if (!has_kernel(q, {TypeInfo(xt->dtype, {Dim(w->dim(0))})}, {nullptr, w, b})) {
      return std::nullopt;
    }
    f.nodes = {i};
    return f;
  }

  // RNN, GRU or LSTM whose W and R are DequantizeLinear of int8 initializers (one scale, or one
  // per row along axis 1): QRNN, QGRU or QLSTM with the int8 values and their scales, which the
  // fused recurrent kernel runs with R in int8 (ops/rnn/recurrent_fused.cpp). Full 8-bit R would
  // saturate the AVX2 products' int16 pair sums; such a cell, and one the kernel refuses (clip,
  // other activations), keeps its op, and fold_weight_dequantize gives it float weights.
  std::optional<Fusion> fuse_recurrent(int i) {
    const Node& n = v_.node(i);
    if (n.inputs.size() < 3) return std::nullopt;
    auto w = weight_dq(n.inputs[1], DType::Int8, 1);
    auto r = weight_dq(n.inputs[2], DType::Int8, 1);
    if (!w || !r || w->values->rank() != 3 || r->values->rank() != 3) return std::nullopt;
    if (!std::all_of(r->values->data<int8_t>(), r->values->data<int8_t>() + r->values->numel(),
                     [](int8_t v) { return v >= -64 && v <= 64; }))
      return std::nullopt;
    Fusion f;
    Node& q = f.node;
    q.domain = ops::kInternalDomain;
    q.op_type = "Q" + n.op_type;
    q.name = n.name;
    q.inputs = n.inputs;
    q.inputs[1] = w->q;
    q.inputs[2] = r->q;
    q.outputs = n.outputs;
    for (const Attribute& a : n.attributes)
      if (a.name != "layout" || v_.opset() >= 14) q.attributes.push_back(a);
    q.attributes.push_back(passes::make_attr_floats("w_scales", w->scales));
    q.attributes.push_back(passes::make_attr_floats("r_scales", r->scales));
    std::vector<TypeInfo> types;
    std::vector<const Tensor*> constants;
    for (const std::string& in : q.inputs) {
      const TypeInfo* t = in.empty() ? nullptr : v_.type(in);
      types.push_back(t ? *t : TypeInfo());
      constants.push_back(in.empty() ? nullptr : v_.constant(in));
    }
    if (!has_kernel(q, std::move(types), std::move(constants))) return std::nullopt;
    collect(f, {i}, {w->node, r->node});
    return f;
  }

  GraphView v_;
  std::map<std::string, WrittenOutActivation> written_out_;
  passes::NameGen names_;
  passes::Patch p_;
  std::set<int> shared_;
};

}  // namespace

namespace {

// An 8-bit value written by a QConv and read only by QConvs (as their input X) stays channels
// last between them: the producer skips its reorder back to NCHW, the readers theirs to NHWC.
int chain_channels_last(Graph& g) {
  std::map<std::string, std::vector<Node*>> readers;
  std::set<std::string> outputs;  // graph outputs and values subgraphs read: layout fixed
  for (Node& n : g.nodes) {
    for (const std::string& in : n.inputs)
      if (!in.empty()) readers[in].push_back(&n);
    if (passes::has_subgraph(n)) passes::collect_subgraph_reads(n, outputs);
  }
  for (const ValueInfo& o : g.outputs) outputs.insert(o.name);
  auto is_qconv = [](const Node& n) { return n.domain == ops::kInternalDomain && n.op_type == "QConv"; };
  int chained = 0;
  for (Node& n : g.nodes) {
    if (!is_qconv(n) || n.attr_string("output", "").empty() || n.outputs.size() != 1 || outputs.count(n.outputs[0]))
      continue;
    auto it = readers.find(n.outputs[0]);
    if (it == readers.end()) continue;
    const bool all = std::all_of(it->second.begin(), it->second.end(), [&](const Node* r) {
      return is_qconv(*r) && r->inputs[0] == n.outputs[0] &&
             std::count(r->inputs.begin(), r->inputs.end(), n.outputs[0]) == 1;
    });
    if (!all) continue;
    n.set_attr(passes::make_attr_int("dst_channels_last", 1));
    for (Node* r : it->second) r->set_attr(passes::make_attr_int("src_channels_last", 1));
    ++chained;
  }
  return chained;
}

}  // namespace

namespace {

// DequantizeLinear of constants that no fusion took (weight zero points, full 8-bit weights
// where the int8 kernels would saturate, a recurrent cell the int8 kernel refuses): the float
// weights are computed once here, not on every run, and their readers take float kernels.
int fold_weight_dequantize(Model& model) {
  const GraphView v(model.graph, model, nullptr);
  passes::Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (!passes::is_onnx_domain(n.domain) || n.op_type != "DequantizeLinear" || n.outputs.size() != 1 ||
        n.outputs[0].empty() || v.is_graph_output(n.outputs[0]))
      continue;
    ops::InferContext ictx(n, v.opset());
    bool constant = !n.inputs.empty();
    for (const std::string& in : n.inputs) {
      const Tensor* c = in.empty() ? nullptr : v.constant(in);
      if (!in.empty() && !c) constant = false;
      ictx.inputs.push_back(c ? TypeInfo::of(*c) : TypeInfo{});
      ictx.values.push_back(c);
    }
    if (!constant || !ops::infer_node(ictx).ok()) continue;
    auto values = passes::evaluate_node(n, v.opset(), ictx);
    if (!values.ok() || values->empty()) continue;
    p.add_initializers.emplace(n.outputs[0], std::move(values->front()));
    p.replace({i}, {});
  }
  return apply_runtime_patch(model, std::move(p));
}

}  // namespace

int fuse_qdq(Model& model) {
  const int fused = apply_runtime_patch(model, Fuser(model).run());
  fold_weight_dequantize(model);
  if (fused > 0) chain_channels_last(model.graph);
  return fused;
}

}  // namespace sz0

// INT8 rewrites: which nodes are quantized, weights to int8, and the static QDQ / QOperator and
// dynamic graphs (src/quantize/int8.h). Every node written is a standard ai.onnx op.
#include "quantize/int8.h"

#include "passes/pass.h"
#include "passes/patterns.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sz0::quant {

namespace {

using passes::make_attr_int;

Node make_node(std::string name, std::string op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = std::move(name);
  n.op_type = std::move(op);
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

// Looks up constant weights: initializers that no graph input overrides.
class Constants {
 public:
  explicit Constants(const Graph& g) : g_(g) {
    for (const ValueInfo* v : g.runtime_inputs()) inputs_.insert(v->name);
  }
  const Tensor* get(const std::string& name) const {
    if (name.empty() || inputs_.count(name)) return nullptr;
    auto it = g_.initializers.find(name);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }

 private:
  const Graph& g_;
  std::set<std::string> inputs_;
};

// A Gemm's bias C as one value per output column (beta applied), or nullopt when it does not
// broadcast along rows only.
std::optional<std::vector<float>> gemm_bias(const Node& n, const Tensor* c, int64_t cols) {
  if (!c) return std::nullopt;
  if (c->dtype() != DType::Float || c->numel() != cols) return std::nullopt;
  if (c->rank() == 2 && c->dim(0) != 1) return std::nullopt;
  const float beta = n.attr_float("beta", 1.0f);
  std::vector<float> b(static_cast<size_t>(cols));
  for (int64_t i = 0; i < cols; ++i) b[i] = c->data<float>()[i] * beta;
  return b;
}

Tensor transposed_2d(const Tensor& w) {
  const int64_t r = w.dim(0), c = w.dim(1);
  Tensor t(DType::Float, {c, r});
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) t.data<float>()[j * r + i] = w.data<float>()[i * c + j];
  return t;
}

// Shared state of one rewrite: fresh names, new initializers, and the nodes placed before the
// original ones (weight dequantization needs nothing computed).
class Writer {
 public:
  Writer(Model& m, const QuantizeOptions& o) : m_(m), o_(o), names_(m), consts_(m.graph) {}

  std::string add_init(const std::string& base, Tensor t) {
    const std::string name = names_.fresh(base);
    m_.graph.initializers[name] = std::move(t);
    return name;
  }
  std::string fresh(const std::string& base) { return names_.fresh(base); }
  const Tensor* constant(const std::string& name) const { return consts_.get(name); }
  std::vector<Node>& head() { return head_; }

  // The scale and zero-point initializers of activation tensor `t`.
  std::pair<std::string, std::string> act_params(const std::string& t, const TensorRange& r) {
    auto it = act_params_.find(t);
    if (it != act_params_.end()) return it->second;
    const std::string s = add_init(t + "_scale", Tensor::scalar<float>(r.scale));
    const std::string z = o_.activation_type == DType::Int8
                              ? add_init(t + "_zero_point", Tensor::scalar<int8_t>(static_cast<int8_t>(r.zero_point)))
                              : add_init(t + "_zero_point", Tensor::scalar<uint8_t>(static_cast<uint8_t>(r.zero_point)));
    return act_params_[t] = {s, z};
  }

  // The int8 weight with its scale and zero point as initializers (cached per weight and axis).
  struct WeightNames {
    std::string q, scale, zp;
    Tensor scales;  // float, [channels] or scalar
  };
  WeightNames weight(const std::string& w_name, const Tensor& w, int axis, const std::string& suffix = "") {
    const std::string key = w_name + "#" + std::to_string(axis) + suffix;
    auto it = weights_.find(key);
    if (it != weights_.end()) return it->second;
    QuantizedWeight qw = quantize_weight(w, axis, o_.reduce_range ? 63 : 127);
    WeightNames n;
    n.scales = qw.scale;
    n.q = add_init(w_name + "_quantized", std::move(qw.values));
    n.scale = add_init(w_name + "_scale", qw.scale);
    Tensor zp(DType::Int8, qw.scale.shape());
    n.zp = add_init(w_name + "_zero_point", std::move(zp));
    replaced_.insert(w_name);
    return weights_[key] = n;
  }

  // Float weights no node reads any more.
  void drop_replaced() {
    std::set<std::string> used;
    for (const Node& n : m_.graph.nodes)
      for (const std::string& i : n.inputs) used.insert(i);
    for (const ValueInfo& v : m_.graph.outputs) used.insert(v.name);
    for (const std::string& w : replaced_)
      if (!used.count(w) && !m_.graph.find_input(w)) m_.graph.initializers.erase(w);
  }

  void replaced(const std::string& name) { replaced_.insert(name); }
  int per_channel_axis(int axis) const { return o_.per_channel && m_.opset("") >= 13 ? axis : -1; }

 private:
  Model& m_;
  const QuantizeOptions& o_;
  passes::NameGen names_;
  Constants consts_;
  std::vector<Node> head_;
  std::map<std::string, std::pair<std::string, std::string>> act_params_;
  std::map<std::string, WeightNames> weights_;
  std::set<std::string> replaced_;
};

bool is_recurrent(const Node& n) { return passes::is_recurrent_op(n.op_type); }

Node dequantize(std::string name, const std::string& q, const std::string& s, const std::string& z,
                const std::string& out, int axis) {
  Node n = make_node(std::move(name), "DequantizeLinear", {q, s, z}, {out});
  if (axis >= 0) n.attributes.push_back(make_attr_int("axis", axis));
  return n;
}

// A recurrent cell's W and R as int8, one scale per gate row (axis 1), each behind a
// DequantizeLinear. Both modes write the same: ONNX has no integer recurrent op, and ONNX Runtime
// folds the DequantizeLinear; sz0's runtime keeps R in int8 (runtime/fuse_qdq.cpp).
void quantize_recurrent(Writer& w, Node& n, QuantizeReport& report) {
  const int axis = w.per_channel_axis(1);
  for (int i : {1, 2}) {
    const auto wn = w.weight(n.inputs[i], *w.constant(n.inputs[i]), axis);
    const std::string d = w.fresh(n.inputs[i] + "_dequantized");
    w.head().push_back(dequantize(w.fresh(n.inputs[i] + "_DequantizeLinear"), wn.q, wn.scale, wn.zp, d, axis));
    n.inputs[i] = d;
  }
  ++report.nodes_converted;
  ++report.converted_ops[n.op_type];
}

// int32 bias: b / (x_scale * w_scale[c]), rounded and saturated; its scale per channel.
std::pair<Tensor, Tensor> quantize_bias(const std::vector<float>& b, float x_scale, const Tensor& w_scales) {
  const int64_t n = static_cast<int64_t>(b.size());
  Tensor q(DType::Int32, {n});
  Tensor s(DType::Float, w_scales.rank() == 0 ? Shape{} : Shape{n});
  for (int64_t c = 0; c < n; ++c) {
    const float ws = w_scales.numel() == 1 ? w_scales.data<float>()[0] : w_scales.data<float>()[c];
    const double scale = static_cast<double>(x_scale) * ws;
    const double v = scale > 0 ? std::nearbyint(b[c] / scale) : 0.0;
    q.data<int32_t>()[c] = static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
    if (w_scales.rank() != 0) s.data<float>()[c] = static_cast<float>(scale);
  }
  if (w_scales.rank() == 0) s.data<float>()[0] = x_scale * w_scales.data<float>()[0];
  return {std::move(q), std::move(s)};
}

}  // namespace

QuantizedWeight quantize_weight(const Tensor& w, int axis, int qmax) {
  const Tensor f = w.dtype() == DType::Float ? w : w.cast(DType::Float);
  const int64_t channels = axis < 0 ? 1 : f.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; axis >= 0 && d < f.rank(); ++d) inner *= f.dim(d);
  auto channel = [&](int64_t i) { return axis < 0 ? 0 : (i / inner) % channels; };
  std::vector<float> amax(static_cast<size_t>(channels), 0.f);
  const float* x = f.data<float>();
  for (int64_t i = 0; i < f.numel(); ++i)
    if (std::isfinite(x[i])) amax[channel(i)] = std::max(amax[channel(i)], std::fabs(x[i]));
  QuantizedWeight q;
  q.scale = axis < 0 ? Tensor(DType::Float, {}) : Tensor(DType::Float, {channels});
  for (int64_t c = 0; c < channels; ++c) q.scale.data<float>()[c] = amax[c] > 0 ? amax[c] / static_cast<float>(qmax) : 1.f;
  q.values = Tensor(DType::Int8, f.shape());
  for (int64_t i = 0; i < f.numel(); ++i) {
    const float v = std::isfinite(x[i]) ? x[i] / q.scale.data<float>()[channel(i)] : 0.f;
    q.values.data<int8_t>()[i] = static_cast<int8_t>(std::clamp(std::nearbyint(v), -static_cast<float>(qmax), static_cast<float>(qmax)));
  }
  return q;
}

std::vector<Int8Target> int8_targets(const Model& model, const QuantizeOptions& o, std::vector<FencedNode>& excluded) {
  const Graph& g = model.graph;
  Constants consts(g);
  std::vector<Int8Target> out;
  for (int i = 0; i < static_cast<int>(g.nodes.size()); ++i) {
    const Node& n = g.nodes[i];
    if (!passes::is_onnx_domain(n.domain) || !o.op_types.count(n.op_type)) continue;
    if (o.exclude_ops.count(n.op_type)) {
      excluded.push_back({n.name, n.op_type, "op type excluded"});
      continue;
    }
    if (o.exclude_nodes.count(n.name)) {
      excluded.push_back({n.name, n.op_type, "node excluded"});
      continue;
    }
    if (is_recurrent(n)) {
      // W and R quantized; X stays float (the runtime quantizes the recurrent state per step).
      const Tensor* w = n.inputs.size() > 2 ? consts.get(n.inputs[1]) : nullptr;
      const Tensor* r = w ? consts.get(n.inputs[2]) : nullptr;
      if (r && w->dtype() == DType::Float && r->dtype() == DType::Float && w->rank() == 3 && r->rank() == 3 &&
          !n.inputs[0].empty() && !consts.get(n.inputs[0]))
        out.push_back({i, 1});
      continue;
    }
    if (n.inputs.size() < 2 || n.outputs.size() != 1 || n.inputs[0].empty()) continue;
    const Tensor* w = consts.get(n.inputs[1]);
    // An activation times an activation (attention scores) stays float: no weight to quantize.
    if (!w || w->dtype() != DType::Float || consts.get(n.inputs[0])) continue;
    Int8Target t{i, 0};
    if (n.op_type == "Conv") {
      if (w->rank() < 3) continue;
      if (n.has_input(2)) {
        const Tensor* b = consts.get(n.inputs[2]);
        if (!b || b->dtype() != DType::Float || b->numel() != w->dim(0)) continue;
      }
    } else if (n.op_type == "MatMul") {
      if (w->rank() != 2) continue;
      t.weight_axis = 1;
    } else if (n.op_type == "Gemm") {
      if (w->rank() != 2 || n.attr_int("transA", 0) != 0) continue;
      const bool tb = n.attr_int("transB", 0) != 0;
      t.weight_axis = tb ? 0 : 1;
      if (n.has_input(2) && !gemm_bias(n, consts.get(n.inputs[2]), w->dim(t.weight_axis))) continue;
    } else {
      continue;
    }
    out.push_back(t);
  }
  return out;
}

namespace {

bool qoperator_node(const Node& n, const QuantizeOptions& o) {
  if (o.format != QuantFormat::QOperator) return false;
  // A Gemm's bias would land after the QLinearMatMul's requantization, which was calibrated
  // with it: such a Gemm stays in QDQ form.
  return n.op_type == "Conv" || n.op_type == "MatMul" ||
         (n.op_type == "Gemm" && !n.has_input(2) && n.attr_float("alpha", 1.0f) == 1.0f);
}

}  // namespace

std::set<std::string> int8_activations(const Model& model, const std::vector<Int8Target>& targets,
                                       const QuantizeOptions& o) {
  std::set<std::string> out;
  for (const Int8Target& t : targets) {
    const Node& n = model.graph.nodes[t.node];
    if (is_recurrent(n)) continue;
    out.insert(n.inputs[0]);
    if (qoperator_node(n, o)) out.insert(n.outputs[0]);
  }
  return out;
}

Status write_int8_static(Model& model, const std::vector<Int8Target>& targets,
                         const std::map<std::string, TensorRange>& ranges, const QuantizeOptions& o,
                         QuantizeReport& report) {
  if (model.opset("") < 10) return error("INT8 quantization needs ai.onnx opset 10 or newer (the model has {})", model.opset(""));
  Writer w(model, o);
  std::map<int, Int8Target> by_node;
  for (const Int8Target& t : targets) by_node[t.node] = t;
  auto range = [&](const std::string& t) -> Result<TensorRange> {
    auto it = ranges.find(t);
    if (it == ranges.end()) return error("no calibration range for tensor '{}'", t);
    return it->second;
  };
  std::map<std::string, std::string> dequantized;  // activation → its QDQ output
  std::map<std::string, std::string> quantized;    // activation → its 8-bit form
  std::vector<Node> body;
  std::set<std::string> made_dq;  // DequantizeLinear nodes that may turn out unused
  auto quantized_name = [&](const std::string& x, const TensorRange& r) {
    auto it = quantized.find(x);
    if (it != quantized.end()) return it->second;
    const auto [s, z] = w.act_params(x, r);
    const std::string q = w.fresh(x + "_quantized");
    body.push_back(make_node(w.fresh(x + "_QuantizeLinear"), "QuantizeLinear", {x, s, z}, {q}));
    return quantized[x] = q;
  };

  const std::vector<Node> nodes = model.graph.nodes;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    auto tgt = by_node.find(i);
    if (tgt == by_node.end()) {
      body.push_back(nodes[i]);
      continue;
    }
    Node n = nodes[i];
    if (is_recurrent(n)) {
      quantize_recurrent(w, n, report);
      body.push_back(std::move(n));
      continue;
    }
    const bool qop = qoperator_node(n, o);  // decided on the node as written (alpha included)
    const std::string x = n.inputs[0];
    SZ0_ASSIGN(TensorRange xr, range(x));
    const auto [xs, xz] = w.act_params(x, xr);
    const Tensor& weight = *w.constant(n.inputs[1]);
    const bool gemm = n.op_type == "Gemm";
    Tensor wf = weight;
    int axis = tgt->second.weight_axis;
    std::string suffix;
    if (gemm && n.attr_float("alpha", 1.0f) != 1.0f) {
      // alpha·(A·B) = A·(alpha·B): the scaled weight is quantized; alpha becomes 1.
      const float alpha = n.attr_float("alpha", 1.0f);
      wf = weight.clone();
      for (float& v : wf.span<float>()) v *= alpha;
      suffix = fmt::format("*{}", alpha);
      n.set_attr(passes::make_attr_float("alpha", 1.0f));
    }
    ++report.nodes_converted;
    ++report.converted_ops[n.op_type];

    if (qop) {
      SZ0_ASSIGN(TensorRange yr, range(n.outputs[0]));
      const std::string xq = quantized_name(x, xr);
      if (gemm && n.attr_int("transB", 0) != 0) {
        wf = transposed_2d(wf);
        axis = 1;
        suffix += "^T";
      }
      const auto wn = w.weight(n.inputs[1], wf, w.per_channel_axis(axis), suffix);
      const auto [ys, yz] = w.act_params(n.outputs[0], yr);
      const std::string yq = w.fresh(n.outputs[0] + "_quantized");
      Node q = make_node(n.name.empty() ? w.fresh(n.op_type) : n.name, n.op_type == "Conv" ? "QLinearConv" : "QLinearMatMul",
                         {xq, xs, xz, wn.q, wn.scale, wn.zp, ys, yz}, {yq});
      if (n.op_type == "Conv") {
        q.attributes = n.attributes;
        if (n.has_input(2)) {
          const Tensor& b = *w.constant(n.inputs[2]);
          std::vector<float> bv(b.span<float>().begin(), b.span<float>().end());
          auto [bq, bs] = quantize_bias(bv, xr.scale, wn.scales);
          q.inputs.push_back(w.add_init(n.inputs[2] + "_quantized", std::move(bq)));
          w.replaced(n.inputs[2]);
        }
      }
      body.push_back(std::move(q));
      quantized[n.outputs[0]] = yq;
      const std::string dq = w.fresh(n.outputs[0] + "_DequantizeLinear");
      body.push_back(dequantize(dq, yq, ys, yz, n.outputs[0], -1));
      made_dq.insert(dq);
      continue;
    }

    // QDQ: x → QuantizeLinear → DequantizeLinear → the op; the weight and bias dequantized.
    auto dq = dequantized.find(x);
    if (dq == dequantized.end()) {
      const std::string xq = quantized_name(x, xr);
      const std::string xd = w.fresh(x + "_dequantized");
      body.push_back(dequantize(w.fresh(x + "_DequantizeLinear"), xq, xs, xz, xd, -1));
      dq = dequantized.emplace(x, xd).first;
    }
    n.inputs[0] = dq->second;
    const int wa = w.per_channel_axis(axis);
    const auto wn = w.weight(n.inputs[1], wf, wa, suffix);
    const std::string wd = w.fresh(n.inputs[1] + "_dequantized");
    w.head().push_back(dequantize(w.fresh(n.inputs[1] + "_DequantizeLinear"), wn.q, wn.scale, wn.zp, wd, wa));
    n.inputs[1] = wd;
    if (n.has_input(2)) {
      const Tensor& b = *w.constant(n.inputs[2]);
      std::vector<float> bv;
      if (gemm) {
        bv = *gemm_bias(n, &b, wf.dim(axis));
        n.set_attr(passes::make_attr_float("beta", 1.0f));
      } else {
        bv.assign(b.span<float>().begin(), b.span<float>().end());
      }
      // One int32 per output channel, 1-D (a Gemm's [1, N] bias broadcasts the same way).
      auto [bq, bs] = quantize_bias(bv, xr.scale, wn.scales);
      const bool per_channel = bs.rank() == 1;
      const std::string bqn = w.add_init(n.inputs[2] + "_quantized", std::move(bq));
      const std::string bsn = w.add_init(n.inputs[2] + "_scale", std::move(bs));
      const std::string bd = w.fresh(n.inputs[2] + "_dequantized");
      w.head().push_back(make_node(w.fresh(n.inputs[2] + "_DequantizeLinear"), "DequantizeLinear", {bqn, bsn}, {bd}));
      if (per_channel) w.head().back().attributes.push_back(make_attr_int("axis", 0));
      w.replaced(n.inputs[2]);
      n.inputs[2] = bd;
    }
    body.push_back(std::move(n));
  }

  // Dequantized QLinear outputs only float readers (or the graph's outputs) need.
  std::set<std::string> used;
  for (const Node& n : body) {
    for (const std::string& in : n.inputs) used.insert(in);
    if (passes::has_subgraph(n)) {
      std::set<std::string> captured;  // values a subgraph reads from this graph
      passes::collect_subgraph_reads(n, captured);
      used.insert(captured.begin(), captured.end());
    }
  }
  for (const ValueInfo& v : model.graph.outputs) used.insert(v.name);
  std::vector<Node> all = std::move(w.head());
  for (Node& n : body)
    if (!made_dq.count(n.name) || used.count(n.outputs[0])) all.push_back(std::move(n));
  model.graph.nodes = std::move(all);
  w.drop_replaced();
  for (auto& [name, r] : ranges) report.ranges[name] = r;
  return {};
}

Status write_int8_dynamic(Model& model, const std::vector<Int8Target>& targets, const QuantizeOptions& o,
                          QuantizeReport& report) {
  if (model.opset("") < 11) return error("INT8 dynamic quantization needs ai.onnx opset 11 or newer (the model has {})", model.opset(""));
  Writer w(model, o);
  std::map<int, Int8Target> by_node;
  for (const Int8Target& t : targets) by_node[t.node] = t;
  std::map<std::string, std::array<std::string, 3>> dyn;  // activation → DynamicQuantizeLinear outputs
  std::vector<Node> body;
  const std::vector<Node> nodes = model.graph.nodes;
  for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
    auto tgt = by_node.find(i);
    if (tgt == by_node.end()) {
      body.push_back(nodes[i]);
      continue;
    }
    if (is_recurrent(nodes[i])) {
      Node n = nodes[i];
      quantize_recurrent(w, n, report);
      body.push_back(std::move(n));
      continue;
    }
    const Node& n = nodes[i];
    const bool gemm = n.op_type == "Gemm", conv = n.op_type == "Conv";
    Tensor wf = *w.constant(n.inputs[1]);
    std::string suffix;
    if (gemm && n.attr_int("transB", 0) != 0) {
      wf = transposed_2d(wf);
      suffix = "^T";
    }
    const float alpha = gemm ? n.attr_float("alpha", 1.0f) : 1.0f;
    if (alpha != 1.0f) {
      wf = wf.clone();
      for (float& v : wf.span<float>()) v *= alpha;
      suffix += fmt::format("*{}", alpha);
    }
    const auto wn = w.weight(n.inputs[1], wf, w.per_channel_axis(conv ? 0 : 1), suffix);
    const std::string& x = n.inputs[0];
    auto d = dyn.find(x);
    if (d == dyn.end()) {
      std::array<std::string, 3> outs{w.fresh(x + "_quantized"), w.fresh(x + "_scale"), w.fresh(x + "_zero_point")};
      body.push_back(make_node(w.fresh(x + "_DynamicQuantizeLinear"), "DynamicQuantizeLinear", {x},
                               {outs[0], outs[1], outs[2]}));
      d = dyn.emplace(x, outs).first;
    }
    const std::string base = n.name.empty() ? n.outputs[0] : n.name;
    const std::string acc = w.fresh(n.outputs[0] + "_int32");
    // Per output channel scales broadcast along axis 1 of a convolution's output ([1, M, 1, 1]).
    Tensor chan_scale = wn.scales;
    if (conv) {
      // No weight zero point: ConvInteger's default is 0, and a per-channel one is optional there.
      body.push_back(make_node(w.fresh(base + "_ConvInteger"), "ConvInteger", {d->second[0], wn.q, d->second[2]}, {acc}));
      body.back().attributes = n.attributes;
      if (wn.scales.rank() == 1) {
        Shape sh(static_cast<size_t>(wf.rank()), 1);
        sh[1] = wn.scales.numel();
        chan_scale = wn.scales.reshaped(sh);
      }
    } else {
      body.push_back(make_node(w.fresh(base + "_MatMulInteger"), "MatMulInteger", {d->second[0], wn.q, d->second[2], wn.zp}, {acc}));
    }
    const std::string accf = w.fresh(n.outputs[0] + "_float");
    body.push_back(make_node(w.fresh(base + "_Cast"), "Cast", {acc}, {accf}));
    body.back().attributes.push_back(make_attr_int("to", static_cast<int64_t>(DType::Float)));
    const std::string scale = w.fresh(n.outputs[0] + "_scale");
    const std::string ws = conv && wn.scales.rank() == 1 ? w.add_init(n.inputs[1] + "_channel_scale", chan_scale) : wn.scale;
    body.push_back(make_node(w.fresh(base + "_scale_Mul"), "Mul", {d->second[1], ws}, {scale}));
    const bool bias = (gemm || conv) && n.has_input(2);
    const std::string y = bias ? w.fresh(n.outputs[0] + "_unbiased") : n.outputs[0];
    body.push_back(make_node(w.fresh(base + "_Mul"), "Mul", {accf, scale}, {y}));
    if (bias) {
      Tensor bt;
      if (conv) {
        Shape sh(static_cast<size_t>(wf.rank()), 1);
        sh[1] = wf.dim(0);
        bt = w.constant(n.inputs[2])->clone().reshaped(sh);
      } else {
        bt = Tensor::from_vector(*gemm_bias(n, w.constant(n.inputs[2]), wf.dim(1)));
      }
      const std::string bn = w.add_init(n.inputs[2] + "_bias", std::move(bt));
      w.replaced(n.inputs[2]);
      body.push_back(make_node(w.fresh(base + "_Add"), "Add", {y, bn}, {n.outputs[0]}));
    }
    ++report.nodes_converted;
    ++report.converted_ops[n.op_type];
  }
  model.graph.nodes = std::move(w.head());
  for (Node& n : body) model.graph.nodes.push_back(std::move(n));
  w.drop_replaced();
  return {};
}

}  // namespace sz0::quant

// Raises a model's ai.onnx opset, rewriting the nodes whose schema changed on the way (see
// upgrade_opset in sz0/optimize.h). Each rewrite keeps the node's meaning exactly; an op whose
// older form has no exact newer one (Upsample, Resize before 11) stops the upgrade with its name.
#include <sz0/optimize.h>
#include <sz0/session.h>

#include "passes/pass.h"
#include "passes/patterns.h"

namespace sz0 {

namespace {

class Upgrader {
 public:
  Upgrader(const Model& m, int64_t from, int64_t to, const GraphTypes* types)
      : from_(from), to_(to), types_(types), names_(m) {}

  Status graph(Graph& g, bool top) {
    std::vector<Node> out;
    for (Node& n : g.nodes) {
      for (Attribute& a : n.attributes) {
        if (a.g) SZ0_TRY(graph(*a.g, false));
        for (auto& sg : a.graphs)
          if (sg) SZ0_TRY(graph(*sg, false));
      }
      if (!passes::is_onnx_domain(n.domain)) {
        out.push_back(std::move(n));
        continue;
      }
      SZ0_TRY(node(g, n, out, top));
    }
    g.nodes = std::move(out);
    return {};
  }

 private:
  // The version of op `n` the model used: the upgrade crosses `since` when from < since <= to.
  bool crosses(int64_t since) const { return from_ < since && to_ >= since; }

  std::string constant(Graph& g, const std::string& base, Tensor t) {
    const std::string name = names_.fresh(base);
    g.initializers[name] = std::move(t);
    return name;
  }

  static std::optional<Attribute> take(Node& n, std::string_view name) {
    for (auto it = n.attributes.begin(); it != n.attributes.end(); ++it)
      if (it->name == name) {
        Attribute a = std::move(*it);
        n.attributes.erase(it);
        return a;
      }
    return std::nullopt;
  }

  // attribute ints → an int64 input at position `pos` (inputs before it padded with "").
  void ints_to_input(Graph& g, Node& n, std::string_view attr, size_t pos) {
    auto a = take(n, attr);
    if (!a) return;
    const std::string c = constant(g, n.name + "_" + std::string(attr), Tensor::from_vector(a->ints));
    if (n.inputs.size() <= pos) n.inputs.resize(pos + 1);
    n.inputs[pos] = c;
  }

  Status node(Graph& g, Node& n, std::vector<Node>& out, bool top) {
    const std::string& op = n.op_type;
    // Attributes of opsets before 7-9 whose meaning the later schemas dropped: a legacy
    // broadcast (axis-aligned) and a per-activation BatchNormalization have no exact new form;
    // the others only described training or memory reuse.
    if (n.has_attr("broadcast") && n.attr_int("broadcast", 0) != 0)
      return error("{}: legacy broadcast attribute; upgrade the model with its exporter", n.label());
    if (op == "BatchNormalization" && n.attr_int("spatial", 1) == 0)
      return error("{}: spatial=0 has no form after opset 8; upgrade the model with its exporter", n.label());
    for (const char* legacy : {"broadcast", "consumed_inputs", "is_test", "spatial"}) take(n, legacy);
    if ((op == "Upsample" && crosses(10)) || (op == "Resize" && crosses(11)) || (op == "Scan" && crosses(9)))
      return error("{}: no exact form at opset {}; upgrade the model with its exporter", n.label(), to_);
    if (op == "Slice" && crosses(10)) {
      // starts, ends, axes become inputs 1-3.
      auto starts = take(n, "starts"), ends = take(n, "ends"), axes = take(n, "axes");
      if (!starts || !ends) return error("{}: starts/ends missing", n.label());
      n.inputs.resize(1);
      n.inputs.push_back(constant(g, n.name + "_starts", Tensor::from_vector(starts->ints)));
      n.inputs.push_back(constant(g, n.name + "_ends", Tensor::from_vector(ends->ints)));
      if (axes) n.inputs.push_back(constant(g, n.name + "_axes", Tensor::from_vector(axes->ints)));
    } else if (op == "Clip" && crosses(11)) {
      auto lo = take(n, "min"), hi = take(n, "max");
      n.inputs.resize(3);
      n.inputs[1] = lo ? constant(g, n.name + "_min", Tensor::scalar<float>(lo->f)) : "";
      n.inputs[2] = hi ? constant(g, n.name + "_max", Tensor::scalar<float>(hi->f)) : "";
      while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
      if (!input_is_float(n)) return error("{}: min/max become inputs of the tensor's type; only float is converted", n.label());
    } else if (op == "Pad" && crosses(11)) {
      auto pads = take(n, "pads"), value = take(n, "value");
      if (!pads) return error("{}: pads missing", n.label());
      n.inputs.resize(1);
      n.inputs.push_back(constant(g, n.name + "_pads", Tensor::from_vector(pads->ints)));
      if (value && value->f != 0.f) {
        if (!input_is_float(n)) return error("{}: the pad value becomes an input of the tensor's type; only float is converted", n.label());
        n.inputs.push_back(constant(g, n.name + "_value", Tensor::scalar<float>(value->f)));
      }
    } else if (op == "TopK" && crosses(10)) {
      auto k = take(n, "k");
      if (!k) return error("{}: k missing", n.label());
      n.inputs.resize(1);
      n.inputs.push_back(constant(g, n.name + "_k", Tensor::from_vector(std::vector<int64_t>{k->i})));
    } else if ((op == "Squeeze" || op == "Unsqueeze") && crosses(13)) {
      ints_to_input(g, n, "axes", 1);
    } else if (op == "ReduceSum" && crosses(13)) {
      ints_to_input(g, n, "axes", 1);
    } else if (op == "Split" && crosses(13)) {
      ints_to_input(g, n, "split", 1);
    } else if (op == "Dropout" && crosses(12)) {
      // Inference: Dropout passes its input through (the mask output, if read, is all true).
      if (n.has_output(1)) return error("{}: the mask output is read", n.label());
      n = passes::make_node("Identity", {n.inputs[0]}, {n.outputs[0]}, n.name);
    } else if (op == "Scatter" && crosses(11)) {
      n.op_type = "ScatterElements";
    } else if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && crosses(13)) {
      // Before 13 the input is viewed as 2-D [prod(dims < axis), prod(dims >= axis)]; from 13 the
      // op works along one axis. Equal when `axis` is the last one; otherwise flatten, apply on
      // axis 1, and restore the shape.
      const int64_t axis = n.attr_int("axis", 1);
      const int rank = rank_of(n.inputs[0], top);
      if (rank < 0) return error("{}: input rank unknown, cannot keep its meaning at opset 13", n.label());
      if (axis != -1 && axis != rank - 1) {
        const std::string flat = names_.fresh(n.inputs[0] + "_2d"), y2 = names_.fresh(n.outputs[0] + "_2d");
        const std::string shape = names_.fresh(n.inputs[0] + "_shape");
        Node f = passes::make_node("Flatten", {n.inputs[0]}, {flat}, names_.fresh(n.name + "_flatten"));
        f.attributes.push_back(passes::make_attr_int("axis", axis < 0 ? axis + rank : axis));
        out.push_back(std::move(f));
        out.push_back(passes::make_node("Shape", {n.inputs[0]}, {shape}, names_.fresh(n.name + "_shape")));
        const std::string y = n.outputs[0];
        n.inputs[0] = flat;
        n.outputs[0] = y2;
        n.set_attr(passes::make_attr_int("axis", 1));
        out.push_back(std::move(n));
        out.push_back(passes::make_node("Reshape", {y2, shape}, {y}, names_.fresh(y + "_reshape")));
        return {};
      }
    }
    out.push_back(std::move(n));
    return {};
  }

  bool input_is_float(const Node& n) const {
    if (!types_) return true;  // unknown: float is by far the common case
    auto it = types_->types.find(n.inputs[0]);
    return it == types_->types.end() || it->second.dtype == DType::Float || it->second.dtype == DType::Undefined;
  }

  int rank_of(const std::string& v, bool top) const {
    if (!top || !types_) return -1;
    auto it = types_->types.find(v);
    return it == types_->types.end() ? -1 : it->second.rank();
  }

  int64_t from_, to_;
  const GraphTypes* types_;
  passes::NameGen names_;
};

}  // namespace

Status upgrade_opset(Model& model, int64_t target) {
  const int64_t from = model.opset("");
  if (from >= target) return {};
  if (from == 0) return error("model imports no ai.onnx opset");
  auto types = infer_graph(model.graph, model, {});
  Upgrader u(model, from, target, types.ok() ? &*types : nullptr);
  SZ0_TRY(u.graph(model.graph, true));
  for (OpsetImport& o : model.opsets)
    if (o.domain.empty() || o.domain == "ai.onnx") o.version = target;
  // The IR version each opset first shipped with: 10 → 5, 11 → 6, 12-14 → 7.
  const int64_t ir = target >= 12 ? 7 : target == 11 ? 6 : 5;
  if (model.ir_version < ir) model.ir_version = ir;
  return {};
}

}  // namespace sz0

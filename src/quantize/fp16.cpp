// FP16 conversion of the top-level graph, and BF16 weight storage.
//
// A node is converted when its op has a float16 rule here (the op's ai.onnx schema admits
// float16 at every opset this list is used with), it is not in the float32 set, and no float
// tensor it reads or writes exceeded the overflow limit when the float model ran. Everything
// else keeps float32; Casts are inserted exactly where a float16 value meets a float32 reader
// (or the reverse), one Cast per value and direction.
#include "quantize/convert.h"

#include "passes/pass.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace sz0::quant {

namespace {

// Ops converted to float16: all their float inputs and outputs share the one type T, except the
// slots listed in kFixedFloatSlots.
const std::set<std::string> kHalfOps = {
    "Abs", "Add", "AveragePool", "Ceil", "Clip", "Concat", "Conv", "ConvTranspose", "Cos", "DepthToSpace",
    "Div", "Elu", "Erf", "Expand", "Flatten", "Floor", "GRU", "Gather", "GatherElements", "Gelu", "Gemm",
    "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish", "Identity", "LSTM", "LeakyRelu",
    "MatMul", "Max", "MaxPool", "Min", "Mul", "Neg", "PRelu", "Pad", "Reciprocal", "ReduceMax", "ReduceMean",
    "ReduceMin", "ReduceSum", "Relu", "Reshape", "Resize", "Round", "Selu", "Sigmoid", "Sign", "Sin", "Slice",
    "Softmax", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile",
    "Transpose", "Unsqueeze", "Upsample", "Where"};

// Float inputs that are parameters of the op rather than data (their own type in the schema):
// they stay float32 when the node is converted.
const std::map<std::string, std::set<size_t>> kFixedFloatSlots = {
    {"Resize", {1, 2}},  // roi, scales
    {"Upsample", {1}},   // scales
};

// Ops that accept any input precision and whose output type does not follow it.
const std::set<std::string> kAnyPrecisionReaders = {"Shape", "Size", "Cast"};

Node make_cast(const std::string& name, const std::string& in, const std::string& out, DType to) {
  Node c;
  c.name = name;
  c.op_type = "Cast";
  c.inputs = {in};
  c.outputs = {out};
  c.attributes.push_back(passes::make_attr_int("to", static_cast<int64_t>(to)));
  return c;
}

// Renames value `from` to `to` wherever a node reads or writes it.
void rename_value(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes) {
    for (auto& s : n.inputs)
      if (s == from) s = to;
    for (auto& s : n.outputs)
      if (s == from) s = to;
  }
}

std::string fmt_range(double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : std::string("inf/nan"); }

}  // namespace

void count_parameters(const Model& model, int64_t& elements, int64_t& bytes) {
  elements = 0;
  bytes = 0;
  for (auto& [name, t] : model.graph.initializers)
    if (dtype_is_float(t.dtype())) {
      elements += t.numel();
      bytes += static_cast<int64_t>(t.nbytes());
    }
  for (const Node& n : model.graph.nodes)
    if (n.op_type == "Constant")
      if (const Tensor* t = n.attr_tensor("value"); t && dtype_is_float(t->dtype())) {
        elements += t->numel();
        bytes += static_cast<int64_t>(t->nbytes());
      }
}

Status convert_fp16(Model& model, const QuantizeOptions& options, const std::map<std::string, double>& ranges,
                    const GraphTypes& types, QuantizeReport& report) {
  Graph& g = model.graph;
  const auto& fp32_ops = options.fp32_ops.empty() ? default_fp32_ops() : options.fp32_ops;
  auto dtype_of = [&](const std::string& v) {
    auto it = types.types.find(v);
    return it == types.types.end() ? DType::Undefined : it->second.dtype;
  };
  auto is_f32 = [&](const std::string& v) { return !v.empty() && dtype_of(v) == DType::Float; };
  auto range_of = [&](const std::string& v) {
    auto it = ranges.find(v);
    return it == ranges.end() ? 0.0 : it->second;
  };
  auto numel_of = [&](const std::string& v) -> int64_t {
    auto it = types.types.find(v);
    if (it == types.types.end() || !it->second.fully_known()) return -1;
    return shape_numel(it->second.concrete());
  };

  std::set<std::string> pinned;  // read inside a subgraph: must keep its float32 type
  for (const Node& n : g.nodes) passes::collect_subgraph_reads(n, pinned);
  std::set<std::string> graph_outputs;
  for (const ValueInfo& o : g.outputs) graph_outputs.insert(o.name);
  std::set<std::string> graph_inputs;
  for (const ValueInfo& i : g.inputs) graph_inputs.insert(i.name);

  // 1. Decide per node.
  enum class Kind { Untouched, Convert, Fence, AnyPrecision, Constant };
  std::vector<Kind> kind(g.nodes.size(), Kind::Untouched);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    bool float_data = false, other_float = false;
    for (const auto* list : {&n.inputs, &n.outputs})
      for (const std::string& v : *list) {
        if (v.empty()) continue;
        const DType t = dtype_of(v);
        if (t == DType::Float) float_data = true;
        else if (dtype_is_float(t)) other_float = true;
      }
    if (!float_data) continue;  // shapes, indices, masks: not ours to touch
    auto fence = [&](std::string reason) {
      kind[i] = Kind::Fence;
      report.fenced.push_back({n.name.empty() ? n.outputs.front() : n.name, n.op_type, std::move(reason)});
    };
    if (!n.domain.empty() && n.domain != "ai.onnx") { fence("custom-domain op"); continue; }
    if (passes::has_subgraph(n)) { fence("holds subgraphs"); continue; }
    if (kAnyPrecisionReaders.count(n.op_type)) { kind[i] = Kind::AnyPrecision; continue; }
    if (n.op_type == "Constant") { kind[i] = Kind::Constant; continue; }
    if (auto it = fp32_ops.find(n.op_type); it != fp32_ops.end()) { fence(it->second); continue; }
    if (!kHalfOps.count(n.op_type)) { fence("no float16 rule for this op"); continue; }
    if (other_float) { fence("mixes float32 with another float type"); continue; }
    if ((n.op_type == "ReduceSum" || n.op_type == "ReduceMean") && n.has_input(0) && n.has_output(0)) {
      const int64_t in = numel_of(n.inputs[0]), out = numel_of(n.outputs[0]);
      if (in < 0 || out <= 0) { fence("reduction size unknown"); continue; }
      if (in / out > options.max_reduce_elements) {
        fence(fmt::format("sums {} elements per output (> {})", in / out, options.max_reduce_elements));
        continue;
      }
    }
    std::string overflow;
    for (const auto* list : {&n.inputs, &n.outputs})
      for (const std::string& v : *list)
        if (is_f32(v) && !(range_of(v) <= options.overflow_limit) && overflow.empty())
          overflow = fmt::format("|{}| reaches {} (float16 max 65504)", v, fmt_range(range_of(v)));
    if (!overflow.empty()) { fence(overflow); continue; }
    bool out_pinned = false;
    for (const std::string& v : n.outputs) out_pinned |= pinned.count(v) > 0;
    if (out_pinned) { fence("output read inside a subgraph"); continue; }
    kind[i] = Kind::Convert;
  }

  // Which (node, input slot) pairs want a float16 value; fixed now, before any renaming.
  std::vector<std::vector<char>> want(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    want[i].assign(n.inputs.size(), 0);
    if (kind[i] != Kind::Convert) continue;
    auto fixed = kFixedFloatSlots.find(n.op_type);
    for (size_t s = 0; s < n.inputs.size(); ++s)
      want[i][s] = is_f32(n.inputs[s]) && (fixed == kFixedFloatSlots.end() || !fixed->second.count(s));
  }
  auto wants_half = [&](size_t i, size_t slot) { return want[i][slot] != 0; };
  // A value may be stored in float16 when every reader wants float16 (or takes any precision).
  std::map<std::string, bool> all_readers_half;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (size_t s = 0; s < g.nodes[i].inputs.size(); ++s) {
      const std::string& v = g.nodes[i].inputs[s];
      if (v.empty()) continue;
      const bool ok = wants_half(i, s) || kind[i] == Kind::AnyPrecision;
      auto [it, fresh] = all_readers_half.emplace(v, ok);
      if (!fresh) it->second = it->second && ok;
    }
  auto storable_half = [&](const std::string& v) {
    auto it = all_readers_half.find(v);
    return it != all_readers_half.end() && it->second && !graph_outputs.count(v) && !pinned.count(v);
  };

  // 2. Values that become float16.
  std::set<std::string> half;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (kind[i] == Kind::Convert) {
      ++report.nodes_converted;
      ++report.converted_ops[n.op_type];
      for (const std::string& v : n.outputs)
        if (is_f32(v)) half.insert(v);
    } else if (kind[i] == Kind::Constant && n.has_output(0) && storable_half(n.outputs[0])) {
      for (Attribute& a : n.attributes)
        if (a.name == "value" && a.kind == Attribute::Kind::Tensor && a.t.dtype() == DType::Float &&
            range_of(n.outputs[0]) <= options.overflow_limit) {
          a.t = a.t.cast(DType::Float16);
          half.insert(n.outputs[0]);
        }
    }
  }
  for (auto& [name, t] : g.initializers) {
    if (t.dtype() != DType::Float || graph_inputs.count(name) || !storable_half(name)) continue;
    if (!(range_of(name) <= options.overflow_limit)) continue;
    t = t.cast(DType::Float16);
    half.insert(name);
    ++report.initializers_converted;
  }
  if (!options.keep_io_types)
    for (ValueInfo& in : g.inputs)
      if (in.type.dtype == DType::Float && !g.initializers.count(in.name)) {
        in.type.dtype = DType::Float16;
        half.insert(in.name);
      }

  // 3. Graph outputs computed in float16: a final Cast restores float32 (keep_io_types), or the
  // output's declared type becomes float16.
  passes::NameGen namer(model);
  std::vector<Node> tail;
  for (ValueInfo& o : g.outputs) {
    if (!half.count(o.name)) continue;
    if (!options.keep_io_types) {
      o.type.dtype = DType::Float16;
      continue;
    }
    if (graph_inputs.count(o.name)) continue;  // an input passed through (inputs stay float32 here)
    const std::string inner = namer.fresh(o.name + "_fp16");
    rename_value(g, o.name, inner);
    half.erase(o.name);
    half.insert(inner);
    tail.push_back(make_cast(namer.fresh(o.name + "_to_fp32"), inner, o.name, DType::Float));
  }

  // 4. Casts where a reader's precision differs from its value's.
  std::map<std::string, std::string> to_half, to_float;
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size() * 2);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node n = std::move(g.nodes[i]);
    if (kind[i] != Kind::AnyPrecision)
      for (size_t s = 0; s < n.inputs.size(); ++s) {
        const std::string v = n.inputs[s];
        if (v.empty()) continue;
        if (wants_half(i, s) && !half.count(v)) {
          auto [it, fresh] = to_half.emplace(v, "");
          if (fresh) {
            it->second = namer.fresh(v + "_fp16");
            nodes.push_back(make_cast(namer.fresh(v + "_cast_fp16"), v, it->second, DType::Float16));
          }
          n.inputs[s] = it->second;
        } else if (!wants_half(i, s) && half.count(v)) {
          auto [it, fresh] = to_float.emplace(v, "");
          if (fresh) {
            it->second = namer.fresh(v + "_fp32");
            nodes.push_back(make_cast(namer.fresh(v + "_cast_fp32"), v, it->second, DType::Float));
          }
          n.inputs[s] = it->second;
        }
      }
    nodes.push_back(std::move(n));
  }
  report.casts_added = static_cast<int>(to_half.size() + to_float.size() + tail.size());
  for (Node& c : tail) nodes.push_back(std::move(c));
  g.nodes = std::move(nodes);

  // Declared types of intermediate values follow the conversion.
  for (ValueInfo& vi : g.value_info)
    if (half.count(vi.name) && vi.type.dtype == DType::Float) vi.type.dtype = DType::Float16;
  return {};
}

Status convert_bf16_weights(Model& model, const QuantizeOptions& options, QuantizeReport& report) {
  Graph& g = model.graph;
  std::set<std::string> pinned, graph_inputs, graph_outputs;
  for (const Node& n : g.nodes) passes::collect_subgraph_reads(n, pinned);
  for (const ValueInfo& v : g.inputs) graph_inputs.insert(v.name);
  for (const ValueInfo& v : g.outputs) graph_outputs.insert(v.name);
  passes::NameGen namer(model);
  std::vector<Node> head, tail;

  // Weights: stored bfloat16 under a new name, a Cast gives the float32 value its old name back,
  // so no reader changes. Pinned initializers (captured by subgraphs) are cast too: the name
  // they are read by still holds float32.
  std::map<std::string, Tensor> inits;
  for (auto& [name, t] : g.initializers) {
    if (t.dtype() != DType::Float || t.numel() < options.min_bf16_elements || graph_inputs.count(name) ||
        graph_outputs.count(name)) {
      inits.emplace(name, t);
      continue;
    }
    const std::string stored = namer.fresh(name + "_bf16");
    inits.emplace(stored, t.cast(DType::BFloat16));
    head.push_back(make_cast(namer.fresh(name + "_to_fp32"), stored, name, DType::Float));
    ++report.initializers_converted;
  }
  g.initializers = std::move(inits);
  // Weights in Constant nodes (older exporters use them instead of initializers) likewise: the
  // node makes the bfloat16 value under a new name, a Cast after it restores the old one.
  std::vector<std::pair<size_t, Node>> casts_after;  // node index → its Cast
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.op_type != "Constant" || !n.has_output(0) || graph_outputs.count(n.outputs[0]) || pinned.count(n.outputs[0]))
      continue;
    for (Attribute& a : n.attributes) {
      if (a.name != "value" || a.kind != Attribute::Kind::Tensor || a.t.dtype() != DType::Float ||
          a.t.numel() < options.min_bf16_elements)
        continue;
      a.t = a.t.cast(DType::BFloat16);
      const std::string value = n.outputs[0], stored = namer.fresh(value + "_bf16");
      n.outputs[0] = stored;
      casts_after.emplace_back(i, make_cast(namer.fresh(value + "_to_fp32"), stored, value, DType::Float));
      ++report.initializers_converted;
    }
  }
  if (!casts_after.empty()) {
    std::vector<Node> nodes;
    size_t next = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      nodes.push_back(std::move(g.nodes[i]));
      if (next < casts_after.size() && casts_after[next].first == i) nodes.push_back(std::move(casts_after[next++].second));
    }
    g.nodes = std::move(nodes);
  }

  if (!options.keep_io_types) {
    // Inputs arrive in bfloat16; readers see a float32 copy.
    for (ValueInfo& in : g.inputs) {
      if (in.type.dtype != DType::Float || g.initializers.count(in.name) || pinned.count(in.name)) continue;
      const std::string inner = namer.fresh(in.name + "_fp32");
      rename_value(g, in.name, inner);
      in.type.dtype = DType::BFloat16;
      head.push_back(make_cast(namer.fresh(in.name + "_cast_fp32"), in.name, inner, DType::Float));
    }
    for (ValueInfo& o : g.outputs) {
      if (o.type.dtype != DType::Float || graph_inputs.count(o.name) || g.initializers.count(o.name)) continue;
      const std::string inner = namer.fresh(o.name + "_fp32");
      rename_value(g, o.name, inner);
      o.type.dtype = DType::BFloat16;
      tail.push_back(make_cast(namer.fresh(o.name + "_to_bf16"), inner, o.name, DType::BFloat16));
    }
  }
  report.casts_added = static_cast<int>(head.size() + tail.size() + casts_after.size());
  std::vector<Node> nodes = std::move(head);
  for (Node& n : g.nodes) nodes.push_back(std::move(n));
  for (Node& n : tail) nodes.push_back(std::move(n));
  g.nodes = std::move(nodes);
  return {};
}

}  // namespace sz0::quant

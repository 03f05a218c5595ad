// Constant folding (basic).
// Targets: Constant nodes, and any deterministic ai.onnx node whose inputs are all constant,
//          Shape and Size of values whose shape is fully known (after --fix-shape, say).
// Applies: the result is at most kMaxFoldElements elements and does not grow the model by more
//          than kMaxGrowthBytes (folding Expand or a Cast of fp16 weights to float would make
//          the file bigger, not faster), unless the model stays in memory (a session: there the
//          fold saves work on every run). DequantizeLinear is never folded: quantized weights
//          stay quantized.
// Changes: the node becomes an initializer of the same name (a Constant node when the value
//          is a graph output, which must stay produced by a node).
#include "passes/fold.h"
#include "passes/pass.h"

namespace sz0::passes {

namespace {

constexpr int64_t kMaxFoldElements = 1 << 20;
constexpr int64_t kMaxInMemoryElements = int64_t{1} << 26;  // 256 MB of floats
constexpr int64_t kMaxGrowthBytes = 64 << 10;

}  // namespace

bool can_fold(const Node& node) {
  if (!is_onnx_domain(node.domain) || is_nondeterministic(node) || has_subgraph(node)) return false;
  // Nothing to compute from, or nothing to gain: sequences and optionals are not tensors.
  static const std::set<std::string> kNo = {"Identity", "If", "Loop", "Scan", "SequenceConstruct",
                                            "SequenceEmpty", "Optional", "OptionalGetElement"};
  return !kNo.count(node.op_type);
}

std::optional<Tensor> shape_value(const Node& node, int64_t opset, const TypeInfo* in) {
  if (!is_onnx_domain(node.domain) || node.outputs.empty() || node.outputs[0].empty()) return std::nullopt;
  if (node.op_type != "Shape" && node.op_type != "Size") return std::nullopt;
  if (!in || !in->fully_known()) return std::nullopt;
  const Shape s = in->concrete();
  if (node.op_type == "Size") return Tensor::scalar<int64_t>(shape_numel(s));
  const int64_t r = static_cast<int64_t>(s.size());
  int64_t start = opset >= 15 ? node.attr_int("start", 0) : 0;
  int64_t end = opset >= 15 ? node.attr_int("end", r) : r;
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[static_cast<size_t>(i)]);
  return Tensor::from_vector(dims);
}

Result<std::vector<Tensor>> evaluate_node(const Node& node, int64_t opset, const ops::InferContext& ictx) {
  for (size_t i = 0; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty() && (i >= ictx.outputs.size() || !ictx.outputs[i].fully_known()))
      return error("{}: output shape not known before running", node.label());
  ops::KernelInit init{node, opset, ictx.inputs, ictx.values, ictx.outputs, 1};
  const ops::OpSchema* s = ops::find_kernel(init, node.domain);
  if (!s) return error("{}: no kernel", node.label());
  SZ0_ASSIGN(auto kernel, ops::make_kernel(*s, init));
  ops::KernelContext ctx(node, opset);
  ctx.inputs_ = ictx.values;
  ctx.inferred_ = ictx.outputs;
  ctx.outputs_.resize(node.outputs.size());
  ctx.subgraph_ = [](const Graph&, std::vector<Tensor>) -> Result<std::vector<Tensor>> {
    return error("subgraphs are not folded");
  };
  SZ0_TRY(kernel->run(ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    const Tensor& t = ctx.outputs_[i];
    if (!t.defined() || t.dtype() != ictx.outputs[i].dtype || t.shape() != ictx.outputs[i].concrete())
      return error("{}: output {} disagrees with its inferred type", node.label(), i);
  }
  return std::move(ctx.outputs_);
}

Result<Patch> fold_constants(const GraphView& v, PassContext& ctx) {
  Patch p;
  const Graph& g = v.graph();
  std::map<std::string, Tensor> known;
  for (auto& [name, t] : g.initializers)
    if (v.constant(name)) known[name] = t;
  auto materialize = [&](int i, const Node& node, std::vector<Tensor> values) {
    std::vector<Node> keep;  // Constant nodes for values that are graph outputs
    for (size_t k = 0; k < node.outputs.size() && k < values.size(); ++k) {
      const std::string& out = node.outputs[k];
      if (out.empty()) continue;
      known[out] = values[k];
      if (v.is_graph_output(out)) {
        Node c = make_node("Constant", {}, {out}, node.name);
        Attribute a;
        a.name = "value";
        a.kind = Attribute::Kind::Tensor;
        a.t = values[k];
        c.attributes.push_back(std::move(a));
        keep.push_back(std::move(c));
      } else {
        p.add_initializers[out] = values[k];
      }
    }
    p.replace({i}, std::move(keep));
  };
  for (int i = 0; i < v.size(); ++i) {
    const Node& node = v.node(i);
    const int64_t opset = v.model().opset(node.domain);
    if (is_onnx_domain(node.domain) && node.op_type == "Constant" && node.outputs.size() == 1) {
      auto value = constant_node_value(node);
      if (!value) continue;
      known[node.outputs[0]] = *value;
      if (!v.is_graph_output(node.outputs[0])) materialize(i, node, {*value});
      continue;
    }
    if (!can_fold(node) || node.op_type == "DequantizeLinear") continue;
    if (node.op_type == "Shape" || node.op_type == "Size") {
      if (node.inputs.empty() || v.is_graph_output(node.outputs[0])) continue;
      if (auto value = shape_value(node, opset, v.type(node.inputs[0]))) materialize(i, node, {*value});
      continue;
    }
    ops::InferContext ictx(node, opset);
    bool all_known = !node.inputs.empty();
    int64_t in_bytes = 0;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        ictx.inputs.emplace_back();
        ictx.values.push_back(nullptr);
        continue;
      }
      auto it = known.find(in);
      if (it == known.end()) {
        all_known = false;
        break;
      }
      ictx.inputs.push_back(TypeInfo::of(it->second));
      ictx.values.push_back(&it->second);
      in_bytes += static_cast<int64_t>(it->second.nbytes());
    }
    if (!all_known || !ops::is_supported(node.domain, node.op_type, opset)) continue;
    if (!ops::infer_node(ictx).ok()) continue;
    bool small = true;
    int64_t out_bytes = 0;
    for (size_t k = 0; k < node.outputs.size() && k < ictx.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      const int64_t n = known_numel(&ictx.outputs[k]);
      small = small && n >= 0 && n <= (ctx.options.in_memory ? kMaxInMemoryElements : kMaxFoldElements);
      if (n >= 0) out_bytes += n * static_cast<int64_t>(dtype_size(ictx.outputs[k].dtype));
    }
    if (!small || (!ctx.options.in_memory && out_bytes > in_bytes + kMaxGrowthBytes)) continue;
    auto outs = evaluate_node(node, opset, ictx);
    if (!outs.ok()) continue;  // the node stays; it runs at inference as before
    materialize(i, node, std::move(*outs));
  }
  return p;
}

}  // namespace sz0::passes

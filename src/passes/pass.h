// The optimizer's building blocks. A pass looks at one graph through a GraphView (who produces
// and who reads each value, which values are constant, inferred types) and returns a Patch: the
// nodes it removes, the nodes it puts in their place, values whose readers read another value,
// initializers it adds. The driver applies the patch and runs the pipeline again until no pass
// has anything left to change. Passes never write into tensors they did not create: the model's
// buffers may be shared with the caller's copy.
#pragma once

#include <sz0/graph.h>
#include <sz0/optimize.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sz0::passes {

// --- graph helpers (graph_util.cpp) ---

// Names a graph reads, its subgraphs and its outputs included (outer-scope captures).
void collect_reads(const Graph& g, std::set<std::string>& reads);
// Names a node's subgraphs read (what it captures from the scopes around it).
void collect_subgraph_reads(const Node& n, std::set<std::string>& reads);
// Names a graph defines: inputs, initializers, node outputs (not those of its subgraphs).
void collect_defs(const Graph& g, std::set<std::string>& defs);
// Readers of key read value instead, subgraphs included (except where a subgraph defines the
// name itself). The graph's own outputs are not renamed; a subgraph's outputs, which count by
// position (If, Loop, Scan), follow the rename.
void rename_reads(Graph& g, const std::map<std::string, std::string>& to);
// Every subgraph a node holds.
std::vector<Graph*> subgraphs(Node& n);
std::vector<const Graph*> subgraphs(const Node& n);
bool has_subgraph(const Node& n);
// Identity, or Dropout that computes the identity at inference (no mask wanted, no
// training_mode input).
bool is_passthrough(const Node& n);
// Ops whose outputs are not a function of their inputs alone (and ops of other domains, whose
// behaviour the optimizer does not know).
bool is_nondeterministic(const Node& n);
bool is_onnx_domain(std::string_view domain);
// RNN, GRU or LSTM: the recurrent cells, whose W [D, G·H, I] and R [D, G·H, H] hold one block of
// rows per gate and direction.
bool is_recurrent_op(std::string_view op_type);
// The value a Constant node holds (nullopt for string / sparse constants).
std::optional<Tensor> constant_node_value(const Node& n);
// Same dtype, shape and bytes.
bool tensors_equal(const Tensor& a, const Tensor& b);
bool attributes_equal(const Attribute& a, const Attribute& b);
// Element count, or -1 when the type is not fully known.
int64_t known_numel(const TypeInfo* t);
// Whole-tensor views as doubles (any numeric dtype) and back.
std::vector<double> as_doubles(const Tensor& t);
Tensor from_doubles(const std::vector<double>& v, const Shape& shape, DType dtype);
// True when `t` holds one value (any shape of one element) equal to `want` within `tol`.
bool is_scalar_value(const Tensor* t, double want, double tol = 1e-6);
// Output channels of a Conv / ConvTranspose / Gemm / MatMul with constant weights `w` (the
// axis-1 size of its output), or -1 (channels.cpp).
int64_t output_channels(const Node& op, const Tensor& w);
// `w` with output channel c multiplied by s[c]; nullopt when the shapes disagree.
std::optional<Tensor> scale_output_channels(const Node& op, const Tensor& w, const std::vector<double>& s);
// Op histogram ("Op" or "domain:Op") and initializer elements, subgraphs included.
void count_ops(const Graph& g, std::map<std::string, int>& ops, int64_t& params);
// A copy that shares no subgraph with `g` (tensor buffers stay shared; nothing writes them).
Graph deep_copy(const Graph& g);

// Fresh value and node names, unique across the whole model.
class NameGen {
 public:
  explicit NameGen(const Model& m);
  std::string fresh(const std::string& base);

 private:
  std::set<std::string> used_;
  int next_ = 0;
};

// --- analysis (facts.cpp) ---

// Types of every value as far as shape inference tells, and the values of small constant
// expressions. Unlike the session's inference it does not stop at a node it cannot infer: the
// outputs of such a node are simply unknown.
struct Facts {
  std::map<std::string, TypeInfo> types;
  std::map<std::string, Tensor> values;
};
// `outer`: types visible from enclosing graphs (for subgraphs), or nullptr.
Facts infer_facts(const Graph& g, const Model& m, const std::map<std::string, TypeInfo>* outer);

// --- the view a pass works on (graph_view.cpp) ---

class GraphView {
 public:
  GraphView(const Graph& g, const Model& m, const std::map<std::string, TypeInfo>* outer_types);

  const Graph& graph() const { return g_; }
  const Model& model() const { return m_; }
  int64_t opset() const { return m_.opset(""); }
  const Node& node(int i) const { return g_.nodes[static_cast<size_t>(i)]; }
  int size() const { return static_cast<int>(g_.nodes.size()); }

  // Index of the node producing `name`; -1 for inputs, initializers and outer-scope names.
  int producer(const std::string& name) const;
  // The producer when it is an ai.onnx node of type `op`, else nullptr.
  const Node* producer_of(const std::string& name, std::string_view op) const;
  // Nodes reading `name` as an input, once per input slot.
  const std::vector<int>& readers(const std::string& name) const;
  bool is_graph_output(const std::string& name) const { return outputs_.count(name) > 0; }
  bool is_graph_input(const std::string& name) const { return g_.find_input(name) != nullptr; }
  // Read by a subgraph of some node (captured from this scope).
  bool captured(const std::string& name) const { return captured_.count(name) > 0; }
  // Exactly one input slot of one node reads `name`; no graph output, no subgraph reads it.
  bool single_use(const std::string& name) const;
  // Readers of `name`, excluding when it is a graph output or captured (nullopt then).
  // For patterns whose interior values may feed several nodes of the pattern itself.
  std::optional<std::vector<int>> only_readers(const std::string& name) const;

  // The value of `name` when this graph holds it as a constant: an initializer that no graph
  // input can override, or a Constant node's output. nullptr otherwise.
  const Tensor* constant(const std::string& name) const;
  // Inferred type; nullptr when unknown. Computed on first use.
  const TypeInfo* type(const std::string& name) const;
  const Facts& facts() const;
  // Known rank of `name`, or -1.
  int rank(const std::string& name) const;

 private:
  const Graph& g_;
  const Model& m_;
  const std::map<std::string, TypeInfo>* outer_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<int>> readers_;
  std::set<std::string> outputs_;
  std::set<std::string> captured_;
  std::set<std::string> overridable_;
  std::map<std::string, Tensor> constant_nodes_;
  mutable std::unique_ptr<Facts> facts_;
};

// --- the change a pass returns (patch.cpp) ---

struct Patch {
  int rewrites = 0;                                  // what the report counts
  std::set<int> remove;                              // node indices in the view's graph
  std::vector<std::pair<int, Node>> insert;          // each placed where that node index stood
  std::map<std::string, std::string> rename;         // readers of key read value instead
  std::map<std::string, Tensor> add_initializers;
  std::set<std::string> remove_initializers;

  bool empty() const {
    return remove.empty() && insert.empty() && rename.empty() && add_initializers.empty() &&
           remove_initializers.empty();
  }
  // False when any of `nodes` is already removed by this patch (matches must not overlap).
  bool free(const std::vector<int>& nodes) const;
  // Removes `nodes` and puts `replacement` where the last of them stood; counts one rewrite.
  void replace(const std::vector<int>& nodes, std::vector<Node> replacement);
};

// Applies `p` to `g` (the graph the patch was computed on). Renames reach into subgraphs.
Status apply_patch(Graph& g, Patch p);

// A node of the ai.onnx domain.
Node make_node(std::string op, std::vector<std::string> inputs, std::vector<std::string> outputs,
               std::string name = "");
Attribute make_attr_int(std::string name, int64_t v);
Attribute make_attr_float(std::string name, float v);
Attribute make_attr_ints(std::string name, std::vector<int64_t> v);
Attribute make_attr_floats(std::string name, std::vector<float> v);
Attribute make_attr_string(std::string name, std::string v);

// --- passes ---

struct PassContext {
  NameGen& names;
  const OptimizeOptions& options;
};

using PassFn = Result<Patch> (*)(const GraphView&, PassContext&);

struct PassInfo {
  std::string_view name;
  OptLevel level;  // the lowest level that runs it
  PassFn run;
};

// basic
Result<Patch> eliminate_identity(const GraphView& v, PassContext& ctx);
Result<Patch> fold_constants(const GraphView& v, PassContext& ctx);
Result<Patch> eliminate_common_subexpressions(const GraphView& v, PassContext& ctx);
Result<Patch> eliminate_dead_code(const GraphView& v, PassContext& ctx);
// extended
Result<Patch> fuse_conv_affine(const GraphView& v, PassContext& ctx);
Result<Patch> fuse_batch_norm(const GraphView& v, PassContext& ctx);
Result<Patch> fuse_matmul_add(const GraphView& v, PassContext& ctx);
Result<Patch> cancel_transposes(const GraphView& v, PassContext& ctx);
Result<Patch> cancel_reshapes(const GraphView& v, PassContext& ctx);
Result<Patch> cancel_squeeze_unsqueeze(const GraphView& v, PassContext& ctx);
// all
Result<Patch> fuse_layer_norm(const GraphView& v, PassContext& ctx);
Result<Patch> fuse_hard_sigmoid(const GraphView& v, PassContext& ctx);
Result<Patch> fuse_hard_swish(const GraphView& v, PassContext& ctx);
Result<Patch> fuse_gelu(const GraphView& v, PassContext& ctx);

// Every pass in pipeline order (driver.cpp).
const std::vector<PassInfo>& all_passes();

// Runs one pass on `model` (main graph and subgraphs) until it changes nothing; returns the
// rewrites. For tests and tools that want a single rule.
Result<int> run_pass(Model& model, std::string_view pass_name, const OptimizeOptions& options = {});

}  // namespace sz0::passes

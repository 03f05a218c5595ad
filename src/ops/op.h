// Operator registry: each op registers once, beside its code, with a pure shape/type inference
// function and a reference kernel. Fast kernels register for the same op with a higher priority
// and a predicate saying which nodes they take.
#pragma once

#include <sz0/graph.h>

#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace sz0::ops {

// What shape inference sees of a node: input types, and input values where known (initializers,
// constants; at run time every input is known). It fills `outputs`.
struct InferContext {
  const Node& node;
  int64_t opset = 0;
  std::vector<TypeInfo> inputs;       // one per node input; dtype Undefined when omitted
  std::vector<const Tensor*> values;  // nullptr when unknown
  std::vector<TypeInfo> outputs;      // one per node output, filled by infer

  InferContext(const Node& n, int64_t op) : node(n), opset(op) {}
  size_t num_inputs() const { return node.inputs.size(); }
  size_t num_outputs() const { return node.outputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && !node.inputs[i].empty(); }
  const TypeInfo& in(size_t i) const { return inputs.at(i); }
  const Tensor* value(size_t i) const { return i < values.size() ? values[i] : nullptr; }
  TypeInfo& out(size_t i) {
    if (outputs.size() <= i) outputs.resize(i + 1);
    return outputs[i];
  }
  // Error naming the node: "node 'x' (Op): <message>".
  template <class... A>
  Status fail(fmt::format_string<A...> f, A&&... args) const {
    return Status::error(fmt::format("{}: {}", node.label(), fmt::format(f, std::forward<A>(args)...)));
  }
};
using InferFn = Status (*)(InferContext&);

class KernelContext;

// A kernel instance belongs to one node of one session. Build it once (parse attributes, pack
// constant weights), run it many times.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual Status run(KernelContext& ctx) = 0;
};

// What a kernel factory sees at session creation.
struct KernelInit {
  const Node& node;
  int64_t opset = 0;
  std::vector<TypeInfo> inputs;       // types as inferred before running
  std::vector<const Tensor*> constants;  // initializer values, nullptr otherwise
  std::vector<TypeInfo> outputs;
  int threads = 1;
};

using ComputeFn = Status (*)(KernelContext&);
using KernelFactory = Result<std::unique_ptr<Kernel>> (*)(const KernelInit&);
using KernelPredicate = bool (*)(const KernelInit&);

// One registration. Exactly one of `compute` (stateless) or `factory` (stateful) is set for a
// kernel; an entry with `infer` only declares the op's schema. The reference kernel comes with
// the schema entry; fast kernels add entries with a predicate and a higher priority.
struct OpSchema {
  std::string_view domain;  // "" = ai.onnx
  std::string_view op_type;
  int since = 1;            // first opset version this entry serves
  InferFn infer = nullptr;
  ComputeFn compute = nullptr;
  KernelFactory factory = nullptr;
  KernelPredicate accepts = nullptr;  // nullptr: takes every node
  int priority = 0;                   // reference = 0; fast kernels > 0
  std::string_view kernel_name = "reference";
};

bool register_op(const OpSchema& schema);

// The inference function for (domain, op) at `opset`; nullptr if the op is unknown.
InferFn find_infer(std::string_view domain, std::string_view op_type, int64_t opset);
// The best kernel entry that accepts `init` (highest priority); nullptr if none.
const OpSchema* find_kernel(const KernelInit& init, std::string_view domain);
bool is_supported(std::string_view domain, std::string_view op_type, int64_t opset);
std::vector<std::string> registered_ops();  // "Op" or "domain:Op", sorted, unique

// Creates the kernel for a registration (wraps `compute` in a stateless Kernel).
Result<std::unique_ptr<Kernel>> make_kernel(const OpSchema& schema, const KernelInit& init);

// Runs infer for `node`; the canonical place that fills outputs and checks counts.
Status infer_node(InferContext& ctx);

// Runs a subgraph (If/Loop/Scan body) with explicit inputs; outer-scope names resolve through
// the scope of the node being executed.
using SubgraphRunner = std::function<Result<std::vector<Tensor>>(const Graph&, std::vector<Tensor>)>;

class KernelContext {
 public:
  KernelContext(const Node& node, int64_t opset) : node_(node), opset_(opset) {}

  const Node& node() const { return node_; }
  int64_t opset() const { return opset_; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  // nullptr when the optional input is omitted.
  const Tensor* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  const Tensor& in(size_t i) const { return *inputs_.at(i); }
  bool has_input(size_t i) const { return input(i) != nullptr; }
  bool output_wanted(size_t i) const { return node_.has_output(i); }

  // Allocates output i (zero-filled) with the type and shape that inference gave (must be fully
  // known).
  Tensor& output(size_t i);
  // The same without zero-filling, for kernels that write every element.
  Tensor& output_for_overwrite(size_t i);
  // Allocates output i with an explicit type and shape (data-dependent shapes).
  Tensor& output(size_t i, DType dtype, Shape shape);
  // Hands a ready tensor to output i (e.g. Identity, Reshape sharing the input buffer).
  void set_output(size_t i, Tensor t);
  const TypeInfo& inferred(size_t i) const { return inferred_.at(i); }

  int threads() const { return threads_; }
  Result<std::vector<Tensor>> run_subgraph(const Graph& g, std::vector<Tensor> inputs) const {
    return subgraph_(g, std::move(inputs));
  }

  template <class... A>
  Status fail(fmt::format_string<A...> f, A&&... args) const {
    return Status::error(fmt::format("{}: {}", node_.label(), fmt::format(f, std::forward<A>(args)...)));
  }

  // Filled by the executor. `allocate_` (optional) supplies output buffers: (dtype, shape, zero).
  std::function<Tensor(DType, Shape, bool)> allocate_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor> outputs_;
  std::vector<TypeInfo> inferred_;
  int threads_ = 1;
  SubgraphRunner subgraph_;

 private:
  const Node& node_;
  int64_t opset_;
};

}  // namespace sz0::ops

#define SZ0_REGISTER_OP(...) \
  [[maybe_unused]] static const bool SZ0_CAT(sz0_op_registered_, __COUNTER__) = ::sz0::ops::register_op(::sz0::ops::OpSchema{__VA_ARGS__})

// The in-memory model: graph, nodes, values, attributes, metadata.
// Mirrors ONNX closely enough that import → export keeps everything a user wrote.
#pragma once

#include <sz0/status.h>
#include <sz0/tensor.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sz0 {

// A dimension: a known size, a named symbol ("batch"), or unknown (value < 0, no symbol).
struct Dim {
  int64_t value = -1;
  std::string symbol;
  Dim() = default;
  Dim(int64_t v) : value(v) {}  // NOLINT: implicit by design
  explicit Dim(std::string s) : symbol(std::move(s)) {}
  bool known() const { return value >= 0; }
  bool operator==(const Dim& o) const {
    return known() ? value == o.value : (!o.known() && !symbol.empty() && symbol == o.symbol);
  }
};

// Type and shape of a value as far as known. `shape` empty optional = rank unknown.
struct TypeInfo {
  DType dtype = DType::Undefined;
  std::optional<std::vector<Dim>> shape;
  // Non-tensor types (sequence, map, optional) are kept as their serialized ONNX TypeProto.
  std::string opaque_type;

  TypeInfo() = default;
  TypeInfo(DType t, std::vector<Dim> s) : dtype(t), shape(std::move(s)) {}
  static TypeInfo of(const Tensor& t);
  bool has_rank() const { return shape.has_value(); }
  int rank() const { return shape ? static_cast<int>(shape->size()) : -1; }
  bool fully_known() const;  // rank and every dim known
  Shape concrete() const;    // requires fully_known()
  std::string str() const;   // "float32[batch,3,224,224]"
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
  std::string doc;
};

struct Graph;

struct Attribute {
  enum class Kind { Undefined, Float, Int, String, Tensor, Graph, Floats, Ints, Strings, Tensors, Graphs, Opaque };
  std::string name;
  Kind kind = Kind::Undefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::string doc;
  std::string ref_attr_name;  // attribute reference inside a function body
  std::string opaque;         // serialized AttributeProto for kinds kept but not interpreted
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" is ai.onnx
  std::string doc;
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::vector<Attribute> attributes;

  const Attribute* attr(std::string_view name) const;
  bool has_attr(std::string_view name) const { return attr(name) != nullptr; }
  int64_t attr_int(std::string_view name, int64_t fallback) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name, std::string_view fallback) const;
  std::vector<int64_t> attr_ints(std::string_view name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> attr_floats(std::string_view name, std::vector<float> fallback = {}) const;
  std::vector<std::string> attr_strings(std::string_view name) const;
  const Tensor* attr_tensor(std::string_view name) const;
  const Graph* attr_graph(std::string_view name) const;
  Attribute& set_attr(Attribute a);  // replaces one of the same name

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
  // "node 'conv_3' (Conv)" for error messages.
  std::string label() const;
};

struct Graph {
  std::string name;
  std::string doc;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;
  std::map<std::string, Tensor> initializers;
  std::vector<std::string> opaque_sparse_initializers;  // serialized, kept for round trips

  const ValueInfo* find_input(std::string_view name) const;
  const ValueInfo* find_output(std::string_view name) const;
  const ValueInfo* find_value_info(std::string_view name) const;
  // Inputs that are not initializers (ONNX IR < 4 lists initializers among inputs too).
  std::vector<const ValueInfo*> runtime_inputs() const;
};

struct OpsetImport {
  std::string domain;
  int64_t version = 0;
};

struct Model {
  int64_t ir_version = 8;
  std::vector<OpsetImport> opsets;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> opaque_functions;  // serialized FunctionProto, kept for round trips
  std::vector<std::string> opaque_training_info;
  Graph graph;

  // Opset version imported for `domain` ("" and "ai.onnx" are the same); 0 if not imported.
  int64_t opset(std::string_view domain = "") const;
};

// Structural problems (single assignment, use before definition, missing outputs), one line each.
std::vector<std::string> validate_model(const Model& model);

}  // namespace sz0

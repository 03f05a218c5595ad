// Graph builders for control-flow tests. Bodies use the test-only ops of domain "test"
// (registered in test_ops.cpp): test:Add and test:Less (numpy broadcast) and test:Concat (axis).
#pragma once

#include "util/op_test.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sz0::test {

inline Node make_node(std::string op, std::vector<std::string> in, std::vector<std::string> out,
                      std::vector<Attribute> attrs = {}, std::string domain = "") {
  Node n;
  n.name = op + "_" + (out.empty() ? std::string("x") : out[0]);
  n.op_type = std::move(op);
  n.domain = std::move(domain);
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attributes = std::move(attrs);
  return n;
}
inline Node test_node(std::string op, std::vector<std::string> in, std::vector<std::string> out,
                      std::vector<Attribute> attrs = {}) {
  return make_node(std::move(op), std::move(in), std::move(out), std::move(attrs), "test");
}

// A value with a declared type; rank unknown when `shape` is nullopt, type unknown when dtype is
// Undefined.
inline ValueInfo vi(std::string name, DType dtype = DType::Undefined,
                    std::optional<std::vector<Dim>> shape = std::nullopt) {
  ValueInfo v;
  v.name = std::move(name);
  v.type.dtype = dtype;
  v.type.shape = std::move(shape);
  return v;
}

inline Graph make_graph(std::string name, std::vector<ValueInfo> inputs, std::vector<ValueInfo> outputs,
                        std::vector<Node> nodes, std::map<std::string, Tensor> initializers = {}) {
  Graph g;
  g.name = std::move(name);
  g.inputs = std::move(inputs);
  g.outputs = std::move(outputs);
  g.nodes = std::move(nodes);
  g.initializers = std::move(initializers);
  return g;
}

// Runs a whole graph as a model importing ai.onnx at `opset` and domain "test".
inline Result<std::vector<Tensor>> run_graph(Graph g, const std::map<std::string, Tensor>& feeds,
                                             int64_t opset = 17) {
  Model m;
  m.opsets.push_back({"", opset});
  m.opsets.push_back({"test", 1});
  m.graph = std::move(g);
  SZ0_ASSIGN(auto session, Session::create(std::move(m)));
  return session->run(feeds);
}

// Graph inputs typed after their feeds.
inline std::vector<ValueInfo> inputs_of(const std::vector<std::pair<std::string, Tensor>>& feeds) {
  std::vector<ValueInfo> v;
  for (auto& [name, t] : feeds) v.push_back({name, TypeInfo::of(t), ""});
  return v;
}

}  // namespace sz0::test

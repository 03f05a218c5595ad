// Helpers for the optimizer's pass tests: small graphs by hand, op counts, and a check that a
// rewritten model computes what the original did.
#pragma once

#include <sz0/optimize.h>
#include <sz0/session.h>

#include "passes/pass.h"
#include "util/op_test.h"

#include <map>
#include <string>
#include <vector>

namespace sz0::test {

// A node of the ai.onnx domain named after its first output.
inline Node op(std::string type, std::vector<std::string> in, std::vector<std::string> out,
               std::vector<Attribute> attrs = {}) {
  Node n = passes::make_node(std::move(type), std::move(in), std::move(out));
  n.name = n.outputs.empty() ? n.op_type : n.outputs[0];
  n.attributes = std::move(attrs);
  return n;
}

// A model at `opset` with float inputs of the given shapes and the given outputs (types unknown).
inline Model graph_model(int64_t opset, const std::vector<std::pair<std::string, Shape>>& inputs,
                         const std::vector<std::string>& outputs, std::vector<Node> nodes,
                         std::map<std::string, Tensor> initializers = {}) {
  Model m;
  m.opsets = {{"", opset}};
  for (auto& [name, shape] : inputs)
    m.graph.inputs.push_back({name, TypeInfo(DType::Float, std::vector<Dim>(shape.begin(), shape.end())), ""});
  for (const std::string& o : outputs) m.graph.outputs.push_back({o, TypeInfo{}, ""});
  m.graph.nodes = std::move(nodes);
  m.graph.initializers = std::move(initializers);
  return m;
}

// Nodes of type `type`, subgraphs included.
inline int count_op(const Model& m, const std::string& type) {
  std::map<std::string, int> ops;
  int64_t params = 0;
  passes::count_ops(m.graph, ops, params);
  auto it = ops.find(type);
  return it == ops.end() ? 0 : it->second;
}

inline int count_nodes(const Model& m) {
  std::map<std::string, int> ops;
  int64_t params = 0;
  passes::count_ops(m.graph, ops, params);
  int n = 0;
  for (auto& [k, c] : ops) n += c;
  return n;
}

// Runs one pass to a fixed point; fails the test on error.
inline int apply(Model& m, std::string_view pass) {
  auto r = passes::run_pass(m, pass);
  EXPECT_TRUE(r.ok()) << r.status().message();
  const auto problems = validate_model(m);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
  return r.ok() ? *r : -1;
}

// Random feeds for every runtime input (float in [-2, 2), from the declared shape).
inline std::map<std::string, Tensor> random_feeds(const Model& m, uint32_t seed = 3) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo* v : m.graph.runtime_inputs()) {
    Shape s;
    for (const Dim& d : *v->type.shape) s.push_back(d.known() ? d.value : 2);
    const DType dt = v->type.dtype == DType::Undefined ? DType::Float : v->type.dtype;
    feeds[v->name] = dtype_is_float(dt) ? random_tensor(dt, s, seed++, -2.0, 2.0) : random_tensor(dt, s, seed++, 0, 9);
  }
  return feeds;
}

inline Result<std::vector<Tensor>> run_model(const Model& m, const std::map<std::string, Tensor>& feeds) {
  Model copy = m;  // the session simplifies its model, subgraphs included: give it its own
  copy.graph = passes::deep_copy(m.graph);
  SessionOptions o;
  o.threads = 1;
  SZ0_ASSIGN(auto s, Session::create(std::move(copy), o));
  return s->run(feeds);
}

// Both models give the same outputs on random inputs.
inline void expect_same_outputs(const Model& before, const Model& after, double atol = 1e-5, double rtol = 1e-4,
                                uint32_t seed = 3) {
  const auto feeds = random_feeds(before, seed);
  auto a = run_model(before, feeds);
  auto b = run_model(after, feeds);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_TENSOR_NEAR((*b)[i], (*a)[i], atol, rtol);
}

inline Tensor f32(std::vector<float> v, Shape shape) { return Tensor::from_vector(v, std::move(shape)); }
inline Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector(v); }
inline Tensor scalar(float v) { return Tensor::scalar<float>(v); }

}  // namespace sz0::test

// Test helpers: run one node through a real session, compare tensors, make random data.
#pragma once

#include <sz0/graph.h>
#include <sz0/session.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace sz0::test {

// Attribute builders: attr_int("axis", 1), attr_ints("perm", {0, 2, 1}), ...
Attribute attr_int(std::string name, int64_t v);
Attribute attr_float(std::string name, float v);
Attribute attr_string(std::string name, std::string v);
Attribute attr_ints(std::string name, std::vector<int64_t> v);
Attribute attr_floats(std::string name, std::vector<float> v);
Attribute attr_strings(std::string name, std::vector<std::string> v);
Attribute attr_tensor(std::string name, Tensor v);
Attribute attr_graph(std::string name, Graph g);

struct NodeSpec {
  std::string op_type;
  std::vector<Tensor> inputs;  // an undefined Tensor() marks an omitted optional input
  std::vector<Attribute> attributes;
  int num_outputs = 1;
  int64_t opset = 17;
  std::string domain;
};

// Builds a one-node model (inputs as graph inputs) and runs it with a session.
Result<std::vector<Tensor>> run_node(const NodeSpec& spec, int threads = 1);

// Uniform random tensor in [lo, hi) (integers: inclusive range), deterministic per seed.
Tensor random_tensor(DType dtype, Shape shape, uint32_t seed, double lo = -1.0, double hi = 1.0);

// Asserts equal dtype and shape, and |a - b| <= atol + rtol * |b| element-wise (NaNs must match).
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double atol = 1e-5,
                                         double rtol = 1e-4);
#define EXPECT_TENSOR_NEAR(actual, expected, ...) EXPECT_TRUE(::sz0::test::tensors_close(actual, expected, ##__VA_ARGS__))

// Runs `m` with the session's rewrites off (SessionOptions::optimize = false, every op on its own
// kernel) and on, over the same feeds; expects the same outputs within atol + rtol·|b|. Returns
// the optimized session's op counts (by op type), empty when a session fails.
std::map<std::string, int> expect_optimized_matches(const Model& m, const std::map<std::string, Tensor>& feeds,
                                                    int threads = 1, double atol = 1e-4, double rtol = 1e-4);

}  // namespace sz0::test

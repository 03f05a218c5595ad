// The model zoo: named reference networks built with ModelBuilder.
// Weights are seeded random (deterministic per seed), not trained: the zoo exists to exercise
// and measure the toolkit (optimization, quantization, pruning, benchmarking) on realistic
// layouts, not to make predictions.
#pragma once

#include <sz0/graph.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sz0::zoo {

struct InputSpec {
  std::string name;
  DType dtype = DType::Float;
  std::vector<int64_t> dims;  // after the leading batch axis
};

struct ZooBuildOptions {
  uint32_t seed = 0;
  int64_t batch = 0;  // 0: symbolic batch axis "batch"; > 0: fixed
};

struct ZooModel {
  std::string name;
  std::string description;
  std::vector<InputSpec> inputs;
  std::vector<std::string> outputs;
  Result<Model> (*build)(const ZooBuildOptions& options) = nullptr;
};

// Every zoo model, in a fixed order.
const std::vector<ZooModel>& models();
std::vector<std::string> model_names();
// nullptr when no model has that name.
const ZooModel* find_model(std::string_view name);
// Builds a model by name; an unknown name is an error listing the known ones.
Result<Model> build_model(std::string_view name, const ZooBuildOptions& options = {});

}  // namespace sz0::zoo

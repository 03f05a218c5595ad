// ONNX import and export through libonnx's protobuf definitions.
#pragma once

#include <sz0/graph.h>

#include <string>

namespace sz0 {

struct LoadOptions {
  // Directory that relative external-data locations resolve against; defaults to the model's.
  std::string external_data_dir;
};

Result<Model> load_model(const std::string& path, const LoadOptions& options = {});
Result<Model> load_model_from_bytes(const std::string& bytes, const std::string& base_dir = ".");

struct SaveOptions {
  // Tensors at or above this many bytes go to an external data file when the model as a whole
  // would pass protobuf's 2 GB limit (or always, if force_external_data).
  size_t external_threshold_bytes = 1024;
  bool force_external_data = false;
};

// Writes atomically: to a temporary beside `path`, then renames.
Status save_model(const Model& model, const std::string& path, const SaveOptions& options = {});

// Tensor <-> ONNX TensorProto bytes (for `.pb` test data).
Result<Tensor> parse_tensor_proto(const std::string& bytes, std::string* name = nullptr);
Result<std::string> serialize_tensor_proto(const Tensor& t, const std::string& name);

}  // namespace sz0

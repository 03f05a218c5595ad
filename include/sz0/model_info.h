// Model summary for `sz0 info`: interface, op histogram, parameters, estimated MACs.
#pragma once

#include <sz0/graph.h>

#include <map>
#include <string>
#include <vector>

namespace sz0 {

struct ModelInfo {
  std::map<std::string, int> op_histogram;  // including ops inside subgraphs
  int64_t parameters = 0;                   // elements in initializers
  int64_t parameter_bytes = 0;
  int64_t macs = -1;                        // -1 when shapes could not be inferred
  bool macs_complete = true;                // false when some node's shapes were unknown
  std::vector<std::string> notes;
};

// Multiply-accumulates of one node (Conv, ConvTranspose, MatMul, Gemm and their integer forms,
// RNN, GRU, LSTM: every step's input and recurrent products) from inferred types; 0 for other
// ops, -1 when a needed shape is unknown.
int64_t node_macs(const Node& n, const std::map<std::string, TypeInfo>& types);

// Symbolic input dims are taken as 1 (or as given in `input_shapes`) for the MAC estimate.
ModelInfo analyze_model(const Model& model, const std::map<std::string, Shape>& input_shapes = {});

}  // namespace sz0

// Internal: the weights the pruner may change, each viewed as a matrix [rows, cols] where a row
// is one output unit and the columns are what that unit reads (the reduction).
//   Conv  W [O, I/g, kh, kw]          rows O,   cols I/g·kh·kw   (row-major as stored)
//   Gemm  B [K, N] (transB 0)         rows N,   cols K           (transposed view)
//   Gemm  B [N, K] (transB 1)         rows N,   cols K
//   MatMul B [K, N] (rank 2)          rows N,   cols K           (transposed view)
//   RNN/GRU/LSTM W [D, G·H, I], R [D, G·H, H]  rows D·G·H, cols I (or H)
#pragma once

#include <sz0/graph.h>

#include <optional>
#include <string>
#include <vector>

namespace sz0::prune {

struct WeightRef {
  size_t node = 0;     // index in graph.nodes
  int input = 1;       // the node input that holds the weight
  std::string name;    // the initializer (float32)
  int64_t rows = 0, cols = 0;
  bool transposed = false;  // element (r, c) is stored at c·rows + r instead of r·cols + c
  int64_t group = 1;        // Conv group attribute
  int64_t kernel = 1;       // Conv: kh·kw (cols = in_channels·kernel); 1 otherwise
  int64_t directions = 0;   // RNN/GRU/LSTM: D (rows are D blocks of G·H); 0 otherwise
  int64_t index(int64_t r, int64_t c) const { return transposed ? c * rows + r : r * cols + c; }
};

// The view of input `input` of node `node` when it is a float32 initializer weight the pruner
// understands (Conv, Gemm, MatMul with rank-2 B: input 1; RNN/GRU/LSTM: inputs 1 and 2), whoever
// else reads it.
std::optional<WeightRef> weight_ref(const Model& model, size_t node, int input);

// Exporters store weights either as initializers or as Constant nodes: every top-level float
// Constant node with a tensor `value` becomes an initializer of the same name (same model).
// Returns how many moved.
int lift_constants(Model& model);

// Float32 initializer weights of Conv, Gemm, MatMul (constant rank-2 B), RNN, GRU and LSTM (W and
// R), in graph order. A weight read by several nodes, or also by a non-prunable node, is left
// out (changing it would change the other reader).
std::vector<WeightRef> prunable_weights(const Model& model);

// The weight as a row-major [rows, cols] matrix, and back.
std::vector<float> weight_matrix(const Model& model, const WeightRef& w);
void set_weight_matrix(Model& model, const WeightRef& w, const std::vector<float>& m);

}  // namespace sz0::prune

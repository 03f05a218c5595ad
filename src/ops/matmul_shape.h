// numpy matmul shapes, shared by MatMul, MatMulInteger and QLinearMatMul: a rank-1 operand is
// promoted to a matrix (and the unit dim dropped from the output), batch dims broadcast.
#pragma once

#include "ops/op.h"

#include <cstdint>
#include <span>
#include <vector>

namespace sz0::ops {

// Output dims of matmul(a, b), symbolic where unknown; checks K when both sides know it.
Result<std::vector<Dim>> matmul_dims(const Node& node, std::span<const Dim> a, std::span<const Dim> b);

// Concrete plan for a matmul of A [..., M, K] by B [..., K, N].
struct MatmulPlan {
  int64_t m = 1, n = 1, k = 1;
  Shape a_batch, b_batch, out_batch;  // batch dims (rank-1 operands have none)
  Shape out;                          // output shape
  int64_t a_batches = 1, b_batches = 1, out_batches = 1;
  std::vector<int64_t> a_index, b_index;  // per output batch: which A / B batch it reads
};
Result<MatmulPlan> plan_matmul(const Node& node, const Shape& a, const Shape& b);

}  // namespace sz0::ops

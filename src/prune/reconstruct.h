// Internal: layer-wise reconstruction. A pruned layer's remaining weights are re-fitted so that
// it reproduces the original layer's outputs on calibration data: min ‖W X - W' X‖² over the
// layer inputs X, which depends on the data only through H = Σ x xᵀ (the inputs' second
// moment, the Hessian of that loss up to a factor 2). H is accumulated one sample at a time.
#pragma once

#include "prune/layers.h"

#include <sz0/prune.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sz0::prune {

// Σ x xᵀ over every input vector x the layer multiplies with its weight rows: a row of X for
// Gemm/MatMul (all leading dims flattened; likewise the input x_t of every time step for the
// input weights W of GRU/LSTM, and the state Ht-1 of every step after the first for R), an
// im2col patch (I·kh·kw, in the weight's column order, padding as zeros) at every output
// position for Conv (group 1 only).
struct Hessian {
  int64_t dim = 0;
  std::vector<double> h;  // dim × dim, row-major, symmetric
  int64_t vectors = 0;    // how many x were added
  // With a reference model: Σ x_ref xᵀ, x_ref being the same input vector (same sample and
  // position) in the reference, row-major dim × dim; empty otherwise.
  std::vector<double> cross;
};

// Runs `model` (sz0 Session, unoptimized) on every sample of `stream` and accumulates H for each
// of `weights` (Conv with group 1, Gemm, MatMul, RNN/GRU/LSTM input weights W, and their
// recurrent weights R where every gate's rows multiply the state Y holds: one direction, no
// initial state, GRU with linear_before_reset; the others are skipped and absent from the result),
// keyed by weight name. Memory: the Hessians plus one sample's activations. With `reference`
// (the same graph with other weights, such as the model before pruning), each Hessian also gets
// `cross`, from that model's values of the same inputs.
Result<std::map<std::string, Hessian>> collect_hessians(const Model& model, const std::vector<WeightRef>& weights,
                                                        const SampleStream& stream,
                                                        const std::map<std::string, Shape>& input_shapes,
                                                        const std::function<void(size_t, size_t)>& progress = {},
                                                        const Model* reference = nullptr);

struct SparseGptOptions {
  double sparsity = 0.5;  // share of weights set to zero (when n == 0 and no mask is given)
  int n = 0, m = 0;       // N:M over consecutive columns when n > 0
  double damp = 0.01;     // λ = damp · mean(diag H) added to the diagonal
  int64_t block = 128;    // columns per lazy-update block
  // Fixed mask (rows·cols, 1 = prune) instead of choosing one: the updates still apply.
  const std::vector<uint8_t>* mask = nullptr;
};

// SparseGPT (Frantar & Alistarh, 2023): columns left to right; each pruned weight's error is
// spread over the not-yet-visited columns of its row through the inverse Hessian (OBS). `w` is
// row-major [rows, cols] and is pruned in place. Fails only when H is not positive definite even
// after damping.
Status sparsegpt(std::vector<float>& w, int64_t rows, int64_t cols, const Hessian& h, const SparseGptOptions& o);

// Least squares re-fit after columns are removed: the W' [rows, keep.size()] minimizing
// ‖W X - W' X_keep‖², i.e. W' = W H[:, keep] (H[keep, keep] + λI)⁻¹. `w` is row-major
// [rows, cols]; `keep` are ascending column indices.
//
// `to_reference` (needs h.cross): the layer is fitted to the reference model's outputs instead,
// ‖W X_ref - W' X_keep‖², W' = W C[:, keep] (H[keep, keep] + λI)⁻¹ with C = h.cross: what the
// layers before it changed is then absorbed where this layer can.
Result<std::vector<float>> refit_columns(const std::vector<float>& w, int64_t rows, int64_t cols, const Hessian& h,
                                         const std::vector<int64_t>& keep, double damp, bool to_reference = false);

// Output SQNR (dB) of W' against W on the data H describes: ‖W X‖² / ‖(W - W') X‖² computed as
// traces with H (both [rows, cols]).
double layer_sqnr_db(const std::vector<float>& w, const std::vector<float>& w_new, int64_t rows, int64_t cols,
                     const Hessian& h);

}  // namespace sz0::prune

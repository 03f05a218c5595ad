// Internal: the pruning stages ModelPruner runs (prune/pruner.cpp drives them).
#pragma once

#include <sz0/prune.h>

#include <map>
#include <string>
#include <vector>

namespace sz0::prune {

// Share pruned after stage t of `steps` (cubic schedule, Zhu & Gupta 2017): fast at first,
// gentle near the end, where every weight left matters more.
double scheduled_amount(double amount, int t, int steps);

// Per-layer outcome, keyed by node name, filled by the stages.
struct LayerNotes {
  std::map<std::string, std::string> skipped;   // node → why it was left alone
  std::map<std::string, double> gain_db;        // node → reconstruction gain (summed over stages)
  std::map<std::string, std::string> not_refit;  // node → why reconstruction left it as pruned
};

// A layer is re-fitted only when the data gave it at least this many input vectors per column:
// with fewer, H is (nearly) singular and the re-fit matches the calibration samples, not the
// layer (measured: a batch-1 Gemm re-fitted on 16 samples gained 21 dB on them and lost
// accuracy on others).
constexpr int64_t kMinVectorsPerColumn = 2;

// Empty when `h` supports a re-fit of `cols` columns, else the reason.
std::string refit_blocker(int64_t vectors, int64_t cols);

// Magnitude, random and N:M: zeros weights in place, reconstructing when asked.
Status prune_unstructured(Model& model, const PruneOptions& o, const std::map<std::string, Shape>& shapes,
                          LayerNotes& notes);

// Structured: removes channels; returns the number of dependency groups found and pruned.
Status prune_structured(Model& model, const PruneOptions& o, const std::map<std::string, Shape>& shapes,
                        LayerNotes& notes, int& groups, int& groups_pruned);

// After structured pruning: moves each BatchNormalization's statistics so that, on the data,
// its output has the per-channel mean and variance the reference model's has (channels of
// tensors that shrank matched through `kept`).
Status reestimate_batchnorm(const Model& reference, Model& pruned,
                            const std::map<std::string, std::vector<int64_t>>& kept, const SampleStream& stream,
                            const std::map<std::string, Shape>& shapes);

}  // namespace sz0::prune

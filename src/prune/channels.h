// Internal: structured pruning. Finds the dependency groups of a graph's channels and removes
// channels from them, keeping the model valid.
//
// A group is a set of tensors whose channel axes must stay aligned: the output of a producer
// (Conv with group 1, Gemm, MatMul with a constant weight), everything channel-wise ops derive
// from it (BatchNormalization, activations, depthwise convolutions, pooling, elementwise ops
// with per-channel or scalar constants), and tensors joined by elementwise ops of two
// activations (a residual Add, a squeeze-excitation Mul): those groups merge. Consumers (Conv,
// Gemm, MatMul reading a group's tensor as their reduction input, also through Flatten/Reshape
// into Gemm, and Concat along channels) lose the matching input channels. A group that reaches
// a graph output, or an op that cannot be sliced, is not prunable (with the reason).
#pragma once

#include <sz0/prune.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sz0::prune {

struct ChannelGroup {
  int64_t channels = 0;
  std::vector<std::string> producers;  // node names whose output channels are the group's
  std::vector<std::string> members;    // every node whose parameters or attributes change with it
  std::string blocked;                 // why the group cannot be pruned; empty: prunable
};

// What the analysis found per tensor and node (prune/channel_plan.h), for the functions below:
// remove_channels refuses a model whose nodes differ from the analyzed one.
struct ChannelPlan;

struct ChannelAnalysis {
  std::vector<ChannelGroup> groups;
  std::shared_ptr<const ChannelPlan> plan;
};

Result<ChannelAnalysis> analyze_channels(const Model& model, const std::map<std::string, Shape>& input_shapes);

// Importance of each of the group's channels: the L1 or L2 norm of every producer's weights for
// that output channel (the bias not included), summed over the producers; or the summed |gamma|
// of the BatchNormalizations applied to the group (falls back to L1 when there is none).
std::vector<double> channel_importance(const Model& model, const ChannelAnalysis& a, size_t group,
                                       ChannelImportance how);

// What removal did, for reconstruction and reports.
struct ChannelRemoval {
  // For every tensor whose channel axis shrank: the original indices kept (ascending).
  std::map<std::string, std::vector<int64_t>> kept_channels;
  // For every weight initializer that shrank: the kept rows and columns in its WeightRef view
  // (prune/layers.h) before removal (ascending; all of them when that side did not change).
  struct Weight {
    std::vector<int64_t> rows, cols;
  };
  std::map<std::string, Weight> weights;
};

// Removes channels: `keep[g]` (ascending, non-empty) are the channels group g keeps; groups not
// in `keep` are unchanged. Every producer, channel-wise op, consumer, constant and shape
// constant (Reshape targets) involved is rewritten; stale value_info is dropped.
Result<ChannelRemoval> remove_channels(Model& model, const ChannelAnalysis& a,
                                       const std::map<size_t, std::vector<int64_t>>& keep);

}  // namespace sz0::prune

// Internal: the plan channel analysis leaves behind (prune/channels.h), shared by the analysis,
// channel_importance and remove_channels.
#pragma once

#include "prune/channels.h"
#include "prune/layers.h"

#include <optional>
#include <set>

namespace sz0::prune {

// Groups are numbered "raw" as producers appear; merges (a residual Add) map several raw groups
// to one group of ChannelAnalysis.
struct ChannelPlan {
  // `count` channels of raw group `group`; a negative group marks channels that never change
  // (a graph input or constant concatenated with a group).
  struct Seg {
    int group = -1;
    int64_t count = 0;
  };
  // A tensor's channel axis: segments side by side (Concat), each channel spanning `span`
  // consecutive positions (Flatten folds H·W into the axis; a depthwise multiplier repeats it).
  struct Layout {
    int axis = 0;
    std::vector<Seg> segs;
    int64_t span = 1;
    int64_t channels() const {
      int64_t n = 0;
      for (const Seg& s : segs) n += s.count;
      return n;
    }
    int64_t positions() const { return channels() * span; }
  };
  // Conv / Gemm / MatMul weight (input 1): rows follow a producer's group, columns the layout of
  // the node's data input. A recurrent cell's W and R (inputs 1 and 2) repeat the group once per
  // gate and direction along their rows: `rows` says so.
  struct WeightEdit {
    size_t node = 0;
    int rows_group = -1;
    std::optional<Layout> cols;
    int input = 1;
    std::optional<Layout> rows;
  };
  // An integer attribute that counts a group's channels (a recurrent cell's hidden_size).
  struct AttrEdit {
    size_t node = 0;
    std::string name;
    int group = -1;
  };
  // Depthwise Conv: `in` is its input's layout; output rows are input positions × mult.
  struct DepthwiseEdit {
    size_t node = 0;
    Layout in;
    int64_t mult = 1;
  };
  // A constant input sliced along `axis`, which holds the layout's positions.
  struct ConstEdit {
    size_t node = 0;
    size_t input = 0;
    int axis = 0;
    Layout layout;
    Tensor value;
  };
  // A Reshape whose shape constant spells out the channel axis's size at `pos`.
  struct ReshapeEdit {
    size_t node = 0;
    size_t pos = 0;
    Layout in;
    Tensor value;
  };
  // A BatchNormalization over a layout, for importance by |gamma|.
  struct Norm {
    size_t node = 0;
    Layout in;
    Tensor gamma;
  };

  std::vector<std::string> node_ops;  // "op/name" of every node: the model that was analyzed
  std::vector<size_t> final_group;    // raw group → index in ChannelAnalysis::groups
  std::vector<size_t> producer;       // raw group → its producer node
  std::vector<WeightEdit> weights;
  std::vector<DepthwiseEdit> depthwise;
  std::vector<ConstEdit> consts;
  std::vector<ReshapeEdit> reshapes;
  std::vector<Norm> batchnorms;
  std::vector<AttrEdit> attrs;
  std::map<std::string, Layout> tensors;  // every tensor that carries channels of a group
};

// Values the subgraphs of `n` read (If, Loop, Scan bodies), at any depth.
std::set<std::string> subgraph_reads(const Node& n);

}  // namespace sz0::prune

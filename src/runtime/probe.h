// Internal: runs a model over samples with chosen intermediate tensors made visible, for the
// tools that learn from activations (INT8 calibration, pruning's reconstruction and
// BatchNormalization re-estimation).
#pragma once

#include <sz0/session.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sz0 {

class TensorProbe {
 public:
  // `tensors` (node outputs, graph inputs or initializers of the top-level graph) become
  // visible: node outputs are added as graph outputs of a copy of `model`, which runs
  // unoptimized (fusions would hide intermediate values), on one thread.
  static Result<TensorProbe> create(const Model& model, const std::vector<std::string>& tensors,
                                    const std::map<std::string, Shape>& input_shapes);

  // Runs one sample. Every visible tensor by name: the requested ones, the graph's outputs, the
  // feeds and the initializers. Pointers stay valid until the next run.
  Result<std::map<std::string, const Tensor*>> run(const std::map<std::string, Tensor>& feeds);

 private:
  std::shared_ptr<Session> session_;
  const Graph* graph_ = nullptr;  // the session's model: its initializers
  std::map<std::string, Tensor> feeds_;
  std::vector<Tensor> results_;
};

}  // namespace sz0

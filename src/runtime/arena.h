// Memory planning for the main graph: one arena per input signature, laid out from the
// lifetimes of the run's activation buffers, with elementwise ops writing over an input that
// dies at them (in place).
//
// The first run with a signature records every buffer the kernels request (in order: size, the
// node that requested it, whether it must be zeroed) and when its last reference went away. The
// plan then gives each buffer that died during the run an offset in one arena, so that buffers
// whose lifetimes overlap never share bytes (greedy, largest first, lowest fitting offset), and
// lets a buffer share its input's offset when the input dies at the node that writes it and the
// op computes element i from element i only. Later runs with the signature take their buffers
// from the arena in the same order: no activation buffer from the heap, and a footprint of the arena's size
// instead of the sum of all buffers. Buffers that outlive the run (graph outputs) come from the
// pool. A request that differs from the recording (a data-dependent shape) falls back to the
// pool for the rest of that run and drops the plan, so the next run records again.
//
// Graphs with subgraphs (If, Loop, Scan) are not planned: which branch runs, and so which
// buffers stay alive, depends on data.
//
// Concurrent runs share the plan (its layout is read-only once built) but never an arena: each
// run takes an idle arena of the plan or allocates another, and gives it back when it ends. So
// K requests in flight cost K arenas, and a single caller keeps reusing one.
#pragma once

#include "runtime/buffer_pool.h"

#include <sz0/tensor.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sz0 {

struct ArenaPlan;

class MemoryPlanner {
 public:
  MemoryPlanner();
  ~MemoryPlanner();
  // Ops whose kernels may write their output over an input of the same size.
  static bool in_place_op(const std::string& op_type);

  struct Stats {
    size_t arena_bytes = 0;    // the current signature's arena
    size_t planned_bytes = 0;  // the sum of the buffers it holds
    int buffers = 0, in_place = 0;
  };

  // One run. `signature` identifies the input shapes and types; `in_place_nodes[i]` whether node i
  // may run in place.
  class Run {
   public:
    Run(MemoryPlanner& planner, std::string signature, BufferPool& pool, const std::vector<bool>* in_place_nodes);
    ~Run();
    void set_node(int i);
    // A buffer for the current node; `inputs` are the node's inputs (for in-place recording).
    Tensor allocate(DType dtype, Shape shape, bool zero, const std::vector<const Tensor*>& inputs);
    // Ends the run: builds the plan after a recording, drops it after a mismatch. Outputs that
    // live in the arena are copied out of it.
    void finish(std::vector<Tensor>& outputs);

   private:
    struct Recording;
    MemoryPlanner& planner_;
    std::string signature_;
    BufferPool& pool_;
    const std::vector<bool>* in_place_nodes_;
    int node_ = -1;
    std::shared_ptr<Recording> rec_;      // set while recording
    std::shared_ptr<ArenaPlan> plan_;     // set while replaying
    std::shared_ptr<void> arena_;         // this run's arena (of plan_)
    void release();
    size_t next_ = 0;
    bool mismatch_ = false;
  };

  Stats stats() const;
  // Arenas allocated over all plans (idle and in use): the footprint under concurrency.
  size_t allocated_arena_bytes() const;

 private:
  friend class Run;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<ArenaPlan>> plans_;
  Stats stats_;
};

}  // namespace sz0

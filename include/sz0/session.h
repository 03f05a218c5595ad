// The inference session: load → simplify → plan → run.
#pragma once

#include <sz0/graph.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sz0 {

struct SessionOptions {
  int threads = 0;  // 0: one per physical core
  // Fixes symbolic input dims for planning (NAME → shape).
  std::map<std::string, Shape> input_shapes;
  // Graph optimization (sz0/optimize.h, level all, with input_shapes fixed) and the runtime-only
  // rewrites (blocked-layout convolutions with fused epilogues). Off: run the graph as written,
  // every op on its own kernel (the reference the rewrites are checked against).
  bool optimize = true;
  // Times every node of every run (adds two clock reads per node).
  bool profile = false;
  // Activation memory planned into one arena per input signature, elementwise ops in place
  // (runtime/arena.h). Off: every buffer from the recycling pool.
  bool plan_memory = true;
  // With `optimize`: a float16 model is computed in float32 (weights widened once), which on a
  // CPU without float16 arithmetic is as accurate and as fast as float32. False keeps the
  // float16 kernels (their tests).
  bool float16_as_float32 = true;
};

// The memory plan of the latest input signature (zeros before the first run, or when the graph
// is not planned).
struct MemoryStats {
  size_t arena_bytes = 0;    // the arena's size
  size_t planned_bytes = 0;  // the sum of the buffers placed in it
  int buffers = 0;           // buffers (in-place chains counted once)
  int in_place = 0;          // buffers written over their input
  size_t arenas_total_bytes = 0;  // every arena allocated (one per run that was in flight at once)
};

// Time spent in one node over the runs since the session was created (or the profile reset).
struct NodeProfile {
  std::string name;
  std::string op_type;
  std::string kernel;  // the kernel that ran it
  double total_ms = 0;
  int64_t calls = 0;
};

// Infers types and shapes for every value of `graph` (symbolic where inputs are), keyed by name.
// Values of constants (initializers, Constant nodes, foldable shape subgraphs) are used where the
// rules need them. Stops at the first node whose inference fails.
struct GraphTypes {
  std::map<std::string, TypeInfo> types;
  std::map<std::string, Tensor> constants;
};
Result<GraphTypes> infer_graph(const Graph& graph, const Model& model,
                               const std::map<std::string, Shape>& input_shapes = {});

// Basic simplification the session applies before planning: readers of Identity (and of
// inference-mode Dropout) read the source instead; nodes and initializers no output depends on
// are dropped. Subgraphs included. Outputs are unchanged.
void simplify_for_inference(Model& model);

// Physical cores this process may run on (hyper-threads of a core counted once): the default
// thread count of a session.
int physical_cores();

// Ops the runtime lacks, as "Op" (or "domain:Op") with their opset, including inside subgraphs.
std::vector<std::string> unsupported_ops(const Model& model);

class Session {
 public:
  ~Session();
  static Result<std::unique_ptr<Session>> create(Model model, const SessionOptions& options = {});
  static Result<std::unique_ptr<Session>> load(const std::string& path, const SessionOptions& options = {});

  const Model& model() const;
  const std::vector<ValueInfo>& outputs() const;
  std::vector<ValueInfo> inputs() const;  // runtime inputs, initializers excluded
  int threads() const;

  // Runs with named feeds; returns outputs in graph order. Safe to call from several threads at
  // once: the runs share weights and plans, each uses its own activation arena and scratch, and
  // each runs on `threads` threads of the calling thread's own team.
  Result<std::vector<Tensor>> run(const std::map<std::string, Tensor>& feeds);

  // Per-node times (SessionOptions::profile), subgraph nodes included, in execution order.
  std::vector<NodeProfile> profile() const;
  void reset_profile();
  MemoryStats memory_stats() const;

 private:
  Session();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sz0

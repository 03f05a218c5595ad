#include <sz0/onnx.h>
#include <sz0/optimize.h>
#include <sz0/session.h>

#include "ops/op.h"
#include "passes/pass.h"
#include "runtime/buffer_pool.h"
#include "runtime/arena.h"
#include "runtime/fuse_attention.h"
#include "runtime/fuse_matmul.h"
#include "runtime/fuse_qdq.h"
#include "runtime/layout.h"
#include "runtime/upcast.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

namespace sz0 {

namespace {

struct CompiledGraph;

// The last input signature a node saw and the output types inference gave for it. Inference
// reads input types and the values of small inputs (shapes, axes, scales), so a match on types
// plus the bytes of every input up to kKeyBytes reproduces its answer without running it.
// Concurrent runs share it through a try-lock: a run that finds it busy infers for itself.
struct InferCache {
  static constexpr size_t kKeyBytes = 512;
  std::mutex busy;
  bool try_lock() { return busy.try_lock(); }
  void unlock() { busy.unlock(); }
  bool valid = false;
  std::vector<DType> dtypes;
  std::vector<Shape> shapes;
  std::vector<std::vector<unsigned char>> values;
  std::vector<TypeInfo> outputs;

  bool matches(const std::vector<const Tensor*>& in) const {
    if (!valid || in.size() != dtypes.size()) return false;
    for (size_t i = 0; i < in.size(); ++i) {
      const Tensor* t = in[i];
      if (!t) {
        if (dtypes[i] != DType::Undefined) return false;
        continue;
      }
      if (t->dtype() != dtypes[i] || t->shape() != shapes[i]) return false;
      if (t->nbytes() <= kKeyBytes && std::memcmp(t->raw(), values[i].data(), t->nbytes()) != 0) return false;
    }
    return true;
  }

  void store(const std::vector<const Tensor*>& in, const std::vector<TypeInfo>& out) {
    valid = true;
    dtypes.assign(in.size(), DType::Undefined);
    shapes.assign(in.size(), {});
    values.assign(in.size(), {});
    for (size_t i = 0; i < in.size(); ++i) {
      if (!in[i]) continue;
      dtypes[i] = in[i]->dtype();
      shapes[i] = in[i]->shape();
      if (in[i]->nbytes() <= kKeyBytes) {
        const auto* p = static_cast<const unsigned char*>(in[i]->raw());
        values[i].assign(p, p + in[i]->nbytes());
      }
    }
    outputs = out;
  }
};

struct CompiledNode {
  const Node* node = nullptr;
  int64_t opset = 0;
  std::unique_ptr<ops::Kernel> kernel;
  std::vector<int> inputs;   // slot, or -1 omitted, or -(2 + k) for outer name k
  std::vector<int> outputs;  // slot, or -1 omitted
  std::vector<int> free_after;  // slots whose last use is this node
  std::string_view kernel_name;
  bool cacheable = false;  // no subgraphs: inference depends on the inputs alone
  std::unique_ptr<InferCache> infer_cache = std::make_unique<InferCache>();
  mutable double profile_ms = 0;  // SessionOptions::profile (guarded by Impl::profile_mu)
  mutable int64_t profile_calls = 0;
};

struct CompiledGraph {
  const Graph* graph = nullptr;
  std::unordered_map<std::string, int> slot_of;
  int num_slots = 0;
  std::vector<std::pair<int, Tensor>> constants;
  std::vector<int> input_slots;  // graph.inputs order (initializer-backed inputs included)
  std::vector<int> output_slots;
  std::vector<std::string> outer_names;  // names this graph (or its subgraphs) reads from outside
  std::vector<CompiledNode> nodes;
};

struct Frame {
  const CompiledGraph* cg;
  std::vector<Tensor> slots;
  const Frame* parent;
};

const Tensor* lookup_outer(const Frame* f, const std::string& name) {
  for (; f; f = f->parent) {
    auto it = f->cg->slot_of.find(name);
    if (it != f->cg->slot_of.end()) return f->slots[it->second].defined() ? &f->slots[it->second] : nullptr;
  }
  return nullptr;
}

}  // namespace

// Physical cores this process may run on: hyper-threads of one core share its FMA units, so
// one thread per core is the default. Falls back to the logical CPU count.
int physical_cores() {
  std::set<std::string> cores;
  const int logical = std::max(1, omp_get_num_procs());
  for (int cpu = 0; cpu < 4096 && static_cast<int>(cores.size()) < logical * 2; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::FILE* f = std::fopen((base + "thread_siblings_list").c_str(), "r");
    if (!f) {
      if (cpu >= logical) break;
      continue;
    }
    char buf[256] = {};
    const size_t got = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    cores.insert(std::string(buf, got));
  }
  if (cores.empty()) return logical;
  return std::clamp(static_cast<int>(cores.size()), 1, logical);
}

struct Session::Impl {
  Model model;
  int threads = 1;
  bool profile = false;
  // Runs may be concurrent: kernels keep per-shape plans under their own locks and per-run
  // scratch per thread, each run takes its own arena, and these guard what runs share.
  std::mutex profile_mu;
  std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>();
  MemoryPlanner planner;            // the main graph's arenas
  bool plan_memory = false;         // SessionOptions::plan_memory, and the main graph has no subgraphs
  std::vector<bool> in_place_nodes;  // main graph node i may write over an input
  std::vector<const CompiledNode*> all_nodes;  // every graph's nodes, for the profile
  std::unordered_map<const Graph*, std::unique_ptr<CompiledGraph>> compiled;
  CompiledGraph* main = nullptr;

  Result<CompiledGraph*> compile(const Graph& g, const GraphTypes* types, const std::set<std::string>& outer_visible);
  Result<std::vector<Tensor>> execute(const CompiledGraph& cg, std::vector<Tensor> inputs, const Frame* parent);
};

Result<CompiledGraph*> Session::Impl::compile(const Graph& g, const GraphTypes* types,
                                               const std::set<std::string>& outer_visible) {
  auto cg = std::make_unique<CompiledGraph>();
  cg->graph = &g;
  auto slot = [&](const std::string& name) {
    auto [it, inserted] = cg->slot_of.emplace(name, cg->num_slots);
    if (inserted) ++cg->num_slots;
    return it->second;
  };
  for (auto& [name, t] : g.initializers) cg->constants.emplace_back(slot(name), t);
  for (const ValueInfo& v : g.inputs) cg->input_slots.push_back(slot(v.name));
  std::set<std::string> outer_set;
  auto outer_index = [&](const std::string& name) {
    auto it = std::find(cg->outer_names.begin(), cg->outer_names.end(), name);
    if (it != cg->outer_names.end()) return static_cast<int>(it - cg->outer_names.begin());
    cg->outer_names.push_back(name);
    return static_cast<int>(cg->outer_names.size() - 1);
  };
  std::vector<int> last_use(0);
  std::vector<std::vector<int>> node_uses;  // slots each node reads, captures included
  for (const Node& node : g.nodes) {
    CompiledNode cn;
    cn.node = &node;
    cn.cacheable = true;
    for (const Attribute& a : node.attributes)
      if (a.g || !a.graphs.empty()) cn.cacheable = false;
    cn.opset = model.opset(node.domain);
    std::vector<int> uses;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        cn.inputs.push_back(-1);
        continue;
      }
      auto it = cg->slot_of.find(in);
      if (it != cg->slot_of.end()) {
        cn.inputs.push_back(it->second);
        uses.push_back(it->second);
      } else if (outer_visible.count(in)) {
        cn.inputs.push_back(-(2 + outer_index(in)));
      } else {
        return error("{}: input '{}' is not produced by any node, input or initializer", node.label(), in);
      }
    }
    // Subgraphs: compile with every name visible here, record what they capture.
    std::set<std::string> visible = outer_visible;
    for (auto& [name, s] : cg->slot_of) visible.insert(name);
    for (const Attribute& a : node.attributes) {
      std::vector<const Graph*> subs;
      if (a.g) subs.push_back(a.g.get());
      for (auto& sg : a.graphs) subs.push_back(sg.get());
      for (const Graph* sg : subs) {
        SZ0_ASSIGN(CompiledGraph * sub, compile(*sg, nullptr, visible));
        for (const std::string& name : sub->outer_names) {
          auto it = cg->slot_of.find(name);
          if (it != cg->slot_of.end()) uses.push_back(it->second);
          else outer_index(name);
        }
      }
    }
    // Kernel selection with what is known statically.
    ops::KernelInit init{node, cn.opset, {}, {}, {}, threads};
    for (const std::string& in : node.inputs) {
      const TypeInfo* t = nullptr;
      if (types && !in.empty()) {
        auto it = types->types.find(in);
        if (it != types->types.end()) t = &it->second;
      }
      init.inputs.push_back(t ? *t : TypeInfo{});
      auto c = g.initializers.find(in);
      init.constants.push_back(in.empty() || c == g.initializers.end() ? nullptr : &c->second);
    }
    const ops::OpSchema* schema = ops::find_kernel(init, node.domain);
    if (!schema) return error("{}: unsupported operator at opset {}", node.label(), cn.opset);
    SZ0_ASSIGN(cn.kernel, ops::make_kernel(*schema, init));
    cn.kernel_name = schema->kernel_name;
    for (const std::string& out : node.outputs) cn.outputs.push_back(out.empty() ? -1 : slot(out));
    node_uses.push_back(std::move(uses));
    cg->nodes.push_back(std::move(cn));
  }
  for (const ValueInfo& v : g.outputs) {
    auto it = cg->slot_of.find(v.name);
    if (it == cg->slot_of.end()) {
      if (!outer_visible.count(v.name)) return error("graph output '{}' is not produced by any node", v.name);
      cg->output_slots.push_back(-(2 + outer_index(v.name)));
    } else {
      cg->output_slots.push_back(it->second);
    }
  }
  // Lifetimes: free a slot after its last reader, unless it is a graph output or a constant.
  last_use.assign(cg->num_slots, -1);
  for (size_t i = 0; i < node_uses.size(); ++i)
    for (int s : node_uses[i]) last_use[s] = static_cast<int>(i);
  std::set<int> keep(cg->output_slots.begin(), cg->output_slots.end());
  for (auto& [s, t] : cg->constants) keep.insert(s);
  for (int s = 0; s < cg->num_slots; ++s)
    if (last_use[s] >= 0 && !keep.count(s)) cg->nodes[last_use[s]].free_after.push_back(s);
  CompiledGraph* raw = cg.get();
  for (const CompiledNode& cn : raw->nodes) all_nodes.push_back(&cn);
  compiled[&g] = std::move(cg);
  return raw;
}

Result<std::vector<Tensor>> Session::Impl::execute(const CompiledGraph& cg, std::vector<Tensor> inputs,
                                                    const Frame* parent) {
  Frame frame{&cg, std::vector<Tensor>(cg.num_slots), parent};
  for (auto& [s, t] : cg.constants) frame.slots[s] = t;
  for (size_t i = 0; i < inputs.size() && i < cg.input_slots.size(); ++i)
    if (inputs[i].defined()) frame.slots[cg.input_slots[i]] = std::move(inputs[i]);
  std::vector<Tensor> outer(cg.outer_names.size());
  for (size_t k = 0; k < cg.outer_names.size(); ++k) {
    const Tensor* t = lookup_outer(parent, cg.outer_names[k]);
    if (t) outer[k] = *t;
  }
  auto resolve = [&](int s) -> const Tensor* {
    if (s == -1) return nullptr;
    const Tensor& t = s >= 0 ? frame.slots[s] : outer[-(s + 2)];
    return t.defined() ? &t : nullptr;
  };
  // One runner per frame, not one per node per run.
  const ops::SubgraphRunner run_subgraph = [this, &frame](const Graph& g, std::vector<Tensor> in) -> Result<std::vector<Tensor>> {
    auto it = compiled.find(&g);
    if (it == compiled.end()) return error("subgraph '{}' was not compiled", g.name);
    return execute(*it->second, std::move(in), &frame);
  };
  BufferPool* pool = this->pool.get();
  std::optional<MemoryPlanner::Run> arena;
  if (plan_memory && &cg == main && !parent) {
    // The plan's key: the runtime inputs' types and shapes (constants never change).
    std::string sig;
    for (int s : cg.input_slots) {
      const Tensor& t = frame.slots[s];
      if (!t.defined()) continue;
      sig += static_cast<char>('A' + static_cast<int>(t.dtype()));
      for (int64_t d : t.shape()) sig.append(reinterpret_cast<const char*>(&d), sizeof d);
    }
    arena.emplace(planner, std::move(sig), *pool, &in_place_nodes);
  }
  const std::vector<const Tensor*>* node_inputs = nullptr;
  const std::function<Tensor(DType, Shape, bool)> allocate = [pool, &arena, &node_inputs](DType d, Shape s, bool zero) {
    if (arena) return arena->allocate(d, std::move(s), zero, *node_inputs);
    return pool->tensor(d, std::move(s), zero);
  };
  for (size_t ni = 0; ni < cg.nodes.size(); ++ni) {
    const CompiledNode& cn = cg.nodes[ni];
    const Node& node = *cn.node;
    if (arena) arena->set_node(static_cast<int>(ni));
    ops::KernelContext ctx(node, cn.opset);
    node_inputs = &ctx.inputs_;
    ctx.threads_ = threads;
    for (size_t i = 0; i < cn.inputs.size(); ++i) {
      const Tensor* t = resolve(cn.inputs[i]);
      if (!t && cn.inputs[i] != -1)
        return error("{}: input '{}' has no value", node.label(), node.inputs[i]);
      ctx.inputs_.push_back(t);
    }
    bool cached = false;
    if (cn.cacheable && cn.infer_cache->try_lock()) {
      cached = cn.infer_cache->matches(ctx.inputs_);
      if (cached) ctx.inferred_ = cn.infer_cache->outputs;
      cn.infer_cache->unlock();
    }
    if (!cached) {
      ops::InferContext ictx(node, cn.opset);
      for (const Tensor* t : ctx.inputs_) {
        ictx.inputs.push_back(t ? TypeInfo::of(*t) : TypeInfo{});
        ictx.values.push_back(t);
      }
      SZ0_TRY(ops::infer_node(ictx));
      bool known = true;
      for (size_t i = 0; i < node.outputs.size(); ++i)
        if (node.has_output(i) && (i >= ictx.outputs.size() || !ictx.outputs[i].fully_known())) known = false;
      if (cn.cacheable && known && cn.infer_cache->try_lock()) {
        cn.infer_cache->store(ctx.inputs_, ictx.outputs);
        cn.infer_cache->unlock();
      }
      ctx.inferred_ = std::move(ictx.outputs);
    }
    ctx.outputs_.resize(node.outputs.size());
    ctx.allocate_ = allocate;
    ctx.subgraph_ = run_subgraph;
    if (profile) {
      const auto t0 = std::chrono::steady_clock::now();
      SZ0_TRY(cn.kernel->run(ctx));
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::lock_guard<std::mutex> lock(profile_mu);
      cn.profile_ms += ms;
      ++cn.profile_calls;
    } else {
      SZ0_TRY(cn.kernel->run(ctx));
    }
    for (size_t i = 0; i < cn.outputs.size(); ++i) {
      if (cn.outputs[i] < 0) continue;
      if (!ctx.outputs_[i].defined()) return error("{}: output '{}' was not produced", node.label(), node.outputs[i]);
      frame.slots[cn.outputs[i]] = std::move(ctx.outputs_[i]);
    }
    for (int s : cn.free_after) frame.slots[s] = Tensor();
  }
  std::vector<Tensor> out;
  for (size_t i = 0; i < cg.output_slots.size(); ++i) {
    const Tensor* t = resolve(cg.output_slots[i]);
    if (!t) return error("graph output '{}' has no value", cg.graph->outputs[i].name);
    out.push_back(*t);
  }
  if (arena) {
    frame.slots.clear();  // the last references: their deaths end the recording
    arena->finish(out);
  }
  return out;
}

Session::Session() : impl_(std::make_unique<Impl>()) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(Model model, const SessionOptions& options) {
  std::unique_ptr<Session> s(new Session());
  Impl& im = *s->impl_;
  im.model = std::move(model);
  // Subgraphs are shared pointers: the session rewrites its own copies, never the caller's.
  im.model.graph = passes::deep_copy(im.model.graph);
  im.profile = options.profile;
  im.threads = options.threads > 0 ? options.threads : physical_cores();
  if (im.model.opset("") == 0 && !im.model.graph.nodes.empty())
    return error("model imports no ai.onnx opset");
  for (const ValueInfo& v : im.model.graph.inputs)
    if (!v.type.opaque_type.empty()) return error("input '{}' has a non-tensor type (sequence, map or optional), not supported", v.name);
  for (const ValueInfo& v : im.model.graph.outputs)
    if (!v.type.opaque_type.empty()) return error("output '{}' has a non-tensor type (sequence, map or optional), not supported", v.name);
  simplify_for_inference(im.model);
  if (options.optimize) {
    if (options.float16_as_float32) upcast_float16(im.model);
    // The standard-op pipeline first (folding, BatchNorm into Conv, fusions), so the blocked
    // rewrite sees weights as initializers and Conv chains without BatchNorm between them. A
    // pass failure leaves the simplified model as it was.
    Model optimized = im.model;
    OptimizeOptions oo;
    oo.level = OptLevel::All;
    oo.fixed_shapes = options.input_shapes;
    oo.in_memory = true;
    if (optimize_model(optimized, oo).ok()) im.model = std::move(optimized);
    fuse_matmul_epilogues(im.model);
    fuse_attention(im.model);
    fuse_qdq(im.model);
  }
  // Kernels built now (oneDNN primitives) size their work split by the thread count in force.
  omp_set_num_threads(im.threads);
  auto types = infer_graph(im.model.graph, im.model, options.input_shapes);
  if (options.optimize && types.ok() && rewrite_blocked_layout(im.model, types.value()) > 0)
    types = infer_graph(im.model.graph, im.model, options.input_shapes);
  SZ0_ASSIGN(im.main, im.compile(im.model.graph, types.ok() ? &types.value() : nullptr, {}));
  im.plan_memory = options.plan_memory;
  for (const Node& n : im.model.graph.nodes) {
    if (passes::has_subgraph(n)) im.plan_memory = false;
    im.in_place_nodes.push_back(n.domain.empty() && MemoryPlanner::in_place_op(n.op_type));
  }
  return s;
}

Result<std::unique_ptr<Session>> Session::load(const std::string& path, const SessionOptions& options) {
  SZ0_ASSIGN(Model m, load_model(path));
  auto s = create(std::move(m), options);
  if (!s.ok()) return s.status().context(path);
  return s;
}

const Model& Session::model() const { return impl_->model; }
const std::vector<ValueInfo>& Session::outputs() const { return impl_->model.graph.outputs; }
int Session::threads() const { return impl_->threads; }

std::vector<NodeProfile> Session::profile() const {
  std::vector<NodeProfile> out;
  std::lock_guard<std::mutex> lock(impl_->profile_mu);
  for (const CompiledNode* cn : impl_->all_nodes)
    out.push_back({cn->node->name, cn->node->op_type, std::string(cn->kernel_name), cn->profile_ms, cn->profile_calls});
  return out;
}

MemoryStats Session::memory_stats() const {
  const MemoryPlanner::Stats st = impl_->planner.stats();
  return {st.arena_bytes, st.planned_bytes, st.buffers, st.in_place, impl_->planner.allocated_arena_bytes()};
}

void Session::reset_profile() {
  std::lock_guard<std::mutex> lock(impl_->profile_mu);
  for (const CompiledNode* cn : impl_->all_nodes) {
    cn->profile_ms = 0;
    cn->profile_calls = 0;
  }
}

std::vector<ValueInfo> Session::inputs() const {
  std::vector<ValueInfo> v;
  for (const ValueInfo* p : impl_->model.graph.runtime_inputs()) v.push_back(*p);
  return v;
}

namespace {
Status check_feed(const ValueInfo& v, const Tensor& t) {
  if (!v.type.opaque_type.empty()) return {};
  if (v.type.dtype != DType::Undefined && t.dtype() != v.type.dtype)
    return error("input '{}': got {}, expected {}", v.name, dtype_name(t.dtype()), v.type.str());
  if (!v.type.shape) return {};
  const auto& dims = *v.type.shape;
  bool ok = dims.size() == t.shape().size();
  for (size_t i = 0; ok && i < dims.size(); ++i) ok = !dims[i].known() || dims[i].value == t.shape()[i];
  if (!ok)
    return error("input '{}': got shape {} (rank {}), expected {}", v.name, shape_str(t.shape()), t.rank(), v.type.str());
  return {};
}
}  // namespace

Result<std::vector<Tensor>> Session::run(const std::map<std::string, Tensor>& feeds) {
  const Graph& g = impl_->model.graph;
  for (auto& [name, t] : feeds)
    if (!g.find_input(name)) {
      std::string names;
      for (const ValueInfo* v : g.runtime_inputs()) names += (names.empty() ? "" : ", ") + v->name;
      return error("unknown input '{}' (the model's inputs: {})", name, names);
    }
  std::vector<Tensor> inputs(g.inputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ValueInfo& v = g.inputs[i];
    auto it = feeds.find(v.name);
    if (it == feeds.end()) {
      if (g.initializers.count(v.name)) continue;  // default from the initializer
      return error("missing input '{}' ({})", v.name, v.type.str());
    }
    SZ0_TRY(check_feed(v, it->second));
    inputs[i] = it->second;
  }
  omp_set_num_threads(impl_->threads);  // per calling thread
  return impl_->execute(*impl_->main, std::move(inputs), nullptr);
}

}  // namespace sz0

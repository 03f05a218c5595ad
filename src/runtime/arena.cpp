#include "runtime/arena.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>

namespace sz0 {

namespace {
size_t padded_bytes(DType dtype, const Shape& shape) {
  const size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  return ((bytes + 63) / 64) * 64 + 64;  // as the pool pads: room for vector tails
}
}  // namespace

struct ArenaPlan {
  std::vector<size_t> bytes;     // per request, in order
  std::vector<int64_t> offsets;  // -1: from the pool
  size_t arena_bytes = 0;
  std::vector<std::shared_ptr<void>> idle;  // arenas no run holds (guarded by the planner's mutex)
  size_t arenas = 0;                        // allocated, idle or not
};

namespace {
std::shared_ptr<void> new_arena(size_t bytes) {
  if (bytes == 0) return {};
  void* mem = std::aligned_alloc(64, bytes);
  if (!mem) return {};
  return std::shared_ptr<void>(mem, [](void* q) { std::free(q); });
}
}  // namespace

// What a recording run saw of each request.
struct MemoryPlanner::Run::Recording {
  struct Buffer {
    size_t bytes = 0;
    int birth = 0, death = -1;  // death -1: still alive when the run ended
    bool zero = false;
    std::vector<int> inputs;  // same-size buffers the node read (in-place candidates)
  };
  std::vector<Buffer> buffers;
  std::map<const void*, int> live;  // buffer address → index
  int node = -1;
  bool finished = false;
};

MemoryPlanner::MemoryPlanner() = default;
MemoryPlanner::~MemoryPlanner() = default;

bool MemoryPlanner::in_place_op(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Erf", "Exp", "Neg", "Abs", "Sqrt",
      "Gelu", "Clip", "Add", "Sub", "Mul", "Div"};
  return kOps.count(op) > 0;
}

MemoryPlanner::Run::Run(MemoryPlanner& planner, std::string signature, BufferPool& pool,
                        const std::vector<bool>* in_place_nodes)
    : planner_(planner), signature_(std::move(signature)), pool_(pool), in_place_nodes_(in_place_nodes) {
  std::lock_guard<std::mutex> lock(planner_.mu_);
  auto it = planner_.plans_.find(signature_);
  if (it == planner_.plans_.end()) {
    rec_ = std::make_shared<Recording>();
    return;
  }
  plan_ = it->second;
  if (!plan_->idle.empty()) {
    arena_ = std::move(plan_->idle.back());
    plan_->idle.pop_back();
    return;
  }
  arena_ = new_arena(plan_->arena_bytes);
  if (arena_ || plan_->arena_bytes == 0) {
    ++plan_->arenas;
  } else {
    plan_.reset();  // out of memory for another arena: this run takes its buffers from the pool
  }
}

void MemoryPlanner::Run::release() {
  if (!plan_) return;
  std::lock_guard<std::mutex> lock(planner_.mu_);
  if (arena_) plan_->idle.push_back(std::move(arena_));
  plan_.reset();
}

void MemoryPlanner::Run::set_node(int i) {
  node_ = i;
  if (rec_) rec_->node = i;
}

MemoryPlanner::Run::~Run() {
  if (rec_) rec_->finished = true;
  release();
}

Tensor MemoryPlanner::Run::allocate(DType dtype, Shape shape, bool zero, const std::vector<const Tensor*>& inputs) {
  const size_t bytes = padded_bytes(dtype, shape);
  if (plan_) {
    const size_t k = next_++;
    if (mismatch_ || k >= plan_->bytes.size() || plan_->bytes[k] != bytes) {
      mismatch_ = true;
      return pool_.tensor(dtype, std::move(shape), zero);
    }
    if (plan_->offsets[k] < 0) return pool_.tensor(dtype, std::move(shape), zero);
    void* p = static_cast<char*>(arena_.get()) + plan_->offsets[k];
    if (zero) std::memset(p, 0, bytes);
    return Tensor(dtype, std::move(shape), std::shared_ptr<void>(arena_, p), p);
  }
  if (!rec_) return pool_.tensor(dtype, std::move(shape), zero);
  Tensor t = pool_.tensor(dtype, std::move(shape), zero);
  const int id = static_cast<int>(rec_->buffers.size());
  Recording::Buffer b;
  b.bytes = bytes;
  b.birth = node_;
  b.zero = zero;
  if (in_place_nodes_ && node_ >= 0 && static_cast<size_t>(node_) < in_place_nodes_->size() && (*in_place_nodes_)[node_])
    for (const Tensor* in : inputs) {
      // The same element count, not just the same padded size: a broadcast input read after
      // the output overwrote it would give wrong values.
      if (!in || in->dtype() != dtype || in->numel() != t.numel()) continue;
      auto it = rec_->live.find(in->raw());
      if (it != rec_->live.end() && rec_->buffers[it->second].bytes == bytes) b.inputs.push_back(it->second);
    }
  rec_->buffers.push_back(std::move(b));
  void* raw = t.raw();
  rec_->live[raw] = id;
  // The pool's buffer, wrapped: the wrapper's deleter notes the death (and then lets the pool's
  // owner go, which returns the buffer to the pool).
  std::shared_ptr<Recording> rec = rec_;
  std::shared_ptr<void> owner(raw, [rec, keep = t, id](void* q) mutable {
    if (!rec->finished) {
      rec->buffers[static_cast<size_t>(id)].death = rec->node;
      rec->live.erase(q);
    }
    keep = Tensor();
  });
  return Tensor(t.dtype(), t.shape(), std::move(owner), raw);
}

void MemoryPlanner::Run::finish(std::vector<Tensor>& outputs) {
  if (plan_) {
    // Defensive: an output must never point into the arena (the next run would overwrite it).
    const char* lo = static_cast<const char*>(arena_.get());
    for (Tensor& t : outputs) {
      const char* p = static_cast<const char*>(t.raw());
      if (t.defined() && lo && p >= lo && p < lo + plan_->arena_bytes) t = t.clone();
    }
    if (mismatch_ || next_ != plan_->bytes.size()) {
      std::lock_guard<std::mutex> lock(planner_.mu_);
      auto it = planner_.plans_.find(signature_);
      if (it != planner_.plans_.end() && it->second == plan_) {
        planner_.plans_.erase(it);
        planner_.stats_ = {};
      }
      arena_.reset();
      plan_.reset();
      return;
    }
    release();
    return;
  }
  if (!rec_) return;
  rec_->finished = true;
  auto& bufs = rec_->buffers;
  const int n = static_cast<int>(bufs.size());
  // In place: a buffer takes the offset of an input that dies at the node writing it (and that
  // no other buffer has taken already). Groups of buffers sharing one offset.
  std::vector<int> group(static_cast<size_t>(n));
  std::vector<bool> hosted(static_cast<size_t>(n), false);
  int in_place = 0;
  for (int i = 0; i < n; ++i) {
    group[static_cast<size_t>(i)] = i;
    if (bufs[static_cast<size_t>(i)].death < 0 || bufs[static_cast<size_t>(i)].zero) continue;
    for (int h : bufs[static_cast<size_t>(i)].inputs) {
      const auto& hb = bufs[static_cast<size_t>(h)];
      if (hb.death != bufs[static_cast<size_t>(i)].birth || hosted[static_cast<size_t>(h)]) continue;
      hosted[static_cast<size_t>(h)] = true;
      group[static_cast<size_t>(i)] = group[static_cast<size_t>(h)];
      ++in_place;
      break;
    }
  }
  struct Span {
    size_t bytes = 0;
    int first = 0, last = 0;
    int64_t offset = -1;
  };
  std::map<int, Span> spans;  // group → extent
  for (int i = 0; i < n; ++i) {
    const auto& b = bufs[static_cast<size_t>(i)];
    if (b.death < 0) continue;  // outlives the run: pool
    auto [it, fresh] = spans.try_emplace(group[static_cast<size_t>(i)], Span{b.bytes, b.birth, b.death, -1});
    if (!fresh) {
      it->second.bytes = std::max(it->second.bytes, b.bytes);
      it->second.first = std::min(it->second.first, b.birth);
      it->second.last = std::max(it->second.last, b.death);
    }
  }
  std::vector<Span*> order;
  for (auto& [g, s] : spans) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const Span* a, const Span* b) { return a->bytes > b->bytes; });
  std::vector<Span*> placed;
  size_t arena_bytes = 0, planned = 0;
  for (Span* s : order) {
    // Lowest offset clear of every placed span whose lifetime overlaps this one's.
    std::vector<std::pair<size_t, size_t>> busy;
    for (const Span* p : placed)
      if (p->first <= s->last && s->first <= p->last) busy.push_back({static_cast<size_t>(p->offset), static_cast<size_t>(p->offset) + p->bytes});
    std::sort(busy.begin(), busy.end());
    size_t off = 0;
    for (auto& [lo, hi] : busy) {
      if (off + s->bytes <= lo) break;
      off = std::max(off, hi);
    }
    s->offset = static_cast<int64_t>(off);
    arena_bytes = std::max(arena_bytes, off + s->bytes);
    planned += s->bytes;
    placed.push_back(s);
  }
  auto plan = std::make_shared<ArenaPlan>();
  for (int i = 0; i < n; ++i) {
    const auto& b = bufs[static_cast<size_t>(i)];
    plan->bytes.push_back(b.bytes);
    plan->offsets.push_back(b.death < 0 ? -1 : spans.at(group[static_cast<size_t>(i)]).offset);
  }
  plan->arena_bytes = arena_bytes;
  if (arena_bytes > 0) {
    std::shared_ptr<void> first = new_arena(arena_bytes);
    if (!first) return;  // no plan: later runs keep using the pool
    plan->idle.push_back(std::move(first));
    plan->arenas = 1;
  }
  {
    // Runs that recorded the same signature concurrently: the last one's plan stays.
    std::lock_guard<std::mutex> lock(planner_.mu_);
    planner_.stats_ = {arena_bytes, planned, static_cast<int>(spans.size()), in_place};
    planner_.plans_[signature_] = std::move(plan);
  }
  pool_.trim();  // the recording's buffers: the arena replaces them
}

MemoryPlanner::Stats MemoryPlanner::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

size_t MemoryPlanner::allocated_arena_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t total = 0;
  for (auto& [sig, plan] : plans_) total += plan->arenas * plan->arena_bytes;
  return total;
}

}  // namespace sz0

// oneDNN executions that may run on several threads at once over shared primitives.
//
// Concurrent runs of one session share each kernel's primitives and per-shape plans. oneDNN's
// library-managed scratchpad is one buffer common to all primitives unless the library was built
// for concurrent execution, and a plan's buffers are one per plan: both would be written by two
// runs at once. So every primitive here is created with a caller-managed scratchpad, and every
// temporary buffer (the scratchpad, a staged or padded copy of the input) is the calling thread's.
#pragma once

#include <dnnl.hpp>

#include <unordered_map>

namespace sz0::ops {

// Temporary buffers per calling thread: slot k is one buffer, grown to the largest size asked.
// A kernel may use several slots at once; the contents do not survive to the next kernel.
enum class ScratchSlot : int { Scratchpad = 0, Source = 1, Destination = 2, Count = 3 };
dnnl::memory thread_scratch(const dnnl::memory::desc& md, const dnnl::engine& eng, ScratchSlot slot);

// `attr` with the scratchpad managed by the caller (see above).
void use_caller_scratchpad(dnnl::primitive_attr& attr);

// Adds the calling thread's scratchpad for a primitive whose scratchpad is `md` (nothing when
// the primitive needs none).
void add_thread_scratchpad(std::unordered_map<int, dnnl::memory>& args, const dnnl::memory::desc& md,
                           const dnnl::engine& eng);

// A reorder with a caller-managed scratchpad: run it from any thread.
class ThreadSafeReorder {
 public:
  ThreadSafeReorder() = default;
  ThreadSafeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to, const dnnl::engine& eng);
  explicit operator bool() const { return static_cast<bool>(prim_.get(true)); }
  void execute(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const;

 private:
  dnnl::reorder prim_;
  dnnl::memory::desc scratchpad_;
};

}  // namespace sz0::ops

#include "ops/dnnl_scratch.h"

#include <cstdlib>
#include <memory>
#include <new>

namespace sz0::ops {

namespace {
struct ThreadBuffer {
  std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
  size_t bytes = 0;

  void* reserve(size_t want) {
    if (want > bytes) {
      const size_t rounded = ((want + 4095) / 4096) * 4096;
      void* p = std::aligned_alloc(64, rounded);
      if (!p) throw std::bad_alloc();
      data.reset(p);
      bytes = rounded;
    }
    return data.get();
  }
};
}  // namespace

dnnl::memory thread_scratch(const dnnl::memory::desc& md, const dnnl::engine& eng, ScratchSlot slot) {
  thread_local ThreadBuffer buffers[static_cast<int>(ScratchSlot::Count)];
  void* p = buffers[static_cast<int>(slot)].reserve(md.get_size());
  return dnnl::memory(md, eng, p);
}

void use_caller_scratchpad(dnnl::primitive_attr& attr) { attr.set_scratchpad_mode(dnnl::scratchpad_mode::user); }

void add_thread_scratchpad(std::unordered_map<int, dnnl::memory>& args, const dnnl::memory::desc& md,
                           const dnnl::engine& eng) {
  if (md.get_size() == 0) return;
  args.emplace(DNNL_ARG_SCRATCHPAD, thread_scratch(md, eng, ScratchSlot::Scratchpad));
}

ThreadSafeReorder::ThreadSafeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to,
                                     const dnnl::engine& eng) {
  dnnl::primitive_attr attr;
  use_caller_scratchpad(attr);
  dnnl::reorder::primitive_desc pd(eng, from, eng, to, attr);
  scratchpad_ = pd.scratchpad_desc();
  prim_ = dnnl::reorder(pd);
}

void ThreadSafeReorder::execute(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const {
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  add_thread_scratchpad(args, scratchpad_, stream.get_engine());
  prim_.execute(stream, args);
}

}  // namespace sz0::ops

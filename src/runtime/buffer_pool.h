// Recycles activation buffers between runs: a buffer whose last tensor goes away returns to the
// pool, and the next request of the same size takes it back, so a fixed-shape model allocates its
// activations in the first run only. Tensors keep the pool alive through a weak reference: one
// that outlives its session frees its buffer normally.
#pragma once

#include <sz0/tensor.h>

#include <map>
#include <memory>
#include <mutex>

namespace sz0 {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  ~BufferPool();
  // A tensor on a recycled (or new) 64-byte aligned buffer; zero-filled when `zero`.
  Tensor tensor(DType dtype, Shape shape, bool zero);
  // Frees the buffers not in use (after a memory plan took over their role).
  void trim();
  // Bytes allocated in all (in use and free), for reporting.
  size_t allocated_bytes() const;

 private:
  void put(void* p, size_t bytes);

  mutable std::mutex mu_;
  std::multimap<size_t, void*> free_;
  size_t free_bytes_ = 0;
  size_t allocated_ = 0;
};

}  // namespace sz0

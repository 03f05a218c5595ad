#include "runtime/buffer_pool.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace sz0 {

namespace {
// Free buffers beyond this are released instead of kept (dynamic shapes would otherwise grow the
// pool with every new size).
constexpr size_t kMaxFreeBytes = size_t{512} << 20;
}  // namespace

BufferPool::~BufferPool() {
  for (auto& [bytes, p] : free_) std::free(p);
}

Tensor BufferPool::tensor(DType dtype, Shape shape, bool zero) {
  const size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  const size_t padded = ((bytes + 63) / 64) * 64 + 64;  // never zero, room for vector tails
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = free_.find(padded); it != free_.end()) {
      p = it->second;
      free_.erase(it);
      free_bytes_ -= padded;
    }
  }
  if (!p) {
    p = std::aligned_alloc(64, padded);
    if (!p) throw std::bad_alloc();
    std::lock_guard<std::mutex> lock(mu_);
    allocated_ += padded;
  }
  if (zero) std::memset(p, 0, padded);
  std::weak_ptr<BufferPool> weak = weak_from_this();
  std::shared_ptr<void> owner(p, [weak, padded](void* q) {
    if (auto pool = weak.lock()) pool->put(q, padded);
    else std::free(q);
  });
  return Tensor(dtype, std::move(shape), std::move(owner), p);
}

void BufferPool::put(void* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_bytes_ + bytes > kMaxFreeBytes) {
    std::free(p);
    allocated_ -= bytes;
    return;
  }
  free_.emplace(bytes, p);
  free_bytes_ += bytes;
}

void BufferPool::trim() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [bytes, p] : free_) {
    std::free(p);
    allocated_ -= bytes;
  }
  free_.clear();
  free_bytes_ = 0;
}

size_t BufferPool::allocated_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return allocated_;
}

}  // namespace sz0

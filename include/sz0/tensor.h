// A dense, row-major tensor that owns (or shares) its buffer.
#pragma once

#include <sz0/dtype.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sz0 {

using Shape = std::vector<int64_t>;

int64_t shape_numel(std::span<const int64_t> shape);
std::string shape_str(std::span<const int64_t> shape);  // "1x3x224x224", "scalar"
Shape shape_strides(std::span<const int64_t> shape);      // row-major element strides

class Tensor {
 public:
  Tensor() = default;
  // Allocates a zero-filled tensor (64-byte aligned).
  Tensor(DType dtype, Shape shape);
  // Wraps memory owned by `owner` (no copy). `data` must live as long as `owner`.
  Tensor(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data);

  template <class T>
  static Tensor scalar(T v) {
    Tensor t(dtype_v<T>, {});
    *t.data<T>() = v;
    return t;
  }
  template <class T>
  static Tensor from_vector(const std::vector<T>& v, Shape shape);
  template <class T>
  static Tensor from_vector(const std::vector<T>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }

  bool defined() const { return dtype_ != DType::Undefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + rank() : i]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <class T> T* data() { return static_cast<T*>(data_); }
  template <class T> const T* data() const { return static_cast<const T*>(data_); }
  template <class T> std::span<T> span() { return {data<T>(), static_cast<size_t>(numel_)}; }
  template <class T> std::span<const T> span() const { return {data<T>(), static_cast<size_t>(numel_)}; }

  // Deep copy.
  Tensor clone() const;
  // Same buffer, new shape (numel must match).
  Tensor reshaped(Shape shape) const;
  // Values as int64 / double whatever the dtype (for shape-like inputs and tests).
  std::vector<int64_t> to_int64() const;
  std::vector<double> to_double() const;
  // Element i converted to double / int64.
  double get_double(int64_t i) const;
  int64_t get_int64(int64_t i) const;
  // A new tensor of type `to` (saturating like static_cast for ints, round-to-nearest for halves).
  Tensor cast(DType to) const;

 private:
  DType dtype_ = DType::Undefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& v, Shape shape) {
  Tensor t(dtype_v<T>, std::move(shape));
  for (size_t i = 0; i < v.size() && static_cast<int64_t>(i) < t.numel(); ++i) t.data<T>()[i] = v[i];
  return t;
}

}  // namespace sz0

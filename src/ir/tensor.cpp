#include <sz0/tensor.h>

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace sz0 {

int64_t shape_numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(std::span<const int64_t> shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

Shape shape_strides(std::span<const int64_t> shape) {
  Shape st(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

namespace {
std::shared_ptr<void> allocate(size_t bytes) {
  const size_t padded = ((bytes + 63) / 64) * 64 + 64;  // never zero, room for vector tails
  void* p = std::aligned_alloc(64, padded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, padded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}
}  // namespace

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  owner_ = allocate(nbytes());
  data_ = owner_.get();
}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data)
    : dtype_(dtype), shape_(std::move(shape)), owner_(std::move(owner)), data_(data) {
  numel_ = shape_numel(shape_);
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  return t;
}

double Tensor::get_double(int64_t i) const {
  double r = 0;
  visit_dtype(dtype_, [&]<class T>() {
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      r = static_cast<float>(data<T>()[i]);
    else
      r = static_cast<double>(data<T>()[i]);
  });
  return r;
}

int64_t Tensor::get_int64(int64_t i) const {
  int64_t r = 0;
  visit_dtype(dtype_, [&]<class T>() {
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      r = static_cast<int64_t>(static_cast<float>(data<T>()[i]));
    else
      r = static_cast<int64_t>(data<T>()[i]);
  });
  return r;
}

std::vector<int64_t> Tensor::to_int64() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[i] = get_int64(i);
  return v;
}

std::vector<double> Tensor::to_double() const {
  std::vector<double> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[i] = get_double(i);
  return v;
}

namespace {
// double → float rounding to odd, so that a second rounding (float → half) gives the correctly
// rounded result instead of a double-rounding error on near-ties.
float to_float_round_to_odd(double d) {
  float f = static_cast<float>(d);
  if (!std::isfinite(f) || static_cast<double>(f) == d) return f;
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);  // truncate
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u |= 1u;
  std::memcpy(&f, &u, 4);
  return f;
}

// One element from S to D with ONNX Cast semantics (float→int truncates; →bool is != 0).
template <class D, class S>
D convert(S s) {
  if constexpr (std::is_same_v<D, bool>) {
    if constexpr (std::is_same_v<S, Float16> || std::is_same_v<S, BFloat16>)
      return static_cast<float>(s) != 0.0f;
    else
      return s != S(0);
  } else if constexpr (std::is_same_v<D, Float16> || std::is_same_v<D, BFloat16>) {
    if constexpr (std::is_same_v<S, double>)
      return D(to_float_round_to_odd(s));
    else
      return D(static_cast<float>(s));
  } else if constexpr (std::is_same_v<S, Float16> || std::is_same_v<S, BFloat16>) {
    return convert<D, float>(static_cast<float>(s));
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    if (std::isnan(s)) return D(0);
    // Out-of-range float→int is undefined in C++; saturate instead.
    if (s <= static_cast<S>(std::numeric_limits<D>::lowest())) return std::numeric_limits<D>::lowest();
    if (s >= static_cast<S>(std::numeric_limits<D>::max())) return std::numeric_limits<D>::max();
    return static_cast<D>(s);
  } else {
    return static_cast<D>(s);
  }
}
}  // namespace

Tensor Tensor::cast(DType to) const {
  Tensor out(to, shape_);
  if (to == dtype_) {
    if (nbytes()) std::memcpy(out.data_, data_, nbytes());
    return out;
  }
  visit_dtype(dtype_, [&]<class S>() {
    visit_dtype(to, [&]<class D>() {
      const S* src = data<S>();
      D* dst = out.data<D>();
      for (int64_t i = 0; i < numel_; ++i) dst[i] = convert<D, S>(src[i]);
    });
  });
  return out;
}

}  // namespace sz0

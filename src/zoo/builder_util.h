// Small helpers shared by the ModelBuilder files: attributes and dimension arithmetic.
#pragma once

#include <sz0/graph.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace sz0::builder_util {

inline Attribute attr_int(std::string name, int64_t v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Int;
  a.i = v;
  return a;
}

inline Attribute attr_float(std::string name, float v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Float;
  a.f = v;
  return a;
}

inline Attribute attr_string(std::string name, std::string v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::String;
  a.s = std::move(v);
  return a;
}

inline Attribute attr_ints(std::string name, std::vector<int64_t> v) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Ints;
  a.ints = std::move(v);
  return a;
}

inline Attribute attr_tensor(std::string name, Tensor t) {
  Attribute a;
  a.name = std::move(name);
  a.kind = Attribute::Kind::Tensor;
  a.t = std::move(t);
  return a;
}

inline std::string dims_str(const std::vector<Dim>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += dims[i].known() ? std::to_string(dims[i].value) : (dims[i].symbol.empty() ? "?" : dims[i].symbol);
  }
  return s + "]";
}

// Numpy broadcasting of two shapes; nullopt when they do not broadcast.
inline std::optional<std::vector<Dim>> broadcast(const std::vector<Dim>& a, const std::vector<Dim>& b) {
  const size_t n = std::max(a.size(), b.size());
  std::vector<Dim> out(n);
  for (size_t i = 0; i < n; ++i) {
    const Dim x = i < n - a.size() ? Dim(1) : a[i - (n - a.size())];
    const Dim y = i < n - b.size() ? Dim(1) : b[i - (n - b.size())];
    if (x.known() && x.value == 1) out[i] = y;
    else if (y.known() && y.value == 1) out[i] = x;
    else if (x == y) out[i] = x;
    else return std::nullopt;
  }
  return out;
}

// Spatial output size of a convolution or pooling window; unknown stays unknown.
inline Dim window_out(const Dim& in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                      int64_t pad_end) {
  if (!in.known()) return Dim();
  return Dim((in.value + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride + 1);
}

}  // namespace sz0::builder_util

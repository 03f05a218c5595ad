// Naive references for the math op tests: every element computed through multi-indices and
// doubles, as plainly as possible.
#pragma once

#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace sz0::test {

inline Shape ref_broadcast(const std::vector<Shape>& shapes) {
  size_t r = 0;
  for (const Shape& s : shapes) r = std::max(r, s.size());
  Shape out(r, 1);
  for (const Shape& s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[r - s.size() + i];
      if (s[i] != 1) o = s[i];
    }
  return out;
}

// Flat index into `in` of the element that output element `flat` reads under broadcasting.
inline int64_t ref_source(const Shape& in, const Shape& out, int64_t flat) {
  std::vector<int64_t> idx(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    idx[d] = flat % out[d];
    flat /= out[d];
  }
  int64_t off = 0;
  const size_t lead = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) off = off * in[d] + (in[d] == 1 ? 0 : idx[lead + d]);
  return off;
}

// out[i] = f(inputs broadcast...) in double, then cast to `out_dtype`.
inline Tensor ref_map(const std::vector<Tensor>& ins, DType out_dtype,
                      const std::function<double(const std::vector<double>&)>& f) {
  std::vector<Shape> shapes;
  for (const Tensor& t : ins) shapes.push_back(t.shape());
  const Shape out = ref_broadcast(shapes);
  Tensor r(DType::Double, out);
  std::vector<double> args(ins.size());
  for (int64_t i = 0; i < r.numel(); ++i) {
    for (size_t k = 0; k < ins.size(); ++k) args[k] = ins[k].get_double(ref_source(ins[k].shape(), out, i));
    r.data<double>()[i] = f(args);
  }
  return r.cast(out_dtype);
}

inline Tensor ref_binary(const Tensor& a, const Tensor& b, DType out, const std::function<double(double, double)>& f) {
  return ref_map({a, b}, out, [&](const std::vector<double>& v) { return f(v[0], v[1]); });
}

inline Tensor ref_unary(const Tensor& a, const std::function<double(double)>& f, DType out = DType::Undefined) {
  return ref_map({a}, out == DType::Undefined ? a.dtype() : out, [&](const std::vector<double>& v) { return f(v[0]); });
}

// Integer references in int64 (exact), cast to `out`.
inline Tensor ref_binary_int(const Tensor& a, const Tensor& b, DType out, const std::function<int64_t(int64_t, int64_t)>& f) {
  const Shape shape = ref_broadcast({a.shape(), b.shape()});
  Tensor r(DType::Int64, shape);
  for (int64_t i = 0; i < r.numel(); ++i)
    r.data<int64_t>()[i] = f(a.get_int64(ref_source(a.shape(), shape, i)), b.get_int64(ref_source(b.shape(), shape, i)));
  return r.cast(out);
}

inline Tensor bools(const std::vector<int>& v) {
  Tensor t(DType::Bool, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i] != 0;
  return t;
}

// Tolerances by dtype: halves carry ~3 significant digits.
inline double tol_for(DType t) {
  if (t == DType::Float16) return 2e-3;
  if (t == DType::BFloat16) return 1.6e-2;
  if (t == DType::Float) return 2e-6;
  if (t == DType::Double) return 1e-12;
  return 0;
}

}  // namespace sz0::test

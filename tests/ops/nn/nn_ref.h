// Naive references for the nn op tests: direct loops in double, written for clarity.
#pragma once

#include "util/op_test.h"

#include <cmath>
#include <vector>

namespace sz0::test::nnref {

inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = i % s[d];
    i /= s[d];
  }
  return idx;
}

inline int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t o = 0;
  for (size_t d = 0; d < s.size(); ++d) o = o * s[d] + idx[d];
  return o;
}

// Direct convolution; pads = begin values then end values. Returns a Double tensor.
inline Tensor conv(const Tensor& x, const Tensor& w, const Tensor* b, const std::vector<int64_t>& strides,
                   const std::vector<int64_t>& dil, const std::vector<int64_t>& pads, int64_t group) {
  const auto xv = x.to_double(), wv = w.to_double();
  const size_t nd = x.shape().size() - 2;
  const int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0), cg = c / group, mg = m / group;
  Shape ks(w.shape().begin() + 2, w.shape().end());
  Shape out = {n, m};
  for (size_t d = 0; d < nd; ++d)
    out.push_back((x.dim(d + 2) + pads[d] + pads[d + nd] - ((ks[d] - 1) * dil[d] + 1)) / strides[d] + 1);
  Tensor y(DType::Double, out);
  const int64_t kn = shape_numel(ks);
  for (int64_t oi = 0; oi < y.numel(); ++oi) {
    auto o = unravel(oi, out);
    const int64_t g = o[1] / mg;
    double acc = b ? b->get_double(o[1]) : 0.0;
    for (int64_t ci = 0; ci < cg; ++ci)
      for (int64_t ki = 0; ki < kn; ++ki) {
        auto k = unravel(ki, ks);
        std::vector<int64_t> xi = {o[0], g * cg + ci};
        bool ok = true;
        for (size_t d = 0; d < nd; ++d) {
          const int64_t i = o[d + 2] * strides[d] - pads[d] + k[d] * dil[d];
          ok = ok && i >= 0 && i < x.dim(d + 2);
          xi.push_back(i);
        }
        if (!ok) continue;
        std::vector<int64_t> wi = {o[1], ci};
        wi.insert(wi.end(), k.begin(), k.end());
        acc += xv[ravel(xi, x.shape())] * wv[ravel(wi, w.shape())];
      }
    y.data<double>()[oi] = acc;
  }
  return y;
}

// Direct transposed convolution into an output of spatial size `out_sp`, with begin pads `pb`.
inline Tensor conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const std::vector<int64_t>& strides,
                             const std::vector<int64_t>& dil, const std::vector<int64_t>& pb, const Shape& out_sp,
                             int64_t group) {
  const auto xv = x.to_double(), wv = w.to_double();
  const size_t nd = x.shape().size() - 2;
  const int64_t n = x.dim(0), c = x.dim(1), mg = w.dim(1), cg = c / group, m = mg * group;
  Shape ks(w.shape().begin() + 2, w.shape().end());
  Shape out = {n, m};
  out.insert(out.end(), out_sp.begin(), out_sp.end());
  Tensor y(DType::Double, out);
  double* yv = y.data<double>();
  for (int64_t i = 0; i < y.numel(); ++i) yv[i] = b ? b->get_double(unravel(i, out)[1]) : 0.0;
  const int64_t kn = shape_numel(ks);
  for (int64_t xi = 0; xi < x.numel(); ++xi) {
    auto xc = unravel(xi, x.shape());
    const int64_t g = xc[1] / cg;
    for (int64_t mo = 0; mo < mg; ++mo)
      for (int64_t ki = 0; ki < kn; ++ki) {
        auto k = unravel(ki, ks);
        std::vector<int64_t> yi = {xc[0], g * mg + mo};
        bool ok = true;
        for (size_t d = 0; d < nd; ++d) {
          const int64_t o = xc[d + 2] * strides[d] - pb[d] + k[d] * dil[d];
          ok = ok && o >= 0 && o < out_sp[d];
          yi.push_back(o);
        }
        if (!ok) continue;
        std::vector<int64_t> wi = {xc[1], mo};
        wi.insert(wi.end(), k.begin(), k.end());
        yv[ravel(yi, out)] += xv[xi] * wv[ravel(wi, w.shape())];
      }
  }
  return y;
}

}  // namespace sz0::test::nnref

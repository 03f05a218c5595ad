// Helpers for the ModelBuilder tests: one-layer models run through a Session, and naive
// references written for clarity, not speed.
#pragma once

#include <sz0/builder.h>
#include <sz0/session.h>

#include "util/op_test.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace sz0::test {

// A model with one input "x" ([batch, dims...]) and the output of `layer` as "y".
inline Result<Model> one_layer(DType dtype, const std::vector<int64_t>& dims,
                               const std::function<Var(ModelBuilder&, Var)>& layer, BuilderOptions options = {}) {
  if (options.seed == 0) options.seed = 11;
  ModelBuilder b("one_layer", options);
  Var x = b.input("x", dtype, dims);
  b.output(layer(b, x), "y");
  return b.build();
}

// Runs `model` on x; the first output.
inline Result<Tensor> run_model(const Model& model, const Tensor& x) {
  SZ0_ASSIGN(auto session, Session::create(model));
  SZ0_ASSIGN(auto outs, session->run({{"x", x}}));
  return outs.at(0);
}

inline const Tensor& param(const Model& m, const std::string& name) {
  static const Tensor kNone;
  auto it = m.graph.initializers.find(name);
  return it == m.graph.initializers.end() ? kNone : it->second;
}

inline std::vector<float> values(const Tensor& t) { return {t.data<float>(), t.data<float>() + t.numel()}; }

inline Tensor make(const Shape& shape, const std::vector<float>& v) { return Tensor::from_vector(v, shape); }

inline float sigmoid_ref(float v) { return 1.f / (1.f + std::exp(-v)); }

// y[n, o] = sum_i x[n, i] * w(i, o) + b[o]; w given as [in, out] (transposed = false) or [out, in].
inline std::vector<float> dense_ref(const std::vector<float>& x, int64_t rows, int64_t in, const Tensor& w,
                                    const Tensor* b, int64_t out, bool transposed) {
  std::vector<float> y(rows * out);
  const float* W = w.data<float>();
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? b->data<float>()[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += double(x[n * in + i]) * W[transposed ? o * in + i : i * out + o];
      y[n * out + o] = static_cast<float>(s);
    }
  return y;
}

// Convolution over 1 or 2 spatial dims, NC[H]W, with per-side pads (begin, end).
struct ConvRef {
  int64_t batch, in_c, out_c, groups, kernel, stride, dilation;
  std::vector<int64_t> in_size;  // spatial
  std::vector<int64_t> pad_begin, pad_end;
};

inline Tensor conv_ref(const ConvRef& c, const Tensor& x, const Tensor& w, const Tensor* b) {
  const int nd = static_cast<int>(c.in_size.size());
  std::vector<int64_t> out_size(nd);
  for (int i = 0; i < nd; ++i)
    out_size[i] = (c.in_size[i] + c.pad_begin[i] + c.pad_end[i] - c.dilation * (c.kernel - 1) - 1) / c.stride + 1;
  Shape shape{c.batch, c.out_c};
  for (int64_t s : out_size) shape.push_back(s);
  Tensor y(DType::Float, shape);
  const int64_t cg = c.in_c / c.groups, mg = c.out_c / c.groups;
  const int64_t oh = nd == 2 ? out_size[0] : 1, ow = out_size[nd - 1];
  const int64_t ih = nd == 2 ? c.in_size[0] : 1, iw = c.in_size[nd - 1];
  const int64_t kh = nd == 2 ? c.kernel : 1, kw = c.kernel;
  const int64_t pt = nd == 2 ? c.pad_begin[0] : 0, pl = c.pad_begin[nd - 1];
  const float* X = x.data<float>();
  const float* W = w.data<float>();
  float* Y = y.data<float>();
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t m = 0; m < c.out_c; ++m) {
      const int64_t g = m / mg;
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = b ? b->data<float>()[m] : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * (nd == 2 ? c.stride : 1) - pt + ky * c.dilation;
                const int64_t ix = ox * c.stride - pl + kx * c.dilation;
                if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                s += double(X[((n * c.in_c + g * cg + ci) * ih + iy) * iw + ix]) *
                     W[((m * cg + ci) * kh + ky) * kw + kx];
              }
          Y[((n * c.out_c + m) * oh + oy) * ow + ox] = static_cast<float>(s);
        }
    }
  return y;
}

}  // namespace sz0::test

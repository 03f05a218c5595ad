// BlockedConv's GEMM path, for the deep layers of a CNN: few output positions and many channels
// (ResNet's 512-channel 3×3 layers on a 4×4 map). oneDNN's direct kernel blocks over output
// columns, of which such a layer has too few to fill its registers. Here every output position is
// a row of one GEMM over the packed weights:
//   Y[pos, oc] = Σ_(kh, kw, ic) X[pos ⊕ (kh, kw), ic] · W[oc, ic, kh, kw]
// with the input gathered from the blocked layout 8 channels at a time (rows of im2col), the
// weights packed once as [(kh, kw, ic), oc], the bias as the GEMM's epilogue and the result
// scattered into the blocked output with the residual, activation and affine steps.
#pragma once

#include "kernels/sgemm.h"
#include "ops/epilogue.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sz0::ops::nn {

struct ConvGemmShape {
  int64_t n = 0, c = 0, ih = 0, iw = 0;  // input (C a multiple of 8)
  int64_t m = 0, oh = 0, ow = 0;         // output (M a multiple of 8)
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
};

// Whether the GEMM path should run this convolution (2-D, group 1, channel counts multiples of 8,
// few output positions, a deep reduction).
bool conv_gemm_preferred(const ConvGemmShape& s);

// The weights as the GEMM's packed B: rows (kh, kw, ic), columns oc.
void pack_conv_gemm_weights(const float* w, const ConvGemmShape& s, kernels::PackedB& out);

class ConvGemm {
 public:
  ConvGemm(const ConvGemmShape& s, const kernels::PackedB* weights, const float* bias, std::optional<UnaryStep> act,
           std::optional<UnaryStep> affine)
      : s_(s), w_(weights), bias_(bias), act_(act), affine_(affine) {}
  // x blocked [N, C/8, IH, IW, 8]; y and residual (may be null) blocked [N, M/8, OH, OW, 8].
  void run(const float* x, const float* residual, float* y, int threads);

 private:
  ConvGemmShape s_;
  const kernels::PackedB* w_;
  const float* bias_;
  std::optional<UnaryStep> act_, affine_;
};

}  // namespace sz0::ops::nn

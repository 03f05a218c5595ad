// Few-row int8 products for the fused kernels (QMatMul, and QConv when the convolution is a
// 1×1 product over one position, as in squeeze-excitation blocks): the dot-product kernel of
// kernels/qgemv.h, then y = act((acc + bias[j]) · unit[j]) in real units and the 8-bit output's
// quantization, the same values oneDNN's post-op chain computes. Used only when the weights fit
// 7 bits (the kernel's saturation limit).
#pragma once

#include "kernels/qgemv.h"
#include "ops/epilogue.h"

#include <optional>
#include <vector>

namespace sz0::ops::quant {

struct FewRows {
  kernels::PackedS8 w;          // empty when the weights do not fit 7 bits
  std::vector<float> colsum;    // Σ_k W[j, k]: a zero point's share, folded into the bias
  std::optional<UnaryStep> act;

  bool usable() const { return w.fits_7bit && w.n > 0; }
  // Packs W ([k, n], or [n, k] when trans) and reads the node's activation.
  Status init(const Node& node, bool trans, int64_t k, int64_t n, const int8_t* w);
  // bias_acc (may be empty): the bias in accumulator units; returns it with zero point zp folded.
  std::vector<float> folded_bias(const std::vector<float>& bias_acc, int32_t zp) const;
  // Y = output(act((A·Wᵀ + bias) · unit)) for `rows` rows of A (uint8, row stride lda).
  // `out` Float writes float; UInt8 / Int8 quantize with y_scale, y_zp.
  void run(int64_t rows, const uint8_t* a, int64_t lda, const float* bias, const float* unit, DType out,
           float y_scale, int32_t y_zp, void* y, int threads) const;
};

}  // namespace sz0::ops::quant

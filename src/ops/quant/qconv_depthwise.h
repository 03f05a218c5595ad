// QConv's depthwise path: 2-D convolutions with one filter per channel (group = C = M) run on
// kernels/qdepthwise.h, since oneDNN 2.6 has no int8 depthwise kernel for AVX2 without VNNI (its
// generic int8 convolution ran them slower than the float graph's depthwise kernel). The kernel
// is exact for any int8 weights. SZ0_QDW=0 in the environment leaves these layers to oneDNN.
#pragma once

#include "kernels/qdepthwise.h"
#include "ops/conv_geometry.h"
#include "ops/op.h"

#include <vector>

namespace sz0::ops::quant {

// What QConv parsed from its node (see QConvParams in qconv_dnnl.cpp).
struct DepthwiseQuant {
  int32_t x_zp = 0, y_zp = 0;
  float y_scale = 0;  // 0: float output
  DType out_type = DType::Float;
  const std::vector<float>* out_scales = nullptr;  // per output channel, or one
  const std::vector<float>* bias_acc = nullptr;    // in accumulator units; empty when there is none
};

class DepthwiseQConv {
 public:
  // True for a static 2-D depthwise QConv with weights W [C, 1, kh, kw], no dilation and an
  // activation the kernel's epilogue has, unless SZ0_QDW=0.
  static bool takes(const Node& node, const Tensor& w, bool dynamic);
  // Packs W and the epilogue; call only where takes() holds.
  Status init(const Node& node, const Tensor& w, const DepthwiseQuant& q);
  // X [N, C, H, W] (or [N, H, W, C] with src_channels_last) into the node's output.
  Status run(KernelContext& ctx, const Tensor& x, Tensor* out) const;
  bool ready() const { return packed_.c > 0; }

 private:
  const Node* node_ = nullptr;
  kernels::QdwPacked packed_;
  kernels::QdwEpilogue epi_;
  WindowGeom geom_;
  int32_t x_zp_ = 0;
  DType out_type_ = DType::Float;
  bool src_last_ = false, dst_last_ = false;
};

}  // namespace sz0::ops::quant

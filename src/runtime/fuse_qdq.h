// Runtime-only fusion of quantized patterns into the int8 kernels of ops/quant/*_dnnl.cpp:
//   DequantizeLinear → Conv → [Relu | LeakyRelu | Clip] → [QuantizeLinear]          → QConv
//   DequantizeLinear → MatMul / Gemm → [bias Add] → [activation] → [QuantizeLinear] → QMatMul
//   DynamicQuantizeLinear → MatMulInteger → Cast → Mul by (x_scale · w_scale) → [bias Add]
//     → [activation]                                                                 → DynQMatMul
//   QLinearConv → QConv, QLinearMatMul → QMatMul (the QOperator format)
// with int8 weight initializers. An 8-bit value passed from one QConv to QConvs only is then kept
// channels last (no reorder between them). A quantized model run as written dequantizes every tensor and
// computes in float; these patterns are what quantizers write for "this op in 8 bits". Never
// written to files.
#pragma once

#include <sz0/graph.h>

namespace sz0 {

// Returns how many patterns were fused. Adds the internal opset import when it rewrites.
int fuse_qdq(Model& model);

}  // namespace sz0

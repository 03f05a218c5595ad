// Internal: the half-precision rewrites behind ModelQuantizer.
#pragma once

#include <sz0/quantize.h>
#include <sz0/session.h>

#include <map>
#include <string>

namespace sz0::quant {

// FP16 compute: decides per node (convert or fence, with a reason), converts initializers and
// Constants read only in float16, and inserts Casts where precisions meet. `ranges` holds the
// largest |value| per float tensor of the float model; `types` the inferred types.
Status convert_fp16(Model& model, const QuantizeOptions& options, const std::map<std::string, double>& ranges,
                    const GraphTypes& types, QuantizeReport& report);

// BF16 storage: float32 initializers become bfloat16 followed by a Cast back to float32.
Status convert_bf16_weights(Model& model, const QuantizeOptions& options, QuantizeReport& report);

// Bytes and elements of the float initializers and Constant tensors.
void count_parameters(const Model& model, int64_t& elements, int64_t& bytes);

}  // namespace sz0::quant

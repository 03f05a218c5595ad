// Per-output-channel arithmetic on constant weights, shared by the folding passes.
#include "passes/pass.h"

namespace sz0::passes {

int64_t output_channels(const Node& op, const Tensor& w) {
  if (op.op_type == "Conv") return w.rank() >= 3 ? w.dim(0) : -1;
  if (op.op_type == "ConvTranspose") return w.rank() >= 3 ? w.dim(1) * op.attr_int("group", 1) : -1;
  if (op.op_type == "Gemm") return w.rank() == 2 ? (op.attr_int("transB", 0) ? w.dim(0) : w.dim(1)) : -1;
  if (op.op_type == "MatMul") return w.rank() == 2 ? w.dim(1) : -1;
  return -1;
}

std::optional<Tensor> scale_output_channels(const Node& op, const Tensor& w, const std::vector<double>& s) {
  const int64_t channels = static_cast<int64_t>(s.size());
  if (!dtype_is_float(w.dtype()) || output_channels(op, w) != channels || channels <= 0) return std::nullopt;
  std::vector<double> wd = as_doubles(w);
  if (op.op_type == "Conv") {  // W [M, C/g, k...]: filter m feeds channel m
    const int64_t per = w.numel() / channels;
    for (int64_t m = 0; m < channels; ++m)
      for (int64_t k = 0; k < per; ++k) wd[static_cast<size_t>(m * per + k)] *= s[static_cast<size_t>(m)];
  } else if (op.op_type == "ConvTranspose") {  // W [C, M/g, k...]: W[c, j] feeds channel group(c) * M/g + j
    const int64_t groups = op.attr_int("group", 1);
    if (groups <= 0 || w.dim(0) % groups) return std::nullopt;
    const int64_t cin = w.dim(0), mg = w.dim(1), per = w.numel() / (cin * mg), cg = cin / groups;
    for (int64_t c = 0; c < cin; ++c)
      for (int64_t j = 0; j < mg; ++j)
        for (int64_t k = 0; k < per; ++k) wd[static_cast<size_t>((c * mg + j) * per + k)] *= s[static_cast<size_t>(c / cg * mg + j)];
  } else {  // Gemm / MatMul: the columns of the product (rows of B when transposed)
    const bool trans_b = op.op_type == "Gemm" && op.attr_int("transB", 0);
    const int64_t rows = w.dim(0), cols = w.dim(1);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) wd[static_cast<size_t>(r * cols + c)] *= s[static_cast<size_t>(trans_b ? r : c)];
  }
  return from_doubles(wd, w.shape(), w.dtype());
}

}  // namespace sz0::passes

// Sliding-window geometry shared by Conv, ConvTranspose, the pools, ConvInteger and QLinearConv:
// kernel_shape, strides, dilations, pads and auto_pad, and the output sizes they give, concrete
// (kernels) and symbolic (shape inference).
#pragma once

#include "ops/op.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sz0::ops {

// Floor division for a possibly negative numerator and a positive divisor.
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// pads holds begin values for every spatial axis, then end values (ONNX order).
struct WindowGeom {
  int nd = 0;
  std::vector<int64_t> kernel;  // -1 where shape inference does not know it yet
  std::vector<int64_t> strides, dilations, pads;
  std::string auto_pad = "NOTSET";
  bool ceil_mode = false;

  int64_t extent(int d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Reads and checks strides, dilations, pads and auto_pad (and ceil_mode when `with_ceil`) for `nd`
// spatial axes; leaves kernel empty.
Result<WindowGeom> parse_window_attrs(const Node& node, size_t nd, bool with_ceil);
// The same for `kernel`, whose values must be positive.
Result<WindowGeom> parse_window(const Node& node, std::vector<int64_t> kernel, bool with_ceil);

// Output size along spatial axis d for input size `in`; sets that axis's pads for auto_pad modes.
Result<int64_t> window_out_size(const Node& node, WindowGeom& g, int d, int64_t in);
// The same for every spatial axis.
Result<Shape> window_out_shape(const Node& node, WindowGeom& g, std::span<const int64_t> in_spatial);
// Shape-inference form: a dim is unknown where the input dim or the kernel is unknown.
Result<std::vector<Dim>> window_out_dims(const Node& node, WindowGeom g, std::span<const Dim> in_spatial);

// Kernel shape of a convolution with `nd` spatial axes and weight type `w` (spatial dims from
// dim 2): kernel_shape when set, checked against W's known spatial dims, else those dims, -1 where
// unknown.
Result<std::vector<int64_t>> conv_kernel_shape(const Node& node, const TypeInfo& w, size_t nd);

// Output dims of a convolution (Conv, ConvInteger, QLinearConv) of X [N, C, spatial...] by
// W [M, C / group, kernel...]: checks ranks, group, channels and the window attributes as far as
// they are known. nullopt when neither rank is known.
Result<std::optional<std::vector<Dim>>> conv_dims(const Node& node, const TypeInfo& x, const TypeInfo& w);

// Geometry of ConvTranspose: the window attributes plus output_padding and output_shape. With
// output_shape or auto_pad SAME the pads are derived from the requested output size.
struct TransposeGeom : WindowGeom {
  std::vector<int64_t> output_padding, output_shape;
};
Result<TransposeGeom> parse_transpose(const Node& node, std::vector<int64_t> kernel);
// ConvTranspose's output size on axis d; sets pads[d] (begin) and pads[d + nd] (end) to match it.
Result<int64_t> transpose_out_size(const Node& node, TransposeGeom& g, int d, int64_t in);

}  // namespace sz0::ops

// Sliding-window geometry of the convolutions and pools.
#include "ops/conv_geometry.h"

#include <algorithm>

namespace sz0::ops {

Result<WindowGeom> parse_window_attrs(const Node& node, size_t nd, bool with_ceil) {
  WindowGeom g;
  g.nd = static_cast<int>(nd);
  g.strides = node.attr_ints("strides", std::vector<int64_t>(nd, 1));
  g.dilations = node.attr_ints("dilations", std::vector<int64_t>(nd, 1));
  g.pads = node.attr_ints("pads", std::vector<int64_t>(2 * nd, 0));
  g.auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (g.auto_pad.empty()) g.auto_pad = "NOTSET";
  g.ceil_mode = with_ceil && node.attr_int("ceil_mode", 0) != 0;
  if (g.strides.size() != nd) return error("{}: strides has {} values, expected {}", node.label(), g.strides.size(), nd);
  if (g.dilations.size() != nd)
    return error("{}: dilations has {} values, expected {}", node.label(), g.dilations.size(), nd);
  if (g.pads.size() != 2 * nd) return error("{}: pads has {} values, expected {}", node.label(), g.pads.size(), 2 * nd);
  for (size_t i = 0; i < nd; ++i) {
    if (g.strides[i] <= 0) return error("{}: strides must be positive", node.label());
    if (g.dilations[i] <= 0) return error("{}: dilations must be positive", node.label());
  }
  for (int64_t p : g.pads)
    if (p < 0) return error("{}: pads must be non-negative", node.label());
  if (g.auto_pad != "NOTSET" && g.auto_pad != "VALID" && g.auto_pad != "SAME_UPPER" && g.auto_pad != "SAME_LOWER")
    return error("{}: unknown auto_pad '{}'", node.label(), g.auto_pad);
  return g;
}

Result<WindowGeom> parse_window(const Node& node, std::vector<int64_t> kernel, bool with_ceil) {
  for (int64_t k : kernel)
    if (k <= 0) return error("{}: kernel_shape values must be positive", node.label());
  SZ0_ASSIGN(WindowGeom g, parse_window_attrs(node, kernel.size(), with_ceil));
  g.kernel = std::move(kernel);
  return g;
}

Result<int64_t> window_out_size(const Node& node, WindowGeom& g, int d, int64_t in) {
  const int64_t s = g.strides[d], ek = g.extent(d);
  int64_t& pb = g.pads[d];
  int64_t& pe = g.pads[d + g.nd];
  if (g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER") {
    const int64_t out = ceil_div(in, s);
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + ek - in);
    const int64_t half = total / 2;
    pb = g.auto_pad == "SAME_UPPER" ? half : total - half;
    pe = total - pb;
    return out;
  }
  if (g.auto_pad == "VALID") pb = pe = 0;
  const int64_t span = in + pb + pe - ek;
  if (span < 0)
    return error("{}: kernel extent {} exceeds padded input size {} on spatial axis {}", node.label(), ek,
                 in + pb + pe, d);
  if (!g.ceil_mode) return span / s + 1;
  int64_t out = ceil_div(span, s) + 1;
  // A last window that would start inside the end padding is dropped.
  if ((out - 1) * s >= in + pb) --out;
  return out;
}

Result<Shape> window_out_shape(const Node& node, WindowGeom& g, std::span<const int64_t> in_spatial) {
  Shape out;
  for (int d = 0; d < g.nd; ++d) {
    SZ0_ASSIGN(int64_t o, window_out_size(node, g, d, in_spatial[d]));
    out.push_back(o);
  }
  return out;
}

Result<std::vector<Dim>> window_out_dims(const Node& node, WindowGeom g, std::span<const Dim> in_spatial) {
  std::vector<Dim> out;
  for (int d = 0; d < g.nd; ++d) {
    if (!in_spatial[d].known() || g.kernel[d] <= 0) {
      out.emplace_back();
      continue;
    }
    SZ0_ASSIGN(int64_t o, window_out_size(node, g, d, in_spatial[d].value));
    out.emplace_back(o);
  }
  return out;
}

Result<std::vector<int64_t>> conv_kernel_shape(const Node& node, const TypeInfo& w, size_t nd) {
  std::vector<int64_t> k(nd, -1);
  const bool from_attr = node.has_attr("kernel_shape");
  if (from_attr) {
    k = node.attr_ints("kernel_shape");
    if (k.size() != nd) return error("{}: kernel_shape has {} values, expected {}", node.label(), k.size(), nd);
    for (int64_t v : k)
      if (v <= 0) return error("{}: kernel_shape values must be positive", node.label());
  }
  if (!w.has_rank() || static_cast<size_t>(w.rank()) != nd + 2) return k;
  for (size_t d = 0; d < nd; ++d) {
    const Dim& wd = (*w.shape)[d + 2];
    if (!wd.known()) continue;
    if (wd.value <= 0) return error("{}: W spatial dims must be positive, got {}", node.label(), wd.value);
    if (from_attr && k[d] != wd.value)
      return error("{}: kernel_shape {} does not match W dim {} on spatial axis {}", node.label(), k[d], wd.value, d);
    k[d] = wd.value;
  }
  return k;
}

Result<std::optional<std::vector<Dim>>> conv_dims(const Node& node, const TypeInfo& x, const TypeInfo& w) {
  if (!x.has_rank() && !w.has_rank()) return std::optional<std::vector<Dim>>();
  const int rank = x.has_rank() ? x.rank() : w.rank();
  if (rank < 3) return error("{}: input rank {} too small, expected at least 3 (N, C, spatial...)", node.label(), rank);
  if (x.has_rank() && w.has_rank() && w.rank() != x.rank())
    return error("{}: W rank {} differs from X rank {}", node.label(), w.rank(), x.rank());
  const size_t nd = static_cast<size_t>(rank) - 2;
  const int64_t group = node.attr_int("group", 1);
  if (group <= 0) return error("{}: group must be positive, got {}", node.label(), group);
  SZ0_ASSIGN(WindowGeom g, parse_window_attrs(node, nd, false));
  SZ0_ASSIGN(g.kernel, conv_kernel_shape(node, w, nd));
  std::vector<Dim> out(static_cast<size_t>(rank));
  if (w.has_rank()) {
    const Dim& m = (*w.shape)[0];
    if (m.known() && m.value % group != 0)
      return error("{}: {} filters not divisible by group {}", node.label(), m.value, group);
    out[1] = m;
  }
  if (x.has_rank()) {
    const Dim& c = (*x.shape)[1];
    if (w.has_rank() && c.known() && (*w.shape)[1].known() && c.value != (*w.shape)[1].value * group)
      return error("{}: X has {} channels, W expects {} x group {}", node.label(), c.value, (*w.shape)[1].value, group);
    out[0] = (*x.shape)[0];
    SZ0_ASSIGN(auto sp, window_out_dims(node, g, std::span<const Dim>(*x.shape).subspan(2)));
    std::copy(sp.begin(), sp.end(), out.begin() + 2);
  }
  return std::optional<std::vector<Dim>>(std::move(out));
}

Result<TransposeGeom> parse_transpose(const Node& node, std::vector<int64_t> kernel) {
  const size_t nd = kernel.size();
  TransposeGeom g;
  SZ0_ASSIGN(static_cast<WindowGeom&>(g), parse_window(node, std::move(kernel), /*with_ceil=*/false));
  g.output_padding = node.attr_ints("output_padding", std::vector<int64_t>(nd, 0));
  g.output_shape = node.attr_ints("output_shape");
  if (g.output_shape.size() == nd + 2) g.output_shape.erase(g.output_shape.begin(), g.output_shape.begin() + 2);
  if (g.output_padding.size() != nd || (!g.output_shape.empty() && g.output_shape.size() != nd))
    return error("{}: output_padding/output_shape sizes do not match {} spatial axes", node.label(), nd);
  for (int64_t p : g.output_padding)
    if (p < 0) return error("{}: output_padding must be non-negative", node.label());
  return g;
}

Result<int64_t> transpose_out_size(const Node& node, TransposeGeom& g, int d, int64_t in) {
  const int64_t ek = g.extent(d);
  const int64_t full = g.strides[d] * (in - 1) + g.output_padding[d] + ek;
  int64_t& pb = g.pads[d];
  int64_t& pe = g.pads[d + g.nd];
  int64_t out;
  const bool same = g.auto_pad == "SAME_UPPER" || g.auto_pad == "SAME_LOWER";
  if (!g.output_shape.empty() || same) {
    out = !g.output_shape.empty() ? g.output_shape[d] : in * g.strides[d];
    const int64_t total = full - out;
    if (total <= 0) {
      pb = 0;  // a larger output than the full result is zero-extended at the end
    } else {
      pb = g.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
    pe = total - pb;
  } else {
    if (g.auto_pad == "VALID") pb = pe = 0;
    out = full - pb - pe;
  }
  if (out < 0) return error("{}: negative output size {} on spatial axis {}", node.label(), out, d);
  return out;
}

}  // namespace sz0::ops

#include "ops/shape_util.h"

#include <algorithm>

namespace sz0::ops {

Result<int64_t> normalize_axis(const Node& node, int64_t axis, int64_t rank) {
  const int64_t lo = -std::max<int64_t>(rank, 1), hi = std::max<int64_t>(rank, 1) - 1;
  if (axis < lo || axis > hi)
    return error("{}: axis {} out of range for rank {}", node.label(), axis, rank);
  return axis < 0 ? axis + rank : axis;
}

Result<std::vector<int64_t>> normalize_axes(const Node& node, std::span<const int64_t> axes, int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    SZ0_ASSIGN(int64_t n, normalize_axis(node, a, rank));
    if (std::find(out.begin(), out.end(), n) != out.end())
      return error("{}: axis {} repeated", node.label(), a);
    out.push_back(n);
  }
  return out;
}

Result<Shape> broadcast_shapes(const Node& node, std::span<const Shape> shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    const size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[off + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o == 1) {
        o = s[i];
        continue;
      }
      std::string all;
      for (const Shape& x : shapes) all += (all.empty() ? "" : ", ") + shape_str(x);
      return error("{}: shapes {} cannot be broadcast together", node.label(), all);
    }
  }
  return out;
}

Result<std::vector<Dim>> broadcast_dims(const Node& node, std::span<const std::vector<Dim>> shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  std::vector<Dim> out(rank, Dim(1));
  for (const auto& s : shapes) {
    const size_t off = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      Dim& o = out[off + i];
      const Dim& d = s[i];
      if (d.known() && d.value == 1) continue;
      if (o.known() && o.value == 1) {
        o = d;
        continue;
      }
      if (o == d) continue;
      if (o.known() && d.known())
        return error("{}: dimension {} vs {} cannot be broadcast", node.label(), o.value, d.value);
      if (d.known()) o = d;  // the symbolic side must be 1 or equal: the known size wins
      else if (!o.known()) o = Dim();
    }
  }
  return out;
}

std::vector<Dim> to_dims(std::span<const int64_t> shape) { return {shape.begin(), shape.end()}; }

Status infer_same_as_input(InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_outputs(); ++i) ctx.out(i) = ctx.in(0);
  return {};
}

Status infer_broadcast(InferContext& ctx, DType out_dtype) {
  std::vector<std::vector<Dim>> shapes;
  bool all_ranked = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.in(i).has_rank()) all_ranked = false;
    else shapes.push_back(*ctx.in(i).shape);
  }
  TypeInfo& o = ctx.out(0);
  o.dtype = out_dtype == DType::Undefined ? ctx.in(0).dtype : out_dtype;
  if (all_ranked) {
    SZ0_ASSIGN(auto dims, broadcast_dims(ctx.node, shapes));
    o.shape = std::move(dims);
  }
  return {};
}

std::vector<int64_t> broadcast_strides(std::span<const int64_t> in_shape, std::span<const int64_t> out_shape) {
  std::vector<int64_t> st(out_shape.size(), 0);
  const size_t off = out_shape.size() - in_shape.size();
  int64_t acc = 1;
  for (size_t i = in_shape.size(); i-- > 0;) {
    st[off + i] = in_shape[i] == 1 ? 0 : acc;
    acc *= in_shape[i];
  }
  return st;
}

}  // namespace sz0::ops

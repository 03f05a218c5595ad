// Concat and Split: each part is a block-strided copy along one axis.
#include "ops/tensor/tensor_util.h"

namespace sz0::ops {
namespace {

using namespace tensorops;

int64_t concat_axis_attr(const Node& node, int64_t opset) {
  // Opset 1 defaulted to 1; from opset 4 the attribute is required.
  return node.attr_int("axis", opset < 4 ? 1 : INT64_MIN);
}

Status infer_concat(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  int rank = -1;
  size_t present = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    ++present;
    if (o.dtype == DType::Undefined) o.dtype = ctx.in(i).dtype;
    else if (ctx.in(i).dtype != DType::Undefined && ctx.in(i).dtype != o.dtype)
      return ctx.fail("inputs have different types {} and {}", dtype_name(o.dtype), dtype_name(ctx.in(i).dtype));
    if (!ctx.in(i).has_rank()) continue;
    if (rank >= 0 && ctx.in(i).rank() != rank)
      return ctx.fail("inputs have different ranks {} and {}", rank, ctx.in(i).rank());
    rank = ctx.in(i).rank();
  }
  if (present == 0) return ctx.fail("needs at least one input");
  const int64_t axis_attr = concat_axis_attr(ctx.node, ctx.opset);
  if (axis_attr == INT64_MIN) return ctx.fail("attribute 'axis' is required");
  if (rank < 0) return {};
  if (rank == 0) return ctx.fail("cannot concatenate scalars");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, axis_attr, rank));
  std::vector<Dim> dims(static_cast<size_t>(rank));
  bool first = true, sum_known = true;
  int64_t sum = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (!ctx.in(i).has_rank()) {
      sum_known = false;
      continue;
    }
    const auto& s = *ctx.in(i).shape;
    for (int k = 0; k < rank; ++k) {
      if (k == axis) continue;
      if (first || (!dims[k].known() && s[k].known())) dims[k] = s[k];
      else if (dims[k].known() && s[k].known() && dims[k].value != s[k].value)
        return ctx.fail("dimension {} differs between inputs: {} vs {}", k, dims[k].value, s[k].value);
    }
    if (s[axis].known()) sum += s[axis].value;
    else sum_known = false;
    if (first) dims[axis] = s[axis];
    first = false;
  }
  if (present > 1) dims[axis] = sum_known ? Dim(sum) : Dim();
  else if (sum_known) dims[axis] = Dim(sum);
  o.shape = std::move(dims);
  return {};
}

Status run_concat(KernelContext& ctx) {
  std::vector<const Tensor*> ins;
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.input(i)) ins.push_back(ctx.input(i));
  if (ins.empty()) return ctx.fail("needs at least one input");
  const Tensor& x0 = *ins[0];
  const size_t es = dtype_size(x0.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x0.dtype()));
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), concat_axis_attr(ctx.node(), ctx.opset()), x0.rank()));
  Shape out_shape = x0.shape();
  out_shape[axis] = 0;
  for (const Tensor* t : ins) {
    if (t->dtype() != x0.dtype() || t->rank() != x0.rank())
      return ctx.fail("inputs {} and {} cannot be concatenated", TypeInfo::of(x0).str(), TypeInfo::of(*t).str());
    for (int k = 0; k < x0.rank(); ++k)
      if (k != axis && t->dim(k) != x0.dim(k))
        return ctx.fail("shapes {} and {} differ outside axis {}", shape_str(x0.shape()), shape_str(t->shape()), axis);
    out_shape[axis] += t->dim(static_cast<int>(axis));
  }
  Tensor& y = ctx.output(0, x0.dtype(), out_shape);
  const Shape ys = shape_strides(out_shape);
  int64_t offset = 0;
  for (const Tensor* t : ins) {
    const Shape ts = shape_strides(t->shape());
    strided_copy(es, t->raw(), ts, static_cast<char*>(y.raw()) + offset * ys[axis] * es, ys, t->shape(),
                 ctx.threads());
    offset += t->dim(static_cast<int>(axis));
  }
  return {};
}

// Split sizes along the axis, or nullopt when they depend on a value not known yet.
Result<std::optional<std::vector<int64_t>>> split_sizes(const Node& node, int64_t opset, size_t num_outputs,
                                                        const Tensor* split_value, bool has_split_input,
                                                        const Dim& dim) {
  std::vector<int64_t> sizes;
  if (opset < 13 && node.has_attr("split")) {
    sizes = node.attr_ints("split");
  } else if (opset >= 13 && has_split_input) {
    if (!split_value) return std::optional<std::vector<int64_t>>();
    SZ0_ASSIGN(sizes, int_values(node, *split_value, "split"));
  } else {
    const int64_t n = static_cast<int64_t>(num_outputs);
    const int64_t parts = opset >= 18 ? node.attr_int("num_outputs", n) : n;
    if (parts != n) return error("{}: num_outputs is {} but the node has {} outputs", node.label(), parts, n);
    if (n == 0) return error("{}: needs at least one output", node.label());
    if (!dim.known()) return std::optional<std::vector<int64_t>>();
    if (dim.value % n != 0) {
      if (opset < 18 || !node.has_attr("num_outputs"))
        return error("{}: dimension {} does not split into {} equal parts", node.label(), dim.value, n);
      // num_outputs: equal chunks of ceil(dim / n), the last one smaller.
      const int64_t chunk = (dim.value + n - 1) / n;
      int64_t left = dim.value;
      for (int64_t i = 0; i < n; ++i) {
        sizes.push_back(std::min(chunk, left));
        left -= sizes.back();
      }
      return std::optional(sizes);
    }
    sizes.assign(static_cast<size_t>(n), dim.value / n);
    return std::optional(sizes);
  }
  if (sizes.size() != num_outputs)
    return error("{}: split has {} entries for {} outputs", node.label(), sizes.size(), num_outputs);
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) return error("{}: negative split size {}", node.label(), s);
    sum += s;
  }
  if (dim.known() && sum != dim.value)
    return error("{}: split sizes sum to {} but the dimension is {}", node.label(), sum, dim.value);
  return std::optional(sizes);
}

Status infer_split(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  for (size_t i = 0; i < ctx.num_outputs(); ++i) ctx.out(i).dtype = x.dtype;
  if (!x.has_rank()) return {};
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank()));
  if (x.rank() == 0) return ctx.fail("cannot split a scalar");
  SZ0_ASSIGN(auto sizes, split_sizes(ctx.node, ctx.opset, ctx.num_outputs(), ctx.value(1), ctx.has_input(1),
                                     (*x.shape)[axis]));
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    std::vector<Dim> dims = *x.shape;
    dims[axis] = sizes ? Dim((*sizes)[i]) : Dim();
    ctx.out(i).shape = std::move(dims);
  }
  return {};
}

Status run_split(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  if (x.rank() == 0) return ctx.fail("cannot split a scalar");
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), ctx.node().attr_int("axis", 0), x.rank()));
  SZ0_ASSIGN(auto sizes, split_sizes(ctx.node(), ctx.opset(), ctx.num_outputs(), ctx.input(1), ctx.has_input(1),
                                     Dim(x.dim(static_cast<int>(axis)))));
  if (!sizes) return ctx.fail("split sizes are unknown");
  const Shape xs = shape_strides(x.shape());
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    Shape s = x.shape();
    s[axis] = (*sizes)[i];
    if (ctx.output_wanted(i)) {
      Tensor& y = ctx.output(i, x.dtype(), s);
      strided_gather(es, static_cast<const char*>(x.raw()) + offset * xs[axis] * es, xs, y.raw(), s, ctx.threads());
    }
    offset += (*sizes)[i];
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "Concat", .since = 1, .infer = infer_concat, .compute = run_concat);
SZ0_REGISTER_OP(.op_type = "Split", .since = 1, .infer = infer_split, .compute = run_split);

}  // namespace
}  // namespace sz0::ops

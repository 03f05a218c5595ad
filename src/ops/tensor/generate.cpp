// Ops that create tensors from a description: ConstantOfShape, Range, EyeLike.
#include "ops/tensor/tensor_util.h"

#include <cmath>
#include <cstring>
#include <type_traits>

namespace sz0::ops {
namespace {

using namespace tensorops;

// Fills every element of `t` with the single element of `v` (same dtype).
void fill_with(Tensor& t, const Tensor& v) {
  visit_elem_size(t.dtype(), [&]<class U>() {
    U c;
    std::memcpy(&c, v.raw(), sizeof(U));
    U* d = t.data<U>();
    for (int64_t i = 0; i < t.numel(); ++i) d[i] = c;
  });
}

Result<Tensor> fill_value(const Node& node) {
  const Tensor* v = node.attr_tensor("value");
  if (!v) return Tensor::scalar<float>(0.0f);
  if (v->numel() != 1) return error("{}: value must hold one element, got {}", node.label(), v->numel());
  if (dtype_size(v->dtype()) == 0) return error("{}: unsupported value type {}", node.label(), dtype_name(v->dtype()));
  return *v;
}

Result<Shape> cos_shape(const Node& node, const Tensor& s) {
  if (s.rank() != 1) return error("{}: input must be 1-D, got rank {}", node.label(), s.rank());
  SZ0_ASSIGN(Shape shape, int_values(node, s, "shape"));
  for (int64_t d : shape)
    if (d < 0) return error("{}: negative dimension {}", node.label(), d);
  return shape;
}

Status infer_constant_of_shape(InferContext& ctx) {
  SZ0_ASSIGN(Tensor v, fill_value(ctx.node));
  TypeInfo& o = ctx.out(0);
  o.dtype = v.dtype();
  if (const Tensor* s = ctx.value(0)) {
    SZ0_ASSIGN(Shape shape, cos_shape(ctx.node, *s));
    o.shape = to_dims(shape);
  } else if (const auto& ss = ctx.in(0).shape; ss && ss->size() == 1 && (*ss)[0].known()) {
    o.shape = std::vector<Dim>(static_cast<size_t>((*ss)[0].value));
  }
  return {};
}

Status run_constant_of_shape(KernelContext& ctx) {
  SZ0_ASSIGN(Tensor v, fill_value(ctx.node()));
  SZ0_ASSIGN(Shape shape, cos_shape(ctx.node(), ctx.in(0)));
  Tensor& y = ctx.output(0, v.dtype(), shape);
  fill_with(y, v);
  return {};
}

Status check_range_inputs(const Node& node, std::span<const TypeInfo> in) {
  for (size_t i = 0; i < 3; ++i) {
    if (in[i].dtype != DType::Undefined && in[i].dtype != in[0].dtype)
      return error("{}: start, limit and delta must have one type", node.label());
    if (in[i].has_rank() && in[i].rank() > 1)
      return error("{}: start, limit and delta must be scalars", node.label());
  }
  const DType t = in[0].dtype;
  if (t != DType::Undefined && !dtype_is_float(t) && !dtype_is_int(t))
    return error("{}: unsupported type {}", node.label(), dtype_name(t));
  return {};
}

// Number of elements of Range: max(ceil((limit - start) / delta), 0).
Result<int64_t> range_count(const Node& node, const Tensor& start, const Tensor& limit, const Tensor& delta) {
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1)
    return error("{}: start, limit and delta must hold one element", node.label());
  if (dtype_is_float(start.dtype())) {
    const double s = start.get_double(0), l = limit.get_double(0), d = delta.get_double(0);
    if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d))
      return error("{}: delta must be non-zero and every bound finite", node.label());
    const double n = std::ceil((l - s) / d);
    if (n > 1e12) return error("{}: range too large", node.label());
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  const int64_t s = start.get_int64(0), l = limit.get_int64(0), d = delta.get_int64(0);
  if (d == 0) return error("{}: delta must be non-zero", node.label());
  const int64_t diff = l - s;
  if ((diff > 0) != (d > 0) || diff == 0) return 0;
  const int64_t ad = d > 0 ? d : -d, adiff = diff > 0 ? diff : -diff;
  return (adiff + ad - 1) / ad;
}

Status infer_range(InferContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.fail("needs start, limit and delta");
  SZ0_TRY(check_range_inputs(ctx.node, ctx.inputs));
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  if (ctx.value(0) && ctx.value(1) && ctx.value(2)) {
    SZ0_ASSIGN(int64_t n, range_count(ctx.node, *ctx.value(0), *ctx.value(1), *ctx.value(2)));
    o.shape = std::vector<Dim>{Dim(n)};
  } else {
    o.shape = std::vector<Dim>(1);
  }
  return {};
}

Status run_range(KernelContext& ctx) {
  const Tensor &s = ctx.in(0), &l = ctx.in(1), &d = ctx.in(2);
  if (s.dtype() != l.dtype() || s.dtype() != d.dtype())
    return ctx.fail("start, limit and delta must have one type");
  SZ0_ASSIGN(int64_t n, range_count(ctx.node(), s, l, d));
  Tensor& y = ctx.output(0, s.dtype(), {n});
  visit_dtype(s.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      return;
    } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
      const float a = s.data<T>()[0], b = d.data<T>()[0];
      for (int64_t i = 0; i < n; ++i) y.data<T>()[i] = T(a + static_cast<float>(i) * b);
    } else {
      const T a = s.data<T>()[0], b = d.data<T>()[0];
      for (int64_t i = 0; i < n; ++i) y.data<T>()[i] = static_cast<T>(a + static_cast<T>(i) * b);
    }
  });
  return {};
}

Result<DType> eyelike_dtype(const Node& node, DType in) {
  if (const Attribute* a = node.attr("dtype")) {
    if (a->i < 0 || a->i > 100 || !dtype_valid(static_cast<int>(a->i)))
      return error("{}: unsupported dtype {}", node.label(), a->i);
    return static_cast<DType>(a->i);
  }
  return in;
}

Status infer_eyelike(InferContext& ctx) {
  SZ0_ASSIGN(DType t, eyelike_dtype(ctx.node, ctx.in(0).dtype));
  TypeInfo& o = ctx.out(0);
  o.dtype = t;
  o.shape = ctx.in(0).shape;
  if (o.shape && o.shape->size() != 2) return ctx.fail("input must be 2-D, got rank {}", o.shape->size());
  return {};
}

Status run_eyelike(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  if (x.rank() != 2) return ctx.fail("input must be 2-D, got rank {}", x.rank());
  SZ0_ASSIGN(DType t, eyelike_dtype(ctx.node(), x.dtype()));
  if (dtype_size(t) == 0) return ctx.fail("unsupported dtype {}", dtype_name(t));
  const int64_t k = ctx.node().attr_int("k", 0);
  Tensor& y = ctx.output(0, t, x.shape());
  const Tensor one = Tensor::scalar<float>(1.0f).cast(t);
  const int64_t rows = x.dim(0), cols = x.dim(1);
  visit_elem_size(t, [&]<class U>() {
    U c;
    std::memcpy(&c, one.raw(), sizeof(U));
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t j = i + k;
      if (j >= 0 && j < cols) y.data<U>()[i * cols + j] = c;
    }
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "ConstantOfShape", .since = 9, .infer = infer_constant_of_shape,
                .compute = run_constant_of_shape);
SZ0_REGISTER_OP(.op_type = "Range", .since = 11, .infer = infer_range, .compute = run_range);
SZ0_REGISTER_OP(.op_type = "EyeLike", .since = 9, .infer = infer_eyelike, .compute = run_eyelike);

}  // namespace
}  // namespace sz0::ops

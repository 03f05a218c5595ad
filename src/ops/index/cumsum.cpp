// CumSum along an axis given as a tensor, with the exclusive and reverse attributes.
#include "kernels/parallel.h"
#include "ops/index/index_util.h"
#include "ops/shape_util.h"

namespace sz0::ops {
namespace {

using namespace index;

// Accumulator: floats in their compute type, signed ints as unsigned so overflow wraps.
template <class T, bool = std::is_integral_v<T>>
struct Acc { using type = compute_t<T>; };
template <class T>
struct Acc<T, true> { using type = std::make_unsigned_t<T>; };
template <class T>
using acc_t = typename Acc<T>::type;

Status infer_cumsum(InferContext& ctx) {
  SZ0_TRY(require_inputs(ctx, 2));
  const TypeInfo& x = ctx.in(0);
  if (x.dtype == DType::Bool || x.dtype == DType::String)
    return ctx.fail("input type {} is not supported", dtype_name(x.dtype));
  if (ctx.in(1).dtype != DType::Undefined && !is_index_dtype(ctx.in(1).dtype))
    return ctx.fail("axis must be int32 or int64, got {}", dtype_name(ctx.in(1).dtype));
  if (ctx.in(1).has_rank() && ctx.in(1).rank() > 1) return ctx.fail("axis must be a scalar");
  if (const Tensor* a = ctx.value(1); a && x.has_rank()) {
    SZ0_ASSIGN(int64_t axis, scalar_int(ctx.node, *a, "axis"));
    SZ0_TRY(normalize_axis(ctx.node, axis, x.rank()).status());
  }
  ctx.out(0) = x;
  return {};
}

Status run_cumsum(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const Tensor& a = ctx.in(1);
  if (!is_index_dtype(a.dtype())) return ctx.fail("axis must be int32 or int64, got {}", dtype_name(a.dtype()));
  SZ0_ASSIGN(int64_t axis0, scalar_int(ctx.node(), a, "axis"));
  SZ0_ASSIGN(int64_t axis, normalize_axis(ctx.node(), axis0, x.rank()));
  const bool exclusive = ctx.node().attr_int("exclusive", 0) != 0;
  const bool reverse = ctx.node().attr_int("reverse", 0) != 0;
  const Shape shape = x.rank() ? x.shape() : Shape{1};
  const int64_t dim = shape[axis];
  const int64_t outer = prod(shape, 0, axis), inner = prod(shape, axis + 1, shape.size());
  Tensor& out = ctx.output(0);
  bool typed = visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      return;
    } else {
      using A = acc_t<T>;
      const T* p = x.data<T>();
      T* o = out.data<T>();
      kernels::parallel_for(outer, ctx.threads(), [&](int64_t lo, int64_t hi) {
        std::vector<A> acc(inner);
        for (int64_t b = lo; b < hi; ++b) {
          std::fill(acc.begin(), acc.end(), A(0));
          for (int64_t s = 0; s < dim; ++s) {
            const int64_t k = reverse ? dim - 1 - s : s;
            const T* row = p + (b * dim + k) * inner;
            T* orow = o + (b * dim + k) * inner;
            for (int64_t i = 0; i < inner; ++i) {
              const A v = static_cast<A>(static_cast<compute_t<T>>(row[i]));
              if (exclusive) {
                orow[i] = static_cast<T>(acc[i]);
                acc[i] = static_cast<A>(acc[i] + v);
              } else {
                acc[i] = static_cast<A>(acc[i] + v);
                orow[i] = static_cast<T>(acc[i]);
              }
            }
          }
        }
      });
    }
  });
  if (!typed || x.dtype() == DType::Bool) return ctx.fail("unsupported input type {}", dtype_name(x.dtype()));
  return {};
}

SZ0_REGISTER_OP(.op_type = "CumSum", .since = 11, .infer = infer_cumsum, .compute = run_cumsum);

}  // namespace
}  // namespace sz0::ops

// Cast and CastLike.
#include "ops/tensor/tensor_util.h"

#include "kernels/parallel.h"

#include <cmath>
#include <cstring>

namespace sz0::ops {
namespace {

using namespace tensorops;

Result<DType> cast_target(const Node& node) {
  const Attribute* a = node.attr("to");
  if (!a) return error("{}: attribute 'to' is required", node.label());
  if (a->i == static_cast<int64_t>(DType::String)) return error("{}: string tensors are not supported", node.label());
  if (a->i < 0 || a->i > 100 || !dtype_valid(static_cast<int>(a->i)))
    return error("{}: unsupported target type {}", node.label(), a->i);
  return static_cast<DType>(a->i);
}

// double → float with round-to-odd: converting that float to a 16-bit float afterwards rounds
// exactly as a direct conversion would (float keeps more than 2p + 2 bits of a half/bfloat16).
float to_float_odd(double v) {
  float f = static_cast<float>(v);
  if (!std::isfinite(v) || static_cast<double>(f) == v) return f;
  // Step toward zero when rounding went away from it, then mark the lost bits in the last place.
  if (std::fabs(static_cast<double>(f)) > std::fabs(v)) f = std::nextafter(f, 0.0f);
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u |= 1u;
  std::memcpy(&f, &u, 4);
  return f;
}

Tensor cast_tensor(const Tensor& x, DType to, int threads) {
  if (x.dtype() == DType::Double && (to == DType::Float16 || to == DType::BFloat16)) {
    Tensor y(to, x.shape());
    const double* s = x.data<double>();
    kernels::parallel_for(x.numel(), threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (to == DType::Float16) y.data<Float16>()[i] = Float16(to_float_odd(s[i]));
        else y.data<BFloat16>()[i] = BFloat16(to_float_odd(s[i]));
      }
    }, 1 << 14);
    return y;
  }
  return x.cast(to);
}

Status check_source(const Node& node, DType t) {
  if (t == DType::String) return error("{}: string tensors are not supported", node.label());
  return {};
}

Status infer_cast(InferContext& ctx) {
  SZ0_ASSIGN(DType to, cast_target(ctx.node));
  SZ0_TRY(check_source(ctx.node, ctx.in(0).dtype));
  ctx.out(0) = TypeInfo{to, {}};
  ctx.out(0).shape = ctx.in(0).shape;
  return {};
}

Status run_cast_to(KernelContext& ctx, DType to) {
  const Tensor& x = ctx.in(0);
  if (dtype_size(x.dtype()) == 0) return ctx.fail("unsupported source type {}", dtype_name(x.dtype()));
  if (x.dtype() == to) {
    ctx.set_output(0, x);
    return {};
  }
  ctx.set_output(0, cast_tensor(x, to, ctx.threads()));
  return {};
}

Status run_cast(KernelContext& ctx) {
  SZ0_ASSIGN(DType to, cast_target(ctx.node()));
  return run_cast_to(ctx, to);
}

Status infer_castlike(InferContext& ctx) {
  const DType to = ctx.in(1).dtype;
  SZ0_TRY(check_source(ctx.node, ctx.in(0).dtype));
  SZ0_TRY(check_source(ctx.node, to));
  ctx.out(0) = TypeInfo{to, {}};
  ctx.out(0).shape = ctx.in(0).shape;
  return {};
}

Status run_castlike(KernelContext& ctx) {
  const DType to = ctx.in(1).dtype();
  if (dtype_size(to) == 0) return ctx.fail("unsupported target type {}", dtype_name(to));
  return run_cast_to(ctx, to);
}

SZ0_REGISTER_OP(.op_type = "Cast", .since = 1, .infer = infer_cast, .compute = run_cast);
SZ0_REGISTER_OP(.op_type = "CastLike", .since = 15, .infer = infer_castlike, .compute = run_castlike);

}  // namespace
}  // namespace sz0::ops

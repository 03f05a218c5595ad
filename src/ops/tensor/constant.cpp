// Constant and Identity.
#include "ops/op.h"
#include "ops/shape_util.h"

namespace sz0::ops {
namespace {

Result<Tensor> constant_value(const Node& node) {
  if (const Tensor* t = node.attr_tensor("value")) return *t;
  if (const Attribute* a = node.attr("value_float")) return Tensor::scalar<float>(a->f);
  if (const Attribute* a = node.attr("value_int")) return Tensor::scalar<int64_t>(a->i);
  if (const Attribute* a = node.attr("value_floats")) return Tensor::from_vector(a->floats);
  if (const Attribute* a = node.attr("value_ints")) return Tensor::from_vector(a->ints);
  if (node.has_attr("value") || node.has_attr("value_string") || node.has_attr("value_strings"))
    return error("{}: string and sparse constants are not supported", node.label());
  if (node.has_attr("sparse_value")) return error("{}: sparse constants are not supported", node.label());
  return error("{}: no value attribute", node.label());
}

Status infer_constant(InferContext& ctx) {
  SZ0_ASSIGN(Tensor t, constant_value(ctx.node));
  ctx.out(0) = TypeInfo::of(t);
  return {};
}

Status run_constant(KernelContext& ctx) {
  SZ0_ASSIGN(Tensor t, constant_value(ctx.node()));
  ctx.set_output(0, t);  // the attribute's buffer is shared, never written
  return {};
}

Status run_identity(KernelContext& ctx) {
  ctx.set_output(0, ctx.in(0));
  return {};
}

SZ0_REGISTER_OP(.op_type = "Constant", .since = 1, .infer = infer_constant, .compute = run_constant);
SZ0_REGISTER_OP(.op_type = "Identity", .since = 1, .infer = infer_same_as_input, .compute = run_identity);

}  // namespace
}  // namespace sz0::ops

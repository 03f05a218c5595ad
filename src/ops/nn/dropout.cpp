// Dropout for inference: the output is the input, the optional mask keeps every element.
#include "ops/nn/nn_util.h"

namespace sz0::ops::nn {
namespace {

// Mask element type: the data type before opset 10, bool after.
DType mask_type(int64_t opset, DType data) { return opset >= 10 ? DType::Bool : data; }

Status infer_dropout(InferContext& ctx) {
  const TypeInfo& x = ctx.in(0);
  if (x.dtype != DType::Undefined && !dtype_is_float(x.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(x.dtype));
  if (ctx.num_outputs() > 2) return ctx.fail("at most 2 outputs");
  if (ctx.opset < 12 && ctx.num_inputs() > 1) return ctx.fail("takes one input before opset 12");
  if (ctx.has_input(2) && ctx.in(2).dtype != DType::Undefined && ctx.in(2).dtype != DType::Bool)
    return ctx.fail("training_mode must be bool");
  ctx.out(0) = x;
  if (ctx.num_outputs() > 1) {
    ctx.out(1) = x;
    ctx.out(1).dtype = mask_type(ctx.opset, x.dtype);
  }
  return {};
}

Status run_dropout(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  double ratio = ctx.node().attr_float("ratio", 0.5f);
  bool training = false;
  if (ctx.opset() >= 12) {
    ratio = 0.5;
    if (const Tensor* r = ctx.input(1)) {
      if (r->numel() != 1) return ctx.fail("ratio must be a scalar");
      ratio = r->get_double(0);
    }
    if (const Tensor* t = ctx.input(2)) {
      if (t->numel() != 1) return ctx.fail("training_mode must be a scalar");
      training = t->get_double(0) != 0;
    }
  }
  if (ratio < 0 || ratio >= 1) return ctx.fail("ratio {} must be in [0, 1)", ratio);
  if (training && ratio > 0) return ctx.fail("training mode with ratio {} (random dropout) is not supported", ratio);
  ctx.set_output(0, x);
  if (ctx.output_wanted(1)) {
    Tensor& m = ctx.output(1, mask_type(ctx.opset(), x.dtype()), x.shape());
    if (m.dtype() == DType::Bool) {
      std::fill(m.data<bool>(), m.data<bool>() + m.numel(), true);
    } else {
      const Tensor one = Tensor::scalar<double>(1.0).cast(m.dtype());
      const size_t es = dtype_size(m.dtype());
      auto* dst = static_cast<unsigned char*>(m.raw());
      for (int64_t i = 0; i < m.numel(); ++i) std::memcpy(dst + i * es, one.raw(), es);
    }
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "Dropout", .since = 1, .infer = infer_dropout, .compute = run_dropout);

}  // namespace
}  // namespace sz0::ops::nn

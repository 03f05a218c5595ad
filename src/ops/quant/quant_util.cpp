// Input checks, matmul parameter expansion and the convolution plan of the quantization ops.
#include "ops/quant/quant_util.h"

namespace sz0::ops::quant {

Status check_q8_operands(const InferContext& ctx, size_t a, size_t a_zp, size_t b, size_t b_zp) {
  for (size_t i : {a, b})
    if (!is_q8(ctx.in(i).dtype))
      return ctx.fail("input {} must be uint8 or int8, got {}", i, dtype_name(ctx.in(i).dtype));
  for (auto [z, x] : {std::pair{a_zp, a}, std::pair{b_zp, b}})
    if (ctx.has_input(z) && ctx.in(z).dtype != ctx.in(x).dtype)
      return ctx.fail("zero point input {} has type {}, expected {} like input {}", z, dtype_name(ctx.in(z).dtype),
                      dtype_name(ctx.in(x).dtype), x);
  return {};
}

Result<DType> check_qlinear_inputs(const InferContext& ctx) {
  for (size_t i : {0, 1, 3, 4, 6})
    if (!ctx.has_input(i)) return ctx.fail("missing required input {}", i);
  SZ0_TRY(check_q8_operands(ctx, 0, 2, 3, 5));
  for (size_t i : {1, 4, 6})
    if (!dtype_is_float(ctx.in(i).dtype)) return ctx.fail("input {} (a scale) must be float", i);
  const DType yt = ctx.has_input(7) ? ctx.in(7).dtype : DType::UInt8;
  if (!is_q8(yt)) return ctx.fail("y_zero_point must be uint8 or int8, got {}", dtype_name(yt));
  return yt;
}

template <class V>
Result<std::vector<V>> expand_matmul_param(const Node& node, const std::vector<V>& values, const Shape& shape,
                                           const Shape& batch, int64_t len, bool rows, const char* what) {
  const int64_t batches = shape_numel(batch);
  std::vector<V> out(static_cast<size_t>(batches * len));
  if (values.size() == 1) {
    std::fill(out.begin(), out.end(), values[0]);
    return out;
  }
  Shape target = batch;
  target.push_back(rows ? len : 1);
  target.push_back(rows ? 1 : len);
  auto bad = [&] {
    return error("{}: {} has shape {}; expected one value, a vector of {} or a shape broadcastable to {}",
                 node.label(), what, shape_str(shape), len, shape_str(target));
  };
  if (shape.size() == 1) {
    // A vector holds one value per row (A side) or per column (B side), shared by every batch.
    if (shape[0] != len) return bad();
    for (int64_t b = 0; b < batches; ++b) std::copy(values.begin(), values.end(), out.begin() + b * len);
    return out;
  }
  if (shape.empty() || shape.size() > target.size()) return bad();
  const size_t off = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != target[off + i]) return bad();
  const auto st = broadcast_strides(shape, target);
  for (int64_t b = 0; b < batches; ++b) {
    int64_t rest = b, base = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      base += (rest % batch[d]) * st[d];
      rest /= batch[d];
    }
    const int64_t step = st[target.size() - (rows ? 2 : 1)];
    for (int64_t i = 0; i < len; ++i) out[b * len + i] = values[base + i * step];
  }
  return out;
}

template Result<std::vector<int32_t>> expand_matmul_param(const Node&, const std::vector<int32_t>&, const Shape&,
                                                          const Shape&, int64_t, bool, const char*);
template Result<std::vector<float>> expand_matmul_param(const Node&, const std::vector<float>&, const Shape&,
                                                        const Shape&, int64_t, bool, const char*);

Result<ConvPlan> plan_conv(const Node& node, const Shape& x, const Shape& w) {
  SZ0_TRY(conv_dims(node, TypeInfo(DType::Undefined, to_dims(x)), TypeInfo(DType::Undefined, to_dims(w))).status());
  ConvPlan p;
  SZ0_ASSIGN(p.g, parse_window(node, Shape(w.begin() + 2, w.end()), /*with_ceil=*/false));
  p.batch = x[0];
  p.in_c = x[1];
  p.out_c = w[0];
  p.group = node.attr_int("group", 1);
  p.in_c_g = w[1];
  p.out_c_g = p.out_c / p.group;
  p.in_sp.assign(x.begin() + 2, x.end());
  SZ0_ASSIGN(p.out_sp, window_out_shape(node, p.g, p.in_sp));
  p.in_size = shape_numel(p.in_sp);
  p.out_size = shape_numel(p.out_sp);
  p.kernel_size = shape_numel(p.g.kernel);
  return p;
}

}  // namespace sz0::ops::quant

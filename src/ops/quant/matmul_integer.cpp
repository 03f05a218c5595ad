// MatMulInteger and QLinearMatMul: numpy-style batched matmul of 8-bit operands with zero points,
// accumulated in int32 (and requantized to 8 bits for QLinearMatMul).
#include "kernels/parallel.h"
#include "ops/quant/quant_util.h"

namespace sz0::ops::quant {
namespace {

// Both operands with their zero points subtracted, one int16 matrix per operand batch.
struct PackedOperands {
  MatmulPlan plan;
  std::vector<int16_t> a, b;  // [a_batches, m, k] and [b_batches, k, n]
};

template <class T>
void pack_rows(const T* src, const std::vector<int32_t>& zp, int64_t batches, int64_t rows, int64_t cols,
               bool zp_per_row, int16_t* dst) {
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t off = (b * rows + r) * cols;
      if (zp_per_row) {
        const int32_t z = zp[b * rows + r];
        for (int64_t c = 0; c < cols; ++c) dst[off + c] = static_cast<int16_t>(static_cast<int32_t>(src[off + c]) - z);
      } else {
        const int32_t* z = zp.data() + b * cols;
        for (int64_t c = 0; c < cols; ++c)
          dst[off + c] = static_cast<int16_t>(static_cast<int32_t>(src[off + c]) - z[c]);
      }
    }
}

void pack(const Tensor& t, const std::vector<int32_t>& zp, int64_t batches, int64_t rows, int64_t cols, bool per_row,
          std::vector<int16_t>& dst) {
  dst.resize(static_cast<size_t>(batches * rows * cols));
  if (t.dtype() == DType::UInt8) pack_rows(t.data<uint8_t>(), zp, batches, rows, cols, per_row, dst.data());
  else pack_rows(t.data<int8_t>(), zp, batches, rows, cols, per_row, dst.data());
}

Result<PackedOperands> pack_operands(const Node& node, const Tensor& a, const Tensor* a_zp, const Tensor& b,
                                     const Tensor* b_zp) {
  PackedOperands p;
  SZ0_ASSIGN(p.plan, plan_matmul(node, a.shape(), b.shape()));
  const MatmulPlan& pl = p.plan;
  const std::vector<int32_t> zero = {0};
  SZ0_ASSIGN(auto az, expand_matmul_param(node, a_zp ? int32_values(*a_zp) : zero, a_zp ? a_zp->shape() : Shape{},
                                          pl.a_batch, pl.m, true, "a_zero_point"));
  SZ0_ASSIGN(auto bz, expand_matmul_param(node, b_zp ? int32_values(*b_zp) : zero, b_zp ? b_zp->shape() : Shape{},
                                          pl.b_batch, pl.n, false, "b_zero_point"));
  pack(a, az, pl.a_batches, pl.m, pl.k, true, p.a);
  pack(b, bz, pl.b_batches, pl.k, pl.n, false, p.b);
  return p;
}

// Integer product of output batch `ob` into c ([m, n]).
void batch_gemm(const PackedOperands& p, int64_t ob, int32_t* c, int threads) {
  const MatmulPlan& pl = p.plan;
  gemm_s16_s32(pl.m, pl.n, pl.k, p.a.data() + pl.a_index[ob] * pl.m * pl.k, pl.k,
               p.b.data() + pl.b_index[ob] * pl.k * pl.n, pl.n, c, pl.n, threads);
}

// Output dims, plus the shape checks of the per-row / per-column parameters once shapes are known.
Status infer_matmul_shape(InferContext& ctx, size_t a, size_t b, std::initializer_list<std::pair<size_t, bool>> params,
                          DType out) {
  TypeInfo& o = ctx.out(0);
  o.dtype = out;
  if (!ctx.in(a).has_rank() || !ctx.in(b).has_rank()) return {};
  SZ0_ASSIGN(auto dims, matmul_dims(ctx.node, *ctx.in(a).shape, *ctx.in(b).shape));
  o.shape = std::move(dims);
  if (!ctx.in(a).fully_known() || !ctx.in(b).fully_known()) return {};
  SZ0_ASSIGN(MatmulPlan pl, plan_matmul(ctx.node, ctx.in(a).concrete(), ctx.in(b).concrete()));
  for (auto [i, rows] : params) {
    if (!ctx.has_input(i) || !ctx.in(i).fully_known()) continue;
    const Shape s = ctx.in(i).concrete();
    std::vector<int32_t> dummy(static_cast<size_t>(shape_numel(s)));
    auto r = expand_matmul_param(ctx.node, dummy, s, rows ? pl.a_batch : pl.b_batch, rows ? pl.m : pl.n, rows,
                                 ctx.node.inputs[i].c_str());
    if (!r.ok()) return r.status();
  }
  return {};
}

// ----------------------------------------------------------------------------------------------
// MatMulInteger(A, B, a_zero_point?, b_zero_point?) -> int32

Status infer_matmul_integer(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail("needs inputs A and B");
  SZ0_TRY(check_q8_operands(ctx, 0, 2, 1, 3));
  return infer_matmul_shape(ctx, 0, 1, {{2, true}, {3, false}}, DType::Int32);
}

Status run_matmul_integer(KernelContext& ctx) {
  SZ0_ASSIGN(PackedOperands p, pack_operands(ctx.node(), ctx.in(0), ctx.input(2), ctx.in(1), ctx.input(3)));
  Tensor& y = ctx.output(0);
  const int64_t mn = p.plan.m * p.plan.n;
  if (y.numel() != p.plan.out_batches * mn) return ctx.fail("output size mismatch");
  for (int64_t ob = 0; ob < p.plan.out_batches; ++ob) batch_gemm(p, ob, y.data<int32_t>() + ob * mn, ctx.threads());
  return {};
}

// ----------------------------------------------------------------------------------------------
// QLinearMatMul(a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)
// y = saturate(round_half_even(acc * a_scale * b_scale / y_scale) + y_zero_point)

Status infer_qlinear_matmul(InferContext& ctx) {
  SZ0_ASSIGN(const DType yt, check_qlinear_inputs(ctx));
  for (size_t i : {6, 7})
    if (ctx.has_input(i) && ctx.in(i).fully_known() && shape_numel(ctx.in(i).concrete()) != 1)
      return ctx.fail("input {} must hold one value (per-tensor output quantization)", i);
  return infer_matmul_shape(ctx, 0, 3, {{1, true}, {2, true}, {4, false}, {5, false}}, yt);
}

template <class Q>
void requantize_rows(const int32_t* acc, Q* y, int64_t m, int64_t n, const float* a_scale, const float* b_scale,
                     float y_scale, int32_t y_zp) {
  const QRange r = qrange(dtype_v<Q>);
  const float lo = static_cast<float>(r.lo - y_zp), hi = static_cast<float>(r.hi - y_zp);
  for (int64_t i = 0; i < m; ++i) {
    const float as = a_scale[i];
    const int32_t* ar = acc + i * n;
    Q* yr = y + i * n;
    for (int64_t j = 0; j < n; ++j) {
      const float mult = as * b_scale[j] / y_scale;
      yr[j] = static_cast<Q>(quantize_value(static_cast<float>(ar[j]) * mult, y_zp, lo, hi));
    }
  }
}

Status run_qlinear_matmul(KernelContext& ctx) {
  const Node& node = ctx.node();
  SZ0_ASSIGN(PackedOperands p, pack_operands(node, ctx.in(0), ctx.input(2), ctx.in(3), ctx.input(5)));
  const MatmulPlan& pl = p.plan;
  SZ0_ASSIGN(auto as, expand_matmul_param(node, float_values(ctx.in(1)), ctx.in(1).shape(), pl.a_batch, pl.m, true,
                                          "a_scale"));
  SZ0_ASSIGN(auto bs, expand_matmul_param(node, float_values(ctx.in(4)), ctx.in(4).shape(), pl.b_batch, pl.n, false,
                                          "b_scale"));
  if (ctx.in(6).numel() != 1) return ctx.fail("y_scale must hold one value");
  const float ys = static_cast<float>(ctx.in(6).get_double(0));
  const Tensor* yzp = ctx.input(7);
  if (yzp && yzp->numel() != 1) return ctx.fail("y_zero_point must hold one value");
  const int32_t z = yzp ? static_cast<int32_t>(yzp->get_int64(0)) : 0;
  Tensor& y = ctx.output(0);
  const int64_t mn = pl.m * pl.n;
  if (y.numel() != pl.out_batches * mn) return ctx.fail("output size mismatch");
  std::vector<int32_t> acc(static_cast<size_t>(mn));
  for (int64_t ob = 0; ob < pl.out_batches; ++ob) {
    batch_gemm(p, ob, acc.data(), ctx.threads());
    const float* a_s = as.data() + pl.a_index[ob] * pl.m;
    const float* b_s = bs.data() + pl.b_index[ob] * pl.n;
    if (y.dtype() == DType::UInt8) requantize_rows(acc.data(), y.data<uint8_t>() + ob * mn, pl.m, pl.n, a_s, b_s, ys, z);
    else requantize_rows(acc.data(), y.data<int8_t>() + ob * mn, pl.m, pl.n, a_s, b_s, ys, z);
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "MatMulInteger", .since = 10, .infer = infer_matmul_integer, .compute = run_matmul_integer);
SZ0_REGISTER_OP(.op_type = "QLinearMatMul", .since = 10, .infer = infer_qlinear_matmul, .compute = run_qlinear_matmul);

}  // namespace
}  // namespace sz0::ops::quant

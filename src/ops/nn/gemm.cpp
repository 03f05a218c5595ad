// Gemm and MatMul. Float goes through oneDNN's sgemm, halves through float, other types through
// a templated GEMM.
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "ops/matmul_shape.h"
#include "ops/nn/nn_util.h"

namespace sz0::ops::nn {
namespace {

bool gemm_dtype_ok(DType t) {
  return dtype_is_float(t) || t == DType::Int32 || t == DType::Int64 || t == DType::UInt32 || t == DType::UInt64;
}

// Checks inputs A and B (a supported type, both the same); output 0 takes their type.
Status infer_ab_dtype(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs A and B");
  const TypeInfo& a = ctx.in(0);
  const TypeInfo& b = ctx.in(1);
  if (a.dtype != DType::Undefined && !gemm_dtype_ok(a.dtype))
    return ctx.fail("unsupported element type {}", dtype_name(a.dtype));
  if (a.dtype != DType::Undefined && b.dtype != DType::Undefined && a.dtype != b.dtype)
    return ctx.fail("A type {} differs from B type {}", dtype_name(a.dtype), dtype_name(b.dtype));
  ctx.out(0).dtype = a.dtype;
  return {};
}

// ---------------------------------------------------------------- Gemm

Status check_c_broadcast(const Node& node, std::span<const Dim> c, const Dim& m, const Dim& n) {
  if (c.size() > 2) return error("{}: C rank {} exceeds 2", node.label(), c.size());
  const Dim want[2] = {m, n};
  for (size_t i = 0; i < c.size(); ++i) {
    const Dim& cd = c[i];
    const Dim& w = want[2 - c.size() + i];
    if (cd.known() && w.known() && cd.value != 1 && cd.value != w.value)
      return error("{}: C dim {} does not broadcast to {}", node.label(), cd.value, w.value);
  }
  return {};
}

Status infer_gemm(InferContext& ctx) {
  SZ0_TRY(infer_ab_dtype(ctx));
  if (ctx.opset < 11 && !ctx.has_input(2)) return ctx.fail("input C is required before opset 11");
  const TypeInfo& a = ctx.in(0);
  const TypeInfo& b = ctx.in(1);
  TypeInfo& y = ctx.out(0);
  if (a.has_rank() && a.rank() != 2) return ctx.fail("A must be 2-D, got rank {}", a.rank());
  if (b.has_rank() && b.rank() != 2) return ctx.fail("B must be 2-D, got rank {}", b.rank());
  const bool ta = ctx.node.attr_int("transA", 0) != 0, tb = ctx.node.attr_int("transB", 0) != 0;
  Dim m, n;
  if (a.has_rank()) m = (*a.shape)[ta ? 1 : 0];
  if (b.has_rank()) n = (*b.shape)[tb ? 0 : 1];
  if (a.has_rank() && b.has_rank()) {
    const Dim& ka = (*a.shape)[ta ? 0 : 1];
    const Dim& kb = (*b.shape)[tb ? 1 : 0];
    if (ka.known() && kb.known() && ka.value != kb.value)
      return ctx.fail("inner dimensions differ: A {} vs B {}", ka.value, kb.value);
  }
  if (ctx.has_input(2) && ctx.in(2).has_rank()) SZ0_TRY(check_c_broadcast(ctx.node, *ctx.in(2).shape, m, n));
  y.shape = std::vector<Dim>{m, n};
  return {};
}

template <class T>
void gemm_typed(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const T* a, const T* b, double beta,
                const Tensor* c, T* y) {
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  // C broadcast into Y first, so the GEMM can accumulate onto it.
  if (c && beta != 0) {
    const auto st = broadcast_strides(c->shape(), Shape{m, n});
    const T* cp = c->data<T>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) y[i * n + j] = cp[i * st[0] + j * st[1]];
  } else {
    beta = 0;
  }
  if constexpr (std::is_same_v<T, float>) {
    kernels::gemm_f32(ta, tb, m, n, k, static_cast<float>(alpha), a, lda, b, ldb, static_cast<float>(beta), y, n);
  } else if constexpr (std::is_floating_point_v<T>) {
    gemm_generic<T>(ta, tb, m, n, k, static_cast<T>(alpha), a, lda, b, ldb, static_cast<T>(beta), y, n);
  } else {
    // Integers: exact arithmetic when alpha and beta are 1 (or beta 0), scaled through double otherwise.
    std::vector<T> acc(static_cast<size_t>(m * n));
    gemm_generic<T>(ta, tb, m, n, k, T(1), a, lda, b, ldb, T(0), acc.data(), n);
    const bool exact = alpha == 1.0 && (beta == 0.0 || beta == 1.0);
    for (int64_t i = 0; i < m * n; ++i) {
      const T cv = beta != 0 ? y[i] : T(0);
      y[i] = exact ? static_cast<T>(acc[i] + (beta != 0 ? cv : T(0)))
                   : static_cast<T>(alpha * static_cast<double>(acc[i]) + beta * static_cast<double>(cv));
    }
  }
}

Status run_gemm(KernelContext& ctx) {
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  const Tensor* c = ctx.input(2);
  if (!gemm_dtype_ok(a.dtype())) return ctx.fail("unsupported element type {}", dtype_name(a.dtype()));
  if (a.rank() != 2 || b.rank() != 2) return ctx.fail("A and B must be 2-D, got ranks {} and {}", a.rank(), b.rank());
  if (b.dtype() != a.dtype() || (c && c->dtype() != a.dtype())) return ctx.fail("A, B and C must share one type");
  const bool ta = ctx.node().attr_int("transA", 0) != 0, tb = ctx.node().attr_int("transB", 0) != 0;
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1), kb = tb ? b.dim(1) : b.dim(0);
  if (k != kb) return ctx.fail("inner dimensions differ: A {} vs B {}", shape_str(a.shape()), shape_str(b.shape()));
  if (c) {
    std::vector<Dim> cd = to_dims(c->shape());
    SZ0_TRY(check_c_broadcast(ctx.node(), cd, Dim(m), Dim(n)));
  }
  const double alpha = ctx.node().attr_float("alpha", 1.f), beta = ctx.node().attr_float("beta", 1.f);
  const Shape out = {m, n};
  if (a.dtype() == DType::Float16 || a.dtype() == DType::BFloat16) {
    Tensor af = as_float(a), bf = as_float(b), cf = c ? as_float(*c) : Tensor();
    Tensor yf(DType::Float, out);
    gemm_typed<float>(ta, tb, m, n, k, alpha, af.data<float>(), bf.data<float>(), beta, c ? &cf : nullptr,
                      yf.data<float>());
    ctx.set_output(0, yf.cast(a.dtype()));
    return {};
  }
  Tensor& y = ctx.output(0, a.dtype(), out);
  visit_dtype(a.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>)
      gemm_typed<T>(ta, tb, m, n, k, alpha, a.data<T>(), b.data<T>(), beta, c, y.data<T>());
  });
  return {};
}

// ---------------------------------------------------------------- MatMul

// numpy matmul shape (ops/matmul_shape.h): batch dims broadcast, 1-D operands get a unit dim
// that is then dropped.
Status infer_matmul(InferContext& ctx) {
  SZ0_TRY(infer_ab_dtype(ctx));
  const TypeInfo& a = ctx.in(0);
  const TypeInfo& b = ctx.in(1);
  if (!a.has_rank() || !b.has_rank()) return {};
  SZ0_ASSIGN(ctx.out(0).shape, matmul_dims(ctx.node, *a.shape, *b.shape));
  return {};
}

template <class T>
void matmul_batches(const MatmulPlan& p, const T* a, const T* b, T* y, int threads) {
  const int64_t m = p.m, n = p.n, k = p.k;
  auto one = [&](const T* ap, const T* bp, T* yp, int64_t rows) {
    gemm_any<T>(false, false, rows, n, k, ap, k, bp, n, yp, n);
  };
  if (p.b_batches == 1 && p.a_batches == p.out_batches) {
    // B shared by every batch and A contiguous: one GEMM with the batches stacked as rows.
    one(a, b, y, p.out_batches * m);
    return;
  }
  auto body = [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) one(a + p.a_index[i] * m * k, b + p.b_index[i] * k * n, y + i * m * n, m);
  };
  // oneDNN threads each float GEMM itself; other types split the batches across threads.
  if constexpr (std::is_same_v<T, float>) body(0, p.out_batches);
  else kernels::parallel_for(p.out_batches, threads, body);
}

Status run_matmul(KernelContext& ctx) {
  const Tensor& a = ctx.in(0);
  const Tensor& b = ctx.in(1);
  if (!gemm_dtype_ok(a.dtype())) return ctx.fail("unsupported element type {}", dtype_name(a.dtype()));
  if (a.dtype() != b.dtype()) return ctx.fail("A and B must share one type");
  SZ0_ASSIGN(MatmulPlan p, plan_matmul(ctx.node(), a.shape(), b.shape()));
  const int threads = ctx.threads();
  if (a.dtype() == DType::Float16 || a.dtype() == DType::BFloat16) {
    Tensor af = as_float(a), bf = as_float(b);
    Tensor yf(DType::Float, p.out);
    matmul_batches<float>(p, af.data<float>(), bf.data<float>(), yf.data<float>(), threads);
    ctx.set_output(0, yf.cast(a.dtype()));
    return {};
  }
  Tensor& y = ctx.output(0, a.dtype(), p.out);
  visit_dtype(a.dtype(), [&]<class T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>)
      matmul_batches<T>(p, a.data<T>(), b.data<T>(), y.data<T>(), threads);
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "Gemm", .since = 1, .infer = infer_gemm, .compute = run_gemm);
SZ0_REGISTER_OP(.op_type = "MatMul", .since = 1, .infer = infer_matmul, .compute = run_matmul);

}  // namespace
}  // namespace sz0::ops::nn

// Float MatMul and Gemm whose B is a weight (a 2-D initializer), on the packed-B GEMM
// (kernels/sgemm.h): B is packed once when the session is created, A's leading dimensions are
// stacked into rows, and the bias, residual and activation run as the GEMM's epilogue.
//
// Also the internal op FusedMatMul, which the session's runtime rewrite (runtime/fuse_matmul.cpp)
// makes of MatMul or Gemm followed by a bias Add, an activation or a residual Add:
//   Y = act(alpha · A·op(B) + bias + R)
// Inputs: A [..., k] float; B [k, n] (or [n, k] when trans_b) constant; bias (optional, constant,
// n elements); R (optional, Y's shape). Attributes: trans_b (int), alpha (float), activation
// (string: "", Relu, LeakyRelu, Clip, HardSwish, HardSigmoid, Sigmoid, Tanh, Gelu, GeluTanh,
// Silu), activation_params (floats: LeakyRelu alpha; Clip min, max; HardSigmoid alpha, beta).
//
// A weight pruned to at least 90% zeros is also kept as its non-zeros, and a product of one row
// runs on them (kernels/sparse_gemv.h); SZ0_SPARSE=0 in the environment turns that off.
#include "kernels/sgemm.h"
#include "kernels/sparse_gemv.h"
#include "ops/internal.h"
#include "ops/epilogue.h"
#include "ops/nn/nn_util.h"

#include <cstdlib>
#include <optional>
#include <string_view>

namespace sz0::ops::nn {
namespace {


const Tensor* constant_at(const KernelInit& init, size_t i) {
  return i < init.constants.size() ? init.constants[i] : nullptr;
}

bool float_weight(const Tensor* w) { return w && w->dtype() == DType::Float && w->rank() == 2; }

// MatMul: float A of rank >= 2 and a constant 2-D float B.
bool accepts_matmul(const KernelInit& init) {
  return !init.inputs.empty() && init.inputs[0].dtype == DType::Float && init.inputs[0].rank() >= 2 &&
         float_weight(constant_at(init, 1));
}

// Gemm: A not transposed, constant B, and C absent or a constant bias of n elements (C of shape
// [n] or [1, n]).
bool accepts_gemm(const KernelInit& init) {
  if (init.inputs.empty() || init.inputs[0].dtype != DType::Float) return false;
  if (init.node.attr_int("transA", 0) != 0) return false;
  const Tensor* b = constant_at(init, 1);
  if (!float_weight(b)) return false;
  if (!init.node.has_input(2)) return true;
  const Tensor* c = constant_at(init, 2);
  const int64_t n = init.node.attr_int("transB", 0) ? b->dim(0) : b->dim(1);
  if (!c || c->dtype() != DType::Float || c->numel() != n) return false;
  return c->rank() == 1 || (c->rank() == 2 && c->dim(0) == 1);
}

class PackedMatMul final : public Kernel {
 public:
  // `residual`: input index of R, or -1.
  Status init(const KernelInit& in, bool trans_b, float alpha, const Tensor* bias, int residual) {
    const Tensor& w = *constant_at(in, 1);
    const int64_t k = trans_b ? w.dim(1) : w.dim(0), n = trans_b ? w.dim(0) : w.dim(1);
    kernels::pack_b(trans_b, k, n, w.data<float>(), w.dim(1), packed_);
    if (sparse_enabled() && kernels::zero_fraction(w.data<float>(), w.numel()) >= kernels::kSparseMinZeros)
      sparse_ = kernels::pack_sparse_columns(trans_b, k, n, w.data<float>(), w.dim(1));
    ep_.alpha = alpha;
    if (bias) {
      bias_ = *bias;
      ep_.bias = bias_.data<float>();
    }
    residual_ = residual;
    SZ0_ASSIGN(auto act, activation_step(in.node));
    if (act) {
      ep_.has_act = true;
      ep_.act = act->op;
      ep_.act_args = act->args;
    }
    return {};
  }

  Status run(KernelContext& ctx) override {
    const Tensor& a = ctx.in(0);
    const int64_t k = packed_.k, n = packed_.n;
    if (a.dtype() != DType::Float || a.rank() < 1 || a.dim(a.rank() - 1) != k)
      return ctx.fail("A {} does not end in the weight's {} rows", shape_str(a.shape()), k);
    const int64_t rows = k == 0 ? 0 : a.numel() / k;
    Tensor& y = ctx.output_for_overwrite(0);
    if (y.numel() != rows * n) return ctx.fail("output {} does not hold {}x{}", shape_str(y.shape()), rows, n);
    kernels::SgemmEpilogue ep = ep_;
    if (residual_ >= 0 && ctx.has_input(static_cast<size_t>(residual_))) {
      const Tensor& r = ctx.in(static_cast<size_t>(residual_));
      if (r.dtype() != DType::Float || r.shape() != y.shape())
        return ctx.fail("residual {} differs from the output {}", shape_str(r.shape()), shape_str(y.shape()));
      ep.residual = r.data<float>();
      ep.ldr = n;
    }
    if (rows == 1 && sparse_) {
      kernels::sparse_gemv(a.data<float>(), *sparse_, y.data<float>(), ep, ctx.threads());
      return {};
    }
    kernels::sgemm_packed(rows, a.data<float>(), k, packed_, y.data<float>(), n, ep, ctx.threads());
    return {};
  }

 private:
  static bool sparse_enabled() {
    static const bool on = [] {
      const char* env = std::getenv("SZ0_SPARSE");
      return !env || std::string_view(env) != "0";
    }();
    return on;
  }

  std::optional<kernels::SparseColumns> sparse_;
  kernels::PackedB packed_;
  kernels::SgemmEpilogue ep_;
  Tensor bias_;
  int residual_ = -1;
};

Result<std::unique_ptr<Kernel>> make_matmul(const KernelInit& init) {
  auto k = std::make_unique<PackedMatMul>();
  SZ0_TRY(k->init(init, false, 1.0f, nullptr, -1));
  return std::unique_ptr<Kernel>(std::move(k));
}

Result<std::unique_ptr<Kernel>> make_gemm(const KernelInit& init) {
  auto k = std::make_unique<PackedMatMul>();
  const float alpha = init.node.attr_float("alpha", 1.0f), beta = init.node.attr_float("beta", 1.0f);
  const Tensor* c = init.node.has_input(2) ? constant_at(init, 2) : nullptr;
  Tensor bias;
  if (c) {
    bias = Tensor(DType::Float, {c->numel()});
    for (int64_t i = 0; i < c->numel(); ++i) bias.data<float>()[i] = beta * c->data<float>()[i];
  }
  SZ0_TRY(k->init(init, init.node.attr_int("transB", 0) != 0, alpha, c ? &bias : nullptr, -1));
  return std::unique_ptr<Kernel>(std::move(k));
}

// FusedMatMul ------------------------------------------------------------------------------

Status infer_fused_matmul(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.fail("expects inputs A and B");
  const TypeInfo& a = ctx.in(0);
  const TypeInfo& b = ctx.in(1);
  TypeInfo& y = ctx.out(0);
  y.dtype = DType::Float;
  if (a.dtype != DType::Undefined && a.dtype != DType::Float) return ctx.fail("expects float32, got {}", dtype_name(a.dtype));
  if (!a.has_rank() || !b.has_rank()) return {};
  if (b.rank() != 2 || a.rank() < 1) return ctx.fail("expects A of rank >= 1 and a 2-D B");
  const bool tb = ctx.node.attr_int("trans_b", 0) != 0;
  const Dim& k = (*b.shape)[tb ? 1 : 0];
  const Dim& ka = a.shape->back();
  if (k.known() && ka.known() && k.value != ka.value) return ctx.fail("inner dimensions differ: A {} vs B {}", ka.value, k.value);
  std::vector<Dim> d = *a.shape;
  d.back() = (*b.shape)[tb ? 0 : 1];
  y.shape = d;
  return {};
}

Result<std::unique_ptr<Kernel>> make_fused_matmul(const KernelInit& init) {
  const Tensor* b = constant_at(init, 1);
  if (!float_weight(b)) return error("{}: B must be a float 2-D initializer", init.node.label());
  const Tensor* bias = init.node.has_input(2) ? constant_at(init, 2) : nullptr;
  const int64_t n = init.node.attr_int("trans_b", 0) ? b->dim(0) : b->dim(1);
  if (init.node.has_input(2) && (!bias || bias->dtype() != DType::Float || bias->numel() != n))
    return error("{}: the bias must be a float initializer of {} elements", init.node.label(), n);
  auto k = std::make_unique<PackedMatMul>();
  SZ0_TRY(k->init(init, init.node.attr_int("trans_b", 0) != 0, init.node.attr_float("alpha", 1.0f), bias,
                  init.node.has_input(3) ? 3 : -1));
  return std::unique_ptr<Kernel>(std::move(k));
}

SZ0_REGISTER_OP(.op_type = "MatMul", .since = 1, .factory = make_matmul, .accepts = accepts_matmul, .priority = 1,
                .kernel_name = "packed");
SZ0_REGISTER_OP(.op_type = "Gemm", .since = 1, .factory = make_gemm, .accepts = accepts_gemm, .priority = 1,
                .kernel_name = "packed");
SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "FusedMatMul", .since = 1, .infer = infer_fused_matmul,
                .factory = make_fused_matmul, .kernel_name = "packed");

}  // namespace
}  // namespace sz0::ops::nn

// Attention: the internal op the session's runtime rewrite (runtime/fuse_attention.cpp) makes of
// softmax(Q·K · scale + mask)·V written out as MatMul, Mul/Div, Add, Softmax, MatMul:
//   Y[b] = softmax_rows(scale · Q[b]·K[b] + M[b]) · V[b]
// for Q [..., Sq, D], K [..., D, Sk] (already transposed, as the graph multiplies it), V
// [..., Sk, Dv], all float with the same leading dims; the optional mask M broadcasts (numpy
// rules) to the scores [..., Sq, Sk]. Attribute: scale (float). The score
// matrix of each leading index lives in a per-thread scratch buffer, never in the graph; the
// leading indices (batch × heads) are split between threads, each running its small GEMMs alone.
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/simd_f32.h"
#include "ops/internal.h"
#include "ops/shape_util.h"

#include <omp.h>

#include <vector>

namespace sz0::ops::nn {
namespace {

Status infer_attention(InferContext& ctx) {
  if (ctx.num_inputs() < 3) return ctx.fail("expects Q, K and V");
  const TypeInfo &q = ctx.in(0), &k = ctx.in(1), &v = ctx.in(2);
  TypeInfo& y = ctx.out(0);
  y.dtype = DType::Float;
  for (const TypeInfo* t : {&q, &k, &v})
    if (t->dtype != DType::Undefined && t->dtype != DType::Float) return ctx.fail("expects float32, got {}", dtype_name(t->dtype));
  if (!q.has_rank() || !v.has_rank()) return {};
  if (q.rank() < 2 || q.rank() != v.rank()) return ctx.fail("Q and V must have one rank of at least 2");
  std::vector<Dim> d = *q.shape;
  d.back() = v.shape->back();
  y.shape = d;
  return {};
}

Status run_attention(KernelContext& ctx) {
  const Tensor &q = ctx.in(0), &k = ctx.in(1), &v = ctx.in(2);
  const int r = q.rank();
  if (r < 2 || k.rank() != r || v.rank() != r) return ctx.fail("Q, K and V must have one rank of at least 2");
  for (int i = 0; i + 2 < r; ++i)
    if (k.dim(i) != q.dim(i) || v.dim(i) != q.dim(i))
      return ctx.fail("leading dims differ: Q {}, K {}, V {}", shape_str(q.shape()), shape_str(k.shape()), shape_str(v.shape()));
  const int64_t sq = q.dim(r - 2), d = q.dim(r - 1), sk = k.dim(r - 1), dv = v.dim(r - 1);
  if (k.dim(r - 2) != d || v.dim(r - 2) != sk)
    return ctx.fail("Q {} · K {} · V {} do not chain", shape_str(q.shape()), shape_str(k.shape()), shape_str(v.shape()));
  // Mask strides over the scores' dims [..., Sq, Sk] (0 where the mask broadcasts).
  const Tensor* mask = ctx.input(3);
  Shape ms(static_cast<size_t>(r), 0);
  if (mask) {
    if (mask->dtype() != DType::Float || mask->rank() > r) return ctx.fail("mask {} must be float of rank <= {}", shape_str(mask->shape()), r);
    Shape scores_shape = q.shape();
    scores_shape.back() = sk;
    const Shape st = shape_strides(mask->shape());
    for (int i = 0; i < mask->rank(); ++i) {
      const int a = r - mask->rank() + i;
      if (mask->dim(i) != 1 && mask->dim(i) != scores_shape[a])
        return ctx.fail("mask {} does not broadcast to the scores {}", shape_str(mask->shape()), shape_str(scores_shape));
      ms[a] = mask->dim(i) == 1 ? 0 : st[i];
    }
  }
  Tensor& y = ctx.output_for_overwrite(0);
  const int64_t batches = sq == 0 ? 0 : q.numel() / (sq * d);
  const float scale = ctx.node().attr_float("scale", 1.0f);
  const float *qp = q.data<float>(), *kp = k.data<float>(), *vp = v.data<float>();
  float* yp = y.data<float>();
  const kernels::SimdF32Kernels& simd = kernels::simd_f32();
  kernels::parallel_for(batches, ctx.threads(), [&](int64_t b0, int64_t b1) {
    thread_local std::vector<float> scores, probs;
    scores.resize(static_cast<size_t>(sq * sk));
    probs.resize(static_cast<size_t>(sq * sk));
    for (int64_t b = b0; b < b1; ++b) {
      kernels::gemm_f32(false, false, sq, sk, d, scale, qp + b * sq * d, d, kp + b * d * sk, sk, 0.0f, scores.data(), sk);
      if (mask) {
        int64_t off = 0, rest = b;
        for (int a = r - 3; a >= 0; --a) {
          off += (rest % q.dim(a)) * ms[a];
          rest /= q.dim(a);
        }
        const float* mp = mask->data<float>() + off;
        for (int64_t i = 0; i < sq; ++i)
          for (int64_t j = 0; j < sk; ++j) scores[i * sk + j] += mp[i * ms[r - 2] + j * ms[r - 1]];
      }
      if (sk > 0) simd.softmax_rows(scores.data(), probs.data(), sq, sk, false);
      kernels::gemm_f32(false, false, sq, dv, sk, 1.0f, probs.data(), sk, vp + b * sk * dv, dv, 0.0f, yp + b * sq * dv, dv);
    }
  });
  return {};
}

SZ0_REGISTER_OP(.domain = kInternalDomain, .op_type = "Attention", .since = 1, .infer = infer_attention,
                .compute = run_attention);

}  // namespace
}  // namespace sz0::ops::nn

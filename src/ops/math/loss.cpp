// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Scores are (N, C, d1..dk), targets
// (N, d1..dk); both are walked as (N, C, D) and (N, D) with D = d1·…·dk.
#include "ops/math/elementwise.h"

namespace sz0::ops::math {
namespace {

enum class Reduction { None, Sum, Mean };

Result<Reduction> reduction(const Node& node) {
  const std::string r = node.attr_string("reduction", "mean");
  if (r == "none") return Reduction::None;
  if (r == "sum") return Reduction::Sum;
  if (r == "mean") return Reduction::Mean;
  return error("{}: reduction must be none, sum or mean, got \"{}\"", node.label(), r);
}

Status infer_loss(InferContext& ctx, bool softmax) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || !ctx.has_input(0) || !ctx.has_input(1))
    return ctx.fail("expects scores, targets and an optional weight");
  SZ0_TRY(check_type(ctx, 0, kFloatTypes));
  SZ0_TRY(check_type(ctx, 1, bit(DType::Int32) | bit(DType::Int64)));
  SZ0_TRY(check_same_type(ctx, 0, 2));
  SZ0_ASSIGN(Reduction red, reduction(ctx.node));
  const TypeInfo& x = ctx.in(0);
  const TypeInfo& t = ctx.in(1);
  if (x.has_rank() && x.rank() < 2) return ctx.fail("scores need rank >= 2, got {}", x.str());
  if (x.has_rank() && t.has_rank()) {
    if (t.rank() != x.rank() - 1) return ctx.fail("targets {} do not match scores {}", t.str(), x.str());
    for (int i = 0; i < t.rank(); ++i) {
      const Dim& a = (*x.shape)[i == 0 ? 0 : i + 1];
      const Dim& b = (*t.shape)[i];
      if (a.known() && b.known() && a.value != b.value) return ctx.fail("targets {} do not match scores {}", t.str(), x.str());
    }
  }
  if (ctx.has_input(2) && ctx.in(2).has_rank()) {
    const auto& w = *ctx.in(2).shape;
    if (w.size() != 1) return ctx.fail("weight must be 1-D, got {}", ctx.in(2).str());
    if (x.has_rank() && w[0].known() && (*x.shape)[1].known() && w[0].value != (*x.shape)[1].value)
      return ctx.fail("weight {} does not match {} classes", ctx.in(2).str(), (*x.shape)[1].value);
  }
  TypeInfo& o = ctx.out(0);
  o.dtype = x.dtype;
  if (red != Reduction::None) o.shape = std::vector<Dim>{};
  else if (t.has_rank()) o.shape = t.shape;
  else if (x.has_rank()) {
    std::vector<Dim> s = *x.shape;
    s.erase(s.begin() + 1);
    o.shape = std::move(s);
  }
  if (softmax && ctx.num_outputs() > 1) ctx.out(1) = x;
  return {};
}

Status infer_nll(InferContext& ctx) { return infer_loss(ctx, false); }
Status infer_sce(InferContext& ctx) { return infer_loss(ctx, true); }

// Log-probabilities over C at each (n, d), in the compute type.
template <class T>
std::vector<compute_t<T>> log_softmax_nc(const T* x, int64_t n, int64_t c, int64_t d) {
  using C = compute_t<T>;
  std::vector<C> lp(static_cast<size_t>(n * c * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) {
      const T* xs = x + i * c * d + k;
      C m = static_cast<C>(xs[0]);
      for (int64_t j = 1; j < c; ++j) m = std::max(m, static_cast<C>(xs[j * d]));
      C s = 0;
      for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<C>(xs[j * d]) - m);
      const C ls = std::log(s);
      for (int64_t j = 0; j < c; ++j) lp[(i * c + j) * d + k] = (static_cast<C>(xs[j * d]) - m) - ls;
    }
  return lp;
}

Status run_loss(KernelContext& ctx, bool softmax) {
  SZ0_ASSIGN(Reduction red, reduction(ctx.node()));
  const Tensor& x = ctx.in(0);
  const Tensor& t = ctx.in(1);
  const Tensor* w = ctx.input(2);
  if (x.rank() < 2) return ctx.fail("scores need rank >= 2, got shape {}", shape_str(x.shape()));
  const int64_t n = x.dim(0), c = x.dim(1), d = x.numel() / std::max<int64_t>(n * c, 1);
  if (t.numel() != n * d || t.rank() != x.rank() - 1) return ctx.fail("targets {} do not match scores {}", shape_str(t.shape()), shape_str(x.shape()));
  if (w && (w->dtype() != x.dtype() || w->numel() != c)) return ctx.fail("weight must be {} classes of {}", c, dtype_name(x.dtype()));
  const bool has_ignore = ctx.node().has_attr("ignore_index");
  const int64_t ignore = ctx.node().attr_int("ignore_index", 0);
  const std::vector<int64_t> target = t.to_int64();
  Status status;
  bool done = false;
  visit_dtype(x.dtype(), [&]<class T>() {
    if constexpr (in_set<T>(kFloatTypes)) {
      using C = compute_t<T>;
      std::vector<C> lp;
      const T* xp = x.data<T>();
      if (softmax) {
        lp = log_softmax_nc(xp, n, c, d);
        if (ctx.num_outputs() > 1 && ctx.output_wanted(1)) {
          T* out = ctx.output(1, x.dtype(), x.shape()).template data<T>();
          for (size_t i = 0; i < lp.size(); ++i) out[i] = to_out<T>(lp[i]);
        }
      }
      auto score = [&](int64_t i) { return softmax ? lp[i] : static_cast<C>(xp[i]); };
      std::vector<C> loss(static_cast<size_t>(n * d));
      double loss_sum = 0, weight_sum = 0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < d; ++k) {
          const int64_t cls = target[i * d + k];
          C l = 0, wt = 0;
          if (!(has_ignore && cls == ignore)) {
            if (cls < 0 || cls >= c) {
              status = ctx.fail("target {} out of range for {} classes", cls, c);
              return;
            }
            wt = w ? static_cast<C>(w->data<T>()[cls]) : C(1);
            l = -score((i * c + cls) * d + k) * wt;
          }
          loss[i * d + k] = l;
          loss_sum += static_cast<double>(l);
          weight_sum += static_cast<double>(wt);
        }
      if (red == Reduction::None) {
        Shape s = x.shape();
        s.erase(s.begin() + 1);
        T* out = ctx.output(0, x.dtype(), s).template data<T>();
        for (size_t i = 0; i < loss.size(); ++i) out[i] = to_out<T>(loss[i]);
      } else {
        double v = loss_sum;
        // A weighted (or partly ignored) mean divides by the weights taken, a plain one by the count.
        if (red == Reduction::Mean) v = (w || has_ignore) ? loss_sum / weight_sum : loss_sum / static_cast<double>(n * d);
        *ctx.output(0, x.dtype(), {}).template data<T>() = to_out<T>(static_cast<C>(v));
      }
      done = true;
    }
  });
  SZ0_TRY(status);
  if (!done) return ctx.fail("unsupported dtype {}", dtype_name(x.dtype()));
  return {};
}

Status run_nll(KernelContext& ctx) { return run_loss(ctx, false); }
Status run_sce(KernelContext& ctx) { return run_loss(ctx, true); }

SZ0_REGISTER_OP(.op_type = "NegativeLogLikelihoodLoss", .since = 12, .infer = infer_nll, .compute = run_nll);
SZ0_REGISTER_OP(.op_type = "SoftmaxCrossEntropyLoss", .since = 12, .infer = infer_sce, .compute = run_sce);

}  // namespace
}  // namespace sz0::ops::math

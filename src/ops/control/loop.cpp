// Loop: runs a body while the trip count and the condition allow, carrying N values from one
// iteration to the next and stacking K per-iteration values (scan outputs) along a new axis 0.
#include "ops/control/subgraph.h"

#include <limits>

namespace sz0::ops {
namespace {

using namespace control;

struct LoopShape {
  const Graph* body;
  size_t carried;  // N
  size_t scans;    // K
};

Result<LoopShape> loop_shape(const Node& node) {
  const Graph* body = node.attr_graph("body");
  if (!body) return error("{}: needs graph attribute body", node.label());
  const size_t n = node.inputs.size() > 2 ? node.inputs.size() - 2 : 0;
  if (body->inputs.size() != n + 2)
    return error("{}: body takes {} inputs, expected {} (iteration number, condition, {} carried)", node.label(),
                 body->inputs.size(), n + 2, n);
  if (body->outputs.size() < n + 1)
    return error("{}: body gives {} outputs, expected at least {} (condition, {} carried)", node.label(),
                 body->outputs.size(), n + 1, n);
  const size_t k = body->outputs.size() - 1 - n;
  if (node.outputs.size() > n + k)
    return error("{}: {} outputs but the body gives {} carried and {} scan values", node.label(), node.outputs.size(),
                 n, k);
  SZ0_TRY(check_tensor_outputs(node, *body));
  return LoopShape{body, n, k};
}

// Types the body's formal inputs get: iteration number, condition, carried dtypes. Carried
// shapes are left out: they may change from one iteration to the next.
std::vector<TypeInfo> body_input_types(const std::vector<TypeInfo>& carried) {
  std::vector<TypeInfo> t{TypeInfo(DType::Int64, {}), TypeInfo(DType::Bool, {})};
  for (const TypeInfo& c : carried) t.push_back(dtype_only(c.dtype));
  return t;
}

Status infer_loop(InferContext& ctx) {
  SZ0_ASSIGN(LoopShape ls, loop_shape(ctx.node));
  if (ctx.has_input(0) && ctx.in(0).dtype != DType::Undefined && !dtype_is_int(ctx.in(0).dtype))
    return ctx.fail("trip count M must be int64, got {}", ctx.in(0).str());
  if (ctx.has_input(1) && ctx.in(1).dtype != DType::Undefined && ctx.in(1).dtype != DType::Bool)
    return ctx.fail("cond must be bool, got {}", ctx.in(1).str());
  std::vector<TypeInfo> carried;
  for (size_t i = 0; i < ls.carried; ++i) {
    if (!ctx.has_input(2 + i)) return ctx.fail("loop-carried input {} is missing", i);
    carried.push_back(ctx.in(2 + i));
  }
  const std::vector<TypeInfo> bt = subgraph_output_types(*ls.body, body_input_types(carried), ctx.opset);
  for (size_t i = 0; i < ls.carried && i < ctx.num_outputs(); ++i) {
    // Zero iterations give the initial value, otherwise the body's last: a type that fits both.
    ctx.out(i) = merge_types(carried[i], bt[1 + i]);
  }
  // The trip count is known when only M limits the loop: no cond input, and the body passes its
  // condition through unchanged.
  Dim trips;
  const bool cond_fixed = !ctx.has_input(1) && ls.body->outputs[0].name == ls.body->inputs[1].name;
  if (const Tensor* m = ctx.value(0); m && m->numel() == 1 && cond_fixed && dtype_is_int(m->dtype()))
    trips = Dim(std::max<int64_t>(0, m->get_int64(0)));
  for (size_t k = 0; k < ls.scans && ls.carried + k < ctx.num_outputs(); ++k)
    ctx.out(ls.carried + k) = insert_dim(bt[1 + ls.carried + k], 0, trips);
  return {};
}

Result<bool> scalar_bool(const KernelContext& ctx, const Tensor& t, const char* what) {
  if (t.numel() != 1) return ctx.fail("{} must hold one element, got shape {}", what, shape_str(t.shape()));
  if (t.dtype() != DType::Bool) return ctx.fail("{} must be bool, got {}", what, dtype_name(t.dtype()));
  return *t.data<bool>();
}

Status run_loop(KernelContext& ctx) {
  SZ0_ASSIGN(LoopShape ls, loop_shape(ctx.node()));
  int64_t max_trips = std::numeric_limits<int64_t>::max();
  if (const Tensor* m = ctx.input(0)) {
    if (m->numel() != 1) return ctx.fail("trip count M must hold one element, got shape {}", shape_str(m->shape()));
    if (!dtype_is_int(m->dtype())) return ctx.fail("trip count M must be int64, got {}", dtype_name(m->dtype()));
    max_trips = m->get_int64(0);
  }
  bool cond = true;
  if (const Tensor* c = ctx.input(1)) {
    SZ0_ASSIGN(cond, scalar_bool(ctx, *c, "cond"));
  }
  std::vector<Tensor> carried;
  for (size_t i = 0; i < ls.carried; ++i) {
    const Tensor* t = ctx.input(2 + i);
    if (!t) return ctx.fail("loop-carried input {} is missing", i);
    carried.push_back(*t);
  }
  std::vector<std::vector<Tensor>> scans(ls.scans);
  int64_t iter = 0;
  // As in the reference implementations, the body's condition output always decides whether to
  // go on, also when the cond input is omitted.
  for (; iter < max_trips && cond; ++iter) {
    std::vector<Tensor> in;
    in.reserve(2 + ls.carried);
    in.push_back(Tensor::scalar<int64_t>(iter));
    in.push_back(Tensor::scalar<bool>(cond));
    for (Tensor& t : carried) in.push_back(std::move(t));
    SZ0_ASSIGN(std::vector<Tensor> out, ctx.run_subgraph(*ls.body, std::move(in)));
    if (out.size() != 1 + ls.carried + ls.scans)
      return ctx.fail("body gave {} outputs, expected {}", out.size(), 1 + ls.carried + ls.scans);
    SZ0_ASSIGN(cond, scalar_bool(ctx, out[0], "body condition output"));
    for (size_t i = 0; i < ls.carried; ++i) carried[i] = std::move(out[1 + i]);
    for (size_t k = 0; k < ls.scans; ++k) {
      Tensor& s = out[1 + ls.carried + k];
      if (!scans[k].empty()) {
        const Tensor& first = scans[k].front();
        if (s.dtype() != first.dtype() || s.shape() != first.shape())
          return ctx.fail("scan output {} changed from {}[{}] to {}[{}] at iteration {}", k, dtype_name(first.dtype()),
                          shape_str(first.shape()), dtype_name(s.dtype()), shape_str(s.shape()), iter);
      } else if (dtype_size(s.dtype()) == 0) {
        return ctx.fail("scan output {} has unsupported type {}", k, dtype_name(s.dtype()));
      }
      scans[k].push_back(std::move(s));
    }
  }
  for (size_t i = 0; i < ls.carried && i < ctx.num_outputs(); ++i)
    if (ctx.output_wanted(i)) ctx.set_output(i, std::move(carried[i]));
  std::vector<TypeInfo> bt;  // only needed when no iteration ran
  for (size_t k = 0; k < ls.scans && ls.carried + k < ctx.num_outputs(); ++k) {
    if (!ctx.output_wanted(ls.carried + k)) continue;
    if (scans[k].empty()) {
      if (bt.empty()) {
        std::vector<TypeInfo> ct;
        for (size_t i = 0; i < ls.carried; ++i) ct.push_back(TypeInfo::of(ctx.in(2 + i)));
        bt = subgraph_output_types(*ls.body, body_input_types(ct), ctx.opset());
      }
      const TypeInfo& t = bt[1 + ls.carried + k];
      Shape shape = shape_or_zeros(t);
      shape.insert(shape.begin(), 0);
      ctx.output(ls.carried + k, dtype_or_float(t), std::move(shape));
      continue;
    }
    std::vector<const Tensor*> items;
    for (const Tensor& s : scans[k]) items.push_back(&s);
    const Tensor& first = scans[k].front();
    ctx.set_output(ls.carried + k, stack_axis(items, first.dtype(), first.shape(), 0, false));
  }
  return {};
}

SZ0_REGISTER_OP(.op_type = "Loop", .since = 1, .infer = infer_loop, .compute = run_loop);

}  // namespace
}  // namespace sz0::ops

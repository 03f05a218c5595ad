// If: runs one of two subgraphs; its outputs are the chosen branch's outputs.
#include "ops/control/subgraph.h"

namespace sz0::ops {
namespace {

using namespace control;

struct Branches {
  const Graph* then_g;
  const Graph* else_g;
};

Result<Branches> branches(const Node& node) {
  const Graph* t = node.attr_graph("then_branch");
  const Graph* e = node.attr_graph("else_branch");
  if (!t || !e) return error("{}: needs graph attributes then_branch and else_branch", node.label());
  if (t->outputs.size() != e->outputs.size())
    return error("{}: then_branch has {} outputs but else_branch has {}", node.label(), t->outputs.size(),
                 e->outputs.size());
  if (node.outputs.size() > t->outputs.size())
    return error("{}: {} outputs but the branches produce {}", node.label(), node.outputs.size(), t->outputs.size());
  SZ0_TRY(check_tensor_outputs(node, *t));
  SZ0_TRY(check_tensor_outputs(node, *e));
  return Branches{t, e};
}

Status infer_if(InferContext& ctx) {
  SZ0_ASSIGN(Branches b, branches(ctx.node));
  if (ctx.num_inputs() < 1 || !ctx.has_input(0)) return ctx.fail("missing input cond");
  const TypeInfo& c = ctx.in(0);
  if (c.dtype != DType::Undefined && c.dtype != DType::Bool) return ctx.fail("cond must be bool, got {}", c.str());
  if (c.fully_known() && shape_numel(c.concrete()) != 1) return ctx.fail("cond must hold one element, got {}", c.str());
  const std::vector<TypeInfo> tt = subgraph_output_types(*b.then_g, {}, ctx.opset);
  const std::vector<TypeInfo> et = subgraph_output_types(*b.else_g, {}, ctx.opset);
  const Tensor* cv = ctx.value(0);
  const bool known = cv && cv->numel() == 1 && cv->dtype() == DType::Bool;
  for (size_t i = 0; i < ctx.num_outputs(); ++i) {
    if (tt[i].dtype != DType::Undefined && et[i].dtype != DType::Undefined && tt[i].dtype != et[i].dtype)
      return ctx.fail("output {}: then_branch gives {} but else_branch gives {}", i, dtype_name(tt[i].dtype),
                      dtype_name(et[i].dtype));
    if (known) {
      // The branch that will run decides the shape; the other can still tell the dtype.
      const bool then = *cv->data<bool>();
      TypeInfo t = then ? tt[i] : et[i];
      if (t.dtype == DType::Undefined) t.dtype = then ? et[i].dtype : tt[i].dtype;
      ctx.out(i) = std::move(t);
    } else {
      ctx.out(i) = merge_types(tt[i], et[i]);
    }
  }
  return {};
}

Status run_if(KernelContext& ctx) {
  SZ0_ASSIGN(Branches b, branches(ctx.node()));
  const Tensor* c = ctx.input(0);
  if (!c) return ctx.fail("missing input cond");
  if (c->numel() != 1) return ctx.fail("cond must hold one element, got shape {}", shape_str(c->shape()));
  if (c->dtype() != DType::Bool) return ctx.fail("cond must be bool, got {}", dtype_name(c->dtype()));
  const Graph& g = *c->data<bool>() ? *b.then_g : *b.else_g;
  SZ0_ASSIGN(std::vector<Tensor> outs, ctx.run_subgraph(g, {}));
  if (outs.size() < ctx.num_outputs())
    return ctx.fail("branch produced {} outputs, expected {}", outs.size(), ctx.num_outputs());
  for (size_t i = 0; i < ctx.num_outputs(); ++i)
    if (ctx.output_wanted(i)) ctx.set_output(i, std::move(outs[i]));
  return {};
}

SZ0_REGISTER_OP(.op_type = "If", .since = 1, .infer = infer_if, .compute = run_if);

}  // namespace
}  // namespace sz0::ops

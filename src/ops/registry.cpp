#include "ops/op.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace sz0::ops {

namespace {

bool is_onnx_domain(std::string_view d) { return d.empty() || d == "ai.onnx"; }

std::string key(std::string_view domain, std::string_view op) {
  return is_onnx_domain(domain) ? std::string(op) : std::string(domain) + ":" + std::string(op);
}

struct Registry {
  std::map<std::string, std::vector<OpSchema>> by_op;
};

Registry& registry() {
  static Registry r;
  return r;
}

// Entries of `op` that apply at `opset`: for each kernel name, the one with the largest `since`.
std::vector<const OpSchema*> applicable(std::string_view domain, std::string_view op, int64_t opset) {
  std::vector<const OpSchema*> out;
  auto it = registry().by_op.find(key(domain, op));
  if (it == registry().by_op.end()) return out;
  std::map<std::string_view, const OpSchema*> best;
  for (const OpSchema& s : it->second) {
    if (s.since > opset) continue;
    const OpSchema*& b = best[s.kernel_name];
    if (!b || s.since > b->since) b = &s;
  }
  for (auto& [name, s] : best) out.push_back(s);
  return out;
}

class ComputeKernel final : public Kernel {
 public:
  explicit ComputeKernel(ComputeFn fn) : fn_(fn) {}
  Status run(KernelContext& ctx) override { return fn_(ctx); }

 private:
  ComputeFn fn_;
};

}  // namespace

bool register_op(const OpSchema& schema) {
  registry().by_op[key(schema.domain, schema.op_type)].push_back(schema);
  return true;
}

InferFn find_infer(std::string_view domain, std::string_view op, int64_t opset) {
  InferFn fn = nullptr;
  int since = -1;
  for (const OpSchema* s : applicable(domain, op, opset))
    if (s->infer && s->since > since) {
      fn = s->infer;
      since = s->since;
    }
  return fn;
}

const OpSchema* find_kernel(const KernelInit& init, std::string_view domain) {
  const OpSchema* best = nullptr;
  for (const OpSchema* s : applicable(domain, init.node.op_type, init.opset)) {
    if (!s->compute && !s->factory) continue;
    if (s->accepts && !s->accepts(init)) continue;
    if (!best || s->priority > best->priority) best = s;
  }
  return best;
}

bool is_supported(std::string_view domain, std::string_view op, int64_t opset) {
  for (const OpSchema* s : applicable(domain, op, opset))
    if (s->compute || s->factory) return true;
  return false;
}

std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (auto& [k, v] : registry().by_op) names.push_back(k);
  return names;
}

Result<std::unique_ptr<Kernel>> make_kernel(const OpSchema& schema, const KernelInit& init) {
  if (schema.factory) return schema.factory(init);
  return std::unique_ptr<Kernel>(std::make_unique<ComputeKernel>(schema.compute));
}

Status infer_node(InferContext& ctx) {
  InferFn fn = find_infer(ctx.node.domain, ctx.node.op_type, ctx.opset);
  if (!fn) return ctx.fail("unsupported operator at opset {}", ctx.opset);
  ctx.outputs.assign(ctx.node.outputs.size(), TypeInfo{});
  ctx.inputs.resize(ctx.node.inputs.size());
  ctx.values.resize(ctx.node.inputs.size(), nullptr);
  SZ0_TRY(fn(ctx));
  ctx.outputs.resize(ctx.node.outputs.size());
  return {};
}

namespace {
Tensor& allocate_output(KernelContext& ctx, size_t i, bool zero) {
  const TypeInfo& t = ctx.inferred_.at(i);
  if (!t.fully_known()) {
    // Inference could not tell: a kernel with data-dependent output must size it itself.
    ctx.outputs_.at(i) = Tensor(t.dtype == DType::Undefined ? DType::Float : t.dtype, {0});
    return ctx.outputs_.at(i);
  }
  ctx.outputs_.at(i) = ctx.allocate_ ? ctx.allocate_(t.dtype, t.concrete(), zero) : Tensor(t.dtype, t.concrete());
  return ctx.outputs_.at(i);
}
}  // namespace

Tensor& KernelContext::output(size_t i) { return allocate_output(*this, i, true); }

Tensor& KernelContext::output_for_overwrite(size_t i) { return allocate_output(*this, i, false); }

Tensor& KernelContext::output(size_t i, DType dtype, Shape shape) {
  outputs_.at(i) = allocate_ ? allocate_(dtype, std::move(shape), true) : Tensor(dtype, std::move(shape));
  return outputs_.at(i);
}

void KernelContext::set_output(size_t i, Tensor t) { outputs_.at(i) = std::move(t); }

}  // namespace sz0::ops

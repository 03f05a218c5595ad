#include "runtime/fuse_attention.h"

#include "ops/internal.h"
#include "passes/patterns.h"
#include "runtime/fusion_util.h"

namespace sz0 {

int fuse_attention(Model& model) {
  passes::GraphView v(model.graph, model, nullptr);
  passes::Patch p;
  for (int i = 0; i < v.size(); ++i) {
    auto m = passes::match_attention(v, i);
    if (!m || !p.free(m->nodes)) continue;
    // Float Q, K, V of one rank with equal leading dims; the softmax over the last axis.
    const TypeInfo *q = v.type(m->q), *k = v.type(m->k), *val = v.type(m->v);
    if (!q || !k || !val || q->dtype != DType::Float || k->dtype != DType::Float || val->dtype != DType::Float) continue;
    if (!q->has_rank() || q->rank() < 2 || k->rank() != q->rank() || val->rank() != q->rank()) continue;
    const int r = q->rank();
    if (m->softmax_axis != -1 && m->softmax_axis != r - 1) continue;
    bool same_lead = true;
    for (int d = 0; d + 2 < r; ++d)
      same_lead = same_lead && (*q->shape)[d] == (*k->shape)[d] && (*q->shape)[d] == (*val->shape)[d];
    if (!same_lead) continue;
    if (!m->mask.empty()) {  // a float mask of no higher rank than the scores (the kernel checks the dims)
      const TypeInfo* mt = v.type(m->mask);
      if (!mt || mt->dtype != DType::Float || !mt->has_rank() || mt->rank() > r) continue;
    }
    Node a;
    a.op_type = "Attention";
    a.domain = ops::kInternalDomain;
    a.name = v.node(i).name;
    a.inputs = {m->q, m->k, m->v};
    if (!m->mask.empty()) a.inputs.push_back(m->mask);
    a.outputs = {m->output};
    a.attributes.push_back(passes::make_attr_float("scale", static_cast<float>(m->scale)));
    p.replace(m->nodes, {std::move(a)});
  }
  return apply_runtime_patch(model, std::move(p));
}

}  // namespace sz0

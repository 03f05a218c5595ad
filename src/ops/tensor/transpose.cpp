// Transpose: the output is written contiguously from a permuted strided view of the input.
#include "ops/tensor/tensor_util.h"

namespace sz0::ops {
namespace {

using namespace tensorops;

Result<std::vector<int64_t>> transpose_perm(const Node& node, int64_t rank) {
  std::vector<int64_t> perm;
  if (const Attribute* a = node.attr("perm")) {
    perm = a->ints;
    if (static_cast<int64_t>(perm.size()) != rank)
      return error("{}: perm has {} entries for rank {}", node.label(), perm.size(), rank);
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t& p : perm) {
      if (p < -rank || p >= rank) return error("{}: perm entry {} out of range for rank {}", node.label(), p, rank);
      if (p < 0) p += rank;
      if (seen[p]) return error("{}: perm repeats axis {}", node.label(), p);
      seen[p] = true;
    }
  } else {
    for (int64_t i = rank; i-- > 0;) perm.push_back(i);
  }
  return perm;
}

Status infer_transpose(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  const auto& in = ctx.in(0).shape;
  if (!in) {
    if (const Attribute* a = ctx.node.attr("perm")) o.shape = std::vector<Dim>(a->ints.size());
    return {};
  }
  SZ0_ASSIGN(auto perm, transpose_perm(ctx.node, static_cast<int64_t>(in->size())));
  std::vector<Dim> dims;
  for (int64_t p : perm) dims.push_back((*in)[p]);
  o.shape = std::move(dims);
  return {};
}

Status run_transpose(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(auto perm, transpose_perm(ctx.node(), x.rank()));
  const Shape in_strides = shape_strides(x.shape());
  Shape out_shape, src_strides;
  for (int64_t p : perm) {
    out_shape.push_back(x.shape()[p]);
    src_strides.push_back(in_strides[p]);
  }
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  strided_gather(es, x.raw(), src_strides, y.raw(), out_shape, ctx.threads());
  return {};
}

SZ0_REGISTER_OP(.op_type = "Transpose", .since = 1, .infer = infer_transpose, .compute = run_transpose);

}  // namespace
}  // namespace sz0::ops

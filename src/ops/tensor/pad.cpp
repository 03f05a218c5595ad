// Pad: modes constant, reflect, edge (and wrap); pads as an attribute before opset 11, as an input
// from opset 11 (with optional constant_value, and axes from opset 18). Negative pads crop.
#include "ops/tensor/tensor_util.h"

#include "kernels/parallel.h"

#include <cstring>

namespace sz0::ops {
namespace {

using namespace tensorops;

enum class PadMode { Constant, Reflect, Edge, Wrap };

Result<PadMode> pad_mode(const Node& node) {
  const std::string m = node.attr_string("mode", "constant");
  if (m == "constant") return PadMode::Constant;
  if (m == "reflect") return PadMode::Reflect;
  if (m == "edge") return PadMode::Edge;
  if (m == "wrap") return PadMode::Wrap;
  return error("{}: unknown mode '{}'", node.label(), m);
}

// Begin/end pads for every axis ([b0, b1, ..., e0, e1, ...] expanded to the full rank), or
// nullopt while the pads input is unknown.
template <class ValueFn>
Result<std::optional<std::vector<int64_t>>> pad_amounts(const Node& node, int64_t opset, int64_t rank,
                                                        ValueFn value) {
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  bool has_axes = false;
  if (opset < 11) {
    if (!node.has_attr("pads")) return error("{}: attribute 'pads' is required", node.label());
    pads = node.attr_ints("pads");
  } else {
    if (!value.present(1)) return error("{}: input 'pads' is required", node.label());
    const Tensor* p = value(1);
    if (!p) return std::optional<std::vector<int64_t>>();
    if (p->rank() != 1) return error("{}: pads must be 1-D, got rank {}", node.label(), p->rank());
    SZ0_ASSIGN(pads, int_values(node, *p, "pads"));
    if (opset >= 18 && value.present(3)) {
      const Tensor* a = value(3);
      if (!a) return std::optional<std::vector<int64_t>>();
      SZ0_ASSIGN(auto raw, int_values(node, *a, "axes"));
      SZ0_ASSIGN(axes, normalize_axes(node, raw, rank));
      has_axes = true;
    }
  }
  if (!has_axes)
    for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
  const size_t n = axes.size();
  if (pads.size() != 2 * n)
    return error("{}: pads has {} entries, expected {} for {} axes", node.label(), pads.size(), 2 * n, n);
  std::vector<int64_t> full(2 * static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    full[axes[i]] = pads[i];
    full[axes[i] + rank] = pads[i + n];
  }
  return std::optional(std::move(full));
}

struct InferValues {
  const InferContext& ctx;
  const Tensor* operator()(size_t i) const { return ctx.value(i); }
  bool present(size_t i) const { return ctx.has_input(i); }
};
struct KernelValues {
  const KernelContext& ctx;
  const Tensor* operator()(size_t i) const { return ctx.input(i); }
  bool present(size_t i) const { return ctx.has_input(i); }
};

Status infer_pad(InferContext& ctx) {
  TypeInfo& o = ctx.out(0);
  o.dtype = ctx.in(0).dtype;
  SZ0_TRY(pad_mode(ctx.node).status());
  const auto& in = ctx.in(0).shape;
  if (!in) return {};
  const int64_t r = static_cast<int64_t>(in->size());
  SZ0_ASSIGN(auto pads, pad_amounts(ctx.node, ctx.opset, r, InferValues{ctx}));
  std::vector<Dim> dims = *in;
  for (int64_t k = 0; k < r; ++k) {
    Dim& d = dims[k];
    if (!pads) {
      d = Dim();
      continue;
    }
    const int64_t add = (*pads)[k] + (*pads)[k + r];
    if (d.known()) {
      if (d.value + add < 0) return ctx.fail("pads {} and {} crop more than dimension {} ({})", (*pads)[k], (*pads)[k + r], k, d.value);
      d = Dim(d.value + add);
    } else if ((*pads)[k] != 0 || (*pads)[k + r] != 0) {
      d = Dim();
    }
  }
  o.shape = std::move(dims);
  return {};
}

// Input index for output index o along an axis of size d with begin pad b; -1 = constant.
int64_t source_index(PadMode mode, int64_t o, int64_t b, int64_t d) {
  int64_t i = o - b;
  if (i >= 0 && i < d) return i;
  switch (mode) {
    case PadMode::Constant: return -1;
    case PadMode::Edge: return i < 0 ? 0 : d - 1;
    case PadMode::Wrap: return ((i % d) + d) % d;
    case PadMode::Reflect: {
      if (d == 1) return 0;
      const int64_t p = 2 * (d - 1);
      i = ((i % p) + p) % p;
      return i < d ? i : p - i;
    }
  }
  return -1;
}

template <class U>
void pad_copy(const U* src, U* dst, U cval, const std::vector<std::vector<int64_t>>& maps, const Shape& in_strides,
              const Shape& out_shape, int threads) {
  const size_t r = out_shape.size();
  if (r == 0) {
    *dst = *src;
    return;
  }
  const int64_t len = out_shape.back();
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < r; ++k) rows *= out_shape[k];
  const std::vector<int64_t>& inner = maps.back();
  kernels::parallel_for(
      rows, threads,
      [&](int64_t b, int64_t e) {
        for (int64_t row = b; row < e; ++row) {
          int64_t rem = row, off = 0;
          bool constant = false;
          for (size_t k = r - 1; k-- > 0;) {
            const int64_t m = maps[k][rem % out_shape[k]];
            rem /= out_shape[k];
            if (m < 0) constant = true;
            off += m * in_strides[k];
          }
          U* d = dst + row * len;
          if (constant) {
            for (int64_t i = 0; i < len; ++i) d[i] = cval;
            continue;
          }
          const U* s = src + off;
          for (int64_t i = 0; i < len; ++i) {
            const int64_t m = inner[i];
            d[i] = m < 0 ? cval : s[m];
          }
        }
      },
      std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)));
}

// The fill value as the data's type: opset 11's constant_value input, or opset 2's float `value`.
Result<Tensor> pad_value(const KernelContext& ctx, DType dtype) {
  if (ctx.opset() >= 11) {
    const Tensor* v = ctx.input(2);
    if (!v) return Tensor(dtype, {});
    if (v->numel() < 1) return ctx.fail("constant_value is empty");
    return v->reshaped({1}).cast(dtype);
  }
  return Tensor::scalar<float>(ctx.node().attr_float("value", 0.0f)).cast(dtype);
}

Status run_pad(KernelContext& ctx) {
  const Tensor& x = ctx.in(0);
  const size_t es = dtype_size(x.dtype());
  if (es == 0) return ctx.fail("unsupported element type {}", dtype_name(x.dtype()));
  SZ0_ASSIGN(PadMode mode, pad_mode(ctx.node()));
  const int64_t r = x.rank();
  SZ0_ASSIGN(auto pads, pad_amounts(ctx.node(), ctx.opset(), r, KernelValues{ctx}));
  if (!pads) return ctx.fail("pads are unknown");
  Shape out_shape(static_cast<size_t>(r));
  std::vector<std::vector<int64_t>> maps(static_cast<size_t>(r));
  for (int64_t k = 0; k < r; ++k) {
    const int64_t d = x.dim(static_cast<int>(k)), b = (*pads)[k], e = (*pads)[k + r];
    out_shape[k] = d + b + e;
    if (out_shape[k] < 0) return ctx.fail("pads {} and {} crop more than dimension {} ({})", b, e, k, d);
    if (d == 0 && out_shape[k] > 0 && mode != PadMode::Constant)
      return ctx.fail("cannot pad an empty dimension {} in this mode", k);
    maps[k].resize(static_cast<size_t>(out_shape[k]));
    for (int64_t o = 0; o < out_shape[k]; ++o) maps[k][o] = source_index(mode, o, b, d);
  }
  SZ0_ASSIGN(Tensor cval, pad_value(ctx, x.dtype()));
  Tensor& y = ctx.output(0, x.dtype(), out_shape);
  if (y.numel() == 0) return {};
  const Shape xs = shape_strides(x.shape());
  visit_elem_size(x.dtype(), [&]<class U>() {
    U c;
    std::memcpy(&c, cval.raw(), sizeof(U));
    pad_copy(x.data<U>(), y.data<U>(), c, maps, xs, out_shape, ctx.threads());
  });
  return {};
}

SZ0_REGISTER_OP(.op_type = "Pad", .since = 2, .infer = infer_pad, .compute = run_pad);

}  // namespace
}  // namespace sz0::ops

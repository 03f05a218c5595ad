// Matmul and convolution geometry for the quantization ops.
#include "ops/quant/quant_util.h"

namespace sz0::ops::quant {

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

std::string dims_str(const std::vector<Dim>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ",";
    s += d[i].known() ? std::to_string(d[i].value) : (d[i].symbol.empty() ? "?" : d[i].symbol);
  }
  return s + "]";
}

}  // namespace

Result<std::vector<Dim>> matmul_dims(const Node& node, const std::vector<Dim>& a, const std::vector<Dim>& b) {
  if (a.empty() || b.empty())
    return error("{}: matmul operands must have rank >= 1, got ranks {} and {}", node.label(), a.size(), b.size());
  std::vector<Dim> a2 = a, b2 = b;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a2.insert(a2.begin(), Dim(1));
  if (b_vec) b2.push_back(Dim(1));
  const Dim& ka = a2.back();
  const Dim& kb = b2[b2.size() - 2];
  if (ka.known() && kb.known() && ka.value != kb.value)
    return error("{}: inner dimensions differ: A is {} and B is {}", node.label(), dims_str(a), dims_str(b));
  std::vector<std::vector<Dim>> batches = {std::vector<Dim>(a2.begin(), a2.end() - 2),
                                           std::vector<Dim>(b2.begin(), b2.end() - 2)};
  SZ0_ASSIGN(std::vector<Dim> out, broadcast_dims(node, batches));
  if (!a_vec) out.push_back(a2[a2.size() - 2]);
  if (!b_vec) out.push_back(b2.back());
  return out;
}

Result<MatmulPlan> plan_matmul(const Node& node, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    return error("{}: matmul operands must have rank >= 1, got ranks {} and {}", node.label(), a.size(), b.size());
  Shape a2 = a, b2 = b;
  if (a.size() == 1) a2.insert(a2.begin(), 1);
  if (b.size() == 1) b2.push_back(1);
  MatmulPlan p;
  p.m = a2[a2.size() - 2];
  p.k = a2.back();
  p.n = b2.back();
  if (b2[b2.size() - 2] != p.k)
    return error("{}: inner dimensions differ: A is {} and B is {}", node.label(), shape_str(a), shape_str(b));
  p.a_batch.assign(a2.begin(), a2.end() - 2);
  p.b_batch.assign(b2.begin(), b2.end() - 2);
  std::vector<Shape> batches = {p.a_batch, p.b_batch};
  SZ0_ASSIGN(p.out_batch, broadcast_shapes(node, batches));
  p.a_batches = shape_numel(p.a_batch);
  p.b_batches = shape_numel(p.b_batch);
  p.out_batches = shape_numel(p.out_batch);
  const auto sa = broadcast_strides(p.a_batch, p.out_batch), sb = broadcast_strides(p.b_batch, p.out_batch);
  p.a_index.resize(static_cast<size_t>(p.out_batches));
  p.b_index.resize(static_cast<size_t>(p.out_batches));
  for (int64_t o = 0; o < p.out_batches; ++o) {
    int64_t rest = o, ia = 0, ib = 0;
    for (size_t d = p.out_batch.size(); d-- > 0;) {
      const int64_t i = rest % p.out_batch[d];
      rest /= p.out_batch[d];
      ia += i * sa[d];
      ib += i * sb[d];
    }
    p.a_index[o] = ia;
    p.b_index[o] = ib;
  }
  return p;
}

template <class V>
Result<std::vector<V>> expand_matmul_param(const Node& node, const std::vector<V>& values, const Shape& shape,
                                           const Shape& batch, int64_t len, bool rows, const char* what) {
  const int64_t batches = shape_numel(batch);
  std::vector<V> out(static_cast<size_t>(batches * len));
  if (values.size() == 1) {
    std::fill(out.begin(), out.end(), values[0]);
    return out;
  }
  Shape target = batch;
  target.push_back(rows ? len : 1);
  target.push_back(rows ? 1 : len);
  auto bad = [&] {
    return error("{}: {} has shape {}; expected one value, a vector of {} or a shape broadcastable to {}",
                 node.label(), what, shape_str(shape), len, shape_str(target));
  };
  if (shape.size() == 1) {
    // A vector holds one value per row (A side) or per column (B side), shared by every batch.
    if (shape[0] != len) return bad();
    for (int64_t b = 0; b < batches; ++b) std::copy(values.begin(), values.end(), out.begin() + b * len);
    return out;
  }
  if (shape.empty() || shape.size() > target.size()) return bad();
  const size_t off = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != target[off + i]) return bad();
  const auto st = broadcast_strides(shape, target);
  for (int64_t b = 0; b < batches; ++b) {
    int64_t rest = b, base = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      base += (rest % batch[d]) * st[d];
      rest /= batch[d];
    }
    const int64_t step = st[target.size() - (rows ? 2 : 1)];
    for (int64_t i = 0; i < len; ++i) out[b * len + i] = values[base + i * step];
  }
  return out;
}

template Result<std::vector<int32_t>> expand_matmul_param(const Node&, const std::vector<int32_t>&, const Shape&,
                                                          const Shape&, int64_t, bool, const char*);
template Result<std::vector<float>> expand_matmul_param(const Node&, const std::vector<float>&, const Shape&,
                                                        const Shape&, int64_t, bool, const char*);

Result<ConvAttrs> parse_conv_attrs(const Node& node, size_t nd) {
  ConvAttrs a;
  a.kernel = node.attr_ints("kernel_shape");
  a.strides = node.attr_ints("strides", std::vector<int64_t>(nd, 1));
  a.dilations = node.attr_ints("dilations", std::vector<int64_t>(nd, 1));
  a.pads = node.attr_ints("pads", std::vector<int64_t>(2 * nd, 0));
  a.auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (a.auto_pad.empty()) a.auto_pad = "NOTSET";
  a.group = node.attr_int("group", 1);
  if (!a.kernel.empty() && a.kernel.size() != nd)
    return error("{}: kernel_shape has {} values, expected {}", node.label(), a.kernel.size(), nd);
  for (int64_t k : a.kernel)
    if (k <= 0) return error("{}: kernel_shape values must be positive", node.label());
  if (a.strides.size() != nd) return error("{}: strides has {} values, expected {}", node.label(), a.strides.size(), nd);
  if (a.dilations.size() != nd)
    return error("{}: dilations has {} values, expected {}", node.label(), a.dilations.size(), nd);
  if (a.pads.size() != 2 * nd) return error("{}: pads has {} values, expected {}", node.label(), a.pads.size(), 2 * nd);
  for (size_t i = 0; i < nd; ++i) {
    if (a.strides[i] <= 0) return error("{}: strides must be positive", node.label());
    if (a.dilations[i] <= 0) return error("{}: dilations must be positive", node.label());
  }
  for (int64_t p : a.pads)
    if (p < 0) return error("{}: pads must be non-negative", node.label());
  if (a.auto_pad != "NOTSET" && a.auto_pad != "VALID" && a.auto_pad != "SAME_UPPER" && a.auto_pad != "SAME_LOWER")
    return error("{}: unknown auto_pad '{}'", node.label(), a.auto_pad);
  if (a.group < 1) return error("{}: group must be >= 1, got {}", node.label(), a.group);
  return a;
}

Status conv_out_dim(const Node& node, const ConvAttrs& a, size_t d, int64_t in, int64_t* out, int64_t* pad_begin,
                    int64_t* pad_end) {
  const size_t nd = a.strides.size();
  const int64_t s = a.strides[d], extent = (a.kernel[d] - 1) * a.dilations[d] + 1;
  int64_t pb = a.pads[d], pe = a.pads[d + nd];
  if (a.auto_pad == "VALID") pb = pe = 0;
  if (in < 0) {
    *out = -1;
  } else if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
    *out = ceil_div(in, s);
    const int64_t total = std::max<int64_t>(0, (*out - 1) * s + extent - in);
    pb = a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    pe = total - pb;
  } else {
    if (in + pb + pe < extent)
      return error("{}: spatial axis {} of size {} (padded {}) is smaller than the dilated kernel ({})", node.label(),
                   d, in, in + pb + pe, extent);
    *out = (in + pb + pe - extent) / s + 1;
  }
  if (pad_begin) *pad_begin = pb;
  if (pad_end) *pad_end = pe;
  return {};
}

Result<std::vector<Dim>> conv_dims(const Node& node, const std::vector<Dim>& x, const std::vector<Dim>& w) {
  if (x.size() < 3) return error("{}: input x must have rank >= 3 (N, C, spatial...), got {}", node.label(), x.size());
  if (w.size() != x.size())
    return error("{}: weight rank {} does not match input rank {}", node.label(), w.size(), x.size());
  const size_t nd = x.size() - 2;
  SZ0_ASSIGN(ConvAttrs a, parse_conv_attrs(node, nd));
  const bool attr_kernel = !a.kernel.empty();
  if (!attr_kernel) a.kernel.assign(nd, -1);
  for (size_t i = 0; i < nd; ++i) {
    const Dim& wk = w[2 + i];
    if (!wk.known()) continue;
    if (wk.value <= 0) return error("{}: weight spatial dims must be positive, got {}", node.label(), wk.value);
    if (attr_kernel && a.kernel[i] != wk.value)
      return error("{}: kernel_shape {} does not match weight dim {} along spatial axis {}", node.label(), a.kernel[i],
                   wk.value, i);
    a.kernel[i] = wk.value;
  }
  if (x[1].known() && w[1].known() && x[1].value != w[1].value * a.group)
    return error("{}: input has {} channels but weight expects {} x group {}", node.label(), x[1].value, w[1].value,
                 a.group);
  if (w[0].known() && w[0].value % a.group != 0)
    return error("{}: {} output channels are not divisible by group {}", node.label(), w[0].value, a.group);
  std::vector<Dim> out = {x[0], w[0]};
  for (size_t i = 0; i < nd; ++i) {
    if (a.kernel[i] <= 0 || !x[2 + i].known()) {
      out.push_back(Dim());
      continue;
    }
    int64_t o = -1;
    SZ0_TRY(conv_out_dim(node, a, i, x[2 + i].value, &o, nullptr, nullptr));
    out.push_back(Dim(o));
  }
  return out;
}

Result<ConvPlan> plan_conv(const Node& node, const Shape& x, const Shape& w) {
  SZ0_ASSIGN(std::vector<Dim> dims, conv_dims(node, to_dims(x), to_dims(w)));
  const size_t nd = x.size() - 2;
  SZ0_ASSIGN(ConvAttrs a, parse_conv_attrs(node, nd));
  a.kernel.assign(w.begin() + 2, w.end());
  ConvPlan p;
  p.batch = x[0];
  p.in_c = x[1];
  p.out_c = w[0];
  p.group = a.group;
  p.in_c_g = w[1];
  p.out_c_g = p.out_c / p.group;
  p.kernel = a.kernel;
  p.strides = a.strides;
  p.dilations = a.dilations;
  p.in_sp.assign(x.begin() + 2, x.end());
  for (size_t i = 0; i < nd; ++i) {
    int64_t o = 0, pb = 0;
    SZ0_TRY(conv_out_dim(node, a, i, x[2 + i], &o, &pb, nullptr));
    p.out_sp.push_back(o);
    p.pad_begin.push_back(pb);
    p.in_size *= x[2 + i];
    p.out_size *= o;
    p.kernel_size *= a.kernel[i];
  }
  return p;
}

}  // namespace sz0::ops::quant

// BatchNormalization folding (extended).
// Targets: BatchNormalization (inference form: one output, training_mode 0) whose input comes
//          from Conv, ConvTranspose, Gemm or a 2-D MatMul.
// Applies: the producer's weights (and bias, if any) and the BN's scale, bias, mean and variance
//          are constants; the intermediate value feeds only the BN; the channel counts agree.
// Changes: with s = scale / sqrt(var + eps) per output channel, the weights become W * s and the
//          bias (b - mean) * s + B: one Conv / ConvTranspose / Gemm node writing the BN's output.
//          A MatMul becomes MatMul + Add, which fuse_matmul_add turns into a Gemm.
#include "passes/pass.h"

#include <cmath>

namespace sz0::passes {

namespace {

struct Affine {
  std::vector<double> s, t;  // y = x * s + t per channel
};

std::optional<Affine> bn_affine(const GraphView& v, const Node& bn) {
  if (bn.inputs.size() != 5 || bn.attr_int("training_mode", 0) != 0 || bn.attr_int("spatial", 1) != 1) return std::nullopt;
  for (size_t k = 1; k < bn.outputs.size(); ++k)
    if (!bn.outputs[k].empty()) return std::nullopt;
  const Tensor* p[4];
  for (size_t k = 0; k < 4; ++k) {
    p[k] = v.constant(bn.inputs[k + 1]);
    if (!p[k] || !dtype_is_float(p[k]->dtype()) || p[k]->numel() != p[0]->numel()) return std::nullopt;
  }
  const double eps = bn.attr_float("epsilon", 1e-5f);
  const auto scale = as_doubles(*p[0]), bias = as_doubles(*p[1]), mean = as_doubles(*p[2]), var = as_doubles(*p[3]);
  Affine a;
  for (size_t c = 0; c < scale.size(); ++c) {
    a.s.push_back(scale[c] / std::sqrt(var[c] + eps));
    a.t.push_back(bias[c] - mean[c] * a.s.back());
  }
  return a;
}

// New bias (b - mean) * s + B from an optional old bias of one value per channel.
std::vector<double> folded_bias(const Tensor* old, const Affine& a) {
  std::vector<double> b = old ? as_doubles(*old) : std::vector<double>(a.s.size(), 0.0);
  for (size_t c = 0; c < a.s.size(); ++c) b[c] = b[c] * a.s[c] + a.t[c];
  return b;
}

}  // namespace

Result<Patch> fuse_batch_norm(const GraphView& v, PassContext& ctx) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& bn = v.node(i);
    if (!is_onnx_domain(bn.domain) || bn.op_type != "BatchNormalization" || bn.inputs.empty()) continue;
    const std::string& x = bn.inputs[0];
    const int pi = v.producer(x);
    if (pi < 0 || !v.single_use(x) || !p.free({pi, i})) continue;
    const Node& prod = v.node(pi);
    if (!is_onnx_domain(prod.domain) || prod.inputs.size() < 2 || prod.outputs.size() != 1) continue;
    const std::string& op = prod.op_type;
    if (op != "Conv" && op != "ConvTranspose" && op != "Gemm" && op != "MatMul") continue;
    const Tensor* w = v.constant(prod.inputs[1]);
    if (!w) continue;
    const Tensor* bias = prod.has_input(2) ? v.constant(prod.inputs[2]) : nullptr;
    if (prod.has_input(2) && !bias) continue;
    auto a = bn_affine(v, bn);
    if (!a) continue;
    const int64_t channels = static_cast<int64_t>(a->s.size());
    if (bias && op != "Gemm" && bias->numel() != channels) continue;
    if (op == "MatMul" && v.rank(prod.inputs[0]) != 2) continue;  // BN's channel axis 1 is then the last
    auto scaled = scale_output_channels(prod, *w, a->s);
    if (!scaled) continue;
    Node fused = prod;
    fused.outputs = {bn.outputs[0]};
    const std::string wname = ctx.names.fresh(prod.inputs[1] + ".bn");
    const std::string bname = ctx.names.fresh((prod.name.empty() ? bn.outputs[0] : prod.name) + ".bias");
    std::vector<Node> replacement;
    if (op == "Gemm" && bias) {
      // C broadcasts to [M, N]: only a per-column (or single) value folds; beta goes into it.
      const Shape& cs = bias->shape();
      const bool per_column = bias->numel() == channels && (cs.size() == 1 || (cs.size() == 2 && cs[0] == 1));
      if (!per_column && bias->numel() != 1) continue;
      const double beta = prod.attr_float("beta", 1.f);
      const std::vector<double> cb = as_doubles(*bias);
      std::vector<double> col(static_cast<size_t>(channels));
      for (size_t c = 0; c < col.size(); ++c) col[c] = beta * cb[per_column ? c : 0] * a->s[c] + a->t[c];
      p.add_initializers[bname] = from_doubles(col, {channels}, w->dtype());
    }
    p.add_initializers[wname] = *scaled;
    fused.inputs[1] = wname;
    if (op == "MatMul") {
      const std::string mm = ctx.names.fresh(bn.outputs[0] + ".matmul");
      fused.outputs = {mm};
      p.add_initializers[bname] = from_doubles(folded_bias(nullptr, *a), {channels}, w->dtype());
      replacement = {std::move(fused), make_node("Add", {mm, bname}, {bn.outputs[0]}, bn.name)};
    } else {
      if (!p.add_initializers.count(bname)) p.add_initializers[bname] = from_doubles(folded_bias(bias, *a), {channels}, w->dtype());
      fused.inputs.resize(3);
      fused.inputs[2] = bname;
      if (op == "Gemm") fused.set_attr(make_attr_float("beta", 1.f));
      replacement = {std::move(fused)};
    }
    p.replace({pi, i}, std::move(replacement));
  }
  return p;
}

}  // namespace sz0::passes

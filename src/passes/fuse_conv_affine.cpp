// Conv scale / bias folding (extended).
// Targets: Mul or Add of a Conv or ConvTranspose output and a constant holding one value per
//          output channel ([M, 1, 1], [1, M, 1, 1], ...) or a single value: the per-channel
//          affine steps some exporters write after a convolution.
// Applies: the convolution's weights (and bias, if any) are constants of the same type; the
//          constant broadcasts along the channel axis only (it cannot add dims to the output);
//          the convolution's output feeds only this node.
// Changes: Mul by s: weights W * s and bias b * s. Add of t: bias b + t. One convolution node
//          writing the Mul's or Add's output.
#include "passes/pass.h"

namespace sz0::passes {

namespace {

// One value per output channel from a constant that broadcasts against [N, M, spatial...]
// (rank `rank`) along axis 1 only; nullopt otherwise.
std::optional<std::vector<double>> per_channel(const Tensor& c, int64_t channels, int rank) {
  if (c.rank() > rank || c.numel() < 1) return std::nullopt;
  Shape s(static_cast<size_t>(rank - c.rank()), 1);
  s.insert(s.end(), c.shape().begin(), c.shape().end());
  for (size_t k = 0; k < s.size(); ++k)
    if (s[k] != 1 && !(k == 1 && s[k] == channels)) return std::nullopt;
  const std::vector<double> vals = as_doubles(c);
  std::vector<double> out(static_cast<size_t>(channels));
  for (size_t m = 0; m < out.size(); ++m) out[m] = vals[vals.size() == 1 ? 0 : m];
  return out;
}

}  // namespace

Result<Patch> fuse_conv_affine(const GraphView& v, PassContext& ctx) {
  Patch p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& n = v.node(i);
    if (!is_onnx_domain(n.domain) || (n.op_type != "Mul" && n.op_type != "Add") || n.inputs.size() != 2 || !n.has_output(0)) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string& y = n.inputs[static_cast<size_t>(side)];
      const Tensor* c = v.constant(n.inputs[static_cast<size_t>(1 - side)]);
      const int pi = v.producer(y);
      if (!c || pi < 0 || !v.single_use(y)) continue;
      const Node& conv = v.node(pi);
      if (!is_onnx_domain(conv.domain) || (conv.op_type != "Conv" && conv.op_type != "ConvTranspose") ||
          conv.inputs.size() < 2 || conv.outputs.size() != 1)
        continue;
      const Tensor* w = v.constant(conv.inputs[1]);
      const Tensor* b = conv.has_input(2) ? v.constant(conv.inputs[2]) : nullptr;
      if (!w || (conv.has_input(2) && !b) || c->dtype() != w->dtype() || !dtype_is_float(w->dtype())) continue;
      const int64_t channels = output_channels(conv, *w);
      if (channels <= 0 || (b && b->numel() != channels)) continue;
      auto vals = per_channel(*c, channels, w->rank());
      if (!vals || !p.free({pi, i})) continue;
      std::vector<double> bias = b ? as_doubles(*b) : std::vector<double>(static_cast<size_t>(channels), 0.0);
      Node fused = conv;
      fused.outputs = {n.outputs[0]};
      if (n.op_type == "Mul") {
        auto scaled = scale_output_channels(conv, *w, *vals);
        if (!scaled) continue;
        const std::string wname = ctx.names.fresh(conv.inputs[1] + ".scaled");
        p.add_initializers[wname] = *scaled;
        fused.inputs[1] = wname;
        if (!b) {  // no bias: nothing to scale
          p.replace({pi, i}, {std::move(fused)});
          break;
        }
        for (size_t m = 0; m < bias.size(); ++m) bias[m] *= (*vals)[m];
      } else {
        for (size_t m = 0; m < bias.size(); ++m) bias[m] += (*vals)[m];
      }
      const std::string bname = ctx.names.fresh((conv.name.empty() ? n.outputs[0] : conv.name) + ".bias");
      p.add_initializers[bname] = from_doubles(bias, {channels}, w->dtype());
      fused.inputs.resize(3);
      fused.inputs[2] = bname;
      p.replace({pi, i}, {std::move(fused)});
      break;
    }
  }
  return p;
}

}  // namespace sz0::passes

// MatMul / Gemm epilogue fusion; see fuse_matmul.h.
//
// From each MatMul or Gemm with a constant 2-D float B, the chain that follows is absorbed while
// each link is the only reader of the value before it:
//   1. a bias Add of a constant with n elements broadcast along the last axis (not after a Gemm
//      that has C already),
//   2. an activation (the ops of is_fusable_activation, Gelu, or GELU (exact erf form) or SiLU
//      written out, as passes::match_gelu / match_silu find them), or else
//   3. a residual Add of a value of the output's shape.
#include "runtime/fuse_matmul.h"

#include "ops/internal.h"
#include "passes/patterns.h"
#include "runtime/fusion_util.h"

#include <algorithm>
#include <map>

namespace sz0 {

namespace {

using passes::GraphView;

class Fuser {
 public:
  explicit Fuser(const Model& m) : v_(m.graph, m, nullptr), written_out_(written_out_activations(v_)) {}

  passes::Patch run() {
    passes::Patch p;
    for (int i = 0; i < v_.size(); ++i) {
      const Node& n = v_.node(i);
      if (!passes::is_onnx_domain(n.domain) || (n.op_type != "MatMul" && n.op_type != "Gemm")) continue;
      if (auto f = fuse(i); f && p.free(f->nodes)) p.replace(f->nodes, {std::move(f->node)});
    }
    return p;
  }

 private:
  struct Fusion {
    std::vector<int> nodes;
    Node node;
  };

  // The sole reader of `name` (an ai.onnx node), or -1.
  int sole_reader(const std::string& name) const {
    if (!v_.single_use(name)) return -1;
    const int r = v_.readers(name).front();
    return passes::is_onnx_domain(v_.node(r).domain) ? r : -1;
  }

  const TypeInfo* float_type(const std::string& name) const {
    const TypeInfo* t = v_.type(name);
    return t && t->dtype == DType::Float && t->has_rank() ? t : nullptr;
  }

  std::optional<Fusion> fuse(int i) {
    const Node& mm = v_.node(i);
    const bool gemm = mm.op_type == "Gemm";
    if (mm.inputs.size() < 2 || mm.outputs.size() != 1 || mm.outputs[0].empty()) return std::nullopt;
    const Tensor* w = v_.constant(mm.inputs[1]);
    const TypeInfo* a = float_type(mm.inputs[0]);
    if (!w || w->dtype() != DType::Float || w->rank() != 2 || !a || a->rank() < (gemm ? 2 : 1)) return std::nullopt;
    const bool tb = gemm && mm.attr_int("transB", 0) != 0;
    const int64_t n = tb ? w->dim(0) : w->dim(1);
    if (gemm && (mm.attr_int("transA", 0) != 0 || a->rank() != 2)) return std::nullopt;
    Fusion f;
    f.nodes = {i};
    std::string out = mm.outputs[0], bias, residual, act;
    std::vector<float> act_params;
    float alpha = 1.0f;
    if (gemm) {
      alpha = mm.attr_float("alpha", 1.0f);
      if (mm.has_input(2)) {
        const Tensor* c = v_.constant(mm.inputs[2]);
        if (!c || !is_bias(*c, n) || mm.attr_float("beta", 1.0f) != 1.0f) return std::nullopt;
        bias = mm.inputs[2];
      }
    }
    // 1. bias
    if (bias.empty()) {
      const int r = sole_reader(out);
      if (r >= 0 && v_.node(r).op_type == "Add" && v_.node(r).inputs.size() == 2) {
        const Node& add = v_.node(r);
        const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
        const Tensor* c = v_.constant(other);
        if (c && is_bias(*c, n) && same_shape(add.outputs[0], out)) {
          bias = other;
          f.nodes.push_back(r);
          out = add.outputs[0];
        }
      }
    }
    // 2. activation
    const int r = sole_reader(out);
    auto pattern = written_out_.find(out);
    if (r >= 0 && is_fusable_activation(v_.node(r).op_type) && v_.node(r).outputs.size() == 1) {
      auto params = activation_params(v_.node(r), v_.opset(), [this](const std::string& s) { return v_.constant(s); });
      if (params) {
        act = v_.node(r).op_type;
        act_params = *params;
        f.nodes.push_back(r);
        out = v_.node(r).outputs[0];
      }
    } else if (r >= 0 && v_.node(r).op_type == "Gelu") {
      act = v_.node(r).attr_string("approximate", "none") == "tanh" ? "GeluTanh" : "Gelu";
      f.nodes.push_back(r);
      out = v_.node(r).outputs[0];
    } else if (pattern != written_out_.end() && readers_within(v_, out, pattern->second.nodes)) {
      act = pattern->second.act;
      f.nodes.insert(f.nodes.end(), pattern->second.nodes.begin(), pattern->second.nodes.end());
      out = pattern->second.output;
    }
    // 3. residual (y = A·B + bias + R; an activation would have to come after it)
    if (act.empty()) {
      const int rr = sole_reader(out);
      if (rr >= 0 && v_.node(rr).op_type == "Add" && v_.node(rr).inputs.size() == 2) {
        const Node& add = v_.node(rr);
        const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
        if (other != out && !v_.constant(other) && same_shape(other, out) && same_shape(add.outputs[0], out)) {
          residual = other;
          f.nodes.push_back(rr);
          out = add.outputs[0];
        }
      }
    }
    if (f.nodes.size() == 1) return std::nullopt;  // nothing to fuse: the packed MatMul/Gemm kernel runs it
    Node& fm = f.node;
    fm.op_type = "FusedMatMul";
    fm.domain = ops::kInternalDomain;
    fm.name = mm.name;
    fm.inputs = {mm.inputs[0], mm.inputs[1], bias, residual};
    while (!fm.inputs.empty() && fm.inputs.back().empty()) fm.inputs.pop_back();
    fm.outputs = {out};
    fm.attributes.push_back(passes::make_attr_int("trans_b", tb ? 1 : 0));
    if (alpha != 1.0f) fm.attributes.push_back(passes::make_attr_float("alpha", alpha));
    set_activation(fm, act, act_params);
    return f;
  }

  // A constant of n elements that broadcasts along the last axis only ([n], [1, n], [1, 1, n]).
  static bool is_bias(const Tensor& c, int64_t n) {
    if (c.dtype() != DType::Float || c.numel() != n || c.rank() < 1 || c.dim(c.rank() - 1) != n) return false;
    return true;
  }

  // Equal dim by dim (known and equal, or the same symbol).
  bool same_shape(const std::string& x, const std::string& y) const {
    const TypeInfo *tx = float_type(x), *ty = float_type(y);
    return tx && ty && *tx->shape == *ty->shape;
  }

  GraphView v_;
  std::map<std::string, WrittenOutActivation> written_out_;
};

}  // namespace

int fuse_matmul_epilogues(Model& model) {
  return apply_runtime_patch(model, Fuser(model).run());
}

}  // namespace sz0

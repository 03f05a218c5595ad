// MatMul + Add → Gemm (extended).
// Targets: Add(MatMul(A, B), bias) in either operand order.
// Applies: A and B are 2-D (Gemm has no batch axes), of a floating type Gemm takes at this
//          opset (11 or newer, when its C became optional and broadcast one way); the bias is a
//          constant of one value per column ([N], [1, N]) or a single value; the MatMul's output
//          feeds only the Add.
// Changes: one Gemm(A, B, bias) node writing the Add's output.
#include "passes/pass.h"

namespace sz0::passes {

Result<Patch> fuse_matmul_add(const GraphView& v, PassContext&) {
  Patch p;
  const int64_t opset = v.opset();
  if (opset < 11) return p;
  for (int i = 0; i < v.size(); ++i) {
    const Node& add = v.node(i);
    if (!is_onnx_domain(add.domain) || add.op_type != "Add" || add.inputs.size() != 2 || !add.has_output(0)) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string& mm = add.inputs[static_cast<size_t>(side)];
      const std::string& bias_name = add.inputs[static_cast<size_t>(1 - side)];
      const Node* matmul = v.producer_of(mm, "MatMul");
      const Tensor* bias = v.constant(bias_name);
      if (!matmul || !bias || matmul->inputs.size() != 2 || !v.single_use(mm)) continue;
      const TypeInfo* a = v.type(matmul->inputs[0]);
      const TypeInfo* b = v.type(matmul->inputs[1]);
      if (!a || !b || a->rank() != 2 || b->rank() != 2) continue;
      const DType dt = a->dtype;
      const bool float_type = dt == DType::Float || dt == DType::Double || dt == DType::Float16 ||
                              (dt == DType::BFloat16 && opset >= 13);
      if (!float_type || b->dtype != dt || bias->dtype() != dt) continue;
      const Dim& n = (*b->shape)[1];
      const Shape& bs = bias->shape();
      const bool single = bias->numel() == 1 && bs.size() <= 2;
      const bool per_column = n.known() && bias->numel() == n.value && (bs.size() == 1 || (bs.size() == 2 && bs[0] == 1));
      if (!single && !per_column) continue;
      const int mi = v.producer(mm);
      if (!p.free({mi, i})) continue;
      p.replace({mi, i}, {make_node("Gemm", {matmul->inputs[0], matmul->inputs[1], bias_name}, {add.outputs[0]},
                                    add.name.empty() ? matmul->name : add.name)});
      break;
    }
  }
  return p;
}

}  // namespace sz0::passes

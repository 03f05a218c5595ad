// Running one recurrent node's kernels directly, as the recurrent kernel tests do: its output
// types inferred from the inputs, a KernelInit in which W, R, B and P are constants (what the
// fused kernels require), and a run over the given inputs. Inputs left undefined are omitted.
#pragma once

#include "ops/op.h"
#include "util/op_test.h"

#include <vector>

namespace sz0::test::rnn {

inline std::vector<TypeInfo> infer_outputs(const Node& n, const std::vector<Tensor>& inputs) {
  sz0::ops::InferContext ic(n, 14);
  for (const Tensor& t : inputs) {
    ic.inputs.push_back(t.defined() ? TypeInfo::of(t) : TypeInfo{});
    ic.values.push_back(nullptr);
  }
  const Status st = sz0::ops::infer_node(ic);
  EXPECT_TRUE(st.ok()) << st.message();
  return ic.outputs;
}

inline sz0::ops::KernelInit init_of(const Node& n, const std::vector<Tensor>& inputs, const std::vector<TypeInfo>& outputs,
                               int threads = 1) {
  sz0::ops::KernelInit init{n, 14, {}, {}, outputs, threads};
  for (size_t i = 0; i < inputs.size(); ++i) {
    init.inputs.push_back(inputs[i].defined() ? TypeInfo::of(inputs[i]) : TypeInfo{});
    const bool weight = i == 1 || i == 2 || i == 3 || i == 7;
    init.constants.push_back(weight && inputs[i].defined() ? &inputs[i] : nullptr);
  }
  return init;
}

inline Result<std::vector<Tensor>> run_kernel(sz0::ops::Kernel& k, const Node& n, const std::vector<Tensor>& inputs,
                                              const std::vector<TypeInfo>& outputs, int threads = 1) {
  sz0::ops::KernelContext ctx(n, 14);
  for (const Tensor& t : inputs) ctx.inputs_.push_back(t.defined() ? &t : nullptr);
  ctx.inferred_ = outputs;
  ctx.outputs_.resize(n.outputs.size());
  ctx.threads_ = threads;
  SZ0_TRY(k.run(ctx));
  return std::move(ctx.outputs_);
}

}  // namespace sz0::test::rnn

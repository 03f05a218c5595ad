// Runtime-only: a float16 model computed in float32. CPUs without float16 arithmetic gain
// nothing from float16 compute, and sz0's float16 kernels convert element by element; as a
// float32 graph the model takes the fast kernels and fusions. Results are float32-accurate
// (closer to the float32 original than true float16 compute). Never written to files.
#pragma once

#include <sz0/graph.h>

namespace sz0 {

// Float16 initializers, Constant values and ConstantOfShape fill values become float32, Casts to
// float16 cast to float32; a float16 graph input is cast to float32 after it, a float16 output
// back before it. Graphs holding subgraphs, or ops whose output type is an attribute other than
// these, are left alone. Returns whether the model changed.
bool upcast_float16(Model& model);

}  // namespace sz0

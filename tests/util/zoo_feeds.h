// Seeded random feeds for a zoo model at a batch size (integer inputs in [0, 999]).
#pragma once

#include <sz0/zoo.h>

#include "util/op_test.h"

#include <map>
#include <string>

namespace sz0::test {

inline std::map<std::string, Tensor> zoo_feeds(const zoo::ZooModel& m, int64_t batch, uint32_t seed) {
  std::map<std::string, Tensor> feeds;
  for (const zoo::InputSpec& in : m.inputs) {
    Shape shape{batch};
    shape.insert(shape.end(), in.dims.begin(), in.dims.end());
    feeds[in.name] = in.dtype == DType::Int64 ? random_tensor(DType::Int64, shape, seed, 0, 999)
                                              : random_tensor(in.dtype, shape, seed);
  }
  return feeds;
}

}  // namespace sz0::test

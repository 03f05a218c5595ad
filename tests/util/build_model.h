// The model a ModelBuilder made, for tests: a failed build fails the test and yields an empty
// model.
#pragma once

#include <sz0/builder.h>

#include <gtest/gtest.h>

namespace sz0 {

inline Model build_model(ModelBuilder& b) {
  auto m = b.build();
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(*m) : Model{};
}

}  // namespace sz0

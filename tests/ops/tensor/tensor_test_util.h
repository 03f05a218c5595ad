// Helpers for the tensor-op tests: direct shape inference calls and index arithmetic for the
// naive references.
#pragma once

#include "ops/op.h"
#include "util/op_test.h"

#include <cstring>
#include <string>
#include <vector>

namespace sz0::test {

inline Dim sym(const std::string& s) { return Dim(s); }

struct InferSpec {
  std::string op_type;
  std::vector<TypeInfo> inputs;
  std::vector<const Tensor*> values;  // parallel to inputs; missing entries are unknown
  std::vector<Attribute> attributes;
  int num_outputs = 1;
  int64_t opset = 17;
};

// Runs the registered inference function of one node.
inline Result<std::vector<TypeInfo>> infer(const InferSpec& spec) {
  Node n;
  n.name = "n0";
  n.op_type = spec.op_type;
  n.attributes = spec.attributes;
  for (size_t i = 0; i < spec.inputs.size(); ++i) n.inputs.push_back("x" + std::to_string(i));
  for (int i = 0; i < spec.num_outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  ops::InferContext ctx(n, spec.opset);
  ctx.inputs = spec.inputs;
  ctx.values = spec.values;
  ctx.values.resize(spec.inputs.size(), nullptr);
  SZ0_TRY(ops::infer_node(ctx));
  return ctx.outputs;
}

// Same rank and, per dim, the same size, the same symbol, or both unknown.
inline ::testing::AssertionResult dims_match(const TypeInfo& t, const std::vector<Dim>& want) {
  TypeInfo w(t.dtype, want);
  if (!t.shape) return ::testing::AssertionFailure() << "rank unknown, expected " << w.str();
  bool ok = t.shape->size() == want.size();
  for (size_t i = 0; ok && i < want.size(); ++i) {
    const Dim &a = (*t.shape)[i], &b = want[i];
    ok = a.known() ? (b.known() && a.value == b.value) : (!b.known() && a.symbol == b.symbol);
  }
  if (!ok) return ::testing::AssertionFailure() << "got " << t.str() << ", expected " << w.str();
  return ::testing::AssertionSuccess();
}
#define EXPECT_DIMS(t, ...) EXPECT_TRUE(::sz0::test::dims_match(t, std::vector<Dim>__VA_ARGS__))

// Row-major index arithmetic for references.
inline Shape unravel(int64_t i, const Shape& shape) {
  Shape idx(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    idx[k] = i % shape[k];
    i /= shape[k];
  }
  return idx;
}
inline int64_t ravel(const Shape& idx, const Shape& shape) {
  int64_t o = 0;
  for (size_t k = 0; k < shape.size(); ++k) o = o * shape[k] + idx[k];
  return o;
}

// Copies element `from` of `src` into element `to` of `dst` (same dtype), byte-exact.
inline void copy_elem(const Tensor& src, int64_t from, Tensor& dst, int64_t to) {
  const size_t es = dtype_size(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw()) + to * es, static_cast<const char*>(src.raw()) + from * es, es);
}

// Byte-exact equality (dtype, shape and every element's bits).
inline ::testing::AssertionResult tensors_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(a.dtype()) << " vs expected " << dtype_name(b.dtype());
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(a.shape()) << " vs expected " << shape_str(b.shape());
  if (a.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) != 0) {
    const size_t es = dtype_size(a.dtype());
    for (int64_t i = 0; i < a.numel(); ++i)
      if (std::memcmp(static_cast<const char*>(a.raw()) + i * es, static_cast<const char*>(b.raw()) + i * es, es))
        return ::testing::AssertionFailure() << "element " << i << " differs: " << a.get_double(i) << " vs expected "
                                             << b.get_double(i);
  }
  return ::testing::AssertionSuccess();
}
#define EXPECT_TENSOR_EQ(a, b) EXPECT_TRUE(::sz0::test::tensors_equal(a, b))

inline Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector(v); }

// Dtypes most data-movement tests run over.
inline std::vector<DType> movement_dtypes() {
  return {DType::Float, DType::Int8, DType::Int64, DType::Float16, DType::Bool, DType::Double, DType::UInt16};
}

// Random values; bools as 0/1, integers in a wider range than the default.
inline Tensor random_any(DType t, Shape shape, uint32_t seed) {
  if (t == DType::Bool) return random_tensor(DType::UInt8, shape, seed, 0, 1).cast(DType::Bool);
  if (dtype_is_int(t)) return random_tensor(t, shape, seed, dtype_is_unsigned_int(t) ? 0 : -100, 100);
  return random_tensor(t, shape, seed, -10, 10);
}

}  // namespace sz0::test

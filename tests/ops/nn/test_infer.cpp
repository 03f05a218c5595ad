// Shape inference with symbolic and unknown dims, as a session sees before any value is known.
#include "ops/op.h"
#include "util/op_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

Result<std::vector<TypeInfo>> infer(const std::string& op, std::vector<TypeInfo> in, std::vector<Attribute> attrs = {},
                                    int outputs = 1, int64_t opset = 17) {
  Node n;
  n.name = "n0";
  n.op_type = op;
  n.attributes = std::move(attrs);
  for (size_t i = 0; i < in.size(); ++i) n.inputs.push_back(in[i].dtype == DType::Undefined ? "" : "x" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  ops::InferContext ctx(n, opset);
  ctx.inputs = std::move(in);
  SZ0_TRY(ops::infer_node(ctx));
  return ctx.outputs;
}

std::string dims(const TypeInfo& t) { return t.str(); }

TypeInfo f32(std::vector<Dim> d) { return TypeInfo(DType::Float, std::move(d)); }

}  // namespace

TEST(NnInfer, ConvSymbolicBatch) {
  auto r = infer("Conv", {f32({Dim("N"), 4, 7, 9}), f32({6, 2, 3, 2})},
                 {attr_int("group", 2), attr_ints("strides", {2, 1}), attr_ints("pads", {1, 0, 1, 0})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[N,6,4,8]");
  r = infer("Conv", {f32({1, 3, Dim(), 9}), f32({5, 3, 3, 3})}, {attr_string("auto_pad", "SAME_UPPER")});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].rank(), 4);
  EXPECT_FALSE((*r)[0].fully_known());
  EXPECT_EQ((*(*r)[0].shape)[3].value, 9);
  EXPECT_FALSE(infer("Conv", {f32({1, 4, 7, 9}), f32({6, 3, 3, 3})}).ok());
  r = infer("ConvTranspose", {f32({Dim("N"), 4, 3, 3}), f32({4, 2, 3, 3})}, {attr_ints("strides", {2, 2})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[N,2,7,7]");
}

TEST(NnInfer, PoolsNormsMatmul) {
  auto r = infer("MaxPool", {f32({Dim("N"), 3, 7, 9})}, {attr_ints("kernel_shape", {3, 3}), attr_int("ceil_mode", 1),
                                                          attr_ints("strides", {2, 2})}, 2);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[N,3,3,4]");
  EXPECT_EQ((*r)[1].dtype, DType::Int64);
  r = infer("GlobalAveragePool", {f32({Dim("N"), 3, Dim("H"), Dim("W")})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(dims((*r)[0]), "float32[N,3,1,1]");
  r = infer("LayerNormalization", {f32({Dim("B"), Dim("T"), 8}), f32({8})}, {}, 3);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[1]), "float32[B,T,1]");
  r = infer("MatMul", {f32({Dim("B"), 1, 7, 9}), f32({5, 9, 3})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[B,5,7,3]");
  r = infer("MatMul", {f32({9}), f32({Dim("B"), 9, 3})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[B,3]");
  r = infer("Gemm", {f32({Dim("M"), 9}), f32({5, 9}), f32({5})}, {attr_int("transB", 1)});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[M,5]");
  r = infer("Einsum", {f32({Dim("B"), 7, 9}), f32({Dim("B"), 9, 5})}, {attr_string("equation", "bij,bjk->bki")});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[0]), "float32[B,5,7]");
  r = infer("BatchNormalization", {f32({Dim("N"), 3, 4}), f32({3}), f32({3}), TypeInfo(DType::Double, {3}),
                                   TypeInfo(DType::Double, {3})},
            {attr_int("training_mode", 1)}, 3, 15);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(dims((*r)[1]), "float64[3]");
  // Unknown rank stays unknown.
  EXPECT_FALSE(infer("Conv", {TypeInfo(DType::Float, {}), f32({5, 3, 3, 3})}).ok());
  TypeInfo unranked;
  unranked.dtype = DType::Float;
  r = infer("Conv", {unranked, f32({5, 3, 3, 3})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].rank(), 4);
  r = infer("MatMul", {unranked, f32({3, 4})});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].has_rank());
}

// Shape inference without input values: symbolic dims pass through, value-dependent dims stay unknown.
#include "index_test_util.h"

#include "ops/op.h"

using namespace sz0;
using namespace sz0::test;
using namespace sz0::test::index;

namespace {

struct Inferred {
  Status status;
  std::vector<TypeInfo> outputs;
};

Inferred infer(const std::string& op, std::vector<TypeInfo> inputs, std::vector<Attribute> attrs = {},
               std::vector<const Tensor*> values = {}, int outputs = 1, int64_t opset = 17) {
  Node n;
  n.name = "n0";
  n.op_type = op;
  n.attributes = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i) n.inputs.push_back("x" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  ops::InferContext ctx(n, opset);
  ctx.inputs = std::move(inputs);
  ctx.values = std::move(values);
  Status s = ops::infer_node(ctx);
  return {s, ctx.outputs};
}

std::string str(const TypeInfo& t) { return t.str(); }

}  // namespace

TEST(IndexInfer, SymbolicDims) {
  const Dim b("batch");
  auto r = infer("Gather", {TypeInfo(DType::Float, {b, 7, 5}), TypeInfo(DType::Int64, {Dim("n"), 2})},
                 {attr_int("axis", 1)});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(str(r.outputs[0]), "float32[batch,n,2,5]");

  r = infer("GatherND", {TypeInfo(DType::Float, {b, 3, 7}), TypeInfo(DType::Int64, {b, 4, 1})},
            {attr_int("batch_dims", 1)});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(str(r.outputs[0]), "float32[batch,4,7]");

  r = infer("OneHot", {TypeInfo(DType::Int64, {b, 3}), TypeInfo(DType::Int64, {}), TypeInfo(DType::Float, {2})},
            {attr_int("axis", 1)});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.outputs[0].rank(), 3);
  EXPECT_FALSE((*r.outputs[0].shape)[1].known());

  r = infer("TopK", {TypeInfo(DType::Float, {b, 9}), TypeInfo(DType::Int64, {1})}, {}, {}, 2);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.outputs[1].dtype, DType::Int64);
  EXPECT_FALSE((*r.outputs[0].shape)[1].known());

  Tensor k = Tensor::from_vector<int64_t>({4});
  r = infer("TopK", {TypeInfo(DType::Float, {b, 9}), TypeInfo(DType::Int64, {1})}, {}, {nullptr, &k}, 2);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(str(r.outputs[0]), "float32[batch,4]");

  r = infer("NonZero", {TypeInfo(DType::Float, {b, 3, 2})});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.outputs[0].rank(), 2);
  EXPECT_EQ((*r.outputs[0].shape)[0].value, 3);

  r = infer("DepthToSpace", {TypeInfo(DType::Float, {b, 12, Dim("h"), 5})}, {attr_int("blocksize", 2)});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ((*r.outputs[0].shape)[1].value, 3);
  EXPECT_EQ((*r.outputs[0].shape)[3].value, 10);

  r = infer("ArgMax", {TypeInfo(DType::Float, {b, 3, 2})}, {attr_int("axis", -2), attr_int("keepdims", 0)});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(str(r.outputs[0]), "int64[batch,2]");

  r = infer("ScatterND", {TypeInfo(DType::Float, {b, 3}), TypeInfo(DType::Int64, {2, 1}), TypeInfo(DType::Float, {2, 3})});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(str(r.outputs[0]), "float32[batch,3]");
}

TEST(IndexInfer, MissingInputsAndOutputsAreErrors) {
  auto r = run_node({.op_type = "Gather", .inputs = {Tensor(DType::Float, {3})}});
  EXPECT_TRUE(fails_with(r, "missing"));
  r = run_node({.op_type = "ScatterElements", .inputs = {Tensor(DType::Float, {3}), Tensor(), Tensor(DType::Float, {1})}});
  EXPECT_TRUE(fails_with(r, "missing"));
  r = run_node({.op_type = "CumSum", .inputs = {Tensor(DType::Float, {3})}});
  EXPECT_TRUE(fails_with(r, "missing"));
  r = run_node({.op_type = "TopK", .inputs = {Tensor(DType::Float, {3}), Tensor::from_vector<int64_t>({1})}});
  EXPECT_TRUE(fails_with(r, "outputs"));
}

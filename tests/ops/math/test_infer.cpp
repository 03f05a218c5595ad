// Shape and type inference alone, with symbolic and unknown dims (no values known).
#include "math_ref.h"

#include "ops/op.h"

using namespace sz0;

namespace {

Node make_node(std::string op, int inputs, int outputs = 1, std::vector<Attribute> attrs = {}) {
  Node n;
  n.name = "n0";
  n.op_type = std::move(op);
  for (int i = 0; i < inputs; ++i) n.inputs.push_back("x" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) n.outputs.push_back("y" + std::to_string(i));
  n.attributes = std::move(attrs);
  return n;
}

Result<std::vector<TypeInfo>> infer(const Node& n, std::vector<TypeInfo> in, int64_t opset = 17) {
  ops::InferContext ctx(n, opset);
  ctx.inputs = std::move(in);
  SZ0_TRY(ops::infer_node(ctx));
  return ctx.outputs;
}

std::string str(const Result<std::vector<TypeInfo>>& r, size_t i = 0) { return r.ok() ? (*r)[i].str() : r.status().message(); }

TypeInfo ti(DType t, std::vector<Dim> d) { return TypeInfo(t, std::move(d)); }

}  // namespace

TEST(Infer, BroadcastWithSymbols) {
  const Dim b("batch");
  EXPECT_EQ(str(infer(make_node("Add", 2), {ti(DType::Float, {b, 1, 5}), ti(DType::Float, {4, 1})})), "float32[batch,4,5]");
  EXPECT_EQ(str(infer(make_node("Mul", 2), {ti(DType::Float, {b, Dim()}), ti(DType::Float, {7})})), "float32[batch,7]");
  EXPECT_EQ(str(infer(make_node("Less", 2), {ti(DType::Int64, {b}), ti(DType::Int64, {})})), "bool[batch]");
  EXPECT_EQ(str(infer(make_node("Where", 3), {ti(DType::Bool, {3, 1}), ti(DType::Double, {b, 1, 4}), ti(DType::Double, {})})),
            "float64[batch,3,4]");
  EXPECT_EQ(str(infer(make_node("Sum", 3), {ti(DType::Float, {2, 1}), ti(DType::Float, {b}), ti(DType::Float, {1})})), "float32[2,batch]");
  // Unknown rank stays unknown.
  TypeInfo unranked;
  unranked.dtype = DType::Float;
  EXPECT_EQ(str(infer(make_node("Add", 2), {unranked, ti(DType::Float, {3})})), "float32[?]");
  EXPECT_FALSE(infer(make_node("Add", 2), {ti(DType::Float, {3}), ti(DType::Float, {4})}).ok());
  EXPECT_FALSE(infer(make_node("Add", 2), {ti(DType::Float, {3}), ti(DType::Int32, {3})}).ok());
}

TEST(Infer, UnaryAndActivations) {
  const Dim b("batch");
  EXPECT_EQ(str(infer(make_node("Sigmoid", 1), {ti(DType::Float16, {b, 8})})), "float16[batch,8]");
  EXPECT_EQ(str(infer(make_node("IsNaN", 1), {ti(DType::Float, {b, 8})})), "bool[batch,8]");
  EXPECT_EQ(str(infer(make_node("Softmax", 1, 1, {test::attr_int("axis", 1)}), {ti(DType::Float, {b, 8, Dim()})})), "float32[batch,8,?]");
  EXPECT_FALSE(infer(make_node("Softmax", 1, 1, {test::attr_int("axis", 3)}), {ti(DType::Float, {b, 8, 2})}).ok());
  EXPECT_EQ(str(infer(make_node("PRelu", 2), {ti(DType::Float, {b, 3, 4, 4}), ti(DType::Float, {3, 1, 1})})), "float32[batch,3,4,4]");
  EXPECT_FALSE(infer(make_node("PRelu", 2), {ti(DType::Float, {5, 3}), ti(DType::Float, {2, 3})}).ok());
  EXPECT_EQ(str(infer(make_node("Clip", 3), {ti(DType::Float, {b, 2}), ti(DType::Float, {}), ti(DType::Float, {})})), "float32[batch,2]");
  EXPECT_EQ(str(infer(make_node("Pow", 2), {ti(DType::Int32, {b, 2}), ti(DType::Float, {})})), "int32[batch,2]");
}

TEST(Infer, Losses) {
  const Dim b("batch");
  std::vector<TypeInfo> in = {ti(DType::Float, {b, 5, 3}), ti(DType::Int64, {b, 3})};
  EXPECT_EQ(str(infer(make_node("NegativeLogLikelihoodLoss", 2), in)), "float32[]");
  EXPECT_EQ(str(infer(make_node("NegativeLogLikelihoodLoss", 2, 1, {test::attr_string("reduction", "none")}), in)), "float32[batch,3]");
  auto r = infer(make_node("SoftmaxCrossEntropyLoss", 2, 2), in);
  EXPECT_EQ(str(r, 0), "float32[]");
  EXPECT_EQ(str(r, 1), "float32[batch,5,3]");
  EXPECT_FALSE(infer(make_node("NegativeLogLikelihoodLoss", 2), {ti(DType::Float, {b, 5, 3}), ti(DType::Int64, {b, 4})}).ok());
}

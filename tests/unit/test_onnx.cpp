// ONNX import/export round trips and session input checking.
#include <sz0/onnx.h>
#include <sz0/session.h>

#include "util/op_test.h"

#include <filesystem>
#include <fstream>

using namespace sz0;
using namespace sz0::test;

namespace {

Model small_model() {
  Model m;
  m.opsets = {{"", 17}, {"com.example", 3}};
  m.producer_name = "unit";
  m.producer_version = "1";
  m.doc = "model doc";
  m.model_version = 7;
  m.metadata = {{"author", "tests"}, {"task", "identity"}};
  m.graph.name = "g";
  m.graph.doc = "graph doc";
  m.graph.inputs.push_back({"x", TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(4)}), "input doc"});
  m.graph.outputs.push_back({"y", TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(4)}), ""});
  m.graph.value_info.push_back({"y", TypeInfo(DType::Float, {Dim(std::string("batch")), Dim(4)}), "vi"});
  Node n;
  n.name = "id";
  n.op_type = "Identity";
  n.doc = "node doc";
  n.inputs = {"x"};
  n.outputs = {"y"};
  m.graph.nodes.push_back(n);
  Node custom;
  custom.name = "custom";
  custom.op_type = "Frobnicate";
  custom.domain = "com.example";
  custom.inputs = {"w"};
  custom.outputs = {"unused"};
  custom.attributes.push_back(attr_floats("gains", {1.5f, 2.5f}));
  m.graph.nodes.push_back(custom);
  m.graph.initializers["w"] = random_tensor(DType::Float, {3, 5}, 4);
  return m;
}

std::string temp_path(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("sz0_onnx_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return (d / name).string();
}

}  // namespace

TEST(Onnx, RoundTripKeepsEverything) {
  const Model m = small_model();
  const std::string path = temp_path("m.onnx");
  ASSERT_TRUE(save_model(m, path).ok());
  auto back = load_model(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->opset(""), 17);
  EXPECT_EQ(back->opset("com.example"), 3);
  EXPECT_EQ(back->producer_name, "unit");
  EXPECT_EQ(back->doc, "model doc");
  EXPECT_EQ(back->model_version, 7);
  EXPECT_EQ(back->metadata, m.metadata);
  EXPECT_EQ(back->graph.doc, "graph doc");
  EXPECT_EQ(back->graph.inputs[0].doc, "input doc");
  EXPECT_EQ(back->graph.inputs[0].type.str(), "float32[batch,4]");
  ASSERT_EQ(back->graph.value_info.size(), 1u);
  EXPECT_EQ(back->graph.nodes[0].doc, "node doc");
  EXPECT_EQ(back->graph.nodes[1].domain, "com.example");
  EXPECT_EQ(back->graph.nodes[1].attr_floats("gains"), (std::vector<float>{1.5f, 2.5f}));
  EXPECT_TENSOR_NEAR(back->graph.initializers.at("w"), m.graph.initializers.at("w"), 0, 0);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Onnx, ExternalDataWrittenAndRead) {
  Model m = small_model();
  m.graph.initializers["big"] = random_tensor(DType::Float, {256, 64}, 8);
  const std::string path = temp_path("ext.onnx");
  SaveOptions o;
  o.force_external_data = true;
  o.external_threshold_bytes = 1024;
  ASSERT_TRUE(save_model(m, path, o).ok());
  ASSERT_TRUE(std::filesystem::exists(path + ".data"));
  EXPECT_LT(std::filesystem::file_size(path), 4096u);  // the weights are not inside
  auto back = load_model(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TENSOR_NEAR(back->graph.initializers.at("big"), m.graph.initializers.at("big"), 0, 0);
  std::filesystem::resize_file(path + ".data", 100);  // truncated external data is an error
  EXPECT_FALSE(load_model(path).ok());
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Onnx, CorruptFilesAreErrors) {
  const std::string path = temp_path("bad.onnx");
  { std::ofstream(path) << "this is not a protobuf"; }
  auto r = load_model(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos);
  EXPECT_FALSE(load_model(temp_path("missing.onnx")).ok());
  ASSERT_TRUE(save_model(small_model(), path).ok());
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  EXPECT_FALSE(load_model(path).ok());
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(Onnx, SaveToUnwritablePlaceLeavesNothing) {
  EXPECT_FALSE(save_model(small_model(), "/nonexistent-dir/m.onnx").ok());
}

TEST(Session, ChecksInputs) {
  Model m = small_model();
  m.graph.nodes.pop_back();  // drop the custom op
  auto s = Session::create(m);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto ok = (*s)->run({{"x", random_tensor(DType::Float, {3, 4}, 1)}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  auto missing = (*s)->run({});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing input 'x'"), std::string::npos);
  auto dtype = (*s)->run({{"x", random_tensor(DType::Int64, {3, 4}, 1)}});
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.status().message().find("int64"), std::string::npos);
  auto rank = (*s)->run({{"x", random_tensor(DType::Float, {4}, 1)}});
  ASSERT_FALSE(rank.ok());
  EXPECT_NE(rank.status().message().find("rank 1"), std::string::npos);
  auto dim = (*s)->run({{"x", random_tensor(DType::Float, {2, 5}, 1)}});
  EXPECT_FALSE(dim.ok());
  auto unknown = (*s)->run({{"x", random_tensor(DType::Float, {2, 4}, 1)}, {"z", Tensor::scalar<float>(1)}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown input 'z'"), std::string::npos);
}

TEST(Session, UnsupportedOpIsNamed) {
  Model m = small_model();
  m.graph.outputs.push_back({"unused", TypeInfo{}, ""});  // a dead node would be dropped first
  auto s = Session::create(m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("Frobnicate"), std::string::npos);
  EXPECT_EQ(unsupported_ops(small_model()), (std::vector<std::string>{"com.example:Frobnicate (opset 3)"}));
}

// .npy, .npz and TensorProto round trips for every dtype; malformed files give errors.
#include <sz0/io.h>
#include <sz0/onnx.h>

#include "util/op_test.h"

#include <filesystem>
#include <fstream>

using namespace sz0;
using namespace sz0::test;

namespace {

const DType kAll[] = {DType::Float, DType::Double, DType::Float16, DType::BFloat16, DType::Int8, DType::Int16,
                      DType::Int32, DType::Int64, DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64, DType::Bool};

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("sz0_io_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace

TEST(Npy, RoundTripEveryDtype) {
  for (DType dt : kAll) {
    for (const Shape& shape : {Shape{}, Shape{7}, Shape{3, 1, 5}, Shape{2, 0, 3}}) {
      Tensor t = random_tensor(dt, shape, 3, -50, 50);
      auto back = parse_npy(serialize_npy(t));
      ASSERT_TRUE(back.ok()) << dtype_name(dt) << " " << back.status().message();
      EXPECT_TENSOR_NEAR(*back, t, 0, 0);
    }
  }
}

TEST(Npy, HeaderIsAlignedAndReadable) {
  std::string b = serialize_npy(Tensor::from_vector<float>({1, 2, 3}));
  ASSERT_EQ(b.substr(1, 5), "NUMPY");
  const size_t hlen = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  EXPECT_EQ((10 + hlen) % 64, 0u);
  EXPECT_NE(b.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(b.find("'shape': (3,)"), std::string::npos);
}

TEST(Npy, FortranOrderAndBigEndian) {
  // 2x3 float32 in Fortran order: column-major data 1 4 2 5 3 6 means [[1,2,3],[4,5,6]].
  std::string h = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  h.append(128 - 10 - h.size() - 1, ' ');
  h += '\n';
  std::string b = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h;
  for (float v : {1.f, 4.f, 2.f, 5.f, 3.f, 6.f}) b.append(reinterpret_cast<const char*>(&v), 4);
  auto t = parse_npy(b);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TENSOR_NEAR(*t, Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 0);

  std::string hb = "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }";
  hb.append(128 - 10 - hb.size() - 1, ' ');
  hb += '\n';
  std::string bb = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(hb.size()) + '\0' + hb;
  bb += std::string("\x00\x00\x01\x02\xff\xff\xff\xfe", 8);
  auto tb = parse_npy(bb);
  ASSERT_TRUE(tb.ok()) << tb.status().message();
  EXPECT_TENSOR_NEAR(*tb, Tensor::from_vector<int32_t>({258, -2}), 0, 0);
}

TEST(Npy, MalformedFilesAreErrors) {
  EXPECT_FALSE(parse_npy("").ok());
  EXPECT_FALSE(parse_npy("not a numpy file at all").ok());
  std::string b = serialize_npy(random_tensor(DType::Float, {4, 4}, 1));
  EXPECT_FALSE(parse_npy(b.substr(0, b.size() - 5)).ok());  // truncated data
  EXPECT_FALSE(parse_npy(b.substr(0, 40)).ok());             // truncated header
  std::string bad = b;
  bad.replace(bad.find("<f4"), 3, "<c8");  // complex: unsupported dtype
  EXPECT_FALSE(parse_npy(bad).ok());
  std::string huge = b;
  huge.replace(huge.find("(4, 4)"), 6, "(9999999999, 9999999)");
  EXPECT_FALSE(parse_npy(huge).ok());
  EXPECT_FALSE(read_npy("/nonexistent/x.npy").ok());
}

TEST(Npz, RoundTripAndErrors) {
  const std::string dir = temp_dir();
  std::map<std::string, Tensor> m{{"a", random_tensor(DType::Float, {3, 4}, 1)},
                                  {"ids", random_tensor(DType::Int64, {5}, 2, 0, 100)}};
  ASSERT_TRUE(write_npz(m, dir + "/s.npz").ok());
  auto back = read_npz(dir + "/s.npz");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_TENSOR_NEAR(back->at("a"), m["a"], 0, 0);
  EXPECT_TENSOR_NEAR(back->at("ids"), m["ids"], 0, 0);
  { std::ofstream(dir + "/bad.npz") << "PK garbage"; }
  EXPECT_FALSE(read_npz(dir + "/bad.npz").ok());
  std::filesystem::remove_all(dir);
}

TEST(TensorProto, RoundTripEveryDtype) {
  for (DType dt : kAll) {
    Tensor t = random_tensor(dt, {2, 3}, 5, -20, 20);
    auto bytes = serialize_tensor_proto(t, "x");
    ASSERT_TRUE(bytes.ok());
    std::string name;
    auto back = parse_tensor_proto(*bytes, &name);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(name, "x");
    EXPECT_TENSOR_NEAR(*back, t, 0, 0);
  }
}

TEST(Dataset, ReadsAllThreeLayouts) {
  const std::string dir = temp_dir() + "/data";
  std::filesystem::create_directories(dir + "/sample_0");
  std::filesystem::create_directories(dir + "/test_data_set_0");
  Tensor x = random_tensor(DType::Float, {1, 4}, 9);
  ASSERT_TRUE(write_tensor_file(x, dir + "/sample_0/x.npy").ok());
  ASSERT_TRUE(write_npz({{"x", x}}, dir + "/sample_1.npz").ok());
  ASSERT_TRUE(write_tensor_file(x, dir + "/test_data_set_0/input_0.pb").ok());
  auto ds = read_dataset(dir, {"x"});
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->size(), 3u);
  for (const Sample& s : *ds) EXPECT_TENSOR_NEAR(s.inputs.at("x"), x, 0, 0);
  EXPECT_FALSE(read_dataset(dir + "/missing", {"x"}).ok());
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(SafeName, ReplacesEverythingOutsideTheSet) {
  EXPECT_EQ(safe_file_name("softmax_0.tmp_0"), "softmax_0.tmp_0");
  EXPECT_EQ(safe_file_name("out:0/a b"), "out_0_a_b");
}

#include "util/op_test.h"

#include <cmath>

namespace sz0::test {

namespace {
Attribute make(std::string name, Attribute::Kind k) {
  Attribute a;
  a.name = std::move(name);
  a.kind = k;
  return a;
}
}  // namespace

Attribute attr_int(std::string n, int64_t v) { auto a = make(std::move(n), Attribute::Kind::Int); a.i = v; return a; }
Attribute attr_float(std::string n, float v) { auto a = make(std::move(n), Attribute::Kind::Float); a.f = v; return a; }
Attribute attr_string(std::string n, std::string v) { auto a = make(std::move(n), Attribute::Kind::String); a.s = std::move(v); return a; }
Attribute attr_ints(std::string n, std::vector<int64_t> v) { auto a = make(std::move(n), Attribute::Kind::Ints); a.ints = std::move(v); return a; }
Attribute attr_floats(std::string n, std::vector<float> v) { auto a = make(std::move(n), Attribute::Kind::Floats); a.floats = std::move(v); return a; }
Attribute attr_strings(std::string n, std::vector<std::string> v) { auto a = make(std::move(n), Attribute::Kind::Strings); a.strings = std::move(v); return a; }
Attribute attr_tensor(std::string n, Tensor v) { auto a = make(std::move(n), Attribute::Kind::Tensor); a.t = std::move(v); return a; }
Attribute attr_graph(std::string n, Graph g) {
  auto a = make(std::move(n), Attribute::Kind::Graph);
  a.g = std::make_shared<Graph>(std::move(g));
  return a;
}

Result<std::vector<Tensor>> run_node(const NodeSpec& spec, int threads) {
  Model m;
  m.opsets.push_back({"", spec.opset});
  if (!spec.domain.empty()) m.opsets.push_back({spec.domain, 1});
  Node n;
  n.name = "n0";
  n.op_type = spec.op_type;
  n.domain = spec.domain;
  n.attributes = spec.attributes;
  std::map<std::string, Tensor> feeds;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (!spec.inputs[i].defined()) {
      n.inputs.emplace_back();
      continue;
    }
    const std::string name = "x" + std::to_string(i);
    n.inputs.push_back(name);
    m.graph.inputs.push_back({name, TypeInfo::of(spec.inputs[i]), ""});
    feeds[name] = spec.inputs[i];
  }
  for (int i = 0; i < spec.num_outputs; ++i) {
    const std::string name = "y" + std::to_string(i);
    n.outputs.push_back(name);
    m.graph.outputs.push_back({name, TypeInfo{}, ""});
  }
  m.graph.nodes.push_back(std::move(n));
  SessionOptions o;
  o.threads = threads;
  o.float16_as_float32 = false;  // the op's own float16 kernel is under test
  SZ0_ASSIGN(auto session, Session::create(std::move(m), o));
  return session->run(feeds);
}

Tensor random_tensor(DType dtype, Shape shape, uint32_t seed, double lo, double hi) {
  Tensor d(DType::Double, shape);
  std::mt19937 rng(seed);
  const bool integral = !dtype_is_float(dtype);
  for (int64_t i = 0; i < d.numel(); ++i) {
    if (integral) {
      std::uniform_int_distribution<int64_t> u(static_cast<int64_t>(std::ceil(lo)), static_cast<int64_t>(std::floor(hi)));
      d.data<double>()[i] = static_cast<double>(u(rng));
    } else {
      std::uniform_real_distribution<double> u(lo, hi);
      d.data<double>()[i] = u(rng);
    }
  }
  return d.cast(dtype);
}

::testing::AssertionResult tensors_close(const Tensor& a, const Tensor& b, double atol, double rtol) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(a.dtype()) << " vs expected " << dtype_name(b.dtype());
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(a.shape()) << " vs expected " << shape_str(b.shape());
  int bad = 0;
  std::string first;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.get_double(i), y = b.get_double(i);
    const bool ok = (std::isnan(x) && std::isnan(y)) || x == y || std::fabs(x - y) <= atol + rtol * std::fabs(y);
    if (!ok && bad++ == 0) first = "at " + std::to_string(i) + ": " + std::to_string(x) + " vs expected " + std::to_string(y);
  }
  if (bad) return ::testing::AssertionFailure() << bad << " of " << a.numel() << " elements differ; first " << first;
  return ::testing::AssertionSuccess();
}

std::map<std::string, int> expect_optimized_matches(const Model& m, const std::map<std::string, Tensor>& feeds,
                                                    int threads, double atol, double rtol) {
  SessionOptions plain_opts, fast_opts;
  plain_opts.optimize = false;
  plain_opts.threads = fast_opts.threads = threads;
  fast_opts.float16_as_float32 = false;  // fast kernels of the model's own types
  auto plain = Session::create(m, plain_opts);
  auto fast = Session::create(m, fast_opts);
  EXPECT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_TRUE(fast.ok()) << fast.status().message();
  if (!plain.ok() || !fast.ok()) return {};
  auto want = (*plain)->run(feeds);
  auto got = (*fast)->run(feeds);
  EXPECT_TRUE(want.ok()) << want.status().message();
  EXPECT_TRUE(got.ok()) << got.status().message();
  if (!want.ok() || !got.ok()) return {};
  EXPECT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size() && i < got->size(); ++i) EXPECT_TENSOR_NEAR((*got)[i], (*want)[i], atol, rtol);
  std::map<std::string, int> ops;
  for (const Node& n : (*fast)->model().graph.nodes) ++ops[n.op_type];
  return ops;
}

}  // namespace sz0::test

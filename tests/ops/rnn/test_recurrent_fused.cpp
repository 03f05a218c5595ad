// The fused recurrent kernels (portable and AVX2) against the reference kernel, called directly
// on the same node, over odd sizes and every option the fused kernel takes; plus the registry's
// choice between them and the accuracy of the vector exp, sigmoid and tanh.
#include "kernels/rnn_cell.h"
#include "ops/rnn/kernel_harness.h"
#include "ops/rnn/recurrent.h"
#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace sz0;
using namespace sz0::test;
using sz0::ops::rnn::Cell;
using sz0::ops::rnn::FusedIsa;

namespace {

struct Config {
  Cell cell = Cell::Gru;
  int64_t S = 7, N = 2, I = 5, H = 17;
  std::string direction = "forward";
  int layout = 0;
  bool bias = true, lens = false, init = false, lbr = false, peep = false;
  bool want_y = true;
  int threads = 1;
  uint32_t seed = 1;
};

const char* op_of(Cell c) { return c == Cell::Rnn ? "RNN" : c == Cell::Gru ? "GRU" : "LSTM"; }

// One node with its inputs; W, R, B and P are constants, as the fused kernel requires.
struct Built {
  Node node;
  std::vector<Tensor> inputs;  // undefined where omitted
  std::vector<TypeInfo> outputs;
};

Built build(const Config& c) {
  const int64_t D = c.direction == "bidirectional" ? 2 : 1, G = ops::rnn::num_gates(c.cell), H = c.H;
  Built b;
  b.node.name = "n0";
  b.node.op_type = op_of(c.cell);
  b.node.attributes = {attr_int("hidden_size", H), attr_string("direction", c.direction), attr_int("layout", c.layout)};
  if (c.lbr) b.node.attributes.push_back(attr_int("linear_before_reset", 1));
  uint32_t s = c.seed * 17;
  const Shape st = c.layout == 0 ? Shape{D, c.N, H} : Shape{c.N, D, H};
  b.inputs.push_back(random_tensor(DType::Float, c.layout == 0 ? Shape{c.S, c.N, c.I} : Shape{c.N, c.S, c.I}, s++));
  b.inputs.push_back(random_tensor(DType::Float, {D, G * H, c.I}, s++, -0.5, 0.5));
  // R scaled with 1/√H keeps the recurrence contracting, so rounding differences between
  // summation orders do not grow from step to step at large H.
  const double r_scale = std::min(0.5, 1.5 / std::sqrt(static_cast<double>(H)));
  b.inputs.push_back(random_tensor(DType::Float, {D, G * H, H}, s++, -r_scale, r_scale));
  b.inputs.push_back(c.bias ? random_tensor(DType::Float, {D, 2 * G * H}, s++, -0.5, 0.5) : Tensor());
  if (c.lens) {
    std::vector<int32_t> l(static_cast<size_t>(c.N));
    for (int64_t i = 0; i < c.N; ++i) l[i] = i == 1 ? 0 : static_cast<int32_t>((i * 5 + 3) % (c.S + 1));
    b.inputs.push_back(Tensor::from_vector(l));
  } else {
    b.inputs.emplace_back();
  }
  b.inputs.push_back(c.init ? random_tensor(DType::Float, st, s++) : Tensor());
  if (c.cell == Cell::Lstm) {
    b.inputs.push_back(c.init ? random_tensor(DType::Float, st, s++) : Tensor());
    b.inputs.push_back(c.peep ? random_tensor(DType::Float, {D, 3 * H}, s++, -0.5, 0.5) : Tensor());
  }
  while (!b.inputs.back().defined()) b.inputs.pop_back();
  for (size_t i = 0; i < b.inputs.size(); ++i)
    b.node.inputs.push_back(b.inputs[i].defined() ? "in" + std::to_string(i) : "");
  const int outs = c.cell == Cell::Lstm ? 3 : 2;
  for (int i = 0; i < outs; ++i) b.node.outputs.push_back(i == 0 && !c.want_y ? "" : "out" + std::to_string(i));

  b.outputs = test::rnn::infer_outputs(b.node, b.inputs);
  return b;
}

ops::KernelInit init_of(const Built& b, int threads) { return test::rnn::init_of(b.node, b.inputs, b.outputs, threads); }

Result<std::vector<Tensor>> run_kernel(ops::Kernel& k, const Built& b, int threads) {
  return test::rnn::run_kernel(k, b.node, b.inputs, b.outputs, threads);
}

std::string describe(const Config& c) {
  return std::string(op_of(c.cell)) + " S=" + std::to_string(c.S) + " N=" + std::to_string(c.N) + " H=" +
         std::to_string(c.H) + " " + c.direction + " layout=" + std::to_string(c.layout) + (c.lens ? " lens" : "") +
         (c.init ? " init" : "") + (c.lbr ? " lbr" : "") + (c.peep ? " peep" : "") + (c.bias ? "" : " nobias");
}

// The reference and every fused variant this CPU runs give the same outputs.
void compare(const Config& c) {
  SCOPED_TRACE(describe(c));
  const Built b = build(c);
  const ops::KernelInit init = init_of(b, c.threads);
  ASSERT_TRUE(ops::rnn::accepts_fused(init, c.cell, FusedIsa::Portable));
  auto ref_kernel = ops::rnn::make_recurrent_kernel(init, c.cell);
  ASSERT_TRUE(ref_kernel.ok()) << ref_kernel.status().message();
  auto want = run_kernel(**ref_kernel, b, c.threads);
  ASSERT_TRUE(want.ok()) << want.status().message();
  std::vector<FusedIsa> isas = {FusedIsa::Portable};
  if (kernels::rnn_cell_kernels_avx2()) isas.push_back(FusedIsa::Avx2);
  for (FusedIsa isa : isas) {
    SCOPED_TRACE(isa == FusedIsa::Avx2 ? "avx2" : "portable");
    auto k = ops::rnn::make_fused_kernel(init, c.cell, isa);
    ASSERT_TRUE(k.ok()) << k.status().message();
    for (int rep = 0; rep < 2; ++rep) {  // a second run reuses the workspace
      auto got = run_kernel(**k, b, c.threads);
      ASSERT_TRUE(got.ok()) << got.status().message();
      ASSERT_EQ(got->size(), want->size());
      for (size_t i = 0; i < want->size(); ++i) {
        SCOPED_TRACE("output " + std::to_string(i));
        ASSERT_EQ((*got)[i].defined(), (*want)[i].defined());
        if ((*want)[i].defined()) {
          EXPECT_TENSOR_NEAR((*got)[i], (*want)[i], 1e-5, 1e-5);
        }
      }
    }
  }
}

const Cell kCells[] = {Cell::Rnn, Cell::Gru, Cell::Lstm};
const char* const kDirs[] = {"forward", "reverse", "bidirectional"};

TEST(RecurrentFused, MatchesReferenceOverOddSizes) {
  uint32_t seed = 1;
  for (Cell cell : kCells)
    for (int64_t H : {1, 3, 17, 64, 129})
      for (int64_t N : {1, 2, 3, 5})
        for (int64_t S : {1, 7})
          for (const char* dir : kDirs) {
            Config c;
            c.cell = cell;
            c.H = H;
            c.N = N;
            c.S = S;
            c.direction = dir;
            c.seed = seed++;
            compare(c);
            // The options, two at a time so every pair of sizes sees each.
            c.lens = c.init = true;
            c.lbr = cell == Cell::Gru;
            c.peep = cell == Cell::Lstm;
            compare(c);
            c.lens = false;
            c.layout = 1;
            c.bias = false;
            c.lbr = false;
            compare(c);
          }
}

TEST(RecurrentFused, SequenceLengthsZeroAndOmittedY) {
  for (Cell cell : kCells)
    for (const char* dir : kDirs)
      for (int64_t N : {1, 4, 6}) {
        Config c;
        c.cell = cell;
        c.direction = dir;
        c.N = N;
        c.S = 5;
        c.lens = true;  // row 1, where there is one, has length 0
        c.init = true;
        c.want_y = false;
        compare(c);
        c.S = 0;
        compare(c);
      }
}

TEST(RecurrentFused, LargeBatchWithThreads) {
  for (Cell cell : kCells)
    for (bool lbr : {false, true}) {
      if (lbr && cell != Cell::Gru) continue;
      Config c;
      c.cell = cell;
      c.lbr = lbr;
      c.S = 3;
      c.N = 37;
      c.H = 33;
      c.I = 9;
      c.direction = "bidirectional";
      c.lens = c.init = true;
      c.peep = cell == Cell::Lstm;
      c.threads = 2;
      compare(c);
    }
}

// Through a session: the fused kernel takes float nodes with default activations and constant
// weights; clip, other activations, other dtypes and runtime weights stay on the reference.
std::string chosen_kernel(const Config& c, const std::vector<Attribute>& extra, bool constant_weights, DType dtype) {
  Built b = build(c);
  for (const Attribute& a : extra) b.node.attributes.push_back(a);
  Model m;
  m.opsets.push_back({"", 14});
  std::map<std::string, Tensor> feeds;
  for (size_t i = 0; i < b.inputs.size(); ++i) {
    if (!b.inputs[i].defined()) continue;
    Tensor t = i == 4 ? b.inputs[i] : b.inputs[i].cast(dtype);
    const std::string& name = b.node.inputs[i];
    if (constant_weights && (i == 1 || i == 2 || i == 3)) {
      m.graph.initializers[name] = t;
    } else {
      m.graph.inputs.push_back({name, TypeInfo::of(t), ""});
      feeds[name] = t;
    }
  }
  for (const std::string& o : b.node.outputs)
    if (!o.empty()) m.graph.outputs.push_back({o, TypeInfo{}, ""});
  m.graph.nodes.push_back(b.node);
  SessionOptions o;
  o.threads = 1;
  o.profile = true;
  auto s = Session::create(std::move(m), o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return "";
  auto r = (*s)->run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().message();
  const auto prof = (*s)->profile();
  return prof.empty() ? "" : prof[0].kernel;
}

TEST(RecurrentFused, RegistryChoice) {
  const bool avx2 = &kernels::rnn_cell_kernels() == kernels::rnn_cell_kernels_avx2();
  const std::string fused = avx2 ? "fused_avx2" : "fused_scalar";
  for (Cell cell : kCells) {
    Config c;
    c.cell = cell;
    SCOPED_TRACE(op_of(cell));
    EXPECT_EQ(chosen_kernel(c, {}, true, DType::Float), fused);
    EXPECT_EQ(chosen_kernel(c, {}, false, DType::Float), "reference");
    EXPECT_EQ(chosen_kernel(c, {}, true, DType::Double), "reference");
    EXPECT_EQ(chosen_kernel(c, {attr_float("clip", 1.0f)}, true, DType::Float), "reference");
    const std::vector<std::string> acts = cell == Cell::Rnn   ? std::vector<std::string>{"Relu"}
                                          : cell == Cell::Gru ? std::vector<std::string>{"Sigmoid", "Relu"}
                                                              : std::vector<std::string>{"Sigmoid", "Tanh", "Relu"};
    EXPECT_EQ(chosen_kernel(c, {attr_strings("activations", acts)}, true, DType::Float), "reference");
    // The defaults spelled out are still the defaults.
    const std::vector<std::string> defaults = cell == Cell::Rnn   ? std::vector<std::string>{"tanh"}
                                              : cell == Cell::Gru ? std::vector<std::string>{"sigmoid", "tanh"}
                                                                  : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    EXPECT_EQ(chosen_kernel(c, {attr_strings("activations", defaults)}, true, DType::Float), fused);
    if (cell == Cell::Lstm) {
      EXPECT_EQ(chosen_kernel(c, {attr_int("input_forget", 1)}, true, DType::Float), "reference");
    }
  }
}

// The activations of each variant against double precision, over [-20, 20] finely and a few
// extremes. Portable uses the standard library and sets the bar the vector code must meet.
TEST(RecurrentFused, ActivationAccuracy) {
  std::vector<float> x;
  for (int i = -200000; i < 200000; ++i) x.push_back(static_cast<float>(i) * 1e-4f);
  for (float v : {1e-30f, -1e-30f, 1e-8f, -3e-6f, 0.125f, -0.125f, 0.12499999f, 43.0f, -43.0f, 87.5f, -87.5f, 88.5f,
                  -88.5f, 100.0f, -100.0f, 1e30f, -1e30f, 0.0f, -0.0f})
    x.push_back(v);
  while (x.size() % kernels::kRnnBlock) x.push_back(0.5f);
  std::vector<const kernels::RnnCellKernels*> all = {&kernels::rnn_cell_kernels_scalar()};
  if (kernels::rnn_cell_kernels_avx2()) all.push_back(kernels::rnn_cell_kernels_avx2());
  for (const kernels::RnnCellKernels* k : all) {
    SCOPED_TRACE(k->name);
    std::vector<float> sg(x.size()), th(x.size());
    k->sigmoid(x.data(), sg.data(), static_cast<int64_t>(x.size()));
    k->tanh(x.data(), th.data(), static_cast<int64_t>(x.size()));
    double sig_abs = 0, tanh_abs = 0, tanh_rel = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      const double s = 1.0 / (1.0 + std::exp(-v)), t = std::tanh(v);
      sig_abs = std::max(sig_abs, std::fabs(sg[i] - s));
      tanh_abs = std::max(tanh_abs, std::fabs(th[i] - t));
      if (t != 0) tanh_rel = std::max(tanh_rel, std::fabs(th[i] - t) / std::fabs(t));
      ASSERT_EQ(std::signbit(th[i]), std::signbit(t)) << "tanh(" << v << ")";
    }
    EXPECT_LE(sig_abs, 1e-6);
    EXPECT_LE(tanh_abs, 1e-6);
    EXPECT_LE(tanh_rel, 2e-6);
    std::printf("%s: sigmoid max abs error %.3g, tanh max abs error %.3g, max rel error %.3g\n", k->name, sig_abs,
                tanh_abs, tanh_rel);
  }
}

}  // namespace

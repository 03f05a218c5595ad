// Recurrent cells with int8 recurrent weights (kernels/rnn_cell_int8.h and the QRNN, QGRU, QLSTM
// kernels): the product kernels against a naive sum over the unpacked weights, exactly; the
// state's quantization; and whole nodes against the float reference kernel on the dequantized
// weights, which they must follow within the 8-bit rounding of the state.
#include "kernels/rnn_cell_int8.h"
#include "ops/internal.h"
#include "ops/rnn/kernel_harness.h"
#include "ops/rnn/recurrent.h"
#include "util/op_test.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace sz0;
using namespace sz0::test;
using sz0::kernels::RnnCellKind;
using sz0::ops::rnn::Cell;
using sz0::ops::rnn::FusedIsa;

namespace {

std::vector<const kernels::RnnInt8Kernels*> product_kernels() {
  std::vector<const kernels::RnnInt8Kernels*> k = {&kernels::rnn_int8_kernels_portable()};
  if (kernels::rnn_int8_kernels_avx2()) k.push_back(kernels::rnn_int8_kernels_avx2());
  return k;
}

TEST(RecurrentInt8, QuantizeRow) {
  const std::vector<float> v = {0.5f, -1.0f, 0.25f, 0.0f, 0.003f};
  std::vector<uint8_t> q(8, 0);
  const float s = kernels::rnn_quantize_row(v.data(), 5, 8, q.data());
  EXPECT_FLOAT_EQ(s, 1.0f / 127.0f);
  EXPECT_EQ(q[1], 1);    // -127 + 128: the largest magnitude lands on the end of the range
  EXPECT_EQ(q[3], 128);  // zero is exact
  for (int i = 0; i < 5; ++i) EXPECT_LE(std::fabs((q[i] - 128) * s - v[i]), s / 2 + 1e-7f) << i;
  for (int i = 5; i < 8; ++i) EXPECT_EQ(q[i], 128);
  const std::vector<float> zeros(3, 0.0f);
  EXPECT_EQ(kernels::rnn_quantize_row(zeros.data(), 3, 8, q.data()), 1.0f);
  EXPECT_TRUE(std::all_of(q.begin(), q.end(), [](uint8_t x) { return x == 128; }));
  // Too small for 1/s to be finite: zeros. A NaN or an infinity: a NaN scale, so the products
  // are NaN as in float, and defined bytes.
  const std::vector<float> tiny = {1e-38f, -2e-39f, 0.0f};
  std::fill(q.begin(), q.end(), 0);
  EXPECT_EQ(kernels::rnn_quantize_row(tiny.data(), 3, 8, q.data()), 1.0f);
  EXPECT_TRUE(std::all_of(q.begin(), q.end(), [](uint8_t x) { return x == 128; }));
  for (float bad : {std::nanf(""), INFINITY}) {
    const std::vector<float> row = {0.5f, bad, -0.25f};
    std::fill(q.begin(), q.end(), 0);
    EXPECT_TRUE(std::isnan(kernels::rnn_quantize_row(row.data(), 3, 8, q.data())));
    EXPECT_TRUE(std::all_of(q.begin(), q.end(), [](uint8_t x) { return x == 128; }));
  }
}

// Every kernel's products equal the naive sum, bit for bit, over odd sizes, batches and column
// ranges; padding columns come out zero.
TEST(RecurrentInt8, ProductsMatchNaiveSum) {
  std::mt19937 rng(3);
  for (RnnCellKind kind : {RnnCellKind::Rnn, RnnCellKind::Gru, RnnCellKind::Lstm})
    for (int64_t H : {1, 3, 5, 8, 13, 33, 128})
      for (int range : {64, 127}) {
        const int64_t G = kind == RnnCellKind::Rnn ? 1 : kind == RnnCellKind::Gru ? 3 : 4;
        std::uniform_int_distribution<int> wd(-range, range);
        std::vector<int8_t> r(static_cast<size_t>(G * H * H));
        for (int8_t& x : r) x = static_cast<int8_t>(wd(rng));
        std::vector<float> scales(static_cast<size_t>(G * H));
        for (float& x : scales) x = std::uniform_real_distribution<float>(0.001f, 0.02f)(rng);
        const auto w = kernels::rnn_pack_cell_int8(kind, true, H, r.data(), scales.data(), G * H, nullptr, nullptr);
        const kernels::RnnCellInt8& q = *w.int8;
        EXPECT_EQ(q.fits_7bit, std::all_of(r.begin(), r.end(), [](int8_t x) { return x >= -64 && x <= 64; }));
        const int64_t Hp = w.Hp, cols = q.r.cols, kp = q.r.kq * 4;
        ASSERT_EQ(cols, G * Hp);
        for (int64_t N : {1, 2, 3, 4, 5, 9}) {
          SCOPED_TRACE("G=" + std::to_string(G) + " H=" + std::to_string(H) + " N=" + std::to_string(N) +
                       " range=" + std::to_string(range));
          std::vector<uint8_t> u(static_cast<size_t>(N * kp));
          std::vector<float> row_scale(static_cast<size_t>(N));
          for (int64_t b = 0; b < N; ++b) {
            std::vector<float> h(static_cast<size_t>(H));
            for (float& x : h) x = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
            row_scale[b] = kernels::rnn_quantize_row(h.data(), H, kp, u.data() + b * kp);
          }
          std::vector<float> want(static_cast<size_t>(N * cols), 0.0f);
          for (int64_t b = 0; b < N; ++b)
            for (int64_t g = 0; g < G; ++g)
              for (int64_t j = 0; j < H; ++j) {
                int32_t acc = 0;
                for (int64_t k = 0; k < H; ++k) acc += (u[b * kp + k] - 128) * r[(g * H + j) * H + k];
                want[b * cols + g * Hp + j] = static_cast<float>(acc) * (row_scale[b] * scales[g * H + j]);
              }
          for (const kernels::RnnInt8Kernels* k : product_kernels()) {
            if (!q.fits_7bit && k != &kernels::rnn_int8_kernels_portable()) continue;
            SCOPED_TRACE(k->name);
            std::vector<float> got(static_cast<size_t>(N * cols), -1.0f);
            const kernels::RnnInt8Products p{&q.r, u.data(), row_scale.data(), q.scale.data(), q.colsum.data(),
                                             got.data(), cols};
            // Two column ranges, as two threads would split them.
            const int64_t blocks = cols / 8, mid = blocks / 2;
            k->products(p, 0, N, 0, mid);
            k->products(p, 0, N, mid, blocks);
            int bad = 0;
            for (size_t i = 0; i < got.size(); ++i) bad += got[i] != want[i];
            EXPECT_EQ(bad, 0);
          }
        }
      }
}

// A node with float weights, and its int8 twin: W and R quantized per row to [-63, 63].
struct Pair {
  Node node;          // the float node (ai.onnx)
  Node qnode;         // QRNN / QGRU / QLSTM
  std::vector<Tensor> inputs;   // X, dequantized W and R, B, ... (undefined where omitted)
  std::vector<Tensor> qinputs;  // X, int8 W and R, B, ...
  std::vector<TypeInfo> outputs;
};

struct Config {
  Cell cell = Cell::Gru;
  int64_t S = 9, N = 1, I = 6, H = 17;
  std::string direction = "forward";
  bool lbr = false, lens = false, init = false, peep = false;
  bool per_row = true;
  uint32_t seed = 1;
};

const char* op_of(Cell c) { return c == Cell::Rnn ? "RNN" : c == Cell::Gru ? "GRU" : "LSTM"; }

std::pair<Tensor, std::vector<float>> quantize(const Tensor& f, bool per_row) {
  const int64_t D = f.dim(0), rows = f.dim(1), cols = f.dim(2);
  std::vector<float> amax(static_cast<size_t>(per_row ? rows : 1), 0.0f);
  for (int64_t e = 0; e < f.numel(); ++e) {
    float& m = amax[per_row ? (e / cols) % rows : 0];
    m = std::max(m, std::fabs(f.data<float>()[e]));
  }
  for (float& s : amax) s = s > 0 ? s / 63.0f : 1.0f;
  Tensor q(DType::Int8, {D, rows, cols});
  for (int64_t e = 0; e < f.numel(); ++e)
    q.data<int8_t>()[e] = static_cast<int8_t>(std::nearbyint(f.data<float>()[e] / amax[per_row ? (e / cols) % rows : 0]));
  return {std::move(q), std::move(amax)};
}

Tensor dequantize(const Tensor& q, const std::vector<float>& s) {
  const int64_t rows = q.dim(1), cols = q.dim(2);
  Tensor f(DType::Float, q.shape());
  for (int64_t e = 0; e < q.numel(); ++e)
    f.data<float>()[e] = q.data<int8_t>()[e] * s[s.size() == 1 ? 0 : (e / cols) % rows];
  return f;
}

Pair build(const Config& c) {
  const int64_t D = c.direction == "bidirectional" ? 2 : 1, G = ops::rnn::num_gates(c.cell), H = c.H;
  Pair p;
  p.node.name = "n0";
  p.node.op_type = op_of(c.cell);
  p.node.attributes = {attr_int("hidden_size", H), attr_string("direction", c.direction)};
  if (c.lbr) p.node.attributes.push_back(attr_int("linear_before_reset", 1));
  uint32_t s = c.seed * 31;
  const Shape st{D, c.N, H};
  p.inputs.push_back(random_tensor(DType::Float, {c.S, c.N, c.I}, s++));
  const double r_scale = std::min(0.5, 1.5 / std::sqrt(static_cast<double>(H)));
  auto [wq, ws] = quantize(random_tensor(DType::Float, {D, G * H, c.I}, s++, -0.5, 0.5), c.per_row);
  auto [rq, rs] = quantize(random_tensor(DType::Float, {D, G * H, H}, s++, -r_scale, r_scale), c.per_row);
  p.inputs.push_back(dequantize(wq, ws));
  p.inputs.push_back(dequantize(rq, rs));
  p.inputs.push_back(random_tensor(DType::Float, {D, 2 * G * H}, s++, -0.5, 0.5));
  if (c.lens) {
    std::vector<int32_t> l(static_cast<size_t>(c.N));
    for (int64_t i = 0; i < c.N; ++i) l[i] = static_cast<int32_t>((i * 4 + 2) % (c.S + 1));
    p.inputs.push_back(Tensor::from_vector(l));
  } else {
    p.inputs.emplace_back();
  }
  p.inputs.push_back(c.init ? random_tensor(DType::Float, st, s++) : Tensor());
  if (c.cell == Cell::Lstm) {
    p.inputs.push_back(c.init ? random_tensor(DType::Float, st, s++) : Tensor());
    p.inputs.push_back(c.peep ? random_tensor(DType::Float, {D, 3 * H}, s++, -0.5, 0.5) : Tensor());
  }
  while (!p.inputs.back().defined()) p.inputs.pop_back();
  for (size_t i = 0; i < p.inputs.size(); ++i) p.node.inputs.push_back(p.inputs[i].defined() ? "in" + std::to_string(i) : "");
  for (int i = 0; i < (c.cell == Cell::Lstm ? 3 : 2); ++i) p.node.outputs.push_back("out" + std::to_string(i));
  p.qinputs = p.inputs;
  p.qinputs[1] = wq;
  p.qinputs[2] = rq;
  p.qnode = p.node;
  p.qnode.domain = std::string(ops::kInternalDomain);
  p.qnode.op_type = "Q" + p.node.op_type;
  p.qnode.attributes.push_back(attr_floats("w_scales", ws));
  p.qnode.attributes.push_back(attr_floats("r_scales", rs));

  p.outputs = test::rnn::infer_outputs(p.node, p.inputs);
  return p;
}

using test::rnn::init_of;
using test::rnn::run_kernel;

// Largest |int8 − float| over every output, for each gate-math variant the CPU runs.
double worst_error(const Config& c) {
  const Pair p = build(c);
  const ops::KernelInit fi = init_of(p.node, p.inputs, p.outputs);
  auto ref = ops::rnn::make_recurrent_kernel(fi, c.cell);
  EXPECT_TRUE(ref.ok());
  auto want = run_kernel(**ref, p.node, p.inputs, p.outputs);
  EXPECT_TRUE(want.ok()) << want.status().message();
  const ops::KernelInit qi = init_of(p.qnode, p.qinputs, p.outputs);
  EXPECT_TRUE(ops::rnn::accepts_fused(qi, c.cell, FusedIsa::Portable));
  std::vector<FusedIsa> isas = {FusedIsa::Portable};
  if (kernels::rnn_cell_kernels_avx2()) isas.push_back(FusedIsa::Avx2);
  double worst = 0;
  for (FusedIsa isa : isas) {
    auto k = ops::rnn::make_fused_kernel(qi, c.cell, isa);
    EXPECT_TRUE(k.ok()) << k.status().message();
    if (!k.ok() || !want.ok()) return 1e9;
    auto got = run_kernel(**k, p.qnode, p.qinputs, p.outputs);
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (!got.ok()) return 1e9;
    for (size_t i = 0; i < want->size(); ++i) {
      const Tensor &a = (*got)[i], &b = (*want)[i];
      EXPECT_EQ(a.shape(), b.shape());
      for (int64_t e = 0; e < a.numel() && a.shape() == b.shape(); ++e)
        worst = std::max(worst, static_cast<double>(std::fabs(a.data<float>()[e] - b.data<float>()[e])));
    }
  }
  return worst;
}

std::string describe(const Config& c) {
  return std::string(op_of(c.cell)) + " S=" + std::to_string(c.S) + " N=" + std::to_string(c.N) + " H=" +
         std::to_string(c.H) + " " + c.direction + (c.lbr ? " lbr" : "") + (c.lens ? " lens" : "") +
         (c.init ? " init" : "") + (c.peep ? " peep" : "") + (c.per_row ? "" : " per-tensor");
}

// The state's 8-bit rounding moves each product by at most half a step of the row's largest
// value times the row of R; with R of norm about 1 per row the outputs stay within 0.02 of
// float over the sequence (measured: 0.002 to 0.01).
TEST(RecurrentInt8, NodesFollowTheFloatReference) {
  const char* const dirs[] = {"forward", "reverse", "bidirectional"};
  uint32_t seed = 1;
  double overall = 0;
  for (Cell cell : {Cell::Rnn, Cell::Gru, Cell::Lstm})
    for (int64_t H : {1, 5, 17, 40, 128})
      for (int64_t N : {1, 3, 6})
        for (const char* dir : dirs) {
          Config c;
          c.cell = cell;
          c.H = H;
          c.N = N;
          c.direction = dir;
          c.seed = seed++;
          c.lbr = cell == Cell::Gru && seed % 2 == 0;
          c.lens = c.init = seed % 3 == 0;
          c.peep = cell == Cell::Lstm && seed % 2 == 1;
          c.per_row = seed % 5 != 0;
          SCOPED_TRACE(describe(c));
          const double e = worst_error(c);
          EXPECT_LE(e, 0.02);
          overall = std::max(overall, e);
        }
  std::printf("int8 recurrent cells: largest difference from float %.4f\n", overall);
}

TEST(RecurrentInt8, RefusesWhatItCannotRun) {
  Config c;
  Pair p = build(c);
  // Scales missing, of the wrong count, or not positive.
  for (std::vector<float> bad : {std::vector<float>{}, std::vector<float>{0.1f, 0.2f}, std::vector<float>{-1.0f}}) {
    Node n = p.qnode;
    n.set_attr(attr_floats("r_scales", bad));
    EXPECT_FALSE(ops::rnn::accepts_fused(init_of(n, p.qinputs, p.outputs), c.cell, FusedIsa::Portable));
  }
  // Float weights on the int8 node.
  EXPECT_FALSE(ops::rnn::accepts_fused(init_of(p.qnode, p.inputs, p.outputs), c.cell, FusedIsa::Portable));
  // Int8 weights on the float node.
  EXPECT_FALSE(ops::rnn::accepts_fused(init_of(p.node, p.qinputs, p.outputs), c.cell, FusedIsa::Portable));
}

}  // namespace

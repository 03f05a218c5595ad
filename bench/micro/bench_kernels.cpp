// Micro-benchmarks of the hot kernels, each timed as a one-layer model through a Session (so the
// numbers include what a real run pays per node) with the runtime rewrites on ("fast") and off
// ("reference"), at one thread:
//   build/sz0_microbench [--benchmark_filter=Conv]
#include <sz0/builder.h>
#include <sz0/session.h>

#include "kernels/gemm.h"
#include "kernels/sgemm.h"

#include <benchmark/benchmark.h>

#include <functional>
#include <random>

using namespace sz0;

namespace {

Tensor random_input(DType dtype, const Shape& shape) {
  Tensor t(dtype, shape);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  if (dtype == DType::Float)
    for (float& v : t.span<float>()) v = u(rng);
  else if (dtype == DType::Int64)
    for (int64_t& v : t.span<int64_t>()) v = rng() % 100;
  return t;
}

// Builds a model with `layer` on one input of [batch, dims...] and times Session::run.
void run_model(benchmark::State& state, const std::vector<int64_t>& dims, bool optimize,
               const std::function<Var(ModelBuilder&, Var)>& layer) {
  ModelBuilder b("bench", {.seed = 1, .batch = 1});
  Var x = b.input("x", DType::Float, dims);
  b.output(layer(b, x), "y");
  auto model = b.build();
  if (!model.ok()) {
    state.SkipWithError(model.status().message().c_str());
    return;
  }
  SessionOptions o;
  o.threads = 1;
  o.optimize = optimize;
  auto s = Session::create(std::move(*model), o);
  if (!s.ok()) {
    state.SkipWithError(s.status().message().c_str());
    return;
  }
  Shape shape = {1};
  shape.insert(shape.end(), dims.begin(), dims.end());
  const std::map<std::string, Tensor> feeds = {{"x", random_input(DType::Float, shape)}};
  for (auto _ : state) {
    auto r = (*s)->run(feeds);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->front().raw());
  }
}

// Convolution: channels in/out, spatial size, kernel, groups (args), fast (0/1).
void BM_Conv(benchmark::State& state) {
  const int64_t c = state.range(0), m = state.range(1), hw = state.range(2), k = state.range(3), g = state.range(4);
  run_model(state, {c, hw, hw}, state.range(5) != 0, [&](ModelBuilder& b, Var x) {
    return b.relu(b.conv2d(x, m, k, {.groups = g}));
  });
  // The one-layer model includes the reorders into and out of the blocked layout.
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * (c / g) * k * k * hw * hw / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Conv)
    ->ArgNames({"C", "M", "HW", "K", "G", "fast"})
    ->ArgsProduct({{64}, {64}, {40}, {3}, {64}, {0, 1}})      // depthwise
    ->ArgsProduct({{64}, {128}, {40}, {1}, {1}, {0, 1}})      // pointwise
    ->ArgsProduct({{128}, {128}, {20}, {3}, {1}, {0, 1}});    // dense 3x3

void BM_GemmF32(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  std::vector<float> a(static_cast<size_t>(m * k), 0.5f), b(static_cast<size_t>(k * n), 0.25f), c(static_cast<size_t>(m * n));
  for (auto _ : state) {
    kernels::gemm_f32(false, false, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GemmF32)->ArgNames({"M", "N", "K"})->Args({1, 384, 128})->Args({128, 512, 128})->Args({256, 256, 256})
    ->Args({128, 256, 256})->Args({128, 1024, 256})->Args({128, 256, 1024})->Args({128, 128, 64})->Args({128, 64, 128});

// The packed-B GEMM of MatMul/Gemm with a weight operand (B packed once, outside the loop).
void BM_SgemmPacked(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  std::vector<float> a(static_cast<size_t>(m * k), 0.5f), b(static_cast<size_t>(k * n), 0.25f), c(static_cast<size_t>(m * n));
  kernels::PackedB pb;
  kernels::pack_b(false, k, n, b.data(), n, pb);
  for (auto _ : state) {
    kernels::sgemm_packed(m, a.data(), k, pb, c.data(), n, {}, 1);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SgemmPacked)->ArgNames({"M", "N", "K"})->Args({128, 512, 128})->Args({256, 256, 256})
    ->Args({128, 256, 256})->Args({128, 1024, 256})->Args({128, 256, 1024})->Args({128, 128, 64})->Args({128, 64, 128})
    ->Args({7, 100, 33});

void BM_Recurrent(benchmark::State& state) {
  const bool lstm = state.range(0) != 0;
  run_model(state, {64, 32}, true, [&](ModelBuilder& b, Var x) {
    return lstm ? b.lstm(x, state.range(1)) : b.gru(x, state.range(1));
  });
}
BENCHMARK(BM_Recurrent)->ArgNames({"lstm", "hidden"})->ArgsProduct({{0, 1}, {64, 128}});

void BM_Elementwise(benchmark::State& state) {
  const int64_t which = state.range(0);
  run_model(state, {128, 512}, true, [&](ModelBuilder& b, Var x) {
    switch (which) {
      case 0: return b.hard_swish(x);
      case 1: return b.gelu(x);
      case 2: return b.softmax(x);
      case 3: return b.layer_norm(x);
      default: return b.add(x, x);
    }
  });
}
BENCHMARK(BM_Elementwise)->ArgNames({"hardswish_gelu_softmax_layernorm_add"})->DenseRange(0, 4);

}  // namespace

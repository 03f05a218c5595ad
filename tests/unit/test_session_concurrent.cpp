// Concurrent runs over one session: every zoo model (float, and int8 static and dynamic, which
// run oneDNN primitives and per-shape plans), each of several threads running its own inputs
// many times, must give exactly what the same session gives those inputs run alone.
#include <sz0/quantize.h>
#include <sz0/session.h>
#include <sz0/zoo.h>

#include "util/op_test.h"
#include "util/zoo_feeds.h"

#include <atomic>
#include <cstring>
#include <thread>

using namespace sz0;
using namespace sz0::test;

namespace {

constexpr int kThreads = 4;
#if defined(__SANITIZE_ADDRESS__)
// -O0 under the sanitizers: fewer repetitions, and one model per kernel family (recurrent,
// attention and packed GEMM, blocked 1-D convolution).
constexpr int kRunsPerThread = 2;
const std::vector<std::string> kFloatModels = {"sentinel-gru", "transformer-s"};
const std::vector<std::string> kStagedModels = {"sentinel-tcn"};
#else
constexpr int kRunsPerThread = 6;
const std::vector<std::string> kFloatModels = zoo::model_names();
const std::vector<std::string> kStagedModels = {"resnet-s", "sentinel-tcn"};
#endif

std::map<std::string, Tensor> feeds_for(const zoo::ZooModel& m, int64_t batch, uint32_t seed) {
  return zoo_feeds(m, batch, seed);
}

bool same_bytes(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() || a[i].nbytes() != b[i].nbytes() ||
        std::memcmp(a[i].raw(), b[i].raw(), a[i].nbytes()) != 0)
      return false;
  return true;
}

// Runs thread t's feeds (two batch sizes, so plans for several shapes are built concurrently)
// kRunsPerThread times from kThreads threads; each result must equal the sequential one.
void expect_concurrent_runs_match(const Model& model, const zoo::ZooModel& entry, const std::string& what) {
  SessionOptions o;
  o.threads = 1;
  auto created = Session::create(model, o);
  ASSERT_TRUE(created.ok()) << what << ": " << created.status().message();
  Session& session = **created;
  std::vector<std::map<std::string, Tensor>> feeds;
  std::vector<std::vector<Tensor>> expected;
  for (int t = 0; t < kThreads; ++t) {
    feeds.push_back(feeds_for(entry, t % 2 ? 3 : 1, 100 + t));
    // A separate session gives the reference, so this session's plans are first built under load.
    auto alone = Session::create(model, o);
    ASSERT_TRUE(alone.ok());
    auto out = (*alone)->run(feeds.back());
    ASSERT_TRUE(out.ok()) << what << ": " << out.status().message();
    expected.push_back(std::move(*out));
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRunsPerThread; ++r) {
        auto out = session.run(feeds[t]);
        if (!out.ok()) ++failures;
        else if (!same_bytes(*out, expected[t])) ++mismatches;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << what;
  EXPECT_EQ(mismatches.load(), 0) << what;
  // Every arena allocated is counted (one per run in flight; MemoryPlan.ConcurrentRunsTakeTheirOwnArena).
  EXPECT_GE(session.memory_stats().arenas_total_bytes, session.memory_stats().arena_bytes) << what;
}

}  // namespace

TEST(SessionConcurrent, FloatZooModelsMatchSequentialRuns) {
  for (const std::string& name : kFloatModels) {
    auto model = zoo::build_model(name, {.seed = 7});
    ASSERT_TRUE(model.ok()) << name;
    expect_concurrent_runs_match(*model, *zoo::find_model(name), name);
  }
}

TEST(SessionConcurrent, Int8ModelsMatchSequentialRuns) {
  for (const char* name : {"resnet-s", "mobilenet-s", "sentinel-tcn", "transformer-s", "mlp"}) {
    const zoo::ZooModel& entry = *zoo::find_model(name);
    for (QuantizationType type : {QuantizationType::Int8Static, QuantizationType::Int8Dynamic}) {
      auto model = zoo::build_model(name, {.seed = 7});
      ASSERT_TRUE(model.ok());
      QuantizeOptions qo{.type = type};
      qo.samples = {feeds_for(entry, 1, 1), feeds_for(entry, 1, 2)};
      auto r = ModelQuantizer(qo).quantize(*model);
      ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
      expect_concurrent_runs_match(*model, entry, std::string(name) + (type == QuantizationType::Int8Static ? " static" : " dynamic"));
    }
  }
}

TEST(SessionConcurrent, StagedConvolutionsMatchSequentialRuns) {
  // The staged path (plain copies around oneDNN's GEMM convolution) uses per-thread buffers.
  ::setenv("SZ0_CONV_STAGED", "1", 1);
  for (const std::string& name : kStagedModels) {
    auto model = zoo::build_model(name, {.seed = 7});
    ASSERT_TRUE(model.ok());
    expect_concurrent_runs_match(*model, *zoo::find_model(name), name + " staged");
  }
  ::unsetenv("SZ0_CONV_STAGED");
}

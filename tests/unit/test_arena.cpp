// Memory planning (runtime/arena.h): repeated runs on the planned arena give the outputs of the
// unplanned session, in-place ops share their input's bytes, outputs never live in the arena, new
// shapes get their own plan, and a data-dependent shape falls back to the pool.
#include <sz0/builder.h>
#include <sz0/session.h>

#include "runtime/arena.h"
#include "unit/pass_test.h"
#include "util/op_test.h"

using namespace sz0;
using namespace sz0::test;

namespace {

std::unique_ptr<Session> make(const Model& m, bool plan) {
  SessionOptions o;
  o.threads = 1;
  o.plan_memory = plan;
  auto s = Session::create(m, o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// Runs both sessions on `x` and compares.
void same(Session& planned, Session& pool, const std::string& input, const Tensor& x) {
  auto got = planned.run({{input, x}});
  auto want = pool.run({{input, x}});
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(want.ok()) << want.status().message();
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < got->size(); ++i) EXPECT_TENSOR_NEAR((*got)[i], (*want)[i], 0, 0);
}

TEST(MemoryPlan, RepeatedRunsMatchAndReuseBytes) {
  ModelBuilder b("mlpish", {.seed = 21, .batch = 0});
  Var x = b.input("x", DType::Float, {24, 16});  // [batch, 24, 16], batch symbolic
  Var h = b.relu(b.add(b.linear(x, 40), b.parameter("bias2", {40}, 1.0f)));
  Var g = b.sigmoid(b.mul(h, h));
  Var y = b.add(b.linear(g, 16), x);
  b.output(b.tanh(y), "y");
  b.output(h, "h");  // an intermediate that is also an output
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto planned = make(*model, true), pool = make(*model, false);
  ASSERT_TRUE(planned && pool);
  std::vector<Tensor> first;
  for (int run = 0; run < 4; ++run) {
    const int64_t batch = run < 3 ? 2 : 5;  // a new signature on the last run
    const Tensor x1 = random_tensor(DType::Float, {batch, 24, 16}, 30 + run);
    same(*planned, *pool, "x", x1);
    if (run == 0) first = *planned->run({{"x", x1}});
  }
  // Outputs handed out earlier are not overwritten by later runs.
  auto again = pool->run({{"x", random_tensor(DType::Float, {2, 24, 16}, 30)}});
  ASSERT_TRUE(again.ok());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_TENSOR_NEAR(first[i], (*again)[i], 0, 0);
  const MemoryStats st = planned->memory_stats();
  EXPECT_GT(st.arena_bytes, 0u);
  EXPECT_LT(st.arena_bytes, st.planned_bytes);  // buffers with disjoint lifetimes share bytes
  EXPECT_GT(st.in_place, 0);
}

TEST(MemoryPlan, DataDependentShapeFallsBackToThePool) {
  // NonZero's output length depends on the values, not the input shape.
  Model m = graph_model(17, {{"x", {12}}}, {"y", "z"},
                        {op("Relu", {"x"}, {"r"}), op("NonZero", {"r"}, {"nz"}), op("Cast", {"nz"}, {"f"}, {attr_int("to", 1)}),
                         op("Sigmoid", {"f"}, {"s"}), op("Neg", {"s"}, {"y"}), op("Exp", {"r"}, {"e"}), op("Abs", {"e"}, {"z"})});
  auto planned = make(m, true), pool = make(m, false);
  ASSERT_TRUE(planned && pool);
  for (int run = 0; run < 5; ++run) same(*planned, *pool, "x", random_tensor(DType::Float, {12}, 50 + run));
}

// A broadcast input has fewer elements than the output even where both round up to the same
// buffer size: writing the output over it would clobber values still to be read.
TEST(MemoryPlan, BroadcastInputIsNotOverwritten) {
  Model m = graph_model(17, {{"x", {2, 8}}}, {"y"},
                        {op("ReduceMax", {"x"}, {"r"}, {attr_ints("axes", {0}), attr_int("keepdims", 1)}),
                         op("Relu", {"r"}, {"a"}), op("Add", {"a", "x"}, {"s"}), op("Neg", {"s"}, {"y"})});
  auto planned = make(m, true), pool = make(m, false);
  ASSERT_TRUE(planned && pool);
  for (int run = 0; run < 3; ++run) same(*planned, *pool, "x", random_tensor(DType::Float, {2, 8}, 70 + run));
}

TEST(MemoryPlan, ConvNetWithBlockedLayout) {
  ModelBuilder b("cnn", {.seed = 22, .batch = 1});
  Var x = b.input("image", DType::Float, {3, 20, 20});
  Var y = b.relu(b.conv2d(x, 16, 3, {.padding = 1}));
  Var z = b.relu(b.add(b.conv2d(y, 16, 3, {.padding = 1}), y));
  Var p = b.max_pool(z, 2);
  b.output(b.linear(b.global_avg_pool(p), 10), "logits");
  auto model = b.build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto planned = make(*model, true), pool = make(*model, false);
  ASSERT_TRUE(planned && pool);
  for (int run = 0; run < 3; ++run) same(*planned, *pool, "image", random_tensor(DType::Float, {1, 3, 20, 20}, 60 + run));
  EXPECT_GT(planned->memory_stats().buffers, 0);
}

}  // namespace

// Two runs of one signature in flight at once take two arenas (never the same bytes); when they
// end, later runs reuse those arenas instead of allocating more.
TEST(MemoryPlan, ConcurrentRunsTakeTheirOwnArena) {
  auto pool = std::make_shared<BufferPool>();
  MemoryPlanner planner;
  const std::vector<bool> in_place = {false, false, false};
  // Node 0 writes a, node 1 reads it into b (a dies), node 2 writes the output c (b dies).
  auto record = [&](MemoryPlanner::Run& r) {
    r.set_node(0);
    Tensor a = r.allocate(DType::Float, {256}, false, {});
    r.set_node(1);
    Tensor b = r.allocate(DType::Float, {256}, false, {&a});
    a = Tensor();
    r.set_node(2);
    Tensor c = r.allocate(DType::Float, {16}, false, {&b});
    b = Tensor();
    std::vector<Tensor> out = {c};
    c = Tensor();
    r.finish(out);
  };
  {
    MemoryPlanner::Run r(planner, "sig", *pool, &in_place);
    record(r);
  }
  const size_t arena = planner.stats().arena_bytes;
  ASSERT_GT(arena, 0u);
  EXPECT_EQ(planner.allocated_arena_bytes(), arena);
  {
    MemoryPlanner::Run r1(planner, "sig", *pool, &in_place), r2(planner, "sig", *pool, &in_place);
    r1.set_node(0);
    r2.set_node(0);
    Tensor a1 = r1.allocate(DType::Float, {256}, false, {});
    Tensor a2 = r2.allocate(DType::Float, {256}, false, {});
    const char* p1 = static_cast<const char*>(a1.raw());
    const char* p2 = static_cast<const char*>(a2.raw());
    EXPECT_TRUE(p1 + arena <= p2 || p2 + arena <= p1) << "two runs in flight share arena bytes";
    EXPECT_EQ(planner.allocated_arena_bytes(), 2 * arena);
  }
  {
    MemoryPlanner::Run r3(planner, "sig", *pool, &in_place);
    r3.set_node(0);
    Tensor a3 = r3.allocate(DType::Float, {256}, false, {});
    EXPECT_EQ(planner.allocated_arena_bytes(), 2 * arena);  // an idle arena, not a new one
  }
}

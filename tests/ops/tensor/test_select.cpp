#include "tensor_test_util.h"

#include <algorithm>

using namespace sz0;
using namespace sz0::test;

namespace {

Tensor bools(std::vector<bool> v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

Tensor compress_ref(const Tensor& x, const std::vector<bool>& cond, std::optional<int64_t> axis) {
  if (!axis) {
    std::vector<int64_t> keep;
    for (size_t i = 0; i < cond.size(); ++i)
      if (cond[i]) keep.push_back(static_cast<int64_t>(i));
    Tensor y(x.dtype(), {static_cast<int64_t>(keep.size())});
    for (size_t i = 0; i < keep.size(); ++i) copy_elem(x, keep[i], y, static_cast<int64_t>(i));
    return y;
  }
  std::vector<int64_t> keep;
  for (size_t i = 0; i < cond.size(); ++i)
    if (cond[i]) keep.push_back(static_cast<int64_t>(i));
  Shape out = x.shape();
  out[*axis] = static_cast<int64_t>(keep.size());
  Tensor y(x.dtype(), out);
  for (int64_t o = 0; o < y.numel(); ++o) {
    Shape idx = unravel(o, out);
    idx[*axis] = keep[idx[*axis]];
    copy_elem(x, ravel(idx, x.shape()), y, o);
  }
  return y;
}

}  // namespace

TEST(Compress, AxesAndShortConditions) {
  for (DType t : movement_dtypes()) {
    Tensor x = random_any(t, {3, 5, 2}, 1);
    const std::vector<bool> c5{true, false, true, true, false}, c2{false, true}, c3{false, true};
    struct Case {
      std::optional<int64_t> axis;
      std::vector<bool> cond;
      int64_t norm;
    };
    for (const Case& c : std::vector<Case>{{1, c5, 1}, {-2, c5, 1}, {2, c2, 2}, {0, c3, 0}, {0, {true, true, true}, 0},
                                           {std::nullopt, {false, true, true, false, false, false, true}, 0}}) {
      NodeSpec s{.op_type = "Compress", .inputs = {x, bools(c.cond)}};
      if (c.axis) s.attributes.push_back(attr_int("axis", *c.axis));
      auto r = run_node(s);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TENSOR_EQ((*r)[0], compress_ref(x, c.cond, c.axis ? std::optional(c.norm) : std::nullopt));
    }
  }
}

TEST(Compress, ErrorsAndInference) {
  Tensor x = random_any(DType::Float, {3, 2}, 2);
  EXPECT_FALSE(run_node({.op_type = "Compress", .inputs = {x, bools({false, false, false, true})}, .attributes = {attr_int("axis", 0)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "Compress", .inputs = {x, bools({true})}, .attributes = {attr_int("axis", 2)}}).ok());
  auto r = run_node({.op_type = "Compress", .inputs = {x, bools({true, false, true, false})}, .attributes = {attr_int("axis", 0)}});
  EXPECT_TRUE(r.ok()) << "trailing false entries past the dimension are harmless";
  Tensor c = bools({true, false, true});
  auto inf = infer({.op_type = "Compress", .inputs = {TypeInfo(DType::Float, {3, sym("N")}), TypeInfo::of(c)},
                    .values = {nullptr, &c}, .attributes = {attr_int("axis", 0)}});
  ASSERT_TRUE(inf.ok());
  EXPECT_DIMS((*inf)[0], {2, sym("N")});
  inf = infer({.op_type = "Compress", .inputs = {TypeInfo(DType::Float, {3, 4}), TypeInfo(DType::Bool, {3})}});
  ASSERT_TRUE(inf.ok());
  EXPECT_DIMS((*inf)[0], {Dim()});
}

TEST(ReverseSequence, BatchAndTimeAxes) {
  for (DType t : {DType::Float, DType::Int64, DType::Float16, DType::Bool}) {
    Tensor x = random_any(t, {4, 3, 2, 3}, 3);
    for (auto [batch_axis, time_axis] : std::vector<std::pair<int64_t, int64_t>>{{1, 0}, {0, 1}}) {
      const int64_t batch = x.dim(static_cast<int>(batch_axis)), time = x.dim(static_cast<int>(time_axis));
      std::vector<int64_t> lens;
      for (int64_t b = 0; b < batch; ++b) lens.push_back((b * 3 + 1) % (time + 1));
      auto r = run_node({.op_type = "ReverseSequence", .inputs = {x, i64(lens)},
                         .attributes = {attr_int("batch_axis", batch_axis), attr_int("time_axis", time_axis)}});
      ASSERT_TRUE(r.ok()) << r.status().message();
      Tensor want(t, x.shape());
      for (int64_t o = 0; o < want.numel(); ++o) {
        Shape idx = unravel(o, x.shape());
        const int64_t b = idx[batch_axis], tt = idx[time_axis];
        if (tt < lens[b]) idx[time_axis] = lens[b] - 1 - tt;
        copy_elem(x, ravel(idx, x.shape()), want, o);
      }
      EXPECT_TENSOR_EQ((*r)[0], want);
    }
  }
  Tensor x = random_any(DType::Float, {4, 3}, 4);
  EXPECT_FALSE(run_node({.op_type = "ReverseSequence", .inputs = {x, i64({1, 5, 2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "ReverseSequence", .inputs = {x, i64({1, 2})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "ReverseSequence", .inputs = {x, i64({1, 1, 1})},
                         .attributes = {attr_int("batch_axis", 1), attr_int("time_axis", 1)}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "ReverseSequence", .inputs = {random_any(DType::Float, {4}, 5), i64({1})}}).ok());
}

namespace {

struct UniqueRef {
  Tensor y;
  std::vector<int64_t> indices, inverse, counts;
};

// Naive unique over items (elements, or slices along `axis`), compared by their double values.
UniqueRef unique_ref(const Tensor& x, std::optional<int64_t> axis, bool sorted) {
  int64_t outer = 1, n = x.numel(), inner = 1;
  if (axis) {
    n = x.shape()[*axis];
    for (int64_t k = 0; k < *axis; ++k) outer *= x.shape()[k];
    for (int64_t k = *axis + 1; k < x.rank(); ++k) inner *= x.shape()[k];
  }
  auto item = [&](int64_t i) {
    std::vector<double> v;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < inner; ++j) v.push_back(x.get_double((o * n + i) * inner + j));
    return v;
  };
  std::vector<std::vector<double>> uniq;
  UniqueRef r;
  for (int64_t i = 0; i < n; ++i) {
    auto v = item(i);
    auto it = std::find(uniq.begin(), uniq.end(), v);
    if (it == uniq.end()) {
      uniq.push_back(v);
      r.indices.push_back(i);
      r.counts.push_back(1);
    } else {
      ++r.counts[it - uniq.begin()];
    }
  }
  std::vector<size_t> order(uniq.size());
  for (size_t u = 0; u < order.size(); ++u) order[u] = u;
  if (sorted) std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return uniq[a] < uniq[b]; });
  std::vector<int64_t> indices, counts;
  for (size_t u : order) {
    indices.push_back(r.indices[u]);
    counts.push_back(r.counts[u]);
  }
  r.indices = indices;
  r.counts = counts;
  for (int64_t i = 0; i < n; ++i) {
    auto v = item(i);
    for (size_t u = 0; u < order.size(); ++u)
      if (uniq[order[u]] == v) r.inverse.push_back(static_cast<int64_t>(u));
  }
  Shape ys{static_cast<int64_t>(order.size())};
  if (axis) {
    ys = x.shape();
    ys[*axis] = static_cast<int64_t>(order.size());
  }
  r.y = Tensor(x.dtype(), ys);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t u = 0; u < order.size(); ++u)
      for (int64_t j = 0; j < inner; ++j)
        copy_elem(x, (o * n + r.indices[u]) * inner + j, r.y, (o * static_cast<int64_t>(order.size()) + u) * inner + j);
  return r;
}

}  // namespace

TEST(Unique, FlatAndAxis) {
  for (DType t : {DType::Float, DType::Int64, DType::Int8, DType::Float16, DType::UInt8}) {
    // Few distinct values so that duplicates occur, along every axis too.
    Tensor x = random_tensor(DType::Int32, {4, 3, 5}, 6, t == DType::Int8 ? -1 : 0, 2).cast(t);
    for (std::optional<int64_t> axis : {std::optional<int64_t>(), std::optional<int64_t>(0),
                                        std::optional<int64_t>(1), std::optional<int64_t>(-1)})
      for (bool sorted : {true, false}) {
        // Along an axis, tile the input with itself so that some slices are equal.
        Tensor in = x;
        if (axis) {
          const int64_t a = *axis < 0 ? *axis + 3 : *axis;
          std::vector<int64_t> reps{1, 1, 1};
          reps[a] = 2;
          auto r2 = run_node({.op_type = "Tile", .inputs = {x, i64(reps)}});
          ASSERT_TRUE(r2.ok());
          in = (*r2)[0];
        }
        NodeSpec s{.op_type = "Unique", .inputs = {in}, .attributes = {attr_int("sorted", sorted)}, .num_outputs = 4};
        if (axis) s.attributes.push_back(attr_int("axis", *axis));
        auto r = run_node(s);
        ASSERT_TRUE(r.ok()) << r.status().message();
        std::optional<int64_t> norm;
        if (axis) norm = *axis < 0 ? *axis + 3 : *axis;
        UniqueRef want = unique_ref(in, norm, sorted);
        EXPECT_TENSOR_EQ((*r)[0], want.y) << dtype_name(t) << " sorted " << sorted;
        EXPECT_EQ((*r)[1].to_int64(), want.indices);
        EXPECT_EQ((*r)[2].to_int64(), want.inverse);
        EXPECT_EQ((*r)[3].to_int64(), want.counts);
      }
  }
}

TEST(Unique, KnownExampleAndErrors) {
  Tensor x = Tensor::from_vector<float>({2, 1, 1, 3, 4, 3});
  auto r = run_node({.op_type = "Unique", .inputs = {x}, .attributes = {attr_int("sorted", 0)}, .num_outputs = 4});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::from_vector<float>({2, 1, 3, 4}));
  EXPECT_EQ((*r)[1].to_int64(), (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ((*r)[2].to_int64(), (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ((*r)[3].to_int64(), (std::vector<int64_t>{1, 2, 2, 1}));
  r = run_node({.op_type = "Unique", .inputs = {x}});
  ASSERT_TRUE(r.ok());
  EXPECT_TENSOR_EQ((*r)[0], Tensor::from_vector<float>({1, 2, 3, 4}));
  r = run_node({.op_type = "Unique", .inputs = {Tensor(DType::Float, {0})}, .num_outputs = 4});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].shape(), (Shape{0}));
  EXPECT_FALSE(run_node({.op_type = "Unique", .inputs = {x}, .attributes = {attr_int("axis", 1)}}).ok());
}

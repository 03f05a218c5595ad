#include "control_test.h"

#include "ops/op.h"

using namespace sz0;
using namespace sz0::test;

namespace {

// Body: sum_out = sum_in + a + b; scans: sum_out and a (two scan inputs a, b; one state).
Graph sum_body(bool declare = true) {
  return make_graph("body", {vi("sum_in"), vi("a"), vi("b")},
                    {vi("sum_out"), vi("sum_out", declare ? DType::Float : DType::Undefined), vi("a")},
                    {test_node("Add", {"sum_in", "a"}, {"t"}), test_node("Add", {"t", "b"}, {"sum_out"})});
}

// Naive reference of sum_body under Scan-9 semantics. x: scan inputs a and b with their axes and
// directions; the state has the shape of a slice.
struct Ref {
  Tensor state, sums, as;
};

// Element of slice `t` of x along `axis` at flat slice index i.
float slice_at(const Tensor& x, int64_t axis, int64_t t, int64_t i) {
  Shape s = x.shape();
  Shape rest = s;
  rest.erase(rest.begin() + axis);
  Shape idx(rest.size());
  for (int64_t d = static_cast<int64_t>(rest.size()) - 1, r = i; d >= 0; --d) {
    idx[d] = r % rest[d];
    r /= rest[d];
  }
  idx.insert(idx.begin() + axis, t);
  int64_t flat = 0;
  for (size_t d = 0; d < s.size(); ++d) flat = flat * s[d] + idx[d];
  return x.data<float>()[flat];
}

// Places per-iteration tensors (shape `item`) at position p along `axis` of out.
void place(Tensor& out, int64_t axis, int64_t p, const std::vector<float>& v, const Shape& item) {
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    Shape idx(item.size());
    for (int64_t d = static_cast<int64_t>(item.size()) - 1, r = i; d >= 0; --d) {
      idx[d] = r % item[d];
      r /= item[d];
    }
    idx.insert(idx.begin() + axis, p);
    int64_t flat = 0;
    for (size_t d = 0; d < out.shape().size(); ++d) flat = flat * out.shape()[d] + idx[d];
    out.data<float>()[flat] = v[i];
  }
}

Ref reference(const Tensor& init, const Tensor& a, const Tensor& b, std::vector<int64_t> in_axes,
              std::vector<int64_t> in_dirs, std::vector<int64_t> out_axes, std::vector<int64_t> out_dirs) {
  const int64_t len = a.dim(static_cast<int>(in_axes[0]));
  const Shape item = init.shape();
  const int64_t n = init.numel();
  std::vector<float> state(init.data<float>(), init.data<float>() + n);
  Shape s0 = item, s1 = item;
  s0.insert(s0.begin() + out_axes[0], len);
  s1.insert(s1.begin() + out_axes[1], len);
  Ref r{Tensor(), Tensor(DType::Float, s0), Tensor(DType::Float, s1)};
  for (int64_t t = 0; t < len; ++t) {
    const int64_t ta = in_dirs[0] ? len - 1 - t : t, tb = in_dirs[1] ? len - 1 - t : t;
    std::vector<float> av(n);
    for (int64_t i = 0; i < n; ++i) {
      av[i] = slice_at(a, in_axes[0], ta, i);
      state[i] += av[i] + slice_at(b, in_axes[1], tb, i);
    }
    place(r.sums, out_axes[0], out_dirs[0] ? len - 1 - t : t, state, item);
    place(r.as, out_axes[1], out_dirs[1] ? len - 1 - t : t, av, item);
  }
  r.state = Tensor::from_vector(state, item);
  return r;
}

Result<std::vector<Tensor>> run_scan9(const Tensor& init, const Tensor& a, const Tensor& b, std::vector<Attribute> attrs,
                                      int64_t opset = 17, bool declare = true) {
  attrs.push_back(attr_int("num_scan_inputs", 2));
  attrs.push_back(attr_graph("body", sum_body(declare)));
  Node n = make_node("Scan", {"init", "a", "b"}, {"state", "sums", "as"}, attrs);
  Graph g = make_graph("main", inputs_of({{"init", init}, {"a", a}, {"b", b}}), {vi("state"), vi("sums"), vi("as")}, {n});
  return run_graph(g, {{"init", init}, {"a", a}, {"b", b}}, opset);
}

}  // namespace

TEST(Scan, ForwardSum) {
  const Tensor init = random_tensor(DType::Float, {2}, 1);
  const Tensor a = random_tensor(DType::Float, {3, 2}, 2);
  const Tensor b = random_tensor(DType::Float, {3, 2}, 3);
  for (int64_t opset : {9, 11, 16, 17}) {
    auto r = run_scan9(init, a, b, {}, opset);
    ASSERT_TRUE(r.ok()) << r.status().message();
    Ref e = reference(init, a, b, {0, 0}, {0, 0}, {0, 0}, {0, 0});
    EXPECT_TENSOR_NEAR((*r)[0], e.state, 1e-6, 1e-6);
    EXPECT_TENSOR_NEAR((*r)[1], e.sums, 1e-6, 1e-6);
    EXPECT_TENSOR_NEAR((*r)[2], e.as, 0, 0);
  }
}

TEST(Scan, AxesAndDirections) {
  // a scanned along axis 1 forward, b along axis 2 reversed; outputs stacked along axes 2 and 0,
  // the first prepended.
  const Tensor init = random_tensor(DType::Float, {3, 7}, 4);
  const Tensor a = random_tensor(DType::Float, {3, 5, 7}, 5);
  const Tensor b = random_tensor(DType::Float, {3, 7, 5}, 6);
  std::vector<Attribute> attrs = {attr_ints("scan_input_axes", {1, 2}), attr_ints("scan_input_directions", {0, 1}),
                                  attr_ints("scan_output_axes", {2, 0}), attr_ints("scan_output_directions", {1, 0})};
  auto r = run_scan9(init, a, b, attrs);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Ref e = reference(init, a, b, {1, 2}, {0, 1}, {2, 0}, {1, 0});
  EXPECT_TENSOR_NEAR((*r)[0], e.state, 1e-5, 1e-5);
  EXPECT_TENSOR_NEAR((*r)[1], e.sums, 1e-5, 1e-5);
  EXPECT_TENSOR_NEAR((*r)[2], e.as, 0, 0);
  // The same with negative axes (opset 11).
  attrs = {attr_ints("scan_input_axes", {-2, -1}), attr_ints("scan_input_directions", {0, 1}),
           attr_ints("scan_output_axes", {-1, -3}), attr_ints("scan_output_directions", {1, 0})};
  r = run_scan9(init, a, b, attrs, 11);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TENSOR_NEAR((*r)[1], e.sums, 1e-5, 1e-5);
  EXPECT_TENSOR_NEAR((*r)[2], e.as, 0, 0);
}

TEST(Scan, ReverseOutputAlongLeadingAxis) {
  const Tensor init = random_tensor(DType::Float, {1}, 7);
  const Tensor a = random_tensor(DType::Float, {13, 1}, 8);
  const Tensor b = random_tensor(DType::Float, {13, 1}, 9);
  auto r = run_scan9(init, a, b, {attr_ints("scan_input_directions", {1, 1}), attr_ints("scan_output_directions", {1, 1})});
  ASSERT_TRUE(r.ok()) << r.status().message();
  Ref e = reference(init, a, b, {0, 0}, {1, 1}, {0, 0}, {1, 1});
  EXPECT_TENSOR_NEAR((*r)[0], e.state, 1e-5, 1e-5);
  EXPECT_TENSOR_NEAR((*r)[1], e.sums, 1e-5, 1e-5);
  EXPECT_TENSOR_NEAR((*r)[2], e.as, 0, 0);
  EXPECT_TENSOR_NEAR((*r)[2], a, 0, 0);  // reversed twice
}

TEST(Scan, ZeroLengthSequence) {
  const Tensor init = random_tensor(DType::Float, {2}, 10);
  const Tensor a(DType::Float, {0, 2});
  for (bool declare : {true, false}) {
    auto r = run_scan9(init, a, a, {}, 17, declare);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TENSOR_NEAR((*r)[0], init, 0, 0);
    EXPECT_EQ((*r)[1].dtype(), DType::Float);
    EXPECT_EQ((*r)[1].numel(), 0);
    EXPECT_EQ((*r)[2].numel(), 0);
  }
}

TEST(Scan, Opset8BatchAndSequenceLengths) {
  // Scan-8: batch axis 0, sequence axis 1; sequence_lens shortens entries; b is reversed within
  // each entry's own length; steps past the length stay zero.
  const int64_t batch = 3, len = 4;
  const Tensor init = random_tensor(DType::Float, {batch, 2}, 11);
  const Tensor a = random_tensor(DType::Float, {batch, len, 2}, 12);
  const Tensor b = random_tensor(DType::Float, {batch, len, 2}, 13);
  const Tensor lens = Tensor::from_vector<int64_t>({4, 0, 2});
  Node n = make_node("Scan", {"lens", "init", "a", "b"}, {"state", "sums", "as"},
                     {attr_int("num_scan_inputs", 2), attr_ints("directions", {0, 1}), attr_graph("body", sum_body())});
  Graph g = make_graph("main", inputs_of({{"lens", lens}, {"init", init}, {"a", a}, {"b", b}}),
                       {vi("state"), vi("sums"), vi("as")}, {n});
  auto r = run_graph(g, {{"lens", lens}, {"init", init}, {"a", a}, {"b", b}}, 8);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Tensor state(DType::Float, {batch, 2}), sums(DType::Float, {batch, len, 2}), as(DType::Float, {batch, len, 2});
  for (int64_t bi = 0; bi < batch; ++bi) {
    const int64_t nlen = lens.data<int64_t>()[bi];
    float s[2] = {init.data<float>()[bi * 2], init.data<float>()[bi * 2 + 1]};
    for (int64_t t = 0; t < nlen; ++t)
      for (int k = 0; k < 2; ++k) {
        const float av = a.data<float>()[(bi * len + t) * 2 + k];
        s[k] += av + b.data<float>()[(bi * len + (nlen - 1 - t)) * 2 + k];
        sums.data<float>()[(bi * len + t) * 2 + k] = s[k];
        as.data<float>()[(bi * len + t) * 2 + k] = av;
      }
    state.data<float>()[bi * 2] = s[0];
    state.data<float>()[bi * 2 + 1] = s[1];
  }
  EXPECT_TENSOR_NEAR((*r)[0], state, 1e-6, 1e-6);
  EXPECT_TENSOR_NEAR((*r)[1], sums, 1e-6, 1e-6);
  EXPECT_TENSOR_NEAR((*r)[2], as, 0, 0);

  // Without sequence_lens every entry runs the full length (directions omitted: forward).
  Node n2 = make_node("Scan", {"", "init", "a", "b"}, {"state", "sums", "as"},
                      {attr_int("num_scan_inputs", 2), attr_graph("body", sum_body())});
  Graph g2 = make_graph("main", inputs_of({{"init", init}, {"a", a}, {"b", b}}), {vi("state"), vi("sums"), vi("as")}, {n2});
  r = run_graph(g2, {{"init", init}, {"a", a}, {"b", b}}, 8);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int k = 0; k < 2; ++k) {
      float s = init.data<float>()[bi * 2 + k];
      for (int64_t t = 0; t < len; ++t) s += a.data<float>()[(bi * len + t) * 2 + k] + b.data<float>()[(bi * len + t) * 2 + k];
      EXPECT_NEAR((*r)[0].data<float>()[bi * 2 + k], s, 1e-5);
    }
  EXPECT_EQ((*r)[1].shape(), (Shape{batch, len, 2}));
}

TEST(Scan, Errors) {
  const Tensor init = random_tensor(DType::Float, {2}, 1);
  const Tensor a = random_tensor(DType::Float, {3, 2}, 2);
  const Tensor b4 = random_tensor(DType::Float, {4, 2}, 3);
  auto r = run_scan9(init, a, b4, {});  // sequence lengths 3 vs 4
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("steps along axis"), std::string::npos) << r.status().message();
  EXPECT_FALSE(run_scan9(init, a, a, {attr_ints("scan_input_axes", {0, 2})}).ok());
  EXPECT_FALSE(run_scan9(init, a, a, {attr_ints("scan_input_directions", {0, 2})}).ok());
  EXPECT_FALSE(run_scan9(init, a, a, {attr_ints("scan_output_axes", {0})}).ok());
  EXPECT_FALSE(run_scan9(init, a, a, {attr_ints("scan_output_axes", {0, 3})}).ok());
  // num_scan_inputs larger than the inputs, and missing.
  Node n = make_node("Scan", {"init", "a"}, {"s"}, {attr_int("num_scan_inputs", 3), attr_graph("body", sum_body())});
  Graph g = make_graph("main", inputs_of({{"init", init}, {"a", a}}), {vi("s")}, {n});
  EXPECT_FALSE(run_graph(g, {{"init", init}, {"a", a}}).ok());
  // Scan-8 with a scan input lacking the batch axis.
  Node n8 = make_node("Scan", {"", "init", "a", "a"}, {"s"}, {attr_int("num_scan_inputs", 2), attr_graph("body", sum_body())});
  const Tensor a1 = random_tensor(DType::Float, {3}, 2);
  Graph g8 = make_graph("main", inputs_of({{"init", init}, {"a", a1}}), {vi("s")}, {n8});
  EXPECT_FALSE(run_graph(g8, {{"init", init}, {"a", a1}}, 8).ok());
}

TEST(Scan, InferTypes) {
  Node n = make_node("Scan", {"init", "a", "b"}, {"state", "sums", "as"},
                     {attr_int("num_scan_inputs", 2), attr_ints("scan_input_axes", {1, 1}),
                      attr_ints("scan_output_axes", {1, 0}), attr_graph("body", sum_body(false))});
  ops::InferContext ctx(n, 17);
  ctx.inputs = {TypeInfo(DType::Float, {Dim(4)}), TypeInfo(DType::Float, {Dim(4), Dim("seq")}),
                TypeInfo(DType::Float, {Dim(4), Dim("seq")})};
  Status s = ops::infer_node(ctx);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ctx.outputs[0].str(), "float32[4]");
  EXPECT_EQ(ctx.outputs[1].str(), "float32[4,seq]");  // inferred through the body
  EXPECT_EQ(ctx.outputs[2].str(), "float32[seq,4]");
}

#include "math_ref.h"

using namespace sz0;
using namespace sz0::test;

namespace {

struct LossRef {
  Tensor loss, log_prob;
};

// Naive reference over (N, C, D) in double.
LossRef ref_loss(const Tensor& x, const Tensor& t, const Tensor* w, const std::string& red, bool has_ignore, int64_t ignore,
                 bool softmax) {
  const int64_t n = x.dim(0), c = x.dim(1), d = x.numel() / (n * c);
  std::vector<double> s = x.to_double();
  if (softmax)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < d; ++k) {
        double m = -INFINITY, sum = 0;
        for (int64_t j = 0; j < c; ++j) m = std::max(m, s[(i * c + j) * d + k]);
        for (int64_t j = 0; j < c; ++j) sum += std::exp(s[(i * c + j) * d + k] - m);
        for (int64_t j = 0; j < c; ++j) s[(i * c + j) * d + k] = s[(i * c + j) * d + k] - m - std::log(sum);
      }
  Shape ls = x.shape();
  ls.erase(ls.begin() + 1);
  Tensor loss(DType::Double, ls);
  double total = 0, wsum = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) {
      const int64_t cls = t.get_int64(i * d + k);
      if (has_ignore && cls == ignore) continue;
      const double wt = w ? w->get_double(cls) : 1.0;
      const double l = -s[(i * c + cls) * d + k] * wt;
      loss.data<double>()[i * d + k] = l;
      total += l;
      wsum += wt;
    }
  LossRef r;
  Tensor lp(DType::Double, x.shape());
  std::copy(s.begin(), s.end(), lp.data<double>());
  r.log_prob = lp.cast(x.dtype());
  if (red == "none") r.loss = loss.cast(x.dtype());
  else if (red == "sum") r.loss = Tensor::scalar<double>(total).cast(x.dtype());
  else r.loss = Tensor::scalar<double>((w || has_ignore) ? total / wsum : total / (n * d)).cast(x.dtype());
  return r;
}

}  // namespace

TEST(Loss, NllAndSoftmaxCrossEntropy) {
  uint32_t seed = 1;
  for (const char* op : {"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"})
    for (DType dt : {DType::Float, DType::Double, DType::Float16})
      for (Shape s : {Shape{3, 5}, Shape{3, 5, 2}, Shape{2, 4, 3, 2, 1}})
        for (const char* red : {"none", "sum", "mean"})
          for (int variant = 0; variant < 4; ++variant) {
            const bool weighted = variant & 1, ignoring = variant & 2;
            Tensor x = random_tensor(dt, s, seed++, -2, 2);
            Shape ts = s;
            ts.erase(ts.begin() + 1);
            Tensor t = random_tensor(DType::Int64, ts, seed++, 0, s[1] - 1);
            if (ignoring) t.data<int64_t>()[0] = -1;
            Tensor w = random_tensor(dt, {s[1]}, seed++, 0.1, 1);
            std::vector<Tensor> ins = {x, t};
            if (weighted) ins.push_back(w);
            std::vector<Attribute> attrs = {attr_string("reduction", red)};
            if (ignoring) attrs.push_back(attr_int("ignore_index", -1));
            const bool sce = std::string(op) == "SoftmaxCrossEntropyLoss";
            auto r = run_node({.op_type = op, .inputs = ins, .attributes = attrs, .num_outputs = sce ? 2 : 1});
            ASSERT_TRUE(r.ok()) << r.status().message();
            LossRef expect = ref_loss(x, t, weighted ? &w : nullptr, red, ignoring, -1, sce);
            const double tol = dt == DType::Float16 ? 4e-3 : 1e-5;
            EXPECT_TENSOR_NEAR((*r)[0], expect.loss, tol, tol) << op << " " << red << " " << shape_str(s) << " variant " << variant;
            if (sce) {
              EXPECT_TENSOR_NEAR((*r)[1], expect.log_prob, tol, tol) << op;
            }
          }
}

TEST(Loss, Errors) {
  Tensor x = random_tensor(DType::Float, {3, 5}, 1);
  Tensor t = Tensor::from_vector<int64_t>({0, 5, 1});  // 5 is out of range
  EXPECT_FALSE(run_node({.op_type = "NegativeLogLikelihoodLoss", .inputs = {x, t}}).ok());
  EXPECT_FALSE(run_node({.op_type = "NegativeLogLikelihoodLoss", .inputs = {x, Tensor::from_vector<int64_t>({0, 1})}}).ok());
  EXPECT_FALSE(run_node({.op_type = "SoftmaxCrossEntropyLoss", .inputs = {x, Tensor::from_vector<int64_t>({0, 1, 1})},
                         .attributes = {attr_string("reduction", "avg")}})
                   .ok());
  EXPECT_FALSE(run_node({.op_type = "SoftmaxCrossEntropyLoss", .inputs = {x, Tensor::from_vector<int64_t>({0, 1, 1}), random_tensor(DType::Float, {4}, 1)}}).ok());
  EXPECT_FALSE(run_node({.op_type = "NegativeLogLikelihoodLoss", .inputs = {x, Tensor::from_vector<float>({0, 1, 1})}}).ok());
  // Out-of-range targets are fine when ignored.
  EXPECT_TRUE(run_node({.op_type = "NegativeLogLikelihoodLoss", .inputs = {x, t}, .attributes = {attr_int("ignore_index", 5)}}).ok());
}

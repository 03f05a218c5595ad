// OutputAgreement: the accuracy side of a quantized model (cosine, SQNR, errors, top-1).
#include <sz0/quantize.h>

#include <algorithm>
#include <cmath>

namespace sz0 {

namespace {
constexpr double kSqnrCap = 300.0;  // identical outputs: a finite stand-in for +inf dB
}

void OutputAgreement::add(const Tensor& ref, const Tensor& cand) {
  const std::vector<double> r = ref.to_double(), c = cand.to_double();
  const size_t n = std::min(r.size(), c.size());
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(c[i])) finite = false;
    const double e = r[i] - c[i];
    dot += r[i] * c[i];
    ref_sq += r[i] * r[i];
    cand_sq += c[i] * c[i];
    err_sq += e * e;
    max_abs = std::max(max_abs, std::fabs(e));
    sum_abs += std::fabs(e);
  }
  count += static_cast<int64_t>(n);
  // Class scores: [rows, classes] with more than one class; agreement of the argmax per row.
  if (ref.rank() == 2 && ref.dim(1) > 1 && n == r.size()) {
    class_scores = true;
    const int64_t nr = ref.dim(0), cols = ref.dim(1);
    for (int64_t i = 0; i < nr; ++i) {
      auto rb = r.begin() + i * cols, cb = c.begin() + i * cols;
      top1_same += (std::max_element(rb, rb + cols) - rb) == (std::max_element(cb, cb + cols) - cb);
    }
    rows += nr;
  }
}

void OutputAgreement::merge(const OutputAgreement& o) {
  dot += o.dot;
  ref_sq += o.ref_sq;
  cand_sq += o.cand_sq;
  err_sq += o.err_sq;
  max_abs = std::max(max_abs, o.max_abs);
  sum_abs += o.sum_abs;
  count += o.count;
  rows += o.rows;
  top1_same += o.top1_same;
  class_scores = class_scores || o.class_scores;
  finite = finite && o.finite;
}

double OutputAgreement::cosine() const {
  const double denom = std::sqrt(ref_sq) * std::sqrt(cand_sq);
  return denom > 0 ? dot / denom : (ref_sq == cand_sq ? 1.0 : 0.0);
}

double OutputAgreement::sqnr_db() const {
  if (!finite) return -kSqnrCap;
  if (err_sq <= 0) return kSqnrCap;
  if (ref_sq <= 0) return -kSqnrCap;  // a silent reference, a candidate that is not
  return std::clamp(10 * std::log10(ref_sq / err_sq), -kSqnrCap, kSqnrCap);
}

}  // namespace sz0

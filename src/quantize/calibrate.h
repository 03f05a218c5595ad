// Internal: INT8 calibration. Runs the float model over the samples one at a time and keeps, per
// activation tensor, its min/max (first pass) and fixed-edge histograms (second pass, only for
// the methods that need them), so memory grows with the number of tensors, never with the
// number of samples. Then picks each tensor's range by the method and derives scale and zero
// point.
#pragma once

#include <sz0/quantize.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sz0::quant {

// Counts over `bins` equal bins of [lo, hi]; values outside are counted in the end bins.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<double> counts;
  double width() const { return counts.empty() ? 0 : (hi - lo) / static_cast<double>(counts.size()); }
  double center(size_t i) const { return lo + (static_cast<double>(i) + 0.5) * width(); }
  double total() const;
};

// What calibration saw of one tensor.
struct Observation {
  float min = 0, max = 0;
  int64_t values_seen = 0;  // over all samples
  Histogram values;  // over [min, max]
  Histogram abs;     // |x| over [0, max(|min|, |max|)]
};

// Range [lo, hi] chosen by `method` from an observation (the histograms are needed for every
// method but MinMax). `levels_symmetric` is the number of positive levels (127 for int8).
std::pair<float, float> choose_range(const Observation& obs, CalibrationMethod method, double percentile,
                                     DType activation_type);

// Scale and zero point for [lo, hi]: uint8 asymmetric over [min(lo, 0), max(hi, 0)], or int8
// symmetric over [-t, t] with t = max(|lo|, |hi|). A degenerate range gets scale 1.
TensorRange qparams(float lo, float hi, DType activation_type);

// The sample stream the options describe: `stream`, else `samples`, else one generated sample.
SampleStream sample_stream(const Model& model, const QuantizeOptions& options);

// Calibrates `tensors` (float values of the top-level graph: node outputs or graph inputs).
Result<std::map<std::string, TensorRange>> calibrate(const Model& model, const std::set<std::string>& tensors,
                                                     const QuantizeOptions& options);

// KL-divergence threshold search over an |x| histogram (exposed for tests): the upper edge of the
// bin prefix whose quantization into `levels` bins loses the least information.
double entropy_threshold(const Histogram& abs, int levels);

}  // namespace sz0::quant

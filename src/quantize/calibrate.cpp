// INT8 calibration: streamed observation of activation tensors and the four range methods.
#include "quantize/calibrate.h"

#include "runtime/probe.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sz0::quant {

double Histogram::total() const {
  double t = 0;
  for (double c : counts) t += c;
  return t;
}

namespace {

void add_values(Histogram& h, const float* x, int64_t n, bool absolute) {
  const size_t bins = h.counts.size();
  if (bins == 0) return;
  const double w = h.width();
  const double inv = w > 0 ? 1.0 / w : 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = absolute ? std::fabs(x[i]) : x[i];
    // Exact zeros (half a ReLU's output) quantize exactly under every range, so they say nothing
    // about where to clip; counted, their spike would dominate the KL search.
    if (!std::isfinite(v) || v == 0) continue;
    double b = (v - h.lo) * inv;
    b = std::clamp(b, 0.0, static_cast<double>(bins - 1));
    h.counts[static_cast<size_t>(b)] += 1;
  }
}

// Value at cumulative share q (0..1) of a histogram, interpolated inside the bin.
double quantile(const Histogram& h, double q) {
  const double total = h.total();
  if (total <= 0 || h.counts.empty()) return h.lo;
  const double target = q * total;
  double acc = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    if (acc + h.counts[i] >= target) {
      const double f = h.counts[i] > 0 ? (target - acc) / h.counts[i] : 0;
      return h.lo + (static_cast<double>(i) + f) * h.width();
    }
    acc += h.counts[i];
  }
  return h.hi;
}

// Expected squared quantize-dequantize error of the values histogram under [lo, hi].
double range_mse(const Histogram& h, float lo, float hi, DType t) {
  const TensorRange q = qparams(lo, hi, t);
  const double qmin = t == DType::Int8 ? -128 : 0, qmax = t == DType::Int8 ? 127 : 255;
  double err = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    if (h.counts[i] == 0) continue;
    const double c = h.center(i);
    const double level = std::clamp(std::nearbyint(c / q.scale) + q.zero_point, qmin, qmax);
    const double d = c - (level - q.zero_point) * q.scale;
    err += h.counts[i] * d * d;
  }
  return err;
}

}  // namespace

double entropy_threshold(const Histogram& abs, int levels) {
  const std::vector<double>& hist = abs.counts;
  const size_t bins = hist.size();
  if (bins <= static_cast<size_t>(levels)) return abs.hi;
  double best_kl = std::numeric_limits<double>::infinity();
  size_t best = bins;
  std::vector<double> p, q;
  // Suffix sums: the outliers a threshold at i clips, folded into its last bin.
  std::vector<double> suffix(bins + 1, 0);
  for (size_t i = bins; i-- > 0;) suffix[i] = suffix[i + 1] + hist[i];
  for (size_t i = static_cast<size_t>(levels); i <= bins; ++i) {
    p.assign(hist.begin(), hist.begin() + static_cast<std::ptrdiff_t>(i));
    p[i - 1] += suffix[i];
    // Q: the first i bins merged into `levels` groups, each group's mass spread evenly over the
    // group's non-empty bins (empty bins stay empty, as P has nothing there).
    q.assign(i, 0);
    const double per = static_cast<double>(i) / levels;
    for (int g = 0; g < levels; ++g) {
      const size_t s = static_cast<size_t>(std::floor(g * per));
      const size_t e = g + 1 == levels ? i : static_cast<size_t>(std::floor((g + 1) * per));
      double mass = 0;
      size_t nonzero = 0;
      for (size_t k = s; k < e; ++k) {
        mass += hist[k];
        nonzero += hist[k] != 0;
      }
      if (nonzero == 0) continue;
      for (size_t k = s; k < e; ++k)
        if (hist[k] != 0) q[k] = mass / static_cast<double>(nonzero);
    }
    double sp = 0, sq = 0;
    for (size_t k = 0; k < i; ++k) {
      sp += p[k];
      sq += q[k];
    }
    if (sp <= 0 || sq <= 0) continue;
    double kl = 0;
    for (size_t k = 0; k < i; ++k) {
      if (p[k] == 0) continue;
      const double pk = p[k] / sp;
      // A bin P has but Q lost (clipped mass in the last bin): a small floor keeps KL finite.
      const double qk = q[k] > 0 ? q[k] / sq : 1e-12;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return abs.lo + static_cast<double>(best) * abs.width();
}

TensorRange qparams(float lo, float hi, DType t) {
  TensorRange r;
  if (t == DType::Int8) {
    const float m = std::max(std::fabs(lo), std::fabs(hi));
    r.min = -m;
    r.max = m;
    r.scale = m / 127.f;
    if (!std::isnormal(r.scale)) r.scale = 1.f;  // zero or underflowing range
    r.zero_point = 0;
    return r;
  }
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  r.min = lo;
  r.max = hi;
  const float scale = (hi - lo) / 255.f;
  if (!std::isnormal(scale) || !std::isfinite(scale)) return r;  // scale 1, zero point 0: (almost) all zeros
  r.scale = scale;
  r.zero_point = static_cast<int>(std::clamp(std::nearbyint(-lo / r.scale), 0.f, 255.f));
  return r;
}

std::pair<float, float> choose_range(const Observation& obs, CalibrationMethod method, double percentile,
                                     DType t) {
  const float mn = obs.min, mx = obs.max;
  switch (method) {
    case CalibrationMethod::MinMax: return {mn, mx};
    case CalibrationMethod::Percentile: {
      const double keep = std::clamp(percentile, 0.0, 100.0) / 100.0;
      if (t == DType::Int8) {
        const float a = static_cast<float>(quantile(obs.abs, keep));
        return {-a, a};
      }
      // Uint8: a one-sided tensor (after a ReLU) drops its share at the top; a two-sided one
      // half of it at each end.
      if (mn >= 0) return {mn, static_cast<float>(quantile(obs.values, keep))};
      const double drop = (1.0 - keep) / 2;
      return {static_cast<float>(quantile(obs.values, drop)), static_cast<float>(quantile(obs.values, 1.0 - drop))};
    }
    case CalibrationMethod::Entropy: {
      // Symmetric levels over |x|: 128 for int8; 256 for uint8 when nothing is negative.
      const int levels = t == DType::UInt8 && mn >= 0 ? 256 : 128;
      const float th = static_cast<float>(entropy_threshold(obs.abs, levels));
      return {std::max(mn, -th), std::min(mx, th)};
    }
    case CalibrationMethod::Mse: {
      // Shrink the observed range towards zero in 1% steps; keep the lowest expected error.
      float best_lo = mn, best_hi = mx;
      double best = std::numeric_limits<double>::infinity();
      for (int k = 100; k >= 5; --k) {
        const float s = static_cast<float>(k) / 100.f;
        const double e = range_mse(obs.values, mn * s, mx * s, t);
        if (e < best) {
          best = e;
          best_lo = mn * s;
          best_hi = mx * s;
        }
      }
      return {best_lo, best_hi};
    }
  }
  return {mn, mx};
}

SampleStream sample_stream(const Model& model, const QuantizeOptions& o) {
  if (o.stream.count > 0 && o.stream.read) return o.stream;
  if (!o.samples.empty()) {
    const auto* samples = &o.samples;
    return {samples->size(), [samples](size_t i) -> Result<std::map<std::string, Tensor>> { return (*samples)[i]; }};
  }
  auto one = std::make_shared<std::map<std::string, Tensor>>(generated_sample(model, o.seed));
  return {1, [one](size_t) -> Result<std::map<std::string, Tensor>> { return *one; }};
}

Result<std::map<std::string, TensorRange>> calibrate(const Model& model, const std::set<std::string>& tensors,
                                                     const QuantizeOptions& o) {
  std::map<std::string, TensorRange> out;
  if (tensors.empty()) return out;
  const SampleStream stream = sample_stream(model, o);
  if (stream.count == 0) return error("no calibration samples");
  SZ0_ASSIGN(auto first, stream.read(0));

  std::map<std::string, Shape> shapes;
  for (auto& [name, t] : first) shapes[name] = t.shape();
  SZ0_ASSIGN(TensorProbe probe, TensorProbe::create(model, {tensors.begin(), tensors.end()}, shapes));

  std::map<std::string, Observation> obs;
  for (const std::string& t : tensors) {
    obs[t].min = std::numeric_limits<float>::infinity();
    obs[t].max = -std::numeric_limits<float>::infinity();
  }
  const bool histograms = o.method != CalibrationMethod::MinMax;
  const int passes = histograms ? 2 : 1;
  const size_t bins = static_cast<size_t>(std::max(o.histogram_bins, 512));
  for (int pass = 0; pass < passes; ++pass) {
    if (pass == 1)
      for (auto& [name, ob] : obs) {
        if (!(ob.max >= ob.min)) ob.min = ob.max = 0;  // never finite: a zero range
        // Sparse histograms make the KL search chase noise (a threshold anywhere looks as good):
        // about 8 values per bin at least, and never fewer than 512 bins (4 per int8 level).
        const size_t b = std::clamp<size_t>(static_cast<size_t>(ob.values_seen / 8), 512, bins);
        ob.values = {ob.min, ob.max > ob.min ? ob.max : ob.min + 1.0, std::vector<double>(b, 0)};
        const double a = std::max(std::fabs(ob.min), std::fabs(ob.max));
        ob.abs = {0.0, a > 0 ? a : 1.0, std::vector<double>(b, 0)};
      }
    for (size_t s = 0; s < stream.count; ++s) {
      std::map<std::string, Tensor> feeds;
      if (s == 0) {
        feeds = first;
      } else {
        SZ0_ASSIGN(feeds, stream.read(s));
      }
      auto values = probe.run(feeds);
      if (!values.ok()) return values.status().context(fmt::format("calibration sample {}", s));
      for (auto& [name, ob] : obs) {
        auto it = values->find(name);
        if (it == values->end() || it->second->dtype() != DType::Float) continue;
        const Tensor& t = *it->second;
        const float* x = t.data<float>();
        if (pass == 0) {
          ob.values_seen += t.numel();
          for (int64_t i = 0; i < t.numel(); ++i) {
            if (!std::isfinite(x[i])) continue;
            ob.min = std::min(ob.min, x[i]);
            ob.max = std::max(ob.max, x[i]);
          }
        } else {
          add_values(ob.values, x, t.numel(), false);
          add_values(ob.abs, x, t.numel(), true);
        }
      }
      if (o.progress) o.progress(pass, s + 1, stream.count);
    }
  }
  for (auto& [name, ob] : obs) {
    if (!(ob.max >= ob.min)) ob.min = ob.max = 0;
    const auto [lo, hi] = choose_range(ob, o.method, o.percentile, o.activation_type);
    out[name] = qparams(lo, hi, o.activation_type);
  }
  return out;
}

}  // namespace sz0::quant

// ModelQuantizer: picks the rewrite for the quantization type, measures activation ranges
// first, and checks afterwards that the converted model still produces finite outputs.
#include <sz0/quantize.h>
#include <sz0/session.h>

#include <sz0/optimize.h>

#include "quantize/calibrate.h"
#include "quantize/convert.h"
#include "quantize/int8.h"
#include "passes/pass.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace sz0 {

const char* quantization_type_name(QuantizationType t) {
  switch (t) {
    case QuantizationType::Fp16: return "fp16";
    case QuantizationType::Bf16: return "bf16";
    case QuantizationType::Int8Dynamic: return "int8-dynamic";
    case QuantizationType::Int8Static: return "int8-static";
  }
  return "?";
}

const char* calibration_method_name(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::MinMax: return "minmax";
    case CalibrationMethod::Percentile: return "percentile";
    case CalibrationMethod::Entropy: return "entropy";
    case CalibrationMethod::Mse: return "mse";
  }
  return "?";
}

Result<CalibrationMethod> parse_calibration_method(const std::string& name) {
  for (auto m : {CalibrationMethod::MinMax, CalibrationMethod::Percentile, CalibrationMethod::Entropy, CalibrationMethod::Mse})
    if (name == calibration_method_name(m)) return m;
  return error("unknown calibration method '{}' (minmax, percentile, entropy or mse)", name);
}

Result<QuantizationType> parse_quantization_type(const std::string& name) {
  for (auto t : {QuantizationType::Fp16, QuantizationType::Bf16, QuantizationType::Int8Dynamic,
                 QuantizationType::Int8Static})
    if (name == quantization_type_name(t)) return t;
  return error("unknown quantization mode '{}' (fp16, bf16, int8-dynamic or int8-static)", name);
}

const std::map<std::string, std::string>& default_fp32_ops() {
  // Numerics, not runtime support: ONNX Runtime 1.30's CPU provider runs every op of the float16
  // list (falling back to float32 kernels with its own Casts where it lacks float16 ones).
  static const std::map<std::string, std::string> ops = {
      {"Exp", "exp overflows float16 above x = 11"},
      {"Log", "log loses precision near 0 in float16"},
      {"Pow", "powers overflow float16 easily"},
      {"Softplus", "computes exp internally"},
      {"ReduceL2", "sum of squares overflows float16"},
      {"ReduceSumSquare", "sum of squares overflows float16"},
      {"ReduceLogSumExp", "computes exp internally"},
      {"ReduceProd", "products overflow float16"},
      {"CumSum", "long running sums lose float16 precision"},
      {"LayerNormalization", "mean/variance statistics need float32"},
      {"BatchNormalization", "variance + epsilon needs float32"},
      {"InstanceNormalization", "mean/variance statistics need float32"},
      {"GroupNormalization", "mean/variance statistics need float32"},
      {"LpNormalization", "sum of squares overflows float16"},
  };
  return ops;
}

namespace {

// Casts each sample's tensors to the dtype the (converted) model declares for them.
std::map<std::string, Tensor> feeds_for(const Model& model, const std::map<std::string, Tensor>& sample) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo* v : model.graph.runtime_inputs()) {
    auto it = sample.find(v->name);
    if (it == sample.end()) continue;
    feeds[v->name] = it->second.dtype() == v->type.dtype || v->type.dtype == DType::Undefined
                         ? it->second
                         : it->second.cast(v->type.dtype);
  }
  return feeds;
}

// A cached range's zero point must be representable: 0 for int8 symmetric, [0, 255] for uint8.
struct QRangeCheck {
  DType type;
  bool operator()(const TensorRange& r) const {
    if (!(r.scale > 0)) return false;
    return type == DType::Int8 ? r.zero_point == 0 : r.zero_point >= 0 && r.zero_point <= 255;
  }
};

bool all_finite(const Tensor& t) {
  if (!dtype_is_float(t.dtype())) return true;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.get_double(i))) return false;
  return true;
}

// Bytes of every stored tensor: initializers and Constant nodes (exporters use either).
int64_t initializer_bytes(const Model& m) {
  int64_t b = 0;
  for (auto& [name, t] : m.graph.initializers) b += static_cast<int64_t>(t.nbytes());
  for (const Node& n : m.graph.nodes)
    if (n.op_type == "Constant")
      if (const Tensor* t = n.attr_tensor("value")) b += static_cast<int64_t>(t->nbytes());
  return b;
}

// Runs the float and the quantized model on up to kVerifySamples samples and records how close
// the outputs stay; an output that was finite and is not any more is an error.
constexpr size_t kVerifySamples = 8;

Status verify_int8(const Model& float_model, const Model& quantized, const QuantizeOptions& o, QuantizeReport& report) {
  const SampleStream stream = quant::sample_stream(float_model, o);
  SZ0_ASSIGN(auto first, stream.read(0));
  SessionOptions so;
  so.threads = 1;  // no fixed input shapes: samples may differ in shape (sequence lengths)
  auto ref = Session::create(float_model, so);
  if (!ref.ok()) return ref.status().context("float model");
  auto cand = Session::create(quantized, so);
  if (!cand.ok()) return cand.status().context("quantized model does not load");
  std::vector<OutputAgreement> acc((*ref)->outputs().size());
  const size_t n = std::min(stream.count, kVerifySamples);
  for (size_t s = 0; s < n; ++s) {
    std::map<std::string, Tensor> sample;
    if (s == 0) {
      sample = first;
    } else {
      SZ0_ASSIGN(sample, stream.read(s));
    }
    auto r = (*ref)->run(feeds_for(float_model, sample));
    if (!r.ok()) return r.status().context("float model");
    auto c = (*cand)->run(feeds_for(quantized, sample));
    if (!c.ok()) return c.status().context("quantized model does not run");
    for (size_t i = 0; i < r->size() && i < c->size(); ++i) {
      if ((*r)[i].shape() != (*c)[i].shape() || !dtype_is_float((*r)[i].dtype())) continue;
      if (all_finite((*r)[i]) && !all_finite((*c)[i]))
        return error("output '{}' is not finite after {} quantization", (*ref)->outputs()[i].name, quantization_type_name(o.type));
      acc[i].add((*r)[i], (*c)[i]);
    }
  }
  report.verified_samples = static_cast<int>(n);
  report.min_cosine = 1;
  report.min_sqnr_db = 300;
  for (const OutputAgreement& a : acc) {
    if (a.count == 0) continue;
    report.min_cosine = std::min(report.min_cosine, a.cosine());
    report.min_sqnr_db = std::min(report.min_sqnr_db, a.sqnr_db());
  }
  return {};
}

// Names every unnamed node of the quantized op types, so exclusions and reports can name it.
void name_targets(Model& model, const QuantizeOptions& o) {
  passes::NameGen names(model);
  for (Node& n : model.graph.nodes)
    if (n.name.empty() && o.op_types.count(n.op_type)) n.name = names.fresh(n.op_type);
}

// The optimized float model with targets and ranges, from which each variant is written.
struct Int8Plan {
  Model optimized;
  std::vector<quant::Int8Target> targets;
  std::map<std::string, TensorRange> ranges;
};

// Writes `plan` quantizing the targets not in `skip` into `out`, then verifies it.
Status build_int8(const Model& float_model, const Int8Plan& plan, const std::set<int>& skip, const QuantizeOptions& o,
                  Model& out, QuantizeReport& report) {
  out = plan.optimized;
  std::vector<quant::Int8Target> targets;
  for (const auto& t : plan.targets)
    if (!skip.count(t.node)) targets.push_back(t);
  report.nodes_converted = 0;
  report.converted_ops.clear();
  if (o.type == QuantizationType::Int8Static) {
    SZ0_TRY(quant::write_int8_static(out, targets, plan.ranges, o, report));
  } else {
    SZ0_TRY(quant::write_int8_dynamic(out, targets, o, report));
  }
  report.bytes_after = initializer_bytes(out);
  return o.verify_finite || o.auto_exclude || o.sensitivity ? verify_int8(float_model, out, o, report) : Status{};
}

Result<QuantizeReport> quantize_int8(Model& model, const QuantizeOptions& o) {
  QuantizeReport report;
  report.type = o.type;
  int64_t float_bytes = 0;
  quant::count_parameters(model, report.parameters, float_bytes);
  report.bytes_before = initializer_bytes(model);
  const Model float_model = model;
  Int8Plan plan;
  plan.optimized = model;
  // Per-channel DequantizeLinear needs opset 13 (QuantizeLinear 10, DynamicQuantizeLinear 11).
  const int64_t need = o.type == QuantizationType::Int8Dynamic ? 11 : 10;
  if (plan.optimized.opset("") < 13) {
    Model upgraded = plan.optimized;
    Status up = upgrade_opset(upgraded, 13);
    if (up.ok()) {
      plan.optimized = std::move(upgraded);
    } else if (plan.optimized.opset("") < need) {
      return up.context(fmt::format("INT8 needs ai.onnx opset {} or newer (the model has {})", need, model.opset("")));
    }
  }
  // The standard optimizations first: a BatchNormalization folded into its Conv after the
  // weights were quantized would scale int8 values; folded before, the scales absorb it.
  OptimizeOptions oo;
  oo.level = OptLevel::Extended;
  SZ0_TRY(optimize_model(plan.optimized, oo).status().context("optimizing before quantization"));
  name_targets(plan.optimized, o);
  // An exclusion naming no node is a typo, not a wish: it would quantize the node it meant.
  for (const std::string& name : o.exclude_nodes) {
    auto named = [&](const Model& m) {
      return std::any_of(m.graph.nodes.begin(), m.graph.nodes.end(), [&](const Node& n) { return n.name == name; });
    };
    if (!named(plan.optimized) && !named(float_model)) return error("excluded node '{}' is not in the model", name);
  }
  plan.targets = quant::int8_targets(plan.optimized, o, report.excluded);
  if (plan.targets.empty())
    return error("nothing to quantize: no {} node with a constant float weight{}", fmt::join(o.op_types, "/"),
                 report.excluded.empty() ? "" : " (the others are excluded)");
  if (o.type == QuantizationType::Int8Static) {
    const std::set<std::string> tensors = quant::int8_activations(plan.optimized, plan.targets, o);
    if (!o.ranges.empty()) {
      const QRangeCheck zp_ok{o.activation_type};
      for (const std::string& t : tensors) {
        auto it = o.ranges.find(t);
        if (it == o.ranges.end()) return error("calibration cache has no range for tensor '{}'", t);
        if (!zp_ok(it->second))
          return error("calibration cache range of '{}' does not fit {} activations", t,
                       o.activation_type == DType::Int8 ? "int8" : "uint8");
        plan.ranges[t] = it->second;
      }
    } else {
      SZ0_ASSIGN(plan.ranges, quant::calibrate(plan.optimized, tensors, o));
    }
  }

  // Sensitivity: each node quantized alone, the rest float.
  if (o.sensitivity || o.auto_exclude) {
    for (const auto& t : plan.targets) {
      std::set<int> skip;
      for (const auto& other : plan.targets)
        if (other.node != t.node) skip.insert(other.node);
      Model one;
      QuantizeReport r;
      SZ0_TRY(build_int8(float_model, plan, skip, o, one, r));
      const Node& n = plan.optimized.graph.nodes[t.node];
      report.sensitivity.push_back({n.name, n.op_type, r.min_sqnr_db, r.min_cosine});
    }
  }

  std::set<int> skip;
  SZ0_TRY(build_int8(float_model, plan, skip, o, model, report));
  if (o.auto_exclude && report.min_sqnr_db < o.min_sqnr_db) {
    // Most sensitive first: keep adding nodes to the float set until the target holds.
    std::vector<size_t> order(plan.targets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return report.sensitivity[a].sqnr_db < report.sensitivity[b].sqnr_db; });
    for (size_t k = 0; k < order.size() && report.min_sqnr_db < o.min_sqnr_db; ++k) {
      skip.insert(plan.targets[order[k]].node);
      if (skip.size() == plan.targets.size()) break;  // all float: nothing left to quantize
      SZ0_TRY(build_int8(float_model, plan, skip, o, model, report));
    }
    for (size_t k = 0; k < order.size(); ++k) {
      const auto& ls = report.sensitivity[order[k]];
      if (skip.count(plan.targets[order[k]].node))
        report.excluded.push_back({ls.node, ls.op_type, fmt::format("auto-excluded: SQNR {:.1f} dB when quantized alone", ls.sqnr_db)});
    }
    if (report.min_sqnr_db < o.min_sqnr_db)
      return error("--auto-exclude: output SQNR {:.1f} dB stays below {:.1f} dB even with only {} of {} nodes quantized",
                   report.min_sqnr_db, o.min_sqnr_db, plan.targets.size() - skip.size(), plan.targets.size());
  }
  return report;
}

}  // namespace

Result<QuantizeReport> ModelQuantizer::quantize(Model& model) const {
  const QuantizeOptions& o = options_;
  if (o.type == QuantizationType::Int8Dynamic || o.type == QuantizationType::Int8Static) return quantize_int8(model, o);
  QuantizeReport report;
  report.type = o.type;
  if (!(o.overflow_limit > 0)) return error("overflow limit must be positive");

  quant::count_parameters(model, report.parameters, report.bytes_before);
  std::vector<std::map<std::string, Tensor>> samples = o.samples;
  if (samples.empty()) samples.push_back(generated_sample(model, o.seed));
  for (const auto& s : samples)
    for (const ValueInfo* v : model.graph.runtime_inputs())
      if (!s.count(v->name)) return error("sample data lacks input '{}'", v->name);

  // Ranges of the float model (also the reference for the finiteness check below).
  SZ0_ASSIGN(auto ranges, activation_ranges(model, samples));

  if (o.type == QuantizationType::Fp16) {
    std::map<std::string, Shape> shapes;
    for (auto& [name, t] : samples.front()) shapes[name] = t.shape();
    SZ0_ASSIGN(GraphTypes types, infer_graph(model.graph, model, shapes));
    SZ0_TRY(quant::convert_fp16(model, o, ranges, types, report));
  } else {
    SZ0_TRY(quant::convert_bf16_weights(model, o, report));
    // Cast admits bfloat16 from opset 13 on; a model with nothing converted keeps its opset.
    if (report.initializers_converted > 0 && model.opset("") < 13)
      SZ0_TRY(upgrade_opset(model, 13).context("BF16 weights need ai.onnx opset 13 or newer"));
  }
  int64_t elements = 0;
  quant::count_parameters(model, elements, report.bytes_after);

  if (o.verify_finite) {
    std::map<std::string, Shape> shapes;
    for (auto& [name, t] : samples.front()) shapes[name] = t.shape();
    SessionOptions so;
    so.threads = 1;
    so.input_shapes = shapes;
    // Unoptimized: an optimized session computes float16 graphs in float32, which would hide the
    // overflow this check is for.
    so.optimize = false;
    auto session = Session::create(model, so);
    if (!session.ok()) return session.status().context("converted model does not load");
    for (const auto& s : samples) {
      auto outs = (*session)->run(feeds_for(model, s));
      if (!outs.ok()) return outs.status().context("converted model does not run");
      const auto& infos = (*session)->outputs();
      for (size_t i = 0; i < outs->size(); ++i) {
        auto it = ranges.find(infos[i].name);
        const bool was_finite = it == ranges.end() || std::isfinite(it->second);
        if (was_finite && !all_finite((*outs)[i]))
          return error("output '{}' is not finite after {} conversion", infos[i].name, quantization_type_name(o.type));
      }
    }
  }
  return report;
}

}  // namespace sz0

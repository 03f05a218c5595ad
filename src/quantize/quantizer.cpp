// ModelQuantizer: picks the rewrite for the quantization type, measures activation ranges
// first, and checks afterwards that the converted model still produces finite outputs.
#include <sz0/quantize.h>
#include <sz0/session.h>

#include "quantize/convert.h"

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

bool all_finite(const Tensor& t) {
  if (!dtype_is_float(t.dtype())) return true;
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.get_double(i))) return false;
  return true;
}

}  // namespace

Result<QuantizeReport> ModelQuantizer::quantize(Model& model) const {
  const QuantizeOptions& o = options_;
  QuantizeReport report;
  report.type = o.type;
  if (o.type == QuantizationType::Int8Dynamic || o.type == QuantizationType::Int8Static)
    return error("{} quantization: not implemented yet", quantization_type_name(o.type));
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
  }
  int64_t elements = 0;
  quant::count_parameters(model, elements, report.bytes_after);

  if (o.verify_finite) {
    std::map<std::string, Shape> shapes;
    for (auto& [name, t] : samples.front()) shapes[name] = t.shape();
    SessionOptions so;
    so.threads = 1;
    so.input_shapes = shapes;
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

// Calibration cache: the activation ranges of an INT8 static run as JSON, so a later run (other
// options, other exclusions) skips calibration.
#include <sz0/io.h>
#include <sz0/quantize.h>

#include <nlohmann/json.hpp>

#include <cmath>

namespace sz0 {

Status write_calibration_cache(const std::string& path, const std::map<std::string, TensorRange>& ranges,
                               const QuantizeOptions& options) {
  nlohmann::json j;
  j["method"] = calibration_method_name(options.method);
  if (options.method == CalibrationMethod::Percentile) j["percentile"] = options.percentile;
  j["activation_type"] = options.activation_type == DType::Int8 ? "int8" : "uint8";
  nlohmann::json& t = j["tensors"] = nlohmann::json::object();
  for (const auto& [name, r] : ranges)
    t[name] = {{"min", r.min}, {"max", r.max}, {"scale", r.scale}, {"zero_point", r.zero_point}};
  return write_file_atomic(path, j.dump(2) + "\n");
}

Result<std::map<std::string, TensorRange>> read_calibration_cache(const std::string& path, DType activation_type) {
  SZ0_ASSIGN(std::string bytes, read_file_bytes(path));
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return error("{}: not a JSON calibration cache", path);
  auto t = j.find("tensors");
  if (t == j.end() || !t->is_object()) return error("{}: calibration cache has no \"tensors\" object", path);
  const std::string want = activation_type == DType::Int8 ? "int8" : "uint8";
  auto at = j.find("activation_type");
  if (at != j.end() && (!at->is_string() || at->get<std::string>() != want))
    return error("{}: calibration cache is for {} activations, this run quantizes to {}", path, at->dump(), want);
  std::map<std::string, TensorRange> out;
  for (auto it = t->begin(); it != t->end(); ++it) {
    const nlohmann::json& v = it.value();
    TensorRange r;
    auto number = [&](const char* key, double& dst) -> Status {
      auto f = v.is_object() ? v.find(key) : v.end();
      if (f == v.end() || !f->is_number()) return error("{}: tensor '{}' lacks a numeric \"{}\"", path, it.key(), key);
      dst = f->get<double>();
      return {};
    };
    double mn, mx, scale, zp;
    SZ0_TRY(number("min", mn));
    SZ0_TRY(number("max", mx));
    SZ0_TRY(number("scale", scale));
    SZ0_TRY(number("zero_point", zp));
    if (!(scale > 0) || !std::isfinite(scale) || !(mn <= mx) || zp < (want == "int8" ? -128 : 0) || zp > (want == "int8" ? 127 : 255) || zp != std::floor(zp))
      return error("{}: tensor '{}' has an invalid range (min {}, max {}, scale {}, zero point {})", path, it.key(), mn, mx,
                   scale, zp);
    r.min = static_cast<float>(mn);
    r.max = static_cast<float>(mx);
    r.scale = static_cast<float>(scale);
    r.zero_point = static_cast<int>(zp);
    out[it.key()] = r;
  }
  return out;
}

}  // namespace sz0

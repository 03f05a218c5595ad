// sz0 quantize MODEL -o OUT --mode fp16|bf16|int8-dynamic|int8-static [--calib DATA] [INT8 options]
// Writes a lower-precision standard ONNX model and reports what was converted, what stayed
// float and why, and (INT8) how close the outputs stay on the calibration samples.
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/onnx.h>
#include <sz0/quantize.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace sz0::cli {

namespace {

struct QuantizeArgs {
  std::string model;
  std::string output;
  std::string mode;
  std::string calib;
  std::string keep_io = "true";
  std::vector<std::string> shapes;
  // INT8
  std::string method = "minmax";
  double percentile = 99.99;
  std::string per_channel = "true";
  std::string reduce_range = "true";
  std::string activation_type = "uint8";
  std::string format = "qdq";
  std::vector<std::string> exclude_ops, exclude_nodes;
  std::string calib_cache;
  std::string report;
  bool auto_exclude = false;
  double min_sqnr = 30;
};

constexpr size_t kMaxFp16Samples = 64;  // FP16 ranges settle long before; keeps the run short

std::string size_str(uintmax_t b) {
  if (b >= (1u << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(b) / (1 << 20));
  if (b >= (1u << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / (1 << 10));
  return fmt::format("{} B", b);
}

void print_nodes(const char* title, const std::vector<FencedNode>& nodes) {
  std::printf("%-11s %zu node%s\n", title, nodes.size(), nodes.size() == 1 ? "" : "s");
  // Group identical (op, reason) pairs: a ResNet has dozens of fenced BatchNormalizations.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;
  for (const FencedNode& f : nodes) groups[{f.op_type, f.reason}].push_back(f.name);
  for (auto& [key, names] : groups)
    std::printf("  %-22s x%-4zu %s%s\n", key.first.c_str(), names.size(), key.second.c_str(),
                names.size() == 1 ? fmt::format(" ({})", names.front()).c_str() : "");
}

void print_report(const QuantizeArgs& a, const QuantizeReport& r, uintmax_t before, uintmax_t after) {
  std::printf("quantized   %s -> %s (%s)\n", a.model.c_str(), a.output.c_str(), quantization_type_name(r.type));
  std::string ops;
  for (auto& [op, n] : r.converted_ops) ops += fmt::format("{}{} {}", ops.empty() ? "" : ", ", op, n);
  const bool int8 = r.type == QuantizationType::Int8Dynamic || r.type == QuantizationType::Int8Static;
  if (r.type == QuantizationType::Fp16) {
    std::printf("converted   %d node%s to float16%s%s\n", r.nodes_converted, r.nodes_converted == 1 ? "" : "s",
                ops.empty() ? "" : ": ", ops.c_str());
    print_nodes("float32", r.fenced);
  } else if (int8) {
    std::printf("converted   %d node%s to int8%s%s\n", r.nodes_converted, r.nodes_converted == 1 ? "" : "s",
                ops.empty() ? "" : ": ", ops.c_str());
    if (!r.excluded.empty()) print_nodes("excluded", r.excluded);
    if (r.type == QuantizationType::Int8Static)
      std::printf("ranges      %zu activation tensor%s (%s%s)\n", r.ranges.size(), r.ranges.size() == 1 ? "" : "s",
                  a.method.c_str(), a.calib_cache.empty() ? "" : fmt::format(", cache {}", a.calib_cache).c_str());
    std::printf("accuracy    cosine %.6f, SQNR %.1f dB (worst output, %d sample%s, vs float)\n", r.min_cosine,
                r.min_sqnr_db, r.verified_samples, r.verified_samples == 1 ? "" : "s");
  } else {
    std::printf("weights     stored as bfloat16, computed in float32 (ONNX Runtime's CPU provider lacks bfloat16 kernels)\n");
  }
  if (!int8)
    std::printf("initializers %d converted, %d Cast node%s added\n", r.initializers_converted, r.casts_added,
                r.casts_added == 1 ? "" : "s");
  std::printf("parameters  %lld (%s -> %s)\n", static_cast<long long>(r.parameters),
              size_str(static_cast<uintmax_t>(r.bytes_before)).c_str(),
              size_str(static_cast<uintmax_t>(r.bytes_after)).c_str());
  std::printf("file size   %s -> %s (ratio %.3f)\n", size_str(before).c_str(), size_str(after).c_str(),
              before ? static_cast<double>(after) / static_cast<double>(before) : 0.0);
}

nlohmann::json report_json(const QuantizeArgs& a, const QuantizeReport& r, uintmax_t before, uintmax_t after) {
  nlohmann::json j;
  j["model"] = a.model;
  j["output"] = a.output;
  j["mode"] = quantization_type_name(r.type);
  j["nodes_converted"] = r.nodes_converted;
  j["converted_ops"] = r.converted_ops;
  auto nodes = [](const std::vector<FencedNode>& v) {
    nlohmann::json arr = nlohmann::json::array();
    for (const FencedNode& f : v) arr.push_back({{"name", f.name}, {"op_type", f.op_type}, {"reason", f.reason}});
    return arr;
  };
  j["fenced"] = nodes(r.fenced);
  j["excluded"] = nodes(r.excluded);
  j["file_size"] = {{"before", before}, {"after", after}};
  j["initializer_bytes"] = {{"before", r.bytes_before}, {"after", r.bytes_after}};
  if (r.verified_samples > 0)
    j["accuracy"] = {{"samples", r.verified_samples}, {"min_cosine", r.min_cosine}, {"min_sqnr_db", r.min_sqnr_db}};
  j["sensitivity"] = nlohmann::json::array();
  for (const LayerSensitivity& s : r.sensitivity)
    j["sensitivity"].push_back({{"node", s.node}, {"op_type", s.op_type}, {"sqnr_db", s.sqnr_db}, {"cosine", s.cosine}});
  return j;
}

void progress_bar(int pass, size_t done, size_t total) {
  draw_progress(pass == 0 ? "calibrating (ranges)    " : "calibrating (histograms)", done, total);
}

// Where the calibration cache of a static run goes when --calib-cache is not given.
std::string default_cache_path(const std::string& output) {
  std::filesystem::path p(output);
  p.replace_extension(".calib.json");
  return p.string();
}

Status quantize(const QuantizeArgs& a) {
  SZ0_ASSIGN(QuantizationType type, parse_quantization_type(a.mode));
  const bool int8 = type == QuantizationType::Int8Dynamic || type == QuantizationType::Int8Static;
  QuantizeOptions opts;
  opts.type = type;
  opts.keep_io_types = a.keep_io == "true";
  SZ0_ASSIGN(opts.method, parse_calibration_method(a.method));
  if (!(a.percentile > 0 && a.percentile <= 100)) return error("--percentile must be in (0, 100], got {}", a.percentile);
  opts.percentile = a.percentile;
  opts.per_channel = a.per_channel == "true";
  opts.reduce_range = a.reduce_range == "true";
  opts.activation_type = a.activation_type == "int8" ? DType::Int8 : DType::UInt8;
  opts.format = a.format == "qoperator" ? QuantFormat::QOperator : QuantFormat::Qdq;
  for (const std::string& op : split_commas(a.exclude_ops)) opts.exclude_ops.insert(op);
  for (const std::string& n : split_commas(a.exclude_nodes)) opts.exclude_nodes.insert(n);
  opts.sensitivity = !a.report.empty() && int8;
  opts.auto_exclude = a.auto_exclude;
  opts.min_sqnr_db = a.min_sqnr;
  if (a.auto_exclude && !int8) return error("--auto-exclude applies to the int8 modes");
  if (type != QuantizationType::Int8Static && (!a.calib_cache.empty()))
    return error("--calib-cache applies to --mode int8-static");

  SZ0_ASSIGN(Model model, load_model(a.model));
  SZ0_ASSIGN(auto shapes, parse_shapes(a.shapes));
  if (!a.calib.empty()) {
    SZ0_ASSIGN(SampleStream data, data_stream(a.calib, model));
    if (int8) {
      opts.stream = std::move(data);  // streamed: one sample in memory at a time
    } else {
      for (size_t i = 0; i < data.count && i < kMaxFp16Samples; ++i) {
        SZ0_ASSIGN(auto feeds, data.read(i));
        opts.samples.push_back(std::move(feeds));
      }
    }
  } else if (!shapes.empty()) {
    InputArgs ia;
    ia.shapes = a.shapes;
    SZ0_ASSIGN(auto feeds, make_feeds(model, ia, /*random=*/true));
    opts.samples.push_back(std::move(feeds));
  }
  if (type == QuantizationType::Int8Static && !a.calib_cache.empty() && std::filesystem::exists(a.calib_cache)) {
    SZ0_ASSIGN(opts.ranges, read_calibration_cache(a.calib_cache, opts.activation_type));
  }
  if (type == QuantizationType::Int8Static && opts.ranges.empty() && isatty(fileno(stderr))) opts.progress = progress_bar;

  auto report = ModelQuantizer(opts).quantize(model);
  if (!report.ok()) return report.status().context(a.model);
  std::error_code ec;
  const uintmax_t before = std::filesystem::file_size(a.model, ec);  // before: OUT may be MODEL
  SZ0_TRY(save_model(model, a.output));  // temporary + rename: never a half-written OUT
  const uintmax_t after = std::filesystem::file_size(a.output, ec);
  if (type == QuantizationType::Int8Static && opts.ranges.empty()) {
    const std::string cache = a.calib_cache.empty() ? default_cache_path(a.output) : a.calib_cache;
    SZ0_TRY(write_calibration_cache(cache, report->ranges, opts));
    std::printf("cache       %s\n", cache.c_str());
  }
  print_report(a, *report, before, after);
  if (!a.report.empty()) SZ0_TRY(write_file_atomic(a.report, report_json(a, *report, before, after).dump(2) + "\n"));
  return {};
}

}  // namespace

void add_quantize(CLI::App& app, int& rc) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "Convert to FP16, BF16, or INT8 (dynamic, or static with calibration)");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-o,--output", args->output, "Where to write the quantized model")->required();
  cmd->add_option("--mode", args->mode, "fp16, bf16, int8-dynamic or int8-static")
      ->required()
      ->check(CLI::IsMember({"fp16", "bf16", "int8-dynamic", "int8-static"}));
  cmd->add_option("--calib", args->calib,
                  "Samples (DATA directory) to calibrate on; default: one generated sample");
  cmd->add_option("--shape", args->shapes, "NAME=DIMS for generated samples (symbolic dims default to 1)");
  cmd->add_option("--keep-io-types", args->keep_io, "FP16/BF16: keep float32 graph inputs and outputs (default true)")
      ->check(CLI::IsMember({"true", "false"}));
  cmd->add_option("--method", args->method, "INT8 static calibration: minmax (default), percentile, entropy or mse")
      ->check(CLI::IsMember({"minmax", "percentile", "entropy", "mse"}));
  cmd->add_option("--percentile", args->percentile, "Share of values the percentile method keeps (default 99.99)");
  cmd->add_option("--per-channel", args->per_channel, "INT8: one weight scale per output channel (default true)")
      ->check(CLI::IsMember({"true", "false"}));
  cmd->add_option("--reduce-range", args->reduce_range,
                  "INT8: 7-bit weights, so u8·s8 kernels of CPUs without VNNI cannot saturate (default true)")
      ->check(CLI::IsMember({"true", "false"}));
  cmd->add_option("--activation-type", args->activation_type,
                  "INT8 static activations: uint8 (asymmetric, default) or int8 (symmetric)")
      ->check(CLI::IsMember({"uint8", "int8"}));
  cmd->add_option("--format", args->format, "INT8 static: qdq (default) or qoperator (QLinearConv/QLinearMatMul)")
      ->check(CLI::IsMember({"qdq", "qoperator"}));
  cmd->add_option("--exclude-op", args->exclude_ops, "INT8: op types kept float (repeat or comma-separate)");
  cmd->add_option("--exclude-node", args->exclude_nodes, "INT8: node names kept float (repeat or comma-separate)");
  cmd->add_option("--calib-cache", args->calib_cache,
                  "INT8 static: ranges from FILE when it exists (no calibration), else written there "
                  "(default: OUT with .calib.json)");
  cmd->add_option("--report", args->report, "Write a JSON report (INT8: with per-node sensitivity)");
  cmd->add_flag("--auto-exclude", args->auto_exclude, "INT8: keep the most sensitive nodes float until --min-sqnr holds");
  cmd->add_option("--min-sqnr", args->min_sqnr, "Target output SQNR in dB for --auto-exclude (default 30)");
  cmd->callback([args, &rc]() {
    Status s = quantize(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

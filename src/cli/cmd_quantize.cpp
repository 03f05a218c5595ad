// sz0 quantize MODEL -o OUT --mode fp16|bf16|int8-dynamic|int8-static [--calib DATA]
//                  [--keep-io-types true|false]
// Writes a lower-precision standard ONNX model and reports what was converted and what was
// kept in float32, and why.
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/onnx.h>
#include <sz0/quantize.h>

#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct QuantizeArgs {
  std::string model;
  std::string output;
  std::string mode;
  std::string calib;
  std::string keep_io = "true";
};

constexpr size_t kMaxCalibSamples = 64;  // ranges settle long before; keeps the run short

std::string size_str(uintmax_t b) {
  if (b >= (1u << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(b) / (1 << 20));
  if (b >= (1u << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / (1 << 10));
  return fmt::format("{} B", b);
}

void print_report(const QuantizeArgs& a, const QuantizeReport& r, uintmax_t before, uintmax_t after) {
  std::printf("quantized   %s -> %s (%s)\n", a.model.c_str(), a.output.c_str(), quantization_type_name(r.type));
  if (r.type == QuantizationType::Fp16) {
    std::string ops;
    for (auto& [op, n] : r.converted_ops) ops += fmt::format("{}{} {}", ops.empty() ? "" : ", ", op, n);
    std::printf("converted   %d node%s to float16%s%s\n", r.nodes_converted, r.nodes_converted == 1 ? "" : "s",
                ops.empty() ? "" : ": ", ops.c_str());
    std::printf("float32     %zu node%s fenced\n", r.fenced.size(), r.fenced.size() == 1 ? "" : "s");
    // Group identical (op, reason) pairs: a ResNet has dozens of fenced BatchNormalizations.
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;
    for (const FencedNode& f : r.fenced) groups[{f.op_type, f.reason}].push_back(f.name);
    for (auto& [key, names] : groups)
      std::printf("  %-22s x%-4zu %s%s\n", key.first.c_str(), names.size(), key.second.c_str(),
                  names.size() == 1 ? fmt::format(" ({})", names.front()).c_str() : "");
  } else {
    std::printf("weights     stored as bfloat16, computed in float32 (ONNX Runtime's CPU provider lacks bfloat16 kernels)\n");
  }
  std::printf("initializers %d converted, %d Cast node%s added\n", r.initializers_converted, r.casts_added,
              r.casts_added == 1 ? "" : "s");
  std::printf("parameters  %lld (%s -> %s)\n", static_cast<long long>(r.parameters),
              size_str(static_cast<uintmax_t>(r.bytes_before)).c_str(),
              size_str(static_cast<uintmax_t>(r.bytes_after)).c_str());
  std::printf("file size   %s -> %s (ratio %.3f)\n", size_str(before).c_str(), size_str(after).c_str(),
              before ? static_cast<double>(after) / static_cast<double>(before) : 0.0);
}

Status quantize(const QuantizeArgs& a) {
  SZ0_ASSIGN(QuantizationType type, parse_quantization_type(a.mode));
  QuantizeOptions opts;
  opts.type = type;
  opts.keep_io_types = a.keep_io == "true";
  if (type == QuantizationType::Int8Dynamic || type == QuantizationType::Int8Static)
    return error("--mode {}: not implemented yet (fp16 and bf16 are)", a.mode);
  SZ0_ASSIGN(Model model, load_model(a.model));
  if (!a.calib.empty()) {
    std::vector<std::string> names;
    for (const ValueInfo* v : model.graph.runtime_inputs()) names.push_back(v->name);
    SZ0_ASSIGN(auto samples, read_dataset(a.calib, names));
    if (samples.empty()) return error("{}: no samples", a.calib);
    for (auto& s : samples) {
      if (opts.samples.size() >= kMaxCalibSamples) break;
      opts.samples.push_back(std::move(s.inputs));
    }
  }
  auto report = ModelQuantizer(opts).quantize(model);
  if (!report.ok()) return report.status().context(a.model);
  std::error_code ec;
  const uintmax_t before = std::filesystem::file_size(a.model, ec);  // before: OUT may be MODEL
  SZ0_TRY(save_model(model, a.output));  // temporary + rename: never a half-written OUT
  const uintmax_t after = std::filesystem::file_size(a.output, ec);
  print_report(a, *report, before, after);
  return {};
}

}  // namespace

void add_quantize(CLI::App& app, int& rc) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "Convert to FP16 or BF16 (INT8: not implemented yet)");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-o,--output", args->output, "Where to write the quantized model")->required();
  cmd->add_option("--mode", args->mode, "fp16, bf16, int8-dynamic or int8-static")
      ->required()
      ->check(CLI::IsMember({"fp16", "bf16", "int8-dynamic", "int8-static"}));
  cmd->add_option("--calib", args->calib,
                  "Samples (DATA directory) to measure activation ranges on; default: generated inputs");
  cmd->add_option("--keep-io-types", args->keep_io, "Keep float32 graph inputs and outputs (default true)")
      ->check(CLI::IsMember({"true", "false"}));
  cmd->callback([args, &rc]() {
    Status s = quantize(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

// sz0 zoo list
// sz0 zoo export NAME -o OUT [--batch N] [--seed S]
// sz0 zoo data sentinel -o DIR [--samples N] [--seed S]
#include "cli/common.h"

#include <sz0/model_info.h>
#include <sz0/onnx.h>
#include <sz0/zoo.h>
#include <sz0/zoo_data.h>

#include <cstdio>

namespace sz0::cli {

namespace {

std::string grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string input_list(const zoo::ZooModel& m) {
  std::string s;
  for (const zoo::InputSpec& in : m.inputs) {
    s += fmt::format("{}{} {}[batch", s.empty() ? "" : "  ", in.name, dtype_name(in.dtype));
    for (int64_t d : in.dims) s += fmt::format(",{}", d);
    s += "]";
  }
  return s;
}

Status list() {
  for (const zoo::ZooModel& m : zoo::models()) {
    auto built = m.build({});
    if (!built.ok()) return built.status();
    const ModelInfo info = analyze_model(*built);  // symbolic batch taken as 1
    const std::string macs = info.macs >= 0 && info.macs_complete ? grouped(info.macs) : "?";
    std::printf("%-14s %12s params %15s MACs  %s\n", m.name.c_str(), grouped(info.parameters).c_str(), macs.c_str(),
                input_list(m).c_str());
  }
  return {};
}

struct ExportArgs {
  std::string name;
  std::string out;
  int64_t batch = 0;
  uint32_t seed = 0;
};

Status export_model(const ExportArgs& a) {
  SZ0_ASSIGN(Model model, zoo::build_model(a.name, {.seed = a.seed, .batch = a.batch}));
  int64_t params = 0;
  for (auto& [name, t] : model.graph.initializers) params += t.numel();
  SZ0_TRY(save_model(model, a.out));
  std::printf("wrote %s: %s, %s parameters, seed %u, batch %s\n", a.out.c_str(), a.name.c_str(),
              grouped(params).c_str(), a.seed, a.batch > 0 ? std::to_string(a.batch).c_str() : "dynamic");
  return {};
}

struct DataArgs {
  std::string dataset;
  std::string out;
  zoo::SentinelDataOptions options;
};

Status write_data(const DataArgs& a) {
  if (a.dataset != "sentinel") return error("unknown zoo dataset '{}' (known: sentinel)", a.dataset);
  SZ0_TRY(zoo::write_sentinel_data(a.out, a.options));
  std::printf("wrote %d samples to %s (seed %u)\n", a.options.samples, a.out.c_str(), a.options.seed);
  return {};
}

}  // namespace

void add_zoo(CLI::App& app, int& rc) {
  CLI::App* zoo_cmd = app.add_subcommand("zoo", "Reference models with seeded random weights, and their data");
  zoo_cmd->require_subcommand(1);

  CLI::App* list_cmd = zoo_cmd->add_subcommand("list", "One line per model: name, parameters, MACs (batch 1), inputs");
  list_cmd->callback([&rc]() {
    Status s = list();
    rc = s.ok() ? kOk : report(s);
  });

  auto ex = std::make_shared<ExportArgs>();
  CLI::App* export_cmd = zoo_cmd->add_subcommand("export", "Build a zoo model and write it as ONNX");
  export_cmd->add_option("name", ex->name, "Model name (see `sz0 zoo list`)")->required();
  export_cmd->add_option("-o,--output", ex->out, "Output ONNX file")->required();
  export_cmd->add_option("--batch", ex->batch, "Fix the batch size (default: a symbolic 'batch' axis)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  export_cmd->add_option("--seed", ex->seed, "Seed of the random weights (default 0)");
  export_cmd->callback([ex, &rc]() {
    Status s = export_model(*ex);
    rc = s.ok() ? kOk : report(s);
  });

  auto data = std::make_shared<DataArgs>();
  CLI::App* data_cmd = zoo_cmd->add_subcommand("data", "Write a synthetic dataset in the DATA layout");
  data_cmd->add_option("dataset", data->dataset, "Dataset name: sentinel")->required();
  data_cmd->add_option("-o,--output-dir", data->out, "Output directory")->required();
  data_cmd->add_option("--samples", data->options.samples, "Number of samples")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  data_cmd->add_option("--seed", data->options.seed, "Seed")->capture_default_str();
  data_cmd->callback([data, &rc]() {
    Status s = write_data(*data);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

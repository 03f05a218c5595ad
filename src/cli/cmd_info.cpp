// sz0 info MODEL [--json]: interface, opsets, op histogram, parameters, estimated MACs.
#include "cli/common.h"

#include <sz0/model_info.h>
#include <sz0/onnx.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct InfoArgs {
  std::string model;
  bool json = false;
  std::vector<std::string> shapes;
};

nlohmann::json type_json(const ValueInfo& v) {
  nlohmann::json j;
  j["name"] = v.name;
  if (!v.type.opaque_type.empty()) {
    j["type"] = "non-tensor";
    return j;
  }
  j["dtype"] = std::string(dtype_name(v.type.dtype));
  if (v.type.shape) {
    nlohmann::json dims = nlohmann::json::array();
    for (const Dim& d : *v.type.shape) {
      if (d.known()) dims.push_back(d.value);
      else dims.push_back(d.symbol.empty() ? "?" : d.symbol);
    }
    j["shape"] = dims;
  } else {
    j["shape"] = nullptr;
  }
  return j;
}

std::string human(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f} K", v / 1e3);
  return fmt::format("{:.0f} ", v);
}

Status info(const InfoArgs& a) {
  SZ0_ASSIGN(Model m, load_model(a.model));
  SZ0_ASSIGN(auto shapes, parse_shapes(a.shapes));
  const ModelInfo mi = analyze_model(m, shapes);
  nlohmann::json j;
  j["model"] = a.model;
  j["file_bytes"] = std::filesystem::file_size(a.model);
  j["ir_version"] = m.ir_version;
  j["producer"] = m.producer_name + (m.producer_version.empty() ? "" : " " + m.producer_version);
  j["opsets"] = nlohmann::json::object();
  for (const OpsetImport& o : m.opsets) j["opsets"][o.domain.empty() ? "ai.onnx" : o.domain] = o.version;
  j["inputs"] = nlohmann::json::array();
  for (const ValueInfo* v : m.graph.runtime_inputs()) j["inputs"].push_back(type_json(*v));
  j["outputs"] = nlohmann::json::array();
  for (const ValueInfo& v : m.graph.outputs) j["outputs"].push_back(type_json(v));
  j["nodes"] = m.graph.nodes.size();
  j["op_histogram"] = mi.op_histogram;
  j["parameters"] = mi.parameters;
  j["parameter_bytes"] = mi.parameter_bytes;
  j["macs"] = mi.macs;
  j["macs_complete"] = mi.macs_complete;
  j["metadata"] = nlohmann::json::object();
  for (auto& [k, v] : m.metadata) j["metadata"][k] = v;
  if (!mi.notes.empty()) j["notes"] = mi.notes;
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return {};
  }
  std::printf("model       %s (%s bytes)\n", a.model.c_str(), human(static_cast<double>(j["file_bytes"].get<uint64_t>())).c_str());
  std::printf("ir_version  %lld, producer '%s'\n", static_cast<long long>(m.ir_version), j["producer"].get<std::string>().c_str());
  std::string opsets;
  for (const OpsetImport& o : m.opsets) opsets += fmt::format("{}{}={}", opsets.empty() ? "" : ", ", o.domain.empty() ? "ai.onnx" : o.domain, o.version);
  std::printf("opsets      %s\n", opsets.c_str());
  for (const ValueInfo* v : m.graph.runtime_inputs()) std::printf("input       %s: %s\n", v->name.c_str(), v->type.str().c_str());
  for (const ValueInfo& v : m.graph.outputs) std::printf("output      %s: %s\n", v.name.c_str(), v.type.str().c_str());
  std::printf("parameters  %s(%s bytes)\n", human(static_cast<double>(mi.parameters)).c_str(), human(static_cast<double>(mi.parameter_bytes)).c_str());
  std::printf("MACs        %s%s\n", human(static_cast<double>(mi.macs)).c_str(), mi.macs_complete ? "" : " (incomplete: some shapes unknown)");
  std::printf("nodes       %zu\n", m.graph.nodes.size());
  for (auto& [op, n] : mi.op_histogram) std::printf("  %-24s %d\n", op.c_str(), n);
  for (const std::string& n : mi.notes) std::printf("note        %s\n", n.c_str());
  return {};
}

}  // namespace

void add_info(CLI::App& app, int& rc) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "Describe a model: interface, ops, parameters, MACs");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->add_option("--shape", args->shapes, "Shape for an input's symbolic dims when estimating MACs (NAME=DIMS)");
  cmd->callback([args, &rc]() {
    Status s = info(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

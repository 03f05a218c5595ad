// sz0 check MODEL: structure, ONNX's own checker (opset <= 17), shape inference, op support.
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/onnx.h>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstdio>

namespace sz0::cli {

namespace {

// libonnx 1.12 knows opsets up to 17: newer models are checked by our own rules only.
constexpr int64_t kCheckerMaxOpset = 17;

Status check(const std::string& path, const std::vector<std::string>& shape_args) {
  SZ0_ASSIGN(Model m, load_model(path));
  SZ0_ASSIGN(auto shapes, parse_shapes(shape_args));
  std::vector<std::string> problems = validate_model(m);
  std::printf("structure        %s\n", problems.empty() ? "ok" : "problems found");

  if (m.opset("") <= kCheckerMaxOpset && m.ir_version <= 8) {
    SZ0_ASSIGN(std::string bytes, read_file_bytes(path));
    onnx::ModelProto mp;
    if (mp.ParseFromString(bytes)) {
      try {
        onnx::checker::check_model(mp);
        std::printf("onnx checker     ok\n");
      } catch (const std::exception& e) {
        std::string msg = e.what();
        msg = msg.substr(0, msg.find('\n'));
        problems.push_back("onnx checker: " + msg);
        std::printf("onnx checker     failed\n");
      }
    }
  } else {
    std::printf("onnx checker     skipped (opset %lld is newer than the checker knows)\n", static_cast<long long>(m.opset("")));
  }

  auto types = infer_graph(m.graph, m, shapes);
  if (types.ok()) {
    int known = 0, total = 0;
    for (auto& [name, t] : types->types) {
      ++total;
      known += t.has_rank();
    }
    std::printf("shape inference  ok (%d of %d values with known rank)\n", known, total);
  } else {
    problems.push_back("shape inference: " + types.status().message());
    std::printf("shape inference  failed\n");
  }

  const auto missing = unsupported_ops(m);
  if (missing.empty()) {
    std::printf("operators        all supported\n");
  } else {
    std::string list;
    for (const auto& op : missing) list += (list.empty() ? "" : ", ") + op;
    problems.insert(problems.begin(), "unsupported operators: " + list);
    std::printf("operators        %zu unsupported: %s\n", missing.size(), list.c_str());
  }
  if (problems.empty()) {
    std::printf("%s: ok\n", path.c_str());
    return {};
  }
  for (size_t i = 1; i < problems.size(); ++i) std::printf("problem          %s\n", problems[i].c_str());
  return error("{}: {}{}", path, problems[0], problems.size() > 1 ? fmt::format(" (and {} more problems)", problems.size() - 1) : "");
}

}  // namespace

void add_check(CLI::App& app, int& rc) {
  auto path = std::make_shared<std::string>();
  auto shapes = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("check", "Validate a model: structure, shapes, operator support");
  cmd->add_option("model", *path, "ONNX model")->required();
  cmd->add_option("--shape", *shapes, "Shape for an input's symbolic dims (NAME=DIMS)");
  cmd->callback([path, shapes, &rc]() {
    Status s = check(*path, *shapes);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

// sz0 run MODEL [-i NAME=FILE]... [-o DIR] [--threads N] [--shape NAME=DIMS]... [--random] [--seed N]
#include "cli/common.h"

#include <sz0/io.h>
#include <sz0/onnx.h>

#include <cstdio>
#include <filesystem>

namespace sz0::cli {

namespace {

struct RunArgs {
  std::string model;
  std::string out_dir;
  int threads = 0;
  InputArgs inputs;
};

std::string preview(const Tensor& t) {
  std::string s;
  const int64_t n = std::min<int64_t>(t.numel(), 6);
  for (int64_t i = 0; i < n; ++i) s += fmt::format("{}{:.6g}", i ? ", " : "", t.get_double(i));
  if (t.numel() > n) s += ", ...";
  return "[" + s + "]";
}

Status run(const RunArgs& a) {
  SZ0_ASSIGN(Model model, load_model(a.model));
  SZ0_ASSIGN(auto feeds, make_feeds(model, a.inputs, a.inputs.random));
  SessionOptions so;
  so.threads = a.threads;
  auto created = Session::create(std::move(model), so);
  if (!created.ok()) return created.status().context(a.model);
  auto& session = *created;
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec || !std::filesystem::is_directory(a.out_dir)) return error("{}: cannot create output directory", a.out_dir);
  }
  auto outs = session->run(feeds);
  if (!outs.ok()) return outs.status().context(a.model);
  const auto& infos = session->outputs();
  for (size_t i = 0; i < outs->size(); ++i) {
    const Tensor& t = (*outs)[i];
    std::printf("%s: %s %s %s\n", infos[i].name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                shape_str(t.shape()).c_str(), preview(t).c_str());
    if (!a.out_dir.empty()) {
      const std::string path = (std::filesystem::path(a.out_dir) / (safe_file_name(infos[i].name) + ".npy")).string();
      SZ0_TRY(write_tensor_file(t, path));
    }
  }
  return {};
}

}  // namespace

void add_run(CLI::App& app, int& rc) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model once and write its outputs as .npy");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-o,--output-dir", args->out_dir, "Write each output to DIR/<name>.npy");
  cmd->add_option("--threads", args->threads, "Intra-op threads (default: one per core)")->check(CLI::Range(0, 4096));
  add_input_options(cmd, args->inputs, true);
  cmd->callback([args, &rc]() {
    Status s = run(*args);
    rc = s.ok() ? kOk : report(s);
  });
}

}  // namespace sz0::cli

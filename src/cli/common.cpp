#include "cli/common.h"

#include <sz0/evaluate.h>
#include <sz0/io.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace sz0::cli {

int report(const Status& s) {
  std::string m = s.message();
  for (char& c : m)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "sz0: %s\n", m.c_str());
  return kFailure;
}

Result<Shape> parse_dims(const std::string& dims) {
  if (dims == "scalar") return Shape{};
  Shape s;
  size_t at = 0;
  while (at <= dims.size()) {
    const size_t x = dims.find('x', at);
    const std::string part = dims.substr(at, x == std::string::npos ? std::string::npos : x - at);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
      return error("bad dimensions '{}' (expected e.g. 1x3x224x224 or scalar)", dims);
    s.push_back(std::stoll(part));
    if (x == std::string::npos) break;
    at = x + 1;
  }
  return s;
}

Result<std::map<std::string, Shape>> parse_shapes(const std::vector<std::string>& args, const std::string& flag) {
  std::map<std::string, Shape> out;
  for (const std::string& a : args) {
    const size_t eq = a.rfind('=');
    if (eq == std::string::npos || eq == 0) return error("bad {} '{}' (expected NAME=DIMS)", flag, a);
    SZ0_ASSIGN(out[a.substr(0, eq)], parse_dims(a.substr(eq + 1)));
  }
  return out;
}

void add_input_options(CLI::App* cmd, InputArgs& args, bool with_random_flag) {
  cmd->add_option("-i,--input", args.files, "Input tensor NAME=FILE (.npy or .pb); repeatable");
  cmd->add_option("--shape", args.shapes, "Shape for an input's symbolic dims, NAME=DIMS (1x3x224x224, scalar)");
  if (with_random_flag) cmd->add_flag("--random", args.random, "Fill inputs not given with seeded random data");
  cmd->add_option("--seed", args.seed, "Seed for random inputs");
}

Tensor random_input(DType dtype, const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  Tensor d(DType::Double, shape);
  std::uniform_real_distribution<double> uf(-1.0, 1.0);
  std::uniform_int_distribution<int> ui(0, 9);
  const bool floating = dtype_is_float(dtype);
  for (int64_t i = 0; i < d.numel(); ++i) {
    if (floating) d.data<double>()[i] = uf(rng);
    else if (dtype == DType::Bool) d.data<double>()[i] = ui(rng) & 1;
    else d.data<double>()[i] = ui(rng);
  }
  return d.cast(dtype);
}

Result<std::map<std::string, Tensor>> make_feeds(const Model& model, const InputArgs& args, bool random) {
  SZ0_ASSIGN(auto shapes, parse_shapes(args.shapes));
  const auto inputs = model.graph.runtime_inputs();
  auto find_input = [&](const std::string& name) -> const ValueInfo* {
    for (const ValueInfo* v : inputs)
      if (v->name == name) return v;
    for (const ValueInfo* v : inputs)  // file-safe spelling of the name
      if (safe_file_name(v->name) == name) return v;
    return nullptr;
  };
  for (auto& [name, s] : shapes)
    if (!find_input(name)) return error("--shape names '{}', which is not an input of the model", name);
  std::map<std::string, Tensor> feeds;
  for (const std::string& a : args.files) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return error("bad -i '{}' (expected NAME=FILE)", a);
    const ValueInfo* v = find_input(a.substr(0, eq));
    if (!v) return error("-i names '{}', which is not an input of the model", a.substr(0, eq));
    SZ0_ASSIGN(feeds[v->name], read_tensor_file(a.substr(eq + 1)));
  }
  uint32_t k = 0;
  for (const ValueInfo* v : inputs) {
    ++k;
    if (feeds.count(v->name)) continue;
    if (!random) return error("missing input '{}' ({}): give -i {}=FILE or --random", v->name, v->type.str(), v->name);
    Shape shape;
    if (auto it = shapes.find(v->name); it != shapes.end()) {
      shape = it->second;
    } else if (v->type.shape) {
      for (const Dim& d : *v->type.shape) shape.push_back(d.known() ? d.value : 1);
    } else {
      return error("input '{}' has no declared shape: give --shape {}=DIMS", v->name, v->name);
    }
    const DType dt = v->type.dtype == DType::Undefined ? DType::Float : v->type.dtype;
    feeds[v->name] = random_input(dt, shape, args.seed * 7919u + k);
  }
  return feeds;
}

std::vector<std::string> split_commas(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    size_t pos = 0;
    while (pos <= a.size()) {
      const size_t end = std::min(a.find(',', pos), a.size());
      if (end > pos) out.push_back(a.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  return out;
}

void draw_progress(const std::string& label, size_t done, size_t total) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r%s [%s%s] %zu/%zu", label.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

Result<SampleStream> data_stream(const std::string& dir, const Model& model) {
  SZ0_ASSIGN(auto data, open_dataset(dir, model));
  return dataset_stream(std::move(data), model);
}

}  // namespace sz0::cli

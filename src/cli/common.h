// Shared pieces of the sz0 verbs: argument parsing, inputs, errors.
#pragma once

#include <sz0/graph.h>
#include <sz0/quantize.h>
#include <sz0/session.h>

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace sz0::cli {

// Exit statuses of the CLI contract.
constexpr int kOk = 0;
constexpr int kFailure = 1;  // model, data or runtime error
constexpr int kUsage = 2;

// Prints "sz0: <message>" on one line to stderr; returns kFailure.
int report(const Status& s);

Result<Shape> parse_dims(const std::string& dims);  // "1x3x224x224", "scalar"
// NAME=DIMS pairs; the split is at the last '=' so names may contain '='. `flag` names the option
// in error messages.
Result<std::map<std::string, Shape>> parse_shapes(const std::vector<std::string>& args,
                                                  const std::string& flag = "--shape");

struct InputArgs {
  std::vector<std::string> files;   // NAME=FILE
  std::vector<std::string> shapes;  // NAME=DIMS
  bool random = false;
  uint32_t seed = 0;
};
void add_input_options(CLI::App* cmd, InputArgs& args, bool with_random_flag);

// Feeds for every runtime input of `model`: from files where given, random otherwise (when
// `random`), else an error naming the missing input. Symbolic dims come from `shapes` or are 1.
Result<std::map<std::string, Tensor>> make_feeds(const Model& model, const InputArgs& args, bool random);

// A deterministic random tensor for an input: floats in [-1, 1), integers in [0, 10), bools.
Tensor random_input(DType dtype, const Shape& shape, uint32_t seed);

// Names given as repeated options or comma-separated lists: {"a,b", "c"} → {"a", "b", "c"}.
std::vector<std::string> split_commas(const std::vector<std::string>& args);

// "LABEL [#####.....] 37/512" redrawn in place on stderr; a newline when done == total.
void draw_progress(const std::string& label, size_t done, size_t total);

// A DATA directory streamed one sample at a time (memory holds one sample however many there
// are); a sample lacking a runtime input of `model` is an error naming both.
Result<SampleStream> data_stream(const std::string& dir, const Model& model);

// Verbs.
void add_info(CLI::App& app, int& rc);
void add_check(CLI::App& app, int& rc);
void add_run(CLI::App& app, int& rc);
void add_bench(CLI::App& app, int& rc);
void add_zoo(CLI::App& app, int& rc);
void add_optimize(CLI::App& app, int& rc);
void add_quantize(CLI::App& app, int& rc);
void add_compare(CLI::App& app, int& rc);
void add_prune(CLI::App& app, int& rc);
void add_sparsity(CLI::App& app, int& rc);
void add_pipeline(CLI::App& app, int& rc);

}  // namespace sz0::cli

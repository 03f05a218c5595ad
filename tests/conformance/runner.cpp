// Runs ONNX's backend test data (model.onnx + test_data_set_*/{input,output}_K.pb) through the
// runtime and reports pass/fail per case, per suite and per op. Each case runs in a child
// process so that one crash is reported as a failure instead of ending the run.
//
//   sz0_conformance --data DIR [--suite NAME]... [--filter SUBSTR]... [--allow FILE] [--verbose]
//
// Exit status 1 when a case fails that the allow-list does not name.
#include <sz0/onnx.h>
#include <sz0/session.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sz0;

namespace {

struct Options {
  std::string data;
  std::vector<std::string> suites{"node", "pytorch-converted", "pytorch-operator", "simple"};
  std::vector<std::string> filters;
  std::string allow_file;
  bool verbose = false;
  double rtol = 1e-3, atol = 1e-7;
};

enum class Outcome { Pass, Fail, Unsupported };

struct CaseResult {
  Outcome outcome = Outcome::Fail;
  std::string detail;
};

Result<Tensor> read_pb(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return error("cannot open {}", p.string());
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_tensor_proto(ss.str());
}

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && e.path().extension() == ".pb")
      v.emplace_back(std::stoi(n.substr(prefix.size())), e.path());
  }
  std::sort(v.begin(), v.end());
  std::vector<fs::path> out;
  for (auto& [i, p] : v) out.push_back(p);
  return out;
}

std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype())
    return fmt::format("dtype {} vs expected {}", dtype_name(got.dtype()), dtype_name(want.dtype()));
  if (got.shape() != want.shape())
    return fmt::format("shape {} vs expected {}", shape_str(got.shape()), shape_str(want.shape()));
  for (int64_t i = 0; i < got.numel(); ++i) {
    const double a = got.get_double(i), b = want.get_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;
    if (!(std::fabs(a - b) <= atol + rtol * std::fabs(b)))
      return fmt::format("element {}: {} vs expected {}", i, a, b);
  }
  return {};
}

CaseResult run_case(const fs::path& dir, const Options& o) {
  auto model = load_model((dir / "model.onnx").string());
  if (!model.ok()) return {Outcome::Fail, model.status().message()};
  auto missing = unsupported_ops(*model);
  if (!missing.empty()) {
    std::string s;
    for (auto& m : missing) s += (s.empty() ? "" : ", ") + m;
    return {Outcome::Unsupported, s};
  }
  for (const auto* list : {&model->graph.inputs, &model->graph.outputs})
    for (const ValueInfo& v : *list)
      if (!v.type.opaque_type.empty()) return {Outcome::Unsupported, "non-tensor type of '" + v.name + "'"};
  SessionOptions so;
  so.threads = 1;
  auto session = Session::create(*model, so);
  if (!session.ok()) return {Outcome::Fail, session.status().message()};
  const auto inputs = (*session)->inputs();
  int sets = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_directory() || e.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    ++sets;
    std::map<std::string, Tensor> feeds;
    auto in_files = sorted_files(e.path(), "input_");
    for (size_t i = 0; i < in_files.size(); ++i) {
      auto t = read_pb(in_files[i]);
      if (!t.ok()) return {Outcome::Unsupported, in_files[i].filename().string() + ": " + t.status().message()};
      if (i >= inputs.size()) return {Outcome::Fail, "more input files than model inputs"};
      feeds[inputs[i].name] = std::move(t).value();
    }
    auto outs = (*session)->run(feeds);
    if (!outs.ok()) return {Outcome::Fail, e.path().filename().string() + ": " + outs.status().message()};
    auto out_files = sorted_files(e.path(), "output_");
    for (size_t i = 0; i < out_files.size(); ++i) {
      auto want = read_pb(out_files[i]);
      if (!want.ok()) return {Outcome::Unsupported, out_files[i].filename().string() + ": " + want.status().message()};
      if (i >= outs->size()) return {Outcome::Fail, "fewer outputs than expected"};
      std::string diff = compare((*outs)[i], *want, o.rtol, o.atol);
      if (!diff.empty())
        return {Outcome::Fail, fmt::format("{} output {} ('{}'): {}", e.path().filename().string(), i,
                                           (*session)->outputs()[i].name, diff)};
    }
  }
  if (sets == 0) return {Outcome::Fail, "no test_data_set_*"};
  return {Outcome::Pass, ""};
}

// Runs a case in a child process; a crash or a hang becomes a failure.
CaseResult run_isolated(const fs::path& dir, const Options& o) {
  int fds[2];
  if (pipe(fds) != 0) return run_case(dir, o);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(120);
    CaseResult r = run_case(dir, o);
    std::string msg = std::to_string(static_cast<int>(r.outcome)) + r.detail;
    ssize_t unused = write(fds[1], msg.data(), msg.size());
    (void)unused;
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (msg.empty()) {
    if (WIFSIGNALED(status)) return {Outcome::Fail, fmt::format("crashed (signal {})", WTERMSIG(status))};
    return {Outcome::Fail, "child exited without a result"};
  }
  return {static_cast<Outcome>(msg[0] - '0'), msg.substr(1)};
}

std::set<std::string> model_ops(const fs::path& dir) {
  std::set<std::string> ops;
  auto m = load_model((dir / "model.onnx").string());
  if (m.ok())
    for (const Node& n : m->graph.nodes) ops.insert(n.op_type);
  return ops;
}

std::map<std::string, std::string> read_allow(const std::string& path) {
  std::map<std::string, std::string> allow;
  if (path.empty()) return allow;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    const auto hash = line.find('#');
    std::string name = line.substr(0, hash);
    name.erase(std::remove_if(name.begin(), name.end(), ::isspace), name.end());
    if (name.empty()) continue;
    allow[name] = hash == std::string::npos ? "" : line.substr(hash + 1);
  }
  return allow;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool suites_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data") o.data = next();
    else if (a == "--suite") {
      if (!suites_given) o.suites.clear();
      suites_given = true;
      o.suites.push_back(next());
    } else if (a == "--filter") o.filters.push_back(next());
    else if (a == "--allow") o.allow_file = next();
    else if (a == "--verbose" || a == "-v") o.verbose = true;
    else {
      std::fprintf(stderr, "usage: %s --data DIR [--suite S]... [--filter SUBSTR]... [--allow FILE] [--verbose]\n", argv[0]);
      return 2;
    }
  }
  if (o.data.empty() || !fs::is_directory(o.data)) {
    std::fprintf(stderr, "conformance: data directory '%s' not found\n", o.data.c_str());
    return 2;
  }
  const auto allow = read_allow(o.allow_file);
  int unexpected = 0;
  std::map<std::string, std::pair<int, int>> per_op;  // op → (passed, failed), supported cases only
  std::vector<std::string> summary;
  int total_pass = 0, total_fail = 0, total_unsupported = 0, total_allowed = 0;
  for (const std::string& suite : o.suites) {
    const fs::path sdir = fs::path(o.data) / suite;
    if (!fs::is_directory(sdir)) continue;
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(sdir))
      if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    int pass = 0, fail = 0, unsupported = 0, allowed = 0;
    for (const fs::path& c : cases) {
      const std::string name = c.filename().string();
      if (!o.filters.empty() &&
          std::none_of(o.filters.begin(), o.filters.end(), [&](const std::string& f) { return name.find(f) != std::string::npos; }))
        continue;
      CaseResult r = run_isolated(c, o);
      const bool listed = allow.count(name) > 0;
      const char* tag = "PASS";
      if (r.outcome == Outcome::Unsupported) {
        ++unsupported;
        tag = "UNSUPPORTED";
      } else {
        for (const std::string& op : model_ops(c)) {
          auto& po = per_op[op];
          (r.outcome == Outcome::Pass ? po.first : po.second)++;
        }
        if (r.outcome == Outcome::Pass) {
          ++pass;
          if (listed) std::printf("NOTE %s/%s passes now: remove it from the allow-list\n", suite.c_str(), name.c_str());
        } else if (listed) {
          ++allowed;
          tag = "ALLOWED";
        } else {
          ++fail;
          ++unexpected;
          tag = "FAIL";
        }
      }
      if (o.verbose || (r.outcome == Outcome::Fail && !listed))
        std::printf("%-11s %s/%s%s%s\n", tag, suite.c_str(), name.c_str(), r.detail.empty() ? "" : ": ", r.detail.c_str());
    }
    summary.push_back(fmt::format("suite {:<18} {:4} passed, {:3} failed, {:3} allowed failures, {:4} unsupported",
                                  suite, pass, fail, allowed, unsupported));
    total_pass += pass;
    total_fail += fail;
    total_unsupported += unsupported;
    total_allowed += allowed;
  }
  std::printf("\nper op (cases whose ops are all supported): passed/total\n");
  for (auto& [op, pf] : per_op)
    std::printf("  %-28s %d/%d\n", op.c_str(), pf.first, pf.first + pf.second);
  std::printf("\n");
  for (auto& s : summary) std::printf("%s\n", s.c_str());
  const int supported = total_pass + total_fail + total_allowed;
  std::printf("pass rate over supported cases: %.1f%% (%d of %d); %d cases use ops outside the runtime\n",
              supported ? 100.0 * total_pass / supported : 0.0, total_pass, supported, total_unsupported);
  std::printf("conformance: %d passed, %d failed\n", total_pass, total_fail);
  return unexpected ? 1 : 0;
}

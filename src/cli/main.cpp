// sz0: the SentinelZer0 command line.
#include "cli/common.h"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"sz0: make ONNX models fast and small, and prove they still work"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sz0 0.1.0");
  int rc = sz0::cli::kOk;
  sz0::cli::add_info(app, rc);
  sz0::cli::add_check(app, rc);
  sz0::cli::add_run(app, rc);
  sz0::cli::add_bench(app, rc);
  sz0::cli::add_optimize(app, rc);
  sz0::cli::add_quantize(app, rc);
  sz0::cli::add_compare(app, rc);
  sz0::cli::add_prune(app, rc);
  sz0::cli::add_sparsity(app, rc);
  sz0::cli::add_pipeline(app, rc);
  sz0::cli::add_zoo(app, rc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return sz0::cli::kUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sz0: out of memory\n");
    return sz0::cli::kFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sz0: %s\n", e.what());
    return sz0::cli::kFailure;
  }
  return rc;
}

// deteval info: version and build features.
#include <tbb/info.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "deteval/version.hpp"

namespace deteval::cli {

void add_info_command(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("info", "Show the version and build features (CUDA, GPUs, threads)");
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([as_json] {
    const int threads = tbb::info::default_concurrency();
    if (*as_json) {
      nlohmann::json doc = {{"version", version()}, {"cuda_compiled", false}, {"gpus", nlohmann::json::array()},
                            {"threads", threads}};
      std::cout << doc.dump(1) << "\n";
    } else {
      std::cout << "deteval " << version() << "\n"
                << "CUDA: not compiled in\n"
                << "GPUs: none\n"
                << "threads: " << threads << "\n";
    }
  });
}

}  // namespace deteval::cli

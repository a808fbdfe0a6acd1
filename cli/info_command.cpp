// deteval info: version and build features.
#include <tbb/info.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "deteval/device.hpp"
#include "deteval/version.hpp"

namespace deteval::cli {

void add_info_command(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("info", "Show the version and build features (CUDA, GPUs, threads)");
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([as_json] {
    const int threads = tbb::info::default_concurrency();
    const DeviceReport r = device_report();
    if (*as_json) {
      nlohmann::json gpus = nlohmann::json::array();
      for (const GpuInfo& g : r.gpus)
        gpus.push_back({{"index", g.index},
                        {"name", g.name},
                        {"memory_bytes", g.memory_bytes},
                        {"compute_capability", std::to_string(g.cc_major) + "." + std::to_string(g.cc_minor)}});
      nlohmann::json doc = {{"version", version()}, {"cuda_compiled", r.cuda_compiled}, {"gpus", gpus},
                            {"threads", threads}};
      if (r.cuda_compiled) {
        doc["cuda_runtime"] = r.runtime_version;
        doc["cuda_driver"] = r.driver_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.driver_version);
      }
      std::cout << doc.dump(1) << "\n";
    } else {
      std::cout << "deteval " << version() << "\n";
      if (!r.cuda_compiled) {
        std::cout << "CUDA: not compiled in\n";
      } else {
        std::cout << "CUDA: runtime " << r.runtime_version << ", driver "
                  << (r.driver_version.empty() ? std::string("not installed") : r.driver_version) << "\n";
      }
      if (r.gpus.empty()) {
        std::cout << "GPUs: none" << (r.note.empty() ? "" : " (" + r.note + ")") << "\n";
      } else {
        std::cout << "GPUs:\n";
        for (const GpuInfo& g : r.gpus)
          std::cout << "  cuda:" << g.index << " " << g.name << ", " << g.memory_bytes / (1024 * 1024)
                    << " MiB, compute capability " << g.cc_major << "." << g.cc_minor << "\n";
      }
      std::cout << "threads: " << threads << "\n";
    }
  });
}

}  // namespace deteval::cli

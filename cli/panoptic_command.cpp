// deteval panoptic: COCO-panoptic JSON + PNG files, evaluated as panopticapi's pq_compute;
// prints its PQ/SQ/RQ/N table byte for byte, then a per-class table; optionally writes the
// JSON document and an HTML report.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/panoptic.hpp"

namespace deteval::cli {

namespace {

struct PanopticOptions {
  PanopticFiles files;
  std::string json_out, report;
  bool no_per_class = false;
};

void run_panoptic(const PanopticOptions& o) {
  const PanopticResult r = evaluate_panoptic_files(o.files);
  std::cout << panoptic_table(r);
  if (!o.no_per_class) std::cout << "\n" << panoptic_class_table(r);
  std::cout.flush();
  if (!o.json_out.empty()) write_file_atomic(o.json_out, panoptic_json(r));
  if (!o.report.empty()) {
    const PanopticFiles& f = o.files;
    write_file_atomic(o.report,
                      panoptic_report_html(r, {{"ground truth", f.gt_json},
                                               {"predictions", f.pred_json},
                                               {"images", std::to_string(r.num_images)},
                                               {"categories", std::to_string(r.categories.size())}}));
  }
}

}  // namespace

void add_panoptic_command(CLI::App& app) {
  auto o = std::make_shared<PanopticOptions>();
  CLI::App* cmd = app.add_subcommand("panoptic", "Panoptic quality (PQ/SQ/RQ) of COCO-panoptic PNG + JSON files "
                                                 "(panopticapi pq_compute-exact)");
  cmd->add_option("--gt-json", o->files.gt_json, "Ground truth: COCO-panoptic JSON")->required();
  cmd->add_option("--gt-folder", o->files.gt_folder, "Ground-truth PNGs (default: --gt-json without .json)");
  cmd->add_option("--pred-json", o->files.pred_json, "Predictions: COCO-panoptic JSON")->required();
  cmd->add_option("--pred-folder", o->files.pred_folder, "Prediction PNGs (default: --pred-json without .json)");
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--report", o->report, "Write a self-contained HTML report to this file");
  cmd->add_option("--threads", o->files.threads, "Worker threads (default: all cores; results do not depend on it)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--no-per-class", o->no_per_class, "Print only pq_compute's table");
  cmd->callback([o] { run_panoptic(*o); });
}

}  // namespace deteval::cli

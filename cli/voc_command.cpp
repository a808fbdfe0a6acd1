// deteval voc: read VOC annotations, an image set and devkit detection files, evaluate
// like the devkit's voc_eval.py, print a per-class table and both mAPs, optionally
// write the JSON document.
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/voc.hpp"

namespace deteval::cli {

namespace {

struct VocOptions {
  std::string annotations, image_set, dets, classes, json_out;
  double iou = 0.5;
  int threads = 0;
  bool quiet = false;
};

std::vector<std::string> parse_classes(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (item.empty()) throw UsageError("--classes: expected comma-separated class names, got '" + text + "'");
    out.push_back(item);
  }
  if (out.empty() || text.back() == ',')
    throw UsageError("--classes: expected comma-separated class names, got '" + text + "'");
  return out;
}

std::string fmt4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

void print_table(const VocResult& r, const VocDataset& ds) {
  int width = 5;
  for (const auto& c : ds.classes) width = std::max(width, static_cast<int>(std::min<std::size_t>(c.name.size(), 30)));
  std::printf("%-*s  %6s  %6s  %6s  %8s  %8s\n", width, "class", "npos", "TP", "FP", "AP(11pt)", "AP(area)");
  bool any_without_gt = false;
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    // Classes without ground truth have no meaningful AP and are left out of the means.
    const bool has_gt = c.npos > 0;
    any_without_gt |= !has_gt;
    std::printf("%-*.*s  %6zu  %6zu  %6zu  %8s  %8s%s\n", width, width, ds.classes[k].name.c_str(), c.npos, c.tp,
                c.fp, has_gt ? fmt4(c.ap_voc07).c_str() : "-", has_gt ? fmt4(c.ap_area).c_str() : "-",
                has_gt ? "" : "  (no ground truth)");
  }
  const auto map = [](double v) { return std::isnan(v) ? std::string("n/a") : fmt4(v); };
  std::printf("\nmAP over %zu classes with ground truth (IoU > %g):\n", r.num_map_classes, r.iou_threshold);
  std::printf("  mAP VOC2007 11-point: %s\n", map(r.map_voc07).c_str());
  std::printf("  mAP area (VOC2010+):  %s\n", map(r.map_area).c_str());
  if (any_without_gt) std::printf("Classes without ground truth are not in the means.\n");
}

void run_voc(const VocOptions& o) {
  if (!(o.iou >= 0 && o.iou <= 1)) throw UsageError("--iou: expected a number in [0, 1]");  // CLI::Range lets NaN by
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  VocPaths paths{o.annotations, o.image_set, o.dets, {}};
  if (!o.classes.empty()) paths.classes = parse_classes(o.classes);
  const VocInput in = load_voc(paths);
  if (!o.quiet)
    for (const auto& c : in.classes_without_file)
      std::cerr << "deteval: warning: " << voc_detection_path(o.dets, c) << ": no such file; class '" << c
                << "' is evaluated with no detections\n";
  if (in.dataset.classes.empty())
    std::cerr << "deteval: warning: no classes to evaluate (the annotations list no objects; use --classes)\n";

  EvalOptions eo;
  eo.threads = o.threads;
  const VocResult r = voc_evaluate(in.dataset, o.iou, eo);
  print_table(r, in.dataset);
  std::fflush(stdout);
  if (!o.json_out.empty()) write_file_atomic(o.json_out, voc_evaluation_json(r, in.dataset));
}

}  // namespace

void add_voc_command(CLI::App& app) {
  auto o = std::make_shared<VocOptions>();
  CLI::App* cmd = app.add_subcommand("voc", "Evaluate Pascal VOC detections (devkit voc_eval.py-exact)");
  cmd->add_option("--annotations", o->annotations, "Directory of VOC XML annotations, <image_id>.xml")->required();
  cmd->add_option("--image-set", o->image_set, "Image ids to evaluate, one per line (e.g. ImageSets/Main/test.txt)")
      ->required();
  cmd->add_option("--dets", o->dets,
                  "Detection files, one per class: a path with {class}, e.g. 'results/comp4_det_test_{class}.txt'")
      ->required();
  cmd->add_option("--classes", o->classes, "Classes to evaluate, comma-separated (default: those in the annotations)");
  cmd->add_option("--iou", o->iou, "IoU threshold; a match needs IoU strictly above it")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet,-q", o->quiet, "No warnings about missing detection files");
  cmd->callback([o] { run_voc(*o); });
}

}  // namespace deteval::cli

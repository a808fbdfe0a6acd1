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
#include "voc_output.hpp"
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

void run_voc(const VocOptions& o) {
  if (!(o.iou >= 0 && o.iou <= 1)) throw UsageError("--iou: expected a number in [0, 1]");  // CLI::Range lets NaN by
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  if (o.dets.empty()) throw UsageError("--dets: expected a path with {class}, got an empty value");
  VocPaths paths{o.annotations, o.image_set, o.dets, {}};
  if (!o.classes.empty()) paths.classes = parse_class_list(o.classes);
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
  std::vector<std::string> names;
  for (const auto& c : in.dataset.classes) names.push_back(c.name);
  print_voc_table(r, names);
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

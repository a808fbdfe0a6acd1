// deteval voc: read VOC annotations, an image set and devkit detection files, evaluate
// like the devkit's voc_eval.py, print a per-class table and both mAPs, optionally
// write the JSON document, the analyses (curves, operating point, confusion matrix,
// errors, bootstrap) and an HTML report.
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
#include "deteval/voc_analysis.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/voc.hpp"

namespace deteval::cli {

namespace {

struct VocOptions {
  std::string annotations, image_set, dets, classes, json_out;
  double iou = 0.5;
  int threads = 0;
  bool quiet = false;
  std::shared_ptr<VocAnalysisOptions> analysis = std::make_shared<VocAnalysisOptions>();
};

void run_voc(const VocOptions& o) {
  if (!(o.iou >= 0 && o.iou <= 1)) throw UsageError("--iou: expected a number in [0, 1]");  // CLI::Range lets NaN by
  check_voc_analysis_options(*o.analysis);
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
  VocOutputs out;
  out.title = "Pascal VOC evaluation";
  std::size_t objects = 0, detections = 0;
  for (const auto& c : in.dataset.classes) {
    out.names.push_back(c.name);
    objects += c.gt_image.size();
    detections += c.det_image.size();
  }
  out.facts = {{"annotations", o.annotations},
               {"image set", o.image_set},
               {"detection files", o.dets},
               {"images", std::to_string(in.dataset.num_images)},
               {"classes", std::to_string(in.dataset.classes.size())},
               {"objects", std::to_string(objects)},
               {"detection lines", std::to_string(detections)}};
  out.matching = "the VOC devkit's voc_eval.py, with the +1 pixel box IoU";
  out.result = &r;
  out.classes = voc_class_refs(in.dataset);
  out.image_ids = &in.images.ids;
  out.json_out = o.json_out;
  out.plain_json = [&] { return voc_evaluation_json(r, in.dataset); };
  out.analyze = [&](const AnalysisOptions& ao) { return voc_analyze(in.dataset, r, ao); };
  out.threads = o.threads;
  write_voc_outputs(out, *o.analysis);
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
  add_voc_analysis_options(cmd, o->analysis);
  cmd->callback([o] { run_voc(*o); });
}

}  // namespace deteval::cli

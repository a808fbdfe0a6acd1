// deteval dota: read DOTA label files and Task 1 result files, evaluate like the DOTA
// devkit's dota_evaluation_task1.py (the VOC rules with the exact quadrilateral IoU), print
// the per-class table and both mAPs, optionally write the JSON document, the analyses and
// an HTML report (as deteval voc).
#include <tbb/global_control.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/dota.hpp"
#include "deteval/formats/dota.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/voc_analysis.hpp"
#include "voc_output.hpp"

namespace deteval::cli {

namespace {

struct DotaOptions {
  std::string annotations, image_set, dets, classes, json_out;
  double iou = 0.5;
  int threads = 0;
  bool quiet = false;
  std::shared_ptr<VocAnalysisOptions> analysis = std::make_shared<VocAnalysisOptions>();
};

void run_dota(const DotaOptions& o) {
  if (!(o.iou >= 0 && o.iou <= 1)) throw UsageError("--iou: expected a number in [0, 1]");  // CLI::Range lets NaN by
  check_voc_analysis_options(*o.analysis);
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  DotaPaths paths{o.annotations, o.image_set, o.dets, {}};
  if (!o.classes.empty()) paths.classes = parse_class_list(o.classes);
  const DotaInput in = load_dota(paths);
  if (!o.quiet)
    for (const auto& c : in.classes_without_file)
      std::cerr << "deteval: warning: " << voc_detection_path(o.dets, c) << ": no such file; class '" << c
                << "' is evaluated with no detections\n";
  if (in.dataset.classes.empty())
    std::cerr << "deteval: warning: no classes to evaluate (the label files list no objects; use --classes)\n";

  EvalOptions eo;
  eo.threads = o.threads;
  const VocResult r = dota_evaluate(in.dataset, o.iou, eo);
  VocOutputs out;
  out.title = "DOTA Task 1 evaluation";
  std::size_t objects = 0, detections = 0;
  for (const auto& c : in.dataset.classes) {
    out.names.push_back(c.name);
    objects += c.gt_image.size();
    detections += c.det_image.size();
  }
  out.facts = {{"labels", o.annotations}};
  if (!o.image_set.empty()) out.facts.emplace_back("image set", o.image_set);
  out.facts.emplace_back("results", o.dets);
  out.facts.emplace_back("images", std::to_string(in.dataset.num_images));
  out.facts.emplace_back("classes", std::to_string(in.dataset.classes.size()));
  out.facts.emplace_back("objects", std::to_string(objects));
  out.facts.emplace_back("detection lines", std::to_string(detections));
  out.matching = "the DOTA devkit's dota_evaluation_task1.py (VOC's rules), with the exact polygon IoU";
  out.result = &r;
  out.classes = voc_class_refs(in.dataset);
  out.image_ids = &in.images.ids;
  out.json_out = o.json_out;
  out.plain_json = [&] { return dota_evaluation_json(r, in.dataset); };
  out.analyze = [&](const AnalysisOptions& ao) { return dota_analyze(in.dataset, r, ao); };
  out.threads = o.threads;
  write_voc_outputs(out, *o.analysis);
}

}  // namespace

void add_dota_command(CLI::App& app) {
  auto o = std::make_shared<DotaOptions>();
  CLI::App* cmd =
      app.add_subcommand("dota", "Evaluate DOTA Task 1 (oriented) detections (devkit dota_evaluation_task1.py rules)");
  cmd->add_option("--annotations", o->annotations, "Directory of DOTA label files, <image>.txt (e.g. val/labelTxt)")
      ->required();
  cmd->add_option("--dets", o->dets, "Result files, one per class: a path with {class}, e.g. 'results/Task1_{class}.txt'")
      ->required();
  cmd->add_option("--image-set", o->image_set, "Image ids to evaluate, one per line (default: every label file)");
  cmd->add_option("--classes", o->classes, "Classes to evaluate, comma-separated (default: those in the labels)");
  cmd->add_option("--iou", o->iou, "IoU threshold; a match needs IoU strictly above it")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--quiet,-q", o->quiet, "No warnings about missing result files");
  add_voc_analysis_options(cmd, o->analysis);
  cmd->callback([o] { run_dota(*o); });
}

}  // namespace deteval::cli

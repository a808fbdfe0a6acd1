// deteval semantic: semantic segmentation from label-map PNGs. `--format cityscapes`
// (default) scores like cityscapesScripts' evalPixelLevelSemanticLabeling.py and prints its
// class and category tables; `--format labels` scores any dataset's label maps matched by
// file stem (per-class IoU and accuracy, mIoU, mAcc, aAcc, fwIoU). Optionally writes the
// JSON document and an HTML report (docs/semantic.md).
#include <cmath>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/cityscapes.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/formats/semantic.hpp"
#include "deteval/semantic.hpp"

namespace deteval::cli {

namespace {

struct SemanticOptions {
  std::string gt, pred, format = "cityscapes", split = "val", json_out, report, class_names;
  std::size_t num_classes = 0;
  std::uint32_t ignore_index = 255;
  int threads = 0;
};

const char* kIouDefinition =
    "<dt>IoU</dt><dd>TP / (TP + FP + FN), in pixels summed over all images (not averaged per image).</dd>";

void run_cityscapes(const SemanticOptions& o) {
  if (o.num_classes || !o.class_names.empty())
    throw UsageError("--num-classes and --class-names are for --format labels (Cityscapes has its own label table)");
  const CityscapesFiles files = find_cityscapes_files(o.gt, o.pred, o.split);
  const cityscapes::Result r = evaluate_cityscapes_files(files, o.threads);
  std::cout << cityscapes_tables_text(r) << std::flush;
  if (!o.json_out.empty()) write_file_atomic(o.json_out, cityscapes_json(r, files));
  if (o.report.empty()) return;

  SemanticReportInput in;
  in.title = "Cityscapes semantic segmentation";
  in.facts = {{"ground truth", o.gt}, {"predictions", o.pred}, {"images", std::to_string(r.images)}};
  in.summary = {{"IoU class", r.mean_class_iou, "mean IoU over the 19 evaluated classes (Cityscapes' headline)"},
                {"iIoU class", r.mean_class_iiou, "mean instance-weighted IoU over the 8 classes with instances"},
                {"IoU category", r.mean_category_iou, "mean IoU over the 7 categories"},
                {"iIoU category", r.mean_category_iiou, "mean instance-weighted IoU of human and vehicle"}};
  std::vector<double> iou, iiou;
  for (std::size_t l = 0; l < cityscapes::kLabels; ++l) {
    const auto& label = cityscapes::labels()[l];
    in.matrix_names.emplace_back(label.name);
    if (label.ignore_in_eval) continue;
    in.classes.emplace_back(label.name);
    iou.push_back(r.class_iou[l]);
    iiou.push_back(r.class_iiou[l]);
  }
  in.scores = {{"IoU", iou}, {"iIoU", iiou}};
  in.confusion = r.confusion;
  in.definitions = std::string(kIouDefinition) +
                   "<dt>Ignored classes</dt><dd>Pixels whose ground truth is an ignoreInEval class (e.g. unlabeled, "
                   "parking, caravan) count nowhere; predicting such a class on an evaluated pixel is a false "
                   "negative for its true class.</dd><dt>iIoU</dt><dd>As IoU, with each ground-truth instance's TP "
                   "and FN pixels weighted by the class's average instance size / the instance's size, so that "
                   "small objects weigh as much as large ones; FP pixels are not weighted.</dd>"
                   "<dt>Category</dt><dd>Classes of one category count as one: confusions inside it are TP.</dd>";
  write_file_atomic(o.report, semantic_report_html(in));
}

void run_labels(const SemanticOptions& o) {
  std::vector<std::string> names;
  if (!o.class_names.empty()) names = read_class_names(o.class_names);
  std::size_t K = o.num_classes;
  if (K == 0) K = names.size();
  if (K == 0) throw UsageError("--format labels needs --num-classes N or --class-names FILE");
  if (!names.empty() && names.size() != K)
    throw InputError::whole(o.class_names, "expected " + std::to_string(K) + " class names (--num-classes), got " +
                                               std::to_string(names.size()));
  for (std::size_t k = names.size(); k < K; ++k) names.push_back(std::to_string(k));
  const LabelFiles files = find_label_files(o.gt, o.pred);
  if (files.unmatched_predictions)
    std::cerr << "deteval: warning: " << files.unmatched_predictions
              << " prediction(s) under " << o.pred << " have no ground truth and are not evaluated\n";
  const SemanticConfusion c = evaluate_label_files(files, K, o.ignore_index, o.threads);
  const SemanticScores s = semantic_scores(c);
  std::cout << labels_table_text(s, names) << std::flush;
  if (!o.json_out.empty()) write_file_atomic(o.json_out, labels_json(c, s, names, o.ignore_index, files.gt.size()));
  if (o.report.empty()) return;

  SemanticReportInput in;
  in.title = "Semantic segmentation";
  in.facts = {{"ground truth", o.gt},
              {"predictions", o.pred},
              {"images", std::to_string(files.gt.size())},
              {"classes", std::to_string(K)},
              {"ignore index", std::to_string(o.ignore_index)}};
  in.summary = {{"mIoU", s.mean_iou, "mean IoU over the classes with ground truth or predictions"},
                {"mAcc", s.mean_accuracy, "mean per-class accuracy (recall) over the classes with ground truth"},
                {"aAcc", s.pixel_accuracy, "share of all evaluated pixels predicted correctly"},
                {"fwIoU", s.fw_iou, "IoU averaged with weights = each class's share of the ground-truth pixels"}};
  in.classes = names;
  in.scores = {{"IoU", s.iou}, {"Acc", s.accuracy}};
  in.matrix_names = names;
  in.confusion = c.counts;
  in.definitions = std::string(kIouDefinition) +
                   "<dt>Acc</dt><dd>TP / (TP + FN): the share of the class's pixels predicted as it.</dd>"
                   "<dt>Ignored pixels</dt><dd>Pixels whose ground truth is the ignore index count nowhere.</dd>";
  write_file_atomic(o.report, semantic_report_html(in));
}

}  // namespace

void add_semantic_command(CLI::App& app) {
  auto o = std::make_shared<SemanticOptions>();
  CLI::App* cmd = app.add_subcommand(
      "semantic", "Evaluate semantic segmentation label maps (Cityscapes IoU/iIoU, or mIoU/mAcc/aAcc/fwIoU)");
  cmd->add_option("--gt", o->gt,
                  "Ground truth: cityscapes: the gtFine folder (or the dataset root) with <split>/<city>/"
                  "*_gtFine_labelIds.png and *_instanceIds.png; labels: a folder of label-map PNGs")
      ->required();
  cmd->add_option("--pred", o->pred, "Folder of predicted label-map PNGs (searched recursively)")->required();
  cmd->add_option("--format", o->format, "cityscapes or labels")
      ->capture_default_str()
      ->check(CLI::IsMember({"cityscapes", "labels"}));
  cmd->add_option("--split", o->split, "cityscapes: the split folder under --gt")->capture_default_str();
  cmd->add_option("--num-classes", o->num_classes, "labels: number of classes (ids 0..N-1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  cmd->add_option("--ignore-index", o->ignore_index, "labels: ground-truth value that is not evaluated")
      ->capture_default_str();
  cmd->add_option("--class-names", o->class_names, "labels: class names, one per line");
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--report", o->report, "Write a self-contained HTML report (per-class IoU, confusion heat map)");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->callback([o] {
    if (o->format == "labels") run_labels(*o);
    else run_cityscapes(*o);
  });
}

}  // namespace deteval::cli

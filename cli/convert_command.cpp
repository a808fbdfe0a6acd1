// deteval convert: ground truth and detections between VOC, COCO and YOLO files. Reading,
// checking and the in-memory output are formats/ (convert.hpp, yolo.hpp); this file only
// checks which options go together, and writes (every file atomically, a directory output
// as a whole).
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "deteval/formats/convert.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/yolo.hpp"
#include "voc_output.hpp"

namespace deteval::cli {

namespace {

struct ConvertOptions {
  std::string from, to;
  // VOC input
  std::string annotations, image_set, dets, classes;
  // COCO input
  std::string gt, dt;
  // YOLO input
  std::string labels, predictions, names, sizes;
  // output
  std::string out_gt, out_dt, out_dir, set_name = "test";
  bool quiet = false;
};

/// Options that belong to other formats are refused: they would be silently ignored.
void only_with(const std::string& value, const char* option, bool allowed, const std::string& context) {
  if (!value.empty() && !allowed) throw UsageError(std::string(option) + " does not apply to " + context);
}

void require(const std::string& value, const char* option, const std::string& context) {
  if (value.empty()) throw UsageError(context + " needs " + option);
}

void check_options(const ConvertOptions& o) {
  if (o.from == o.to) throw UsageError("--from and --to are both " + o.from + ": nothing to convert");
  const bool voc = o.from == "voc", coco = o.from == "coco", yolo = o.from == "yolo";
  const std::string in = "--from " + o.from, out = "--to " + o.to;
  only_with(o.annotations, "--annotations", voc, in);
  only_with(o.dets, "--dets", voc, in);
  only_with(o.classes, "--classes", voc, in);
  only_with(o.image_set, "--image-set", voc || yolo, in);
  only_with(o.gt, "--gt", coco, in);
  only_with(o.dt, "--dt", coco, in);
  only_with(o.labels, "--labels", yolo, in);
  only_with(o.predictions, "--predictions", yolo, in);
  only_with(o.names, "--names", yolo, in);
  only_with(o.out_gt, "--out-gt", o.to == "coco", out);
  only_with(o.out_dt, "--out-dt", o.to == "coco", out);
  only_with(o.out_dir, "--out-dir", o.to != "coco", out);
  if (o.set_name != "test" && o.to != "voc") throw UsageError("--set-name does not apply to " + out);
  if (voc) {
    require(o.annotations, "--annotations DIR", in);
    require(o.image_set, "--image-set FILE", in);
  } else if (coco) {
    require(o.gt, "--gt FILE", in);
  } else {
    require(o.names, "--names FILE (the class names, one per line)", in);
    require(o.sizes, "--sizes COCO.json (YOLO labels carry no image size; a COCO file's images give them)", in);
    if (o.labels.empty() && o.predictions.empty()) throw UsageError(in + " needs --labels DIR and/or --predictions DIR");
  }
  const bool has_gt = !yolo || !o.labels.empty();
  const bool has_dt = (voc && !o.dets.empty()) || (coco && !o.dt.empty()) || (yolo && !o.predictions.empty());
  if (o.to == "coco") {
    if (o.out_gt.empty() && o.out_dt.empty()) throw UsageError(out + " needs --out-gt FILE and/or --out-dt FILE");
    if (!o.out_gt.empty() && !has_gt) throw UsageError("--out-gt needs ground truth (--labels DIR)");
    if (!o.out_dt.empty() && !has_dt)
      throw UsageError(std::string("--out-dt needs detections (") +
                       (voc ? "--dets PATTERN" : coco ? "--dt FILE" : "--predictions DIR") + ")");
  } else {
    require(o.out_dir, "--out-dir DIR", out);
  }
}

void run_convert(const ConvertOptions& o) {
  check_options(o);
  // A directory output must be new; say so before reading anything.
  if (!o.out_dir.empty()) check_new_directory(o.out_dir);

  LabelSet set;
  if (o.from == "voc") {
    VocPaths p{o.annotations, o.image_set, o.dets, {}};
    if (!o.classes.empty()) p.classes = parse_class_list(o.classes);
    set = read_voc_labels(p);
  } else if (o.from == "coco") {
    set = read_coco_labels(o.gt, o.dt);
  } else {
    set = read_yolo_labels({o.labels, o.predictions, o.names, o.sizes, o.image_set});
  }
  if (!o.sizes.empty() && o.from != "yolo") apply_image_sizes(set, o.sizes);

  // Every output is built in memory before anything is written: bad input writes nothing.
  std::vector<std::string> warnings = set.warnings;
  std::vector<OutputFile> files;
  std::string gt_json, dt_json;
  if (o.to == "coco") {
    if (!o.out_gt.empty()) gt_json = coco_gt_json(set);
    if (!o.out_dt.empty()) dt_json = coco_results_json(set);
  } else if (o.to == "voc") {
    files = voc_output_files(set, o.set_name);
  } else {
    files = yolo_output_files(set, &warnings);
  }
  if (!o.quiet)
    for (const auto& w : warnings) std::cerr << "deteval: warning: " << w << "\n";

  if (o.to == "coco") {
    if (!o.out_gt.empty()) write_file_atomic(o.out_gt, gt_json);
    if (!o.out_dt.empty()) write_file_atomic(o.out_dt, dt_json);
  } else {
    write_directory_atomic(o.out_dir, files);
  }
  std::cout << o.from << " -> " << o.to << ": " << set.images.size() << " images, " << set.classes.size()
            << " classes";
  if (set.has_gt) std::cout << ", " << set.objects.size() << " objects";
  if (set.has_dt) std::cout << ", " << set.detections.size() << " detections";
  std::cout << "\n";
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto o = std::make_shared<ConvertOptions>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert ground truth and detections between VOC, COCO and YOLO");
  cmd->footer("See docs/convert.md for the box, id and name conventions.");
  cmd->add_option("--from", o->from, "Input format")->required()->check(CLI::IsMember({"voc", "coco", "yolo"}));
  cmd->add_option("--to", o->to, "Output format")->required()->check(CLI::IsMember({"voc", "coco", "yolo"}));
  auto in_voc = "VOC input";
  cmd->add_option("--annotations", o->annotations, "Directory of <image_id>.xml")->group(in_voc);
  cmd->add_option("--image-set", o->image_set, "Image ids, one per line (VOC; YOLO: which images of --sizes to read)")
      ->group(in_voc);
  cmd->add_option("--dets", o->dets, "Devkit detection files, a path with {class}")->group(in_voc);
  cmd->add_option("--classes", o->classes, "Class order, comma-separated (default: the object names, sorted)")
      ->group(in_voc);
  auto in_coco = "COCO input";
  cmd->add_option("--gt", o->gt, "COCO ground truth JSON")->group(in_coco);
  cmd->add_option("--dt", o->dt, "COCO results JSON")->group(in_coco);
  auto in_yolo = "YOLO input";
  cmd->add_option("--labels", o->labels, "Directory of <image>.txt ground truth: class cx cy w h")->group(in_yolo);
  cmd->add_option("--predictions", o->predictions, "Directory of <image>.txt detections: class cx cy w h score")
      ->group(in_yolo);
  cmd->add_option("--names", o->names, "Class names, one per line (classes.txt)")->group(in_yolo);
  cmd->add_option("--sizes", o->sizes,
                  "COCO JSON whose images give sizes (and, for YOLO input, the image list and ids) by file name")
      ->group(in_yolo);
  auto out = "Output";
  cmd->add_option("--out-gt", o->out_gt, "COCO ground truth JSON to write")->group(out);
  cmd->add_option("--out-dt", o->out_dt, "COCO results JSON to write")->group(out);
  cmd->add_option("--out-dir", o->out_dir, "New directory for VOC or YOLO output")->group(out);
  cmd->add_option("--set-name", o->set_name, "VOC image set name: ImageSets/Main/<name>.txt")
      ->capture_default_str()
      ->group(out);
  cmd->add_flag("--quiet,-q", o->quiet, "No warnings");
  cmd->callback([o] { run_convert(*o); });
}

}  // namespace deteval::cli

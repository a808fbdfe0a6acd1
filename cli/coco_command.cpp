// deteval coco: read GT and results, evaluate, print pycocotools' summary and a
// per-category table, optionally write the JSON document, analyses (curves,
// operating point, confusion matrix, errors, bootstrap) and an HTML report.
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/analysis.hpp"
#include "deteval/device.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/coco_checks.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/subset.hpp"
#include "deteval/summary.hpp"
#include "analysis_output.hpp"
#include "deteval/runtime/memory.hpp"
#include "input_warnings.hpp"
#include "interrupt.hpp"
#include "options.hpp"
#include "progress.hpp"

namespace deteval::cli {

namespace {

struct CocoOptions {
  std::string gt, dt, iou_type = "bbox", device = "auto", params_file, max_dets, iou_thrs, area_ranges, json_out;
  std::string img_ids, cat_ids, area_from;
  bool no_cats = false, degrees = false, quiet = false, timings = false, no_per_class = false, strict = false;
  int threads = 0;
  // Analyses
  std::string report, curves;
  bool analyze = false, analysis_requested = false;
  double score_thr = 0.5, analysis_iou = 0.5;
  int bootstrap = 0;
  std::uint64_t seed = 0;
};

void print_analysis(const Analysis& a, const Evaluation& e) {
  std::printf("\nAnalysis (%s=%.2f, area=%s, maxDets=%d):\n", e.params.iou_type == IouType::keypoints ? "OKS" : "IoU",
              e.params.iou_thrs[a.iou_index],
              e.params.area_ranges[a.area].label.c_str(), a.max_dets);
  char metric[32], value[64];
  std::snprintf(metric, sizeof metric, "AP%.0f", 100 * e.params.iou_thrs[a.iou_index]);
  std::snprintf(value, sizeof value, "%s = %s", metric, value3(a.errors.ap).c_str());
  print_operating_point_and_errors(a, metric, value);
  if (a.has_bootstrap) {
    const Bootstrap& b = a.bootstrap;
    std::printf(" Bootstrap 95%% intervals (%d image resamples, seed %llu): AP %s [%s, %s]", b.replicates,
                static_cast<unsigned long long>(b.seed), value3(b.ap.value).c_str(), value3(b.ap.lo).c_str(),
                value3(b.ap.hi).c_str());
    if (b.has_ap50)
      std::printf("  AP50 %s [%s, %s]", value3(b.ap50.value).c_str(), value3(b.ap50.lo).c_str(),
                  value3(b.ap50.hi).c_str());
    std::printf("\n");
  }
}

std::string fmt3(double v) {
  if (v <= -1 || std::isnan(v)) return "    -";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.3f", v);
  return buf;
}

void print_per_category(const std::vector<CategoryMetrics>& cats, const GroundTruth& gt, const Params& p) {
  std::size_t width = 4;
  for (const auto& c : cats) width = std::max(width, gt.categories[c.category].name.size());
  width = std::min<std::size_t>(width, 30);
  std::printf("\nPer category (area=all, maxDets=%d):\n", p.max_dets.back());
  std::printf("%12s  %-*s  %5s  %5s  %5s  %5s\n", "id", static_cast<int>(width), "name", "AP", "AP50", "AP75", "AR");
  for (const auto& c : cats)
    std::printf("%12lld  %-*.*s  %s  %s  %s  %s\n", static_cast<long long>(c.id), static_cast<int>(width),
                static_cast<int>(width), gt.categories[c.category].name.c_str(), fmt3(c.ap).c_str(),
                c.has_ap50 ? fmt3(c.ap50).c_str() : "  n/a", c.has_ap75 ? fmt3(c.ap75).c_str() : "  n/a",
                fmt3(c.ar).c_str());
  bool undefined = false, not_evaluated = false;
  for (const auto& c : cats) {
    undefined |= c.ap <= -1 || c.ar <= -1 || (c.has_ap50 && c.ap50 <= -1) || (c.has_ap75 && c.ap75 <= -1);
    not_evaluated |= !c.has_ap50 || !c.has_ap75;
  }
  if (undefined) std::printf("  -: undefined (no ground truth of the category in that selection)\n");
  if (not_evaluated) std::printf("  n/a: that IoU threshold is not among --iou-thrs\n");
}

// The --json document with the subset's ids in `params` (pycocotools' imgIds / catIds after
// evaluate(): sorted, without repeats; the images and categories evaluated).
std::string with_subset(const std::string& doc, const GroundTruth& gt, const Subset& subset) {
  if (subset.empty()) return doc;
  auto j = nlohmann::ordered_json::parse(doc);
  if (subset.img_ids) {
    std::vector<std::int64_t> ids = *subset.img_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    j["params"]["imgIds"] = ids;
  }
  if (subset.cat_ids) {
    std::vector<std::int64_t> ids;
    for (const auto& c : gt.categories) ids.push_back(c.id);
    j["params"]["catIds"] = ids;
  }
  return j.dump(1) + "\n";
}

// --params: a file, or the JSON object itself when the value starts with '{'.
void apply_params(const std::string& value, Params& params, Subset& subset) {
  const std::size_t first = value.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && value[first] == '{')
    parse_coco_params(value, "--params", params, &subset);
  else
    read_coco_params(value, params, &subset);
}

// One OKS sigma per keypoint: a wrong count is an input error, located in the params file
// that gave the sigmas or, with pycocotools' 17 default sigmas, in the data.
void check_sigmas(const Params& params, const GroundTruth& gt, const Detections& dt, const CocoOptions& o) {
  const std::size_t n = params.kpt_oks_sigmas.size();
  const bool from_gt = gt.keypoints.per_object() > 0;
  const std::size_t have = from_gt ? gt.keypoints.per_object() : dt.keypoints.per_object();
  if (have == 0 || have == n) return;
  const std::string what = std::to_string(have) + " keypoints per object";
  if (params.kpt_oks_sigmas != coco_keypoint_sigmas())  // from --params
    throw InputError::expected(o.params_file, "kpt_oks_sigmas",
                               "one sigma per keypoint (" + what + " in " + (from_gt ? o.gt : o.dt) + ")",
                               std::to_string(n) + " sigmas");
  throw InputError::at(from_gt ? o.gt : o.dt, from_gt ? "annotations[0].keypoints" : "[0].keypoints",
                       what + ", but the default OKS sigmas are COCO's " + std::to_string(n) +
                           "; give one sigma per keypoint as kpt_oks_sigmas in --params");
}

// The option of `deteval coco` that sets a parameter a warning suggests changing.
std::string flag_of(const std::string& parameter) {
  if (parameter == "imgIds") return "--img-ids";
  if (parameter == "maxDets") return "--max-dets";
  return parameter;
}

void run_coco(const CocoOptions& o) {
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  Params params(parse_iou_type(o.iou_type));  // pycocotools' defaults for the type (keypoints: maxDets 20, no small range)
  const Device device = parse_device(o.device);
  // Fail before reading (possibly large) files when the GPU asked for is missing.
  if (params.iou_type == IouType::segm && device == Device::cuda && gpu_device_name().empty())
    throw Error(ErrorKind::device,
                "--device cuda: no usable CUDA device (" + gpu_unusable_reason() + "); use --device cpu or auto");
  Subset subset;
  if (!o.params_file.empty()) apply_params(o.params_file, params, subset);
  if (!o.img_ids.empty()) subset.img_ids = parse_id_list(o.img_ids, "--img-ids");
  if (!o.cat_ids.empty()) subset.cat_ids = parse_id_list(o.cat_ids, "--cat-ids");
  CocoReadOptions ro;
  ro.degrees = o.degrees;
  ro.cancel = stop_flag();
  if (!o.area_from.empty()) {
    if (o.area_from == "bbox") ro.area_from = AreaFrom::bbox;
    else if (o.area_from == "mask") ro.area_from = AreaFrom::mask;
    else throw UsageError("--area-from: expected bbox or mask, got '" + o.area_from + "'");
  }
  if (!o.max_dets.empty()) params.max_dets = parse_int_list(o.max_dets, "--max-dets");
  if (!o.iou_thrs.empty()) params.iou_thrs = parse_number_list(o.iou_thrs, "--iou-thrs");
  if (!o.area_ranges.empty()) params.area_ranges = parse_area_ranges(o.area_ranges, "--area-ranges");
  if (o.no_cats) params.use_cats = false;
  check_params(params);
  if (!o.area_from.empty() && params.iou_type != IouType::segm)
    throw UsageError("--area-from: only for segm results (box results take their area from the box)");
  if (params.max_dets.size() < 3 && params.iou_type != IouType::keypoints)
    throw UsageError("--max-dets: the summary needs at least 3 values (pycocotools reads maxDets[0..2])");
  const bool analyses = o.analysis_requested || o.analyze || o.bootstrap > 0 || !o.report.empty() || !o.curves.empty();
  if (!o.curves.empty() && !o.curves.ends_with(".csv") && !o.curves.ends_with(".json"))
    throw UsageError("--curves: expected a file name ending in .csv or .json, got '" + o.curves + "'");
  if (analyses) {
    bool found = false;
    for (double t : params.iou_thrs) found |= std::abs(t - o.analysis_iou) <= 1e-9;
    if (!found) throw UsageError("--analysis-iou: " + std::to_string(o.analysis_iou) + " is not one of the IoU thresholds");
  }

  // Without the analyses, only the evaluation reads the masks: those it never reads (no
  // ground truth in the detection's cell) need not be kept.
  if (!analyses) ro.masks_kept = params.use_cats ? MasksKept::by_category : MasksKept::by_image;
  Progress progress({"reading ground truth", "reading results", "cells", "iou", "matching", "accumulation",
                     "summary"},
                    o.quiet);
  auto t0 = Clock::now();
  GroundTruth gt = read_coco_gt(o.gt, params.iou_type, ro);
  const double t_gt = secs(t0);
  t0 = Clock::now();
  progress.stage("reading results");
  ResultsReport report;
  Detections dt = read_coco_results(o.dt, gt, params.iou_type, &report, ro);
  const double t_dt = secs(t0);
  if (params.iou_type == IouType::keypoints) check_sigmas(params, gt, dt, o);
  // Sanity checks on the whole file, before any subset: a mistake in the file is one
  // whatever part of it is evaluated.
  // Whether images lack detections is a question about the images evaluated: with a
  // subset, it is asked of the subset.
  const char* kImages = "images-without-detections";
  t0 = Clock::now();
  std::vector<std::string> warnings;
  for (auto& w : coco_results_warnings(gt, dt, params, report, o.dt, flag_of))
    if (subset.empty() || w.kind != kImages) warnings.push_back(std::move(w.message));
  if (!subset.empty()) {
    SubsetData sub = [&] {
      try {
        return select_subset(gt, dt, subset, params.use_cats);
      } catch (const UsageError& e) {
        throw UsageError(std::string("--img-ids/--cat-ids/--params: ") + e.what());
      }
    }();
    if (!sub.unknown_img_ids.empty())
      warnings.push_back("imgIds: " + std::to_string(sub.unknown_img_ids.size()) +
                         " image ids are not in the ground truth (e.g. " + std::to_string(sub.unknown_img_ids[0]) +
                         "); pycocotools evaluates nothing for them");
    for (auto& w : coco_results_warnings(sub.gt, sub.dt, params, ResultsReport{}, o.dt, flag_of))
      if (w.kind == kImages) warnings.push_back(std::move(w.message));
    gt = std::move(sub.gt);
    dt = std::move(sub.dt);
  }
  report_warnings(warnings, o.strict);
  const double t_checks = secs(t0);

  EvalOptions eo;
  eo.threads = o.threads;
  eo.on_stage = [&progress](const char* stage) { progress.stage(stage); };
  eo.device = device;
  eo.keep_matches = analyses;  // only the analyses read the per-detection matches
  eo.cancel = stop_flag();
  const Evaluation ev = evaluate(gt, dt, params, eo);
  t0 = Clock::now();
  progress.stage("summary");
  const Summary summary = summarize(ev);
  const auto cats = per_category(ev);
  const double t_sum = secs(t0);

  double t_an = 0;
  Analysis an;
  if (analyses) {
    t0 = Clock::now();
    AnalysisOptions ao;
    ao.iou = o.analysis_iou;
    ao.score_threshold = o.score_thr;
    ao.bootstrap = o.bootstrap;
    ao.seed = o.seed;
    ao.threads = o.threads;
    ao.cancel = stop_flag();
    an = analyze(gt, dt, ev, ao);
    t_an = secs(t0);
  }

  check_cancel(stop_flag());  // asked to stop: print and write nothing
  progress.finish();
  std::fputs(summary.text.c_str(), stdout);
  if (!o.no_per_class && !cats.empty()) print_per_category(cats, gt, params);
  if (o.analyze || o.bootstrap > 0) print_analysis(an, ev);
  std::fflush(stdout);
  if (!o.json_out.empty())
    write_file_atomic(o.json_out, with_subset(analyses ? coco_evaluation_json(ev, summary, cats, gt, an)
                                                       : coco_evaluation_json(ev, summary, cats, gt),
                                              gt, subset));
  const auto names = category_names(ev, gt);
  if (!o.curves.empty())
    write_file_atomic(o.curves, o.curves.ends_with(".csv") ? curves_csv(ev, an.curves, names)
                                                            : curves_json(ev, an.curves, names));
  if (!o.report.empty()) {
    ReportInput in;
    in.title = std::string("COCO ") + to_string(params.iou_type) + " evaluation";
    in.facts = {{"ground truth", o.gt},
                {"results", o.dt},
                {"images", std::to_string(gt.images.size())},
                {"categories", std::to_string(gt.categories.size())},
                {"annotations", std::to_string(gt.size())},
                {"detections", std::to_string(dt.size())}};
    if (!params.use_cats) in.facts.emplace_back("useCats", "0");
    if (subset.img_ids) in.facts.emplace_back("imgIds", std::to_string(subset.img_ids->size()) + " ids");
    if (subset.cat_ids) in.facts.emplace_back("catIds", std::to_string(subset.cat_ids->size()) + " ids");
    for (std::size_t i = 0; i < summary.stats.size(); ++i) in.summary.emplace_back(summary.names[i], summary.stats[i]);
    in.eval = &ev;
    in.categories = &cats;
    in.names = names;
    in.analysis = &an;
    write_file_atomic(o.report, report_html(in));
  }
  if (o.timings)
    std::fprintf(stderr,
                 "timings (s): read gt %.3f | read results %.3f | checks %.3f | cells %.3f | iou %.3f (%s) | matching %.3f | "
                 "accumulation %.3f | summary %.3f | analyses %.3f\n",
                 t_gt, t_dt, t_checks, ev.timings.cells, ev.timings.iou, ev.device.c_str(), ev.timings.matching,
                 ev.timings.accumulation, t_sum, t_an);
  // Peak RSS, faults and system time show when the machine (paging), not the work, is the limit.
  if (o.timings) std::fprintf(stderr, "%s\n", runtime::format_resource_use(runtime::resource_use()).c_str());
}

}  // namespace

void add_coco_command(CLI::App& app) {
  auto o = std::make_shared<CocoOptions>();
  CLI::App* cmd = app.add_subcommand("coco", "Evaluate COCO results against COCO ground truth (pycocotools-exact)");
  cmd->add_option("--gt", o->gt, "Ground truth: COCO instances JSON")->required();
  cmd->add_option("--dt", o->dt, "Detection results: COCO results JSON (a list)")->required();
  cmd->add_option("--iou-type", o->iou_type, "bbox | segm | rotated | polygon | keypoints")->capture_default_str();
  cmd->add_option("--device", o->device,
                  "Where segm IoUs are counted: auto (the GPU for large batches, when one is usable) | cpu | cuda. "
                  "Other IoU types always run on the CPU")
      ->capture_default_str();
  cmd->add_option("--params", o->params_file,
                  "COCOeval parameters as a JSON file or an inline JSON object (useCats, maxDets, iouThrs, areaRng, "
                  "imgIds, catIds, kpt_oks_sigmas, ...)");
  cmd->add_option("--max-dets", o->max_dets, "Detections per image, e.g. 1,10,100");
  cmd->add_option("--iou-thrs", o->iou_thrs, "IoU thresholds, e.g. 0.5,0.75 (default: linspace(.5, .95, 10))");
  cmd->add_option("--area-ranges", o->area_ranges,
                  "label:lo:hi,... (default all:0:1e10,small:0:1024,medium:1024:9216,large:9216:1e10)");
  cmd->add_flag("--degrees", o->degrees, "rbox angles are in degrees (default: radians)");
  cmd->add_flag("--no-cats", o->no_cats, "Ignore categories when matching (useCats=0)");
  cmd->add_option("--img-ids", o->img_ids,
                  "Evaluate only these images (pycocotools' imgIds): 1,2,3 or @FILE with one id per line");
  cmd->add_option("--cat-ids", o->cat_ids, "Evaluate only these categories (pycocotools' catIds): 1,2,3 or @FILE");
  cmd->add_option("--area-from", o->area_from,
                  "segm results with both bbox and segmentation: take the area (for the area ranges) from the bbox "
                  "or the mask (default: pycocotools' rule, the bbox when the first result has one; detectron2 "
                  "uses the mask)");
  cmd->add_flag("--strict", o->strict, "Treat every warning about the inputs as an error (exit 3, nothing written)");
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--no-per-class", o->no_per_class, "Print only the 12-line summary");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress output");
  cmd->add_flag("--timings", o->timings, "Print the time of each phase on stderr");
  cmd->add_option("--report", o->report, "Write a self-contained HTML report (curves, errors, confusion matrix)");
  cmd->add_option("--curves", o->curves, "Write PR curves per class and overall to FILE.csv or FILE.json");
  cmd->add_flag("--analyze", o->analyze,
                "Print the operating point and error breakdown, and add them to --json");
  auto* thr = cmd->add_option("--score-thr", o->score_thr, "Score threshold of the operating point and confusion matrix")
                  ->capture_default_str();
  auto* aiou = cmd->add_option("--analysis-iou", o->analysis_iou,
                               "IoU threshold of the operating point, confusion matrix and errors (one of --iou-thrs)")
                   ->capture_default_str();
  cmd->add_option("--bootstrap", o->bootstrap, "95% intervals of AP and AP50 from N image resamples")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--seed", o->seed, "Bootstrap seed")->capture_default_str();
  cmd->callback([o, thr, aiou] {
    o->analysis_requested = thr->count() > 0 || aiou->count() > 0;
    const StopOnSignal stop;  // Ctrl-C stops reading, evaluating and analysing cleanly (exit 130)
    run_coco(*o);
  });
}

}  // namespace deteval::cli

// deteval coco: read GT and results, evaluate, print pycocotools' summary and a
// per-category table, optionally write the JSON document.
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/summary.hpp"
#include "options.hpp"

namespace deteval::cli {

namespace {

struct CocoOptions {
  std::string gt, dt, iou_type = "bbox", params_file, max_dets, iou_thrs, area_ranges, json_out;
  bool no_cats = false, degrees = false, quiet = false, timings = false, no_per_class = false;
  int threads = 0;
};

std::string fmt3(double v) {
  if (v <= -1) return "    -";
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
}

void run_coco(const CocoOptions& o) {
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  Params params;
  if (!parse_iou_type(o.iou_type, params.iou_type))
    throw UsageError("--iou-type: expected bbox, segm, rotated or polygon, got '" + o.iou_type + "'");
  if (!o.params_file.empty()) read_coco_params(o.params_file, params);
  if (!o.max_dets.empty()) params.max_dets = parse_int_list(o.max_dets, "--max-dets");
  if (!o.iou_thrs.empty()) params.iou_thrs = parse_number_list(o.iou_thrs, "--iou-thrs");
  if (!o.area_ranges.empty()) params.area_ranges = parse_area_ranges(o.area_ranges, "--area-ranges");
  if (o.no_cats) params.use_cats = false;
  if (std::string err = validate(params); !err.empty()) throw UsageError(err);
  if (params.max_dets.size() < 3)
    throw UsageError("--max-dets: the summary needs at least 3 values (pycocotools reads maxDets[0..2])");

  auto t0 = Clock::now();
  CocoReadOptions ro;
  ro.degrees = o.degrees;
  const GroundTruth gt = read_coco_gt(o.gt, params.iou_type, ro);
  const double t_gt = secs(t0);
  t0 = Clock::now();
  ResultsReport report;
  const Detections dt = read_coco_results(o.dt, gt, params.iou_type, &report, ro);
  const double t_dt = secs(t0);
  if (report.dropped_unknown_category)
    std::cerr << "deteval: warning: " << o.dt << ": ignored " << report.dropped_unknown_category
              << " detections of categories not in the ground truth\n";

  EvalOptions eo;
  eo.threads = o.threads;
  const Evaluation ev = evaluate(gt, dt, params, eo);
  t0 = Clock::now();
  const Summary summary = summarize(ev);
  const auto cats = per_category(ev);
  const double t_sum = secs(t0);

  std::fputs(summary.text.c_str(), stdout);
  if (!o.no_per_class && !cats.empty()) print_per_category(cats, gt, params);
  std::fflush(stdout);
  if (!o.json_out.empty()) write_file_atomic(o.json_out, coco_evaluation_json(ev, summary, cats, gt));
  if (o.timings)
    std::fprintf(stderr,
                 "timings (s): read gt %.3f | read results %.3f | cells %.3f | iou %.3f | matching %.3f | "
                 "accumulation %.3f | summary %.3f\n",
                 t_gt, t_dt, ev.timings.cells, ev.timings.iou, ev.timings.matching, ev.timings.accumulation, t_sum);
}

}  // namespace

void add_coco_command(CLI::App& app) {
  auto o = std::make_shared<CocoOptions>();
  CLI::App* cmd = app.add_subcommand("coco", "Evaluate COCO results against COCO ground truth (pycocotools-exact)");
  cmd->add_option("--gt", o->gt, "Ground truth: COCO instances JSON")->required();
  cmd->add_option("--dt", o->dt, "Detection results: COCO results JSON (a list)")->required();
  cmd->add_option("--iou-type", o->iou_type, "bbox | segm | rotated | polygon")->capture_default_str();
  cmd->add_option("--params", o->params_file, "COCOeval parameters as JSON (useCats, maxDets, iouThrs, areaRng, ...)");
  cmd->add_option("--max-dets", o->max_dets, "Detections per image, e.g. 1,10,100");
  cmd->add_option("--iou-thrs", o->iou_thrs, "IoU thresholds, e.g. 0.5,0.75 (default: linspace(.5, .95, 10))");
  cmd->add_option("--area-ranges", o->area_ranges,
                  "label:lo:hi,... (default all:0:1e10,small:0:1024,medium:1024:9216,large:9216:1e10)");
  cmd->add_flag("--degrees", o->degrees, "rbox angles are in degrees (default: radians)");
  cmd->add_flag("--no-cats", o->no_cats, "Ignore categories when matching (useCats=0)");
  cmd->add_option("--json", o->json_out, "Write the results as JSON to this file");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--no-per-class", o->no_per_class, "Print only the 12-line summary");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress output");
  cmd->add_flag("--timings", o->timings, "Print the time of each phase on stderr");
  cmd->callback([o] { run_coco(*o); });
}

}  // namespace deteval::cli

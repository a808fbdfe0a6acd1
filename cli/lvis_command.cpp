// deteval lvis: read LVIS ground truth and results, evaluate with lvis-api's federated
// rules, print LVISEval.print_results()'s text, optionally write the JSON document and
// an HTML report.
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "deteval/analysis.hpp"
#include "deteval/device.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/lvis.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/lvis.hpp"
#include "deteval/summary.hpp"
#include "progress.hpp"

namespace deteval::cli {

namespace {

struct LvisOptions {
  std::string gt, dt, iou_type = "bbox", device = "auto", json_out, report;
  int max_dets = 300, threads = 0;
  bool quiet = false, timings = false, per_class = false;
};

std::string fmt3(double v) {
  if (v <= -1) return "    -";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.3f", v);
  return buf;
}

// The per-category table, one block per frequency bin (r, c, f).
void print_per_category(const std::vector<CategoryMetrics>& cats, const LvisGroundTruth& gt, int max_dets) {
  std::size_t width = 4;
  for (const auto& c : cats) width = std::max(width, gt.gt.categories[c.category].name.size());
  width = std::min<std::size_t>(width, 30);
  for (Frequency f : {Frequency::rare, Frequency::common, Frequency::frequent}) {
    std::printf("\nPer category, frequency %s (area=all, maxDets=%d):\n", to_string(f), max_dets);
    std::printf("%12s  %-*s  %5s  %5s  %5s  %5s\n", "id", static_cast<int>(width), "name", "AP", "AP50", "AP75", "AR");
    for (const auto& c : cats) {
      if (gt.frequency[c.category] != f) continue;
      std::printf("%12lld  %-*.*s  %s  %s  %s  %s\n", static_cast<long long>(c.id), static_cast<int>(width),
                  static_cast<int>(width), gt.gt.categories[c.category].name.c_str(), fmt3(c.ap).c_str(),
                  fmt3(c.has_ap50 ? c.ap50 : -1).c_str(), fmt3(c.has_ap75 ? c.ap75 : -1).c_str(), fmt3(c.ar).c_str());
    }
  }
}

void run_lvis(const LvisOptions& o) {
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);

  if (o.iou_type != "bbox" && o.iou_type != "segm")
    throw UsageError("--iou-type: expected bbox or segm, got '" + o.iou_type + "'");
  const IouType type = parse_iou_type(o.iou_type);
  if (o.max_dets < 1) throw UsageError("--max-dets: expected a positive integer, got " + std::to_string(o.max_dets));
  const Device device = parse_device(o.device);
  if (type == IouType::segm && device == Device::cuda && gpu_device_name().empty())
    throw Error(ErrorKind::device, "--device cuda: no usable CUDA device; use --device cpu or auto");
  const Params params = lvis_params(type, o.max_dets);

  Progress progress({"reading ground truth", "reading results", "cells", "iou", "matching", "accumulation",
                     "summary"},
                    o.quiet);
  auto t0 = Clock::now();
  const LvisGroundTruth gt = read_lvis_gt(o.gt, type);
  const double t_gt = secs(t0);
  t0 = Clock::now();
  progress.stage("reading results");
  const Detections dt = read_lvis_results(o.dt, gt, type);
  const double t_dt = secs(t0);

  EvalOptions eo;
  eo.threads = o.threads;
  eo.on_stage = [&progress](const char* stage) { progress.stage(stage); };
  eo.device = device;
  t0 = Clock::now();
  const LvisEvaluation ev = lvis_evaluate(gt, dt, params, eo);
  const double t_eval = secs(t0);
  t0 = Clock::now();
  progress.stage("summary");
  const LvisSummary summary = lvis_summarize(ev, gt);
  const auto cats = per_category(ev.eval);
  const double t_sum = secs(t0);

  progress.finish();
  std::fputs(summary.text.c_str(), stdout);
  if (o.per_class) print_per_category(cats, gt, o.max_dets);
  std::fflush(stdout);
  if (!o.json_out.empty()) write_file_atomic(o.json_out, lvis_evaluation_json(ev, summary, cats, gt));
  if (!o.report.empty()) {
    ReportInput in;
    in.title = std::string("LVIS ") + to_string(type) + " evaluation";
    in.facts = {{"ground truth", o.gt},
                {"results", o.dt},
                {"images", std::to_string(ev.counts.images)},
                {"categories", std::to_string(ev.counts.categories)},
                {"annotations (evaluated)", std::to_string(ev.counts.gt) + " (" + std::to_string(ev.counts.gt_evaluated) + ")"},
                {"detections", std::to_string(ev.counts.dt)},
                {"after the cap of " + std::to_string(o.max_dets) + " per image", std::to_string(ev.counts.dt_after_cap)},
                {"evaluated (federated)", std::to_string(ev.counts.dt_evaluated)}};
    in.summary = summary.results;
    AnalysisOptions ao;
    ao.threads = o.threads;
    const Analysis an = analyze(ev.evaluated_gt, ev.evaluated_dt, ev.eval, ao);
    in.eval = &ev.eval;
    in.analysis = &an;
    in.categories = &cats;
    in.names = category_names(ev.eval, gt.gt);
    in.category_groups.reserve(gt.frequency.size());
    for (Frequency f : gt.frequency) in.category_groups.emplace_back(to_string(f));
    in.category_group_title = "frequency";
    write_file_atomic(o.report, report_html(in));
  }
  if (o.timings) {
    const EvalTimings& t = ev.eval.timings;
    std::fprintf(stderr,
                 "timings (s): read gt %.3f | read results %.3f | select %.3f | cells %.3f | iou %.3f (%s) | "
                 "matching %.3f | accumulation %.3f | summary %.3f\n",
                 t_gt, t_dt, t_eval - (t.cells + t.iou + t.matching + t.accumulation), t.cells, t.iou,
                 ev.eval.device.c_str(), t.matching, t.accumulation, t_sum);
  }
}

}  // namespace

void add_lvis_command(CLI::App& app) {
  auto o = std::make_shared<LvisOptions>();
  CLI::App* cmd = app.add_subcommand("lvis", "Evaluate LVIS results against LVIS ground truth (lvis-api-exact)");
  cmd->add_option("--gt", o->gt, "Ground truth: LVIS annotation JSON")->required();
  cmd->add_option("--dt", o->dt, "Detection results: LVIS/COCO results JSON (a list)")->required();
  cmd->add_option("--iou-type", o->iou_type, "bbox | segm")->capture_default_str();
  cmd->add_option("--max-dets", o->max_dets, "Detections kept per image, across categories (LVISResults' cap)")
      ->capture_default_str();
  cmd->add_option("--device", o->device, "Where segm IoUs are counted: auto | cpu | cuda")->capture_default_str();
  cmd->add_option("--json", o->json_out, "Write the results and per-category figures as JSON to this file");
  cmd->add_option("--report", o->report, "Write a self-contained HTML report (APr/APc/APf, per-frequency table)");
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_flag("--per-class", o->per_class, "After the summary, print per-category figures by frequency bin");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress output");
  cmd->add_flag("--timings", o->timings, "Print the time of each phase on stderr");
  cmd->callback([o] { run_lvis(*o); });
}

}  // namespace deteval::cli

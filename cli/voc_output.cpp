#include "voc_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/formats/voc.hpp"
#include "analysis_output.hpp"

namespace deteval::cli {

std::vector<std::string> parse_class_list(const std::string& text) {
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

namespace {

std::string fmt4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

void print_voc_table(const VocResult& r, const std::vector<std::string>& names) {
  int width = 5;
  for (const auto& n : names) width = std::max(width, static_cast<int>(std::min<std::size_t>(n.size(), 30)));
  std::printf("%-*s  %6s  %6s  %6s  %8s  %8s\n", width, "class", "npos", "TP", "FP", "AP(11pt)", "AP(area)");
  bool any_without_gt = false;
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    // Classes without ground truth have no meaningful AP and are left out of the means.
    const bool has_gt = c.npos > 0;
    any_without_gt |= !has_gt;
    std::printf("%-*.*s  %6zu  %6zu  %6zu  %8s  %8s%s\n", width, width, names.at(k).c_str(), c.npos, c.tp,
                c.fp, has_gt ? fmt4(c.ap_voc07).c_str() : "-", has_gt ? fmt4(c.ap_area).c_str() : "-",
                has_gt ? "" : "  (no ground truth)");
  }
  const auto map = [](double v) { return std::isnan(v) ? std::string("n/a") : fmt4(v); };
  std::printf("\nmAP over %zu classes with ground truth (IoU > %g):\n", r.num_map_classes, r.iou_threshold);
  std::printf("  mAP VOC2007 11-point: %s\n", map(r.map_voc07).c_str());
  std::printf("  mAP area (VOC2010+):  %s\n", map(r.map_area).c_str());
  if (any_without_gt) std::printf("Classes without ground truth are not in the means.\n");
}

void add_voc_analysis_options(CLI::App* cmd, const std::shared_ptr<VocAnalysisOptions>& o) {
  cmd->add_option("--report", o->report,
                  "Write a self-contained HTML report (PR curves, per-class table, confusion matrix, errors)");
  cmd->add_option("--curves", o->curves, "Write each class's precision/recall after each ranked detection to FILE.csv or FILE.json");
  cmd->add_flag("--analyze", o->analyze, "Print the operating point and error breakdown, and add them to --json");
  cmd->add_option("--score-thr", o->score_thr, "Score threshold of the operating point and confusion matrix")
      ->capture_default_str()
      ->each([o](const std::string&) { o->score_thr_given = true; });
  cmd->add_option("--bootstrap", o->bootstrap, "95% intervals of both mAPs from N image resamples")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--seed", o->seed, "Bootstrap seed")->capture_default_str();
}

namespace {

void print_voc_analysis(const VocAnalysis& va) {
  std::printf("\nAnalysis (IoU > %g):\n", va.iou_threshold);
  char value[64];
  std::snprintf(value, sizeof value, "mAP area = %s", value3(va.analysis.errors.ap).c_str());
  print_operating_point_and_errors(va.analysis, "area mAP", value);
  if (va.has_bootstrap) {
    const VocBootstrap& b = va.bootstrap;
    std::printf(" Bootstrap 95%% intervals (%d image resamples, seed %llu): mAP VOC2007 %s [%s, %s]  "
                "mAP area %s [%s, %s]\n",
                b.replicates, static_cast<unsigned long long>(b.seed), value3(b.map_voc07.value).c_str(),
                value3(b.map_voc07.lo).c_str(), value3(b.map_voc07.hi).c_str(), value3(b.map_area.value).c_str(),
                value3(b.map_area.lo).c_str(), value3(b.map_area.hi).c_str());
  }
}

}  // namespace

void check_voc_analysis_options(const VocAnalysisOptions& o) {
  if (!o.curves.empty() && !o.curves.ends_with(".csv") && !o.curves.ends_with(".json"))
    throw UsageError("--curves: expected a file name ending in .csv or .json, got '" + o.curves + "'");
  if (!std::isfinite(o.score_thr)) throw UsageError("--score-thr: expected a finite number");
}

void write_voc_outputs(const VocOutputs& out, const VocAnalysisOptions& o) {
  const VocResult& r = *out.result;
  VocAnalysis va;
  // The curves are the evaluation's own arrays: alone they need no analysis.
  if (o.analyze || o.bootstrap > 0 || !o.report.empty() || (o.any() && !out.json_out.empty())) {
    AnalysisOptions ao;
    ao.score_threshold = o.score_thr;
    ao.bootstrap = o.bootstrap;
    ao.seed = o.seed;
    ao.threads = out.threads;
    va = out.analyze(ao);
  }
  print_voc_table(r, out.names);
  if (o.analyze || o.bootstrap > 0) print_voc_analysis(va);
  std::fflush(stdout);
  if (!out.json_out.empty())
    write_file_atomic(out.json_out, o.any() ? voc_evaluation_json(r, out.names, va) : out.plain_json());
  if (!o.curves.empty())
    write_file_atomic(o.curves, o.curves.ends_with(".csv") ? voc_curves_csv(r, out.names, out.classes, *out.image_ids)
                                                            : voc_curves_json(r, out.names, out.classes, *out.image_ids));
  if (!o.report.empty()) {
    ReportInput in;
    in.title = out.title;
    in.facts = out.facts;
    in.summary = {{"mAP_voc07", r.map_voc07}, {"mAP_area", r.map_area}};
    in.names = out.names;
    in.voc = &r;
    in.voc_analysis = &va;
    in.voc_matching = out.matching;
    write_file_atomic(o.report, report_html(in));
  }
}

}  // namespace deteval::cli

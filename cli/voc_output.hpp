// What `deteval voc` and `deteval dota` share: the --classes list, the per-class table and
// the analysis options and outputs (--report, --curves, --analyze, --score-thr, --bootstrap).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "deteval/voc.hpp"
#include "deteval/voc_analysis.hpp"

namespace deteval::cli {

/// "a,b,c" -> {"a", "b", "c"}; throws UsageError on empty items.
std::vector<std::string> parse_class_list(const std::string& text);

/// One row per class (npos, TP, FP, 11-point AP, area AP; `-` without ground truth), then
/// both mAPs, on stdout.
void print_voc_table(const VocResult& result, const std::vector<std::string>& class_names);

/// The analysis options of a VOC-style command.
struct VocAnalysisOptions {
  std::string report, curves;
  bool analyze = false, score_thr_given = false;
  double score_thr = 0.5;
  int bootstrap = 0;
  std::uint64_t seed = 0;
  /// Whether any analysis was asked for (otherwise the outputs are exactly those without them).
  bool any() const { return analyze || score_thr_given || bootstrap > 0 || !report.empty() || !curves.empty(); }
};

/// Registers the options on `cmd`; call finish_voc_analysis_options(cmd's result) in the callback.
void add_voc_analysis_options(CLI::App* cmd, const std::shared_ptr<VocAnalysisOptions>& o);
/// Checks them before anything is read (UsageError).
void check_voc_analysis_options(const VocAnalysisOptions& o);

/// An evaluated VOC-style dataset, for the outputs.
struct VocOutputs {
  std::string title;                                       ///< the report's title
  std::vector<std::pair<std::string, std::string>> facts;  ///< the report's facts
  std::string matching;                                    ///< ReportInput::voc_matching
  const VocResult* result = nullptr;
  std::vector<std::string> names;
  std::vector<VocClassRef> classes;
  const std::vector<std::string>* image_ids = nullptr;
  std::string json_out;
  /// The plain --json document (used when no analysis is asked for).
  std::function<std::string()> plain_json;
  /// Runs the analyses.
  std::function<VocAnalysis(const AnalysisOptions&)> analyze;
  int threads = 0;
};

/// Prints the table, runs the analyses when asked for, prints them (--analyze,
/// --bootstrap) and writes --json, --curves and --report.
void write_voc_outputs(const VocOutputs& out, const VocAnalysisOptions& o);

}  // namespace deteval::cli

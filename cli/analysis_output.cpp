#include "analysis_output.hpp"

#include <cmath>
#include <cstdio>

namespace deteval::cli {

std::string value3(double v) {
  if (std::isnan(v) || v <= -1) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string delta3(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.3f", v);
  return buf;
}

void print_operating_point_and_errors(const Analysis& a, const std::string& metric, const std::string& metric_value) {
  const Counts& c = a.overall.at_threshold;
  std::printf(" At score >= %g: TP %llu  FP %llu  FN %llu  precision %.3f  recall %.3f  F1 %.3f\n",
              a.options.score_threshold, static_cast<unsigned long long>(c.tp), static_cast<unsigned long long>(c.fp),
              static_cast<unsigned long long>(c.fn), c.precision, c.recall, c.f1);
  if (a.overall.has_best)
    std::printf(" Best F1 %.3f at score >= %.4g (precision %.3f, recall %.3f)\n", a.overall.best.f1,
                a.overall.best_threshold, a.overall.best.precision, a.overall.best.recall);
  std::printf(" Errors (dAP = %s gained by fixing only that type; %s):\n", metric.c_str(), metric_value.c_str());
  for (std::size_t t = 0; t < kErrorTypes; ++t)
    std::printf("   %-15s %8llu  dAP %s\n", kErrorNames[t], static_cast<unsigned long long>(a.errors.count[t]),
                delta3(a.errors.delta_ap[t]).c_str());
  std::printf("   %-15s %8s  dAP %s\n", "false positives", "", delta3(a.errors.delta_ap_false_positives).c_str());
  std::printf("   %-15s %8s  dAP %s\n", "false negatives", "", delta3(a.errors.delta_ap_false_negatives).c_str());
  bool undefined = std::isnan(a.errors.delta_ap_false_positives) || std::isnan(a.errors.delta_ap_false_negatives);
  for (double d : a.errors.delta_ap) undefined |= std::isnan(d);
  if (undefined) std::printf("   (dAP -: undefined, no ground truth would be left to compute an AP on)\n");
}

}  // namespace deteval::cli

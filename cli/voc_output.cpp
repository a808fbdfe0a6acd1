#include "voc_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "deteval/formats/error.hpp"

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

}  // namespace deteval::cli

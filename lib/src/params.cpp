#include "deteval/params.hpp"

#include <cmath>
#include <iterator>
#include <sstream>

#include "deteval/error.hpp"

namespace deteval {

const char* to_string(IouType t) {
  switch (t) {
    case IouType::bbox: return "bbox";
    case IouType::segm: return "segm";
    case IouType::rotated: return "rotated";
    case IouType::polygon: return "polygon";
    case IouType::keypoints: return "keypoints";
  }
  return "?";
}

namespace {
constexpr IouType kIouTypes[] = {IouType::bbox, IouType::segm, IouType::rotated, IouType::polygon,
                                 IouType::keypoints};
}  // namespace

IouType parse_iou_type(std::string_view s) {
  std::string names;
  for (std::size_t i = 0; i < std::size(kIouTypes); ++i) {
    if (s == to_string(kIouTypes[i])) return kIouTypes[i];
    names += i == 0 ? "" : i + 1 == std::size(kIouTypes) ? " or " : ", ";
    names += to_string(kIouTypes[i]);
  }
  throw UsageError("iou_type", "expected " + names + ", got '" + std::string(s) + "'");
}

bool parse_iou_type(const std::string& s, IouType& out) {
  for (IouType t : kIouTypes)
    if (s == to_string(t)) { out = t; return true; }
  return false;
}

// numpy 1.24: step = (stop - start) / (num - 1); y[i] = i * step + start; y[-1] = stop.
std::vector<double> linspace(double start, double stop, int num) {
  std::vector<double> y;
  if (num <= 0) return y;
  y.resize(static_cast<std::size_t>(num));
  if (num == 1) { y[0] = start; return y; }
  const double div = num - 1;
  const double delta = stop - start;
  const double step = delta / div;
  for (int i = 0; i < num; ++i)
    y[i] = step == 0 ? (i / div) * delta + start : i * step + start;
  y.back() = stop;
  return y;
}

Params::Params()
    : iou_thrs(linspace(0.5, 0.95, static_cast<int>(std::round((0.95 - 0.5) / 0.05)) + 1)),
      rec_thrs(linspace(0.0, 1.00, static_cast<int>(std::round((1.00 - 0.0) / 0.01)) + 1)),
      max_dets{1, 10, 100},
      area_ranges{{"all", 0, 1e10}, {"small", 0, 1024}, {"medium", 1024, 9216}, {"large", 9216, 1e10}},
      kpt_oks_sigmas(coco_keypoint_sigmas()) {}

Params::Params(IouType type) : Params() {
  iou_type = type;
  if (type == IouType::keypoints) {  // Params.setKpParams
    max_dets = {20};
    area_ranges = {{"all", 0, 1e10}, {"medium", 1024, 9216}, {"large", 9216, 1e10}};
  }
}

std::vector<double> coco_keypoint_sigmas() {
  std::vector<double> s = {.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89};
  for (double& v : s) v /= 10.0;  // a correctly rounded division, as numpy's
  return s;
}

namespace {

std::string why_invalid(const Params& p) {
  std::ostringstream err;
  if (p.iou_thrs.empty()) return "iou thresholds: expected at least one value";
  for (double t : p.iou_thrs)
    if (!(t >= 0 && t <= 1)) { err << "iou thresholds: expected values in [0, 1], got " << t; return err.str(); }
  if (p.rec_thrs.empty()) return "recall thresholds: expected at least one value";
  for (std::size_t i = 0; i < p.rec_thrs.size(); ++i) {
    if (!(p.rec_thrs[i] >= 0 && p.rec_thrs[i] <= 1)) return "recall thresholds: expected values in [0, 1]";
    if (i && p.rec_thrs[i] < p.rec_thrs[i - 1]) return "recall thresholds: expected ascending values";
  }
  if (p.max_dets.empty()) return "max dets: expected at least one value";
  for (int m : p.max_dets)
    if (m < 1) { err << "max dets: expected positive integers, got " << m; return err.str(); }
  if (p.area_ranges.empty()) return "area ranges: expected at least one range";
  for (const auto& a : p.area_ranges) {
    if (a.label.empty()) return "area ranges: expected a label for every range";
    if (std::isnan(a.lo) || std::isnan(a.hi) || a.lo > a.hi) {
      err << "area ranges: expected lo <= hi for '" << a.label << "', got " << a.lo << ":" << a.hi;
      return err.str();
    }
  }
  for (double s : p.kpt_oks_sigmas)
    if (!(s > 0) || !std::isfinite(s)) { err << "kpt_oks_sigmas: expected positive numbers, got " << s; return err.str(); }
  if (p.iou_type == IouType::keypoints && p.kpt_oks_sigmas.empty())
    return "kpt_oks_sigmas: expected one sigma per keypoint, got none";
  return {};
}

}  // namespace

void check_params(const Params& p) {
  if (std::string err = why_invalid(p); !err.empty()) throw UsageError(err);
}

std::string validate(const Params& p) { return why_invalid(p); }

}  // namespace deteval

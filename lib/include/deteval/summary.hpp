// The numbers people report: COCOeval.summarize()'s 12 statistics and per-category AP.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "deteval/evaluate.hpp"

namespace deteval {

/// Names of the 12 statistics, in pycocotools' order.
inline constexpr std::array<const char*, 12> kStatNames = {
    "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
/// Names of the 10 statistics of a keypoints evaluation (all at maxDets 20).
inline constexpr std::array<const char*, 10> kKeypointStatNames = {"AP", "AP50", "AP75", "APm", "APl",
                                                                   "AR", "AR50", "AR75", "ARm", "ARl"};

struct Summary {
  std::vector<double> stats;          ///< 12 (10 for keypoints); -1 where undefined
  std::span<const char* const> names; ///< one per stat: kStatNames or kKeypointStatNames
  std::string text;                   ///< byte-identical to what COCOeval.summarize() prints
};

/// COCOeval.summarize(). Boxes, masks and shapes need at least 3 maxDets values, as
/// pycocotools does; keypoints look up maxDets 20 on every line (-1 without it).
Summary summarize(const Evaluation& e);

/// Per-category figures at area "all" and the last maxDets; -1 where undefined.
struct CategoryMetrics {
  std::size_t category = 0;  ///< dense category index
  std::int64_t id = 0;
  double ap = -1, ap50 = -1, ap75 = -1, ar = -1;
  bool has_ap50 = false, has_ap75 = false;  ///< 0.5 / 0.75 are among the IoU thresholds
};

/// One entry per category (empty when use_cats is off).
std::vector<CategoryMetrics> per_category(const Evaluation& e);

/// Mean of the entries > -1 with numpy's pairwise summation, or -1 if there are none.
double mean_valid(const std::vector<double>& values);

}  // namespace deteval

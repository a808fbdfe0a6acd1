// COCOeval.params as JSON -> Params (and an image/category subset), with located errors.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/geometry.hpp"
#include "deteval/mask.hpp"
#include "coco_fast.hpp"
#include "coco_keypoints.hpp"
#include "coco_read_parts.hpp"
#include "json_util.hpp"
#include "limits.hpp"

namespace deteval {

using namespace detail;  // the readers' shared parts: coco_read_parts.hpp, json_util.hpp

void parse_coco_params(std::string_view text, const std::string& file, Params& params, Subset* subset) {
  const json root = detail::parse_json(text, file);
  if (!root.is_object()) throw InputError::expected(file, "(root)", "an object of COCOeval parameters", describe(root));
  auto numbers = [&](const json& v, const std::string& path) {
    if (!v.is_array() || v.empty()) throw InputError::expected(file, path, "a non-empty list of numbers", describe(v));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(get_number(v[i], file, path_index(path, i)));
    return out;
  };
  std::vector<std::string> labels;
  std::vector<std::pair<double, double>> ranges;
  bool have_ranges = false, have_labels = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "useCats") {
      params.use_cats = get_flag(v, file, key);
    } else if (key == "iouThrs") {
      params.iou_thrs = numbers(v, key);
    } else if (key == "recThrs") {
      params.rec_thrs = numbers(v, key);
    } else if (key == "maxDets") {
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a non-empty list of integers", describe(v));
      params.max_dets.clear();
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_number_integer() || v[i].get<std::int64_t>() < 1 || v[i].get<std::int64_t>() > 1000000000)
          throw InputError::expected(file, path_index(key, i), "a positive integer", describe(v[i]));
        params.max_dets.push_back(static_cast<int>(v[i].get<std::int64_t>()));
      }
    } else if (key == "areaRng") {
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a list of [lo, hi] pairs", describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::vector<double> pair = numbers(v[i], path_index(key, i));
        if (pair.size() != 2) throw InputError::expected(file, path_index(key, i), "[lo, hi]", describe(v[i]));
        ranges.emplace_back(pair[0], pair[1]);
      }
      have_ranges = true;
    } else if (key == "areaRngLbl") {
      if (!v.is_array()) throw InputError::expected(file, key, "a list of labels", describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) throw InputError::expected(file, path_index(key, i), "a string", describe(v[i]));
        labels.push_back(v[i].get<std::string>());
      }
      have_labels = true;
    } else if (key == "iouType") {
      try {
        if (!v.is_string()) throw UsageError("iou_type", "expected a string");
        params.iou_type = parse_iou_type(v.get<std::string>());
      } catch (const UsageError&) {
        throw InputError::expected(file, key, "one of bbox, segm, rotated, polygon, keypoints", describe(v));
      }
    } else if (key == "kpt_oks_sigmas") {
      params.kpt_oks_sigmas = numbers(v, key);
      for (std::size_t i = 0; i < params.kpt_oks_sigmas.size(); ++i)
        if (!(params.kpt_oks_sigmas[i] > 0))
          throw InputError::expected(file, path_index(key, i), "a positive sigma", v[i].dump());
    } else if (key == "imgIds" || key == "catIds") {
      if (!subset) throw InputError::at(file, key, "subsets of images or categories are not supported here");
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a non-empty list of ids", describe(v));
      std::vector<std::int64_t> ids;
      for (std::size_t i = 0; i < v.size(); ++i) ids.push_back(get_id(v[i], file, path_index(key, i)));
      (key == "imgIds" ? subset->img_ids : subset->cat_ids) = std::move(ids);
    } else {
      throw InputError::expected(file, key,
                                 "one of useCats, iouThrs, recThrs, maxDets, areaRng, areaRngLbl, iouType, "
                                 "kpt_oks_sigmas, imgIds, catIds",
                                 "an unknown parameter");
    }
  }
  if (have_ranges || have_labels) {
    if (!have_ranges) for (const auto& a : params.area_ranges) ranges.emplace_back(a.lo, a.hi);
    if (!have_labels) for (const auto& a : params.area_ranges) labels.push_back(a.label);
    if (labels.size() != ranges.size())
      throw InputError::expected(file, "areaRngLbl", "one label per area range (" + std::to_string(ranges.size()) + ")",
                                 std::to_string(labels.size()) + " labels");
    params.area_ranges.clear();
    for (std::size_t i = 0; i < ranges.size(); ++i)
      params.area_ranges.push_back({labels[i], ranges[i].first, ranges[i].second});
  }
  try {
    check_params(params);
  } catch (const UsageError& e) {
    throw InputError::whole(file, e.what());
  }
}

void read_coco_params(const std::string& path, Params& params, Subset* subset) {
  parse_coco_params(read_file(path), path, params, subset);
}

}  // namespace deteval

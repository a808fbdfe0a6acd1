#include "coco_fast.hpp"

#include <simdjson.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <cmath>
#include <string_view>
#include <vector>

#include "deteval/mask.hpp"

namespace deteval::detail {

namespace {

namespace dom = simdjson::dom;

struct Pending {
  std::string_view counts;  // compressed RLE: a view into the parser's string buffer
  std::uint32_t det;        // index into the output detections
};

bool get_finite(dom::element v, double& out) {
  return v.get_double().get(out) == simdjson::SUCCESS && std::isfinite(out);
}

// {"size": [h, w], "counts": "..."}; anything else is left to the DOM reader.
bool get_compressed_rle(dom::element v, std::int64_t& h, std::int64_t& w, std::string_view& counts) {
  dom::object seg;
  if (v.get_object().get(seg) || seg.size() != 2) return false;
  dom::array size;
  if (seg["size"].get_array().get(size) || size.size() != 2) return false;
  if (size.at(0).get_int64().get(h) || size.at(1).get_int64().get(w)) return false;
  return seg["counts"].get_string().get(counts) == simdjson::SUCCESS;
}

}  // namespace

bool fast_parse_coco_results(const simdjson::padded_string& text, const GroundTruth& gt, IouType type,
                             Detections& out, ResultsReport& report) {
  if (type != IouType::bbox && type != IouType::segm) return false;
  // The DOM parser validates the whole document (On-Demand would skip unread values
  // unchecked), and its tape is walked once below.
  dom::parser parser;
  dom::array arr;
  if (parser.parse(text).get_array().get(arr)) return false;

  Detections dt;
  const std::size_t n = arr.size();
  dt.image.reserve(n);
  dt.category.reserve(n);
  dt.score.reserve(n);
  dt.box.reserve(n);
  dt.area.reserve(n);
  std::vector<Pending> pending;
  std::vector<std::uint8_t> has_box;
  has_box.reserve(n);
  bool first = true, box_mode = false;
  std::size_t dropped = 0;
  for (dom::element item : arr) {
    dom::object obj;
    if (item.get_object().get(obj)) return false;
    std::int64_t image_id = 0, cat_id = 0;
    double score = 0;
    bool seen_image = false, seen_cat = false, seen_score = false, seen_box = false;
    Box box;
    dom::element seg;
    bool seen_seg = false;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      if (key == "image_id") {
        if (field.value.get_int64().get(image_id)) return false;  // floats, huge: DOM reader decides
        seen_image = true;
      } else if (key == "category_id") {
        if (field.value.get_int64().get(cat_id)) return false;
        seen_cat = true;
      } else if (key == "score") {
        if (!get_finite(field.value, score)) return false;
        seen_score = true;
      } else if (key == "bbox") {
        dom::array b;
        if (field.value.get_array().get(b)) return false;
        const std::size_t nb = b.size();
        if (nb == 0) continue;  // `"bbox": []` counts as no box, as in pycocotools
        if (nb != 4) return false;
        double x[4];
        std::size_t j = 0;
        for (dom::element e : b)
          if (!get_finite(e, x[j++])) return false;
        box = Box{x[0], x[1], x[2], x[3]};
        seen_box = true;
      } else if (key == "segmentation") {
        seg = field.value;
        seen_seg = true;
      }
    }
    if (!seen_image || !seen_cat || !seen_score) return false;
    if (first) box_mode = seen_box;
    first = false;
    const std::int64_t image = gt.image_index(image_id);
    if (image < 0) return false;
    const std::int64_t cat = gt.category_index(cat_id);
    if (cat < 0) {
      ++dropped;
      continue;
    }
    const bool need_mask = type == IouType::segm || !seen_box || !box_mode;
    const std::uint32_t det = static_cast<std::uint32_t>(dt.score.size());
    if (need_mask) {
      const Image& im = gt.images[static_cast<std::size_t>(image)];
      std::int64_t h = -1, w = -1;
      std::string_view counts;
      if (!seen_seg || !get_compressed_rle(seg, h, w, counts)) return false;
      if (h != im.height || w != im.width || im.height <= 0 || im.width <= 0) return false;
      pending.push_back({counts, det});
    }
    dt.image.push_back(static_cast<std::uint32_t>(image));
    dt.category.push_back(static_cast<std::uint32_t>(cat));
    dt.score.push_back(score);
    dt.box.push_back(box);
    dt.area.push_back(box.area());
    has_box.push_back(seen_box);
  }

  // Decode the masks in parallel; each writes only its own detection's slots.
  if (!pending.empty()) {
    std::vector<Rle> masks(pending.size());
    std::atomic<bool> ok{true};
    tbb::parallel_for(std::size_t{0}, pending.size(), [&](std::size_t j) {
      const std::uint32_t d = pending[j].det;
      const Image& im = gt.images[dt.image[d]];
      std::string error;
      if (!rle_from_string(pending[j].counts, static_cast<std::uint32_t>(im.height),
                           static_cast<std::uint32_t>(im.width), masks[j], error)) {
        ok = false;
        return;
      }
      if (!box_mode || !has_box[d]) dt.area[d] = static_cast<double>(rle_area(masks[j]));
      if (!has_box[d]) dt.box[d] = rle_to_bbox(masks[j]);
    });
    if (!ok) return false;
    if (type == IouType::segm) {
      if (pending.size() != dt.size()) return false;
      std::size_t runs = 0;
      for (const Rle& m : masks) runs += m.counts.size();
      dt.masks.reserve(masks.size(), runs);
      for (const Rle& m : masks) dt.masks.push_back(m);
    }
  }
  report.dropped_unknown_category = dropped;
  out = std::move(dt);
  return true;
}

}  // namespace deteval::detail

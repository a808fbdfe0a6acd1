// simdjson's reading of COCO-panoptic JSON (panoptic_fast.hpp): the same values as the
// nlohmann reader, which a 7 MB val-scale ground truth keeps busy for a good part of the
// whole evaluation's time.
#include "panoptic_fast.hpp"

#include <limits>
#include <string_view>
#include <unordered_map>

#include "limits.hpp"
#include "simdjson_util.hpp"

namespace deteval::detail {

namespace {

namespace dom = simdjson::dom;

// An object read by key: not repeated keys (the nlohmann reader keeps the last).
bool object(dom::element v, dom::object& out) { return v.get_object().get(out) == simdjson::SUCCESS && !has_repeated_keys(out); }

// Integer ids only (floats with integral values: the nlohmann reader).
bool id(dom::object o, const char* key, std::int64_t& out) { return o[key].get_int64().get(out) == simdjson::SUCCESS; }

bool annotation(dom::element v, bool gt, PanopticAnnotation& out) {
  dom::object a;
  std::string_view name;
  dom::array segs;
  if (!object(v, a) || !id(a, "image_id", out.image_id) || a["file_name"].get_string().get(name) ||
      a["segments_info"].get_array().get(segs))
    return false;
  out.file_name = name;
  out.segments.reserve(segs.size());
  for (dom::element item : segs) {
    dom::object s;
    PanopticSegment seg;
    std::int64_t sid;
    if (!object(item, s) || !id(s, "id", sid) || sid < 0 || sid > std::int64_t(std::numeric_limits<std::uint32_t>::max()) ||
        !id(s, "category_id", seg.category_id))
      return false;
    seg.id = std::uint32_t(sid);
    if (gt) {
      auto crowd = s["iscrowd"];
      if (crowd.error() != simdjson::NO_SUCH_FIELD && !flag(crowd.value_unsafe(), seg.iscrowd)) return false;
      auto area = s["area"];
      if (area.error() != simdjson::NO_SUCH_FIELD && !finite(area.value_unsafe(), seg.area)) return false;
    }
    out.segments.push_back(seg);
  }
  return true;
}

bool parse_root(dom::parser& parser, const simdjson::padded_string& text, dom::object& root) {
  dom::element doc;
  return parser.allocate(text.size(), kMaxJsonDepth) == simdjson::SUCCESS &&
         parser.parse(text).get(doc) == simdjson::SUCCESS && object(doc, root);
}

}  // namespace

bool fast_read_panoptic_gt(const simdjson::padded_string& text, PanopticGroundTruth& out) {
  dom::parser parser;
  dom::object root;
  dom::array cats, anns;
  if (!parse_root(parser, text, root) || root["categories"].get_array().get(cats) ||
      root["annotations"].get_array().get(anns))
    return false;
  PanopticGroundTruth gt;
  std::unordered_map<std::int64_t, std::size_t> position;
  for (dom::element item : cats) {
    dom::object c;
    PanopticCategory cat;
    if (!object(item, c) || !id(c, "id", cat.id)) return false;
    auto isthing = c["isthing"];
    if (isthing.error() || !flag(isthing.value_unsafe(), cat.isthing)) return false;
    std::string_view name;
    if (c["name"].get_string().get(name) == simdjson::SUCCESS) cat.name = name;  // not a string: no name
    auto [it, fresh] = position.emplace(cat.id, gt.categories.size());
    if (fresh)
      gt.categories.push_back(std::move(cat));
    else
      gt.categories[it->second] = std::move(cat);  // a dict: the first position, the last values
  }
  gt.annotations.reserve(anns.size());
  for (dom::element item : anns) {
    PanopticAnnotation a;
    if (!annotation(item, true, a)) return false;
    a.index = gt.annotations.size();
    gt.annotations.push_back(std::move(a));
  }
  out = std::move(gt);
  return true;
}

bool fast_read_panoptic_predictions(const simdjson::padded_string& text, const PanopticGroundTruth& gt,
                                    std::vector<PanopticAnnotation>& out) {
  dom::parser parser;
  dom::object root;
  dom::array anns;
  if (!parse_root(parser, text, root) || root["annotations"].get_array().get(anns)) return false;
  std::vector<dom::element> entries;
  entries.reserve(anns.size());
  std::unordered_map<std::int64_t, std::size_t> by_image;  // the last entry of an image wins
  for (dom::element item : anns) {
    dom::object a;
    std::int64_t image_id;
    if (!object(item, a) || !id(a, "image_id", image_id)) return false;
    by_image[image_id] = entries.size();
    entries.push_back(item);
  }
  std::vector<PanopticAnnotation> preds;
  preds.reserve(gt.annotations.size());
  for (const PanopticAnnotation& g : gt.annotations) {
    auto it = by_image.find(g.image_id);
    if (it == by_image.end()) return false;  // the nlohmann reader names the image
    PanopticAnnotation p;
    if (!annotation(entries[it->second], false, p)) return false;
    p.index = it->second;
    preds.push_back(std::move(p));
  }
  out = std::move(preds);
  return true;
}

}  // namespace deteval::detail

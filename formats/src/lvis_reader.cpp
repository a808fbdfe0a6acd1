// LVIS JSON -> LvisGroundTruth / Detections. COCO's reader reads what LVIS shares with
// COCO (images, categories, annotations, masks); a second pass over the same bytes, with
// simdjson's DOM, reads what only LVIS has, with located errors.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/lvis.hpp"
#include "coco_fast.hpp"
#include "json_util.hpp"
#include "limits.hpp"

namespace deteval {

namespace {

namespace dom = simdjson::dom;
using detail::path_index;
using detail::path_key;

std::string describe(dom::element v) {
  switch (v.type()) {
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::ARRAY: return "an array of " + std::to_string(dom::array(v).size());
    case dom::element_type::STRING: {
      std::string_view sv;
      (void)v.get_string().get(sv);
      std::string s(sv);
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string \"" + s + "\"";
    }
    case dom::element_type::BOOL: return bool(v) ? "true" : "false";
    case dom::element_type::NULL_VALUE: return "null";
    default: return simdjson::to_string(v);  // numbers as written (shortest form)
  }
}

// The last field named `key` (nlohmann, which the COCO reader follows, keeps the last).
bool field(dom::object o, std::string_view key, dom::element& out) {
  bool found = false;
  for (dom::key_value_pair f : o)
    if (f.key == key) {
      out = f.value;
      found = true;
    }
  return found;
}

// An integer id as the COCO reader takes it: an integer, or a float with an integral value.
bool as_id(dom::element v, std::int64_t& id) {
  if (v.get_int64().get(id) == simdjson::SUCCESS) return true;
  double d;
  if (v.is_double() && v.get_double().get(d) == simdjson::SUCCESS && std::isfinite(d) && d == std::floor(d) &&
      std::fabs(d) < 9.007199254740992e15) {
    id = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

struct Reader {
  const std::string& file;
  const GroundTruth& gt;

  dom::element require(dom::object o, const char* key, const std::string& path, const char* what) const {
    dom::element v;
    if (!field(o, key, v)) throw InputError::expected(file, path_key(path, key), what, "nothing (the field is missing)");
    return v;
  }

  dom::array array(dom::element v, const std::string& path, const char* what) const {
    dom::array a;
    if (v.get_array().get(a)) throw InputError::expected(file, path, what, describe(v));
    return a;
  }

  dom::object object(dom::element v, const std::string& path) const {
    dom::object o;
    if (v.get_object().get(o)) throw InputError::expected(file, path, "an object", describe(v));
    return o;
  }

  // A list of category ids, as sorted dense indices without repeats.
  void category_list(dom::element v, const std::string& path, std::vector<std::uint32_t>& out) const {
    const std::size_t first = out.size();
    std::size_t i = 0;
    for (dom::element e : array(v, path, "a list of category ids")) {
      const std::string p = path_index(path, i++);
      std::int64_t id;
      if (!as_id(e, id)) throw InputError::expected(file, p, "an integer category id", describe(e));
      const std::int64_t k = gt.category_index(id);
      if (k < 0) throw InputError::expected(file, p, "an id listed in categories", std::to_string(id));
      out.push_back(static_cast<std::uint32_t>(k));
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
  }
};

// Per image (file order) a list, then regrouped into the images' sorted (dense) order.
CategoryLists regroup(const std::vector<std::vector<std::uint32_t>>& by_dense) {
  CategoryLists l;
  l.offset.assign(by_dense.size() + 1, 0);
  for (std::size_t i = 0; i < by_dense.size(); ++i) {
    l.items.insert(l.items.end(), by_dense[i].begin(), by_dense[i].end());
    l.offset[i + 1] = l.items.size();
  }
  return l;
}

void read_lvis_fields(const simdjson::padded_string& text, const std::string& file, LvisGroundTruth& out) {
  const GroundTruth& gt = out.gt;
  Reader r{file, gt};
  dom::parser parser;
  dom::object root;
  // The COCO reader has parsed this text already: syntax and nesting are fine.
  if (parser.allocate(text.size(), detail::kMaxJsonDepth) || parser.parse(text).get_object().get(root))
    throw InputError::whole(file, "cannot be read as JSON");

  // images: the two lists, required (LVISEval reads both for every image).
  std::vector<std::vector<std::uint32_t>> neg(gt.images.size()), nel(gt.images.size());
  std::size_t i = 0;
  for (dom::element item : r.array(r.require(root, "images", "", "a list of images"), "images", "a list of images")) {
    const std::string p = path_index("images", i++);
    const dom::object im = r.object(item, p);
    std::int64_t id = 0;
    as_id(r.require(im, "id", p, "an integer id"), id);  // checked by the COCO reader
    const auto dense = static_cast<std::size_t>(gt.image_index(id));
    r.category_list(r.require(im, "neg_category_ids", p, "a list of category ids"), path_key(p, "neg_category_ids"),
                    neg[dense]);
    r.category_list(r.require(im, "not_exhaustive_category_ids", p, "a list of category ids"),
                    path_key(p, "not_exhaustive_category_ids"), nel[dense]);
  }
  out.negative = regroup(neg);
  out.not_exhaustive = regroup(nel);

  // categories: frequency, required.
  out.frequency.assign(gt.categories.size(), Frequency::rare);
  i = 0;
  for (dom::element item :
       r.array(r.require(root, "categories", "", "a list of categories"), "categories", "a list of categories")) {
    const std::string p = path_index("categories", i++);
    const dom::object c = r.object(item, p);
    std::int64_t id = 0;
    as_id(r.require(c, "id", p, "an integer id"), id);
    const dom::element f = r.require(c, "frequency", p, "the frequency bin \"r\", \"c\" or \"f\"");
    std::string_view s;
    if (f.get_string().get(s) || (s != "r" && s != "c" && s != "f"))
      throw InputError::expected(file, path_key(p, "frequency"), "\"r\", \"c\" or \"f\"", describe(f));
    out.frequency[static_cast<std::size_t>(gt.category_index(id))] =
        s == "r" ? Frequency::rare : s == "c" ? Frequency::common : Frequency::frequent;
  }

  // annotations (file order, as the COCO reader keeps them): ignore, optional.
  out.ignore.assign(gt.size(), 0);
  dom::element anns;
  if (!field(root, "annotations", anns)) return;
  i = 0;
  for (dom::element item : r.array(anns, "annotations", "a list of annotations")) {
    const std::string p = path_index("annotations", i);
    dom::element v;
    if (field(r.object(item, p), "ignore", v)) {
      bool b = false;
      std::int64_t n = -1;
      if (v.get_bool().get(b) == simdjson::SUCCESS) out.ignore[i] = b;
      else if (v.get_int64().get(n) == simdjson::SUCCESS && (n == 0 || n == 1)) out.ignore[i] = n == 1;
      else throw InputError::expected(file, path_key(p, "ignore"), "0 or 1", describe(v));
    }
    ++i;
  }
}

LvisGroundTruth parse_gt(const simdjson::padded_string& text, const std::string& file, IouType type) {
  if (type != IouType::bbox && type != IouType::segm)
    throw UsageError(std::string("LVIS evaluates bbox or segm, not ") + to_string(type));
  LvisGroundTruth out;
  if (!detail::fast_parse_coco_gt(text, type, out.gt))
    out.gt = detail::parse_gt_dom(std::string_view(text.data(), text.size()), file, type, {});
  std::fill(out.gt.iscrowd.begin(), out.gt.iscrowd.end(), 0);  // lvis-api never reads iscrowd
  read_lvis_fields(text, file, out);
  return out;
}

}  // namespace

LvisGroundTruth parse_lvis_gt(std::string_view text, const std::string& name, IouType type) {
  return parse_gt(simdjson::padded_string(text), name, type);
}

LvisGroundTruth read_lvis_gt(const std::string& path, IouType type) {
  simdjson::padded_string data(regular_file_size(path));
  read_file_into(path, data.data(), data.size());
  return parse_gt(data, path, type);
}

Detections read_lvis_results(const std::string& path, const LvisGroundTruth& gt, IouType type) {
  CocoReadOptions opt;
  opt.keep_unknown_categories = true;
  return read_coco_results(path, gt.gt, type, nullptr, opt);
}

Detections parse_lvis_results(std::string_view text, const std::string& name, const LvisGroundTruth& gt,
                              IouType type) {
  CocoReadOptions opt;
  opt.keep_unknown_categories = true;
  return parse_coco_results(text, name, gt.gt, type, nullptr, opt);
}

}  // namespace deteval

// COCO-panoptic JSON and PNG reading, and the file-based evaluation: images are decoded and
// matched in parallel, their results added in GT order (lib/panoptic.hpp).
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <bit>
#include <cstring>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/panoptic.hpp"
#include "deteval/formats/png.hpp"
#include "json_util.hpp"
#include "panoptic_fast.hpp"
#include "panoptic_pairs.hpp"

namespace deteval {

using detail::json;
using detail::path_index;
using detail::path_key;

namespace {

const json& member(const json& obj, const char* key, const std::string& file, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) throw InputError::expected(file, path, std::string("a member \"") + key + "\"", "none");
  return *it;
}

const json& array_member(const json& obj, const char* key, const std::string& file, const std::string& path) {
  const json& v = member(obj, key, file, path);
  if (!v.is_array()) throw InputError::expected(file, path_key(path, key), "an array", detail::describe(v));
  return v;
}

void expect_object(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_object()) throw InputError::expected(file, path, "an object", detail::describe(v));
}

std::string get_string(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_string()) throw InputError::expected(file, path, "a string", detail::describe(v));
  return v.get<std::string>();
}

// Segment ids are label-map values: RGB PNGs hold 24 bits, the library takes 32.
std::uint32_t get_segment_id(const json& v, const std::string& file, const std::string& path) {
  const std::int64_t id = detail::get_id(v, file, path);
  if (id < 0 || id > std::int64_t(std::numeric_limits<std::uint32_t>::max()))
    throw InputError::expected(file, path, "a segment id in [0, 2^32)", std::to_string(id));
  return std::uint32_t(id);
}

// An annotation entry; `gt` reads iscrowd and area too.
PanopticAnnotation read_annotation(const json& a, const std::string& file, const std::string& path, bool gt) {
  expect_object(a, file, path);
  PanopticAnnotation out;
  out.image_id = detail::get_id(member(a, "image_id", file, path), file, path_key(path, "image_id"));
  out.file_name = get_string(member(a, "file_name", file, path), file, path_key(path, "file_name"));
  const json& segs = array_member(a, "segments_info", file, path);
  const std::string sp = path_key(path, "segments_info");
  out.segments.reserve(segs.size());
  for (std::size_t j = 0; j < segs.size(); ++j) {
    const std::string p = path_index(sp, j);
    const json& s = segs[j];
    expect_object(s, file, p);
    PanopticSegment seg;
    seg.id = get_segment_id(member(s, "id", file, p), file, path_key(p, "id"));
    seg.category_id = detail::get_id(member(s, "category_id", file, p), file, path_key(p, "category_id"));
    if (gt) {
      if (auto it = s.find("iscrowd"); it != s.end()) seg.iscrowd = detail::get_flag(*it, file, path_key(p, "iscrowd"));
      if (auto it = s.find("area"); it != s.end()) seg.area = detail::get_number(*it, file, path_key(p, "area"));
    }
    out.segments.push_back(seg);
  }
  return out;
}

simdjson::padded_string read_padded(const std::string& path) {
  simdjson::padded_string text(regular_file_size(path));
  read_file_into(path, text.data(), text.size());
  return text;
}

json parse_object(std::string_view text, const std::string& path) {
  json doc = detail::parse_json(text, path);
  expect_object(doc, path, "top level");
  return doc;
}

std::string join(const std::string& folder, const std::string& name) {
  return (std::filesystem::path(folder) / name).string();
}

// A PNG named by a JSON entry: a missing file is an inconsistency of the input (exit 3). Asked
// only once reading failed: one system call less per file.
void throw_if_missing(const std::string& path, const PanopticAnnotation& a, const std::string& json_file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError::expected(json_file, path_key(path_index("annotations", a.index), "file_name"),
                               "a PNG file " + path + " (image_id " + std::to_string(a.image_id) + ")", "no such file");
}

// The located message for an image the reference refuses.
InputError issue_error(const PanopticIssue& issue, const PanopticAnnotation& pred, const std::string& pred_json,
                       const std::string& pred_png, const std::string& gt_png, int gw, int gh, int pw, int ph) {
  using K = PanopticIssue::Kind;
  const std::string entry = path_index("annotations", pred.index);
  const std::string image = "image_id " + std::to_string(pred.image_id) + ", " + pred_png + ": ";
  if (issue.kind == K::unknown_category) {
    std::size_t j = 0;  // the listing whose values count: the last with this id
    for (std::size_t i = 0; i < pred.segments.size(); ++i)
      if (pred.segments[i].id == issue.segment_id) j = i;
    return InputError::at(pred_json, path_key(path_index(path_key(entry, "segments_info"), j), "category_id"),
                          image + describe(issue));
  }
  if (issue.kind == K::size_mismatch)
    return InputError::expected(pred_png, "image size",
                                std::to_string(gw) + " x " + std::to_string(gh) + " pixels like " + gt_png +
                                    " (image_id " + std::to_string(pred.image_id) + ")",
                                std::to_string(pw) + " x " + std::to_string(ph));
  return InputError::at(pred_json, path_key(entry, "segments_info"), image + describe(issue));
}

}  // namespace

PanopticGroundTruth detail::parse_panoptic_gt_dom(std::string_view text, const std::string& path) {
  const json doc = parse_object(text, path);
  PanopticGroundTruth gt;
  gt.file = path;
  const json& cats = array_member(doc, "categories", path, "");
  std::unordered_map<std::int64_t, std::size_t> position;
  for (std::size_t k = 0; k < cats.size(); ++k) {
    const std::string p = path_index("categories", k);
    const json& c = cats[k];
    expect_object(c, path, p);
    PanopticCategory cat;
    cat.id = detail::get_id(member(c, "id", path, p), path, path_key(p, "id"));
    cat.isthing = detail::get_flag(member(c, "isthing", path, p), path, path_key(p, "isthing"));
    if (auto it = c.find("name"); it != c.end() && it->is_string()) cat.name = it->get<std::string>();
    auto [it, fresh] = position.emplace(cat.id, gt.categories.size());
    if (fresh)
      gt.categories.push_back(std::move(cat));
    else
      gt.categories[it->second] = std::move(cat);  // a dict: the first position, the last values
  }
  const json& anns = array_member(doc, "annotations", path, "");
  gt.annotations.reserve(anns.size());
  for (std::size_t i = 0; i < anns.size(); ++i) {
    gt.annotations.push_back(read_annotation(anns[i], path, path_index("annotations", i), true));
    gt.annotations.back().index = i;
  }
  return gt;
}

std::vector<PanopticAnnotation> detail::parse_panoptic_predictions_dom(std::string_view text, const std::string& path,
                                                                       const PanopticGroundTruth& gt) {
  const json doc = parse_object(text, path);
  const json& anns = array_member(doc, "annotations", path, "");
  std::unordered_map<std::int64_t, std::size_t> by_image;  // the last entry of an image wins
  for (std::size_t i = 0; i < anns.size(); ++i) {
    const std::string p = path_index("annotations", i);
    expect_object(anns[i], path, p);
    by_image[detail::get_id(member(anns[i], "image_id", path, p), path, path_key(p, "image_id"))] = i;
  }
  std::vector<PanopticAnnotation> out;
  out.reserve(gt.annotations.size());
  for (const PanopticAnnotation& g : gt.annotations) {
    auto it = by_image.find(g.image_id);
    if (it == by_image.end())
      throw InputError::expected(path, "annotations",
                                 "a prediction for image_id " + std::to_string(g.image_id) + " (" + gt.file +
                                     ": annotations[" + std::to_string(g.index) + "])",
                                 "none");
    out.push_back(read_annotation(anns[it->second], path, path_index("annotations", it->second), false));
    out.back().index = it->second;
  }
  return out;
}

PanopticGroundTruth read_panoptic_gt(const std::string& path) {
  const simdjson::padded_string text = read_padded(path);
  PanopticGroundTruth gt;
  if (!detail::fast_read_panoptic_gt(text, gt)) return detail::parse_panoptic_gt_dom(text, path);
  gt.file = path;
  return gt;
}

std::vector<PanopticAnnotation> read_panoptic_predictions(const std::string& path, const PanopticGroundTruth& gt) {
  const simdjson::padded_string text = read_padded(path);
  std::vector<PanopticAnnotation> out;
  if (!detail::fast_read_panoptic_predictions(text, gt, out)) return detail::parse_panoptic_predictions_dom(text, path, gt);
  return out;
}

std::string panoptic_default_folder(const std::string& json_path) {
  std::string out = json_path;
  for (std::size_t at; (at = out.find(".json")) != std::string::npos;) out.erase(at, 5);
  return out;
}

std::vector<std::uint32_t> read_panoptic_png(const std::string& path, int& width, int& height) {
  const PngImage png = read_png(path);
  detail::expect_panoptic_png(png, path);
  width = png.width;
  height = png.height;
  const std::size_t n = png.pixels(), step = std::size_t(png.channels);
  std::vector<std::uint32_t> ids(n);
  const std::uint8_t* d = png.data.data();
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    // Four bytes at a time (R, G, B and the next sample), masked; the last pixel has no fourth.
    for (; i + 1 < n; ++i) {
      std::uint32_t v;
      std::memcpy(&v, d + i * step, 4);
      ids[i] = v & 0xFFFFFFu;
    }
  }
  for (; i < n; ++i)
    ids[i] = std::uint32_t(d[i * step]) | std::uint32_t(d[i * step + 1]) << 8 | std::uint32_t(d[i * step + 2]) << 16;
  return ids;
}

PanopticResult evaluate_panoptic_files(const PanopticFiles& f) {
  const std::string gt_folder = f.gt_folder.empty() ? panoptic_default_folder(f.gt_json) : f.gt_folder;
  const std::string pred_folder = f.pred_folder.empty() ? panoptic_default_folder(f.pred_json) : f.pred_folder;
  const PanopticGroundTruth gt = read_panoptic_gt(f.gt_json);
  const PanopticCategories cats(gt.categories);
  std::error_code ec;
  for (const std::string* dir : {&gt_folder, &pred_folder})
    if (!std::filesystem::is_directory(*dir, ec)) throw IoError::cannot_read(*dir, "no such directory");
  const std::vector<PanopticAnnotation> pred = read_panoptic_predictions(f.pred_json, gt);

  const std::size_t n = gt.annotations.size();
  std::vector<PanopticImageResult> results(n);
  std::vector<std::exception_ptr> errors(n);
  // Each thread keeps its reader (its buffers) from image to image.
  tbb::enumerable_thread_specific<detail::PanopticPairReader> readers;
  std::atomic<std::size_t> first_error{n};  // images after a failed one need not run
  tbb::task_arena arena(f.threads > 0 ? f.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1), [&](const auto& range) {
      for (std::size_t i = range.begin(); i < range.end(); ++i) {
        if (i > first_error.load(std::memory_order_relaxed) || is_cancelled(f.cancel)) return;
        try {
          const PanopticAnnotation& g = gt.annotations[i];
          const PanopticAnnotation& p = pred[i];
          detail::PanopticPairReader& reader = readers.local();
          const std::string gt_png = join(gt_folder, g.file_name), pred_png = join(pred_folder, p.file_name);
          try {
            reader.read_gt(gt_png);
          } catch (const IoError&) {
            throw_if_missing(gt_png, g, f.gt_json);
            throw;
          }
          try {
            reader.read_pred(pred_png);
          } catch (const IoError&) {
            throw_if_missing(pred_png, p, f.pred_json);
            throw;
          }
          detail::PanopticPairReader::Sizes sizes;
          const auto& pairs = reader.count(sizes);
          results[i] = panoptic_match_pairs(pairs, sizes.same(), g.segments, p.segments, cats);
          if (results[i].issue.kind != PanopticIssue::Kind::none)
            throw issue_error(results[i].issue, p, f.pred_json, pred_png, gt_png, sizes.gt_width, sizes.gt_height,
                              sizes.pred_width, sizes.pred_height);
        } catch (...) {
          errors[i] = std::current_exception();
          std::size_t cur = first_error.load();
          while (i < cur && !first_error.compare_exchange_weak(cur, i)) {
          }
        }
      }
    });
  });
  check_cancel(f.cancel);
  if (first_error.load() < n) std::rethrow_exception(errors[first_error.load()]);
  std::vector<PanopticClassStats> totals(cats.size());
  for (const PanopticImageResult& r : results) panoptic_add(totals, r);
  return panoptic_summarize(cats, std::move(totals), n);
}

}  // namespace deteval

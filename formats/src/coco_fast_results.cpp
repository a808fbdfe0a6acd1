// The results fast path (coco_fast.hpp): simdjson On-Demand over the padded file, cut
// into parts parsed in parallel (json_split.hpp); declines anything but the common shapes.
#include "coco_fast.hpp"

#include <simdjson.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>
#include <string_view>
#include <vector>

#include "deteval/detail/counting_sort.hpp"
#include "deteval/mask.hpp"
#include "file_reader.hpp"
#include "id_lookup.hpp"
#include "json_split.hpp"
#include "limits.hpp"
#include "ondemand_util.hpp"

namespace deteval::detail {

namespace {
namespace od = simdjson::ondemand;

struct Seg {
  std::string_view counts;  // compressed RLE: the string's body in the file, escapes and all
  std::int64_t h = -1, w = -1;
  bool present = false;
  bool escaped = false;  // holds `\\` (COCO's alphabet has the backslash): unescape before use
};

/// The escaped body of an RLE string without its escapes (`\\`, checked by raw_string),
/// written to `dst`.
std::string_view unescape_into(std::string_view body, char* dst) {
  std::size_t n = 0, i = 0;
  while (i < body.size()) {
    const auto* hit = static_cast<const char*>(std::memchr(body.data() + i, '\\', body.size() - i));
    const std::size_t end = hit ? static_cast<std::size_t>(hit - body.data()) + 1 : body.size();  // one backslash kept
    std::memcpy(dst + n, body.data() + i, end - i);
    n += end - i;
    i = end + (hit != nullptr);  // its twin skipped
  }
  return {dst, n};
}

/// Moves the masks' strings (all in `base`'s buffer, in file order) to the buffer's front,
/// one after another, escaped ones unescaped, and returns where each now starts. A string
/// lands at or before where it was (strings only shrink, and what lay between them goes),
/// so the copying runs in rounds: a round's strings are copied into staging blocks, one
/// per thread, then the blocks to their places, which end before any later round's strings.
std::vector<std::size_t> pack_strings(char* base, const std::vector<Seg>& seg, const std::vector<std::uint32_t>& length) {
  const std::size_t n = seg.size();
  std::vector<std::size_t> at(n + 1, 0);
  for (std::size_t d = 0; d < n; ++d) at[d + 1] = at[d] + length[d];
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::size_t> cut{0};  // blocks of strings [cut[b], cut[b + 1])
  for (std::size_t d = 0; d < n; ++d)
    if (at[d + 1] - at[cut.back()] >= kBlock) cut.push_back(d + 1);
  if (cut.back() != n) cut.push_back(n);
  const std::size_t lanes = static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<std::vector<char>> stage(lanes);
  for (std::size_t b0 = 0; b0 + 1 < cut.size(); b0 += lanes) {
    const std::size_t b1 = std::min(cut.size() - 1, b0 + lanes);
    tbb::parallel_for(b0, b1, [&](std::size_t b) {
      std::vector<char>& block = stage[b - b0];
      block.resize(at[cut[b + 1]] - at[cut[b]]);
      for (std::size_t d = cut[b]; d < cut[b + 1]; ++d) {
        char* dst = block.data() + (at[d] - at[cut[b]]);
        if (seg[d].escaped) unescape_into(seg[d].counts, dst);
        else std::memcpy(dst, seg[d].counts.data(), seg[d].counts.size());
      }
    });
    tbb::parallel_for(b0, b1, [&](std::size_t b) {
      std::memcpy(base + at[cut[b]], stage[b - b0].data(), stage[b - b0].size());
    });
  }
  return at;
}

// The raw text of a string value without copying it (RLE strings are most of a
// results file). Only the escape `\\` can occur in COCO's alphabet; others decline.
// Escaped strings are left as they are, for unescape_into: unescaping them in the text
// now would spoil it for the whole-text parse that follows a part that fails.
bool raw_string(od::value v, std::string_view& out, bool& escaped) {
  std::string_view tok = v.raw_json_token();  // peeks: the value is consumed below
  od::raw_json_string consumed;
  // Consuming it (a string, checked as one) keeps On-Demand's place in the object: a value
  // left unconsumed is skipped by bracket depth alone, which accepted `"counts":"..":[..]`.
  if (v.get_raw_json_string().get(consumed)) return false;
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' || tok.back() == '\t'))
    tok.remove_suffix(1);
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') return false;
  const std::string_view body = tok.substr(1, tok.size() - 2);
  const std::size_t first = body.find('\\');
  escaped = first != std::string_view::npos;
  for (std::size_t i = escaped ? first : body.size(); i < body.size(); ++i)
    if (body[i] == '\\' && (i + 1 >= body.size() || body[++i] != '\\')) return false;
  out = body;
  return true;
}

// {"size": [h, w], "counts": "..."}; other shapes are left to the DOM reader.
bool compressed_rle(od::value v, Seg& out) {
  std::int64_t& h = out.h;
  std::int64_t& w = out.w;
  od::object seg;
  if (v.get_object().get(seg)) return false;
  bool seen_size = false, seen_counts = false;
  for (auto f : seg) {
    od::raw_json_string key;
    od::value fv;
    if (f.key().get(key) || f.value().get(fv)) return false;
    if (key == "size") {
      od::array size;
      if (fv.get_array().get(size)) return false;
      std::size_t n = 0;
      for (auto e : size) {
        std::int64_t x;
        if (n == 2 || e.get_int64().get(x)) return false;
        (n++ ? w : h) = x;
      }
      if (n != 2) return false;
      seen_size = true;
    } else if (key == "counts") {
      if (!raw_string(fv, out.counts, out.escaped)) return false;
      seen_counts = true;
    } else {
      return false;
    }
  }
  return seen_size && seen_counts;
}

// One part of the array (the whole file, or a piece of it cut by ArraySplit), read in
// file order. What depends on the file's first element (box mode) and the masks'
// check are settled after every part is read.
struct Part {
  std::vector<std::uint32_t> image, category;
  std::vector<double> score;
  std::vector<Box> box;
  std::vector<std::uint8_t> has_box;
  std::vector<Seg> seg;  // counts empty: no compressed RLE
  // The streamed segm path's checked masks: their strings' lengths (unescaped, one after
  // another in `block` from `masks_at`), areas and boxes, in integers (the values are
  // integers below 2^32, as rle_area and rle_to_bbox compute them): 24 bytes a mask.
  std::vector<std::uint32_t> mask_length, mask_area;
  std::vector<std::array<std::uint32_t, 4>> mask_box;
  std::shared_ptr<const char[]> block;
  const char* masks_at = nullptr;
  std::size_t dropped = 0;
  std::vector<std::size_t> dropped_at;  // positions within the part
  bool any = false, first_has_box = false;  // the part's first element, dropped or not

  /// Empty, keeping the arrays' memory for the next part.
  void clear() {
    image.clear(), category.clear(), score.clear(), box.clear(), has_box.clear(), seg.clear();
    mask_length.clear(), mask_area.clear(), mask_box.clear();
    block.reset();
    masks_at = nullptr;
    dropped = 0;
    dropped_at.clear();
    any = first_has_box = false;
  }
};

/// The ground truth's image and category indices by id, for a reader's every element.
struct GtIds {
  IdLookup image, category;
  explicit GtIds(const GroundTruth& gt) : image(gt.images), category(gt.categories) {}
};

// `keep_masks` false: the masks' strings are checked but not kept (their text is gone
// after the part; the streamed path uses this only where no mask is needed).
bool parse_part(od::parser& parser, const char* text, std::size_t length, std::size_t capacity, const GtIds& gt,
                bool keep_unknown, bool keep_masks, Part& out, const CancelFlag* cancel) {
  // On-Demand keeps no tape and copies no strings: the parser's memory is a small
  // index beside the text, instead of a DOM as large as the text.
  od::document doc;
  if (parser.iterate(text, length, capacity).get(doc)) return false;
  od::array arr;
  if (doc.get_array().get(arr)) return false;
  std::size_t seen = 0;
  for (auto item : arr) {
    if (++seen % kCancelEvery == 0) check_cancel(cancel);
    od::object obj;
    if (item.get_object().get(obj)) return false;
    std::int64_t image_id = 0, cat_id = 0;
    double score = 0;
    bool seen_image = false, seen_cat = false, seen_score = false, seen_box = false;
    Box box;
    Seg seg;
    for (auto field : obj) {
      std::string_view key;
      od::value v;
      if (!json_field(field, key, v)) return false;  // escapes checked and unescaped, as the DOM reader reads them
      if (key == "image_id") {
        if (v.get_int64().get(image_id)) return false;  // floats, huge: the DOM reader decides
        seen_image = true;
      } else if (key == "category_id") {
        if (v.get_int64().get(cat_id)) return false;
        seen_cat = true;
      } else if (key == "score") {
        if (!json_finite(v, score)) return false;
        seen_score = true;
      } else if (key == "bbox") {
        double x[4];
        std::size_t n = 0;
        if (!json_box_numbers(v, x, n)) return false;
        if (n == 0) {  // `"bbox": []` counts as no box, as in pycocotools
          seen_box = false;  // also after an earlier "bbox" key: the last one wins, as in the DOM reader
          box = Box{};
          continue;
        }
        if (n != 4) return false;
        box = Box{x[0], x[1], x[2], x[3]};
        seen_box = true;
      } else if (key == "segmentation") {
        if (!compressed_rle(v, seg)) return false;  // polygons etc.: DOM reader
        seg.present = true;
      } else if (!validate_json(v, 2)) {
        return false;
      }
    }
    if (!seen_image || !seen_cat || !seen_score) return false;
    if (!out.any) out.first_has_box = seen_box;
    out.any = true;
    const std::int64_t image = gt.image(image_id);
    if (image < 0) return false;
    const std::int64_t cat = gt.category(cat_id);
    if (cat < 0 && !keep_unknown) {
      out.dropped_at.push_back(out.image.size() + out.dropped);
      ++out.dropped;
      continue;
    }
    out.image.push_back(static_cast<std::uint32_t>(image));
    out.category.push_back(cat < 0 ? kUnknownCategory : static_cast<std::uint32_t>(cat));
    out.score.push_back(score);
    out.box.push_back(box);
    out.has_box.push_back(seen_box);
    if (keep_masks) out.seg.push_back(seg);
  }
  // Nothing may follow the array.
  const char* end = nullptr;
  return doc.current_location().get(end) == simdjson::OUT_OF_BOUNDS;
}

// Parts for a text of `size` bytes: about 8 MB each, up to 4 per thread (a shared machine
// balances better with more, smaller parts), one for small texts.
std::size_t auto_parts(std::size_t size) {
  const std::size_t threads = static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  if (threads == 1) return 1;
  return std::clamp<std::size_t>(size / (std::size_t{8} << 20), 1, 4 * threads);
}

/// The parts of `split` parsed in parallel, or on failure the text, restored, parsed whole.
bool parse_parts(JsonBuffer& text, ArraySplit& split, const GroundTruth& truth, bool keep_unknown,
                 std::vector<Part>& parts, const CancelFlag* cancel) {
  const GtIds gt(truth);
  parts.assign(split.size(), Part{});
  std::atomic<bool> ok{true};
  tbb::parallel_for(std::size_t{0}, split.size(), [&](std::size_t i) {
    od::parser parser;
    if (ok && !parse_part(parser, split.data(i), split.length(i), split.capacity(i), gt, keep_unknown, true, parts[i], cancel))
      ok = false;
  });
  if (ok) return true;
  split.restore();
  if (split.size() == 1 && parts.size() == 1) return false;  // it was whole already
  // A cut inside a string or a nested value (or a bad element): read the text whole.
  parts.assign(1, Part{});
  od::parser parser;
  return parse_part(parser, text.data(), text.size(), text.capacity(), gt, keep_unknown, true, parts[0], cancel);
}

// The parts concatenated in file order: detections, whether each had a box, its mask's
// text (when the parts kept them), the box mode of the file's first result and the
// dropped results' positions.
struct Assembled {
  Detections dt;
  std::vector<std::uint8_t> has_box;
  std::vector<Seg> seg;
  bool box_mode = false;
  std::size_t dropped = 0;
  std::vector<std::size_t> dropped_positions;
};

Assembled assemble(const std::vector<Part>& parts) {
  Assembled a;
  std::vector<std::size_t> offset(parts.size() + 1, 0);  // part i's detections are [offset[i], offset[i + 1])
  bool first = true;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    offset[i + 1] = offset[i] + parts[i].image.size();
    for (std::size_t at : parts[i].dropped_at) a.dropped_positions.push_back(offset[i] + a.dropped + at);
    a.dropped += parts[i].dropped;
    if (first && parts[i].any) {
      a.box_mode = parts[i].first_has_box;
      first = false;
    }
  }
  const std::size_t n = offset.back();
  Detections& dt = a.dt;
  dt.image.resize(n);
  dt.category.resize(n);
  dt.score.resize(n);
  dt.box.resize(n);
  dt.area.resize(n);
  a.has_box.resize(n);
  a.seg.resize(n);
  tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t i) {
    const Part& p = parts[i];
    const std::size_t o = offset[i];
    std::copy(p.image.begin(), p.image.end(), dt.image.begin() + o);
    std::copy(p.category.begin(), p.category.end(), dt.category.begin() + o);
    std::copy(p.score.begin(), p.score.end(), dt.score.begin() + o);
    std::copy(p.box.begin(), p.box.end(), dt.box.begin() + o);
    std::copy(p.has_box.begin(), p.has_box.end(), a.has_box.begin() + o);
    std::copy(p.seg.begin(), p.seg.end(), a.seg.begin() + o);
    for (std::size_t j = 0; j < p.box.size(); ++j) dt.area[o + j] = p.box[j].area();
  });
  return a;
}

// A detection needs its mask for segm, and for bbox when it has no box or the file's
// first result had none (pycocotools then takes boxes and areas from the masks). Every
// needed mask is checked by decoding it once, in parallel; areas and boxes are taken where
// pycocotools takes them, and segm keeps the masks compressed, with their boxes (the IoU's
// box test) from the same decoding. segm: `unescaped_length` = each string's length
// without its escapes. False: a mask is missing, of another size, or not a valid RLE
// (the DOM reader accepts or explains).
bool check_masks(Assembled& a, const GroundTruth& gt, IouType type, bool box_mode,
                 std::vector<std::uint32_t>& unescaped_length, const CancelFlag* cancel) {
  Detections& dt = a.dt;
  const std::vector<std::uint8_t>& has_box = a.has_box;
  const std::vector<Seg>& seg = a.seg;
  const std::size_t n = dt.image.size();
  auto need_mask = [&](std::size_t d) { return type == IouType::segm || !has_box[d] || !box_mode; };
  if (type == IouType::segm) dt.mask_box.resize(n);
  unescaped_length.assign(type == IouType::segm ? n : 0, 0);
  std::atomic<bool> ok{true};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n), [&](const auto& r) {
    std::vector<std::uint32_t> runs;
    std::string error, unescaped;
    for (std::size_t d = r.begin(); d != r.end(); ++d) {
      if ((d - r.begin()) % kCancelEvery == 0) check_cancel(cancel);
      if (!need_mask(d)) continue;
      const Image& im = gt.images[dt.image[d]];
      if (!seg[d].present || seg[d].h != im.height || seg[d].w != im.width || im.height <= 0 || im.width <= 0) {
        ok = false;
        return;
      }
      const auto hh = static_cast<std::uint32_t>(im.height), ww = static_cast<std::uint32_t>(im.width);
      std::string_view counts = seg[d].counts;
      if (seg[d].escaped) {
        if (unescaped.size() < counts.size()) unescaped.resize(counts.size());
        counts = unescape_into(counts, unescaped.data());
      }
      if (type == IouType::segm) unescaped_length[d] = static_cast<std::uint32_t>(counts.size());
      if (runs.size() < counts.size()) runs.resize(counts.size());
      const std::size_t nruns = rle_from_string_into(counts, hh, ww, runs.data(), runs.size(), error);
      if (nruns == kBadRle) {
        ok = false;
        return;
      }
      const RleView m{hh, ww, std::span<const std::uint32_t>(runs.data(), nruns)};
      if (!box_mode || !has_box[d]) dt.area[d] = static_cast<double>(rle_area(m));
      const bool mask_box_needed = !has_box[d] || type == IouType::segm;
      const Box b = mask_box_needed ? rle_to_bbox(m) : Box{};
      if (!has_box[d]) dt.box[d] = b;
      if (type == IouType::segm) dt.mask_box[d] = b;
    }
  });
  return ok;
}

bool parse(JsonBuffer& text, const GroundTruth& gt, IouType type, Detections& out, ResultsReport& report,
           std::size_t nparts, AreaFrom area_from, bool keep_unknown, const CancelFlag* cancel) {
  if (type != IouType::bbox && type != IouType::segm) return false;
  // The split lives until the end: a check that fails after the parts have parsed (a
  // mask) must hand the DOM reader the text as it was, not with the cuts' brackets in it.
  ArraySplit split(text, nparts == 0 ? auto_parts(text.size()) : nparts);
  std::vector<Part> parts;
  if (!parse_parts(text, split, gt, keep_unknown, parts, cancel)) return false;
  Assembled a = assemble(parts);
  parts.clear();
  bool box_mode = a.box_mode;
  if (type == IouType::segm && area_from != AreaFrom::first_result) box_mode = area_from == AreaFrom::bbox;
  std::vector<std::uint32_t> unescaped_length;
  const bool ok = check_masks(a, gt, type, box_mode, unescaped_length, cancel);
  if (!ok) {
    split.restore();
    return false;
  }
  check_cancel(cancel);
  Detections& dt = a.dt;
  const std::size_t n = dt.image.size();
  if (type == IouType::segm) {
    // The strings stay in the file's buffer, which the store keeps, moved to its front and
    // unescaped, and the rest is given back: no copy of ~110 MB into new pages.
    const std::vector<std::size_t> at = pack_strings(text.data(), a.seg, unescaped_length);
    const std::shared_ptr<const char[]> buffer = text.shared();
    dt.masks.reserve(n, 0);
    for (std::size_t d = 0; d < n; ++d) {
      const Image& im = gt.images[dt.image[d]];
      const auto hh = static_cast<std::uint32_t>(im.height), ww = static_cast<std::uint32_t>(im.width);
      dt.masks.push_back_shared(std::string_view(text.data() + at[d], unescaped_length[d]), hh, ww, buffer);
    }
    text.discard_after(at[n]);
  }
  report.dropped_unknown_category = a.dropped;
  report.dropped_positions = std::move(a.dropped_positions);
  report.boxes_from_masks = static_cast<std::size_t>(std::count(a.has_box.begin(), a.has_box.end(), std::uint8_t{0}));
  out = std::move(dt);
  return true;
}

// ---- The streamed path: the file read part by part, never whole

// About this many bytes per streamed part: enough to keep both cores busy, small enough
// that each thread's reused buffer and parser index stay a few MB.
constexpr std::size_t kStreamPart = std::size_t{4} << 20;

bool json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The first boundary between two elements (`}` `,` `{`, whitespace around the comma) at
// or after `from`, looked for in windows read from the file up to `limit` bytes on: the
// `}`'s and the `{`'s offsets. As for ArraySplit, a boundary found inside a string makes
// a part fail to parse, never parse differently.
bool find_cut(const FileReader& file, std::size_t from, std::size_t last, std::size_t limit, std::string& window,
              std::size_t& close, std::size_t& open) {
  constexpr std::size_t kWindow = std::size_t{64} << 10;
  std::size_t at = from;
  while (at < last && at - from <= limit) {
    const std::size_t len = std::min(kWindow, last - at);
    window.resize(len);
    file.read_at(window.data(), len, at);
    std::size_t next = at + len;
    for (std::size_t k = 0; k < len; ++k) {
      if (window[k] != '}') continue;
      std::size_t q = k + 1;
      while (q < len && json_space(window[q])) ++q;
      if (q < len && window[q] != ',') continue;
      if (q < len) ++q;
      while (q < len && json_space(window[q])) ++q;
      if (q == len) {  // the boundary may go on past the window: read again from this `}`
        if (k == 0) return false;
        next = at + k;
        break;
      }
      if (window[q] != '{') continue;
      close = at + k;
      open = at + q;
      return true;
    }
    at = next;
  }
  return false;
}

// The masks' strings of every part, copied (unescaped) out of the thread's reused text
// buffer into one buffer that the masks' store keeps alive: fresh memory for the strings
// alone (111 of the COCO-scale file's 177 MB), not for the whole file. It is sized for the
// whole file, which holds the strings, but only the part the strings fill is ever touched;
// one allocation made before the parts' arrays, so that theirs, freed after assembly,
// leave one free stretch for the evaluation's arrays instead of holes between blocks.
class StringArena {
 public:
  explicit StringArena(std::size_t capacity) : text_(new char[capacity]), capacity_(capacity) {}  // not zeroed
  /// `n` bytes of its own for a part (parts take theirs concurrently); null past the end.
  char* take(std::size_t n) {
    const std::size_t at = used_.fetch_add(n);
    return at + n <= capacity_ ? text_.get() + at : nullptr;
  }
  std::shared_ptr<const char[]> text() const { return text_; }

 private:
  std::shared_ptr<char[]> text_;
  std::size_t capacity_;
  std::atomic<std::size_t> used_{0};
};

// A streamed part's masks, checked while its text is at hand (then overwritten by the
// thread's next part) as check_masks checks them: present, of the image's size, valid.
// Each string is copied (unescaped) into `arena` and decoded once for its area and box;
// which of them a detection takes depends on the file's first result (box mode), settled
// after every part is read. False: the whole-text path decides.
// Whether a detection's mask can be read by an evaluation (CocoReadOptions::masks_kept):
// each image's ground-truth categories, sorted, in one flat list.
class MaskNeed {
 public:
  MaskNeed(const GroundTruth& gt, MasksKept kept) : kept_(kept) {
    if (kept == MasksKept::all) return;
    const std::size_t I = gt.images.size();
    std::vector<std::uint32_t> objects(gt.size());
    std::iota(objects.begin(), objects.end(), 0u);
    start_ = counting_sort(objects, I, [&](std::uint32_t g) { return gt.image[g]; });
    category_.resize(gt.size());
    for (std::size_t q = 0; q < objects.size(); ++q) category_[q] = gt.category[objects[q]];
    for (std::size_t i = 0; i < I; ++i) std::sort(category_.begin() + start_[i], category_.begin() + start_[i + 1]);
  }
  bool operator()(std::uint32_t image, std::uint32_t category) const {
    if (kept_ == MasksKept::all) return true;
    const auto first = category_.begin() + start_[image], last = category_.begin() + start_[image + 1];
    if (kept_ == MasksKept::by_image) return first != last;
    return std::binary_search(first, last, category);
  }

 private:
  MasksKept kept_;
  std::vector<std::uint64_t> start_;
  std::vector<std::uint32_t> category_;
};

bool take_masks(Part& p, const GroundTruth& gt, const MaskNeed& needed, StringArena& arena,
                std::vector<std::uint32_t>& runs, std::string& unescaped) {
  const std::size_t n = p.seg.size();
  // Which masks are kept (mask_length 1 for now, the length once copied) and the room
  // their strings take: one piece of the arena for the part.
  p.mask_length.resize(n);
  std::size_t need = 0;
  for (std::size_t j = 0; j < n; ++j) {
    p.mask_length[j] = needed(p.image[j], p.category[j]);
    if (p.mask_length[j]) need += p.seg[j].counts.size();
  }
  char* const start = arena.take(need);
  if (start == nullptr) return false;  // cannot happen: the strings are in the file
  char* dst = start;
  p.mask_area.resize(n);
  p.mask_box.resize(n);
  std::string error;
  for (std::size_t j = 0; j < n; ++j) {
    const Seg& g = p.seg[j];
    const Image& im = gt.images[p.image[j]];
    if (!g.present || g.h != im.height || g.w != im.width || im.height <= 0 || im.width <= 0) return false;
    std::string_view counts;
    const bool kept = p.mask_length[j] != 0;
    if (!kept) {  // checked and measured in place, not copied
      if (g.escaped && unescaped.size() < g.counts.size()) unescaped.resize(g.counts.size());
      counts = g.escaped ? unescape_into(g.counts, unescaped.data()) : g.counts;
    } else if (g.escaped) {
      counts = unescape_into(g.counts, dst);
    } else {
      std::memcpy(dst, g.counts.data(), g.counts.size());
      counts = {dst, g.counts.size()};
    }
    if (kept) dst += counts.size();
    const auto hh = static_cast<std::uint32_t>(im.height), ww = static_cast<std::uint32_t>(im.width);
    if (runs.size() < counts.size()) runs.resize(counts.size());
    const std::size_t nruns = rle_from_string_into(counts, hh, ww, runs.data(), runs.size(), error);
    if (nruns == kBadRle) return false;
    const RleView m{hh, ww, std::span<const std::uint32_t>(runs.data(), nruns)};
    // A mask left out needs its box only as the result's box (a result without one); the
    // mask held empty has the empty box.
    const Box b = kept || !p.has_box[j] ? rle_to_bbox(m) : Box{};
    p.mask_length[j] = kept ? static_cast<std::uint32_t>(counts.size()) : 0;  // 0: held empty
    p.mask_area[j] = static_cast<std::uint32_t>(rle_area(m));  // <= h * w < 2^32 (checked by the decoder)
    p.mask_box[j] = {static_cast<std::uint32_t>(b.x), static_cast<std::uint32_t>(b.y), static_cast<std::uint32_t>(b.w),
                     static_cast<std::uint32_t>(b.h)};
  }
  p.block = arena.text();
  p.masks_at = start;
  p.seg.clear();  // its views point into the thread's text buffer, about to be reused
  return true;
}

bool stream_parse(const FileReader& file, const GroundTruth& gt, IouType type, Detections& out,
                  ResultsReport& report, std::size_t part_bytes, AreaFrom area_from, bool keep_unknown,
                  const CancelFlag* cancel, MasksKept masks_kept) {
  if (type != IouType::bbox && type != IouType::segm) return false;
  const bool segm = type == IouType::segm;
  const std::size_t n = file.size();
  if (part_bytes == 0) part_bytes = kStreamPart;
  const std::size_t nparts = n / part_bytes;
  if (nparts < 2) return false;

  // The top-level array's `[` and `]`, whitespace around them.
  std::string window(std::min<std::size_t>(n, 4096), '\0');
  file.read_at(window.data(), window.size(), 0);
  std::size_t first = 0;
  while (first < window.size() && json_space(window[first])) ++first;
  if (first == window.size() || window[first] != '[') return false;
  file.read_at(window.data(), window.size(), n - window.size());
  std::size_t tail = window.size();
  while (tail > 0 && json_space(window[tail - 1])) --tail;
  if (tail == 0 || window[tail - 1] != ']') return false;
  const std::size_t last = n - window.size() + tail;  // one past the `]`

  // Part i: `[` (but the first) + the file's bytes [begin, end) + `]` (but the last), the
  // texts ArraySplit would cut at the same boundaries.
  struct Range {
    std::size_t begin, end;
  };
  std::vector<Range> ranges;
  std::size_t begin = 0, from = first + 1;
  for (std::size_t i = 1; i < nparts; ++i) {
    const std::size_t at = std::max(from, n / nparts * i);
    std::size_t close = 0, open = 0;
    if (at + 1 >= last || !find_cut(file, at, last - 1, part_bytes, window, close, open)) break;
    ranges.push_back({begin, close + 1});
    begin = open;
    from = open + 1;
  }
  ranges.push_back({begin, n});
  if (ranges.size() < 2) return false;

  // An in-order pipeline: parts are read and parsed in parallel (each thread reusing one
  // text buffer and one parser), and each parsed part is appended to the detections in
  // file order by one stage at a time. Only the few parts in flight exist at once, their
  // arrays reused from part to part: the file costs fresh memory for the detections and
  // the masks' strings alone, with no copy of all the parts' arrays into the result.
  struct Scratch {
    std::vector<char> text;
    od::parser parser;
    std::vector<std::uint32_t> runs;  // segm: one mask decoded
    std::string unescaped;            // segm: a mask left out, unescaped
  };
  std::unique_ptr<StringArena> masks;  // segm
  if (segm) masks = std::make_unique<StringArena>(n);
  const MaskNeed needed(gt, segm ? masks_kept : MasksKept::all);
  tbb::enumerable_thread_specific<Scratch> scratch;
  const GtIds ids(gt);
  const std::size_t tokens = 2 * static_cast<std::size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  std::vector<Part> pool(tokens);
  std::vector<Part*> free_parts;
  for (Part& p : pool) free_parts.push_back(&p);
  std::mutex free_lock;
  struct Token {
    std::size_t index;
    Part* part;
  };
  std::atomic<bool> ok{true};

  // What the appending stage has settled so far.
  Detections dt;
  std::size_t next = 0, dropped = 0, boxes_from_masks = 0;
  std::vector<std::size_t> dropped_positions;
  bool box_mode_known = false, file_box_mode = false, box_mode = false;
  auto append = [&](const Range& g, Part& p) {
    if (!box_mode_known && p.any) {
      box_mode_known = true;
      file_box_mode = p.first_has_box;
      box_mode = area_from == AreaFrom::first_result ? file_box_mode : area_from == AreaFrom::bbox;
    }
    const std::size_t m = p.image.size(), o = dt.image.size();
    if (!segm && box_mode_known && !file_box_mode) return false;  // boxes from masks: the whole-text path
    if (dt.image.capacity() == 0) {
      // Reserve about what the file holds, from this part's bytes per result: reserved
      // pages are not touched (or counted) until filled, and growing by copies is what the
      // pipeline is here to avoid.
      const std::size_t per = std::max<std::size_t>(1, (g.end - g.begin) / std::max<std::size_t>(1, m + p.dropped));
      const std::size_t guess = n / per + n / per / 4 + 1024;
      dt.image.reserve(guess);
      dt.category.reserve(guess);
      dt.score.reserve(guess);
      dt.box.reserve(guess);
      dt.area.reserve(guess);
      if (segm) {
        dt.mask_box.reserve(guess);
        dt.masks.reserve(guess, 0);
      }
    }
    for (std::size_t at : p.dropped_at) dropped_positions.push_back(o + dropped + at);
    dropped += p.dropped;
    dt.image.insert(dt.image.end(), p.image.begin(), p.image.end());
    dt.category.insert(dt.category.end(), p.category.begin(), p.category.end());
    dt.score.insert(dt.score.end(), p.score.begin(), p.score.end());
    for (std::size_t j = 0; j < m; ++j) {
      if (!p.has_box[j]) {
        if (!segm) return false;  // boxes from masks: the whole-text path
        ++boxes_from_masks;
      }
      dt.area.push_back(p.box[j].area());
    }
    if (!segm) {
      dt.box.insert(dt.box.end(), p.box.begin(), p.box.end());
      return true;
    }
    // check_masks' choices, from the part's decoded masks.
    const char* text = p.masks_at;
    for (std::size_t j = 0; j < m; ++j) {
      const auto& mb = p.mask_box[j];
      const Box b{double(mb[0]), double(mb[1]), double(mb[2]), double(mb[3])};
      if (!box_mode || !p.has_box[j]) dt.area[o + j] = p.mask_area[j];
      dt.box.push_back(p.has_box[j] ? p.box[j] : b);
      dt.mask_box.push_back(p.mask_length[j] > 0 ? b : Box{});  // a mask held empty has the empty box
      const Image& im = gt.images[p.image[j]];
      dt.masks.push_back_shared(std::string_view(text, p.mask_length[j]), static_cast<std::uint32_t>(im.height),
                                static_cast<std::uint32_t>(im.width), p.block);
      text += p.mask_length[j];
    }
    return true;
  };

  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Token>(tbb::filter_mode::serial_in_order,
                                    [&](tbb::flow_control& fc) -> Token {
                                      if (next == ranges.size() || !ok) {
                                        fc.stop();
                                        return {};
                                      }
                                      std::lock_guard<std::mutex> hold(free_lock);
                                      Part* p = free_parts.back();  // never empty: a Part per token
                                      free_parts.pop_back();
                                      return {next++, p};
                                    }) &
          tbb::make_filter<Token, Token>(
              tbb::filter_mode::parallel,
              [&](Token t) {
                if (!ok) return t;
                check_cancel(cancel);
                Scratch& s = scratch.local();
                const Range& g = ranges[t.index];
                const bool open_bracket = t.index > 0, close_bracket = t.index + 1 < ranges.size();
                const std::size_t length = g.end - g.begin + open_bracket + close_bracket;
                if (s.text.size() < length + simdjson::SIMDJSON_PADDING) s.text.resize(length + simdjson::SIMDJSON_PADDING);
                char* text = s.text.data();
                if (open_bracket) text[0] = '[';
                file.read_at(text + open_bracket, g.end - g.begin, g.begin);
                if (close_bracket) text[length - 1] = ']';
                std::memset(text + length, 0, simdjson::SIMDJSON_PADDING);
                Part& p = *t.part;
                p.clear();
                if (!parse_part(s.parser, text, length, s.text.size(), ids, keep_unknown, segm, p, cancel) ||
                    (segm && !take_masks(p, gt, needed, *masks, s.runs, s.unescaped)))
                  ok = false;
                return t;
              }) &
          tbb::make_filter<Token, void>(tbb::filter_mode::serial_in_order, [&](Token t) {
            if (ok && !append(ranges[t.index], *t.part)) ok = false;
            std::lock_guard<std::mutex> hold(free_lock);
            free_parts.push_back(t.part);
          }));
  // A cut inside a value, an unusual element, or boxes to take from masks: the whole-text
  // path decides.
  if (!ok || (!segm && !file_box_mode)) return false;
  report.dropped_unknown_category = dropped;
  report.dropped_positions = std::move(dropped_positions);
  report.boxes_from_masks = boxes_from_masks;
  out = std::move(dt);
  return true;
}

}  // namespace

bool fast_parse_coco_results(JsonBuffer& text, const GroundTruth& gt, IouType type, Detections& out,
                             ResultsReport& report, std::size_t parts, AreaFrom area_from, bool keep_unknown,
                             const CancelFlag* cancel) {
  return parse(text, gt, type, out, report, parts, area_from, keep_unknown, cancel);
}

bool fast_stream_coco_results(const FileReader& file, const GroundTruth& gt, IouType type, Detections& out,
                              ResultsReport& report, std::size_t part_bytes, AreaFrom area_from, bool keep_unknown,
                              const CancelFlag* cancel, MasksKept masks_kept) {
  return stream_parse(file, gt, type, out, report, part_bytes, area_from, keep_unknown, cancel, masks_kept);
}

}  // namespace deteval::detail

// The sanity checks of sanity.hpp. Each is a pass over the flat arrays; the only
// pairwise work is the box overlap of detections with the ground truth of their image.
#include "deteval/sanity.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "deteval/box.hpp"
#include "deteval/detail/counting_sort.hpp"

namespace deteval {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string box_text(const Box& b) {
  return "[" + num(b.x) + ", " + num(b.y) + ", " + num(b.w) + ", " + num(b.h) + "]";
}

std::string size_text(const Image& im) { return std::to_string(im.width) + "x" + std::to_string(im.height); }

bool has_size(const Image& im) { return im.width > 0 && im.height > 0; }

// A box "runs past" its image when it ends more than a pixel beyond it (detectors clip
// to the image, give or take rounding).
constexpr double kSlack = 1;

bool runs_past(const Box& b, const Image& im) { return b.x + b.w > im.width + kSlack || b.y + b.h > im.height + kSlack; }

bool fits_as_corners(const Box& b, const Image& im) {
  return b.w > b.x && b.h > b.y && b.w <= im.width + kSlack && b.h <= im.height + kSlack;
}

void box_checks(const GroundTruth& gt, const Detections& dt, bool from_masks, std::vector<Finding>& out) {
  std::uint64_t sized = 0, past = 0, corners = 0, nonpositive = 0;
  std::int64_t past_example = -1, nonpositive_example = -1;
  bool all_small = true;
  int largest_side = 0;
  for (std::size_t j = 0; j < dt.size(); ++j) {
    const Box& b = dt.box[j];
    const Image& im = gt.images[dt.image[j]];
    if (b.w <= 0 || b.h <= 0) {
      if (nonpositive++ == 0) nonpositive_example = static_cast<std::int64_t>(j);
    }
    all_small &= std::max({b.x, b.y, b.w, b.h}) <= 1.5;
    if (!has_size(im)) continue;
    largest_side = std::max({largest_side, im.width, im.height});
    ++sized;
    if (runs_past(b, im) && past++ == 0) past_example = static_cast<std::int64_t>(j);
    corners += fits_as_corners(b, im);
  }
  if (from_masks) {  // boxes of masks cannot be corners or normalised; an empty mask gives [0, 0, 0, 0]
    if (nonpositive == 0) return;
    Finding f{FindingKind::nonpositive_size, nonpositive, nonpositive_example, -1, "segmentation", "", ""};
    f.message = std::to_string(nonpositive) + " of " + std::to_string(dt.size()) +
                " masks are empty (e.g. {at}): they can match nothing; drop them, or check the mask encoding";
    out.push_back(f);
    return;
  }
  // Most boxes past their image, and (nearly) all of them fitting as corners.
  if (sized > 0 && 2 * past > sized && 10 * corners >= 9 * sized) {
    const std::size_t j = static_cast<std::size_t>(past_example);
    Finding f{FindingKind::corner_boxes, past, past_example, -1, "bbox", "", ""};
    f.message = std::to_string(past) + " of " + std::to_string(sized) +
                " boxes run past their image when read as [x, y, width, height], and " + std::to_string(corners) +
                " fit when read as corners (e.g. {at} = " + box_text(dt.box[j]) + " on a " +
                size_text(gt.images[dt.image[j]]) +
                " image): the boxes look like [x1, y1, x2, y2]; COCO results need [x, y, width, height] "
                "(width = x2 - x1, height = y2 - y1)";
    out.push_back(f);
  }
  // Normalised coordinates: every number within [0, 1.5] on images hundreds of pixels wide.
  if (dt.size() > 0 && all_small && largest_side >= 100) {
    Finding f{FindingKind::normalized_boxes, dt.size(), 0, -1, "bbox", "", ""};
    f.message = "all " + std::to_string(dt.size()) + " boxes have coordinates <= 1.5 on images up to " +
                std::to_string(largest_side) + " pixels wide (e.g. {at} = " + box_text(dt.box[0]) + " on a " +
                size_text(gt.images[dt.image[0]]) +
                " image): the boxes look normalised to [0, 1]; COCO results need pixels (multiply x and width "
                "by the image's width, y and height by its height)";
    out.push_back(f);
  }
  if (nonpositive > 0) {
    Finding f{FindingKind::nonpositive_size, nonpositive, nonpositive_example, -1, "bbox", "", ""};
    f.message = std::to_string(nonpositive) + " of " + std::to_string(dt.size()) +
                " boxes have a width or height <= 0 (e.g. {at} = " +
                box_text(dt.box[static_cast<std::size_t>(nonpositive_example)]) +
                "): they can match nothing; COCO boxes are [x, y, width, height] with positive sizes "
                "(corners swapped, or [x1, y1, x2, y2] written as sizes?)";
    out.push_back(f);
  }
}

void presence_checks(const GroundTruth& gt, const Detections& dt, const Params& p, const SanityOptions& o,
                     std::vector<Finding>& out) {
  if (dt.size() == 0) {
    Finding f{FindingKind::no_detections, 0, -1, -1, "", "", ""};
    if (o.dropped_unknown_category > 0) {
      f.position = o.first_dropped;
      f.field = "category_id";
      f.message = "none of the " + std::to_string(o.dropped_unknown_category) +
                  " detections has a category id of the ground truth (e.g. {at}): every AP is 0; map the "
                  "model's class indices to the ground truth's `categories` ids (often 0-based indices against "
                  "1-based ids, or another dataset's label map)";
    } else {
      f.message = "the results hold no detections: every AP is 0 where there is ground truth; check that the "
                  "model's output was written (an empty list `[]` is valid JSON but evaluates nothing)";
    }
    out.push_back(f);
    return;
  }
  const std::size_t K = gt.categories.size();
  std::vector<std::uint64_t> gt_per_cat(K, 0);
  for (std::size_t j = 0; j < gt.size(); ++j) ++gt_per_cat[gt.category[j]];
  if (p.use_cats && gt.size() > 0) {
    std::uint64_t in_gt_cats = 0;
    for (std::size_t j = 0; j < dt.size(); ++j) in_gt_cats += gt_per_cat[dt.category[j]] > 0;
    if (in_gt_cats == 0) {
      Finding f{FindingKind::no_ground_truth_category, dt.size(), 0, -1, "category_id", "", ""};
      f.message = "none of the " + std::to_string(dt.size()) +
                  " detections is of a category that has ground truth (e.g. {at} = " +
                  std::to_string(gt.categories[dt.category[0]].id) +
                  "): every AP is 0; check the category ids against the ground truth's annotations";
      out.push_back(f);
    }
  }
  // Images with ground truth and no detection at all: results made for another image set
  // (or another id scheme). Real detectors miss a few images, not most.
  const std::size_t I = gt.images.size();
  std::vector<std::uint8_t> has_gt(I, 0), has_dt(I, 0);
  for (std::size_t j = 0; j < gt.size(); ++j) has_gt[gt.image[j]] = 1;
  for (std::size_t j = 0; j < dt.size(); ++j) has_dt[dt.image[j]] = 1;
  std::uint64_t with_gt = 0, without_dt = 0;
  std::int64_t example = -1;
  for (std::size_t i = 0; i < I; ++i) {
    with_gt += has_gt[i];
    if (has_gt[i] && !has_dt[i] && without_dt++ == 0) example = gt.images[i].id;
  }
  if (with_gt > 0 && 2 * without_dt >= with_gt) {
    Finding f{FindingKind::images_without_detections, without_dt, -1, -1, "", "", ""};
    f.message = std::to_string(without_dt) + " of " + std::to_string(with_gt) +
                " images with ground truth have no detection (e.g. image id " + std::to_string(example) +
                "): their objects all count as missed; were the results made for another image set or id "
                "scheme? (to evaluate a subset, pass {parameter})";
    f.parameter = "imgIds";
    out.push_back(f);
  }
}

// Shifted category ids: a category whose detections cover objects of other categories
// (IoU >= 0.5) at least ten times as often as objects of their own, and often.
// Per category: detections, those covering an object of their own category (IoU >= 0.5),
// those covering only another's (and whose), and the first such detection.
struct CategoryTally {
  std::vector<std::uint64_t> total, own, other;
  std::vector<std::map<std::uint32_t, std::uint64_t>> other_cat;
  std::vector<std::int64_t> example;
  explicit CategoryTally(std::size_t K) : total(K, 0), own(K, 0), other(K, 0), other_cat(K), example(K, -1) {}
};

void category_check(const GroundTruth& gt, const Detections& dt, const Params& p, std::vector<Finding>& out) {
  if (!p.use_cats || (p.iou_type != IouType::bbox && p.iou_type != IouType::segm) || dt.size() == 0) return;
  const std::size_t I = gt.images.size(), K = gt.categories.size();
  // Each image's non-crowd ground truth, in file order, as one flat list.
  std::vector<std::uint32_t> objects;
  for (std::size_t g = 0; g < gt.size(); ++g)
    if (!gt.iscrowd[g]) objects.push_back(static_cast<std::uint32_t>(g));
  const std::vector<std::uint64_t> off =
      detail::counting_sort(objects, I, [&](std::uint32_t g) { return gt.image[g]; });
  // The pairwise pass (every detection against its image's objects) in fixed chunks, in
  // parallel, each tallied apart and added in chunk order: the same counts for any threads.
  constexpr std::size_t kChunk = 8192;
  const std::size_t chunks = (dt.size() + kChunk - 1) / kChunk;
  std::vector<CategoryTally> part(chunks, CategoryTally(0));
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
    CategoryTally t(K);
    for (std::size_t j = c * kChunk; j < std::min(dt.size(), (c + 1) * kChunk); ++j) {
      const std::uint32_t k = dt.category[j];
      ++t.total[k];
      double best_own = 0, best_other = 0;
      std::uint32_t best_other_cat = 0;
      const std::uint32_t image = dt.image[j];
      for (std::uint64_t q = off[image]; q < off[image + 1]; ++q) {
        const std::uint32_t g = objects[q];
        const double v = box_iou(dt.box[j], gt.box[g], false);
        if (gt.category[g] == k) {
          best_own = std::max(best_own, v);
        } else if (v > best_other) {
          best_other = v;
          best_other_cat = gt.category[g];
        }
      }
      if (best_own >= 0.5) {
        ++t.own[k];
      } else if (best_other >= 0.5) {
        ++t.other[k];
        ++t.other_cat[k][best_other_cat];
        if (t.example[k] < 0) t.example[k] = static_cast<std::int64_t>(j);
      }
    }
    part[c] = std::move(t);
  });
  CategoryTally all(K);
  std::vector<std::uint64_t>&total = all.total, &own = all.own, &other = all.other;
  std::vector<std::map<std::uint32_t, std::uint64_t>>& other_cat = all.other_cat;
  std::vector<std::int64_t>& example = all.example;
  for (const CategoryTally& t : part)
    for (std::size_t k = 0; k < K; ++k) {
      total[k] += t.total[k];
      own[k] += t.own[k];
      other[k] += t.other[k];
      for (const auto& [cat, n] : t.other_cat[k]) other_cat[k][cat] += n;
      if (example[k] < 0) example[k] = t.example[k];
    }
  std::uint64_t flagged = 0, with_dt = 0;
  std::int64_t first = -1;  // the flagged category with the most such detections: the example
  for (std::size_t k = 0; k < K; ++k) {
    with_dt += total[k] > 0;
    if (other[k] >= 5 && 10 * own[k] <= other[k] && 4 * other[k] >= total[k]) {
      ++flagged;
      if (first < 0 || other[k] > other[static_cast<std::size_t>(first)]) first = static_cast<std::int64_t>(k);
    }
  }
  if (flagged == 0) return;
  const std::size_t k = static_cast<std::size_t>(first);
  const auto most = std::max_element(other_cat[k].begin(), other_cat[k].end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  Finding f{FindingKind::shifted_categories, flagged, example[k], -1, "category_id", "", ""};
  f.message = std::to_string(flagged) + " of " + std::to_string(with_dt) + " categories with detections" +
              " cover objects of another category, not their own (e.g. {at} = " +
              std::to_string(gt.categories[k].id) + ": its detections cover category " +
              std::to_string(gt.categories[most->first].id) + "'s objects " + std::to_string(most->second) +
              " times, its own " + std::to_string(own[k]) +
              "): the category ids look shifted (0-based indices for 1-based ids, or another label map); map "
              "them to the ground truth's `categories` ids";
  out.push_back(f);
}

void score_checks(const GroundTruth& gt, const Detections& dt, const Params& p, std::vector<Finding>& out) {
  if (dt.size() >= 2 && std::all_of(dt.score.begin(), dt.score.end(), [&](double s) { return s == dt.score[0]; })) {
    Finding f{FindingKind::equal_scores, dt.size(), 0, -1, "score", "", ""};
    f.message = "all " + std::to_string(dt.size()) + " detections have the same score (e.g. {at} = " +
                num(dt.score[0]) +
                "): AP ranks detections by score, so the file order decides it; write the model's confidence";
    out.push_back(f);
  }
  // pycocotools keeps the maxDets[-1] highest-scoring detections of each (image,
  // category) cell (of each image with useCats 0). A cell can only be crowded in a
  // crowded image, so only those images' detections are grouped (a counting sort by
  // image) and tallied by category: flat arrays, no map of 2 million entries when
  // every image is crowded.
  const std::size_t I = gt.images.size();
  const std::uint64_t limit = static_cast<std::uint64_t>(p.max_dets.empty() ? 100 : p.max_dets.back());
  std::vector<std::uint32_t> per_image(I, 0);
  for (std::size_t j = 0; j < dt.size(); ++j) ++per_image[dt.image[j]];
  // The example is the most crowded cell, the first by (category, image) on a tie.
  std::uint64_t crowded = 0, beyond = 0, worst = 0, worst_cell = 0;
  const auto tally = [&](std::uint64_t cell, std::uint64_t n) {
    if (n <= limit) return;
    ++crowded;
    beyond += n - limit;
    if (n > worst || (n == worst && cell < worst_cell)) worst = n, worst_cell = cell;
  };
  if (!p.use_cats) {
    for (std::size_t i = 0; i < I; ++i) tally(i, per_image[i]);
  } else {
    std::vector<std::uint32_t> in_crowded;  // the crowded images' detections, grouped by image
    for (std::size_t j = 0; j < dt.size(); ++j)
      if (per_image[dt.image[j]] > limit) in_crowded.push_back(static_cast<std::uint32_t>(j));
    const std::vector<std::uint64_t> start =
        detail::counting_sort(in_crowded, I, [&](std::uint32_t j) { return dt.image[j]; });
    std::vector<std::uint32_t> count(gt.categories.size(), 0);
    for (std::size_t i = 0; i < I; ++i) {
      for (std::size_t k = start[i]; k < start[i + 1]; ++k) ++count[dt.category[in_crowded[k]]];
      for (std::size_t k = start[i]; k < start[i + 1]; ++k)
        if (const std::uint32_t c = dt.category[in_crowded[k]]; count[c] != 0) {
          tally(static_cast<std::uint64_t>(c) * I + i, count[c]);
          count[c] = 0;
        }
    }
  }
  if (crowded == 0) return;
  Finding f{FindingKind::too_many_per_image, crowded, -1, -1, "", "", ""};
  const std::int64_t img = gt.images[worst_cell % I].id;
  f.message = std::to_string(crowded) + (p.use_cats ? " (image, category) pairs have" : " images have") +
              " more than maxDets[-1] = " + std::to_string(limit) + " detections (e.g. image id " +
              std::to_string(img) +
              (p.use_cats ? ", category id " + std::to_string(gt.categories[worst_cell / I].id) : std::string()) +
              ": " + std::to_string(worst) + "): only the " + std::to_string(limit) + " highest-scoring of each count (" +
              std::to_string(beyond) + " detections are left out); raise {parameter} to count them";
  f.parameter = "maxDets";
  out.push_back(f);
}

}  // namespace

const char* to_string(FindingKind k) {
  switch (k) {
    case FindingKind::corner_boxes: return "corner-boxes";
    case FindingKind::normalized_boxes: return "normalized-boxes";
    case FindingKind::nonpositive_size: return "nonpositive-size";
    case FindingKind::no_detections: return "no-detections";
    case FindingKind::no_ground_truth_category: return "no-ground-truth-category";
    case FindingKind::images_without_detections: return "images-without-detections";
    case FindingKind::shifted_categories: return "shifted-categories";
    case FindingKind::equal_scores: return "equal-scores";
    case FindingKind::too_many_per_image: return "too-many-per-image";
  }
  return "?";
}

std::string Finding::text(const std::string& location) const { return text(location, parameter); }

std::string Finding::text(const std::string& location, const std::string& parameter_as) const {
  std::string out = message;
  if (const auto at = out.find("{at}"); at != std::string::npos) out.replace(at, 4, location);
  if (const auto at = out.find("{parameter}"); at != std::string::npos) out.replace(at, 11, parameter_as);
  return out;
}

std::vector<Finding> check_results(const GroundTruth& gt, const Detections& dt, const Params& params,
                                   const SanityOptions& options) {
  std::vector<Finding> out;
  if (params.iou_type == IouType::bbox) box_checks(gt, dt, options.boxes_from_masks, out);
  presence_checks(gt, dt, params, options, out);
  category_check(gt, dt, params, out);
  score_checks(gt, dt, params, out);
  // The order of FindingKind, whatever order the passes found them in.
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.kind < b.kind; });
  return out;
}

}  // namespace deteval

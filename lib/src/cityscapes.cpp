// The Cityscapes pixel-level evaluation (cityscapes.hpp): counting per image, then the
// scores in the reference's arithmetic.
#include "deteval/cityscapes.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <limits>
#include <map>
#include "deteval/error.hpp"

#include "semantic_count.hpp"

namespace deteval::cityscapes {

namespace {

enum : std::uint8_t { kVoid, kFlat, kConstruction, kObject, kNature, kSky, kHuman, kVehicle };

// The Cityscapes label table (ids 0..33; license plate, id -1, is never counted) and the
// average instance sizes of the classes with instances (avgClassSize).
const std::array<LabelInfo, kLabels> kTable = {{
    {"unlabeled", kVoid, false, true, 0},
    {"ego vehicle", kVoid, false, true, 0},
    {"rectification border", kVoid, false, true, 0},
    {"out of roi", kVoid, false, true, 0},
    {"static", kVoid, false, true, 0},
    {"dynamic", kVoid, false, true, 0},
    {"ground", kVoid, false, true, 0},
    {"road", kFlat, false, false, 0},
    {"sidewalk", kFlat, false, false, 0},
    {"parking", kFlat, false, true, 0},
    {"rail track", kFlat, false, true, 0},
    {"building", kConstruction, false, false, 0},
    {"wall", kConstruction, false, false, 0},
    {"fence", kConstruction, false, false, 0},
    {"guard rail", kConstruction, false, true, 0},
    {"bridge", kConstruction, false, true, 0},
    {"tunnel", kConstruction, false, true, 0},
    {"pole", kObject, false, false, 0},
    {"polegroup", kObject, false, true, 0},
    {"traffic light", kObject, false, false, 0},
    {"traffic sign", kObject, false, false, 0},
    {"vegetation", kNature, false, false, 0},
    {"terrain", kNature, false, false, 0},
    {"sky", kSky, false, false, 0},
    {"person", kHuman, true, false, 3462.4756337644},
    {"rider", kHuman, true, false, 3930.4788056518},
    {"car", kVehicle, true, false, 12794.0202738185},
    {"truck", kVehicle, true, false, 27855.1264367816},
    {"bus", kVehicle, true, false, 35732.1511111111},
    {"caravan", kVehicle, true, true, 36771.8241758242},
    {"trailer", kVehicle, true, true, 16926.9763313609},
    {"train", kVehicle, true, false, 67583.7075812274},
    {"motorcycle", kVehicle, true, false, 6298.7200839748},
    {"bicycle", kVehicle, true, false, 4672.3249222261},
}};

const std::array<std::string_view, kCategories> kCategoryNames = {
    "void", "flat", "construction", "object", "nature", "sky", "human", "vehicle"};

const std::uint8_t kHumanLabels[] = {24, 25};
const std::uint8_t kVehicleLabels[] = {26, 27, 28, 29, 30, 31, 32, 33};

// The category whose instance labels include predicted id `p` (p < kLabels), or 0xff.
std::uint8_t instance_category_of(std::uint32_t label) {
  return label < kLabels && kTable[label].has_instances ? kTable[label].category : 0xff;
}

bool scored(std::size_t label) { return !kTable[label].ignore_in_eval; }
bool instance_scored(std::size_t label) { return kTable[label].has_instances && !kTable[label].ignore_in_eval; }

// An instance id's label, or kLabels and above when it is not one.
std::uint32_t label_of(std::uint32_t id) { return id / 1000; }

struct Acc {
  std::uint64_t size = 0, tp = 0, ctp = 0;
};

// Instance pixels of one map (ids > 1000) with their TP and category TP. Instances lie in
// runs along rows: the id's entry is looked up once per run, and the run's pixels only
// compare predictions.
template <class I, class P>
void count_instances(const I* inst, const P* pred, std::size_t n, std::map<std::uint32_t, Acc>& out) {
  std::uint8_t pred_cat[kLabels];
  for (std::uint32_t l = 0; l < kLabels; ++l) pred_cat[l] = instance_category_of(l);
  std::size_t i = 0;
  while (i < n) {
    const I v = inst[i];
    if (v <= 1000) {
      // Most pixels are not instances: skip blocks of 32 without a branch per pixel.
      while (i + 32 <= n) {
        bool any = false;
        for (std::size_t k = 0; k < 32; ++k) any |= inst[i + k] > 1000;
        if (any) break;
        i += 32;
      }
      while (i < n && inst[i] <= 1000) ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && inst[j] == v) ++j;
    const std::uint32_t label = label_of(v);
    const std::uint8_t cat = instance_category_of(label);
    std::uint64_t tp = 0, ctp = 0;
    // pred < kLabels here: count_image reports a larger predicted id before the instances.
    for (std::size_t k = i; k < j; ++k) {
      tp += pred[k] == label;
      ctp += pred_cat[pred[k]] == cat && cat != 0xff;
    }
    Acc& a = out[v];
    a.size += j - i;
    a.tp += tp;
    a.ctp += ctp;
    i = j;
  }
}

template <class F>
void dispatch(LabelView v, F&& f) {
  if (v.bytes == 1) f(static_cast<const std::uint8_t*>(v.data));
  else if (v.bytes == 2) f(static_cast<const std::uint16_t*>(v.data));
  else f(static_cast<const std::uint32_t*>(v.data));
}

std::size_t first_pixel_of(LabelView v, std::uint32_t value) {
  for (std::size_t i = 0, n = v.pixels(); i < n; ++i)
    if (v[i] == value) return i;
  return 0;
}

void check_view(LabelView v, const char* what) {
  if ((v.bytes != 1 && v.bytes != 2 && v.bytes != 4) || (!v.data && v.pixels()))
    throw InputError::data(std::string("cityscapes: ") + what + ": expected 1, 2 or 4 bytes per sample and data");
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

// getScoreAverage: the defined entries, summed in order from 0.0.
template <std::size_t N>
double average(const std::array<double, N>& v) {
  double sum = 0;
  std::size_t n = 0;
  for (double x : v)
    if (!std::isnan(x)) {
      sum += x;
      ++n;
    }
  return n ? sum / double(n) : nan();
}

}  // namespace

const std::array<LabelInfo, kLabels>& labels() { return kTable; }
const std::array<std::string_view, kCategories>& categories() { return kCategoryNames; }

std::span<const std::uint8_t> category_instance_labels(std::size_t category) {
  if (category == kHuman) return kHumanLabels;
  if (category == kVehicle) return kVehicleLabels;
  return {};
}

std::optional<ImageIssue> count_image(LabelView gt, LabelView instances, LabelView pred, ImageCounts& out) {
  check_view(gt, "ground truth");
  check_view(instances, "instances");
  check_view(pred, "prediction");
  if (gt.width != pred.width || gt.height != pred.height)
    throw InputError::data("cityscapes::count_image: ground truth and prediction differ in size");
  out.confusion.assign(kLabels * kLabels, 0);
  out.instances.clear();

  // The reference walks the (gt, pred) pairs that occur in ascending order and stops at the
  // first that is not a pair of labels.
  detail::PairHistogram h;
  detail::count_pairs(gt, pred, h);
  std::optional<ImageIssue> issue;
  h.for_each([&](std::uint32_t g, std::uint32_t p, std::uint64_t n) {
    if (issue) return;
    if (g >= kLabels)
      issue = ImageIssue{ImageIssue::Kind::unknown_gt_label, g, detail::first_pixel(gt, pred, g, p)};
    else if (p >= kLabels)
      issue = ImageIssue{ImageIssue::Kind::pred_label_out_of_range, p, detail::first_pixel(gt, pred, g, p)};
    else
      out.confusion[g * kLabels + p] += n;
  });
  if (issue) return issue;

  std::map<std::uint32_t, Acc> found;
  const bool same_size = instances.width == gt.width && instances.height == gt.height;
  if (same_size) {
    dispatch(instances, [&](const auto* inst) {
      dispatch(pred, [&](const auto* p) { count_instances(inst, p, instances.pixels(), found); });
    });
  } else {
    // Only the ids matter: the first one to score is refused.
    for (std::size_t i = 0, n = instances.pixels(); i < n; ++i)
      if (instances[i] > 1000) ++found[instances[i]].size;
  }
  for (const auto& [id, a] : found) {
    const std::uint32_t label = label_of(id);
    if (label >= kLabels)
      return ImageIssue{ImageIssue::Kind::unknown_instance_label, id, first_pixel_of(instances, id)};
    if (kTable[label].ignore_in_eval) continue;  // caravan, trailer, and ids 1001..6999 of void labels
    if (!same_size)
      return ImageIssue{ImageIssue::Kind::instance_size_mismatch, id, first_pixel_of(instances, id)};
    if (!kTable[label].has_instances)
      return ImageIssue{ImageIssue::Kind::instance_without_class, id, first_pixel_of(instances, id)};
    out.instances.push_back({id, a.size, a.tp, a.ctp});
  }
  return std::nullopt;
}

Result score(std::span<const ImageCounts> images) {
  Result r;
  r.images = images.size();
  for (const ImageCounts& im : images) {
    for (std::size_t i = 0; i < r.confusion.size(); ++i) r.confusion[i] += im.confusion[i];
    // The weighted sums in the reference's order: images in order, instance ids ascending.
    for (const InstanceCount& c : im.instances) {
      const std::uint32_t label = label_of(c.id);
      const double weight = kTable[label].avg_size / double(c.size);
      const std::uint64_t fn = c.size - c.tp;
      InstanceStats& s = r.class_stats[label];
      s.tp += c.tp;
      s.fn += fn;
      s.tp_weighted += double(c.tp) * weight;
      s.fn_weighted += double(fn) * weight;
      InstanceStats& cs = r.category_stats[kTable[label].category];
      const std::uint64_t cfn = c.size - c.category_tp;
      cs.tp += c.category_tp;
      cs.fn += cfn;
      cs.tp_weighted += double(c.category_tp) * weight;
      cs.fn_weighted += double(cfn) * weight;
    }
  }

  // Columns summed over the rows of evaluated labels in `rows`.
  auto column_sum = [&](std::size_t col, auto&& row_ok) {
    std::uint64_t s = 0;
    for (std::size_t row = 0; row < kLabels; ++row)
      if (scored(row) && row_ok(row)) s += r.at(row, col);
    return s;
  };
  auto row_sum = [&](std::size_t row) {
    std::uint64_t s = 0;
    for (std::size_t col = 0; col < kLabels; ++col) s += r.at(row, col);
    return s;
  };

  for (std::size_t l = 0; l < kLabels; ++l) {
    r.class_iou[l] = r.class_iiou[l] = nan();
    if (!scored(l)) continue;
    const std::uint64_t tp = r.at(l, l), fn = row_sum(l) - tp;
    const std::uint64_t fp = column_sum(l, [&](std::size_t row) { return row != l; });
    const std::uint64_t denom = tp + fp + fn;
    if (denom) r.class_iou[l] = double(tp) / double(denom);
    if (instance_scored(l)) {
      const InstanceStats& s = r.class_stats[l];
      const double d = (s.tp_weighted + double(fp)) + s.fn_weighted;
      if (d != 0) r.class_iiou[l] = s.tp_weighted / d;
    }
  }

  for (std::size_t c = 0; c < kCategories; ++c) {
    r.category_iou[c] = r.category_iiou[c] = nan();
    auto outside = [&](std::size_t row) { return kTable[row].category != c; };
    std::uint64_t tp = 0, rows = 0, fp = 0;
    bool any = false;
    for (std::size_t i = 0; i < kLabels; ++i) {
      if (kTable[i].category != c || !scored(i)) continue;
      any = true;
      rows += row_sum(i);
      for (std::size_t j = 0; j < kLabels; ++j)
        if (kTable[j].category == c && scored(j)) tp += r.at(i, j);
      fp += column_sum(i, outside);
    }
    if (any && tp + fp + (rows - tp)) r.category_iou[c] = double(tp) / double(tp + fp + (rows - tp));
    const auto inst_labels = category_instance_labels(c);
    if (!inst_labels.empty()) {
      std::uint64_t ifp = 0;
      for (std::uint8_t j : inst_labels) ifp += column_sum(j, outside);
      const InstanceStats& s = r.category_stats[c];
      const double d = (s.tp_weighted + double(ifp)) + s.fn_weighted;
      if (d != 0) r.category_iiou[c] = s.tp_weighted / d;
    }
  }

  r.mean_class_iou = average(r.class_iou);
  r.mean_class_iiou = average(r.class_iiou);
  r.mean_category_iou = average(r.category_iou);
  r.mean_category_iiou = average(r.category_iiou);
  return r;
}

Evaluation evaluate(std::span<const ImageTriple> images, int threads, const CancelFlag* cancel) {
  std::vector<ImageCounts> counts(images.size());
  std::vector<std::optional<ImageIssue>> issues(images.size());
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, images.size(), [&](std::size_t i) {
      check_cancel(cancel);
      issues[i] = count_image(images[i].gt, images[i].instances, images[i].pred, counts[i]);
    });
  });
  Evaluation e;
  for (std::size_t i = 0; i < images.size(); ++i)
    if (issues[i]) {
      e.issue_image = i;
      e.issue = *issues[i];
      return e;
    }
  e.result = score(counts);
  return e;
}

}  // namespace deteval::cityscapes

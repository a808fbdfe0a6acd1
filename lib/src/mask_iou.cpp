// The segm IoU provider: pycocotools' rleIou over batches of (image, category)
// blocks, with the pixel counting delegated to a backend.
#include "deteval/mask_iou.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "deteval/detail/mask_intervals.hpp"
#include "deteval/device.hpp"
#include "deteval/flat_vector.hpp"
#include "deteval/iou_provider.hpp"

namespace deteval {

namespace {

// The CPU count's fast path. A mask whose counts sum to h*w with no empty run after
// the first is a set of disjoint pixel intervals, and maskApi's walk over two such
// masks visits every pixel: its counts are the true intersection and union, so the
// intersection is detail::interval_intersection's and union = area(a) + area(b) - i.
// Other masks (empty runs inside, which can end maskApi's walk early) take the walk.

/// A mask's run boundaries (prefix sums of its counts), as interval_intersection takes them.
struct Bounds {
  const std::uint32_t* end = nullptr;
  std::uint32_t n = 0;  ///< boundaries: one per count
  std::uint64_t area = 0;
  bool plain = false;  ///< counts sum to h*w, no empty run after the first
};

/// Writes the boundaries of `counts` to `out` (counts.size() values).
Bounds to_bounds(std::span<const std::uint32_t> counts, std::uint64_t pixels, std::uint32_t* out) {
  std::uint64_t sum = 0, area = 0;
  bool empty_run = false;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const std::uint32_t c = counts[k];
    empty_run |= (c == 0) & (k > 0);
    area += (k & 1) ? c : 0;
    sum += c;
    out[k] = static_cast<std::uint32_t>(sum);  // exact whenever sum == pixels (< 2^32)
  }
  return {out, static_cast<std::uint32_t>(counts.size()), area, !empty_run && sum == pixels};
}

IouCounts counts_of(const Bounds& dt, const Bounds& gt, bool crowd) {
  const std::uint64_t i = detail::interval_intersection(dt.end, dt.n, gt.end, gt.n);
  return {i, crowd ? dt.area : dt.area + gt.area - i};
}

}  // namespace

void mask_iou_counts_cpu(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                         IouCounts* out) {
  if (pairs.empty()) return;
  // Boundaries of every ground truth the pairs name, once: a mask meets many detections.
  std::vector<std::uint8_t> named(gts.size(), 0);
  for (const MaskPair& p : pairs) named[p.gt] = 1;
  std::vector<std::uint64_t> offset(gts.size() + 1, 0);
  for (std::size_t g = 0; g < gts.size(); ++g)  // room: a string holds at most one value per character
    offset[g + 1] = offset[g] + (!named[g] ? 0 : gts.is_compressed(g) ? gts.compressed(g).size() : gts[g].counts.size());
  FlatVector<std::uint32_t> gt_ends(offset.back());  // room, written by to_bounds: not zeroed first
  std::vector<Bounds> gt_bounds(gts.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, gts.size()), [&](const auto& r) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t g = r.begin(); g != r.end(); ++g)
      if (offset[g + 1] > offset[g]) {
        const RleView m = gts.view(g, scratch);
        gt_bounds[g] = to_bounds(m.counts, std::uint64_t{m.height} * m.width, gt_ends.data() + offset[g]);
      }
  });

  // Pairs come grouped by detection: decode a compressed mask once per group.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pairs.size(), 64), [&](const auto& r) {
    std::vector<std::uint32_t> dscratch, dends, gscratch;
    std::uint32_t current = ~0u;
    RleView dm;
    Bounds db;
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const MaskPair& p = pairs[i];
      if (p.dt != current) {
        dm = dts.view(p.dt, dscratch);
        if (dends.size() < dm.counts.size()) dends.resize(dm.counts.size());
        db = to_bounds(dm.counts, std::uint64_t{dm.height} * dm.width, dends.data());
        current = p.dt;
      }
      const Bounds& gb = gt_bounds[p.gt];
      const bool fast = db.plain && gb.plain && dm.height == gts.height(p.gt) && dm.width == gts.width(p.gt);
      out[i] = fast ? counts_of(db, gb, p.crowd != 0) : rle_iou_counts(dm, gts.view(p.gt, gscratch), p.crowd != 0);
    }
  });
}

namespace {

std::vector<Box> mask_boxes(const RleStore& masks) {
  std::vector<Box> boxes(masks.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, masks.size()), [&](const auto& r) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t i = r.begin(); i != r.end(); ++i) boxes[i] = rle_to_bbox(masks.view(i, scratch));
  });
  return boxes;
}

class MaskIouProvider final : public IouProvider {
 public:
  /// Counts with `counts` (on `device`), or with `gpu` (on `gpu_device`) when it is
  /// set and either `gpu_always` or the batch's work reaches kAutoGpuMinWork.
  MaskIouProvider(const GroundTruth& gt, const Detections& dt, MaskCountsFn counts, std::string device,
                  GpuMaskCountsFn gpu = nullptr, std::string gpu_device = {}, bool gpu_always = false)
      : gt_(gt), dt_(dt), counts_(counts), cpu_device_(std::move(device)), gpu_(gpu),
        gpu_device_(std::move(gpu_device)), gpu_always_(gpu && gpu_always),
        device_(gpu_always_ ? gpu_device_ : cpu_device_),
        gt_box_(mask_boxes(gt.masks)),
        // A reader that decoded the detections' masks kept their boxes: no third decode.
        dt_box_own_(dt.mask_box.size() == dt.masks.size() ? std::vector<Box>{} : mask_boxes(dt.masks)),
        dt_box_(dt.mask_box.size() == dt.masks.size() ? dt.mask_box : dt_box_own_) {}

  // Three passes so that the counting is one batch over every task: a first pass
  // settles the pairs rleIou never counts (boxes apart: 0; sizes differ: -1) and
  // sizes the batch, a second lists the rest, the backend counts them, and the
  // IoUs are written from the counts.
  void compute(std::span<const IouTask> tasks, const CancelFlag* cancel) const override {
    std::vector<std::size_t> start(tasks.size() + 1, 0);
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      check_cancel(cancel);
      std::size_t n = 0;
      visit(tasks[i], [&](double*, std::uint32_t, std::uint32_t, bool) { ++n; });
      start[i + 1] = n;
    });
    for (std::size_t i = 0; i < tasks.size(); ++i) start[i + 1] += start[i];

    std::vector<MaskPair> pairs(start.back());
    std::vector<double*> slot(start.back());
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      check_cancel(cancel);
      std::size_t k = start[i];
      visit(tasks[i], [&](double* o, std::uint32_t d, std::uint32_t g, bool crowd) {
        pairs[k] = {d, g, std::uint8_t(crowd)};
        slot[k++] = o;
      });
    });

    std::vector<IouCounts> counts(pairs.size());
    if (gpu_ && (gpu_always_ || work_reaches(pairs, kAutoGpuMinWork))) {
      std::string error;
      if (!gpu_(dt_.masks, gt_.masks, pairs, counts.data(), error))
        throw DeviceError(gpu_device_ + ": " + error + " (the CPU computes the same results)");
      set_device(gpu_device_);
    } else if (cancel == nullptr) {
      counts_(dt_.masks, gt_.masks, pairs, counts.data());
      set_device(cpu_device_);
    } else {
      // Cancellable: the same counts in slices, the flag checked between them (a slice
      // costs the backend a pass over the ground truths' flags: kept coarse).
      constexpr std::size_t kSlice = std::size_t{1} << 20;
      const std::span<const MaskPair> all(pairs);
      for (std::size_t at = 0; at < pairs.size(); at += kSlice) {
        check_cancel(cancel);
        counts_(dt_.masks, gt_.masks, all.subspan(at, std::min(kSlice, pairs.size() - at)), counts.data() + at);
      }
      set_device(cpu_device_);
    }
    tbb::parallel_for(std::size_t{0}, pairs.size(), [&](std::size_t k) { *slot[k] = iou_from_counts(counts[k]); });
  }

  std::string device() const override {
    std::lock_guard lock(device_mutex_);
    return device_;
  }

 private:
  void set_device(const std::string& d) const {
    std::lock_guard lock(device_mutex_);
    device_ = d;
  }

  /// The auto rule (device.hpp): the stored lengths of both masks of every pair,
  /// i.e. the steps of the CPU's run walk, reach `limit`.
  bool work_reaches(std::span<const MaskPair> pairs, std::uint64_t limit) const {
    auto length = [](const RleStore& s, std::uint32_t i) -> std::uint64_t {
      return s.is_compressed(i) ? s.compressed(i).size() : s[i].counts.size();
    };
    std::uint64_t work = 0;
    for (const MaskPair& p : pairs) {
      work += length(dt_.masks, p.dt) + length(gt_.masks, p.gt);
      if (work >= limit) return true;
    }
    return false;
  }

  /// Writes every IoU of `t` that needs no counting and calls `count(out, dt, gt,
  /// crowd)` for each pair that does (in a fixed order).
  template <class F>
  void visit(const IouTask& t, F&& count) const {
    const std::size_t G = t.gt.size();
    for (std::size_t d = 0; d < t.dt.size(); ++d) {
      const std::uint32_t di = t.dt[d];
      const Box& db = dt_box_[di];
      const RleStore& dms = dt_.masks;
      for (std::size_t g = 0; g < G; ++g) {
        const std::uint32_t gi = t.gt[g];
        const bool crowd = gt_.iscrowd[gi] != 0;
        double* o = t.out + d * G + g;
        if (!(box_iou(db, gt_box_[gi], crowd) > 0)) {
          *o = 0;
          continue;
        }
        if (dms.height(di) != gt_.masks.height(gi) || dms.width(di) != gt_.masks.width(gi)) {
          *o = -1;
          continue;
        }
        count(o, di, gi, crowd);
      }
    }
  }

  const GroundTruth& gt_;
  const Detections& dt_;
  MaskCountsFn counts_;
  std::string cpu_device_;
  GpuMaskCountsFn gpu_;
  std::string gpu_device_;
  bool gpu_always_;
  mutable std::mutex device_mutex_;
  mutable std::string device_;  // where the last batch was counted
  std::vector<Box> gt_box_, dt_box_own_;  // rleToBbox of every mask, once per provider
  const std::vector<Box>& dt_box_;         // dt.mask_box, or dt_box_own_
};

}  // namespace

std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt,
                                                    MaskCountsFn counts, std::string device) {
  return std::make_unique<MaskIouProvider>(gt, dt, counts, std::move(device));
}

std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt) {
  return make_mask_iou_provider(gt, dt, mask_iou_counts_cpu, "cpu");
}

std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt, Device device) {
  if (device == Device::cpu) return make_mask_iou_provider(gt, dt);
  const GpuMaskCountsFn gpu = gpu_mask_counts();
  std::string name = gpu ? gpu_device_name() : std::string();
  if (name.empty()) {
    if (device == Device::auto_) return make_mask_iou_provider(gt, dt);
    throw DeviceError("cuda asked for, but there is no usable CUDA device (" + gpu_unusable_reason() +
                      "); the CPU computes the same results");
  }
  return std::make_unique<MaskIouProvider>(gt, dt, mask_iou_counts_cpu, "cpu", gpu, std::move(name),
                                           device == Device::cuda);
}

}  // namespace deteval

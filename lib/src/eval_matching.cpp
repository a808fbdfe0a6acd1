// evaluate()'s entries and greedy matching (eval_stages.hpp, stage 4): COCOeval.evaluateImg
// for every (category, area range, image) with ground truth or detections.
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "eval_stages.hpp"

namespace deteval::detail {

Entries lay_out_entries(const Cells& cells, std::size_t I, Evaluation& ev, bool keep_matches) {
  const std::size_t K = ev.K, A = ev.A, T = ev.T;
  Entries en;
  en.per_k.assign(K + 1, 0);
  for (std::size_t c = 0; c < cells.count; ++c)
    if (!cells.empty(c)) {
      en.cells.push_back(static_cast<std::uint32_t>(c));
      ++en.per_k[c / I + 1];
    }
  for (std::size_t k = 0; k < K; ++k) en.per_k[k + 1] += en.per_k[k];
  ev.image_evals.resize(en.cells.size() * A);
  std::uint64_t ndt = 0, ngt = 0, nmatch = 0;
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t a = 0; a < A; ++a)
      for (std::uint64_t j = en.per_k[k]; j < en.per_k[k + 1]; ++j) {
        const std::uint32_t c = en.cells[j];
        ImageEval& e = ev.image_evals[en.per_k[k] * A + a * (en.per_k[k + 1] - en.per_k[k]) + (j - en.per_k[k])];
        e.category = static_cast<std::uint32_t>(k);
        e.area = static_cast<std::uint32_t>(a);
        e.image = static_cast<std::uint32_t>(c % I);
        e.num_dt = cells.num_dt[c];
        e.num_gt = static_cast<std::uint32_t>(cells.num_gt(c));
        e.dt_begin = ndt;
        e.gt_begin = ngt;
        e.match_begin = nmatch;
        ndt += e.num_dt;
        ngt += e.num_gt;
        nmatch += T * e.num_dt;
      }
  ev.dt_index.resize(ndt);
  ev.gt_index.resize(ngt);
  ev.gt_ignore.resize(ngt);
  en.matches = nmatch;
  en.keep_matches = keep_matches;
  if (keep_matches) {
    ev.dt_match.resize(nmatch);  // written (first touched) by match_entries
    ev.dt_ignore.resize(nmatch);
  }
  return en;
}

namespace {

struct Scratch {
  std::vector<std::uint32_t> order;   // gt positions within the cell, non-ignored first
  std::vector<std::uint8_t> ignore;   // per ordered gt
  std::vector<std::uint8_t> matched;  // per ordered gt, for one threshold
  std::vector<double> row_max;        // per detection: its best IoU in the cell
  // Per area range of the cell: its gt ignore flags (cell order) and its matches before the
  // area's rule for detections. Area ranges with the same flags match identically.
  std::vector<std::uint8_t> flags, raw_dig;
  std::vector<std::int32_t> raw_match;
  std::vector<std::uint8_t> outside;  // per detection: its area outside the entry's range
};

// One cell at a time, for all its area ranges: its IoU block is read from memory once.
class Matcher {
 public:
  Matcher(const GroundTruth& gt, const Detections& dt, const Cells& cells, const IouBlocks& ious,
          const Entries& entries, Evaluation& ev, FlatVector<Outcome>& outcome)
      : gt_(gt), dt_(dt), cells_(cells), ious_(ious), entries_(entries), ev_(ev), p_(ev.params), outcome_(outcome),
        I_(gt.images.size()), keep_(entries.keep_matches) {
    // pycocotools' `ignore`: iscrowd, and for keypoints also num_keypoints == 0.
    const bool keypoints = p_.iou_type == IouType::keypoints;
    base_ignore_.assign(gt.iscrowd.begin(), gt.iscrowd.end());
    if (keypoints && gt.num_keypoints.size() == gt.size())
      for (std::size_t j = 0; j < gt.size(); ++j) base_ignore_[j] |= gt.num_keypoints[j] == 0;
    // pycocotools' computeOks reads _gts[img, -1] when useCats is off: no ground truth, so
    // no OKS matrix, and evaluateImg matches nothing (every detection stays unmatched).
    no_matching_ = keypoints && !p_.use_cats;
  }

  void match_cell(std::size_t jc, Scratch& s) const {
    const std::size_t A = ev_.A, T = ev_.T;
    const std::size_t kc = entries_.cells[jc] / I_;
    const std::uint64_t first = entries_.per_k[kc], nkc = entries_.per_k[kc + 1] - first;
    bool have_row_max = false;
    for (std::size_t ai = 0; ai < A; ++ai) {
      ImageEval& e = ev_.image_evals[first * A + ai * nkc + (jc - first)];
      const std::size_t c = e.category * I_ + e.image;
      const AreaRange& ar = p_.area_ranges[e.area];
      const std::uint32_t* cdt = cells_.dt.data() + cells_.dt_off[c];
      const std::uint32_t* cgt = cells_.gt.data() + cells_.gt_off[c];
      const std::size_t D = e.num_dt, G = e.num_gt;

      s.flags.resize(A * G);
      std::uint8_t* flags = s.flags.data() + ai * G;
      order_ground_truth(e, cgt, ar, flags, s);
      std::copy(cdt, cdt + D, ev_.dt_index.begin() + static_cast<std::ptrdiff_t>(e.dt_begin));

      // The area range's matches before its rule for detections: computed by greedy_match
      // into the cell's scratch (once per distinct set of gt flags: area ranges with the
      // same flags match identically), or none when nothing can match.
      const std::int32_t* raw_match = nullptr;
      const std::uint8_t* raw_dig = nullptr;
      if (D > 0 && G > 0 && !no_matching_) {
        const double* block = ious_.values.data() + ious_.off[c];  // D x G, gt in cell order
        // A detection whose best IoU is below a threshold cannot match there: skip it.
        if (!have_row_max) {  // the same for every area range
          s.row_max.resize(D);
          for (std::size_t d = 0; d < D; ++d) s.row_max[d] = *std::max_element(block + d * G, block + d * G + G);
          s.raw_match.resize(A * T * D);
          s.raw_dig.resize(A * T * D);
          have_row_max = true;
        }
        std::size_t same = ai;  // an earlier area range with the same flags, if any
        for (std::size_t q = 0; q < ai && same == ai; ++q)
          if (std::equal(flags, flags + G, s.flags.data() + q * G)) same = q;
        std::int32_t* m = s.raw_match.data() + same * T * D;
        std::uint8_t* g = s.raw_dig.data() + same * T * D;
        if (same == ai) {
          std::fill_n(m, T * D, -1);
          std::fill_n(g, T * D, 0);
          greedy_match(cgt, block, D, G, m, g, s);
        }
        raw_match = m;
        raw_dig = g;
      }
      // Unmatched detections outside the area range are ignored.
      s.outside.resize(D);
      for (std::size_t d = 0; d < D; ++d) {
        const double area = dt_.area[cdt[d]];
        s.outside[d] = area < ar.lo || area > ar.hi;
      }
      Outcome* out = outcome_.data() + e.match_begin;
      for (std::size_t t = 0; t < T; ++t)
        for (std::size_t d = 0; d < D; ++d) {
          const std::size_t i = t * D + d;
          const bool matched = raw_match && raw_match[i] >= 0;
          const bool ignored = matched ? raw_dig[i] != 0 : s.outside[d] != 0;
          out[i] = ignored ? Outcome::ignored : matched ? Outcome::tp : Outcome::fp;
        }
      if (keep_) {  // COCOeval.evalImgs' dtMatches and dtIgnore, for the analyses
        std::int32_t* match = ev_.dt_match.data() + e.match_begin;
        std::uint8_t* dig = ev_.dt_ignore.data() + e.match_begin;
        for (std::size_t i = 0; i < T * D; ++i) {
          match[i] = raw_match ? raw_match[i] : -1;
          dig[i] = out[i] == Outcome::ignored;
        }
      }
    }
  }

 private:
  // pycocotools: _ignore = ignore (= iscrowd) or area outside [lo, hi]; then a stable
  // argsort puts non-ignored gt first. Writes the entry's gt_index and gt_ignore.
  void order_ground_truth(const ImageEval& e, const std::uint32_t* cgt, const AreaRange& ar, std::uint8_t* flags,
                          Scratch& s) const {
    const std::size_t G = e.num_gt;
    s.order.resize(G);
    s.ignore.resize(G);
    for (std::size_t g = 0; g < G; ++g) {
      const std::uint32_t j = cgt[g];
      flags[g] = base_ignore_[j] || gt_.area[j] < ar.lo || gt_.area[j] > ar.hi;
    }
    std::size_t pos = 0;
    for (std::uint8_t pass = 0; pass < 2; ++pass)
      for (std::size_t g = 0; g < G; ++g)
        if (flags[g] == pass) {
          s.order[pos] = static_cast<std::uint32_t>(g);
          s.ignore[pos] = pass;
          ++pos;
        }
    for (std::size_t g = 0; g < G; ++g) {
      ev_.gt_index[e.gt_begin + g] = cgt[s.order[g]];
      ev_.gt_ignore[e.gt_begin + g] = s.ignore[g];
    }
  }

  // COCOeval.evaluateImg's loop: per threshold, each detection in score order takes the
  // best still-free ground truth (crowds stay free), preferring non-ignored ones.
  void greedy_match(const std::uint32_t* cgt, const double* block, std::size_t D, std::size_t G,
                    std::int32_t* match, std::uint8_t* dig, Scratch& s) const {
    s.matched.resize(G);
    for (std::size_t t = 0; t < ev_.T; ++t) {
      std::fill(s.matched.begin(), s.matched.end(), 0);
      const double thr = std::min(p_.iou_thrs[t], 1 - 1e-10);
      for (std::size_t d = 0; d < D; ++d) {
        if (s.row_max[d] < thr) continue;
        double best = thr;
        std::ptrdiff_t m = -1;
        const double* row = block + d * G;
        for (std::size_t g = 0; g < G; ++g) {
          const std::uint32_t j = cgt[s.order[g]];
          if (s.matched[g] && !gt_.iscrowd[j]) continue;
          if (m > -1 && !s.ignore[m] && s.ignore[g]) break;
          const double v = row[s.order[g]];
          if (v < best) continue;
          best = v;
          m = static_cast<std::ptrdiff_t>(g);
        }
        if (m == -1) continue;
        dig[t * D + d] = s.ignore[m];
        match[t * D + d] = static_cast<std::int32_t>(cgt[s.order[m]]);
        s.matched[m] = 1;
      }
    }
  }

  const GroundTruth& gt_;
  const Detections& dt_;
  const Cells& cells_;
  const IouBlocks& ious_;
  const Entries& entries_;
  Evaluation& ev_;
  const Params& p_;
  FlatVector<Outcome>& outcome_;
  const std::size_t I_;
  const bool keep_;  // fill dt_match and dt_ignore
  std::vector<std::uint8_t> base_ignore_;
  bool no_matching_ = false;
};

}  // namespace

FlatVector<Outcome> match_entries(const GroundTruth& gt, const Detections& dt, const Cells& cells,
                                       const IouBlocks& ious, const Entries& entries, Evaluation& ev,
                                       const CancelFlag* cancel) {
  FlatVector<Outcome> outcome(entries.matches);
  const Matcher matcher(gt, dt, cells, ious, entries, ev, outcome);
  tbb::enumerable_thread_specific<Scratch> scratch;
  tbb::parallel_for(std::size_t{0}, entries.cells.size(),
                    [&](std::size_t jc) {
                      check_cancel(cancel);
                      matcher.match_cell(jc, scratch.local());
                    });
  return outcome;
}

}  // namespace deteval::detail

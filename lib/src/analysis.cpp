// The analyses of analysis.hpp, on an Evaluation's arrays. See the header for the
// definitions; comments here say how.
#include "deteval/analysis.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "deteval/detail/accumulate.hpp"
#include "deteval/error.hpp"
#include "deteval/summary.hpp"
#include "analysis_common.hpp"

namespace deteval {

using detail::percentile;
using detail::splitmix64;

// ---- PRNG -----------------------------------------------------------------------

namespace {
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Xoshiro256::Xoshiro256(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Xoshiro256::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Xoshiro256::below(std::uint64_t n) {
  // Reject the low values that would make x % n favour small results.
  const std::uint64_t floor = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const std::uint64_t x = next();
    if (x >= floor) return x % n;
  }
}

// ---- Shared views of the evaluation ---------------------------------------------

std::size_t analysis_area(const Evaluation& e) {
  for (std::size_t a = 0; a < e.A; ++a)
    if (e.params.area_ranges[a].label == "all") return a;
  return 0;
}

std::ptrdiff_t find_iou_threshold(const Evaluation& e, double iou) {
  for (std::size_t t = 0; t < e.T; ++t)
    if (std::abs(e.params.iou_thrs[t] - iou) <= 1e-9) return static_cast<std::ptrdiff_t>(t);
  return -1;
}

namespace {

// The (category, area) blocks of image_evals: entries [begin[k], begin[k] + count[k]).
struct Blocks {
  std::vector<std::uint64_t> begin, count;
};

Blocks blocks_for_area(const Evaluation& e, std::size_t area) {
  Blocks b;
  b.begin.assign(e.K, 0);
  b.count.assign(e.K, 0);
  // image_evals is ordered category, area, image: each block is contiguous.
  for (std::size_t n = 0; n < e.image_evals.size(); ++n) {
    const ImageEval& ie = e.image_evals[n];
    if (ie.area != area) continue;
    if (b.count[ie.category]++ == 0) b.begin[ie.category] = n;
  }
  return b;
}

// One category's kept detections in pycocotools' accumulation order (score
// descending, then image order, then rank within the image), as evaluate() ranks them.
struct Ranked {
  double score;
  std::uint32_t entry;  // image_evals index
  std::uint32_t rank;   // within the cell
};

std::vector<Ranked> rank_category(const Evaluation& e, const Detections& dt, const Blocks& b, std::size_t k) {
  std::vector<Ranked> out;
  for (std::uint64_t j = b.begin[k]; j < b.begin[k] + b.count[k]; ++j) {
    const ImageEval& ie = e.image_evals[j];
    for (std::uint32_t d = 0; d < ie.num_dt; ++d)
      out.push_back({dt.score[e.dt_index[ie.dt_begin + d]], static_cast<std::uint32_t>(j), d});
  }
  std::sort(out.begin(), out.end(), [](const Ranked& x, const Ranked& y) {
    if (x.score != y.score) return x.score > y.score;
    if (x.entry != y.entry) return x.entry < y.entry;
    return x.rank < y.rank;
  });
  return out;
}

Outcome outcome_at(const Evaluation& e, const ImageEval& ie, std::size_t t, std::uint32_t rank) {
  const std::uint64_t at = ie.match_begin + t * ie.num_dt + rank;
  if (e.dt_ignore[at]) return Outcome::ignored;
  return e.dt_match[at] >= 0 ? Outcome::tp : Outcome::fp;
}

std::uint64_t npig_of(const Evaluation& e, const ImageEval& ie) {
  std::uint64_t n = 0;
  for (std::uint32_t g = 0; g < ie.num_gt; ++g) n += e.gt_ignore[ie.gt_begin + g] == 0;
  return n;
}

}  // namespace

// ---- PR curves --------------------------------------------------------------------

std::vector<PrCurve> pr_curves(const Evaluation& e) {
  std::vector<PrCurve> out;
  const std::size_t m = e.M - 1;
  struct Sel {
    std::string label;
    std::vector<std::size_t> ts;
  };
  std::vector<Sel> sels;
  char buf[64];
  for (double v : {0.5, 0.75}) {
    const std::ptrdiff_t t = find_iou_threshold(e, v);
    if (t < 0) continue;
    std::snprintf(buf, sizeof buf, "%.2f", v);
    sels.push_back({buf, {static_cast<std::size_t>(t)}});
  }
  if (e.T > 1 || sels.empty()) {
    std::snprintf(buf, sizeof buf, e.T > 1 ? "%.2f:%.2f" : "%.2f", e.params.iou_thrs.front(),
                  e.params.iou_thrs.back());
    Sel all{buf, {}};
    for (std::size_t t = 0; t < e.T; ++t) all.ts.push_back(t);
    sels.push_back(all);
  }
  std::vector<double> vals;
  for (std::size_t a = 0; a < e.A; ++a)
    for (const Sel& s : sels) {
      // Per category first, then the overall mean of the category curves' entries.
      std::vector<PrCurve> cats;
      for (std::size_t k = 0; k < e.K; ++k) {
        PrCurve c;
        c.category = k;
        c.area = a;
        c.iou = s.label;
        bool defined = false;
        for (std::size_t r = 0; r < e.R; ++r) {
          vals.clear();
          for (std::size_t t : s.ts) vals.push_back(e.precision_at(t, r, k, a, m));
          const double v = mean_valid(vals);
          defined |= v > -1;
          c.precision.push_back(v);
          if (s.ts.size() == 1) c.score.push_back(e.score_at(s.ts[0], r, k, a, m));
        }
        if (defined) cats.push_back(std::move(c));
      }
      if (cats.empty()) continue;
      PrCurve overall;
      overall.area = a;
      overall.iou = s.label;
      for (std::size_t r = 0; r < e.R; ++r) {
        vals.clear();
        for (const PrCurve& c : cats) vals.push_back(c.precision[r]);
        overall.precision.push_back(mean_valid(vals));
      }
      out.push_back(std::move(overall));
      for (auto& c : cats) out.push_back(std::move(c));
    }
  return out;
}

// ---- Bootstrap --------------------------------------------------------------------

Bootstrap bootstrap_ap(const GroundTruth& gt, const Detections& dt, const Evaluation& e, int replicates, std::uint64_t seed, int threads,
                       const CancelFlag* cancel) {
  Bootstrap out;
  out.replicates = replicates;
  out.seed = seed;
  const Params& p = e.params;
  const std::size_t a = analysis_area(e);
  std::size_t m_ap = e.M - 1, m_50 = e.M - 1;
  for (std::size_t m = e.M; m-- > 0;)
    if (p.max_dets[m] == 100) m_ap = m;
  if (e.M >= 3)
    for (std::size_t m = e.M; m-- > 0;)
      if (p.max_dets[m] == p.max_dets[2]) m_50 = m;
  const std::ptrdiff_t t50 = find_iou_threshold(e, 0.5);
  out.has_ap50 = t50 >= 0 && p.iou_thrs[static_cast<std::size_t>(t50)] == 0.5;
  const Blocks blocks = blocks_for_area(e, a);
  const std::size_t K = e.K, T = e.T, R = e.R;

  // Per category: ranked detections with their image, rank and flags at every t,
  // and each image's non-ignored GT count.
  struct Cat {
    std::vector<double> score;
    std::vector<std::uint32_t> image, rank;
    std::vector<Outcome> flag;  // [t][n]
    std::vector<std::pair<std::uint32_t, std::uint32_t>> npig;  // (image, count)
  };
  std::vector<Cat> cats(K);
  const std::uint32_t num_images = static_cast<std::uint32_t>(gt.images.size());
  tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
    check_cancel(cancel);
    Cat& c = cats[k];
    const auto ranked = rank_category(e, dt, blocks, k);
    const std::size_t n = ranked.size();
    c.flag.resize(T * n);
    for (std::size_t i = 0; i < n; ++i) {
      const ImageEval& ie = e.image_evals[ranked[i].entry];
      c.score.push_back(ranked[i].score);
      c.image.push_back(ie.image);
      c.rank.push_back(ranked[i].rank);
      for (std::size_t t = 0; t < T; ++t) c.flag[t * n + i] = outcome_at(e, ie, t, ranked[i].rank);
    }
    for (std::uint64_t j = blocks.begin[k]; j < blocks.begin[k] + blocks.count[k]; ++j) {
      const ImageEval& ie = e.image_evals[j];
      if (const auto n_gt = npig_of(e, ie)) c.npig.emplace_back(ie.image, static_cast<std::uint32_t>(n_gt));
    }
  });

  // The statistic for image weights w (all ones: the data itself).
  struct Scratch {
    std::vector<double> tp, fp, sc, prec_ap, prec_50, w;
    detail::AccumulateScratch acc;
  };
  auto stats_for = [&](const std::vector<double>& w, Scratch& s, double& ap, double& ap50) {
    s.prec_ap.assign(T * R * K, -1);
    s.prec_50.assign(R * K, -1);
    for (std::size_t k = 0; k < K; ++k) {
      const Cat& c = cats[k];
      double npig = 0;
      for (auto [img, n] : c.npig) npig += w[img] * n;
      if (npig == 0) continue;
      const std::size_t n = c.score.size();
      auto curve = [&](std::size_t t, std::size_t m, double* outp) {
        const std::uint32_t max_det = static_cast<std::uint32_t>(p.max_dets[m]);
        s.tp.clear();
        s.fp.clear();
        s.sc.clear();
        for (std::size_t i = 0; i < n; ++i) {
          const double wi = w[c.image[i]];
          // A weight of 0 adds nothing: the same as leaving the detection out.
          if (wi == 0 || c.rank[i] >= max_det) continue;
          const Outcome f = c.flag[t * n + i];
          s.tp.push_back(f == Outcome::tp ? wi : 0);
          s.fp.push_back(f == Outcome::fp ? wi : 0);
          s.sc.push_back(c.score[i]);
        }
        detail::accumulate_curve(s.tp.data(), s.fp.data(), s.sc.data(), s.tp.size(), npig, p.rec_thrs, outp,
                                 nullptr, K, s.acc);
      };
      for (std::size_t t = 0; t < T; ++t) curve(t, m_ap, s.prec_ap.data() + t * R * K + k);
      if (out.has_ap50) {
        if (m_50 == m_ap)
          for (std::size_t r = 0; r < R; ++r) s.prec_50[r * K + k] = s.prec_ap[(t50 * R + r) * K + k];
        else
          curve(static_cast<std::size_t>(t50), m_50, s.prec_50.data() + k);
      }
    }
    ap = mean_valid(s.prec_ap);
    ap50 = out.has_ap50 ? mean_valid(s.prec_50) : -1;
  };

  std::vector<double> ap, ap50;
  detail::bootstrap_pairs<Scratch>(
      num_images, replicates, seed, threads, [&](Scratch& s, double& a, double& a50) { stats_for(s.w, s, a, a50); },
      out.ap.value, out.ap50.value, ap, ap50, cancel);
  if (ap.empty()) return out;
  auto interval = [](std::vector<double> v, Interval& iv) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return x <= -1; }), v.end());
    iv.lo = percentile(v, 2.5);
    iv.hi = percentile(v, 97.5);
  };
  interval(ap, out.ap);
  if (out.has_ap50) interval(ap50, out.ap50);
  return out;
}

// ---- Everything else ----------------------------------------------------------------

namespace {

// A kept detection of the analysed area's cells, with what the analyses find out about it.
struct AnalysisDet {
  double score;
  std::uint32_t det, image, category, entry, rank;
  Outcome flag;                              // at the analysis threshold
  std::int32_t gt = -1;                      // matched GT (annotation index) when TP
  double same = 0, other = 0;                // max IoU with GTs of its / other categories
  std::int32_t same_gt = -1, other_gt = -1;  // annotation indices of those maxima
  std::int8_t error = -1;
};

// Every kept detection of the area's cells, category by category in accumulation order:
// dets[cat_begin[k] .. cat_begin[k + 1]).
struct RankedDets {
  std::vector<AnalysisDet> dets;
  std::vector<std::size_t> cat_begin;
};

RankedDets ranked_detections(const Evaluation& e, const Detections& dt, const Blocks& blocks, std::size_t ti,
                             const CancelFlag* cancel) {
  const std::size_t K = e.K;
  std::vector<std::vector<Ranked>> ranked(K);
  tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
    check_cancel(cancel);
    ranked[k] = rank_category(e, dt, blocks, k);
  });
  RankedDets out;
  out.cat_begin.assign(K + 1, 0);
  for (std::size_t k = 0; k < K; ++k) out.cat_begin[k + 1] = out.cat_begin[k] + ranked[k].size();
  out.dets.resize(out.cat_begin[K]);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = 0; i < ranked[k].size(); ++i) {
      const Ranked& r = ranked[k][i];
      const ImageEval& ie = e.image_evals[r.entry];
      AnalysisDet& d = out.dets[out.cat_begin[k] + i];
      d.score = r.score;
      d.det = e.dt_index[ie.dt_begin + r.rank];
      d.image = ie.image;
      d.category = static_cast<std::uint32_t>(k);
      d.entry = r.entry;
      d.rank = r.rank;
      d.flag = outcome_at(e, ie, ti, r.rank);
      if (d.flag == Outcome::tp) d.gt = e.dt_match[ie.match_begin + ti * ie.num_dt + r.rank];
    }
  return out;
}

// Per image: its non-ignored GTs (with their category: the cell's, 0 without use_cats)
// and its detections that are not ignored, with the IoUs of the two by the evaluation's
// IoU type; which GTs were matched (by any kept detection, and at >= the score threshold).
struct ImageView {
  std::uint32_t images = 0;
  std::vector<std::uint64_t> npig;  // per category
  std::vector<std::vector<std::uint32_t>> img_gt, img_dt;
  std::vector<std::uint32_t> gt_cat;   // per annotation
  std::vector<std::uint32_t> det_pos;  // detection index -> position in dets
  std::vector<std::uint8_t> matched, matched_thr;
  std::vector<std::uint64_t> iou_off;  // image i's block: img_dt[i] x img_gt[i] at ious[iou_off[i]]
  std::vector<double> ious;

  const AnalysisDet& det(const std::vector<AnalysisDet>& dets, std::uint32_t i, std::size_t di) const {
    return dets[det_pos[img_dt[i][di]]];
  }
};

ImageView image_view(const GroundTruth& gt, const Detections& dt, const Evaluation& e, const Blocks& blocks,
                     const std::vector<AnalysisDet>& dets, double score_threshold, const IouProvider& iou,
                     const CancelFlag* cancel) {
  ImageView v;
  const std::uint32_t I = static_cast<std::uint32_t>(gt.images.size());
  v.images = I;
  v.npig.assign(e.K, 0);
  v.img_gt.resize(I);
  v.img_dt.resize(I);
  v.gt_cat.assign(gt.size(), 0);
  for (std::size_t k = 0; k < e.K; ++k)
    for (std::uint64_t j = blocks.begin[k]; j < blocks.begin[k] + blocks.count[k]; ++j) {
      const ImageEval& ie = e.image_evals[j];
      for (std::uint32_t g = 0; g < ie.num_gt; ++g)
        if (!e.gt_ignore[ie.gt_begin + g]) {
          const std::uint32_t ann = e.gt_index[ie.gt_begin + g];
          v.img_gt[ie.image].push_back(ann);
          v.gt_cat[ann] = static_cast<std::uint32_t>(k);
          ++v.npig[k];
        }
    }
  v.det_pos.assign(dt.size(), 0);
  for (std::size_t n = 0; n < dets.size(); ++n) {
    v.det_pos[dets[n].det] = static_cast<std::uint32_t>(n);
    if (dets[n].flag != Outcome::ignored) v.img_dt[dets[n].image].push_back(dets[n].det);
  }
  v.matched.assign(gt.size(), 0);
  v.matched_thr.assign(gt.size(), 0);
  for (const AnalysisDet& d : dets)
    if (d.flag == Outcome::tp) {
      v.matched[d.gt] = 1;
      if (d.score >= score_threshold) v.matched_thr[d.gt] = 1;
    }
  v.iou_off.assign(I + 1, 0);
  for (std::uint32_t i = 0; i < I; ++i) v.iou_off[i + 1] = v.iou_off[i] + v.img_dt[i].size() * v.img_gt[i].size();
  v.ious.resize(v.iou_off[I]);
  std::vector<IouTask> tasks;
  for (std::uint32_t i = 0; i < I; ++i)
    if (v.iou_off[i + 1] > v.iou_off[i]) tasks.push_back({v.img_dt[i], v.img_gt[i], v.ious.data() + v.iou_off[i]});
  iou.compute(tasks, cancel);
  return v;
}

// Maxima of same-/other-category IoU of each detection, and the error type of each FP.
void classify_false_positives(const ImageView& v, double thr, double bg, std::vector<AnalysisDet>& dets,
                              const CancelFlag* cancel) {
  tbb::parallel_for(std::uint32_t{0}, v.images, [&](std::uint32_t i) {
    check_cancel(cancel);
    const std::size_t G = v.img_gt[i].size();
    for (std::size_t di = 0; di < v.img_dt[i].size(); ++di) {
      AnalysisDet& d = dets[v.det_pos[v.img_dt[i][di]]];
      const double* row = v.ious.data() + v.iou_off[i] + di * G;
      for (std::size_t g = 0; g < G; ++g) {
        const std::uint32_t ann = v.img_gt[i][g];
        const bool same = v.gt_cat[ann] == d.category;
        double& best = same ? d.same : d.other;
        std::int32_t& arg = same ? d.same_gt : d.other_gt;
        if (row[g] > best || arg < 0) {
          best = row[g];
          arg = static_cast<std::int32_t>(ann);
        }
      }
      if (d.flag != Outcome::fp) continue;
      const ErrorType t =
          detail::false_positive_type(d.same_gt >= 0, d.same, d.other, bg, [thr](double iou) { return iou >= thr; });
      d.error = static_cast<std::int8_t>(t);
    }
  });
}

// The confusion matrix of detections at >= the score threshold (analysis_common.hpp):
// overlaps >= thr, as COCO's matching.
ConfusionMatrix confusion_matrix(const ImageView& v, const std::vector<AnalysisDet>& dets, std::size_t K, double thr,
                                 double score_threshold) {
  ConfusionMatrix cm;
  cm.K = K;
  cm.counts.assign((K + 1) * (K + 1), 0);
  std::vector<std::size_t> order;
  std::vector<std::uint8_t> taken;
  for (std::uint32_t i = 0; i < v.images; ++i) {
    const std::vector<std::uint32_t>& gts = v.img_gt[i];
    const double* block = v.ious.data() + v.iou_off[i];
    detail::add_image_confusion(
        cm, v.img_dt[i].size(), [&](std::size_t di) -> const AnalysisDet& { return v.det(dets, i, di); }, gts.size(),
        [&](std::size_t g) { return static_cast<std::size_t>(v.gt_cat[gts[g]]); },
        [&](std::size_t g) { return !v.matched_thr[gts[g]]; },
        [&](std::size_t di, std::size_t g) { return block[di * gts.size() + g]; }, thr, false, score_threshold, order,
        taken);
  }
  return cm;
}

// The errors counted, and what fixing each kind would add to AP (oracle fixes), with AP
// per category and overall in summarize()'s [r][k] order.
void error_breakdown(const GroundTruth& gt, const Evaluation& e, const RankedDets& rd, const ImageView& v,
                     ErrorBreakdown& eb, const CancelFlag* cancel) {
  const std::size_t K = e.K, R = e.R;
  const std::vector<AnalysisDet>& dets = rd.dets;
  const std::vector<std::size_t>& cat_begin = rd.cat_begin;
  auto ap_of = [&](const detail::ErrorScenario& s, std::vector<double>& per_cat) {
    std::vector<double> prec(R * K, -1);
    per_cat.assign(K, -1);
    tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
      check_cancel(cancel);
      if (s.gt_count[k] == 0) return;
      std::vector<double> add = s.added[k];
      std::sort(add.begin(), add.end(), std::greater<>());
      std::vector<double> tpv, fpv, sc;
      std::size_t ai = 0;
      for (std::size_t n = cat_begin[k]; n <= cat_begin[k + 1]; ++n) {
        // Added TPs go after original detections of equal score.
        const double next = n < cat_begin[k + 1] ? dets[n].score : -std::numeric_limits<double>::infinity();
        for (; ai < add.size() && (add[ai] > next || n == cat_begin[k + 1]); ++ai) {
          tpv.push_back(1);
          fpv.push_back(0);
          sc.push_back(add[ai]);
        }
        if (n == cat_begin[k + 1]) break;
        tpv.push_back(s.flag[n] == Outcome::tp ? 1 : 0);
        fpv.push_back(s.flag[n] == Outcome::fp ? 1 : 0);
        sc.push_back(dets[n].score);
      }
      detail::AccumulateScratch acc;
      detail::accumulate_curve(tpv.data(), fpv.data(), sc.data(), tpv.size(), s.gt_count[k], e.params.rec_thrs,
                               prec.data() + k, nullptr, K, acc);
      std::vector<double> col(R);
      for (std::size_t r = 0; r < R; ++r) col[r] = prec[r * K + k];
      per_cat[k] = mean_valid(col);
    });
    return mean_valid(prec);
  };
  detail::ErrorCostInputs<AnalysisDet> in;
  in.dets = &dets;
  in.categories = K;
  in.targets = gt.size();
  in.gt_count.assign(v.npig.begin(), v.npig.end());
  in.target = [](const AnalysisDet& d, ErrorType type) {
    return static_cast<std::size_t>(type == ErrorType::localization ? d.same_gt : d.other_gt);
  };
  in.claimable = [&](std::size_t g) { return !v.matched[g]; };
  in.category_of = [&](std::size_t g) { return static_cast<std::size_t>(v.gt_cat[g]); };
  in.ap_of = ap_of;
  in.defined = [](std::size_t k, const std::vector<double>& before, const std::vector<double>& after,
                  const detail::ErrorScenario&) { return before[k] > -1 && after[k] > -1; };
  detail::count_errors(
      in,
      [&](auto&& f) {
        for (std::uint32_t i = 0; i < v.images; ++i)
          for (std::uint32_t ann : v.img_gt[i]) f(ann, v.gt_cat[ann], v.matched[ann] != 0);
      },
      eb);
  const std::vector<double> base_cat = detail::error_costs(in, eb);
  for (std::size_t k = 0; k < K; ++k) eb.per_category[k].ap = base_cat[k];
}

}  // namespace

Analysis analyze(const GroundTruth& gt, const Detections& dt, const Evaluation& e, const AnalysisOptions& options,
                 const IouProvider& iou) {
  if (e.dt_match.empty() && !e.dt_index.empty())
    throw UsageError("analyze: the evaluation did not keep its matches: evaluate with EvalOptions::keep_matches on");
  const std::ptrdiff_t ti_signed = find_iou_threshold(e, options.iou);
  if (ti_signed < 0)
    throw UsageError("iou", "the analysis IoU " + std::to_string(options.iou) +
                                " is not one of the evaluation's IoU thresholds: choose one of Params::iou_thrs");
  Analysis an;
  an.options = options;
  an.area = analysis_area(e);
  an.max_dets = e.params.max_dets.back();
  an.iou_index = static_cast<std::size_t>(ti_signed);
  const double thr = std::min(e.params.iou_thrs[an.iou_index], 1 - 1e-10);
  const Blocks blocks = blocks_for_area(e, an.area);

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    an.curves = pr_curves(e);
    RankedDets rd = ranked_detections(e, dt, blocks, an.iou_index, options.cancel);
    const ImageView view = image_view(gt, dt, e, blocks, rd.dets, options.score_threshold, iou, options.cancel);
    classify_false_positives(view, thr, options.background_iou, rd.dets, options.cancel);
    detail::operating_points(rd.dets, rd.cat_begin, [&](std::size_t k) { return view.npig[k]; },
                             options.score_threshold, options.f1_points, an.f1_thresholds, an.per_category,
                             an.overall);
    an.confusion = confusion_matrix(view, rd.dets, e.K, thr, options.score_threshold);
    check_cancel(options.cancel);
    error_breakdown(gt, e, rd, view, an.errors, options.cancel);
  });

  if (options.bootstrap > 0) {
    an.has_bootstrap = true;
    an.bootstrap = bootstrap_ap(gt, dt, e, options.bootstrap, options.seed, options.threads, options.cancel);
  }
  return an;
}

Analysis analyze(const GroundTruth& gt, const Detections& dt, const Evaluation& e, const AnalysisOptions& options) {
  return analyze(gt, dt, e, options, *make_iou_provider(gt, dt, e.params));
}

}  // namespace deteval

// The analyses of voc_analysis.hpp, on the VOC evaluation's own decisions
// (VocClassResult::ranked). See the header for the definitions; comments here say how.
#include "deteval/voc_analysis.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis_common.hpp"
#include "deteval/detail/pairwise_sum.hpp"
#include "deteval/error.hpp"
#include "deteval/geometry.hpp"

namespace deteval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// numpy.mean over the classes with npos > 0 (NaN without any), as voc_evaluate.
double mean_over(const std::vector<double>& ap, const std::vector<double>& npos) {
  std::vector<double> v;
  for (std::size_t k = 0; k < ap.size(); ++k)
    if (npos[k] > 0) v.push_back(ap[k]);
  return detail::numpy_sum(v.data(), v.size()) / static_cast<double>(v.size());
}

}  // namespace

std::vector<VocClassRef> voc_class_refs(const VocDataset& dataset) {
  std::vector<VocClassRef> out;
  for (const auto& c : dataset.classes) out.push_back({c.gt_image, c.gt_difficult, c.det_image, c.det_score});
  return out;
}

std::vector<VocClassRef> voc_class_refs(const DotaDataset& dataset) {
  std::vector<VocClassRef> out;
  for (const auto& c : dataset.classes) out.push_back({c.gt_image, c.gt_difficult, c.det_image, c.det_score});
  return out;
}

// ---- Bootstrap ------------------------------------------------------------------------

VocBootstrap voc_bootstrap(const VocResult& result, const std::vector<VocClassRef>& classes, std::size_t num_images,
                           int replicates, std::uint64_t seed, int threads) {
  const std::size_t K = result.classes.size();
  if (classes.size() != K) throw InputError::data("voc_bootstrap: classes and result differ in size");
  VocBootstrap out;
  out.replicates = replicates;
  out.seed = seed;

  // Per class: the image and flag of every ranked detection, and (image, npos) pairs.
  struct Cat {
    std::vector<std::uint32_t> image;
    std::vector<Outcome> flag;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> npos;
  };
  std::vector<Cat> cats(K);
  for (std::size_t k = 0; k < K; ++k) {
    const VocClassResult& r = result.classes[k];
    Cat& c = cats[k];
    for (const VocRankedDetection& d : r.ranked) {
      c.image.push_back(classes[k].det_image[d.detection]);
      c.flag.push_back(d.outcome);
    }
    std::vector<std::uint32_t> per_image(num_images, 0);
    for (std::size_t g = 0; g < classes[k].gt_image.size(); ++g)
      if (!classes[k].gt_difficult[g]) ++per_image[classes[k].gt_image[g]];
    for (std::uint32_t i = 0; i < num_images; ++i)
      if (per_image[i]) c.npos.emplace_back(i, per_image[i]);
  }

  struct Scratch {
    std::vector<double> w, rec, prec, ap07, area, npos;
  };
  // Both mAPs for image weights w; all ones reproduce voc_match_ranked's arithmetic.
  auto stats_for = [&](Scratch& s, double& map07, double& map_area) {
    s.ap07.assign(K, 0);
    s.area.assign(K, 0);
    s.npos.assign(K, 0);
    const double eps = std::numeric_limits<double>::epsilon();
    for (std::size_t k = 0; k < K; ++k) {
      const Cat& c = cats[k];
      double npos = 0;
      for (auto [img, n] : c.npos) npos += s.w[img] * n;
      s.npos[k] = npos;
      if (npos == 0) continue;
      s.rec.clear();
      s.prec.clear();
      double tp = 0., fp = 0.;
      for (std::size_t i = 0; i < c.flag.size(); ++i) {
        const double wi = s.w[c.image[i]];
        if (wi == 0) continue;  // not drawn: the same as not there
        if (c.flag[i] == Outcome::tp) tp += wi;
        else if (c.flag[i] == Outcome::fp) fp += wi;
        s.rec.push_back(tp / npos);
        s.prec.push_back(tp / std::max(tp + fp, eps));
      }
      s.ap07[k] = voc_ap_11point(s.rec, s.prec);
      s.area[k] = voc_ap_area(s.rec, s.prec);
    }
    map07 = mean_over(s.ap07, s.npos);
    map_area = mean_over(s.area, s.npos);
  };

  std::vector<double> m07, marea;
  detail::bootstrap_pairs<Scratch>(num_images, replicates, seed, threads, stats_for, out.map_voc07.value,
                                   out.map_area.value, m07, marea);
  if (m07.empty()) return out;
  auto interval = [](std::vector<double> v, Interval& iv) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
    iv.lo = v.empty() ? kNaN : detail::percentile(v, 2.5);
    iv.hi = v.empty() ? kNaN : detail::percentile(v, 97.5);
  };
  interval(m07, out.map_voc07);
  interval(marea, out.map_area);
  return out;
}

// ---- Everything else --------------------------------------------------------------------

VocAnalysis voc_analyze(const VocResult& result, const std::vector<VocClassRef>& classes, std::size_t num_images,
                        const AnalysisOptions& options, const VocPairIou& iou) {
  const std::size_t K = result.classes.size();
  if (classes.size() != K) throw InputError::data("voc_analyze: classes and result differ in size");
  for (std::size_t k = 0; k < K; ++k)
    if (result.classes[k].ranked.size() != classes[k].det_image.size())
      throw InputError::data("voc_analyze: the result is not the evaluation of these classes");
  const double t = result.iou_threshold, bg = options.background_iou, s_thr = options.score_threshold;
  const std::uint32_t I = static_cast<std::uint32_t>(num_images);

  VocAnalysis out;
  out.iou_threshold = t;
  Analysis& an = out.analysis;
  an.options = options;
  an.options.iou = t;

  // Objects: flat index obj_begin[k] + g; grouped by image in class, then file order.
  std::vector<std::size_t> obj_begin(K + 1, 0);
  for (std::size_t k = 0; k < K; ++k) obj_begin[k + 1] = obj_begin[k] + classes[k].gt_image.size();
  const std::size_t O = obj_begin[K];
  std::vector<std::uint32_t> obj_class(O);
  std::vector<std::uint64_t> img_obj_off(num_images + 1, 0);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t g = 0; g < classes[k].gt_image.size(); ++g) {
      obj_class[obj_begin[k] + g] = static_cast<std::uint32_t>(k);
      ++img_obj_off[classes[k].gt_image[g] + 1];
    }
  for (std::size_t i = 0; i < num_images; ++i) img_obj_off[i + 1] += img_obj_off[i];
  std::vector<std::uint32_t> img_obj(O);
  {
    std::vector<std::uint64_t> fill(img_obj_off.begin(), img_obj_off.end() - 1);
    for (std::size_t k = 0; k < K; ++k)
      for (std::size_t g = 0; g < classes[k].gt_image.size(); ++g)
        img_obj[fill[classes[k].gt_image[g]]++] = static_cast<std::uint32_t>(obj_begin[k] + g);
  }
  auto difficult = [&](std::size_t o) { return classes[obj_class[o]].gt_difficult[o - obj_begin[obj_class[o]]] != 0; };
  std::vector<double> npos(K);
  for (std::size_t k = 0; k < K; ++k) npos[k] = static_cast<double>(result.classes[k].npos);

  // Detections: flat index det_begin[k] + rank.
  struct Det {
    double score = 0;
    std::uint32_t image = 0, category = 0, det = 0;
    Outcome flag = Outcome::ignored;
    std::int64_t gt = -1;                  // flat object of the decision (tp/ignored/duplicate)
    double same = kNegInf, other = kNegInf;
    std::int64_t same_obj = -1, other_obj = -1;  // flat objects attaining them
    std::int8_t error = -1;
  };
  std::vector<std::size_t> det_begin(K + 1, 0);
  for (std::size_t k = 0; k < K; ++k) det_begin[k + 1] = det_begin[k] + result.classes[k].ranked.size();
  std::vector<Det> dets(det_begin[K]);
  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = 0; i < result.classes[k].ranked.size(); ++i) {
      const VocRankedDetection& r = result.classes[k].ranked[i];
      Det& d = dets[det_begin[k] + i];
      d.det = r.detection;
      d.score = classes[k].det_score[r.detection];
      d.image = classes[k].det_image[r.detection];
      d.category = static_cast<std::uint32_t>(k);
      d.flag = r.outcome;
      if (r.gt >= 0) d.gt = static_cast<std::int64_t>(obj_begin[k]) + r.gt;
      d.same = r.iou;
      if (r.nearest >= 0) d.same_obj = static_cast<std::int64_t>(obj_begin[k]) + r.nearest;
    }
  // Non-ignored detections per image, in class then rank order.
  std::vector<std::vector<std::uint32_t>> img_dt(num_images);
  for (std::size_t n = 0; n < dets.size(); ++n)
    if (dets[n].flag != Outcome::ignored) img_dt[dets[n].image].push_back(static_cast<std::uint32_t>(n));
  std::vector<std::uint8_t> matched(O, 0), matched_thr(O, 0);
  for (const Det& d : dets)
    if (d.flag == Outcome::tp) {
      matched[static_cast<std::size_t>(d.gt)] = 1;
      if (d.score >= s_thr) matched_thr[static_cast<std::size_t>(d.gt)] = 1;
    }
  auto pair_iou = [&](const Det& d, std::size_t o) {
    const std::size_t k2 = obj_class[o];
    return iou(d.category, d.det, k2, static_cast<std::uint32_t>(o - obj_begin[k2]));
  };

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    // "other" of each FP and its error type.
    tbb::parallel_for(std::uint32_t{0}, I, [&](std::uint32_t i) {
      for (std::uint32_t n : img_dt[i]) {
        Det& d = dets[n];
        if (d.flag != Outcome::fp) continue;
        for (std::uint64_t j = img_obj_off[i]; j < img_obj_off[i + 1]; ++j) {
          const std::uint32_t o = img_obj[j];
          if (obj_class[o] == d.category) continue;
          const double v = pair_iou(d, o);
          if (v > d.other || d.other_obj < 0) {
            d.other = v;
            d.other_obj = o;
          }
        }
        const ErrorType type =
            detail::false_positive_type(d.same_obj >= 0, d.same, d.other, bg, [t](double iou) { return iou > t; });
        d.error = static_cast<std::int8_t>(type);
      }
    });

    // ---- operating points and F1 curves
    detail::operating_points(dets, det_begin, [&](std::size_t k) { return result.classes[k].npos; }, s_thr,
                             options.f1_points, an.f1_thresholds, an.per_category, an.overall);

    // ---- confusion matrix
    ConfusionMatrix& cm = an.confusion;
    cm.K = K;
    cm.counts.assign((K + 1) * (K + 1), 0);
    {
      std::vector<std::size_t> order;
      std::vector<std::uint8_t> taken;
      for (std::uint32_t i = 0; i < I; ++i) {
        const std::uint32_t* objs = img_obj.data() + img_obj_off[i];
        const std::vector<std::uint32_t>& ds = img_dt[i];
        // Overlaps > t, as the devkit's matching; difficult objects count nowhere.
        detail::add_image_confusion(
            cm, ds.size(), [&](std::size_t di) -> const Det& { return dets[ds[di]]; },
            static_cast<std::size_t>(img_obj_off[i + 1] - img_obj_off[i]),
            [&](std::size_t g) { return static_cast<std::size_t>(obj_class[objs[g]]); },
            [&](std::size_t g) { return !difficult(objs[g]) && !matched_thr[objs[g]]; },
            [&](std::size_t di, std::size_t g) { return pair_iou(dets[ds[di]], objs[g]); }, t, true, s_thr, order,
            taken);
      }
    }

    // ---- errors and their mAP cost
    ErrorBreakdown& eb = an.errors;

    // Area AP per class (NaN without GT) and their mean, with voc_match_ranked's arithmetic.
    auto ap_of = [&](const detail::ErrorScenario& s, std::vector<double>& per_cat) {
      per_cat.assign(K, kNaN);
      tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) {
        if (!(s.gt_count[k] > 0)) return;
        std::vector<double> add = s.added[k];
        std::sort(add.begin(), add.end(), std::greater<>());
        std::vector<double> rec, prec;
        const double eps = std::numeric_limits<double>::epsilon();
        double tp = 0., fp = 0.;
        auto point = [&] {
          rec.push_back(tp / s.gt_count[k]);
          prec.push_back(tp / std::max(tp + fp, eps));
        };
        std::size_t ai = 0;
        for (std::size_t n = det_begin[k]; n < det_begin[k + 1]; ++n) {
          for (; ai < add.size() && add[ai] > dets[n].score; ++ai) {  // after ranked entries of equal score
            tp += 1.;
            point();
          }
          if (s.flag[n] == Outcome::tp) tp += 1.;
          else if (s.flag[n] == Outcome::fp) fp += 1.;
          point();
        }
        for (; ai < add.size(); ++ai) {
          tp += 1.;
          point();
        }
        per_cat[k] = voc_ap_area(rec, prec);
      });
      return mean_over(per_cat, s.gt_count);
    };
    detail::ErrorCostInputs<Det> in;
    in.dets = &dets;
    in.categories = K;
    in.targets = O;
    in.gt_count = npos;
    in.target = [](const Det& d, ErrorType type) {
      return static_cast<std::size_t>(type == ErrorType::localization ? d.same_obj : d.other_obj);
    };
    // VOC would ignore a difficult object, and a matched one is taken.
    in.claimable = [&](std::size_t o) { return !difficult(o) && !matched[o]; };
    in.category_of = [&](std::size_t o) { return static_cast<std::size_t>(obj_class[o]); };
    in.ap_of = ap_of;
    in.defined = [&](std::size_t k, const std::vector<double>&, const std::vector<double>&,
                     const detail::ErrorScenario& sc) { return npos[k] > 0 && sc.gt_count[k] > 0; };
    detail::count_errors(
        in,
        [&](auto&& f) {
          for (std::size_t o = 0; o < O; ++o)
            if (!difficult(o)) f(o, obj_class[o], matched[o] != 0);
        },
        eb);
    const std::vector<double> base_cat = detail::error_costs(in, eb);
    for (std::size_t k = 0; k < K; ++k) eb.per_category[k].ap = npos[k] > 0 ? base_cat[k] : -1;
  });

  if (options.bootstrap > 0) {
    out.has_bootstrap = true;
    out.bootstrap = voc_bootstrap(result, classes, num_images, options.bootstrap, options.seed, options.threads);
  }
  return out;
}

VocAnalysis voc_analyze(const VocDataset& dataset, const VocResult& result, const AnalysisOptions& options) {
  return voc_analyze(result, voc_class_refs(dataset), dataset.num_images, options,
                     [&](std::size_t kd, std::uint32_t d, std::size_t kg, std::uint32_t g) {
                       return voc_iou(dataset.classes[kd].det_box[d], dataset.classes[kg].gt_box[g]);
                     });
}

VocAnalysis dota_analyze(const DotaDataset& dataset, const VocResult& result, const AnalysisOptions& options) {
  // Extents and areas once, as dota_evaluate; pairs whose extents do not overlap have IoU 0.
  const std::size_t K = dataset.classes.size();
  std::vector<std::vector<ShapeInfo>> det_info(K), gt_info(K);
  for (std::size_t k = 0; k < K; ++k) {
    const DotaClassData& c = dataset.classes[k];
    for (std::size_t i = 0; i < c.det_poly.size(); ++i) det_info[k].push_back(shape_info(c.det_poly[i]));
    for (std::size_t i = 0; i < c.gt_poly.size(); ++i) gt_info[k].push_back(shape_info(c.gt_poly[i]));
  }
  tbb::enumerable_thread_specific<GeometryScratch> scratch;
  return voc_analyze(result, voc_class_refs(dataset), dataset.num_images, options,
                     [&](std::size_t kd, std::uint32_t d, std::size_t kg, std::uint32_t g) {
                       const ShapeInfo &a = det_info[kd][d], &b = gt_info[kg][g];
                       if (a.xmax <= b.xmin || b.xmax <= a.xmin || a.ymax <= b.ymin || b.ymax <= a.ymin) return 0.0;
                       return shape_iou(dataset.classes[kd].det_poly[d], a, dataset.classes[kg].gt_poly[g], b,
                                        /*crowd=*/false, scratch.local());
                     });
}

}  // namespace deteval

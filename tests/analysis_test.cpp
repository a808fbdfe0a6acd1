// The analyses (analysis.hpp): a hand-built image where every error type occurs
// once, and invariants on the conformance fixtures that tie each analysis to the
// evaluation's own arrays.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "deteval/analysis.hpp"
#include "deteval/detail/accumulate.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using test::fixture;

// One image, cats (1) and dogs (2). GT: a1 cat, a2 dog, a3 cat, a4 dog.
//   d1 cat on a1 (0.9): TP          d2 cat on a1 (0.8): duplicate
//   d3 dog on a1 (0.7): classification (a1 already matched: the fix removes it)
//   d4 cat on a2 (0.6): classification (a2 never matched: the fix makes it a dog TP)
//   d5 cat, IoU 0.25 with a3 (0.5): localisation (fix: TP)
//   d6 cat on nothing (0.4): background
//   d7 cat, IoU 0.16 with dog a2 (0.3): both
//   a4 dog: missed
constexpr const char* kGt = R"({
  "images": [{"id": 1, "width": 100, "height": 100, "file_name": "a.jpg"}],
  "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
    {"id": 2, "image_id": 1, "category_id": 2, "bbox": [50, 50, 10, 10], "area": 100, "iscrowd": 0},
    {"id": 3, "image_id": 1, "category_id": 1, "bbox": [20, 20, 10, 10], "area": 100, "iscrowd": 0},
    {"id": 4, "image_id": 1, "category_id": 2, "bbox": [0, 80, 10, 10], "area": 100, "iscrowd": 0}]})";
constexpr const char* kDt = R"([
  {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},
  {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.8},
  {"image_id": 1, "category_id": 2, "bbox": [0, 0, 10, 10], "score": 0.7},
  {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.6},
  {"image_id": 1, "category_id": 1, "bbox": [20, 26, 10, 10], "score": 0.5},
  {"image_id": 1, "category_id": 1, "bbox": [80, 0, 10, 10], "score": 0.4},
  {"image_id": 1, "category_id": 1, "bbox": [53, 56, 10, 10], "score": 0.3}])";

std::size_t ix(ErrorType t) { return static_cast<std::size_t>(t); }

TEST(Analysis, EveryErrorTypeOnAHandBuiltImage) {
  const GroundTruth gt = parse_coco_gt(kGt, "gt", IouType::bbox);
  const Detections dt = parse_coco_results(kDt, "dt", gt, IouType::bbox);
  const Evaluation ev = evaluate(gt, dt, Params{});
  AnalysisOptions o;
  o.score_threshold = 0;
  const Analysis an = analyze(gt, dt, ev, o);
  const ErrorBreakdown& eb = an.errors;
  EXPECT_EQ(eb.count[ix(ErrorType::duplicate)], 1u);
  EXPECT_EQ(eb.count[ix(ErrorType::classification)], 2u);
  EXPECT_EQ(eb.count[ix(ErrorType::localization)], 1u);
  EXPECT_EQ(eb.count[ix(ErrorType::background)], 1u);
  EXPECT_EQ(eb.count[ix(ErrorType::both)], 1u);
  EXPECT_EQ(eb.count[ix(ErrorType::missed)], 1u);
  EXPECT_EQ(eb.per_category[1].count[ix(ErrorType::classification)], 1u);  // d3 is a dog
  EXPECT_EQ(eb.ap, summarize(ev).stats[1]);
  // AP50 = (cat 51/101 + dog 0) / 2. Fixing classification makes d4 a dog TP (dog
  // 51/101); fixing localisation makes d5 a cat TP (cat 76/101). Every other false
  // positive ranks after the last TP, and the only missed GT is a dog's without any
  // dog TP, so their fixes gain nothing. Without false negatives: cat 1, dog excluded.
  EXPECT_NEAR(eb.delta_ap[ix(ErrorType::classification)], 25.5 / 101, 1e-12);
  EXPECT_NEAR(eb.delta_ap[ix(ErrorType::localization)], 12.5 / 101, 1e-12);
  for (ErrorType t : {ErrorType::both, ErrorType::duplicate, ErrorType::background, ErrorType::missed})
    EXPECT_EQ(eb.delta_ap[ix(t)], 0) << kErrorNames[ix(t)];
  EXPECT_EQ(eb.delta_ap_false_positives, 0);
  EXPECT_NEAR(eb.delta_ap_false_negatives, 1 - 25.5 / 101, 1e-12);

  // Fixing the localisation error makes d5 a cat TP: cat TPs at ranks 1 and 4 of 6
  // for 2 GTs, so precision 1 up to recall 0.5 (51 points), then 2/4 (50 points).
  const double cat_fixed = (51 * 1.0 + 50 * 0.5) / 101;
  EXPECT_NEAR(eb.per_category[0].ap + eb.per_category[0].delta_ap[ix(ErrorType::localization)], cat_fixed, 1e-12);

  // Rows: cat, dog, background; columns: cat, dog, missed.
  const ConfusionMatrix& cm = an.confusion;
  ASSERT_EQ(cm.K, 2u);
  const std::vector<std::uint64_t> expected = {1, 0, 1,  //
                                               1, 0, 1,  //
                                               4, 1, 0};
  EXPECT_EQ(cm.counts, expected);

  // At score >= 0.5: cats d1 (TP), d2, d4, d5; dog d3.
  AnalysisOptions o2;
  o2.score_threshold = 0.5;
  const Analysis an2 = analyze(gt, dt, ev, o2);
  const Counts& cat = an2.per_category[0].at_threshold;
  EXPECT_EQ(cat.tp, 1u);
  EXPECT_EQ(cat.fp, 3u);
  EXPECT_EQ(cat.fn, 1u);
  EXPECT_DOUBLE_EQ(cat.precision, 0.25);
  EXPECT_DOUBLE_EQ(cat.recall, 0.5);
  EXPECT_TRUE(an2.per_category[0].has_best);
  EXPECT_EQ(an2.per_category[0].best_threshold, 0.9);  // F1 2/3 at 0.9 beats everything lower
  EXPECT_FALSE(an2.per_category[1].has_best);          // dogs have no TP
  EXPECT_EQ(an2.overall.at_threshold.tp, 1u);
  EXPECT_EQ(an2.overall.at_threshold.fp, 4u);
  EXPECT_EQ(an2.overall.at_threshold.fn, 3u);
}

// The analyses' accumulation (a literal transcription of pycocotools) and
// evaluate()'s faster one agree bit for bit on every array entry of every fixture.
TEST(Accumulation, TranscriptionEqualsEvaluateOnEveryFixture) {
  std::size_t checked = 0;
  for (const auto& dir : std::filesystem::directory_iterator(fixture("coco"))) {
    if (!std::filesystem::exists(dir.path() / "expected_bbox.json")) continue;
    Params p;
    if (std::filesystem::exists(dir.path() / "params.json")) read_coco_params((dir.path() / "params.json").string(), p);
    if (p.iou_type != IouType::bbox) continue;
    const GroundTruth gt = read_coco_gt((dir.path() / "gt.json").string(), IouType::bbox);
    const Detections dt = read_coco_results((dir.path() / "dt.json").string(), gt, IouType::bbox);
    const Evaluation e = evaluate(gt, dt, p);
    detail::AccumulateScratch acc;
    for (std::size_t k = 0; k < e.K; ++k)
      for (std::size_t a = 0; a < e.A; ++a) {
        std::vector<const ImageEval*> cells;
        for (const ImageEval& ie : e.image_evals)
          if (ie.category == k && ie.area == a) cells.push_back(&ie);
        struct R { double s; std::size_t cell; std::uint32_t rank; };
        std::vector<R> ranked;
        double npig = 0;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          for (std::uint32_t d = 0; d < cells[c]->num_dt; ++d)
            ranked.push_back({dt.score[e.dt_index[cells[c]->dt_begin + d]], c, d});
          for (std::uint32_t g = 0; g < cells[c]->num_gt; ++g) npig += e.gt_ignore[cells[c]->gt_begin + g] == 0;
        }
        std::stable_sort(ranked.begin(), ranked.end(), [](const R& x, const R& y) { return x.s > y.s; });
        for (std::size_t m = 0; m < e.M; ++m)
          for (std::size_t t = 0; t < e.T; ++t) {
            if (npig == 0) {
              EXPECT_EQ(e.recall_at(t, k, a, m), -1);
              continue;
            }
            std::vector<double> tp, fp, sc, prec(e.R), score(e.R);
            for (const R& r : ranked) {
              if (r.rank >= static_cast<std::uint32_t>(e.params.max_dets[m])) continue;
              const ImageEval& ie = *cells[r.cell];
              const std::uint64_t at = ie.match_begin + t * ie.num_dt + r.rank;
              tp.push_back(!e.dt_ignore[at] && e.dt_match[at] >= 0);
              fp.push_back(!e.dt_ignore[at] && e.dt_match[at] < 0);
              sc.push_back(r.s);
            }
            const double rc = detail::accumulate_curve(tp.data(), fp.data(), sc.data(), tp.size(), npig,
                                                       e.params.rec_thrs, prec.data(), score.data(), 1, acc);
            ASSERT_EQ(rc, e.recall_at(t, k, a, m)) << dir.path().filename();
            for (std::size_t r = 0; r < e.R; ++r) {
              ASSERT_EQ(prec[r], e.precision_at(t, r, k, a, m)) << dir.path().filename();
              ASSERT_EQ(score[r], e.score_at(t, r, k, a, m)) << dir.path().filename();
            }
            ++checked;
          }
      }
  }
  EXPECT_GT(checked, 1000u);
}

struct Loaded {
  GroundTruth gt;
  Detections dt;
  Evaluation ev;
};

const Loaded& medium() {
  static const Loaded l = [] {
    const auto dir = fixture("coco/random_medium_200img");
    Loaded x;
    x.gt = read_coco_gt((dir / "gt.json").string(), IouType::bbox);
    x.dt = read_coco_results((dir / "dt.json").string(), x.gt, IouType::bbox);
    x.ev = evaluate(x.gt, x.dt, Params{});
    return x;
  }();
  return l;
}

TEST(Analysis, ConfusionMatrixAgreesWithTheOperatingPoint) {
  const Loaded& d = medium();
  for (double s : {0.0, 0.3, 0.7}) {
    AnalysisOptions o;
    o.score_threshold = s;
    const Analysis an = analyze(d.gt, d.dt, d.ev, o);
    const ConfusionMatrix& cm = an.confusion;
    ASSERT_EQ(cm.K, d.ev.K);
    std::uint64_t tp = 0, fp = 0, fn = 0;
    for (std::size_t k = 0; k < cm.K; ++k) {
      const OperatingPoint& op = an.per_category[k];
      std::uint64_t row = 0, col = 0;
      for (std::size_t j = 0; j <= cm.K; ++j) {
        row += cm.at(k, j);
        col += cm.at(j, k);
      }
      EXPECT_EQ(cm.at(k, k), op.at_threshold.tp);
      EXPECT_EQ(row, op.num_gt) << "category " << k;
      EXPECT_EQ(col, op.at_threshold.tp + op.at_threshold.fp) << "category " << k;
      tp += op.at_threshold.tp;
      fp += op.at_threshold.fp;
      fn += op.at_threshold.fn;
    }
    EXPECT_EQ(cm.at(cm.K, cm.K), 0u);
    EXPECT_EQ(an.overall.at_threshold.tp, tp);
    EXPECT_EQ(an.overall.at_threshold.fp, fp);
    EXPECT_EQ(an.overall.at_threshold.fn, fn);
  }
}

TEST(Analysis, ErrorsPartitionFalsePositivesAndFixesNeverHurt) {
  const Loaded& d = medium();
  AnalysisOptions o;
  o.score_threshold = -1e300;  // every detection
  const Analysis an = analyze(d.gt, d.dt, d.ev, o);
  const ErrorBreakdown& eb = an.errors;
  EXPECT_EQ(eb.ap, summarize(d.ev).stats[1]);  // re-accumulation reproduces AP50 bit for bit
  std::uint64_t fp_errors = 0;
  for (std::size_t t = 0; t < kErrorTypes; ++t) {
    if (t != ix(ErrorType::missed)) fp_errors += eb.count[t];
    EXPECT_GE(eb.delta_ap[t], 0) << kErrorNames[t];
  }
  EXPECT_EQ(fp_errors, an.overall.at_threshold.fp);
  EXPECT_LE(eb.count[ix(ErrorType::missed)], an.overall.at_threshold.fn);
  EXPECT_GE(eb.delta_ap_false_positives, eb.delta_ap[ix(ErrorType::background)]);
  EXPECT_GT(eb.delta_ap_false_negatives, 0);
  // Per-category AP is the evaluation's AP50 per category.
  const auto cats = per_category(d.ev);
  for (std::size_t k = 0; k < cats.size(); ++k) EXPECT_NEAR(eb.per_category[k].ap, cats[k].ap50, 1e-12);
}

TEST(Analysis, AnalysisIouAt075) {
  const Loaded& d = medium();
  AnalysisOptions o;
  o.iou = 0.75;
  const Analysis an = analyze(d.gt, d.dt, d.ev, o);
  EXPECT_EQ(an.errors.ap, summarize(d.ev).stats[2]);
  o.iou = 0.72;
  EXPECT_THROW(analyze(d.gt, d.dt, d.ev, o), UsageError);
}

TEST(Analysis, PrCurvesAreThePrecisionArrays) {
  const Loaded& d = medium();
  const Evaluation& e = d.ev;
  const auto curves = pr_curves(e);
  std::set<std::string> labels;
  std::size_t per_cat = 0;
  for (const PrCurve& c : curves) {
    labels.insert(c.iou);
    ASSERT_EQ(c.precision.size(), e.R);
    if (c.category == PrCurve::kOverall) {
      if (c.iou == "0.50" && c.area == 0) {
        // Its mean over recall points is AP50 up to summation order.
        double sum = 0;
        for (double v : c.precision) sum += v;
        EXPECT_NEAR(sum / static_cast<double>(e.R), summarize(e).stats[1], 1e-12);
      }
      continue;
    }
    ++per_cat;
    for (std::size_t r = 0; r < e.R; ++r) {
      if (c.iou == "0.50")
        EXPECT_EQ(c.precision[r], e.precision_at(0, r, c.category, c.area, e.M - 1));
      else if (c.iou == "0.75")
        EXPECT_EQ(c.precision[r], e.precision_at(5, r, c.category, c.area, e.M - 1));
      if (!c.score.empty()) EXPECT_EQ(c.score[r], e.score_at(c.iou == "0.50" ? 0 : 5, r, c.category, c.area, e.M - 1));
    }
  }
  EXPECT_EQ(labels, (std::set<std::string>{"0.50", "0.75", "0.50:0.95"}));
  EXPECT_GT(per_cat, e.K);
}

TEST(Analysis, F1CurveAndBestThreshold) {
  const Loaded& d = medium();
  const Analysis an = analyze(d.gt, d.dt, d.ev, {});
  ASSERT_EQ(an.f1_thresholds.size(), 101u);
  EXPECT_TRUE(std::is_sorted(an.f1_thresholds.begin(), an.f1_thresholds.end()));
  ASSERT_TRUE(an.overall.has_best);
  for (double f : an.overall.f1) EXPECT_LE(f, an.overall.best.f1 + 1e-15);
  for (const auto& op : an.per_category) {
    ASSERT_EQ(op.f1.size(), 101u);
    for (double f : op.f1) EXPECT_LE(f, op.best.f1 + 1e-15);
  }
}

TEST(Bootstrap, DeterministicSeededAndCentredOnTheStatistic) {
  const Loaded& d = medium();
  const Summary s = summarize(d.ev);
  const Bootstrap a = bootstrap_ap(d.gt, d.dt, d.ev, 200, 7, 1);
  const Bootstrap b = bootstrap_ap(d.gt, d.dt, d.ev, 200, 7, 4);
  const Bootstrap c = bootstrap_ap(d.gt, d.dt, d.ev, 200, 8, 4);
  EXPECT_EQ(a.ap.value, s.stats[0]);  // the same arithmetic as summarize()
  EXPECT_EQ(a.ap50.value, s.stats[1]);
  EXPECT_EQ(a.ap.lo, b.ap.lo);
  EXPECT_EQ(a.ap.hi, b.ap.hi);
  EXPECT_EQ(a.ap50.lo, b.ap50.lo);
  EXPECT_NE(a.ap.lo, c.ap.lo);
  EXPECT_LT(a.ap.lo, a.ap.value);
  EXPECT_GT(a.ap.hi, a.ap.value);
  EXPECT_LT(a.ap50.lo, a.ap50.value);
  EXPECT_GT(a.ap50.hi, a.ap50.value);
  EXPECT_LT(a.ap.hi - a.ap.lo, 0.2);
}

TEST(Bootstrap, XoshiroIsTheReferenceGenerator) {
  // xoshiro256** (Blackman & Vigna) with its state filled by splitmix64 from 0,
  // computed with an independent transcription of the reference C code.
  Xoshiro256 r(0);
  EXPECT_EQ(r.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(r.next(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(r.next(), 0x1a5f849d4933e6e0ULL);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(r.below(10));
  EXPECT_EQ(seen.size(), 10u);
}

}  // namespace
}  // namespace deteval

// The board's copy detection (board/include/deteval/board/similarity.hpp).
//
//   board_similarity_bench scale [participants] [submissions] [detections] [threads]
//     Synthetic course: every participant's model detects the same ground-truth objects
//     with its own localisation noise and scores, plus its own false positives; each of
//     its submissions is a variant. Three participants copy another's submission with an
//     edit. Times the sketches (computed once per submission, at submit time) and the
//     comparison `suspicious` runs: all sketch pairs, then the exact check of candidates.
//
//   board_similarity_bench measure GT.json DT.json [DT2.json ...] [--segm]
//     Similarity of each real detection file to edited copies of itself, and between the
//     files given (different models of the same images), and to the ground truth taken
//     as a perfect model: the distribution the default threshold is chosen from.
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "deteval/board/board.hpp"
#include "deteval/board/similarity.hpp"
#include "deteval/formats/coco.hpp"

namespace {

using namespace deteval;
using namespace deteval::board;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// --- scale ---------------------------------------------------------------------------------------

constexpr int kImages = 1000, kCategories = 80, kObjectsPerImage = 8;

struct Object {
  std::uint32_t image, category;
  Box box;
};

std::vector<Object> objects(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Object> out;
  for (int i = 0; i < kImages; ++i)
    for (int k = 0; k < kObjectsPerImage; ++k)
      out.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(rng() % kCategories),
                     {u(rng) * 500, u(rng) * 400, 10 + u(rng) * 200, 10 + u(rng) * 150}});
  return out;
}

// Submission `s` of participant `p`: the objects found with the participant's noise (and a
// little more per submission), then false positives up to `per_image` detections an image.
Detections submission(const std::vector<Object>& objs, int p, int s, int per_image) {
  std::mt19937_64 model(1000003ULL * static_cast<std::uint64_t>(p) + 17), variant(7919ULL * p + s + 1);
  std::normal_distribution<double> n(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  Detections d;
  auto push = [&](std::uint32_t image, std::uint32_t cat, Box b, double score) {
    d.image.push_back(image);
    d.category.push_back(cat);
    d.box.push_back(b);
    d.score.push_back(score);
    d.area.push_back(b.w * b.h);
  };
  std::size_t next = 0;
  for (int i = 0; i < kImages; ++i) {
    int on_image = 0;
    for (; next < objs.size() && objs[next].image == static_cast<std::uint32_t>(i); ++next) {
      const Object& o = objs[next];
      const double e = 0.04 * std::max(o.box.w, o.box.h);  // the model's localisation error
      Box b{o.box.x + e * n(model) + 0.2 * n(variant), o.box.y + e * n(model) + 0.2 * n(variant),
            o.box.w * (1 + 0.04 * n(model)), o.box.h * (1 + 0.04 * n(model))};
      push(o.image, o.category, b, std::clamp(0.6 + 0.2 * n(model) + 0.02 * n(variant), 0.0, 1.0));
      ++on_image;
    }
    for (; on_image < per_image; ++on_image)
      push(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(variant() % kCategories),
           {u(variant) * 600, u(variant) * 450, 5 + u(variant) * 100, 5 + u(variant) * 100}, 0.4 * u(variant));
  }
  return d;
}

GroundTruth images_only() {
  GroundTruth gt;
  for (int i = 0; i < kImages; ++i) gt.images.push_back({i + 1, 640, 480, ""});
  for (int k = 0; k < kCategories; ++k) gt.categories.push_back({k + 1, "c" + std::to_string(k)});
  return gt;
}

// The copier's edit of a submission (issue #20's list).
Detections edited(Detections d, int edit) {
  if (edit == 0)
    for (double& s : d.score) s += 1e-5;
  if (edit == 1)
    for (Box& b : d.box) b = {std::round(b.x * 10) / 10, std::round(b.y * 10) / 10, std::round(b.w * 10) / 10,
                              std::round(b.h * 10) / 10};
  if (edit == 2) {
    Detections k;
    for (std::size_t j = 0; j < d.size(); ++j)
      if (j % 10 != 0) {
        k.image.push_back(d.image[j]);
        k.category.push_back(d.category[j]);
        k.box.push_back(d.box[j]);
        k.score.push_back(d.score[j] * 0.9);
        k.area.push_back(d.area[j]);
      }
    return k;
  }
  return d;
}

int scale(int participants, int per_participant, int detections) {
  const int per_image = detections / kImages;
  const auto objs = objects(1);
  const GroundTruth gt = images_only();
  const int copiers = 3;  // participants 1..3 copy participant 0's first submission, edited
  auto make = [&](std::size_t unit) {
    const int p = static_cast<int>(unit) / per_participant, s = static_cast<int>(unit) % per_participant;
    if (p >= 1 && p <= copiers && s == 0) return edited(submission(objs, 0, 0, per_image), p - 1);
    return submission(objs, p, s, per_image);
  };
  const std::size_t units = static_cast<std::size_t>(participants) * per_participant;
  std::vector<DetectionSketch> sketches(units);
  std::vector<std::size_t> owner(units);
  double generate = 0, sketch = 0;
  for (std::size_t i = 0; i < units; ++i) {
    auto t = Clock::now();
    const Detections d = make(i);
    generate += seconds_since(t);
    t = Clock::now();
    sketches[i] = sketch_detections(d, gt);
    sketch += seconds_since(t);
    owner[i] = i / static_cast<std::size_t>(per_participant);
  }
  std::printf("%zu submissions of %d detections: generated in %.1f s; sketches %.1f s (%.1f ms each, at submit time)\n",
              units, per_image * kImages, generate, sketch, 1e3 * sketch / static_cast<double>(units));
  auto t = Clock::now();
  const auto cand = candidate_pairs(sketches, owner, kDefaultSimilarityThreshold / 2);
  const double pairs_s = seconds_since(t);
  double rebuild = 0, exact = 0;
  int flagged = 0;
  for (const auto& [i, j] : cand) {
    auto r = Clock::now();
    const Detections a = make(i);
    const Detections b = make(j);
    rebuild += seconds_since(r);
    r = Clock::now();
    const Similarity s = compare_detections(a, b, IouType::bbox);
    exact += seconds_since(r);
    flagged += s.similarity() >= kDefaultSimilarityThreshold;
    std::printf("  candidate %zu-%zu: similarity %.3f (%.3f / %.3f), rho %.3f\n", i, j, s.similarity(), s.fraction_a,
                s.fraction_b, s.rank_correlation.value_or(NAN));
  }
  std::printf("compare: %zu sketch pairs in %.2f s -> %zu candidates, exact check %.2f s (+ %.2f s rebuilding "
              "them; the board parses their files) -> %d flagged\n",
              units * (units - 1) / 2, pairs_s, cand.size(), exact, rebuild, flagged);
  std::printf("comparison total (sketch pairs + exact): %.2f s\n", pairs_s + exact);
  return 0;
}

// --- measure -------------------------------------------------------------------------------------

Detections gt_as_detections(const GroundTruth& gt) {
  Detections d;
  for (std::size_t j = 0; j < gt.size(); ++j) {
    if (gt.iscrowd[j]) continue;
    d.image.push_back(gt.image[j]);
    d.category.push_back(gt.category[j]);
    d.box.push_back(gt.box[j]);
    d.score.push_back(1.0 - 1e-6 * static_cast<double>(j));  // distinct, file order
    d.area.push_back(gt.area[j]);
  }
  return d;
}

void row(const char* what, const Similarity& s) {
  std::printf("  %-34s similarity %.3f  (%.3f of a, %.3f of b, %zu matched)  rho %s\n", what, s.similarity(),
              s.fraction_a, s.fraction_b, s.matched,
              s.rank_correlation ? std::to_string(*s.rank_correlation).c_str() : "-");
}

int measure(int argc, char** argv) {
  bool segm = false;
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--segm") segm = true;
    else files.push_back(argv[i]);
  }
  const IouType type = segm ? IouType::segm : IouType::bbox;
  const GroundTruth gt = read_coco_gt(files.at(0), type);
  std::vector<Detections> dts;
  for (std::size_t f = 1; f < files.size(); ++f) dts.push_back(read_coco_results(files[f], gt, type));
  const Detections oracle = gt_as_detections(gt);
  for (std::size_t f = 0; f < dts.size(); ++f) {
    std::printf("%s (%zu detections)\n", files[f + 1].c_str(), dts[f].size());
    for (int e = 0; e < 3; ++e)
      row(e == 0 ? "copy, scores + 1e-5" : e == 1 ? "copy, boxes rounded to 0.1" : "copy, 10% dropped, scores x 0.9",
          compare_detections(dts[f], edited(dts[f], e), IouType::bbox));
    row("vs the ground truth as a model (box)", compare_detections(dts[f], oracle, IouType::bbox));
    for (std::size_t g = f + 1; g < dts.size(); ++g)
      row(("vs " + files[g + 1]).c_str(), compare_detections(dts[f], dts[g], type));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s scale [participants] [submissions] [detections] [threads] | measure GT DT...\n",
                 argv[0]);
    return 2;
  }
  if (std::string(argv[1]) == "measure") return measure(argc, argv);
  const int threads = argc > 5 ? std::atoi(argv[5]) : 2;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  return scale(argc > 2 ? std::atoi(argv[2]) : 200, argc > 3 ? std::atoi(argv[3]) : 5,
               argc > 4 ? std::atoi(argv[4]) : 100000);
}

// Builds a dataset in memory, evaluates it and checks the result: the library API
// without files or the CLI.
#include <deteval/evaluate.hpp>
#include <deteval/formats/coco.hpp>
#include <deteval/summary.hpp>
#include <deteval/version.hpp>

#include <cstdio>

int main() {
  deteval::GroundTruth gt;
  gt.images = {{1, 100, 100, "a.jpg"}};
  gt.categories = {{1, "cat", ""}};
  gt.ann_id = {1};
  gt.image = {0};
  gt.category = {0};
  gt.box = {{10, 10, 40, 40}};
  gt.area = {1600};
  gt.iscrowd = {0};
  deteval::Detections dt;
  dt.image = {0};
  dt.category = {0};
  dt.score = {0.9};
  dt.box = {{10, 10, 40, 40}};
  dt.area = {1600};
  const auto ev = deteval::evaluate(gt, dt, deteval::Params{});
  const auto s = deteval::summarize(ev);
  std::printf("deteval %s AP50=%.3f\n", deteval::version(), s.stats[1]);
  // Precision is tp / (tp + fp + eps) as in pycocotools: just below 1.
  return s.stats[1] > 0.999 && s.stats[1] < 1.0 ? 0 : 1;
}

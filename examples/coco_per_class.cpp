// Evaluates COCO results against ground truth and prints pycocotools' summary and AP per class.
// Usage: coco_per_class gt.json results.json [bbox|segm|rotated|polygon]
#include <deteval/formats/coco.hpp>
#include <deteval/summary.hpp>

#include <cstdio>

int main(int argc, char** argv) try {
  if (argc < 3) return std::fprintf(stderr, "usage: %s gt.json results.json [iou type]\n", argv[0]), 2;
  deteval::Params params;  // pycocotools' defaults
  if (argc > 3) params.iou_type = deteval::parse_iou_type(argv[3]);
  const deteval::CocoEvaluation r = deteval::evaluate_coco(argv[1], argv[2], params);
  std::printf("%s", deteval::summarize(r.eval).text.c_str());
  for (const deteval::CategoryMetrics& c : deteval::per_category(r.eval))
    std::printf("%-20s AP %.4f\n", r.gt.categories[c.category].name.c_str(), c.ap);
} catch (const deteval::Error& e) {  // every failure: bad file, I/O, bad parameter
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}

// Scores a Pascal VOC folder (devkit layout) and prints AP per class and the mAP.
// Usage: voc_folder VOC_DIR results/comp4_det_test_{class}.txt [iou threshold]
//   VOC_DIR holds Annotations/*.xml and ImageSets/Main/test.txt; the detection pattern is
//   relative to it, one devkit file per class.
#include <deteval/formats/voc.hpp>
#include <deteval/voc.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) try {
  if (argc < 3) return std::fprintf(stderr, "usage: %s VOC_DIR DETECTION_PATTERN [iou]\n", argv[0]), 2;
  const std::string dir = argv[1];
  deteval::VocPaths paths;
  paths.annotations_dir = dir + "/Annotations";
  paths.image_set = dir + "/ImageSets/Main/test.txt";
  paths.detections = dir + "/" + argv[2];
  const deteval::VocInput in = deteval::load_voc(paths);
  const double iou = argc > 3 ? std::atof(argv[3]) : 0.5;
  const deteval::VocResult r = deteval::voc_evaluate(in.dataset, iou);
  for (std::size_t k = 0; k < r.classes.size(); ++k)
    std::printf("%-20s AP07 %.4f  AP %.4f\n", in.dataset.classes[k].name.c_str(), r.classes[k].ap_voc07,
                r.classes[k].ap_area);
  std::printf("mAP (VOC07 11-point) %.4f\nmAP (area)           %.4f\n", r.map_voc07, r.map_area);
} catch (const deteval::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}

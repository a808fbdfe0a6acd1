// Fuzz target: the VOC line readers. The bytes are read as an image set
// (parse_voc_image_set) and as a devkit detection file (parse_voc_detections) against a
// fixed image set; accepted detections are evaluated (voc_evaluate) against a fixed object.
#include <cmath>
#include <string_view>

#include "deteval/formats/voc.hpp"
#include "deteval/voc.hpp"
#include "fuzz.hpp"

using namespace deteval;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_or_ok([&] {
    const VocImageSet set = parse_voc_image_set(text, "test.txt");
    FUZZ_CHECK(set.index.size() == set.ids.size());
    for (std::size_t i = 0; i < set.ids.size(); ++i) FUZZ_CHECK(set.index.at(set.ids[i]) == i);
  });
  static const VocImageSet images = parse_voc_image_set("000001\n000002\n000003\n000004\n000005\n", "test.txt");
  VocDataset dataset;
  dataset.num_images = images.ids.size();
  VocClassData& c = dataset.classes.emplace_back();
  c.name = "car";
  c.gt_image = {0, 1, 1};
  c.gt_box = {{10, 10, 50, 50}, {0, 0, 1, 1}, {5, 5, 100, 80}};
  c.gt_difficult = {0, 0, 1};
  if (!fuzz::refused_or_ok([&] { parse_voc_detections(text, "comp4_det_test_car.txt", images, c); })) return 0;
  FUZZ_CHECK(c.det_image.size() == c.det_score.size() && c.det_box.size() == c.det_score.size());
  for (std::size_t j = 0; j < c.det_score.size(); ++j) {
    FUZZ_CHECK(c.det_image[j] < images.ids.size());
    FUZZ_CHECK(std::isfinite(c.det_score[j]));
  }
  if (c.det_score.size() <= 10000) (void)voc_evaluate(dataset);
  return 0;
}

// Fuzz target: the DOTA text readers. The bytes are read as a label file
// (parse_dota_annotation) and as a Task 1 result file (parse_dota_detections) against a fixed
// image set; accepted detections are evaluated (dota_evaluate_class) against fixed objects.
#include <cmath>
#include <string>
#include <string_view>

#include "deteval/dota.hpp"
#include "deteval/formats/dota.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/geometry.hpp"
#include "fuzz.hpp"

using namespace deteval;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_or_ok([&] {
    const DotaAnnotation a = parse_dota_annotation(text, "P0001.txt");
    for (const DotaObject& o : a.objects) {
      FUZZ_CHECK(!o.name.empty() && o.line >= 1);
      std::string why;
      FUZZ_CHECK(polygon_is_valid(o.quad, why));  // "a simple quadrilateral of non-zero area"
    }
  });
  static const VocImageSet images = parse_voc_image_set("P0001\nP0002\nP0003\n", "test.txt");
  DotaClassData c;
  c.name = "plane";
  const double gt0[8] = {10, 10, 60, 10, 60, 50, 10, 50}, gt1[8] = {0, 0, 5, 1, 4, 6, -1, 5};
  c.gt_image = {0, 2};
  c.gt_poly.push_back(gt0);
  c.gt_poly.push_back(gt1);
  c.gt_difficult = {0, 1};
  if (!fuzz::refused_or_ok([&] { parse_dota_detections(text, "Task1_plane.txt", images, "test.txt", c); })) return 0;
  FUZZ_CHECK(c.det_image.size() == c.det_score.size() && c.det_poly.size() == c.det_score.size());
  for (std::size_t j = 0; j < c.det_score.size(); ++j) {
    FUZZ_CHECK(c.det_image[j] < images.ids.size() && std::isfinite(c.det_score[j]));
    std::string why;
    FUZZ_CHECK(polygon_is_valid(c.det_poly[j], why));
  }
  if (c.det_score.size() <= 2000) {
    const VocClassResult r = dota_evaluate_class(c, images.ids.size(), 0.5);
    FUZZ_CHECK(r.tp + r.fp + r.ignored == c.det_score.size());
  }
  return 0;
}

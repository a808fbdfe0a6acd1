// Fuzz target: the YOLO text readers. The bytes are read as a names file (parse_yolo_names),
// and as a label file with and without scores (parse_yolo_labels); accepted boxes convert to
// finite COCO boxes (coco_box_from_yolo) and back.
#include <cmath>
#include <set>
#include <string_view>

#include "deteval/formats/yolo.hpp"
#include "fuzz.hpp"

using namespace deteval;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_or_ok([&] {
    const auto names = parse_yolo_names(text, "classes.txt");
    const std::set<std::string> unique(names.begin(), names.end());
    FUZZ_CHECK(unique.size() == names.size());
    for (const auto& n : names) FUZZ_CHECK(!n.empty());
  });
  for (bool with_score : {false, true}) {
    fuzz::refused_or_ok([&] {
      for (const YoloBox& b : parse_yolo_labels(text, "labels/000001.txt", 3, with_score)) {
        FUZZ_CHECK(b.cls < 3 && b.line >= 1);
        FUZZ_CHECK(std::isfinite(b.cx) && std::isfinite(b.cy) && b.w >= 0 && b.h >= 0 && std::isfinite(b.w) &&
                   std::isfinite(b.h) && std::isfinite(b.score));
        const Box c = coco_box_from_yolo(b, 640, 480);
        (void)yolo_box_from_coco(c, 640, 480);
      }
    });
  }
  return 0;
}

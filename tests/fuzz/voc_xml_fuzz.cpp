// Fuzz target: the VOC XML annotation reader (parse_voc_annotation, over mini_xml). An
// accepted file has objects with a name and a finite box with x1 <= x2 and y1 <= y2.
#include <cmath>
#include <string_view>

#include "deteval/formats/voc.hpp"
#include "fuzz.hpp"

using namespace deteval;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  fuzz::refused_or_ok([&] {
    const VocAnnotation a = parse_voc_annotation(xml, "000001.xml");
    FUZZ_CHECK(a.width >= 0 && a.height >= 0);
    for (const VocObject& o : a.objects) {
      FUZZ_CHECK(!o.name.empty());
      FUZZ_CHECK(std::isfinite(o.box.x1) && std::isfinite(o.box.y1) && std::isfinite(o.box.x2) &&
                 std::isfinite(o.box.y2));
      FUZZ_CHECK(o.box.x1 <= o.box.x2 && o.box.y1 <= o.box.y2);
      FUZZ_CHECK(o.line >= 1);
    }
  });
  return 0;
}

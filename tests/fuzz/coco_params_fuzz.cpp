// Fuzz target: the COCOeval parameter reader (parse_coco_params); accepted parameters must
// pass check_params() and evaluate.
#include <string_view>

#include "deteval/formats/coco.hpp"
#include "fuzz.hpp"

using namespace deteval;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Params p;
  if (fuzz::refused_or_ok([&] { parse_coco_params(text, "params.json", p); })) check_params(p);  // throws (a finding) when refused
  return 0;
}

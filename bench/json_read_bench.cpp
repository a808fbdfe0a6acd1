// How fast can a COCO results file be read? nlohmann/json's DOM, its SAX interface
// (doing nothing with the events: the floor of any nlohmann reader), simdjson's DOM,
// and deteval's reader (simdjson On-Demand, masks kept compressed) for bbox and segm.
//
//   json_read_bench GT.json RESULTS.json [repeats]
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/file.hpp"

namespace {

double best_of(int repeats, const std::function<void()>& f) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

struct NullSax : nlohmann::json_sax<nlohmann::json> {
  std::size_t events = 0;
  bool null() override { return ++events; }
  bool boolean(bool) override { return ++events; }
  bool number_integer(number_integer_t) override { return ++events; }
  bool number_unsigned(number_unsigned_t) override { return ++events; }
  bool number_float(number_float_t, const string_t&) override { return ++events; }
  bool string(string_t&) override { return ++events; }
  bool binary(binary_t&) override { return ++events; }
  bool start_object(std::size_t) override { return ++events; }
  bool key(string_t&) override { return ++events; }
  bool end_object() override { return ++events; }
  bool start_array(std::size_t) override { return ++events; }
  bool end_array() override { return ++events; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s GT.json RESULTS.json [repeats]\n", argv[0]);
    return 2;
  }
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
  const std::string text = deteval::read_file(argv[2]);
  const double mb = static_cast<double>(text.size()) / 1e6;
  auto report = [&](const char* name, double secs) {
    std::printf("%-44s %7.3f s  %7.0f MB/s\n", name, secs, mb / secs);
  };
  std::printf("results file: %.1f MB (file read excluded unless noted; best of %d)\n", mb, repeats);

  report("nlohmann/json DOM", best_of(repeats, [&] { auto j = nlohmann::json::parse(text); }));
  report("nlohmann/json SAX (no-op handler)", best_of(repeats, [&] {
           NullSax sax;
           nlohmann::json::sax_parse(text, &sax);
         }));
  simdjson::padded_string padded(text);
  report("simdjson DOM (parse only)", best_of(repeats, [&] {
           simdjson::dom::parser p;
           simdjson::dom::element e;
           if (p.parse(padded).get(e)) std::abort();
         }));
  const auto gt_bbox = deteval::read_coco_gt(argv[1], deteval::IouType::bbox);
  const auto gt_segm = deteval::read_coco_gt(argv[1], deteval::IouType::segm);
  report("deteval reader, bbox (file read included)",
         best_of(repeats, [&] { auto d = deteval::read_coco_results(argv[2], gt_bbox, deteval::IouType::bbox); }));
  report("deteval reader, segm (file read included)",
         best_of(repeats, [&] { auto d = deteval::read_coco_results(argv[2], gt_segm, deteval::IouType::segm); }));
  return 0;
}

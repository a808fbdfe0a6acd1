// A synthetic board dataset for the board tests: `images` images (ids 10, 20, ...),
// 3 categories, a few boxes each; results are the boxes jittered, with scores, plus
// false positives.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace deteval::test {

struct Data {
  nlohmann::json gt, dt;
};

inline Data make_data(int images, int per_image, std::uint32_t seed, int dets_per_gt = 1) {
  std::mt19937 rng(seed);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * (rng() / 4294967296.0); };
  Data d;
  d.gt = {{"images", nlohmann::json::array()},
          {"categories", {{{"id", 1}, {"name", "cat"}}, {{"id", 2}, {"name", "dog"}}, {{"id", 5}, {"name", "owl"}}}},
          {"annotations", nlohmann::json::array()}};
  d.dt = nlohmann::json::array();
  int ann = 0;
  const int cats[] = {1, 2, 5};
  for (int i = 0; i < images; ++i) {
    const int id = 10 * (i + 1);
    d.gt["images"].push_back({{"id", id}, {"file_name", "img" + std::to_string(id) + ".jpg"}, {"width", 640}, {"height", 480}});
    for (int k = 0; k < per_image; ++k) {
      const double x = uni(0, 500), y = uni(0, 380), w = uni(8, 130), h = uni(8, 90);
      const int c = cats[rng() % 3];
      d.gt["annotations"].push_back({{"id", ++ann}, {"image_id", id}, {"category_id", c},
                                     {"bbox", {x, y, w, h}}, {"area", w * h}, {"iscrowd", 0}});
      for (int r = 0; r < dets_per_gt; ++r) {
        const double j = uni(-6, 6);
        d.dt.push_back({{"image_id", id}, {"category_id", c}, {"bbox", {x + j, y - j, w + uni(-5, 5), h}},
                        {"score", uni(0.05, 1)}});
      }
    }
    d.dt.push_back({{"image_id", id}, {"category_id", 2}, {"bbox", {uni(0, 500), uni(0, 380), 30, 30}},
                    {"score", uni(0, 0.6)}});
  }
  return d;
}

}  // namespace deteval::test

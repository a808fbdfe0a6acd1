// detail::IdLookup (formats/src/id_lookup.hpp) answers as GroundTruth::image_index does,
// whether it keeps a table (ids about as many as their range) or searches (sparse ids).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "deteval/dataset.hpp"
#include "id_lookup.hpp"

namespace deteval {
namespace {

GroundTruth with_images(const std::vector<std::int64_t>& sorted_ids) {
  GroundTruth gt;
  for (std::int64_t id : sorted_ids) {
    Image im;
    im.id = id;
    gt.images.push_back(im);
  }
  return gt;
}

void expect_like_image_index(const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& probes) {
  const GroundTruth gt = with_images(ids);
  const detail::IdLookup lookup(gt.images);
  for (std::int64_t id : ids) EXPECT_EQ(lookup(id), gt.image_index(id)) << id;
  for (std::int64_t id : probes) EXPECT_EQ(lookup(id), gt.image_index(id)) << id;
}

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(IdLookup, DenseIdsAsATable) {
  std::vector<std::int64_t> ids;
  for (std::int64_t i = -20; i < 3000; i += 3) ids.push_back(i);  // negative ids too
  expect_like_image_index(ids, {-21, -19, 0, 1, 2999, 3000, 3001, 100000, kMin, kMax, kMin + 1, kMax - 1});
}

TEST(IdLookup, SparseIdsSearched) {
  expect_like_image_index({kMin, -5, 0, 7, 1000000007, kMax}, {kMin + 1, -4, 1, 6, 8, kMax - 1, 1000000006});
  expect_like_image_index({3, 581929}, {0, 4, 581928, 581930});  // COCO-like: two far apart
}

TEST(IdLookup, NoIds) {
  expect_like_image_index({}, {0, 1, kMin, kMax});
}

}  // namespace
}  // namespace deteval

// The panoptic reader's fast paths give what the plain reading gives: simdjson's JSON reading
// (formats/src/panoptic_fast.cpp) the nlohmann reader's values, declining what only that one
// reads or explains; the pixel pairs counted straight from the PNG scanlines
// (formats/src/panoptic_pairs.cpp) the counts of the decoded id maps, for every filter type,
// RGB and RGBA, repeated rows, odd widths, maps of different sizes, and files only libpng
// decodes (interlaced).
#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>

#include "deteval/formats/error.hpp"
#include "deteval/formats/panoptic.hpp"
#include "deteval/formats/png.hpp"
#include "panoptic_fast.hpp"
#include "panoptic_pairs.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

namespace fs = std::filesystem;

// ---- JSON ------------------------------------------------------------------------------

void expect_same_annotations(const std::vector<PanopticAnnotation>& a, const std::vector<PanopticAnnotation>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a[i].image_id, b[i].image_id);
    EXPECT_EQ(a[i].file_name, b[i].file_name);
    EXPECT_EQ(a[i].index, b[i].index);
    ASSERT_EQ(a[i].segments.size(), b[i].segments.size());
    for (std::size_t j = 0; j < a[i].segments.size(); ++j) {
      const PanopticSegment &x = a[i].segments[j], &y = b[i].segments[j];
      EXPECT_EQ(x.id, y.id);
      EXPECT_EQ(x.category_id, y.category_id);
      EXPECT_EQ(x.iscrowd, y.iscrowd);
      EXPECT_TRUE(x.area == y.area || (std::isnan(x.area) && std::isnan(y.area))) << x.area << " " << y.area;
    }
  }
}

TEST(PanopticJson, FastPathReadsEveryConformanceFileAsTheDomReader) {
  std::size_t n = 0;
  for (const auto& c : fs::directory_iterator(test::fixture("panoptic"))) {
    const fs::path gt_path = c.path() / "gt.json", pred_path = c.path() / "pred.json";
    if (!fs::exists(gt_path)) continue;
    SCOPED_TRACE(c.path().string());
    const simdjson::padded_string gt_text(test::slurp(gt_path)), pred_text(test::slurp(pred_path));
    PanopticGroundTruth fast;
    ASSERT_TRUE(detail::fast_read_panoptic_gt(gt_text, fast));
    const PanopticGroundTruth dom = detail::parse_panoptic_gt_dom(gt_text, gt_path.string());
    ASSERT_EQ(fast.categories.size(), dom.categories.size());
    for (std::size_t k = 0; k < dom.categories.size(); ++k) {
      EXPECT_EQ(fast.categories[k].id, dom.categories[k].id);
      EXPECT_EQ(fast.categories[k].isthing, dom.categories[k].isthing);
      EXPECT_EQ(fast.categories[k].name, dom.categories[k].name);
    }
    expect_same_annotations(fast.annotations, dom.annotations);
    std::vector<PanopticAnnotation> preds;
    bool dom_accepts = true;
    std::vector<PanopticAnnotation> dom_preds;
    try {
      dom_preds = detail::parse_panoptic_predictions_dom(pred_text, pred_path.string(), dom);
    } catch (const InputError&) {
      dom_accepts = false;  // e.g. no prediction for an image: the fast path declines it
    }
    EXPECT_EQ(detail::fast_read_panoptic_predictions(pred_text, dom, preds), dom_accepts);
    if (dom_accepts) expect_same_annotations(preds, dom_preds);
    ++n;
  }
  EXPECT_GT(n, 10u);
}

TEST(PanopticJson, FastPathDeclinesWhatOnlyTheDomReaderReadsOrExplains) {
  const std::string base = R"({"categories": [{"id": 1, "isthing": 1, "name": "a"}, {"id": 2, "isthing": false}],
    "annotations": [{"image_id": 7, "file_name": "7.png", "segments_info": [
      {"id": 3, "category_id": 1, "iscrowd": 0, "area": 12.5}, {"id": 4, "category_id": 2}]}]})";
  PanopticGroundTruth out;
  ASSERT_TRUE(detail::fast_read_panoptic_gt(simdjson::padded_string(base), out));
  EXPECT_TRUE(std::isnan(out.annotations[0].segments[1].area));
  EXPECT_EQ(out.annotations[0].segments[0].area, 12.5);
  auto variant = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  for (const std::string& text : {
           variant(R"("id": 3,)", R"("id": 3.0,)"),                      // a float id: the DOM reader takes it
           variant(R"("id": 3,)", R"("id": 3, "id": 5,)"),               // a repeated key: the DOM reader keeps the last
           variant(R"("isthing": false)", R"("isthing": "no")"),         // errors: the DOM reader names them
           variant(R"("area": 12.5)", R"("area": "big")"),
           variant(R"("id": 3,)", R"("id": 4294967296,)"),
           variant(R"("iscrowd": 0)", R"("iscrowd": 2)"),
           variant(R"("file_name": "7.png")", R"("file_name": 7)"),
           std::string("[]"), std::string("{"),
       }) {
    SCOPED_TRACE(text);
    PanopticGroundTruth gt;
    EXPECT_FALSE(detail::fast_read_panoptic_gt(simdjson::padded_string(text), gt));
  }
  // Predictions: every entry needs an integer image_id, every GT image an entry.
  const PanopticGroundTruth gt = out;
  std::vector<PanopticAnnotation> preds;
  const std::string pred = R"({"annotations": [{"image_id": 7, "file_name": "a.png", "segments_info": []},
    {"image_id": 8}, {"image_id": 7, "file_name": "b.png", "segments_info": [{"id": 1, "category_id": 2}]}]})";
  ASSERT_TRUE(detail::fast_read_panoptic_predictions(simdjson::padded_string(pred), gt, preds));
  ASSERT_EQ(preds.size(), 1u);
  EXPECT_EQ(preds[0].file_name, "b.png");  // the last entry of the image
  EXPECT_EQ(preds[0].index, 2u);
  EXPECT_FALSE(detail::fast_read_panoptic_predictions(
      simdjson::padded_string(std::string(R"({"annotations": [{"image_id": 8}]})")), gt, preds));
  EXPECT_FALSE(detail::fast_read_panoptic_predictions(
      simdjson::padded_string(std::string(R"({"annotations": [{"image_id": "7"}]})")), gt, preds));
}

// ---- pixel pairs -----------------------------------------------------------------------

// The pairs of two PNG files counted pixel by pixel over their decoded ids.
std::vector<PanopticPairCount> reference_pairs(const fs::path& gt, const fs::path& pred) {
  int gw = 0, gh = 0, pw = 0, ph = 0;
  const std::vector<std::uint32_t> g = read_panoptic_png(gt.string(), gw, gh);
  const std::vector<std::uint32_t> p = read_panoptic_png(pred.string(), pw, ph);
  const bool same = gw == pw && gh == ph;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> counts;
  for (std::size_t i = 0; i < p.size(); ++i) ++counts[{same ? g[i] : 0u, p[i]}];
  std::vector<PanopticPairCount> out;
  for (const auto& [key, n] : counts) out.push_back({key.first, key.second, n});
  return out;
}

void expect_reader_counts(detail::PanopticPairReader& reader, const fs::path& gt, const fs::path& pred) {
  SCOPED_TRACE(gt.string() + " / " + pred.string());
  reader.read_gt(gt.string());
  reader.read_pred(pred.string());
  detail::PanopticPairReader::Sizes sizes;
  const std::vector<PanopticPairCount> got = reader.count(sizes);
  const std::vector<PanopticPairCount> want = reference_pairs(gt, pred);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].gt, want[i].gt) << i;
    EXPECT_EQ(got[i].pred, want[i].pred) << i;
    EXPECT_EQ(got[i].pixels, want[i].pixels) << i;
  }
}

// A label-like map: a few regions with ragged borders, blocks of repeated rows, and (RGBA)
// alpha that changes inside regions (alpha is not part of the id).
PngImage label_map(int w, int h, int channels, unsigned seed) {
  std::mt19937 rng(seed);
  PngImage im;
  im.width = w;
  im.height = h;
  im.channels = channels;
  im.bit_depth = 8;
  im.data.resize(im.pixels() * std::size_t(channels));
  std::uint32_t ids[6];
  for (auto& id : ids) id = rng() & 0xFFFFFFu;
  ids[0] = 0;
  int cut1 = w / 3, cut2 = 2 * w / 3;
  for (int y = 0; y < h; ++y) {
    if (rng() % 3 == 0) {  // else the row above again
      cut1 = std::max(0, std::min(w, cut1 + int(rng() % 5) - 2));
      cut2 = std::max(cut1, std::min(w, cut2 + int(rng() % 5) - 2));
    }
    for (int x = 0; x < w; ++x) {
      std::uint32_t id = x < cut1 ? ids[1] : x < cut2 ? ids[2 + (y / 7) % 3] : ids[(x / 13) % 2 ? 5 : 0];
      if ((x * 31 + y * 17) % 97 == 0) id = ids[1 + (x + y) % 5];  // isolated pixels
      std::uint8_t* px = im.data.data() + (std::size_t(y) * std::size_t(w) + std::size_t(x)) * std::size_t(channels);
      px[0] = std::uint8_t(id);
      px[1] = std::uint8_t(id >> 8);
      px[2] = std::uint8_t(id >> 16);
      if (channels == 4) px[3] = std::uint8_t(x < w / 2 ? 255 : 128 + (y % 2));
    }
  }
  return im;
}

// An Adam7-interlaced PNG (the libdeflate path declines these; libpng decodes them).
std::string encode_interlaced(const PngImage& im) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep d, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(d), n);
      },
      [](png_structp) {});
  png_set_IHDR(png, info, png_uint_32(im.width), png_uint_32(im.height), 8,
               im.channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<png_bytep> rows(std::size_t(im.height));
  for (int y = 0; y < im.height; ++y)
    rows[std::size_t(y)] =
        const_cast<png_bytep>(im.data.data() + std::size_t(y) * std::size_t(im.width) * std::size_t(im.channels));
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

TEST(PanopticPairs, EveryConformanceImageCountsAsItsIdMaps) {
  // PIL's writer: rows filtered Up, Sub, Paeth or not at all.
  detail::PanopticPairReader reader;
  std::size_t n = 0;
  for (const auto& c : fs::directory_iterator(test::fixture("panoptic"))) {
    if (!fs::is_directory(c.path() / "gt")) continue;
    for (const auto& e : fs::directory_iterator(c.path() / "gt")) {
      const fs::path pred = c.path() / "pred" / e.path().filename();
      if (!fs::exists(pred)) continue;
      expect_reader_counts(reader, e.path(), pred);
      ++n;
    }
  }
  EXPECT_GT(n, 80u);
}

TEST(PanopticPairs, LabelMapsOfEveryShapeCountAsTheirIdMaps) {
  // libpng's writer picks a filter per row; widths below, at and above the 16-byte blocks.
  test::TempDir tmp;
  detail::PanopticPairReader reader;  // one reader for all: its buffers carry over
  unsigned seed = 1;
  for (int channels : {3, 4})
    for (auto [w, h] : {std::pair{1, 1}, {1, 9}, {5, 3}, {17, 11}, {33, 40}, {100, 64}, {257, 30}}) {
      const fs::path gt = tmp.path() / "gt.png", pred = tmp.path() / "pred.png";
      test::spit(gt, encode_png(label_map(w, h, channels, seed++)));
      test::spit(pred, encode_png(label_map(w, h, 7 - channels, seed++)));  // the other channel count
      expect_reader_counts(reader, gt, pred);
      expect_reader_counts(reader, gt, gt);
    }
}

TEST(PanopticPairs, DifferentSizesCountThePredictionAlone) {
  test::TempDir tmp;
  detail::PanopticPairReader reader;
  const fs::path gt = tmp.path() / "gt.png", pred = tmp.path() / "pred.png";
  test::spit(gt, encode_png(label_map(30, 20, 3, 5)));
  test::spit(pred, encode_png(label_map(32, 20, 3, 6)));
  expect_reader_counts(reader, gt, pred);
  detail::PanopticPairReader::Sizes sizes;
  reader.count(sizes);
  EXPECT_FALSE(sizes.same());
  EXPECT_EQ(sizes.gt_width, 30);
  EXPECT_EQ(sizes.pred_width, 32);
}

TEST(PanopticPairs, InterlacedFilesTakeLibpngsPath) {
  test::TempDir tmp;
  detail::PanopticPairReader reader;
  const fs::path gt = tmp.path() / "gt.png", pred = tmp.path() / "pred.png", plain = tmp.path() / "plain.png";
  test::spit(gt, encode_interlaced(label_map(45, 23, 3, 8)));
  test::spit(pred, encode_interlaced(label_map(45, 23, 4, 9)));
  test::spit(plain, encode_png(label_map(45, 23, 3, 10)));
  expect_reader_counts(reader, gt, pred);
  expect_reader_counts(reader, plain, pred);  // one fast, one not
  expect_reader_counts(reader, gt, plain);
}

TEST(PanopticPairs, OtherPngKindsAreRefusedByName) {
  test::TempDir tmp;
  detail::PanopticPairReader reader;
  PngImage deep = label_map(4, 4, 3, 1);
  deep.bit_depth = 16;
  deep.data.resize(deep.data.size() * 2);
  const fs::path path = tmp.path() / "deep.png";
  test::spit(path, encode_png(deep));
  try {
    reader.read_gt(path.string());
    FAIL() << "accepted a 16-bit PNG";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() +
                                         ": PNG header: expected an 8-bit RGB or RGBA image (id = R + 256 G + 256^2 "
                                         "B), got 16-bit RGB");
  }
  test::spit(path, "not a png");
  EXPECT_THROW(reader.read_pred(path.string()), InputError);
}

}  // namespace
}  // namespace deteval

// The two results readers (simdjson fast path, nlohmann DOM path) must agree exactly.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <functional>
#include <random>

#include "coco_fast.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/mask.hpp"
#include "mask_gen.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

void expect_same(const Detections& a, const Detections& b) {
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.score, b.score);
  EXPECT_EQ(a.box, b.box);
  EXPECT_EQ(a.area, b.area);
  ASSERT_EQ(a.masks.size(), b.masks.size());
  std::vector<std::uint32_t> sa, sb;
  for (std::size_t i = 0; i < a.masks.size(); ++i) {
    const RleView x = a.masks.view(i, sa), y = b.masks.view(i, sb);
    EXPECT_EQ(x.height, y.height);
    EXPECT_EQ(x.width, y.width);
    EXPECT_TRUE(std::equal(x.counts.begin(), x.counts.end(), y.counts.begin(), y.counts.end())) << "mask " << i;
  }
}

// The same JSON without whitespace (cuts between elements then have no room for their brackets).
std::string minified(const std::string& text) {
  std::string compact(text.size(), '\0');
  std::size_t size = 0;
  EXPECT_EQ(simdjson::minify(text.data(), text.size(), compact.data(), size), simdjson::SUCCESS);
  compact.resize(size);
  return compact;
}

TEST(CocoResultsReader, EscapedBackslashesInShortAndLongRleStrings) {
  // '\\' (92) is in COCO's RLE alphabet, so it appears escaped in JSON; views into
  // unescaped copies must stay valid however many there are (short strings included).
  GroundTruth gt = parse_coco_gt(R"({"images":[{"id":1,"width":3,"height":40}],"categories":[{"id":1}]})", "gt.json",
                                 IouType::segm);
  Rle m;
  m.height = 40;
  m.width = 3;
  m.counts = {0, 44, 76};  // 44 -> '\\' in the compressed string
  const std::string coco = rle_to_string(m);
  ASSERT_NE(coco.find('\\'), std::string::npos) << coco;
  std::string escaped;
  for (char c : coco) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
  std::string text = "[";
  for (int i = 0; i < 200; ++i)
    text += std::string(i ? "," : "") + R"({"image_id":1,"category_id":1,"score":0.5,"segmentation":{"size":[40,3],"counts":")" +
            escaped + "\"}}";
  text += "]";
  Detections fast;
  ResultsReport rep;
  detail::JsonBuffer buffer(text);
  ASSERT_TRUE(detail::fast_parse_coco_results(buffer, gt, IouType::segm, fast, rep, 3));
  std::vector<std::uint32_t> scratch;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    const RleView v = fast.masks.view(i, scratch);
    EXPECT_TRUE(std::equal(v.counts.begin(), v.counts.end(), m.counts.begin(), m.counts.end()));
  }
  EXPECT_EQ(fast.area[0], 44.0);
}

// segm keeps the masks' strings in the file's buffer, moved to its front (unescaped) in
// rounds through staging blocks of 1 MB, one per thread: files of many blocks, with and
// without escapes, for 1 to 4 threads and several parts, must give the DOM reader's masks.
TEST(CocoResultsReader, MasksPackedToTheBufferFrontInRoundsAreIntact) {
  std::mt19937 rng(1234);
  std::string gt_text = R"({"images":[)";
  const std::uint32_t sizes[][2] = {{480, 640}, {33, 7}, {1000, 900}};
  for (int i = 0; i < 3; ++i)
    gt_text += std::string(i ? "," : "") + R"({"id":)" + std::to_string(i + 1) + R"(,"height":)" +
               std::to_string(sizes[i][0]) + R"(,"width":)" + std::to_string(sizes[i][1]) + "}";
  gt_text += R"(],"categories":[{"id":1}]})";
  const GroundTruth gt = parse_coco_gt(gt_text, "gt.json", IouType::segm);
  std::string text = "[";
  int escaped = 0;
  for (int i = 0; i < 12000; ++i) {
    const int im = static_cast<int>(rng() % 3);
    const Rle m = test::random_rle(rng, sizes[im][0], sizes[im][1], 1 + rng() % 600, false);
    std::string counts;
    for (char c : rle_to_string(m)) counts += c == '\\' ? std::string("\\\\") : std::string(1, c);
    escaped += counts.find('\\') != std::string::npos;
    text += std::string(i ? "," : "") + R"({"image_id":)" + std::to_string(im + 1) +
            R"(,"category_id":1,"score":0.5,"segmentation":{"size":[)" + std::to_string(sizes[im][0]) + "," +
            std::to_string(sizes[im][1]) + R"(],"counts":")" + counts + "\"}}";
  }
  text += "]";
  ASSERT_GT(text.size(), std::size_t{6} << 20);  // several rounds of blocks
  ASSERT_GT(escaped, 3000);
  ASSERT_LT(escaped, 11000);
  const Detections slow = detail::parse_results_dom(text, "dt.json", gt, IouType::segm, nullptr);
  for (int threads : {1, 2, 4})
    for (std::size_t parts : {1u, 3u}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, " + std::to_string(parts) + " parts");
      tbb::task_arena arena(threads);
      arena.execute([&] {
        Detections fast;
        ResultsReport rep;
        detail::JsonBuffer buffer(text);
        ASSERT_TRUE(detail::fast_parse_coco_results(buffer, gt, IouType::segm, fast, rep, parts));
        expect_same(fast, slow);
      });
    }
  // Read part by part, the strings copied (unescaped) out of each part into blocks.
  test::TempDir tmp;
  test::spit(tmp / "dt.json", text);
  const detail::FileReader file((tmp / "dt.json").string());
  for (int threads : {1, 2, 4})
    for (std::size_t part : {std::size_t{4096}, std::size_t{1} << 20}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, parts of " + std::to_string(part) + " bytes");
      tbb::task_arena arena(threads);
      arena.execute([&] {
        Detections fast;
        ResultsReport rep;
        ASSERT_TRUE(detail::fast_stream_coco_results(file, gt, IouType::segm, fast, rep, part));
        expect_same(fast, slow);
        ASSERT_EQ(fast.mask_box.size(), fast.size());
        std::vector<std::uint32_t> scratch;
        for (std::size_t i = 0; i < fast.size(); i += 97)
          EXPECT_EQ(fast.mask_box[i], rle_to_bbox(fast.masks.view(i, scratch))) << i;
      });
    }
}

// Calls f(folder, type) for every COCO fixture and each IoU type it has expected values for.
template <class F>
void for_each_fixture(F&& f) {
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture("coco"))) {
    if (!entry.is_directory()) continue;
    for (IouType type : {IouType::bbox, IouType::segm}) {
      if (type == IouType::segm && !std::filesystem::exists(entry.path() / "expected_segm.json")) continue;
      SCOPED_TRACE(entry.path().filename().string() + " " + to_string(type));
      f(entry.path(), type);
    }
  }
}

TEST(CocoResultsReader, FastPathEqualsDomPathOnEveryFixture) {
  int fast_taken = 0;
  for_each_fixture([&](const std::filesystem::path& dir, IouType type) {
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
    const std::string spaced = test::slurp(dir / "dt.json");
    const std::string compact = minified(spaced);
    ResultsReport r1, r2;
    const Detections slow = detail::parse_results_dom(spaced, "dt.json", gt, type, &r1);
    // Whole, and cut into parts parsed in parallel; spaced as written, and compact (where
    // a cut must shift the text to make room for its brackets).
    for (const std::string* text_ptr : std::initializer_list<const std::string*>{&spaced, &compact}) {
      for (std::size_t parts : {1u, 2u, 3u, 7u}) {
        const std::string& text = *text_ptr;
        SCOPED_TRACE("parts " + std::to_string(parts) + (text_ptr == &compact ? " compact" : ""));
        Detections fast;
        detail::JsonBuffer buffer(text);
        if (detail::fast_parse_coco_results(buffer, gt, type, fast, r2, parts)) {
          fast_taken += parts == 1 && text_ptr == &spaced;
          expect_same(fast, slow);
          EXPECT_EQ(r1.dropped_unknown_category, r2.dropped_unknown_category);
          if (type == IouType::segm) {  // the masks' boxes, kept from the load-time decoding
            ASSERT_EQ(fast.mask_box.size(), fast.size());
            std::vector<std::uint32_t> scratch;
            for (std::size_t i = 0; i < fast.size(); ++i)
              EXPECT_EQ(fast.mask_box[i], rle_to_bbox(fast.masks.view(i, scratch))) << i;
          }
        } else {
          EXPECT_EQ(buffer.view(), text);  // declined: the text is as it was, for the DOM reader
        }
      }
    }
  });
  EXPECT_GE(fast_taken, 20);  // the common shapes do take the fast path
}

// The streamed path (files read part by part into reused buffers) must give the DOM
// reader's detections and report wherever it accepts, for any part size and thread count:
// every fixture, spaced and compact, cut into parts of a few hundred bytes.
TEST(CocoResultsReader, StreamedPathEqualsDomPathOnEveryFixture) {
  test::TempDir tmp;
  int taken[2] = {0, 0};
  for_each_fixture([&](const std::filesystem::path& dir, IouType type) {
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
    const std::string spaced = test::slurp(dir / "dt.json");
    const std::string compact = minified(spaced);
    ResultsReport r1;
    const Detections slow = detail::parse_results_dom(spaced, "dt.json", gt, type, &r1);
    for (const std::string* text : std::initializer_list<const std::string*>{&spaced, &compact}) {
      test::spit(tmp / "dt.json", *text);
      const detail::FileReader file((tmp / "dt.json").string());
      for (std::size_t part : {97u, 500u, 4096u})
        for (int threads : {1, 3}) {
          SCOPED_TRACE("part " + std::to_string(part) + ", threads " + std::to_string(threads) +
                       (text == &compact ? ", compact" : ""));
          tbb::task_arena arena(threads);
          arena.execute([&] {
            Detections fast;
            ResultsReport r2;
            const bool accepted = detail::fast_stream_coco_results(file, gt, type, fast, r2, part);
            if (!accepted) return;
            ++taken[type == IouType::segm];
            expect_same(fast, slow);
            EXPECT_EQ(r1.dropped_unknown_category, r2.dropped_unknown_category);
            EXPECT_EQ(r1.dropped_positions, r2.dropped_positions);
            EXPECT_EQ(r1.boxes_from_masks, r2.boxes_from_masks);
            if (type == IouType::segm) {
              ASSERT_EQ(fast.mask_box.size(), fast.size());
              std::vector<std::uint32_t> scratch;
              for (std::size_t i = 0; i < fast.size(); ++i)
                EXPECT_EQ(fast.mask_box[i], rle_to_bbox(fast.masks.view(i, scratch))) << i;
              // --area-from: areas and boxes chosen as the DOM reader chooses them.
              for (AreaFrom from : {AreaFrom::bbox, AreaFrom::mask}) {
                CocoReadOptions opt;
                opt.area_from = from;
                Detections chosen;
                ASSERT_TRUE(detail::fast_stream_coco_results(file, gt, type, chosen, r2, part, from));
                expect_same(chosen, detail::parse_results_dom(spaced, "dt.json", gt, type, nullptr, opt));
              }
            }
          });
        }
    }
  });
  EXPECT_GE(taken[0], 60);  // the common shapes do take it
  EXPECT_GE(taken[1], 30);
}

// What needs the whole text is declined (the reader then reads the file whole): results
// without boxes (boxes from masks), segm, a file of one part, a boundary inside a string.
TEST(CocoResultsReader, StreamedPathDeclinesWhatNeedsTheWholeText) {
  test::TempDir tmp;
  const GroundTruth gt = parse_coco_gt(R"({"images":[{"id":1,"width":30,"height":40}],"categories":[{"id":1}]})",
                                       "gt.json", IouType::bbox);
  Rle mask;
  mask.height = 40;
  mask.width = 30;
  mask.counts = {120, 1080};
  const std::string counts = rle_to_string(mask);
  ASSERT_EQ(counts.find('\\'), std::string::npos);
  auto element = [&](int i, bool box, const std::string& extra = "") {
    return std::string(R"({"image_id":1,"category_id":1,"score":0.)") + std::to_string(i % 10) + extra +
           (box ? R"(,"bbox":[1,2,3,4])" : R"(,"segmentation":{"size":[40,30],"counts":")" + counts + "\"}") + "}";
  };
  auto file_of = [&](const std::string& name, const std::function<std::string(int)>& el) {
    std::string text = "[";
    for (int i = 0; i < 400; ++i) text += (i ? ", " : "") + el(i);
    test::spit(tmp / name, text + "]");
    return (tmp / name).string();
  };
  Detections out;
  ResultsReport rep;
  {
    const detail::FileReader f(file_of("boxes.json", [&](int i) { return element(i, true); }));
    EXPECT_TRUE(detail::fast_stream_coco_results(f, gt, IouType::bbox, out, rep, 256));
    EXPECT_EQ(out.size(), 400u);
    EXPECT_FALSE(detail::fast_stream_coco_results(f, gt, IouType::segm, out, rep, 256));
    EXPECT_FALSE(detail::fast_stream_coco_results(f, gt, IouType::bbox, out, rep, f.size()));  // one part
  }
  {  // one result in the middle without a box
    const detail::FileReader f(file_of("one_without.json", [&](int i) { return element(i, i != 200); }));
    EXPECT_FALSE(detail::fast_stream_coco_results(f, gt, IouType::bbox, out, rep, 256));
    const Detections whole = read_coco_results(f.path(), gt, IouType::bbox);
    EXPECT_EQ(whole.size(), 400u);
  }
  {  // strings holding what looks like a boundary between elements: `}, {`
    const detail::FileReader f(
        file_of("tricky.json", [&](int i) { return element(i, true, R"(,"note":")" + std::string(40, 'x') + R"(}, {")"); }));
    Detections streamed;
    if (detail::fast_stream_coco_results(f, gt, IouType::bbox, streamed, rep, 100)) {
      expect_same(streamed, read_coco_results(f.path(), gt, IouType::bbox));
    }
    EXPECT_EQ(read_coco_results(f.path(), gt, IouType::bbox).size(), 400u);
  }
}

void expect_same(const GroundTruth& a, const GroundTruth& b) {
  ASSERT_EQ(a.images.size(), b.images.size());
  for (std::size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].id, b.images[i].id);
    EXPECT_EQ(a.images[i].width, b.images[i].width);
    EXPECT_EQ(a.images[i].height, b.images[i].height);
    EXPECT_EQ(a.images[i].file_name, b.images[i].file_name);
  }
  ASSERT_EQ(a.categories.size(), b.categories.size());
  for (std::size_t i = 0; i < a.categories.size(); ++i) {
    EXPECT_EQ(a.categories[i].id, b.categories[i].id);
    EXPECT_EQ(a.categories[i].name, b.categories[i].name);
  }
  EXPECT_EQ(a.ann_id, b.ann_id);
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.box, b.box);
  EXPECT_EQ(a.area, b.area);
  EXPECT_EQ(a.iscrowd, b.iscrowd);
  ASSERT_EQ(a.masks.size(), b.masks.size());
  std::vector<std::uint32_t> sa, sb;
  for (std::size_t i = 0; i < a.masks.size(); ++i) {
    const RleView x = a.masks.view(i, sa), y = b.masks.view(i, sb);
    EXPECT_TRUE(std::equal(x.counts.begin(), x.counts.end(), y.counts.begin(), y.counts.end()));
  }
}

TEST(CocoGtReader, FastPathEqualsDomPathOnEveryFixture) {
  int fast_taken = 0;
  for (const auto& dir : std::filesystem::directory_iterator(test::fixture("coco"))) {
    if (!dir.is_directory()) continue;
    for (IouType type : {IouType::bbox, IouType::segm}) {
      SCOPED_TRACE(dir.path().filename().string() + " " + to_string(type));
      const std::string text = test::slurp(dir.path() / "gt.json");
      const GroundTruth slow = detail::parse_gt_dom(text, "gt.json", type, {});
      GroundTruth fast;
      if (detail::fast_parse_coco_gt(simdjson::padded_string(text), type, fast)) {
        ++fast_taken;
        expect_same(fast, slow);
      }
    }
  }
  EXPECT_GE(fast_taken, 28);
}

TEST(CocoResultsReader, FastPathDeclinesWhatItDoesNotHandle) {
  GroundTruth gt = parse_coco_gt(R"({"images":[{"id":1,"width":10,"height":10}],"categories":[{"id":1}]})", "gt.json",
                                 IouType::bbox);
  Detections out;
  ResultsReport rep;
  auto declines = [&](const char* text) {
    detail::JsonBuffer buffer{std::string_view(text)};
    return !detail::fast_parse_coco_results(buffer, gt, IouType::bbox, out, rep);
  };
  EXPECT_FALSE(declines(R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":0.5}])"));
  EXPECT_TRUE(declines(R"([{"image_id":1.0,"category_id":1,"bbox":[0,0,1,1],"score":0.5}])"));  // float id
  EXPECT_TRUE(declines(R"([{"image_id":7,"category_id":1,"bbox":[0,0,1,1],"score":0.5}])"));    // unknown image
  EXPECT_TRUE(declines(R"([{"image_id":1,"category_id":1,"bbox":[0,0,1],"score":0.5}])"));      // bad box
  EXPECT_TRUE(declines(R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":0.5,"x":[1 2]}])"));  // invalid
  // The DOM path still accepts the integral float id, as an id.
  const Detections d = parse_coco_results(R"([{"image_id":1.0,"category_id":1,"bbox":[0,0,1,1],"score":0.5}])",
                                          "dt.json", gt, IouType::bbox);
  EXPECT_EQ(d.size(), 1u);
}

// A mask that fails its check (a bad string, a wrong size) is found after the parts
// have parsed: the fast path must still hand the DOM reader the text as it was, so that
// the error names the mask, not a bracket the cut wrote.
TEST(CocoResultsReader, DeclinedAfterTheSplitTheTextIsAsItWas) {
  const GroundTruth gt = parse_coco_gt(R"({"images":[{"id":1,"width":3,"height":40}],"categories":[{"id":1}]})",
                                       "gt.json", IouType::segm);
  const std::string good = R"("size":[40,3],"counts":")" + rle_to_string(Rle{40, 3, {10, 50, 60}}) + "\"";
  const std::string wrong_sum = R"("size":[40,3],"counts":")" + rle_to_string(Rle{40, 3, {10, 50, 59}}) + "\"";
  const std::string wrong_size = R"("size":[41,3],"counts":")" + rle_to_string(Rle{41, 3, {10, 50, 63}}) + "\"";
  for (const std::string& bad : {wrong_sum, wrong_size}) {
    std::string text = "[";
    for (int i = 0; i < 300; ++i)
      text += std::string(i ? "," : "") + R"({"image_id":1,"category_id":1,"score":0.5,"segmentation":{)" +
              (i == 250 ? bad : good) + "}}";
    text += "]";
    for (std::size_t parts : {1u, 3u}) {
      SCOPED_TRACE(bad + ", " + std::to_string(parts) + " parts");
      Detections fast;
      ResultsReport rep;
      detail::JsonBuffer buffer(text);
      EXPECT_FALSE(detail::fast_parse_coco_results(buffer, gt, IouType::segm, fast, rep, parts));
      EXPECT_TRUE(buffer.view() == text);  // (not EXPECT_EQ: 20 KB of text on failure)
      try {
        parse_coco_results(text, "dt.json", gt, IouType::segm);
        ADD_FAILURE() << "accepted";
      } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("[250]"), std::string::npos) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace deteval

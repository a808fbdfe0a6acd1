// The two results readers (simdjson fast path, nlohmann DOM path) must agree exactly.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <functional>
#include <random>

#include "coco_fast.hpp"
#include "limits.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/evaluate.hpp"
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

// Masks that no evaluation reads (no ground truth in the detection's cell) may be left
// out: the others are kept as they were, every area and box is the same, and the
// evaluation with the matching useCats gives the same numbers as with every mask.
TEST(CocoResultsReader, StreamedPathLeavesOutMasksNoEvaluationReads) {
  test::TempDir tmp;
  int left_out = 0, cases = 0;
  for_each_fixture([&](const std::filesystem::path& dir, IouType type) {
    if (type != IouType::segm) return;
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
    test::spit(tmp / "dt.json", test::slurp(dir / "dt.json"));
    const detail::FileReader file((tmp / "dt.json").string());
    Detections all;
    ResultsReport r1;
    if (!detail::fast_stream_coco_results(file, gt, type, all, r1, 500)) return;
    all.iou_type = type;
    for (const bool use_cats : {true, false}) {
      SCOPED_TRACE(dir.filename().string() + (use_cats ? "" : " useCats 0"));
      Detections some;
      ResultsReport r2;
      ASSERT_TRUE(detail::fast_stream_coco_results(file, gt, type, some, r2, 500, AreaFrom::first_result, false,
                                                   nullptr, use_cats ? MasksKept::by_category : MasksKept::by_image));
      some.iou_type = type;
      ASSERT_EQ(some.size(), all.size());
      EXPECT_EQ(some.area, all.area);
      EXPECT_EQ(some.box, all.box);
      ASSERT_EQ(some.mask_box.size(), all.mask_box.size());
      for (std::size_t d = 0; d < all.size(); ++d) {
        bool cell_has_gt = false;
        for (std::size_t g = 0; g < gt.size(); ++g)
          cell_has_gt |= gt.image[g] == all.image[d] && (!use_cats || gt.category[g] == all.category[d]);
        if (cell_has_gt) {
          EXPECT_EQ(some.masks.compressed(d), all.masks.compressed(d)) << d;
          EXPECT_EQ(some.mask_box[d], all.mask_box[d]) << d;
        } else {  // held empty, with the empty mask's box
          EXPECT_TRUE(some.masks.compressed(d).empty()) << d;
          EXPECT_EQ(some.mask_box[d], Box{}) << d;
          left_out += !all.masks.compressed(d).empty();
        }
      }
      Params p(type);
      p.use_cats = use_cats;
      const Evaluation a = evaluate(gt, all, p), b = evaluate(gt, some, p);
      EXPECT_EQ(a.precision, b.precision);
      EXPECT_EQ(a.recall, b.recall);
      ++cases;
    }
  });
  EXPECT_GE(cases, 20);
  EXPECT_GT(left_out, 100);  // the fixtures do have detections in cells without ground truth
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
    EXPECT_EQ(a.categories[i].supercategory, b.categories[i].supercategory);
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
    EXPECT_EQ(a.masks.is_compressed(i), b.masks.is_compressed(i));
    const RleView x = a.masks.view(i, sa), y = b.masks.view(i, sb);
    EXPECT_EQ(x.height, y.height);
    EXPECT_EQ(x.width, y.width);
    EXPECT_TRUE(std::equal(x.counts.begin(), x.counts.end(), y.counts.begin(), y.counts.end())) << "mask " << i;
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

// What the GT fast path did with `text`, checked against the DOM reader: a file it takes
// must read the same there; the public reader must give the DOM reader's ground truth or
// throw its error, whatever the fast path did.
struct GtPaths {
  bool taken = false;
  std::string dom_error;  // empty: the DOM reader accepts the file
};

GtPaths gt_paths(const std::string& text, IouType type) {
  GtPaths r;
  GroundTruth fast, slow;
  r.taken = detail::fast_parse_coco_gt(simdjson::padded_string(text), type, fast);
  try {
    slow = detail::parse_gt_dom(text, "gt.json", type, {});
  } catch (const InputError& e) {
    r.dom_error = e.what();
  }
  if (r.taken) {
    EXPECT_EQ(r.dom_error, "") << "the fast path took what the DOM reader refuses";
    expect_same(fast, slow);
  }
  try {
    const GroundTruth read = parse_coco_gt(text, "gt.json", type);
    EXPECT_EQ(r.dom_error, "");
    expect_same(read, slow);
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), r.dom_error);
  }
  return r;
}

// A file the fast path must take (and read as the DOM reader does).
void expect_taken(const std::string& text, IouType type) {
  SCOPED_TRACE(text.substr(0, 300));
  const GtPaths r = gt_paths(text, type);
  EXPECT_TRUE(r.taken);
  EXPECT_EQ(r.dom_error, "");
}

// A file the fast path must decline; `refused`: the DOM reader must refuse it too.
void expect_declined(const std::string& text, IouType type, bool refused) {
  SCOPED_TRACE(text.substr(0, 300));
  const GtPaths r = gt_paths(text, type);
  EXPECT_FALSE(r.taken);
  EXPECT_EQ(r.dom_error.empty(), !refused) << r.dom_error;
}

// A small ground truth: images out of id order (one without a file name), a category with
// a non-string supercategory (ignored), polygons (one part and several), a compressed RLE
// with an escaped backslash, an uncompressed RLE, crowds as 0/1/true, boxes and areas
// given or not.
std::string gt_images() {
  return R"("images":[{"id":2,"width":30,"height":20,"file_name":"b.jpg"},{"id":1,"width":10,"height":12}])";
}
std::string gt_categories() {
  return R"("categories":[{"id":5,"name":"cat","supercategory":"animal"},{"id":3,"name":"dog","supercategory":7}])";
}
std::string escaped_rle_string() {
  const std::string coco = rle_to_string(Rle{12, 10, {0, 44, 76}});  // 44 -> '\\'
  std::string escaped;
  for (char c : coco) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
  EXPECT_NE(escaped.find('\\'), std::string::npos);
  return escaped;
}
std::string gt_annotations(bool boxes = true) {
  const std::string box = boxes ? R"("bbox":[1,2,3,4.5],)" : "";
  return R"("annotations":[)"
         R"({"id":10,"image_id":1,"category_id":5,"bbox":[1,2,3,4],"area":7.5,"iscrowd":0,"segmentation":[[1,1,8,1,8,9,1,9]]},)"
         R"({"id":11,"image_id":2,"category_id":3,)" + box +
         R"("iscrowd":0,"segmentation":[[1,1,8,1,8,9],[20,10,25,10,25,15,20,15]]},)"
         R"({"id":12,"image_id":1,"category_id":3,)" + box + R"("iscrowd":true,"segmentation":{"size":[12,10],"counts":")" +
         escaped_rle_string() + R"("}},)"
         R"({"id":9,"image_id":2,"category_id":5,)" + box + R"("area":3,"iscrowd":1,"segmentation":{"counts":[100,50,450],"size":[20,30]}})"
         "]";
}
std::string gt_text(const std::vector<std::string>& fields) {
  std::string text = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) text += (i ? ",\n" : "") + fields[i];
  return text + "}";
}
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The walk is one pass in file order: annotations before images and categories included.
TEST(CocoGtReader, FastPathTakesAnyOrderOfTheRootKeys) {
  std::vector<std::string> fields{gt_annotations(), gt_categories(), gt_images()};
  std::sort(fields.begin(), fields.end());
  do {
    for (IouType type : {IouType::bbox, IouType::segm}) expect_taken(gt_text(fields), type);
  } while (std::next_permutation(fields.begin(), fields.end()));
  // No annotations at all; boxes and areas from the masks (segm).
  expect_taken(gt_text({gt_images(), gt_categories()}), IouType::bbox);
  expect_taken(gt_text({gt_annotations(false), gt_images(), gt_categories()}), IouType::segm);
  const GroundTruth gt = parse_coco_gt(gt_text({gt_annotations(false), gt_categories(), gt_images()}), "gt.json",
                                       IouType::segm);
  ASSERT_EQ(gt.masks.size(), 4u);
  EXPECT_EQ(gt.area[2], 44.0);  // from the RLE string's mask
  EXPECT_EQ(gt.area[3], 3.0);   // given
}

// Segmentations in every form the fast path reads, and those it leaves to the DOM reader.
TEST(CocoGtReader, FastPathSegmentations) {
  const std::string base = gt_text({gt_images(), gt_categories(), gt_annotations()});
  expect_taken(base, IouType::segm);
  expect_taken(base, IouType::bbox);
  const std::string poly = "[[1,1,8,1,8,9,1,9]]", rle = R"({"counts":[100,50,450],"size":[20,30]})";
  struct Case {
    std::string from, to;
    bool refused;
    bool json_error = false;  // not JSON: refused for bbox too
  };
  const std::vector<Case> segm_cases = {
      {poly, "[1,1,8,1,8,9,1,9]", false},                               // a flat polygon
      {poly, "[[1,1,8,8],[2,2,3,3]]", false},                           // the box quirk
      {poly, R"([{"size":[12,10],"counts":[120]}])", false},            // a list of RLEs
      {poly, "[[1,1,8,1,8]]", true},                                    // odd coordinates
      {poly, "[[]]", true},                                             // an empty polygon
      {poly, "[]", true},                                               // no polygon
      {poly, "[[1,1,8,1,8,9,1,1e999]]", true, true},                    // not finite
      {poly, "[[1,1,8,1,8,9,1,\"9\"]]", true},                          // not a number
      {rle, R"({"counts":[100,50,449],"size":[20,30]})", true},         // the wrong sum
      {rle, R"({"counts":[-0,150,450],"size":[20,30]})", true},         // signed zero: not unsigned
      {rle, R"({"counts":[100.0,50,450],"size":[20,30]})", true},       // a float
      {rle, R"({"counts":[100,50,450],"size":[30,20]})", true},         // another size
      {rle, R"({"counts":[100,50,450]})", true},                        // no size
      {rle, R"({"counts":[100,50,450],"size":[20,30],"x":1})", false},  // another key
      {rle, R"({"counts":"0","size":[20,30],"counts":[600]})", false},  // counts twice
      {rle, R"({"counts":"~","size":[20,30]})", true},                  // not a compressed RLE
      {rle, "null", true},
  };
  for (const Case& c : segm_cases) {
    SCOPED_TRACE(c.to);
    expect_declined(replaced(base, c.from, c.to), IouType::segm, c.refused);
    // bbox reads no segmentation, but checks that it is JSON.
    if (c.json_error) expect_declined(replaced(base, c.from, c.to), IouType::bbox, true);
    else expect_taken(replaced(base, c.from, c.to), IouType::bbox);
  }
  // Missing segmentation or image size.
  expect_declined(replaced(base, R"(,"segmentation":{"counts":[100)", R"(,"x":{"counts":[100)"), IouType::segm, true);
  expect_declined(replaced(base, R"("width":10,)", ""), IouType::segm, true);
  expect_declined(replaced(base, R"("width":10,)", R"("width":0,)"), IouType::segm, true);
  expect_taken(replaced(base, R"("width":10,)", ""), IouType::bbox);
  // The vertex limit and the raster limit: the DOM reader's messages.
  std::string many = "[[";
  for (std::size_t i = 0; i <= detail::kMaxPolygonVertices; ++i) many += (i ? ",1,2" : "1,2");
  expect_declined(replaced(base, poly, many + "]]"), IouType::segm, true);
  const std::string wide = gt_text({R"("images":[{"id":1,"width":1000000,"height":1}])", gt_categories(),
                                    R"("annotations":[{"id":1,"image_id":1,"category_id":5,"segmentation":)"
                                    R"([[0,0,1000000,0,0,1,1000000,1,0,0.5,1000000,0.5]]}])"});
  expect_declined(wide, IouType::segm, true);
  // A segmentation twice: the DOM reader keeps the last (the fast path leaves it to it).
  expect_declined(replaced(base, poly, poly + R"(,"segmentation":{"size":[12,10],"counts":[120]})"), IouType::segm, false);
}

// Values the fast path does not use are still read in full: On-Demand would skip them
// unchecked, and the DOM reader refuses a bad number or literal anywhere.
TEST(CocoGtReader, FastPathChecksValuesItDoesNotUse) {
  const std::string nested = R"({"a":[1,-2.5e3,{"b":null,"c":[true,false,"x\u00e9\n"]},[]],"":{}})";
  const std::string base = gt_text({R"("info":)" + nested, R"("licenses":[{"id":1,"url":"http://x"}])", gt_images(),
                                    gt_categories(), gt_annotations()});
  for (IouType type : {IouType::bbox, IouType::segm}) expect_taken(base, type);
  // Unused values in each place: the root, an image, a category, an annotation.
  const std::vector<std::pair<std::string, std::string>> places = {
      {R"("info":)" + nested, R"("info":)"},
      {R"("file_name":"b.jpg")", R"("file_name":"b.jpg","license":)"},
      {R"("supercategory":7)", R"("supercategory":)"},
      {R"("area":7.5,)", R"("area":7.5,"keypoints":)"},
  };
  const std::vector<std::string> bad = {"1.2.3", "01", "-", "1e", "1.", ".5", "+1", "[1,2,]", "[1 2]", R"({"a":1,})",
                                        R"({"a" 1})", "tru", "nul", "falsey", R"("\x")", R"({"\q":1})", R"(["\ud800"])",
                                        "1e999", "NaN"};
  for (const auto& [from, prefix] : places)
    for (const std::string& b : bad)
      for (IouType type : {IouType::bbox, IouType::segm}) {
        SCOPED_TRACE(prefix + b);
        expect_declined(replaced(base, from, prefix + b), type, true);
      }
  // A segmentation is unused for bbox.
  for (const std::string& b : bad) {
    SCOPED_TRACE(b);
    expect_declined(replaced(base, "[[1,1,8,1,8,9,1,9]]", "[[1,1,8,1,8,9,1," + b + "]]"), IouType::bbox, true);
  }
  // Nothing may follow the root object; images and categories are required.
  expect_declined(base + "{}", IouType::bbox, true);
  expect_declined(base + "]", IouType::bbox, true);
  expect_declined(gt_text({gt_images(), gt_annotations()}), IouType::bbox, true);
  expect_declined(gt_text({gt_categories(), gt_annotations()}), IouType::bbox, true);
}

// Repeated keys: the DOM reader keeps the last. Objects read by key (root, images,
// categories) are declined as before; an annotation's scalar fields take the last.
TEST(CocoGtReader, FastPathRepeatedKeys) {
  const std::string base = gt_text({gt_images(), gt_categories(), gt_annotations()});
  for (IouType type : {IouType::bbox, IouType::segm}) {
    expect_declined(gt_text({gt_images(), gt_categories(), gt_annotations(), gt_images()}), type, false);
    expect_declined(gt_text({R"("info":1)", gt_images(), gt_categories(), R"("info":2)"}), type, false);
    expect_declined(replaced(base, R"({"id":1,)", R"({"id":7,"id":1,)"), type, false);
    expect_declined(replaced(base, R"("name":"dog")", R"("name":"dog","name":"wolf")"), type, false);
    expect_taken(replaced(base, R"("area":7.5,)", R"("area":1,"area":7.5,)"), type);
    expect_taken(replaced(base, R"("category_id":5,"bbox":[1,2,3,4])", R"("category_id":3,"bbox":[0,0,1,1],"category_id":5,"bbox":[1,2,3,4])"), type);
  }
}

// Keys with escapes are read as the DOM reader reads them.
TEST(CocoGtReader, FastPathEscapedKeys) {
  std::string text = gt_text({gt_images(), gt_categories(), gt_annotations()});
  text = replaced(text, R"("images")", R"("im\u0061ges")");
  text = replaced(text, R"("width":10)", R"("w\u0069dth":10)");
  text = replaced(text, R"("image_id":1)", R"("image\u005fid":1)");
  text = replaced(text, R"("segmentation":[[1,1,8)", R"("segment\u0061tion":[[1,1,8)");
  text = replaced(text, R"("supercategory":"animal")", R"("super\u0063ategory":"an\u0069mal")");
  text = replaced(text, R"({"counts":[100)", R"({"c\u006funts":[100)");
  for (IouType type : {IouType::bbox, IouType::segm}) expect_taken(text, type);
  expect_declined(replaced(text, R"("im\u0061ges")", R"("im\u00zzges")"), IouType::bbox, true);
  expect_declined(replaced(text, R"("image\u005fid":1)", R"("image\_id":1)"), IouType::bbox, true);
}

// Nesting beyond the readers' limit in a value the fast path does not use: refused by the
// DOM reader, so declined; at the limit, read.
TEST(CocoGtReader, FastPathNestingLimitInUnusedValues) {
  const auto arrays = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  const auto objects = [](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += R"({"a":)";
    return s + "1" + std::string(n, '}');
  };
  const std::size_t limit = detail::kMaxJsonDepth;
  const std::string base = gt_text({gt_images(), gt_categories(), gt_annotations()});
  for (const auto& deep : {std::function<std::string(std::size_t)>(arrays), std::function<std::string(std::size_t)>(objects)})
    for (IouType type : {IouType::bbox, IouType::segm}) {
      // The root is level 1: a root field's value at level 2, an annotation's at level 4.
      expect_taken(gt_text({R"("info":)" + deep(limit - 1), gt_images(), gt_categories()}), type);
      expect_declined(gt_text({R"("info":)" + deep(limit), gt_images(), gt_categories()}), type, true);
      expect_taken(replaced(base, R"("area":7.5,)", R"("area":7.5,"x":)" + deep(limit - 3) + ","), type);
      expect_declined(replaced(base, R"("area":7.5,)", R"("area":7.5,"x":)" + deep(limit - 2) + ","), type, true);
    }
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

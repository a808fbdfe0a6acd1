// The common mistakes in results files: each gives a located warning (and, with --strict,
// exit 3 and nothing written); structural mistakes give an error with a hint; clean files
// (every conformance fixture, every real-data file) give no warning at all.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/coco_checks.hpp"
#include "deteval/sanity.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kCase = test::fixture("coco/random_medium_200img");

// The case's results, changed by `edit`, written into `dir`.
fs::path make_results(const test::TempDir& dir, const std::function<void(json&)>& edit) {
  json dt = json::parse(test::slurp(kCase / "dt.json"));
  edit(dt);
  const fs::path out = dir / "dt.json";
  test::spit(out, dt.dump());
  return out;
}

struct Outcome {
  test::RunResult plain, strict;
  bool strict_wrote = false;
};

Outcome run_both(const fs::path& dt, const std::string& extra = "") {
  test::TempDir tmp;
  Outcome o;
  const std::string base = "coco -q --no-per-class --gt " + test::q(kCase / "gt.json") + " --dt " + test::q(dt) + extra;
  o.plain = test::run_cli(base);
  o.strict = test::run_cli(base + " --strict --json " + test::q(tmp / "out.json"));
  o.strict_wrote = fs::exists(tmp / "out.json");
  return o;
}

// The warning appears once, on one line, with its text; --strict makes it the error.
void expect_warning(const Outcome& o, const std::string& text) {
  EXPECT_EQ(o.plain.exit_code, 0) << o.plain.err;
  EXPECT_NE(o.plain.err.find("deteval: warning: "), std::string::npos) << o.plain.err;
  EXPECT_NE(o.plain.err.find(text), std::string::npos) << o.plain.err;
  EXPECT_NE(o.plain.out.find("Average Precision"), std::string::npos);
  EXPECT_EQ(o.strict.exit_code, 3) << o.strict.err;
  EXPECT_NE(o.strict.err.find("deteval: error: "), std::string::npos) << o.strict.err;
  EXPECT_NE(o.strict.err.find(text), std::string::npos) << o.strict.err;
  EXPECT_EQ(o.strict.out, "");
  EXPECT_FALSE(o.strict_wrote);
}

TEST(Sanity, CornerBoxes) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    for (auto& r : d) {
      auto& b = r["bbox"];
      b[2] = b[0].get<double>() + b[2].get<double>();
      b[3] = b[1].get<double>() + b[3].get<double>();
    }
  });
  expect_warning(run_both(dt), "boxes run past their image when read as [x, y, width, height]");
  expect_warning(run_both(dt), "the boxes look like [x1, y1, x2, y2]");
  expect_warning(run_both(dt), "(e.g. [");
}

TEST(Sanity, NormalisedBoxes) {
  test::TempDir dir;
  const json gt = json::parse(test::slurp(kCase / "gt.json"));
  std::map<std::int64_t, std::pair<double, double>> size;
  for (const auto& im : gt["images"]) size[im["id"]] = {im["width"], im["height"]};
  const auto dt = make_results(dir, [&](json& d) {
    for (auto& r : d) {
      const auto [w, h] = size.at(r["image_id"].get<std::int64_t>());
      auto& b = r["bbox"];
      b = {b[0].get<double>() / w, b[1].get<double>() / h, b[2].get<double>() / w, b[3].get<double>() / h};
    }
  });
  expect_warning(run_both(dt), "the boxes look normalised to [0, 1]");
}

TEST(Sanity, NonPositiveSizes) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    d[5]["bbox"][2] = -3.0;
    d[9]["bbox"][3] = 0.0;
  });
  expect_warning(run_both(dt), "2 of 1136 boxes have a width or height <= 0 (e.g. [5].bbox = [");
}

TEST(Sanity, NoDetections) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) { d = json::array(); });
  expect_warning(run_both(dt), "the results hold no detections");
}

TEST(Sanity, NoDetectionOfAGroundTruthCategory) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    for (auto& r : d) r["category_id"] = 1000;
  });
  const Outcome o = run_both(dt);
  expect_warning(o, "none of the 1136 detections has a category id of the ground truth (e.g. [0].category_id)");
  // One warning, not also the one about some unknown categories.
  EXPECT_EQ(o.plain.err.find("ignored"), std::string::npos) << o.plain.err;
}

TEST(Sanity, SomeUnknownCategoriesAreLocated) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) { d[7]["category_id"] = 1000; });
  expect_warning(run_both(dt), "ignored 1 detections of categories not in the ground truth (e.g. [7].category_id)");
}

TEST(Sanity, ExampleLocationsCountDroppedDetections) {
  // Detection 0 is dropped: the negative box, detection 3 of the file, is the 3rd kept one.
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    d[0]["category_id"] = 1000;
    d[3]["bbox"][2] = -1.0;
  });
  const test::RunResult r = run_both(dt).plain;
  EXPECT_NE(r.err.find("(e.g. [3].bbox = ["), std::string::npos) << r.err;
}

// Results for images 1..60 of the case's 200 only.
void only_first_60_images(json& d) {
  json kept = json::array();
  for (const auto& r : d)
    if (r["image_id"].get<std::int64_t>() <= 60) kept.push_back(r);
  d = kept;
}

TEST(Sanity, ImagesWithoutDetections) {
  test::TempDir dir;
  const auto dt = make_results(dir, only_first_60_images);
  expect_warning(run_both(dt), "images with ground truth have no detection (e.g. image id 6");
}

TEST(Sanity, ResultsForASubsetAreFineWithItsImgIds) {
  test::TempDir dir;
  const auto dt = make_results(dir, only_first_60_images);
  std::string ids = "1";
  for (int i = 2; i <= 60; ++i) ids += "," + std::to_string(i);
  const auto r = test::run_cli("coco -q --strict --gt " + test::q(kCase / "gt.json") + " --dt " + test::q(dt) +
                               " --img-ids " + ids);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(Sanity, ShiftedCategoryIds) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    for (auto& r : d) r["category_id"] = r["category_id"].get<int>() % 10 + 1;  // ids 1..10, shifted by one
  });
  expect_warning(run_both(dt), "categories with detections cover objects of another category, not their own");
  expect_warning(run_both(dt), "the category ids look shifted");
}

// The pairwise pass runs in chunks of detections on several threads: a file of many
// chunks gives the same finding (count, example, message) for any number of threads.
TEST(Sanity, ShiftedCategoryIdsFoundAlikeOnAnyThreads) {
  const GroundTruth gt = read_coco_gt((kCase / "gt.json").string(), IouType::bbox);
  const Detections one = read_coco_results((kCase / "dt.json").string(), gt, IouType::bbox);
  Detections dt;
  const std::size_t K = gt.categories.size();
  for (int copy = 0; copy < 20; ++copy)  // 20 x 1136 detections: three chunks of 8192
    for (std::size_t j = 0; j < one.size(); ++j) {
      dt.image.push_back(one.image[j]);
      dt.category.push_back(static_cast<std::uint32_t>((one.category[j] + 1 + copy % 2) % K));
      dt.score.push_back(one.score[j]);
      dt.box.push_back(one.box[j]);
      dt.area.push_back(one.area[j]);
    }
  const Params params(IouType::bbox);
  std::vector<Finding> reference;
  for (int threads : {1, 2, 5}) {
    tbb::task_arena arena(threads);
    std::vector<Finding> found;
    arena.execute([&] { found = check_results(gt, dt, params); });
    auto shifted = std::find_if(found.begin(), found.end(),
                                [](const Finding& f) { return f.kind == FindingKind::shifted_categories; });
    ASSERT_NE(shifted, found.end()) << threads;
    EXPECT_GE(shifted->detection, 0);
    EXPECT_NE(shifted->message.find("cover objects of another category"), std::string::npos);
    if (reference.empty()) {
      reference = found;
      continue;
    }
    ASSERT_EQ(found.size(), reference.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(found[i].count, reference[i].count) << threads;
      EXPECT_EQ(found[i].detection, reference[i].detection) << threads;
      EXPECT_EQ(found[i].message, reference[i].message) << threads;
    }
  }
}

TEST(Sanity, EqualScores) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) {
    for (auto& r : d) r["score"] = 1.0;
  });
  expect_warning(run_both(dt), "all 1136 detections have the same score (e.g. [0].score = 1)");
}

TEST(Sanity, MoreDetectionsThanMaxDets) {
  // maxDets[-1] = 5: many (image, category) cells have more.
  test::TempDir dir;
  const auto dt = make_results(dir, [](json&) {});
  expect_warning(run_both(dt, " --max-dets 1,2,5"), "more than maxDets[-1] = 5 detections");
}

TEST(Sanity, UnknownImageIdsOfASubset) {
  expect_warning(run_both(kCase / "dt.json", " --img-ids 1,2,3,123456"),
                 "imgIds: 1 image ids are not in the ground truth (e.g. 123456)");
}

// ---- Structural hints (errors in any case) ----

test::RunResult run_plain(const fs::path& gt, const fs::path& dt) {
  return test::run_cli("coco -q --gt " + test::q(gt) + " --dt " + test::q(dt));
}

TEST(SanityHints, ObjectWithAnAnnotationsList) {
  test::TempDir dir;
  const auto dt = make_results(dir, [](json& d) { d = json{{"annotations", d}}; });
  const auto r = run_plain(kCase / "gt.json", dt);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("(root): expected a list of detection results, got an object with an `annotations` list; "
                       "pass the list under `annotations`"),
            std::string::npos)
      << r.err;
}

TEST(SanityHints, NaNScore) {
  test::TempDir dir;
  std::string text = test::slurp(kCase / "dt.json");
  const auto at = text.find("\"score\":");
  ASSERT_NE(at, std::string::npos);
  const auto end = text.find_first_of(",}", at);
  text.replace(at, end - at, "\"score\": NaN");
  test::spit(dir / "dt.json", text);
  const auto r = run_plain(kCase / "gt.json", dir / "dt.json");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("NaN and Infinity are not JSON; Python's json.dump"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allow_nan=False"), std::string::npos) << r.err;
}

TEST(SanityHints, InfinityBox) {
  test::TempDir dir;
  std::string text = test::slurp(kCase / "dt.json");
  const auto at = text.find("\"bbox\":[");
  ASSERT_NE(at, std::string::npos);
  const auto first = at + 8;
  text.replace(first, text.find(',', first) - first, "-Infinity");
  test::spit(dir / "dt.json", text);
  const auto r = run_plain(kCase / "gt.json", dir / "dt.json");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("NaN and Infinity are not JSON"), std::string::npos) << r.err;
}

TEST(SanityHints, SwappedGtAndDt) {
  const auto r = run_plain(kCase / "dt.json", kCase / "gt.json");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("ground truth and results swapped?"), std::string::npos) << r.err;
  // The other way round too: ground truth given as results.
  test::TempDir dir;
  const auto gt_copy = dir / "gt.json";
  test::spit(gt_copy, test::slurp(kCase / "gt.json"));
  const auto r2 = run_plain(kCase / "gt.json", gt_copy);
  EXPECT_EQ(r2.exit_code, 3);
  EXPECT_NE(r2.err.find("ground truth and results swapped?"), std::string::npos) << r2.err;
}

// ---- No false alarms ----

// Warnings that a fixture is built to contain: the situation the check names.
const std::map<std::string, std::set<std::string>> kExpected = {
    {"coco/degenerate_boxes bbox", {"nonpositive-size"}},          // boxes with negative / zero sizes
    {"coco/maxdets_truncation bbox", {"too-many-per-image"}},      // 180 detections in a cell
    {"coco/maxdets_truncation segm", {"too-many-per-image"}},
    {"coco/segm_only_results bbox", {"nonpositive-size"}},         // 3 empty masks
    {"geometry/rotated_dense_maxdets rotated", {"too-many-per-image"}},  // more than maxDets per cell
};

std::set<std::string> warning_kinds(const fs::path& dir, IouType type) {
  Params p;
  p.iou_type = type;
  if (fs::exists(dir / "params.json")) read_coco_params((dir / "params.json").string(), p);
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
  ResultsReport report;
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type, &report);
  std::set<std::string> kinds;
  for (const auto& w : coco_results_warnings(gt, dt, p, report, "dt.json")) kinds.insert(w.kind);
  return kinds;
}

TEST(SanityClean, NoWarningOnAnyConformanceFixture) {
  int cases = 0;
  for (const char* root : {"coco", "geometry"})
    for (const auto& d : fs::directory_iterator(test::fixture(root))) {
      if (!d.is_directory() || !fs::exists(d.path() / "dt.json")) continue;
      for (const char* t : {"bbox", "segm", "rotated", "polygon"}) {
        if (!fs::exists(d.path() / (std::string("expected_") + t + ".json"))) continue;
        IouType type;
        ASSERT_TRUE(parse_iou_type(t, type));
        const std::string name = std::string(root) + "/" + d.path().filename().string() + " " + t;
        const auto it = kExpected.find(name);
        EXPECT_EQ(warning_kinds(d.path(), type), it == kExpected.end() ? std::set<std::string>{} : it->second)
            << name;
        ++cases;
      }
    }
  EXPECT_GE(cases, 20);
}

TEST(SanityClean, NoWarningOnRealData) {
  const fs::path root = test::source_dir().parent_path() / "shared" / "realdata";
  if (!fs::exists(root)) GTEST_SKIP() << "no ../shared/realdata here";
  int cases = 0;
  for (const auto& d : fs::directory_iterator(root)) {
    if (!fs::exists(d.path() / "dt.json")) continue;
    const bool has_masks = test::slurp(d.path() / "dt.json").find("\"segmentation\"") != std::string::npos;
    for (IouType t : {IouType::bbox, IouType::segm}) {
      if (t == IouType::segm && !has_masks) continue;
      EXPECT_EQ(warning_kinds(d.path(), t), std::set<std::string>{}) << d.path() << " " << to_string(t);
      ++cases;
    }
  }
  EXPECT_GE(cases, 10);
}

TEST(SanityClean, TheCliPrintsNothingOnStderrForACleanFile) {
  const auto r = test::run_cli("coco -q --strict --gt " + test::q(kCase / "gt.json") + " --dt " +
                               test::q(kCase / "dt.json"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
}

// ---- The board: `task add --strict` refuses what the checks warn about ----

TEST(SanityBoard, StrictTaskRefusesWhatTheChecksWarnAbout) {
  test::TempDir dir;
  const std::string db = test::q(dir / "b.db");
  ASSERT_EQ(test::run_cli("board init --db " + db).exit_code, 0);
  const std::string gt = test::q(kCase / "gt.json");
  ASSERT_EQ(test::run_cli("board task add --db " + db + " --task strict --metric coco-bbox --strict --gt " + gt)
                .exit_code,
            0);
  ASSERT_EQ(test::run_cli("board task add --db " + db + " --task lax --metric coco-bbox --gt " + gt).exit_code, 0);
  ASSERT_EQ(test::run_cli("board register --db " + db + " --user u --name U").exit_code, 0);
  const auto equal = make_results(dir, [](json& d) {
    for (auto& r : d) r["score"] = 1.0;
  });
  auto submit = [&](const std::string& task, const fs::path& file) {
    return test::run_cli("board submit --db " + db + " --task " + task + " --user u " + test::q(file));
  };
  const auto refused = submit("strict", equal);
  EXPECT_EQ(refused.exit_code, 6);
  EXPECT_NE(refused.err.find("all 1136 detections have the same score"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("refused: the task checks submissions strictly"), std::string::npos) << refused.err;
  EXPECT_EQ(submit("lax", equal).exit_code, 0);
  EXPECT_EQ(submit("strict", kCase / "dt.json").exit_code, 0);
  const auto info = test::run_cli("board task info --db " + db + " --task strict --json");
  EXPECT_TRUE(json::parse(info.out)["strict"].get<bool>()) << info.out;
}

// ---- The library's findings as values ----

TEST(SanityLib, FindingsAreValues) {
  const GroundTruth gt = read_coco_gt((kCase / "gt.json").string(), IouType::bbox);
  Detections dt = read_coco_results((kCase / "dt.json").string(), gt, IouType::bbox);
  EXPECT_TRUE(check_results(gt, dt, Params{}).empty());
  for (auto& s : dt.score) s = 0.5;
  dt.box[4].w = -1;
  const auto f = check_results(gt, dt, Params{});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].kind, FindingKind::nonpositive_size);
  EXPECT_EQ(f[0].count, 1u);
  EXPECT_EQ(f[0].detection, 4);
  EXPECT_EQ(f[0].field, "bbox");
  EXPECT_EQ(f[1].kind, FindingKind::equal_scores);
  EXPECT_EQ(f[1].count, dt.size());
  EXPECT_NE(f[1].text("X").find("(e.g. X = 0.5)"), std::string::npos) << f[1].text("X");
}

// The crowded-cell finding (count, detections left out, the example: the most crowded
// cell, the first by (category, image) on a tie) equals a plain count over a map, with
// and without categories, for several limits.
TEST(SanityLib, CrowdedCellsCountedAsAMapWould) {
  const GroundTruth gt = read_coco_gt((kCase / "gt.json").string(), IouType::bbox);
  const Detections dt = read_coco_results((kCase / "dt.json").string(), gt, IouType::bbox);
  const std::size_t I = gt.images.size();
  int found = 0;
  for (bool use_cats : {true, false})
    for (int limit : {1, 2, 3, 8}) {
      Params p(IouType::bbox);
      p.use_cats = use_cats;
      p.max_dets = {1, limit};
      std::map<std::uint64_t, std::uint64_t> cells;
      for (std::size_t j = 0; j < dt.size(); ++j) ++cells[(use_cats ? dt.category[j] : 0) * I + dt.image[j]];
      std::uint64_t crowded = 0, beyond = 0, worst = 0, worst_cell = 0;
      for (auto [cell, n] : cells)
        if (n > static_cast<std::uint64_t>(limit)) {
          ++crowded;
          beyond += n - limit;
          if (n > worst) worst = n, worst_cell = cell;
        }
      const auto f = check_results(gt, dt, p);
      const auto it = std::find_if(f.begin(), f.end(),
                                   [](const Finding& x) { return x.kind == FindingKind::too_many_per_image; });
      if (crowded == 0) {
        EXPECT_EQ(it, f.end()) << use_cats << " " << limit;
        continue;
      }
      ASSERT_NE(it, f.end()) << use_cats << " " << limit;
      ++found;
      EXPECT_EQ(it->count, crowded);
      std::string example = "e.g. image id " + std::to_string(gt.images[worst_cell % I].id);
      if (use_cats) example += ", category id " + std::to_string(gt.categories[worst_cell / I].id);
      example += ": " + std::to_string(worst) + ")";
      EXPECT_NE(it->message.find(example), std::string::npos) << it->message << " | " << example;
      EXPECT_NE(it->message.find("(" + std::to_string(beyond) + " detections are left out)"), std::string::npos)
          << it->message;
    }
  EXPECT_GE(found, 6);
}

}  // namespace
}  // namespace deteval

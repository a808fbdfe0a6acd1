// deteval convert: round trips between VOC, COCO and YOLO keep every box and class; a COCO
// evaluation of converted VOC data agrees with the VOC evaluation where the two rules can
// agree; bad input fails with file:line messages and writes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/convert.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/formats/yolo.hpp"
#include "deteval/voc.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::q;

class Convert : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

test::RunResult convert(const std::string& args) { return test::run_cli("convert " + args); }

#define ASSERT_RUN_OK(r) ASSERT_EQ((r).exit_code, 0) << (r).err

// ---- what a round trip must keep: per image name, its objects in order; per (image, class)
// ---- its detections in order. Classes by name, images by name (ids may be renumbered).

struct Obj {
  std::string cls;
  Box box;
  bool difficult, iscrowd;
};
struct Det {
  double score;
  Box box;
};
struct Flat {
  std::vector<std::string> images;  // names, sorted
  std::set<std::string> classes;
  std::map<std::string, std::vector<Obj>> objects;
  std::map<std::pair<std::string, std::string>, std::vector<Det>> detections;
};

Flat flatten(const LabelSet& s) {
  Flat f;
  for (const auto& im : s.images) f.images.push_back(im.name);
  std::sort(f.images.begin(), f.images.end());
  for (const auto& c : s.classes) f.classes.insert(c.name);
  for (const auto& o : s.objects)
    f.objects[s.images[o.image].name].push_back({s.classes[o.cls].name, o.box, o.difficult, o.iscrowd});
  for (const auto& d : s.detections)
    f.detections[{s.images[d.image].name, s.classes[d.cls].name}].push_back({d.score, d.box});
  return f;
}

/// Boxes equal within `tol` pixels (0: bit for bit); flags compared when `flags`.
void expect_same(const Flat& a, const Flat& b, double tol, bool flags) {
  EXPECT_EQ(a.images, b.images);
  EXPECT_EQ(a.classes, b.classes);
  auto near = [tol](const Box& x, const Box& y) {
    if (tol == 0) return x == y;
    return std::abs(x.x - y.x) <= tol && std::abs(x.y - y.y) <= tol && std::abs(x.w - y.w) <= tol &&
           std::abs(x.h - y.h) <= tol;
  };
  ASSERT_EQ(a.objects.size(), b.objects.size());
  std::size_t objects = 0, detections = 0;
  for (const auto& [image, objs] : a.objects) {
    SCOPED_TRACE("image " + image);
    ASSERT_TRUE(b.objects.count(image));
    const auto& other = b.objects.at(image);
    ASSERT_EQ(objs.size(), other.size());
    for (std::size_t j = 0; j < objs.size(); ++j) {
      EXPECT_EQ(objs[j].cls, other[j].cls);
      EXPECT_TRUE(near(objs[j].box, other[j].box))
          << "object " << j << ": [" << objs[j].box.x << ", " << objs[j].box.y << ", " << objs[j].box.w << ", "
          << objs[j].box.h << "] became [" << other[j].box.x << ", " << other[j].box.y << ", " << other[j].box.w
          << ", " << other[j].box.h << "]";
      if (flags) {
        EXPECT_EQ(objs[j].difficult, other[j].difficult) << j;
        EXPECT_EQ(objs[j].iscrowd, other[j].iscrowd) << j;
      }
      ++objects;
    }
  }
  ASSERT_EQ(a.detections.size(), b.detections.size());
  for (const auto& [key, dets] : a.detections) {
    SCOPED_TRACE("image " + key.first + ", class " + key.second);
    ASSERT_TRUE(b.detections.count(key));
    const auto& other = b.detections.at(key);
    ASSERT_EQ(dets.size(), other.size());
    for (std::size_t j = 0; j < dets.size(); ++j) {
      EXPECT_EQ(dets[j].score, other[j].score) << j;
      EXPECT_TRUE(near(dets[j].box, other[j].box)) << "detection " << j;
      ++detections;
    }
  }
  EXPECT_GT(objects + detections, 0u);
}

// ---- VOC fixtures ----

std::vector<std::string> voc_cases() {
  return {"basic_tp_fp_miss",   "difficult_and_duplicates", "empty_images_and_class_coverage",
          "iou_threshold_0_7", "random_voc20_small",       "ties_floats_tiny_boxes"};
}

std::vector<std::string> case_classes(const std::string& name) {
  const json c = json::parse(test::slurp(test::fixture("voc/" + name + "/case.json")));
  return c["classes"].get<std::vector<std::string>>();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

VocPaths voc_paths(const fs::path& root, const std::vector<std::string>& classes, bool dets = true) {
  return {(root / "Annotations").string(), (root / "ImageSets/Main/test.txt").string(),
          dets ? (root / "results/comp4_det_test_{class}.txt").string() : "", classes};
}

std::string voc_args(const fs::path& root, const std::vector<std::string>& classes) {
  return "--annotations " + q(root / "Annotations") + " --image-set " + q(root / "ImageSets/Main/test.txt") +
         " --dets " + q(root / "results/comp4_det_test_{class}.txt") + " --classes " + q(joined(classes));
}

TEST_F(Convert, VocToCocoToVocGivesBackTheSameFiles) {
  for (const std::string& name : voc_cases()) {
    SCOPED_TRACE(name);
    test::TempDir tmp;
    const fs::path root = test::fixture("voc/" + name);
    const auto classes = case_classes(name);
    auto r = convert("--from voc --to coco " + voc_args(root, classes) + " --out-gt " + q(tmp / "gt.json") +
                     " --out-dt " + q(tmp / "dt.json"));
    ASSERT_RUN_OK(r);
    EXPECT_NE(r.out.find("voc -> coco: "), std::string::npos) << r.out;
    r = convert("--from coco --to voc --gt " + q(tmp / "gt.json") + " --dt " + q(tmp / "dt.json") + " --out-dir " +
                q(tmp / "voc"));
    ASSERT_RUN_OK(r);

    // The same numbers, in VOC's own terms: ids, objects (name, corners, difficult) and
    // every class's detections (image, score, corners), in order.
    const VocInput a = load_voc(voc_paths(root, classes)), b = load_voc(voc_paths(tmp / "voc", classes));
    ASSERT_EQ(a.images.ids, b.images.ids);
    for (std::size_t i = 0; i < a.annotations.size(); ++i) {
      const auto &x = a.annotations[i].objects, &y = b.annotations[i].objects;
      ASSERT_EQ(x.size(), y.size()) << a.images.ids[i];
      for (std::size_t j = 0; j < x.size(); ++j) {
        EXPECT_EQ(x[j].name, y[j].name);
        EXPECT_EQ(x[j].box, y[j].box) << a.images.ids[i] << " object " << j;
        EXPECT_EQ(x[j].difficult, y[j].difficult);
      }
    }
    ASSERT_EQ(a.dataset.classes.size(), b.dataset.classes.size());
    for (std::size_t k = 0; k < a.dataset.classes.size(); ++k) {
      const auto &x = a.dataset.classes[k], &y = b.dataset.classes[k];
      EXPECT_EQ(x.det_image, y.det_image) << x.name;
      EXPECT_EQ(x.det_score, y.det_score) << x.name;
      EXPECT_EQ(x.det_box, y.det_box) << x.name;
    }
    // And the devkit evaluation of the result is the fixture's.
    const json exp = json::parse(test::slurp(root / "expected.json"));
    const VocResult res = voc_evaluate(b.dataset, exp["iou_threshold"].get<double>());
    EXPECT_NEAR(res.map_area, exp["mAP_area"].get<double>(), 1e-12);
  }
}

TEST_F(Convert, VocToCocoMapsBoxesIdsAndDifficult) {
  test::TempDir tmp;
  const fs::path root = test::fixture("voc/difficult_and_duplicates");
  const auto classes = case_classes("difficult_and_duplicates");
  ASSERT_RUN_OK(convert("--from voc --to coco " + voc_args(root, classes) + " --out-gt " + q(tmp / "gt.json")));
  const json gt = json::parse(test::slurp(tmp / "gt.json"));
  const VocInput in = load_voc(voc_paths(root, classes, false));
  ASSERT_EQ(gt["images"].size(), in.images.ids.size());
  for (std::size_t i = 0; i < in.images.ids.size(); ++i) {
    EXPECT_EQ(gt["images"][i]["id"], i + 1);  // image-set order
    EXPECT_EQ(image_stem(gt["images"][i]["file_name"].get<std::string>()), in.images.ids[i]);
  }
  for (std::size_t k = 0; k < classes.size(); ++k) {
    EXPECT_EQ(gt["categories"][k]["id"], k + 1);  // class order
    EXPECT_EQ(gt["categories"][k]["name"], classes[k]);
  }
  std::size_t j = 0, difficult = 0;
  for (std::size_t i = 0; i < in.annotations.size(); ++i)
    for (const VocObject& o : in.annotations[i].objects) {
      const json& a = gt["annotations"][j++];
      EXPECT_EQ(a["image_id"], i + 1);
      EXPECT_EQ(a["bbox"], json({o.box.x1 - 1, o.box.y1 - 1, o.box.x2 - o.box.x1 + 1, o.box.y2 - o.box.y1 + 1}));
      EXPECT_EQ(a["iscrowd"], 0);
      EXPECT_EQ(a.value("difficult", 0), o.difficult ? 1 : 0);
      difficult += o.difficult;
    }
  EXPECT_EQ(j, gt["annotations"].size());
  EXPECT_GT(difficult, 0u);
}

// ---- COCO fixtures ----

std::vector<std::string> coco_cases() {
  return {"basic_mixed_sizes", "crowd_regions", "empty_images_and_category_gaps", "noncontiguous_ids", "score_ties",
          "random_medium_200img"};
}

std::vector<std::string> category_names(const fs::path& gt) {
  const GroundTruth g = read_coco_gt(gt.string(), IouType::bbox);
  std::vector<std::string> names;
  for (const auto& c : g.categories) names.push_back(c.name);
  return names;
}

TEST_F(Convert, CocoToVocToCocoKeepsEveryBoxClassAndFlag) {
  for (const std::string& name : coco_cases()) {
    SCOPED_TRACE(name);
    test::TempDir tmp;
    const fs::path gt = test::fixture("coco/" + name + "/gt.json"), dt = test::fixture("coco/" + name + "/dt.json");
    ASSERT_RUN_OK(convert("--from coco --to voc --gt " + q(gt) + " --dt " + q(dt) + " --out-dir " + q(tmp / "voc")));
    ASSERT_RUN_OK(convert("--from voc --to coco " + voc_args(tmp / "voc", category_names(gt)) + " --out-gt " +
                          q(tmp / "gt.json") + " --out-dt " + q(tmp / "dt.json")));
    // Fractional boxes too, bit for bit: the +-1 of the mapping is decimal arithmetic.
    expect_same(flatten(read_coco_labels(gt.string(), dt.string())),
                flatten(read_coco_labels((tmp / "gt.json").string(), (tmp / "dt.json").string())), 0, true);
  }
}

TEST_F(Convert, CocoToYoloToCocoKeepsBoxesClassesAndIds) {
  for (const std::string& name : coco_cases()) {
    SCOPED_TRACE(name);
    test::TempDir tmp;
    const fs::path gt = test::fixture("coco/" + name + "/gt.json"), dt = test::fixture("coco/" + name + "/dt.json");
    ASSERT_RUN_OK(convert("--from coco --to yolo --gt " + q(gt) + " --dt " + q(dt) + " --out-dir " + q(tmp / "y")));
    for (const std::string& sizes : {(tmp / "y/sizes.json").string(), gt.string()}) {
      SCOPED_TRACE("--sizes " + sizes);
      fs::remove(tmp / "gt.json");
      ASSERT_RUN_OK(convert("--from yolo --to coco --sizes " + q(sizes) + " --names " + q(tmp / "y/classes.txt") +
                            " --labels " + q(tmp / "y/labels") + " --predictions " + q(tmp / "y/predictions") +
                            " --out-gt " + q(tmp / "gt.json") + " --out-dt " + q(tmp / "dt.json")));
      const LabelSet a = read_coco_labels(gt.string(), dt.string());
      const LabelSet b = read_coco_labels((tmp / "gt.json").string(), (tmp / "dt.json").string());
      // Normalised floats: within 1e-9 pixels (in practice a few ulps). YOLO has no
      // difficult/crowd flag, so flags are not compared.
      expect_same(flatten(a), flatten(b), 1e-9, false);
      // Image and category ids come back through the sizes file.
      ASSERT_EQ(a.images.size(), b.images.size());
      for (std::size_t i = 0; i < a.images.size(); ++i) EXPECT_EQ(a.images[i].id, b.images[i].id);
      ASSERT_EQ(a.classes.size(), b.classes.size());
      for (std::size_t k = 0; k < a.classes.size(); ++k) EXPECT_EQ(a.classes[k].id, b.classes[k].id);
    }
  }
}

TEST_F(Convert, YoloFilesFollowTheConvention) {
  test::TempDir tmp;
  test::spit(tmp / "gt.json", R"({"images": [{"id": 7, "file_name": "dir/a.jpg", "width": 200, "height": 100}],
    "categories": [{"id": 3, "name": "cat"}, {"id": 9, "name": "dog"}],
    "annotations": [{"id": 1, "image_id": 7, "category_id": 9, "bbox": [10, 20, 50, 40], "iscrowd": 0}]})");
  test::spit(tmp / "dt.json", R"([{"image_id": 7, "category_id": 3, "bbox": [0, 0, 200, 100], "score": 0.25}])");
  ASSERT_RUN_OK(convert("--from coco --to yolo --gt " + q(tmp / "gt.json") + " --dt " + q(tmp / "dt.json") +
                        " --out-dir " + q(tmp / "y")));
  EXPECT_EQ(test::slurp(tmp / "y/classes.txt"), "cat\ndog\n");
  EXPECT_EQ(test::slurp(tmp / "y/labels/a.txt"), "1 0.175 0.4 0.25 0.4\n");  // centre (35, 40), size 50x40
  EXPECT_EQ(test::slurp(tmp / "y/predictions/a.txt"), "0 0.5 0.5 1 1 0.25\n");
  const json sizes = json::parse(test::slurp(tmp / "y/sizes.json"));
  EXPECT_EQ(sizes["images"][0], json({{"id", 7}, {"file_name", "dir/a.jpg"}, {"width", 200}, {"height", 100}}));
  EXPECT_TRUE(sizes["annotations"].empty());
}

TEST_F(Convert, VocToYoloToVocUsesTheVocSizes) {
  test::TempDir tmp;
  const fs::path root = test::fixture("voc/random_voc20_small");
  const auto classes = case_classes("random_voc20_small");
  ASSERT_RUN_OK(convert("--from voc --to yolo " + voc_args(root, classes) + " --out-dir " + q(tmp / "y")));
  ASSERT_RUN_OK(convert("--from yolo --to voc --sizes " + q(tmp / "y/sizes.json") + " --names " +
                        q(tmp / "y/classes.txt") + " --labels " + q(tmp / "y/labels") + " --predictions " +
                        q(tmp / "y/predictions") + " --out-dir " + q(tmp / "voc")));
  expect_same(flatten(read_voc_labels(voc_paths(root, classes))),
              flatten(read_voc_labels(voc_paths(tmp / "voc", classes))), 1e-9, false);
}

// ---- agreement: COCO evaluation of converted VOC data vs the devkit evaluation ----

struct Counts {
  std::size_t npos = 0, tp = 0, fp = 0;
  double ap = 0;
};

/// Per class name: COCO matching at IoU 0.5 (area "all", no maxDets cut) and AP at 0.5.
std::map<std::string, Counts> coco_counts(const fs::path& gt_path, const fs::path& dt_path) {
  const GroundTruth gt = read_coco_gt(gt_path.string(), IouType::bbox);
  const Detections dt = read_coco_results(dt_path.string(), gt, IouType::bbox);
  Params p;
  p.iou_thrs = {0.5};
  p.max_dets = {1, 10, 100000};
  const Evaluation e = evaluate(gt, dt, p);
  std::map<std::string, Counts> out;
  for (const ImageEval& c : e.image_evals) {
    if (c.area != 0) continue;
    Counts& n = out[gt.categories[c.category].name];
    for (std::uint32_t g = 0; g < c.num_gt; ++g) n.npos += e.gt_ignore[c.gt_begin + g] == 0;
    for (std::uint32_t d = 0; d < c.num_dt; ++d) {
      if (e.dt_ignore[c.match_begin + d]) continue;
      (e.dt_match[c.match_begin + d] >= 0 ? n.tp : n.fp) += 1;
    }
  }
  for (std::size_t k = 0; k < e.K; ++k) {
    double sum = 0;
    int n = 0;
    for (std::size_t r = 0; r < e.R; ++r)
      if (const double v = e.precision_at(0, r, k, 0, e.M - 1); v > -1) sum += v, ++n;
    out[gt.categories[k].name].ap = n ? sum / n : -1;
  }
  return out;
}

/// The condition under which both rules make the same matches: every detection has an IoU
/// of at least 0.45 with at most one object of its class and image (so VOC's "best object,
/// no fall-back" and COCO's "best unmatched object" pick the same one, and tie-breaking does
/// not arise), no IoU lies in [0.49, 0.51] (VOC needs > 0.5, COCO >= 0.5; rounding differs),
/// and there are no difficult objects (COCO does not know them).
void expect_unambiguous(const VocDataset& ds) {
  for (const VocClassData& c : ds.classes) {
    for (std::uint8_t d : c.gt_difficult) ASSERT_EQ(d, 0) << c.name;
    for (std::size_t d = 0; d < c.det_box.size(); ++d) {
      int candidates = 0;
      for (std::size_t g = 0; g < c.gt_box.size(); ++g) {
        if (c.gt_image[g] != c.det_image[d]) continue;
        const double iou = voc_iou(c.det_box[d], c.gt_box[g]);
        candidates += iou >= 0.45;
        ASSERT_FALSE(iou >= 0.49 && iou <= 0.51) << c.name << " detection " << d << " IoU " << iou;
      }
      ASSERT_LE(candidates, 1) << c.name << " detection " << d;
    }
  }
}

void expect_agreement(const fs::path& root, const std::vector<std::string>& classes) {
  const VocInput in = load_voc(voc_paths(root, classes));
  expect_unambiguous(in.dataset);
  const VocResult voc = voc_evaluate(in.dataset, 0.5);

  test::TempDir tmp;
  ASSERT_RUN_OK(convert("--from voc --to coco " + voc_args(root, classes) + " --out-gt " + q(tmp / "gt.json") +
                        " --out-dt " + q(tmp / "dt.json")));
  const auto coco = coco_counts(tmp / "gt.json", tmp / "dt.json");
  std::size_t compared = 0;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    SCOPED_TRACE(classes[k]);
    const VocClassResult& v = voc.classes[k];
    const Counts& c = coco.at(classes[k]);
    EXPECT_EQ(c.npos, v.npos);
    EXPECT_EQ(c.tp, v.tp);
    EXPECT_EQ(c.fp, v.fp);
    if (v.npos == 0) continue;
    // Same precision/recall curve; COCO samples its envelope at 101 recall points, VOC
    // integrates it: for a non-increasing envelope the two differ by at most 1/100.
    EXPECT_NEAR(c.ap, v.ap_area, 0.01) << "COCO AP50 " << c.ap << ", VOC area AP " << v.ap_area;
    ++compared;
  }
  EXPECT_GT(compared, 0u);

  // The command-line evaluation reads the converted files too, with the same per-class AP.
  const auto r = test::run_cli("coco --gt " + q(tmp / "gt.json") + " --dt " + q(tmp / "dt.json") +
                               " --iou-thrs 0.5 --max-dets 1,10,100000 --json " + q(tmp / "eval.json"));
  ASSERT_RUN_OK(r);
  const json eval = json::parse(test::slurp(tmp / "eval.json"));  // named: the loop must not outlive it
  for (const json& c : eval["per_category"])
    if (c["AP"].get<double>() > -1) EXPECT_NEAR(c["AP"].get<double>(), coco.at(c["name"]).ap, 1e-12);
}

/// VOC files of a synthetic set with integer boxes: objects of a class well apart, each
/// detected by a close copy (IoU > 0.6), sometimes twice (a duplicate: FP in both rules),
/// sometimes by a half-shifted box (IoU 1/3: FP), plus detections on empty ground.
std::vector<std::string> write_synthetic_voc(const fs::path& root) {
  const std::vector<std::string> classes = {"bird", "cat", "dog"};
  fs::create_directories(root / "Annotations");
  fs::create_directories(root / "ImageSets/Main");
  fs::create_directories(root / "results");
  std::mt19937 rng(12345);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  struct D {
    std::string image;
    VocBox box;
  };
  std::vector<std::vector<D>> dets(classes.size());
  std::string set;
  for (int i = 0; i < 40; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "%06d", 100 + i * 7);
    set += std::string(id) + "\n";
    VocAnnotation a;
    a.filename = std::string(id) + ".jpg";
    a.width = 600;
    a.height = 400;
    // 6 x 4 cells of 100 px; each box lives in its own cell.
    std::vector<int> cells(24);
    for (int c = 0; c < 24; ++c) cells[c] = c;
    std::shuffle(cells.begin(), cells.end(), rng);
    const int n = uni(0, 8);
    for (int j = 0; j < n + 3; ++j) {
      const int cell = cells[j];
      const std::size_t k = static_cast<std::size_t>(uni(0, 2));
      const double x1 = (cell % 6) * 100 + uni(1, 10), y1 = (cell / 6) * 100 + uni(1, 10);
      const VocBox b{x1, y1, x1 + uni(40, 80), y1 + uni(40, 80)};
      if (j >= n) {  // empty ground: a detection where there is no object
        dets[k].push_back({id, b});
        continue;
      }
      a.objects.push_back({classes[k], "", false, false, false, b, 0});
      auto jitter = [&](const VocBox& g) {
        return VocBox{g.x1 + uni(-2, 2), g.y1 + uni(-2, 2), g.x2 + uni(-2, 2), g.y2 + uni(-2, 2)};
      };
      if (uni(0, 9) < 8) dets[k].push_back({id, jitter(b)});
      if (uni(0, 9) < 3) dets[k].push_back({id, jitter(b)});
      if (uni(0, 9) < 2) {
        const double w = b.x2 - b.x1 + 1;
        dets[k].push_back({id, {b.x1 + w / 2, b.y1, b.x2 + w / 2, b.y2}});
      }
    }
    test::spit(root / "Annotations" / (std::string(id) + ".xml"), voc_annotation_xml(a));
  }
  test::spit(root / "ImageSets/Main/test.txt", set);
  // Distinct scores, so that both rankings are the same order.
  std::size_t total = 0;
  for (const auto& v : dets) total += v.size();
  std::vector<std::size_t> rank(total);
  for (std::size_t j = 0; j < total; ++j) rank[j] = j;
  std::shuffle(rank.begin(), rank.end(), rng);
  std::size_t j = 0;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    std::string text;
    for (const D& d : dets[k]) text += voc_detection_line(d.image, (rank[j++] + 0.5) / total, d.box);
    test::spit(root / ("results/comp4_det_test_" + classes[k] + ".txt"), text);
  }
  return classes;
}

TEST_F(Convert, CocoEvaluationOfConvertedVocAgreesWithTheDevkit) {
  test::TempDir tmp;
  const auto classes = write_synthetic_voc(tmp / "voc");
  expect_agreement(tmp / "voc", classes);
  expect_agreement(test::fixture("voc/basic_tp_fp_miss"), case_classes("basic_tp_fp_miss"));
}

// ---- conventions in isolation ----

TEST(ConvertUnits, BoxMappingIsExactBothWays) {
  const VocBox v{48, 240, 195, 371};
  const Box c = coco_box_from_voc(v);
  EXPECT_EQ(c, (Box{47, 239, 148, 132}));  // width = xmax - xmin + 1
  EXPECT_EQ(voc_box_from_coco(c), v);
  // Fractional values: decimal arithmetic, so 0.1 + 1 - 1 is 0.1 again.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> cents(0, 100000);
  for (int i = 0; i < 2000; ++i) {
    const Box b{cents(rng) / 100.0, cents(rng) / 1000.0, (100 + cents(rng)) / 100.0, (10 + cents(rng)) / 10.0};
    ASSERT_EQ(coco_box_from_voc(voc_box_from_coco(b)), b) << b.x << " " << b.y << " " << b.w << " " << b.h;
    const int x1 = cents(rng), y1 = cents(rng);
    const VocBox w{x1 / 100.0, y1 / 1000.0, (x1 + cents(rng)) / 100.0, (y1 + cents(rng)) / 1000.0};
    ASSERT_EQ(voc_box_from_coco(coco_box_from_voc(w)), w) << w.x1 << " " << w.y1 << " " << w.x2 << " " << w.y2;
  }
  EXPECT_EQ(coco_box_from_voc({0.1, 1, 0.1, 1}).x, -0.9);
}

TEST(ConvertUnits, ImageStem) {
  EXPECT_EQ(image_stem("000005.jpg"), "000005");
  EXPECT_EQ(image_stem("val2014/COCO_val2014_000000000042.JPG"), "COCO_val2014_000000000042");
  EXPECT_EQ(image_stem("2008_000.1"), "2008_000.1");  // not an image extension
  EXPECT_EQ(image_stem("a.b.png"), "a.b");
  EXPECT_EQ(image_stem(".png"), ".png");
}

TEST(ConvertUnits, YoloLinesAndNames) {
  const auto b = parse_yolo_labels("0 0.5 0.5 0.2 0.1\r\n\n2\t0.1 0.2 0 0\n", "l.txt", 3, false);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].cls, 2u);
  EXPECT_EQ(b[1].line, 3u);
  EXPECT_EQ(coco_box_from_yolo(b[0], 200, 100), (Box{80, 45, 40, 10}));
  auto error = [](auto&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error([] { parse_yolo_labels("0 0.5 0.5 0.2 0.1\n3 0.5 0.5 0.2 0.1\n", "l.txt", 3, false); }),
            "l.txt: line 2: expected a class index below 3 (the number of class names), got '3'");
  EXPECT_EQ(error([] { parse_yolo_labels("0 0.5 0.5 0.2\n", "l.txt", 3, false); }),
            "l.txt: line 1: expected 5 fields 'class cx cy w h', got 4 fields");
  EXPECT_EQ(error([] { parse_yolo_labels("0 0.5 0.5 0.2 0.1\n", "p.txt", 3, true); }),
            "p.txt: line 1: expected 6 fields 'class cx cy w h score', got 5 fields");
  EXPECT_EQ(error([] { parse_yolo_labels("1.0 0.5 0.5 0.2 0.1\n", "l.txt", 3, false); }),
            "l.txt: line 1: expected a class index (a non-negative integer), got '1.0'");
  EXPECT_EQ(error([] { parse_yolo_labels("1 0.5 nan 0.2 0.1\n", "l.txt", 3, false); }),
            "l.txt: line 1: expected a finite number for cy, got 'nan'");
  EXPECT_EQ(error([] { parse_yolo_labels("1 0.5 0.5 -0.2 0.1\n", "l.txt", 3, false); }),
            "l.txt: line 1: expected a width and height >= 0, got '-0.2' '0.1'");
  EXPECT_EQ(parse_yolo_names("cat\r\ndog\n\n", "n.txt"), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(error([] { parse_yolo_names("cat\n\ndog\n", "n.txt"); }),
            "n.txt: line 2: expected a class name (line k names class k - 1), got an empty line");
  EXPECT_EQ(error([] { parse_yolo_names("cat\ndog\ncat\n", "n.txt"); }),
            "n.txt: line 3: expected each class name once, got 'cat' again (first on line 1)");
}

// ---- bad input: non-zero exit, a located message, nothing written ----

/// Nothing but `keep` in `dir` (no output, no temporary files left behind).
void expect_only(const fs::path& dir, std::set<std::string> keep) {
  std::set<std::string> found;
  for (const auto& e : fs::directory_iterator(dir)) found.insert(e.path().filename().string());
  EXPECT_EQ(found, keep);
}

struct YoloFixture {
  test::TempDir tmp;
  YoloFixture() {
    test::spit(tmp / "sizes.json", R"({"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50},
      {"id": 2, "file_name": "b.png", "width": 10, "height": 10}], "categories": []})");
    test::spit(tmp / "classes.txt", "cat\ndog\n");
    fs::create_directories(tmp / "labels");
    test::spit(tmp / "labels/a.txt", "0 0.5 0.5 0.2 0.2\n1 0.25 0.5 0.1 0.1\n");
  }
  std::string args(const std::string& extra = "") const {
    return "--from yolo --names " + q(tmp / "classes.txt") + " --labels " + q(tmp / "labels") + extra;
  }
};

TEST_F(Convert, YoloWithoutSizesIsRefused) {
  YoloFixture y;
  auto r = convert(y.args(" --to coco --out-gt " + q(y.tmp / "gt.json")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--sizes"), std::string::npos) << r.err;

  // To YOLO from COCO without width/height: the image is named, nothing is written.
  test::spit(y.tmp / "gt.json", R"({"images": [{"id": 4, "file_name": "x.jpg"}], "categories": [{"id": 1, "name": "cat"}],
    "annotations": [{"id": 1, "image_id": 4, "category_id": 1, "bbox": [1, 2, 3, 4]}]})");
  r = convert("--from coco --to yolo --gt " + q(y.tmp / "gt.json") + " --out-dir " + q(y.tmp / "out"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("gt.json: image 4: expected the image size"), std::string::npos) << r.err;
  expect_only(y.tmp.path(), {"sizes.json", "classes.txt", "labels", "gt.json"});
  // ... and with --sizes it converts.
  test::spit(y.tmp / "s.json", R"({"images": [{"id": 9, "file_name": "x.png", "width": 10, "height": 20}], "categories": []})");
  r = convert("--from coco --to yolo --gt " + q(y.tmp / "gt.json") + " --sizes " + q(y.tmp / "s.json") +
              " --out-dir " + q(y.tmp / "out"));
  ASSERT_RUN_OK(r);
  EXPECT_EQ(test::slurp(y.tmp / "out/labels/x.txt"), "0 0.25 0.2 0.3 0.2\n");
}

TEST_F(Convert, BadYoloLinesNameFileAndLine) {
  YoloFixture y;
  const std::string out = " --to voc --sizes " + q(y.tmp / "sizes.json") + " --out-dir " + q(y.tmp / "voc");
  ASSERT_RUN_OK(convert(y.args(out)));
  fs::remove_all(y.tmp / "voc");

  test::spit(y.tmp / "labels/b.txt", "0 0.5 0.5 0.2 0.2\n\n2 0.5 0.5 0.2 0.2\n");  // class 2 of 2 names
  auto r = convert(y.args(out));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("labels/b.txt: line 3: expected a class index below 2 (the number of class names), got '2'"),
            std::string::npos)
      << r.err;
  expect_only(y.tmp.path(), {"sizes.json", "classes.txt", "labels"});

  test::spit(y.tmp / "labels/b.txt", "0 0.5 0.5 0.2\n");
  r = convert(y.args(out));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("labels/b.txt: line 1: expected 5 fields 'class cx cy w h', got 4 fields"), std::string::npos)
      << r.err;
  test::spit(y.tmp / "labels/b.txt", "0 0.5 x 0.2 0.1\n");
  r = convert(y.args(" --to coco --sizes " + q(y.tmp / "sizes.json") + " --out-gt " + q(y.tmp / "gt.json")));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("labels/b.txt: line 1: expected a number for cy, got 'x'"), std::string::npos) << r.err;
  expect_only(y.tmp.path(), {"sizes.json", "classes.txt", "labels"});
}

TEST_F(Convert, UnknownClassNameAgainstSizesCategories) {
  YoloFixture y;
  test::spit(y.tmp / "sizes.json", R"({"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
    "categories": [{"id": 5, "name": "cat"}, {"id": 6, "name": "horse"}]})");
  const auto r = convert(y.args(" --to coco --sizes " + q(y.tmp / "sizes.json") + " --out-gt " + q(y.tmp / "gt.json")));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("classes.txt: line 2: expected a category name of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("got 'dog'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(y.tmp / "gt.json"));
}

TEST_F(Convert, BoxesUnderOnePixelCannotBeVoc) {
  test::TempDir tmp;
  test::spit(tmp / "gt.json", R"({"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "cat"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 5, 5]},
                    {"id": 2, "image_id": 1, "category_id": 1, "bbox": [10, 10, 0.5, 5]}]})");
  const auto r = convert("--from coco --to voc --gt " + q(tmp / "gt.json") + " --out-dir " + q(tmp / "voc"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("gt.json: annotations[1]: expected a box at least 1 pixel wide and high for VOC's inclusive "
                       "corners (xmax = x + w >= xmin = x + 1), got width 0.5, height 5"),
            std::string::npos)
      << r.err;
  expect_only(tmp.path(), {"gt.json"});
}

TEST_F(Convert, OutputDirectoryMustBeNewAndIsWrittenWhole) {
  test::TempDir tmp;
  fs::create_directories(tmp / "voc");
  test::spit(tmp / "voc/keep.txt", "mine");
  const fs::path gt = test::fixture("coco/basic_mixed_sizes/gt.json");
  auto r = convert("--from coco --to voc --gt " + q(gt) + " --out-dir " + q(tmp / "voc"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("exists and is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(test::slurp(tmp / "voc/keep.txt"), "mine");
  // An empty directory is fine, and so are missing parents.
  fs::remove(tmp / "voc/keep.txt");
  ASSERT_RUN_OK(convert("--from coco --to voc --gt " + q(gt) + " --out-dir " + q(tmp / "voc")));
  ASSERT_RUN_OK(convert("--from coco --to voc --gt " + q(gt) + " --out-dir " + q(tmp / "a/b/voc")));
  EXPECT_TRUE(fs::exists(tmp / "a/b/voc/ImageSets/Main/test.txt"));
  expect_only(tmp / "a/b", {"voc"});
}

TEST_F(Convert, OptionsThatDoNotFitAreRefused) {
  const std::string gt = q(test::fixture("coco/basic_mixed_sizes/gt.json"));
  for (const std::string& args : std::vector<std::string>{
           "--from coco --to coco --gt " + gt + " --out-gt x.json", "--from coco --to voc --gt " + gt + " --out-gt x.json",
        "--from coco --to voc --gt " + gt + " --dets 'a_{class}.txt' --out-dir x",
        "--from coco --to coco --gt " + gt, "--from coco --to yolo --gt " + gt,
        "--from coco --to coco2 --gt " + gt + " --out-gt x.json", "--from voc --to coco --out-gt x.json",
        "--from coco --to coco --gt " + gt + " --out-dt x.json",
        "--from coco --to voc --gt " + gt + " --out-dt x.json", "--from yolo --to coco --out-gt x.json",
        "--from coco --to coco --gt " + gt + " --out-dt x.json"}) {
    const auto r = convert(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  }
}

}  // namespace
}  // namespace deteval

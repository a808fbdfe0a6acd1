// Bad VOC inputs: each kind fails with an InputError (or IoError) naming file and line,
// and nothing crashes on binary or truncated files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/voc.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

const std::string kGood = R"(<annotation>
	<filename>a.jpg</filename>
	<size><width>100</width><height>80</height><depth>3</depth></size>
	<object>
		<name>dog</name>
		<pose>Left</pose>
		<truncated>1</truncated>
		<difficult>0</difficult>
		<bndbox>
			<xmin>10</xmin>
			<ymin>20</ymin>
			<xmax>30</xmax>
			<ymax>40</ymax>
		</bndbox>
	</object>
</annotation>
)";

// The message of the InputError `f` throws ("" when it does not throw one).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string xml_error(const std::string& text) {
  return input_error([&] { parse_voc_annotation(text, "a.xml"); });
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(VocAnnotationRead, GoodFile) {
  const VocAnnotation a = parse_voc_annotation(kGood, "a.xml");
  EXPECT_EQ(a.filename, "a.jpg");
  EXPECT_EQ(a.width, 100);
  EXPECT_EQ(a.height, 80);
  ASSERT_EQ(a.objects.size(), 1u);
  EXPECT_EQ(a.objects[0].name, "dog");
  EXPECT_EQ(a.objects[0].pose, "Left");
  EXPECT_TRUE(a.objects[0].truncated);
  EXPECT_FALSE(a.objects[0].difficult);
  EXPECT_EQ(a.objects[0].box, (VocBox{10, 20, 30, 40}));
  EXPECT_EQ(a.objects[0].line, 4u);
}

TEST(VocAnnotationRead, LenientWhereTheReferenceIsStrictButTheMeaningIsClear) {
  // No pose/truncated/difficult, no size, decimal coordinates, spaces, entities, comments,
  // attributes, a prolog and a <part> whose bndbox is not an object.
  const std::string text = R"(<?xml version="1.0" encoding="utf-8"?>
<!-- made by hand -->
<annotation verified="yes">
  <object>
    <name> potted&#32;plant </name>
    <bndbox><xmin> 1.5 </xmin><ymin>2</ymin><xmax>3.25</xmax><ymax><![CDATA[4]]></ymax></bndbox>
    <part><name>head</name><bndbox><xmin>9</xmin><ymin>9</ymin><xmax>1</xmax><ymax>1</ymax></bndbox></part>
  </object>
  <object><name>cat</name><difficult>1</difficult><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>
</annotation>
)";
  const VocAnnotation a = parse_voc_annotation(text, "a.xml");
  ASSERT_EQ(a.objects.size(), 2u);
  EXPECT_EQ(a.objects[0].name, "potted plant");
  EXPECT_FALSE(a.objects[0].difficult);
  EXPECT_EQ(a.objects[0].box, (VocBox{1.5, 2, 3.25, 4}));
  EXPECT_TRUE(a.objects[1].difficult);
  EXPECT_EQ(a.width, 0);
}

TEST(VocAnnotationErrors, MalformedXmlNamesFileAndLine) {
  EXPECT_EQ(xml_error(replace(kGood, "</bndbox>", "</bnbox>")),
            "a.xml: line 14: expected </bndbox> closing <bndbox> from line 9, got </bnbox>");
  EXPECT_EQ(xml_error(replace(kGood, "<xmin>10</xmin>", "<xmin>10</xmin")),
            "a.xml: line 11: expected '>' ending </xmin>, got '<'");
  EXPECT_EQ(xml_error(replace(kGood, "<name>dog</name>", "<name>d&g</name>")).rfind("a.xml: line 5: expected an entity", 0),
            0u);
  EXPECT_EQ(xml_error(""), "a.xml: line 1: expected an XML root element, got end of file");
  EXPECT_EQ(xml_error("not xml"), "a.xml: line 1: expected '<' starting the root element, got 'n'");
  EXPECT_EQ(xml_error(kGood + "<extra/>"), "a.xml: line 17: expected end of file after the root element </annotation>, got '<'");
  EXPECT_EQ(xml_error("<a>\n<!-- open"), "a.xml: line 2: expected '-->' closing the comment opened on line 2, got end of file");
}

TEST(VocAnnotationErrors, MissingFields) {
  EXPECT_EQ(xml_error(replace(kGood, "<name>dog</name>", "")),
            "a.xml: line 4: expected a <name> element in <object>, got none");
  EXPECT_EQ(xml_error(replace(kGood, "<name>dog</name>", "<name> </name>")),
            "a.xml: line 5: expected an object name in <name>, got ''");
  EXPECT_EQ(xml_error(replace(kGood, "<ymax>40</ymax>", "")),
            "a.xml: line 9: expected a <ymax> element in <bndbox>, got none");
  const std::string no_box = replace(replace(replace(replace(replace(replace(kGood, "<bndbox>", ""), "</bndbox>", ""),
                                                             "<xmin>10</xmin>", ""),
                                                     "<ymin>20</ymin>", ""),
                                             "<xmax>30</xmax>", ""),
                                     "<ymax>40</ymax>", "");
  EXPECT_EQ(xml_error(no_box), "a.xml: line 4: expected a <bndbox> element in <object>, got none");
}

TEST(VocAnnotationErrors, BadNumbers) {
  EXPECT_EQ(xml_error(replace(kGood, "<xmin>10</xmin>", "<xmin>ten</xmin>")),
            "a.xml: line 10: expected a number in <xmin>, got 'ten'");
  EXPECT_EQ(xml_error(replace(kGood, "<ymin>20</ymin>", "<ymin>nan</ymin>")),
            "a.xml: line 11: expected a finite number in <ymin>, got 'nan'");
  EXPECT_EQ(xml_error(replace(kGood, "<xmax>30</xmax>", "<xmax>3</xmax>")),
            "a.xml: line 9: expected xmin <= xmax in <bndbox>, got xmin 10, xmax 3");
  EXPECT_EQ(xml_error(replace(kGood, "<ymax>40</ymax>", "<ymax>19</ymax>")),
            "a.xml: line 9: expected ymin <= ymax in <bndbox>, got ymin 20, ymax 19");
  EXPECT_EQ(xml_error(replace(kGood, "<difficult>0</difficult>", "<difficult>yes</difficult>")),
            "a.xml: line 8: expected an integer (0 or 1) in <difficult>, got 'yes'");
  EXPECT_EQ(xml_error(replace(kGood, "<width>100</width>", "<width>-1</width>")),
            "a.xml: line 3: expected a non-negative integer in <width>, got '-1'");
}

TEST(VocAnnotationErrors, BinaryAndTruncatedInputNeverCrash) {
  EXPECT_EQ(xml_error("<a>\n\x00\x01"s),
            "a.xml: line 2: expected XML text, got byte 0x00 (not a text file?)");
  // Every prefix of a good file is either valid or an InputError.
  for (std::size_t n = 0; n < kGood.size(); ++n) {
    const std::string prefix = kGood.substr(0, n);
    try {
      parse_voc_annotation(prefix, "a.xml");
    } catch (const InputError&) {
    }
  }
  // Random bytes and random mutations of a good file.
  std::mt19937 rng(42);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string s = kGood;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) s[rng() % s.size()] = static_cast<char>("<>/&;!?[]\"'= ax0\n"[rng() % 17]);
    if (trial % 4 == 0)
      for (auto& c : s) c = static_cast<char>(rng());
    try {
      parse_voc_annotation(s, "a.xml");
    } catch (const InputError&) {
    }
  }
  // Deep nesting is refused, not a stack overflow.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_NE(xml_error(deep).find("nested elements"), std::string::npos);
}

VocImageSet three_images() { return parse_voc_image_set("000001\n000002\r\n\n2008_000003\n", "test.txt"); }

TEST(VocImageSetRead, IdsAreStringsInFileOrder) {
  const VocImageSet s = three_images();
  EXPECT_EQ(s.ids, (std::vector<std::string>{"000001", "000002", "2008_000003"}));
  EXPECT_EQ(s.index.at("2008_000003"), 2u);
}

TEST(VocImageSetRead, Errors) {
  auto err = [](const std::string& t) { return input_error([&] { parse_voc_image_set(t, "test.txt"); }); };
  EXPECT_EQ(err("a\nb\na\n"), "test.txt: line 3: expected each image id once, got 'a' again (first on line 1)");
  EXPECT_EQ(err("a 1\n"), "test.txt: line 1: expected one image id per line, got 'a 1'");
}

std::string det_error(const std::string& text) {
  return input_error([&] {
    VocClassData c;
    parse_voc_detections(text, "dets.txt", three_images(), c);
  });
}

TEST(VocDetectionsRead, GoodLines) {
  VocClassData c;
  parse_voc_detections("000002 0.5 1 2 3 4\n2008_000003\t-1e-3  +1.5 2. .5 30.123456\r\n\n", "dets.txt",
                       three_images(), c);
  EXPECT_EQ(c.det_image, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(c.det_score, (std::vector<double>{0.5, -1e-3}));
  EXPECT_EQ(c.det_box[1], (VocBox{1.5, 2, 0.5, 30.123456}));
}

TEST(VocDetectionsRead, Errors) {
  EXPECT_EQ(det_error("000001 0.5 1 2 3 4\n000001 0.5 1 2 3\n"),
            "dets.txt: line 2: expected 6 fields '<image_id> <score> <xmin> <ymin> <xmax> <ymax>', got 5 fields");
  EXPECT_EQ(det_error("000001 0.5 1 2 3 4 5\n"),
            "dets.txt: line 1: expected 6 fields '<image_id> <score> <xmin> <ymin> <xmax> <ymax>', got 7 fields");
  EXPECT_EQ(det_error("1 0.5 1 2 3 4\n"), "dets.txt: line 1: expected an image id listed in test.txt, got '1'");
  EXPECT_EQ(det_error("000001 high 1 2 3 4\n"), "dets.txt: line 1: expected a number for the score, got 'high'");
  EXPECT_EQ(det_error("000001 0.5 1 2 3,5 4\n"), "dets.txt: line 1: expected a number for the xmax, got '3,5'");
  EXPECT_EQ(det_error("000001 nan 1 2 3 4\n"), "dets.txt: line 1: expected a finite number for the score, got 'nan'");
  EXPECT_EQ(det_error("000001 0.5 1 2 3 +-4\n"), "dets.txt: line 1: expected a number for the ymax, got '+-4'");
  EXPECT_EQ(det_error("\x7f\x45LF\x02\x01\x01\x00\x00 0 0 0 0 0\n"s),
            "dets.txt: line 1: expected an image id listed in test.txt, got '\\x7FELF\\x02\\x01\\x01\\x00\\x00'");
}

// load_voc over files: errors carry the real paths, the first bad file in list order wins.
class VocFiles : public ::testing::Test {
 protected:
  test::TempDir tmp;
  fs::path dir = tmp.path();
  void SetUp() override {
    fs::create_directories(dir / "Annotations");
    fs::create_directories(dir / "results");
    write("test.txt", "a\nb\n");
    write("Annotations/a.xml", kGood);
    write("Annotations/b.xml", kGood);
    write("results/det_dog.txt", "a 0.9 10 20 30 40\n");
  }
  void write(const std::string& rel, const std::string& text) { write_file_atomic((dir / rel).string(), text); }
  VocPaths paths(std::vector<std::string> classes = {}) const {
    return {(dir / "Annotations").string(), (dir / "test.txt").string(), (dir / "results/det_{class}.txt").string(),
            std::move(classes)};
  }
};

TEST_F(VocFiles, LoadsAndEvaluates) {
  const VocInput in = load_voc(paths());
  ASSERT_EQ(in.dataset.classes.size(), 1u);
  const VocResult r = voc_evaluate(in.dataset);
  EXPECT_EQ(r.classes[0].npos, 2u);
  EXPECT_EQ(r.classes[0].tp, 1u);
  EXPECT_EQ(r.map_area, 0.5);
}

TEST_F(VocFiles, FirstBadAnnotationInListOrderIsReported) {
  write("Annotations/a.xml", replace(kGood, "<xmin>10</xmin>", "<xmin>x</xmin>"));
  write("Annotations/b.xml", "<annotation>");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(input_error([&] { load_voc(paths()); }),
              (dir / "Annotations/a.xml").string() + ": line 10: expected a number in <xmin>, got 'x'");
}

TEST_F(VocFiles, MissingAnnotationIsAnIoError) {
  fs::remove(dir / "Annotations/b.xml");
  EXPECT_THROW(load_voc(paths()), IoError);
}

TEST_F(VocFiles, UnknownImageInDetections) {
  write("results/det_dog.txt", "a 0.9 10 20 30 40\nc 0.5 1 1 2 2\n");
  EXPECT_EQ(input_error([&] { load_voc(paths()); }),
            (dir / "results/det_dog.txt").string() + ": line 2: expected an image id listed in " +
                (dir / "test.txt").string() + ", got 'c'");
}

TEST_F(VocFiles, NoDetectionFileAtAllIsAnError) {
  VocPaths p = paths({"dog", "cat"});
  p.detections = (dir / "results/comp4_{class}.txt").string();
  EXPECT_THROW(load_voc(p), IoError);
  p.detections = (dir / "results/det_dog.txt").string();
  EXPECT_THROW(load_voc(p), UsageError);  // no {class}
}

TEST_F(VocFiles, BinaryFilesFailCleanly) {
  std::string bin(4096, '\0');
  std::mt19937 rng(7);
  for (auto& c : bin) c = static_cast<char>(rng());
  write("results/det_dog.txt", bin);
  EXPECT_NE(input_error([&] { load_voc(paths()); }), "");
  write("results/det_dog.txt", "");
  write("Annotations/b.xml", bin);
  EXPECT_NE(input_error([&] { load_voc(paths()); }), "");
  write("Annotations/b.xml", kGood);
  write("test.txt", bin);
  EXPECT_THROW(load_voc(paths()), Error);
}

}  // namespace
}  // namespace deteval

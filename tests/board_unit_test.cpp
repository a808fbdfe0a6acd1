// Board building blocks: SHA-256 against the FIPS 180-4 / NIST vectors, ISO-8601
// times, grade scales, CSV/HTML escaping and the label rules for ids and names.
#include <gtest/gtest.h>

#include <string>

#include "deteval/board/board.hpp"
#include "deteval/board/render.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::board {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ChunkingDoesNotMatter) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>(i * 7 + 3);
  const std::string whole = sha256_hex(data);
  for (std::size_t step : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u}) {
    Sha256 s;
    for (std::size_t i = 0; i < data.size(); i += step) s.update(data.data() + i, std::min(step, data.size() - i));
    const auto d = s.finish();
    std::string hex;
    for (auto b : d) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", b);
      hex += buf;
    }
    EXPECT_EQ(hex, whole) << "step " << step;
  }
}

TEST(Time, ParsesIso8601) {
  EXPECT_EQ(parse_iso8601("1970-01-01"), 0);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_iso8601("2000-03-01T00:00:00.250Z"), 951868800250);
  EXPECT_EQ(parse_iso8601("2025-03-01T12:00+02:00"), parse_iso8601("2025-03-01T10:00Z"));
  EXPECT_EQ(parse_iso8601("2025-03-01 10:00:00-0130"), parse_iso8601("2025-03-01T11:30:00Z"));
  EXPECT_EQ(parse_iso8601("2024-02-29T23:59:59"), parse_iso8601("2024-03-01T00:00:00Z").value() - 1000);
  for (const char* bad : {"", "2025", "2025-13-01", "2025-02-29", "2025-01-01T24:00", "2025-01-01T10", "tomorrow",
                          "2025-01-01T10:00Zx", "2025-01-01T10:00:00."})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
}

TEST(Time, FormatsUtcSeconds) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(951868800250), "2000-03-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(parse_iso8601("2031-12-31T23:59:59Z").value()), "2031-12-31T23:59:59Z");
}

TEST(Grades, ParsesScaleHighestFirst) {
  const auto s = parse_grade_scale("pass:40,excellent:80,good:60");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].label, "excellent");
  EXPECT_EQ(s[2].min_percent, 40);
  EXPECT_THROW(parse_grade_scale("good"), UsageError);
  EXPECT_THROW(parse_grade_scale("good:120"), UsageError);
  EXPECT_THROW(parse_grade_scale("good:x"), UsageError);
}

TEST(Render, EscapesCsvAndHtml) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("Doe, Jane"), "\"Doe, Jane\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("=cmd()"), "\"'=cmd()\"");
  EXPECT_EQ(html_escape("<b>&'\""), "&lt;b&gt;&amp;&#39;&quot;");
}

TEST(Labels, IdsAndNamesAreBoundedUtf8WithoutControls) {
  EXPECT_NO_THROW(check_label("alice", "user"));
  EXPECT_NO_THROW(check_label("Zoë Ångström 李", "name"));
  EXPECT_NO_THROW(check_label("x'; DROP TABLE users; --", "user"));  // data, not SQL
  EXPECT_THROW(check_label("", "user"), UsageError);
  EXPECT_THROW(check_label(std::string(257, 'a'), "user"), UsageError);
  EXPECT_THROW(check_label("a\nb", "user"), UsageError);
  EXPECT_THROW(check_label("\xff\xfe", "user"), UsageError);
}

TEST(Metrics, Names) {
  EXPECT_EQ(parse_metric("voc07"), Metric::voc07);
  EXPECT_EQ(std::string(to_string(parse_metric("voc12"))), "voc12");
  EXPECT_EQ(parse_metric("coco-segm"), Metric::coco_segm);
  try {
    parse_metric("coco");
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.parameter(), "metric");
    EXPECT_EQ(std::string(e.what()), "metric: expected coco-bbox, coco-segm, voc07 or voc12, got 'coco'");
  }
}

}  // namespace
}  // namespace deteval::board

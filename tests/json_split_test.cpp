// Cutting a JSON array into independently parsed parts (formats/src/json_split.hpp).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "json_split.hpp"

namespace deteval::detail {
namespace {

// Appends the array's elements, minified; false when the text is not a valid array.
// (simdjson's DOM parser validates all of it, and copies the text: a part's padding is not its own.)
bool elements(const char* data, std::size_t length, std::vector<std::string>& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(data, length, true).get(root)) return false;
  simdjson::dom::array arr;
  if (root.get_array().get(arr)) return false;
  for (simdjson::dom::element e : arr) out.push_back(simdjson::minify(e));
  return true;
}

// Arrays of results-like objects, some with strings and nested values that contain the
// very bytes a cut looks for.
std::string make_array(std::mt19937& rng, int n, bool compact) {
  const char* sep = compact ? "," : ", ";
  std::string s = compact ? "[" : "[\n  ";
  for (int i = 0; i < n; ++i) {
    if (i) s += compact ? "," : (rng() % 2 ? ", " : ",\n  ");
    s += "{\"image_id\":" + std::to_string(i) + sep + "\"score\":0." + std::to_string(rng() % 1000);
    switch (rng() % 4) {
      case 0: s += std::string(sep) + "\"note\":\"},{\""; break;                    // a cut inside a string
      case 1: s += std::string(sep) + "\"extra\":[{\"a\":1}" + sep + "{\"b\":2}]"; break;  // a nested cut
      case 2: s += std::string(sep) + "\"q\":\"say \\\"}, {\\\" twice\""; break;     // escaped quotes around it
      default: break;
    }
    s += "}";
  }
  s += compact ? "]" : "\n]\n";
  return s;
}

TEST(ArraySplit, PartsHoldTheElementsInOrderAndRestoreGivesTheTextBack) {
  std::mt19937 rng(7);
  int cut_somewhere = 0, cut_inside = 0;
  for (int round = 0; round < 200; ++round) {
    const bool compact = round % 2 == 0;
    const std::string text = make_array(rng, 1 + static_cast<int>(rng() % 40), compact);
    std::vector<std::string> whole;
    ASSERT_TRUE(elements(text.data(), text.size(), whole)) << text;
    for (std::size_t parts : {1u, 2u, 3u, 5u, 16u}) {
      JsonBuffer buffer(text);
      ArraySplit split(buffer, parts);
      ASSERT_GE(split.size(), 1u);
      ASSERT_LE(split.size(), parts);
      std::vector<std::string> joined;
      bool all = true;
      for (std::size_t i = 0; i < split.size(); ++i) {
        ASSERT_GE(split.capacity(i), split.length(i) + simdjson::SIMDJSON_PADDING);
        all = all && elements(split.data(i), split.length(i), joined);
      }
      // A cut between elements gives the same elements; one inside a value must fail.
      if (all) {
        EXPECT_EQ(joined, whole) << text;
        cut_somewhere += split.size() > 1;
      } else {
        ++cut_inside;
      }
      split.restore();
      EXPECT_EQ(buffer.view(), text);
    }
  }
  EXPECT_GT(cut_somewhere, 50);  // both kinds of cut were tried
  EXPECT_GT(cut_inside, 50);
}

TEST(ArraySplit, ShiftedCompactCutsStayWithinTheSlack) {
  std::string text = "[";
  for (int i = 0; i < 2000; ++i) text += std::string(i ? "," : "") + "{\"a\":" + std::to_string(i) + "}";
  text += "]";
  JsonBuffer buffer(text);
  ArraySplit split(buffer, 1000);  // more cuts than the slack allows shifts
  EXPECT_EQ(split.size(), JsonBuffer::kSlack + 1);
  std::vector<std::string> joined, whole;
  for (std::size_t i = 0; i < split.size(); ++i)
    ASSERT_TRUE(elements(split.data(i), split.length(i), joined));
  ASSERT_TRUE(elements(text.data(), text.size(), whole));
  EXPECT_EQ(joined, whole);
  split.restore();
  EXPECT_EQ(buffer.view(), text);
}

TEST(ArraySplit, LeavesWhatIsNotAnArrayWhole) {
  for (const char* text : {"", "   ", "{\"a\":[{},{}]}", "[{},{}", "{},{}]", "[]", "[1,2,3]", "  [ {} ]  "}) {
    JsonBuffer buffer{std::string_view(text)};
    ArraySplit split(buffer, 4);
    EXPECT_EQ(split.size(), 1u) << text;
    EXPECT_EQ(split.length(0), std::string_view(text).size());
    EXPECT_EQ(buffer.view(), text);
  }
}

}  // namespace
}  // namespace deteval::detail

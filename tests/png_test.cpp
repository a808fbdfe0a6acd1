// The PNG reader keeps label values raw at every bit depth, and locates bad files.
#include "deteval/formats/png.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>

#include "deteval/formats/error.hpp"
#include "png_fast.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

PngImage random_image(int w, int h, int channels, int depth, unsigned seed) {
  PngImage im;
  im.width = w;
  im.height = h;
  im.channels = channels;
  im.bit_depth = depth;
  im.data.resize(im.pixels() * std::size_t(channels) * std::size_t(depth / 8));
  std::mt19937 rng(seed);
  for (auto& b : im.data) b = std::uint8_t(rng());
  return im;
}

TEST(Png, RoundTripsEveryLayoutAndDepth) {
  for (int depth : {8, 16})
    for (int channels = 1; channels <= 4; ++channels) {
      const PngImage in = random_image(37, 11, channels, depth, unsigned(depth * 10 + channels));
      const std::string bytes = encode_png(in);
      const PngImage out = decode_png(bytes.data(), bytes.size(), "x.png");
      EXPECT_EQ(out.width, 37);
      EXPECT_EQ(out.height, 11);
      EXPECT_EQ(out.channels, channels);
      EXPECT_EQ(out.bit_depth, depth);
      EXPECT_FALSE(out.palette);
      EXPECT_EQ(out.data, in.data) << depth << "-bit, " << channels << " channels";
    }
}

TEST(Png, SixteenBitSamplesReadAsNumbers) {
  PngImage in;
  in.width = 3;
  in.height = 1;
  in.channels = 1;
  in.bit_depth = 16;
  const std::uint16_t values[] = {0, 26001, 65535};  // Cityscapes instance ids exceed 255
  in.data.resize(6);
  std::memcpy(in.data.data(), values, 6);
  const std::string bytes = encode_png(in);
  const PngImage out = decode_png(bytes.data(), bytes.size(), "ids.png");
  EXPECT_EQ(out.sample(0), 0u);
  EXPECT_EQ(out.sample(1), 26001u);
  EXPECT_EQ(out.sample(2), 65535u);
}

TEST(Png, BadBytesAreLocatedInputErrors) {
  const std::string not_png = "GIF89a.....";
  try {
    decode_png(not_png.data(), not_png.size(), "pred/a.png");
    FAIL() << "accepted a non-PNG";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "pred/a.png: not a valid PNG: no PNG signature");
  }
  const PngImage in = random_image(64, 64, 3, 8, 7);
  const std::string bytes = encode_png(in);
  const std::string cut = bytes.substr(0, bytes.size() / 2);
  try {
    decode_png(cut.data(), cut.size(), "gt/b.png");
    FAIL() << "accepted a truncated PNG";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("gt/b.png: not a valid PNG: ", 0), 0u) << e.what();
  }
}

// The libdeflate path (formats/src/png_fast.cpp) gives libpng's samples, and declines what
// it does not handle, so that libpng decodes or reports it.
void expect_same_as_libpng(const std::string& bytes, const std::string& what) {
  PngImage fast;
  ASSERT_TRUE(detail::decode_png_fast(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), fast)) << what;
  const PngImage slow = detail::decode_png_libpng(bytes.data(), bytes.size(), what);
  EXPECT_EQ(fast.width, slow.width) << what;
  EXPECT_EQ(fast.height, slow.height) << what;
  EXPECT_EQ(fast.channels, slow.channels) << what;
  EXPECT_EQ(fast.bit_depth, slow.bit_depth) << what;
  EXPECT_EQ(fast.palette, slow.palette) << what;
  EXPECT_EQ(fast.data, slow.data) << what;
}

TEST(Png, FastPathEqualsLibpng) {
  // Random samples make libpng's writer pick every filter type; label-like images the runs.
  for (int depth : {8, 16})
    for (int channels = 1; channels <= 4; ++channels) {
      expect_same_as_libpng(encode_png(random_image(53, 17, channels, depth, unsigned(depth + channels))), "random");
      PngImage runs = random_image(301, 9, channels, depth, 3);
      for (std::size_t i = 0; i < runs.data.size(); ++i) runs.data[i] = std::uint8_t((i / 97) * 7);
      expect_same_as_libpng(encode_png(runs), "runs");
    }
  // Every PNG of the semantic fixtures (PIL's writer: label ids, 16-bit instance ids, RGB).
  std::size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::fixture("semantic")))
    if (e.path().extension() == ".png") {
      expect_same_as_libpng(test::slurp(e.path()), e.path().string());
      ++n;
    }
  EXPECT_GT(n, 50u);
}

TEST(Png, FastPathDeclinesDamagedFilesAndLibpngReportsThem) {
  const std::string good = encode_png(random_image(40, 30, 1, 8, 11));
  // A flipped byte inside the image data: the chunk's CRC no longer matches.
  const std::size_t idat = good.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  std::string bad = good;
  bad[idat + 10] = char(bad[idat + 10] ^ 0x55);
  PngImage out;
  EXPECT_FALSE(detail::decode_png_fast(reinterpret_cast<const unsigned char*>(bad.data()), bad.size(), out));
  EXPECT_THROW(decode_png(bad.data(), bad.size(), "x.png"), InputError);
  // Cut before IEND: declined; libpng decides (it has all rows, so it may accept them).
  const std::string cut = good.substr(0, good.find("IEND") - 4);
  EXPECT_FALSE(detail::decode_png_fast(reinterpret_cast<const unsigned char*>(cut.data()), cut.size(), out));
}

TEST(Png, MissingFileIsAnIoError) {
  EXPECT_THROW(read_png("fixtures/does-not-exist.png"), IoError);
}

}  // namespace
}  // namespace deteval

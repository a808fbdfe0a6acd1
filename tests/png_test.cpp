// The PNG reader keeps label values raw at every bit depth, and locates bad files.
#include "deteval/formats/png.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>

#include "deteval/formats/error.hpp"

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

TEST(Png, MissingFileIsAnIoError) {
  EXPECT_THROW(read_png("fixtures/does-not-exist.png"), IoError);
}

}  // namespace
}  // namespace deteval

// libdeflate's path for PNG decoding (internal to formats/; png.cpp tries it first, the
// panoptic reader counts pixels straight from its scanlines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "deteval/formats/png.hpp"

struct libdeflate_decompressor;

namespace deteval::detail {

/// Buffers of inflate_png, kept between images (one per thread).
struct InflateScratch {
  struct FreeDecompressor {
    void operator()(libdeflate_decompressor* d) const;
  };
  std::unique_ptr<libdeflate_decompressor, FreeDecompressor> decompressor;
  std::unique_ptr<unsigned char[]> buffer;
  std::size_t capacity = 0;
  std::string idat;  // the IDAT chunks joined, when there are several
};

/// A PNG's scanlines as stored: `height` rows, each a filter-type byte and `row_bytes`
/// filtered bytes, in the scratch's buffer (valid until its next use).
struct PngScanlines {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0;   ///< 8 or 16
  int color_type = 0;  ///< PNG's: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
  int channels = 0;
  std::size_t bpp = 0;        ///< bytes per pixel
  std::size_t row_bytes = 0;  ///< bytes per row, without the filter byte
  const unsigned char* rows = nullptr;
};

/// Checks the chunks and inflates the image data when the file has the common shape (8- or
/// 16-bit samples, any colour type, not interlaced, only known critical chunks in order, every
/// CRC and the deflate stream valid; zlib's Adler-32 is not checked, as on libpng's path);
/// false for anything else, which libpng then decodes or reports. The filter bytes are not
/// checked here.
bool inflate_png(const unsigned char* bytes, std::size_t size, InflateScratch& scratch, PngScanlines& out);

/// Reverses one row's filter `type` (0 to 4; false for others) into `out` (`prev`: the
/// previous unfiltered row, or null for the first; it may not be `out`).
bool unfilter_row(int type, const unsigned char* in, const unsigned char* prev, unsigned char* out, std::size_t n,
                  std::size_t bpp);

/// Decodes `bytes` into `image` when inflate_png takes the file and its filter bytes are
/// valid; false otherwise. The samples are those libpng gives (16-bit native-endian).
bool decode_png_fast(const unsigned char* bytes, std::size_t size, PngImage& image);

/// libpng's path alone (what decode_png falls back to); for the tests that hold both equal.
PngImage decode_png_libpng(const void* bytes, std::size_t size, const std::string& name);

}  // namespace deteval::detail

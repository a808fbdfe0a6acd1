// libdeflate's path for PNG decoding (internal to formats/; png.cpp tries it first).
#pragma once

#include <cstddef>
#include <string>

#include "deteval/formats/png.hpp"

namespace deteval::detail {

/// Decodes `bytes` into `image` when the file has the common shape (8- or 16-bit samples,
/// any colour type, not interlaced, only known critical chunks in order, every CRC and the
/// zlib stream valid); returns false for anything else, which libpng then decodes or
/// reports. The samples are those libpng gives (16-bit native-endian).
bool decode_png_fast(const unsigned char* bytes, std::size_t size, PngImage& image);

/// libpng's path alone (what decode_png falls back to); for the tests that hold both equal.
PngImage decode_png_libpng(const void* bytes, std::size_t size, const std::string& name);

}  // namespace deteval::detail

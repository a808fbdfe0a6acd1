// PNG decoding for label maps (semantic labels, instance ids, panoptic RGB ids).
//
// Samples are returned as stored, never colour-converted: palette images give their indices
// (what PIL's `np.array(Image.open(f))` gives for mode "P"), grey images of 1, 2 or 4 bits
// one byte per pixel with the raw value, 16-bit images native-endian 16-bit samples. Gamma,
// transparency chunks and colour profiles are ignored: label maps are numbers, not colours.
// zlib's Adler-32 of the pixel data is not verified: each IDAT chunk's CRC-32 already covers
// the compressed bytes, and the checksum costs as much as the inflation itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deteval {

/// A decoded PNG: `height` rows of `width` pixels of `channels` interleaved samples.
struct PngImage {
  int width = 0;
  int height = 0;
  int channels = 0;      ///< 1 grey or palette, 2 grey + alpha, 3 RGB, 4 RGBA
  int bit_depth = 0;     ///< 8 or 16 bits per sample
  bool palette = false;  ///< samples are palette indices
  /// 8-bit samples when bit_depth is 8; otherwise std::uint16_t samples in native byte order.
  std::vector<std::uint8_t> data;

  std::size_t pixels() const { return std::size_t(width) * std::size_t(height); }
  /// Sample `c` of pixel `i` (row-major), whatever the bit depth.
  std::uint32_t sample(std::size_t i, int c = 0) const {
    const std::size_t k = i * std::size_t(channels) + std::size_t(c);
    if (bit_depth == 8) return data[k];
    std::uint16_t v;
    __builtin_memcpy(&v, data.data() + 2 * k, 2);
    return v;
  }
};

/// Decodes the PNG file at `path`. Throws IoError when it cannot be read and InputError
/// (`path: not a valid PNG: <libpng's reason>`) when its bytes are not a PNG.
PngImage read_png(const std::string& path);

/// Decodes PNG bytes; `name` is used in error messages.
PngImage decode_png(const void* bytes, std::size_t size, const std::string& name);
/// The same into `out`, reusing its buffer (for loops over many images of one size: no new
/// pages to fault in per image).
void decode_png(const void* bytes, std::size_t size, const std::string& name, PngImage& out);

/// read_png into `out`, reusing its buffer: when images of one size are decoded one after
/// another (a dataset's label maps), the samples are not zeroed first and no fresh pages
/// are faulted in. `out` is unspecified after an exception.
void read_png(const std::string& path, PngImage& out);

/// Encodes an 8- or 16-bit image (no palette) as PNG bytes; for tests, fixtures and tools.
std::string encode_png(const PngImage& image);

}  // namespace deteval

// The common PNG shapes decoded with libdeflate: label maps are long runs, which zlib's
// inflate copies a byte at a time (libdeflate inflated a Cityscapes-scale map about 20x
// faster here; bench/RESULTS.md). Anything unusual is declined and takes libpng's path,
// which decodes it or reports the error, so both paths accept the same files and give the
// same samples (tests/png_test.cpp holds them equal).
#include "png_fast.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace deteval::detail {

namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
}

bool little_endian() {
  const std::uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

}  // namespace

void InflateScratch::FreeDecompressor::operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }

// The first `bpp` bytes have no left neighbour; the loops after them have no branch (Up vectorises).
bool unfilter_row(int type, const unsigned char* in, const unsigned char* prev, unsigned char* out, std::size_t n,
                  std::size_t bpp) {
  const std::size_t head = std::min(bpp, n);
  auto u8 = [](int v) { return static_cast<unsigned char>(v); };
  switch (type) {
    case 0:
      std::memcpy(out, in, n);
      return true;
    case 1:
      std::memcpy(out, in, head);
      for (std::size_t i = head; i < n; ++i) out[i] = u8(in[i] + out[i - bpp]);
      return true;
    case 2:
      if (!prev) std::memcpy(out, in, n);
      else
        for (std::size_t i = 0; i < n; ++i) out[i] = u8(in[i] + prev[i]);
      return true;
    case 3:
      if (!prev) {
        std::memcpy(out, in, head);
        for (std::size_t i = head; i < n; ++i) out[i] = u8(in[i] + (out[i - bpp] >> 1));
      } else {
        for (std::size_t i = 0; i < head; ++i) out[i] = u8(in[i] + (prev[i] >> 1));
        for (std::size_t i = head; i < n; ++i) out[i] = u8(in[i] + ((out[i - bpp] + prev[i]) >> 1));
      }
      return true;
    case 4:
      if (!prev) {  // Paeth with no row above is Sub
        std::memcpy(out, in, head);
        for (std::size_t i = head; i < n; ++i) out[i] = u8(in[i] + out[i - bpp]);
      } else {
        for (std::size_t i = 0; i < head; ++i) out[i] = u8(in[i] + prev[i]);
        for (std::size_t i = head; i < n; ++i) out[i] = u8(in[i] + paeth(out[i - bpp], prev[i], prev[i - bpp]));
      }
      return true;
    default:
      return false;
  }
}

bool inflate_png(const unsigned char* p, std::size_t size, InflateScratch& s, PngScanlines& out) {
  static const unsigned char kSignature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
  if (size < 8 + 25 || std::memcmp(p, kSignature, 8) != 0) return false;
  if (!s.decompressor) s.decompressor.reset(libdeflate_alloc_decompressor());
  if (!s.decompressor) return false;
  // Chunks: IHDR first; PLTE (palette images only) before IDAT; consecutive IDATs; IEND.
  // Every CRC must match; an unknown critical chunk declines.
  std::size_t pos = 8;
  std::uint32_t width = 0, height = 0;
  int depth = 0, color = -1;
  bool plte = false, idat_seen = false, idat_done = false, iend = false;
  const unsigned char* idat = nullptr;  // the only IDAT chunk's data, or null: in s.idat
  std::size_t idat_size = 0;
  s.idat.clear();
  for (bool first = true; pos + 12 <= size; first = false) {
    const std::uint32_t len = be32(p + pos);
    if (len > 0x7fffffffu || len > size - pos - 12) return false;
    const std::string_view type(reinterpret_cast<const char*>(p + pos + 4), 4);
    const unsigned char* data = p + pos + 8;
    if (libdeflate_crc32(0, p + pos + 4, len + 4) != be32(data + len)) return false;
    pos += 12 + std::size_t(len);
    if (first != (type == "IHDR")) return false;
    if (type == "IHDR") {
      if (len != 13) return false;
      width = be32(data);
      height = be32(data + 4);
      depth = data[8];
      color = data[9];
      if (data[10] != 0 || data[11] != 0 || data[12] != 0) return false;  // compression, filter, interlace
      if (width == 0 || height == 0 || width > (1u << 16) || height > (1u << 16)) return false;
      if (depth != 8 && !(depth == 16 && color != 3)) return false;
      if (color != 0 && color != 2 && color != 3 && color != 4 && color != 6) return false;
    } else if (type == "PLTE") {
      if (color != 3 || plte || idat_seen || len == 0 || len % 3 != 0 || len > 768) return false;
      plte = true;
    } else if (type == "IDAT") {
      if (idat_done || (color == 3 && !plte)) return false;
      if (idat_seen && idat) {  // a second IDAT: join them
        s.idat.assign(reinterpret_cast<const char*>(idat), idat_size);
        idat = nullptr;
      }
      if (!idat_seen) {
        idat = data;
      } else {
        s.idat.append(reinterpret_cast<const char*>(data), len);
      }
      idat_size += len;
      idat_seen = true;
    } else if (type == "IEND") {
      iend = true;
      break;
    } else if (type[0] >= 'A' && type[0] <= 'Z') {
      return false;  // a critical chunk this path does not know
    }
    if (idat_seen && type != "IDAT") idat_done = true;
  }
  if (!iend || idat_size == 0) return false;
  if (!idat) idat = reinterpret_cast<const unsigned char*>(s.idat.data());

  const int channels = color == 0 || color == 3 ? 1 : color == 4 ? 2 : color == 2 ? 3 : 4;
  const std::size_t bpp = std::size_t(channels) * std::size_t(depth / 8);
  const std::size_t row = std::size_t(width) * bpp, raw_size = std::size_t(height) * (row + 1);
  if (raw_size > s.capacity) {
    s.buffer.reset(new unsigned char[raw_size]);
    s.capacity = raw_size;
  }
  // The zlib wrapper: a 2-byte header (deflate, window <= 32 KB, no preset dictionary), the
  // stream, then the Adler-32 of the samples, not verified (as libpng's path: the chunks' CRCs
  // cover the same bytes, and the sum costs a tenth of the inflation).
  if (idat_size < 6 || (idat[0] & 0x0F) != 8 || (idat[0] >> 4) > 7 || (idat[1] & 0x20) ||
      (unsigned(idat[0]) * 256 + idat[1]) % 31 != 0)
    return false;
  std::size_t got = 0;
  if (libdeflate_deflate_decompress(s.decompressor.get(), idat + 2, idat_size - 6, s.buffer.get(), raw_size, &got) !=
          LIBDEFLATE_SUCCESS ||
      got != raw_size)
    return false;
  out.width = width;
  out.height = height;
  out.bit_depth = depth;
  out.color_type = color;
  out.channels = channels;
  out.bpp = bpp;
  out.row_bytes = row;
  out.rows = s.buffer.get();
  return true;
}

bool decode_png_fast(const unsigned char* p, std::size_t size, PngImage& image) {
  thread_local InflateScratch s;
  PngScanlines png;
  if (!inflate_png(p, size, s, png)) return false;
  const std::size_t row = png.row_bytes;
  image.data.resize(row * png.height);
  unsigned char* out = image.data.data();
  for (std::size_t y = 0; y < png.height; ++y) {
    const unsigned char* in = png.rows + y * (row + 1);
    if (!unfilter_row(in[0], in + 1, y ? out + (y - 1) * row : nullptr, out + y * row, row, png.bpp)) return false;
  }
  if (png.bit_depth == 16 && little_endian())
    for (std::size_t i = 0; i + 1 < image.data.size(); i += 2) {
      const unsigned char hi = out[i];
      out[i] = out[i + 1];
      out[i + 1] = hi;
    }
  image.width = int(png.width);
  image.height = int(png.height);
  image.channels = png.channels;
  image.bit_depth = png.bit_depth;
  image.palette = png.color_type == 3;
  return true;
}

}  // namespace deteval::detail

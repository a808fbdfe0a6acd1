// PNG through libpng's classic API: it reports every libpng error as an InputError
// (longjmp out of the callbacks, then a C++ throw outside them) and keeps samples raw.
#include "deteval/formats/png.hpp"

#include <png.h>

#include <csetjmp>
#include <cstring>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "png_fast.hpp"

namespace deteval {
namespace {

// libpng longjmps on errors; the message is kept here and thrown once back in C++ frames.
struct ErrorState {
  std::string message;
};

void on_error(png_structp png, png_const_charp msg) {
  auto* state = static_cast<ErrorState*>(png_get_error_ptr(png));
  state->message = msg ? msg : "unknown libpng error";
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // ancillary-chunk warnings do not matter for labels

struct MemoryReader {
  const unsigned char* bytes;
  std::size_t size;
  std::size_t pos = 0;
};

void read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<MemoryReader*>(png_get_io_ptr(png));
  if (n > r->size - r->pos) png_error(png, "file ends inside the image data");
  std::memcpy(out, r->bytes + r->pos, n);
  r->pos += n;
}

bool little_endian() {
  const std::uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// Everything between png_create_read_struct and its destruction; false on a libpng error.
// No C++ object with a destructor may be created between setjmp and the last libpng call
// except those owned by the caller (`image`, `rows`), which stay valid across the longjmp.
bool decode(png_structp png, png_infop info, MemoryReader& reader, PngImage& image,
            std::vector<png_bytep>& rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, &reader, read_bytes);
#ifdef PNG_IGNORE_ADLER32
  png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);  // the chunks' CRCs cover the same bytes
#endif
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  int depth = png_get_bit_depth(png, info);
  if (depth < 8) {
    png_set_packing(png);  // one byte per sample, raw values (no scaling to 0..255)
    depth = 8;
  }
  if (depth == 16 && little_endian()) png_set_swap(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  image.width = int(png_get_image_width(png, info));
  image.height = int(png_get_image_height(png, info));
  image.channels = png_get_channels(png, info);
  image.bit_depth = depth;
  image.palette = color == PNG_COLOR_TYPE_PALETTE;
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  image.data.resize(row_bytes * std::size_t(image.height));
  rows.resize(std::size_t(image.height));
  for (int y = 0; y < image.height; ++y) rows[std::size_t(y)] = image.data.data() + row_bytes * std::size_t(y);
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

namespace {
void decode_libpng(const void* bytes, std::size_t size, const std::string& name, PngImage& image) {
  if (size < 8 || png_sig_cmp(static_cast<png_const_bytep>(bytes), 0, 8) != 0)
    throw InputError::whole(name, "not a valid PNG: no PNG signature");
  ErrorState state;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw InputError::whole(name, "not a valid PNG: libpng could not start");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw InputError::whole(name, "not a valid PNG: libpng could not start");
  }
  // Label maps are large but bounded: refuse absurd dimensions before allocating.
  png_set_user_limits(png, 1u << 16, 1u << 16);
  MemoryReader reader{static_cast<const unsigned char*>(bytes), size};
  std::vector<png_bytep> rows;
  const bool ok = decode(png, info, reader, image, rows);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) throw InputError::whole(name, "not a valid PNG: " + state.message);
}

void decode_into(const void* bytes, std::size_t size, const std::string& name, PngImage& image) {
  if (!detail::decode_png_fast(static_cast<const unsigned char*>(bytes), size, image))
    decode_libpng(bytes, size, name, image);
}
}  // namespace

PngImage detail::decode_png_libpng(const void* bytes, std::size_t size, const std::string& name) {
  PngImage image;
  decode_libpng(bytes, size, name, image);
  return image;
}

PngImage decode_png(const void* bytes, std::size_t size, const std::string& name) {
  PngImage image;
  decode_into(bytes, size, name, image);
  return image;
}

void decode_png(const void* bytes, std::size_t size, const std::string& name, PngImage& image) {
  decode_into(bytes, size, name, image);
}

PngImage read_png(const std::string& path) {
  PngImage image;
  read_png(path, image);
  return image;
}

void read_png(const std::string& path, PngImage& out) {
  const std::string bytes = read_file(path, std::size_t(1) << 30);
  decode_into(bytes.data(), bytes.size(), path, out);
}

namespace {
void write_bytes(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
void flush_nothing(png_structp) {}

bool encode(png_structp png, png_infop info, const PngImage& image, std::string& out,
            std::vector<png_bytep>& rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  static const int kColor[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(png, &out, write_bytes, flush_nothing);
  png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), image.bit_depth,
               kColor[image.channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (image.bit_depth == 16 && little_endian()) png_set_swap(png);
  const std::size_t row_bytes = std::size_t(image.width) * std::size_t(image.channels) * std::size_t(image.bit_depth / 8);
  rows.resize(std::size_t(image.height));
  for (int y = 0; y < image.height; ++y)
    rows[std::size_t(y)] = const_cast<png_bytep>(image.data.data() + row_bytes * std::size_t(y));
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  return true;
}
}  // namespace

std::string encode_png(const PngImage& image) {
  if (image.channels < 1 || image.channels > 4 || (image.bit_depth != 8 && image.bit_depth != 16) ||
      image.palette || image.width <= 0 || image.height <= 0 ||
      image.data.size() != image.pixels() * std::size_t(image.channels) * std::size_t(image.bit_depth / 8))
    throw UsageError("encode_png: the image's size, channels, bit depth or data do not agree");
  ErrorState state;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  std::string out;
  std::vector<png_bytep> rows;
  const bool ok = info && encode(png, info, image, out, rows);
  png_destroy_write_struct(&png, &info);
  if (!ok) throw IoError::cannot_write("PNG", state.message.empty() ? "libpng could not start" : state.message);
  return out;
}

}  // namespace deteval

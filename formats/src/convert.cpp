// The format-neutral parts of conversion: box mapping, image names, name checks, sizes.
#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "convert_util.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/convert.hpp"
#include "deteval/formats/file.hpp"
#include "number_text.hpp"
#include "text_util.hpp"

namespace deteval {

using detail::invalid_at;
using detail::quote;

// In exact decimal arithmetic (decimal_sum), so that both round trips give back the same
// numbers, fractional ones included.
Box coco_box_from_voc(const VocBox& b) {
  using detail::decimal_sum;
  return {decimal_sum({b.x1, -1}), decimal_sum({b.y1, -1}), decimal_sum({b.x2, -b.x1, 1}),
          decimal_sum({b.y2, -b.y1, 1})};
}

VocBox voc_box_from_coco(const Box& b) {
  using detail::decimal_sum;
  return {decimal_sum({b.x, 1}), decimal_sum({b.y, 1}), decimal_sum({b.x, b.w}), decimal_sum({b.y, b.h})};
}

std::string image_stem(std::string_view file_name) {
  if (const std::size_t slash = file_name.find_last_of('/'); slash != std::string_view::npos)
    file_name.remove_prefix(slash + 1);
  const std::size_t dot = file_name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return std::string(file_name);
  std::string ext(file_name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array<std::string_view, 9> kImage = {"jpg", "jpeg", "png", "bmp", "gif",
                                                             "tif", "tiff", "webp", "ppm"};
  if (std::find(kImage.begin(), kImage.end(), ext) == kImage.end()) return std::string(file_name);
  return std::string(file_name.substr(0, dot));
}

namespace detail {

namespace {
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}
}  // namespace

void check_file_name(const std::string& name, const std::string& origin, const std::string& what, bool no_blanks) {
  const bool bad = name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
                   has_control(name) || (no_blanks && name.find(' ') != std::string::npos);
  if (bad)
    throw invalid_at(origin, what + (no_blanks ? " (non-empty, no '/', spaces or control characters)"
                                               : " (non-empty, no '/' or control characters)"),
                     quote(name));
}

void check_names(const LabelSet& set, const std::string& format, bool image_names_without_blanks,
                 bool class_names_are_file_names) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const LabelImage& im = set.images[i];
    check_file_name(im.name, im.origin, "an image name usable as a " + format + " file name",
                    image_names_without_blanks);
    if (auto [it, fresh] = seen.emplace(im.name, i); !fresh)
      throw invalid_at(im.origin, "image names distinct in " + format,
                       quote(im.name) + ", also the name of " + set.images[it->second].origin);
  }
  seen.clear();
  for (std::size_t k = 0; k < set.classes.size(); ++k) {
    const LabelClass& c = set.classes[k];
    if (class_names_are_file_names) {
      check_file_name(c.name, c.origin, "a class name usable in a " + format + " file name", false);
    } else if (c.name.empty() || has_control(c.name)) {
      throw invalid_at(c.origin, "a class name (non-empty, no control characters)", quote(c.name));
    }
    if (trim(c.name).size() != c.name.size())
      throw invalid_at(c.origin, "a class name without surrounding white space", quote(c.name));
    if (auto [it, fresh] = seen.emplace(c.name, k); !fresh)
      throw invalid_at(c.origin, "class names distinct in " + format,
                       quote(c.name) + ", also the name of " + set.classes[it->second].origin);
  }
}

}  // namespace detail

void apply_image_sizes(LabelSet& set, const std::string& coco_path) {
  const GroundTruth g = parse_coco_gt(read_file(coco_path), coco_path, IouType::bbox);
  std::unordered_map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < g.images.size(); ++i) {
    const Image& im = g.images[i];
    const std::string name = im.file_name.empty() ? std::to_string(im.id) : image_stem(im.file_name);
    if (auto [it, fresh] = by_name.emplace(name, i); !fresh)
      throw InputError::whole(coco_path, "images " + std::to_string(g.images[it->second].id) + " and " +
                                             std::to_string(im.id) + " have the same name " + quote(name) +
                                             " (file_name without extension), so sizes cannot be matched by name");
  }
  for (LabelImage& im : set.images) {
    const auto it = by_name.find(im.name);
    if (it == by_name.end()) continue;
    const Image& s = g.images[it->second];
    if (s.width <= 0 || s.height <= 0) continue;
    if (im.width <= 0 || im.height <= 0) {
      im.width = s.width;
      im.height = s.height;
    } else if (im.width != s.width || im.height != s.height) {
      throw invalid_at(im.origin,
                       "the size that " + coco_path + " gives image " + quote(im.name) + ", " +
                           std::to_string(s.width) + "x" + std::to_string(s.height),
                       std::to_string(im.width) + "x" + std::to_string(im.height));
    }
  }
}

}  // namespace deteval

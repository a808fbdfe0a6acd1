#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>
#include <unordered_map>

#include "deteval/formats/dota.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/geometry.hpp"
#include "class_files.hpp"
#include "text_util.hpp"

namespace deteval {

using namespace detail;  // text_util.hpp: lines, fields, numbers

namespace {

constexpr const char* kCoord[] = {"x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4"};

/// Reads the 8 coordinates in f[0..7] and checks that they form a usable quadrilateral.
std::array<double, 8> quadrilateral(const std::string_view* f, const std::string& file, std::size_t n) {
  std::array<double, 8> q{};
  for (int i = 0; i < 8; ++i) {
    if (!parse_double(f[i], q[i]))
      throw InputError::expected(file, line_at(n), std::string("a number for ") + kCoord[i], quote(f[i]));
    if (!std::isfinite(q[i]))
      throw InputError::expected(file, line_at(n), std::string("a finite number for ") + kCoord[i], quote(f[i]));
  }
  std::string why;
  if (!polygon_is_valid(PolygonView(q.data(), q.size()), why))
    throw InputError::expected(file, line_at(n), "a simple quadrilateral with non-zero area", why);
  return q;
}

}  // namespace

DotaAnnotation parse_dota_annotation(std::string_view text, const std::string& file) {
  DotaAnnotation a;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::string_view f[10];
    const std::size_t k = split(line, f);
    if (k == 0) return;
    // DOTA v1.0+ label files start with `imagesource:GoogleEarth` and `gsd:0.146...`.
    if (a.objects.empty()) {
      const std::string_view t = trim(line);
      if (t.starts_with("imagesource:")) {
        a.imagesource = std::string(t.substr(12));
        return;
      }
      if (t.starts_with("gsd:")) {
        a.gsd = std::string(t.substr(4));
        return;
      }
    }
    if (k != 9 && k != 10)
      throw InputError::expected(file, line_at(n),
                                 "9 or 10 fields '<x1> <y1> <x2> <y2> <x3> <y3> <x4> <y4> <class> [<difficult>]'",
                                 std::to_string(k) + " fields");
    DotaObject o;
    o.line = n;
    o.quad = quadrilateral(f, file, n);
    o.name = std::string(f[8]);
    if (k == 10) {
      long long v = 0;
      if (!parse_int(f[9], v))
        throw InputError::expected(file, line_at(n), "an integer (0 or 1) for difficult", quote(f[9]));
      o.difficult = v != 0;
    }
    a.objects.push_back(std::move(o));
  });
  return a;
}

DotaAnnotation read_dota_annotation(const std::string& path) { return parse_dota_annotation(read_file(path), path); }

VocImageSet dota_images_from_directory(const std::string& dir) {
  VocImageSet s;
  s.file = dir;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) throw IoError::cannot_read(dir, ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw IoError::cannot_read(dir, ec.message());
    const std::filesystem::path& p = it->path();
    std::error_code fec;
    if (p.extension() == ".txt" && it->is_regular_file(fec)) s.ids.push_back(p.stem().string());
  }
  if (ec) throw IoError::cannot_read(dir, ec.message());
  std::sort(s.ids.begin(), s.ids.end());
  for (std::size_t i = 0; i < s.ids.size(); ++i) s.index.emplace(s.ids[i], static_cast<std::uint32_t>(i));
  return s;
}

void parse_dota_detections(std::string_view text, const std::string& file, const VocImageSet& images,
                           const std::string& images_source, DotaClassData& out) {
  std::string key;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::string_view f[10];
    const std::size_t k = split(line, f);
    if (k == 0) return;
    if (k != 10)
      throw InputError::expected(file, line_at(n),
                                 "10 fields '<image> <score> <x1> <y1> <x2> <y2> <x3> <y3> <x4> <y4>'",
                                 std::to_string(k) + " fields");
    key.assign(f[0]);
    const auto it = images.index.find(key);
    if (it == images.index.end())
      throw InputError::expected(file, line_at(n), "an image id of " + images_source, quote(f[0]));
    double score = 0;
    if (!parse_double(f[1], score)) throw InputError::expected(file, line_at(n), "a number for the score", quote(f[1]));
    if (!std::isfinite(score))
      throw InputError::expected(file, line_at(n), "a finite number for the score", quote(f[1]));
    const std::array<double, 8> q = quadrilateral(f + 2, file, n);
    out.det_image.push_back(it->second);
    out.det_score.push_back(score);
    out.det_poly.push_back(PolygonView(q.data(), q.size()));
  });
}

DotaInput load_dota(const DotaPaths& paths) {
  if (paths.detections.find("{class}") == std::string::npos)
    throw UsageError("the detection path pattern must contain {class}: " + paths.detections);
  DotaInput in;
  std::string images_source;
  if (paths.image_set.empty()) {
    in.images = dota_images_from_directory(paths.annotations_dir);
    images_source = "the label files in " + paths.annotations_dir;
  } else {
    in.images = read_voc_image_set(paths.image_set);
    images_source = "the image set " + paths.image_set;
  }
  const std::size_t I = in.images.ids.size();

  const std::filesystem::path dir(paths.annotations_dir);
  DotaDataset& ds = in.dataset;
  const std::vector<std::string> classes = detail::load_ground_truth(
      I, paths.classes, in.annotations, ds,
      [&](std::size_t i) { return read_dota_annotation((dir / (in.images.ids[i] + ".txt")).string()); },
      [](DotaClassData& c, std::uint32_t i, const DotaObject& o) {
        c.gt_image.push_back(i);
        c.gt_poly.push_back(PolygonView(o.quad.data(), o.quad.size()));
        c.gt_difficult.push_back(o.difficult ? 1 : 0);
      });

  detail::read_class_files(paths.detections, classes, in.classes_without_file,
                           [&](std::size_t k, const std::string& text, const std::string& path) {
                             parse_dota_detections(text, path, in.images, images_source, ds.classes[k]);
                           });
  return in;
}

std::string dota_evaluation_json(const VocResult& result, const DotaDataset& dataset) {
  std::vector<std::string> names;
  names.reserve(dataset.classes.size());
  for (const auto& c : dataset.classes) names.push_back(c.name);
  return voc_evaluation_json(result, names);
}

}  // namespace deteval

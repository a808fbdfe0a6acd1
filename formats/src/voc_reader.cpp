#include <tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <set>
#include <system_error>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/voc.hpp"
#include "mini_xml.hpp"
#include "class_files.hpp"
#include "text_util.hpp"

namespace deteval {

namespace {

using detail::for_each_line;
using detail::is_blank;
using detail::line_at;
using detail::parallel_for_first_error;
using detail::parse_double;
using detail::parse_int;
using detail::quote;
using detail::split;
using detail::trim;

constexpr std::size_t kMaxAnnotationBytes = std::size_t(64) << 20;  // VOC files are ~1 KB

// ---- annotations ----

const xml::Element& require(const xml::Element& parent, std::string_view name, const std::string& file) {
  const xml::Element* e = parent.child(name);
  if (!e)
    throw InputError::expected(file, line_at(parent.line),
                               "a <" + std::string(name) + "> element in <" + parent.name + ">", "none");
  return *e;
}

double coordinate(const xml::Element& bndbox, std::string_view name, const std::string& file) {
  const xml::Element& e = require(bndbox, name, file);
  const std::string_view t = trim(e.text);
  double v = 0;
  if (!parse_double(t, v))
    throw InputError::expected(file, line_at(e.line), "a number in <" + std::string(name) + ">", quote(t));
  if (!std::isfinite(v))
    throw InputError::expected(file, line_at(e.line), "a finite number in <" + std::string(name) + ">", quote(t));
  return v;
}

// <difficult>/<truncated>: absent or empty = 0; any integer, non-zero = set (the
// reference's int(...) then astype(bool)).
bool flag(const xml::Element& object, std::string_view name, const std::string& file) {
  const xml::Element* e = object.child(name);
  if (!e) return false;
  const std::string_view t = trim(e->text);
  if (t.empty()) return false;
  long long v = 0;
  if (!parse_int(t, v))
    throw InputError::expected(file, line_at(e->line), "an integer (0 or 1) in <" + std::string(name) + ">",
                               quote(t));
  return v != 0;
}

std::int32_t dimension(const xml::Element& size, std::string_view name, const std::string& file) {
  const xml::Element* e = size.child(name);
  if (!e) return 0;
  const std::string_view t = trim(e->text);
  if (t.empty()) return 0;
  double v = 0;  // integral decimals such as "640.0" are fine
  if (!parse_double(t, v) || !(v >= 0 && v <= 2147483647.0) || v != std::floor(v))
    throw InputError::expected(file, line_at(e->line), "a non-negative integer in <" + std::string(name) + ">",
                               quote(t));
  return static_cast<std::int32_t>(v);
}

// ---- image sets and detections ----

}  // namespace

VocAnnotation parse_voc_annotation(std::string_view text, const std::string& file) {
  const xml::Element root = xml::parse(text, file);
  VocAnnotation a;
  if (const xml::Element* f = root.child("filename")) a.filename = std::string(trim(f->text));
  if (const xml::Element* s = root.child("size")) {
    a.width = dimension(*s, "width", file);
    a.height = dimension(*s, "height", file);
  }
  // Only direct children of the root, as ElementTree's findall('object'): the <bndbox> of
  // a <part> (VOC person layout) is not an object.
  for (const xml::Element& o : root.children) {
    if (o.name != "object") continue;
    VocObject obj;
    obj.line = o.line;
    const xml::Element& name = require(o, "name", file);
    obj.name = std::string(trim(name.text));
    if (obj.name.empty()) throw InputError::expected(file, line_at(name.line), "an object name in <name>", "''");
    if (const xml::Element* p = o.child("pose")) obj.pose = std::string(trim(p->text));
    obj.truncated = flag(o, "truncated", file);
    obj.difficult = flag(o, "difficult", file);
    obj.iscrowd = flag(o, "iscrowd", file);
    const xml::Element& bb = require(o, "bndbox", file);
    obj.box = {coordinate(bb, "xmin", file), coordinate(bb, "ymin", file), coordinate(bb, "xmax", file),
               coordinate(bb, "ymax", file)};
    auto text_of = [&](const char* n) { return std::string(trim(bb.child(n)->text)); };
    if (obj.box.x2 < obj.box.x1)
      throw InputError::expected(file, line_at(bb.line), "xmin <= xmax in <bndbox>",
                                 "xmin " + text_of("xmin") + ", xmax " + text_of("xmax"));
    if (obj.box.y2 < obj.box.y1)
      throw InputError::expected(file, line_at(bb.line), "ymin <= ymax in <bndbox>",
                                 "ymin " + text_of("ymin") + ", ymax " + text_of("ymax"));
    a.objects.push_back(std::move(obj));
  }
  return a;
}

VocAnnotation read_voc_annotation(const std::string& path) {
  return parse_voc_annotation(read_file(path, kMaxAnnotationBytes), path);
}

VocImageSet parse_voc_image_set(std::string_view text, const std::string& file) {
  VocImageSet s;
  s.file = file;
  std::unordered_map<std::string, std::size_t> first_line;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::string_view f[2];
    const std::size_t k = split(line, f);
    if (k == 0) return;
    if (k > 1) throw InputError::expected(file, line_at(n), "one image id per line", quote(trim(line)));
    for (char c : f[0])
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        throw InputError::expected(file, line_at(n), "an image id (printable text)", quote(f[0]));
    std::string id(f[0]);
    if (auto [it, fresh] = first_line.emplace(id, n); !fresh)
      throw InputError::expected(file, line_at(n), "each image id once",
                                 quote(id) + " again (first on line " + std::to_string(it->second) + ")");
    s.index.emplace(id, static_cast<std::uint32_t>(s.ids.size()));
    s.ids.push_back(std::move(id));
  });
  return s;
}

VocImageSet read_voc_image_set(const std::string& path) { return parse_voc_image_set(read_file(path), path); }

void parse_voc_detections(std::string_view text, const std::string& file, const VocImageSet& images,
                          VocClassData& out) {
  static constexpr const char* kField[] = {"image id", "score", "xmin", "ymin", "xmax", "ymax"};
  std::string key;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::string_view f[6];
    const std::size_t k = split(line, f);
    if (k == 0) return;
    if (k != 6)
      throw InputError::expected(file, line_at(n), "6 fields '<image_id> <score> <xmin> <ymin> <xmax> <ymax>'",
                                 std::to_string(k) + " fields");
    key.assign(f[0]);
    const auto it = images.index.find(key);
    if (it == images.index.end())
      throw InputError::expected(file, line_at(n), "an image id listed in " + images.file, quote(f[0]));
    double v[5];
    for (int i = 0; i < 5; ++i) {
      if (!parse_double(f[i + 1], v[i]))
        throw InputError::expected(file, line_at(n), std::string("a number for the ") + kField[i + 1],
                                   quote(f[i + 1]));
      if (!std::isfinite(v[i]))
        throw InputError::expected(file, line_at(n), std::string("a finite number for the ") + kField[i + 1],
                                   quote(f[i + 1]));
    }
    out.det_image.push_back(it->second);
    out.det_score.push_back(v[0]);
    out.det_box.push_back({v[1], v[2], v[3], v[4]});
  });
}

std::string voc_detection_path(const std::string& pattern, const std::string& cls) {
  static constexpr std::string_view kPlaceholder = "{class}";
  std::string out;
  std::size_t pos = 0;
  for (std::size_t at; (at = pattern.find(kPlaceholder, pos)) != std::string::npos; pos = at + kPlaceholder.size())
    out.append(pattern, pos, at - pos).append(cls);
  return out.append(pattern, pos);
}

VocInput load_voc(const VocPaths& paths) {
  if (!paths.detections.empty() && paths.detections.find("{class}") == std::string::npos)
    throw UsageError("the detection path pattern must contain {class}: " + paths.detections);
  VocInput in;
  in.images = read_voc_image_set(paths.image_set);
  const std::size_t I = in.images.ids.size();

  const std::filesystem::path dir(paths.annotations_dir);
  VocDataset& ds = in.dataset;
  const std::vector<std::string> classes = detail::load_ground_truth(
      I, paths.classes, in.annotations, ds,
      [&](std::size_t i) { return read_voc_annotation((dir / (in.images.ids[i] + ".xml")).string()); },
      [](VocClassData& c, std::uint32_t i, const VocObject& o) {
        c.gt_image.push_back(i);
        c.gt_box.push_back(o.box);
        c.gt_difficult.push_back(o.difficult ? 1 : 0);
      });

  if (paths.detections.empty()) return in;  // ground truth only

  detail::read_class_files(paths.detections, classes, in.classes_without_file,
                           [&](std::size_t k, const std::string& text, const std::string& path) {
                             parse_voc_detections(text, path, in.images, ds.classes[k]);
                           });
  return in;
}

}  // namespace deteval

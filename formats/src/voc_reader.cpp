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

namespace deteval {
namespace {

constexpr std::size_t kMaxAnnotationBytes = std::size_t(64) << 20;  // VOC files are ~1 KB

std::string line_at(std::size_t n) { return "line " + std::to_string(n); }

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// A token for a message: quoted, non-printable bytes escaped, long ones cut.
std::string quote(std::string_view t) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  for (std::size_t i = 0; i < t.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (t.size() > kMax) out += "...";
  return out + "'";
}

/// A decimal number as Python's float() reads it (an optional '+' included). False when
/// the whole token is not one number; the caller checks finiteness.
bool parse_double(std::string_view t, double& out) {
  if (!t.empty() && t.front() == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t.front() == '-') return false;  // "+-1"
  }
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out, std::chars_format::general);
  return ec == std::errc() && p == t.data() + t.size();
}

bool parse_int(std::string_view t, long long& out) {
  if (!t.empty() && t.front() == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t.front() == '-') return false;
  }
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

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

template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t n = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(++n, text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// Splits on runs of spaces and tabs; returns the number of fields (may exceed N).
template <std::size_t N>
std::size_t split(std::string_view line, std::string_view (&out)[N]) {
  std::size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t b = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (n < N) out[n] = line.substr(b, i - b);
    ++n;
  }
  return n;
}

/// Runs f(i) for i in [0, n) in parallel; rethrows the exception of the lowest i, so
/// that which error is reported does not depend on scheduling.
template <class F>
void parallel_for_first_error(std::size_t n, F&& f) {
  std::vector<std::exception_ptr> errors(n);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
    try {
      f(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

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
  if (paths.detections.find("{class}") == std::string::npos)
    throw UsageError("the detection path pattern must contain {class}: " + paths.detections);
  VocInput in;
  in.images = read_voc_image_set(paths.image_set);
  const std::size_t I = in.images.ids.size();

  in.annotations.resize(I);
  const std::filesystem::path dir(paths.annotations_dir);
  parallel_for_first_error(I, [&](std::size_t i) {
    in.annotations[i] = read_voc_annotation((dir / (in.images.ids[i] + ".xml")).string());
  });

  std::vector<std::string> classes = paths.classes;
  if (classes.empty()) {
    std::set<std::string> names;
    for (const auto& a : in.annotations)
      for (const auto& o : a.objects) names.insert(o.name);
    classes.assign(names.begin(), names.end());
  }
  std::unordered_map<std::string, std::size_t> class_index;
  for (const auto& c : classes)
    if (!class_index.emplace(c, class_index.size()).second) throw UsageError("class listed twice: " + c);

  VocDataset& ds = in.dataset;
  ds.num_images = I;
  ds.classes.resize(classes.size());
  for (std::size_t k = 0; k < classes.size(); ++k) ds.classes[k].name = classes[k];
  // Objects of classes not evaluated are skipped, as the reference does.
  for (std::size_t i = 0; i < I; ++i)
    for (const auto& o : in.annotations[i].objects)
      if (auto it = class_index.find(o.name); it != class_index.end()) {
        VocClassData& c = ds.classes[it->second];
        c.gt_image.push_back(static_cast<std::uint32_t>(i));
        c.gt_box.push_back(o.box);
        c.gt_difficult.push_back(o.difficult ? 1 : 0);
      }

  std::vector<std::uint8_t> missing(classes.size(), 0);
  parallel_for_first_error(classes.size(), [&](std::size_t k) {
    const std::string path = voc_detection_path(paths.detections, classes[k]);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) {
      missing[k] = 1;
      return;
    }
    parse_voc_detections(read_file(path), path, in.images, ds.classes[k]);
  });
  for (std::size_t k = 0; k < classes.size(); ++k)
    if (missing[k]) in.classes_without_file.push_back(classes[k]);
  if (!classes.empty() && in.classes_without_file.size() == classes.size())
    throw IoError::cannot_read(voc_detection_path(paths.detections, classes.front()),
                               "no such file, and none of the " + std::to_string(classes.size()) +
                                   " classes has a detection file (check the {class} pattern)");
  return in;
}

}  // namespace deteval

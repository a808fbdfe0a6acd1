// YOLO text labels -> LabelSet.
#include <cmath>
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "convert_util.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/formats/yolo.hpp"
#include "text_util.hpp"

namespace deteval {

using detail::for_each_line;
using detail::invalid_at;
using detail::line_at;
using detail::parse_double;
using detail::parse_int;
using detail::quote;
using detail::split;

namespace {
constexpr std::size_t kMaxLabelBytes = std::size_t(256) << 20;
}

std::vector<YoloBox> parse_yolo_labels(std::string_view text, const std::string& file, std::size_t num_classes,
                                       bool with_score) {
  static constexpr const char* kField[] = {"class", "cx", "cy", "w", "h", "score"};
  const std::size_t want = with_score ? 6 : 5;
  const char* shape = with_score ? "6 fields 'class cx cy w h score'" : "5 fields 'class cx cy w h'";
  std::vector<YoloBox> out;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    std::string_view f[6];
    const std::size_t k = split(line, f);
    if (k == 0) return;
    if (k != want) throw InputError::expected(file, line_at(n), shape, std::to_string(k) + " fields");
    long long cls = 0;
    if (!parse_int(f[0], cls) || cls < 0)
      throw InputError::expected(file, line_at(n), "a class index (a non-negative integer)", quote(f[0]));
    if (static_cast<unsigned long long>(cls) >= num_classes)
      throw InputError::expected(file, line_at(n),
                                 "a class index below " + std::to_string(num_classes) + " (the number of class names)",
                                 quote(f[0]));
    double v[5] = {0, 0, 0, 0, 0};
    for (std::size_t i = 1; i < want; ++i) {
      if (!parse_double(f[i], v[i - 1]))
        throw InputError::expected(file, line_at(n), std::string("a number for ") + kField[i], quote(f[i]));
      if (!std::isfinite(v[i - 1]))
        throw InputError::expected(file, line_at(n), std::string("a finite number for ") + kField[i], quote(f[i]));
    }
    if (v[2] < 0 || v[3] < 0)
      throw InputError::expected(file, line_at(n), "a width and height >= 0", quote(f[3]) + " " + quote(f[4]));
    out.push_back({static_cast<std::uint32_t>(cls), v[0], v[1], v[2], v[3], v[4], n});
  });
  return out;
}

std::vector<std::string> parse_yolo_names(std::string_view text, const std::string& file) {
  std::vector<std::string> names;
  std::vector<std::size_t> blank;  // blank lines so far, an error if a name follows
  std::unordered_map<std::string, std::size_t> seen;
  for_each_line(text, [&](std::size_t n, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (detail::trim(line).empty()) {
      blank.push_back(n);
      return;
    }
    if (!blank.empty())
      throw InputError::expected(file, line_at(blank.front()), "a class name (line k names class k - 1)",
                                 "an empty line");
    std::string name(line);
    for (char c : name)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
        throw InputError::expected(file, line_at(n), "a class name (printable text)", quote(name));
    if (auto [it, fresh] = seen.emplace(name, n); !fresh)
      throw InputError::expected(file, line_at(n), "each class name once",
                                 quote(name) + " again (first on line " + std::to_string(it->second) + ")");
    names.push_back(std::move(name));
  });
  return names;
}

Box coco_box_from_yolo(const YoloBox& b, std::int32_t width, std::int32_t height) {
  const double W = width, H = height;
  const double w = b.w * W, h = b.h * H;
  return {b.cx * W - w / 2, b.cy * H - h / 2, w, h};
}

YoloBox yolo_box_from_coco(const Box& b, std::int32_t width, std::int32_t height) {
  const double W = width, H = height;
  YoloBox y;
  y.cx = (b.x + b.w / 2) / W;
  y.cy = (b.y + b.h / 2) / H;
  y.w = b.w / W;
  y.h = b.h / H;
  return y;
}

LabelSet read_yolo_labels(const YoloPaths& paths) {
  namespace fs = std::filesystem;
  if (paths.sizes.empty())
    throw UsageError("sizes", "YOLO labels carry no image size: give a COCO file with the images' sizes");
  if (paths.names.empty()) throw UsageError("names", "YOLO labels need the class names file (classes.txt)");
  const std::vector<std::string> names = parse_yolo_names(read_file(paths.names), paths.names);
  const GroundTruth g = parse_coco_gt(read_file(paths.sizes), paths.sizes, IouType::bbox);

  LabelSet s;
  // Classes: names order; ids from the same-named categories of the sizes file, if it has any.
  s.classes.resize(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    s.classes[k].name = names[k];
    s.classes[k].id = static_cast<std::int64_t>(k) + 1;
    s.classes[k].origin = paths.names + ": line " + std::to_string(k + 1);
  }
  if (!g.categories.empty()) {
    std::unordered_map<std::string, const Category*> by_name;
    for (const Category& c : g.categories) by_name.emplace(c.name, &c);  // first (lowest id) wins
    for (LabelClass& c : s.classes) {
      const auto it = by_name.find(c.name);
      if (it == by_name.end())
        throw invalid_at(c.origin, "a category name of " + paths.sizes + " (its categories give the ids)",
                         quote(c.name));
      c.id = it->second->id;
      c.supercategory = it->second->supercategory;
    }
  }

  // Images: those of the sizes file (id order), or of the image set, matched by name.
  std::unordered_map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < g.images.size(); ++i) {
    const Image& im = g.images[i];
    const std::string name = im.file_name.empty() ? std::to_string(im.id) : image_stem(im.file_name);
    if (auto [it, fresh] = by_name.emplace(name, i); !fresh)
      throw InputError::whole(paths.sizes, "images " + std::to_string(g.images[it->second].id) + " and " +
                                               std::to_string(im.id) + " have the same name " + quote(name) +
                                               " (file_name without extension)");
  }
  auto add_image = [&](std::size_t i, const std::string& name) {
    const Image& im = g.images[i];
    s.images.push_back({im.id, name, im.file_name, im.width, im.height,
                        paths.sizes + ": image " + std::to_string(im.id) + " (" + quote(name) + ")"});
  };
  if (!paths.image_set.empty()) {
    const VocImageSet set = read_voc_image_set(paths.image_set);
    for (const std::string& id : set.ids) {
      const auto it = by_name.find(id);
      if (it == by_name.end())
        throw InputError::whole(paths.image_set, "expected image names of " + paths.sizes +
                                                     " (file_name without extension), got " + quote(id));
      add_image(it->second, id);
    }
  } else {
    for (std::size_t i = 0; i < g.images.size(); ++i) {
      const Image& im = g.images[i];
      add_image(i, im.file_name.empty() ? std::to_string(im.id) : image_stem(im.file_name));
    }
  }
  for (const LabelImage& im : s.images)
    detail::check_file_name(im.name, im.origin, "an image name usable as a label file name", false);

  // One label file per image, read in parallel; a missing file means no boxes.
  auto read_dir = [&](const std::string& dir, bool with_score, auto&& emit) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw IoError::cannot_read(dir, "not a directory");
    std::vector<std::vector<YoloBox>> boxes(s.images.size());
    std::vector<std::string> files(s.images.size());
    detail::parallel_for_first_error(s.images.size(), [&](std::size_t i) {
      files[i] = (fs::path(dir) / (s.images[i].name + ".txt")).string();
      std::error_code e;
      if (!fs::exists(files[i], e)) return;
      boxes[i] = parse_yolo_labels(read_file(files[i], kMaxLabelBytes), files[i], names.size(), with_score);
      const LabelImage& im = s.images[i];
      if (!boxes[i].empty() && (im.width <= 0 || im.height <= 0))
        throw invalid_at(files[i] + ": " + line_at(boxes[i].front().line),
                         "an image size in " + paths.sizes + " for image " + quote(im.name) +
                             " (boxes are normalised by it)",
                         "none");
    });
    // Label files of images not listed are most likely a mismatch between the directory and
    // the list (different names): count them.
    std::unordered_set<std::string> listed;
    for (const LabelImage& im : s.images) listed.insert(im.name + ".txt");
    std::size_t unlisted = 0;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".txt" && !listed.count(e.path().filename().string())) ++unlisted;
    if (unlisted > 0)
      s.warnings.push_back(dir + ": " + std::to_string(unlisted) + " .txt files of images not in " +
                           (paths.image_set.empty() ? paths.sizes : paths.image_set) + " were not read");
    for (std::size_t i = 0; i < s.images.size(); ++i)
      for (const YoloBox& b : boxes[i]) emit(static_cast<std::uint32_t>(i), b, files[i]);
  };
  if (!paths.labels.empty()) {
    s.has_gt = true;
    read_dir(paths.labels, false, [&](std::uint32_t i, const YoloBox& b, const std::string& file) {
      s.objects.push_back({i, b.cls, coco_box_from_yolo(b, s.images[i].width, s.images[i].height), false, false,
                           file + ": " + line_at(b.line)});
    });
  }
  if (!paths.predictions.empty()) {
    s.has_dt = true;
    read_dir(paths.predictions, true, [&](std::uint32_t i, const YoloBox& b, const std::string&) {
      s.detections.push_back({i, b.cls, b.score, coco_box_from_yolo(b, s.images[i].width, s.images[i].height)});
    });
  }
  return s;
}

}  // namespace deteval

// The per-class side of the devkit layouts (VOC, DOTA): which classes are evaluated,
// and one detection file per class from a `{class}` pattern. Private to formats/.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/voc.hpp"
#include "text_util.hpp"

namespace deteval::detail {

/// The requested classes, or every object name of the annotations (sorted); `index`
/// maps a name to its position. A class listed twice is a usage error.
template <class Annotations>
std::vector<std::string> evaluated_classes(const std::vector<std::string>& requested, const Annotations& annotations,
                                           std::unordered_map<std::string, std::size_t>& index) {
  std::vector<std::string> classes = requested;
  if (classes.empty()) {
    std::set<std::string> names;
    for (const auto& a : annotations)
      for (const auto& o : a.objects) names.insert(o.name);
    classes.assign(names.begin(), names.end());
  }
  index.clear();
  for (const auto& c : classes)
    if (!index.emplace(c, index.size()).second) throw UsageError("class listed twice: " + c);
  return classes;
}

/// The ground-truth side of a devkit layout: each image's annotation file read in
/// parallel (`read(i)`), the evaluated classes (`requested`, or every object name), and
/// `dataset`'s per-class arrays filled in image order through `add(class_data, image,
/// object)`. Objects of classes not evaluated are skipped, as the devkits do. Returns
/// the classes.
template <class Annotation, class Dataset, class Read, class Add>
std::vector<std::string> load_ground_truth(std::size_t num_images, const std::vector<std::string>& requested,
                                           std::vector<Annotation>& annotations, Dataset& dataset, Read&& read,
                                           Add&& add) {
  annotations.resize(num_images);
  parallel_for_first_error(num_images, [&](std::size_t i) { annotations[i] = read(i); });
  std::unordered_map<std::string, std::size_t> class_index;
  std::vector<std::string> classes = evaluated_classes(requested, annotations, class_index);
  dataset.num_images = num_images;
  dataset.classes.resize(classes.size());
  for (std::size_t k = 0; k < classes.size(); ++k) dataset.classes[k].name = classes[k];
  for (std::size_t i = 0; i < num_images; ++i)
    for (const auto& o : annotations[i].objects)
      if (auto it = class_index.find(o.name); it != class_index.end())
        add(dataset.classes[it->second], static_cast<std::uint32_t>(i), o);
  return classes;
}

/// Reads `pattern` with `{class}` replaced by each class, in parallel, through
/// `parse(k, text, path)`. Classes without a file go to `without_file`; when no class
/// has one, the pattern is most likely wrong: an IoError naming the first path.
template <class Parse>
void read_class_files(const std::string& pattern, const std::vector<std::string>& classes,
                      std::vector<std::string>& without_file, Parse&& parse) {
  std::vector<std::uint8_t> missing(classes.size(), 0);
  parallel_for_first_error(classes.size(), [&](std::size_t k) {
    const std::string path = voc_detection_path(pattern, classes[k]);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) {
      missing[k] = 1;
      return;
    }
    parse(k, read_file(path), path);
  });
  for (std::size_t k = 0; k < classes.size(); ++k)
    if (missing[k]) without_file.push_back(classes[k]);
  if (!classes.empty() && without_file.size() == classes.size())
    throw IoError::cannot_read(voc_detection_path(pattern, classes.front()),
                               "no such file, and none of the " + std::to_string(classes.size()) +
                                   " classes has a detection file (check the {class} pattern)");
}

}  // namespace deteval::detail

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

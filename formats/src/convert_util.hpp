// Shared pieces of the converters (not installed).
#pragma once

#include <string>
#include <string_view>

#include "deteval/formats/convert.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::detail {

/// `origin: expected what, got found` (origin is already `file: location`).
inline InputError invalid_at(const std::string& origin, const std::string& what, const std::string& found) {
  return InputError::whole(origin, "expected " + what + ", got " + found);
}

/// What a name may be to become a file name (VOC image id, YOLO label file, VOC class file):
/// non-empty, no '/', no control bytes, not "." or "..". With `no_blanks`, no spaces or
/// tabs either (VOC image sets and devkit lines are split on them). Throws invalid_at.
void check_file_name(const std::string& name, const std::string& origin, const std::string& what, bool no_blanks);

/// Every image name valid (check_file_name) and distinct; every class name non-empty,
/// without control bytes or surrounding blanks (readers trim them), and distinct.
void check_names(const LabelSet& set, const std::string& format, bool image_names_without_blanks,
                 bool class_names_are_file_names);

/// The COCO ground-truth document; with `annotations` false its annotation list is empty
/// (the YOLO writer's sizes.json).
std::string coco_gt_json(const LabelSet& set, bool annotations);

}  // namespace deteval::detail

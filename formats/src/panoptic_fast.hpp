// The fast path for COCO-panoptic JSON (internal to formats/): simdjson's DOM. Like the COCO
// fast paths it declines (false) anything unusual, and the nlohmann reader
// (panoptic_reader.cpp) then reads the file identically or explains the error.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "deteval/formats/panoptic.hpp"

namespace deteval::detail {

/// read_panoptic_gt's result for `text`, but for `file` (left to the caller).
bool fast_read_panoptic_gt(const simdjson::padded_string& text, PanopticGroundTruth& out);

/// read_panoptic_predictions's result for `text`.
bool fast_read_panoptic_predictions(const simdjson::padded_string& text, const PanopticGroundTruth& gt,
                                    std::vector<PanopticAnnotation>& out);

/// The nlohmann readers alone (what the fast paths fall back to); for the tests that hold
/// both equal.
PanopticGroundTruth parse_panoptic_gt_dom(std::string_view text, const std::string& path);
std::vector<PanopticAnnotation> parse_panoptic_predictions_dom(std::string_view text, const std::string& path,
                                                               const PanopticGroundTruth& gt);

}  // namespace deteval::detail

// The fast path for COCO results: simdjson On-Demand over the padded file, no DOM.
// It handles well-formed files in the common shapes (boxes, compressed-RLE masks) and
// returns false on anything else, and then the caller re-reads with the DOM reader,
// which either accepts the file (same result) or throws the located error.
#pragma once

#include <simdjson.h>

#include <string>

#include "deteval/dataset.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/params.hpp"
#include "file_reader.hpp"
#include "json_split.hpp"

namespace deteval::detail {

/// How many elements a reader handles between two looks at its cancel flag.
constexpr std::size_t kCancelEvery = 1024;

/// `text` is cut into `parts` pieces parsed in parallel (0: by size and threads); it is
/// modified while parsing and as it was when the function returns false. Both readers
/// throw Cancelled once `cancel` is set (checked every kCancelEvery elements).
bool fast_parse_coco_results(JsonBuffer& text, const GroundTruth& gt, IouType type, Detections& out,
                             ResultsReport& report, std::size_t parts = 0,
                             AreaFrom area_from = AreaFrom::first_result, bool keep_unknown = false,
                             const CancelFlag* cancel = nullptr);

/// A bbox or segm results file read part by part (about `part_bytes` each, 0: the default)
/// into per-thread buffers reused from part to part, instead of whole: the same detections
/// as fast_parse_coco_results, with a few MB of fresh memory for a file of hundreds (segm:
/// plus its masks' strings, copied out of each part). Declines (false) files under two
/// parts, other IoU types, and what bbox needs the whole text for (boxes taken from
/// masks), a part that does not parse or a mask that does not check; the caller then
/// reads the file whole. `masks_kept`: CocoReadOptions::masks_kept (the strings of masks
/// left out are not copied).
bool fast_stream_coco_results(const FileReader& file, const GroundTruth& gt, IouType type, Detections& out,
                              ResultsReport& report, std::size_t part_bytes = 0,
                              AreaFrom area_from = AreaFrom::first_result, bool keep_unknown = false,
                              const CancelFlag* cancel = nullptr, MasksKept masks_kept = MasksKept::all);

/// Ground truth, for bbox and segm evaluations.
bool fast_parse_coco_gt(const simdjson::padded_string& text, IouType type, GroundTruth& out,
                        const CancelFlag* cancel = nullptr);

/// The DOM reader alone (tests compare both paths).
Detections parse_results_dom(std::string_view text, const std::string& file, const GroundTruth& gt, IouType type,
                             ResultsReport* report, const CocoReadOptions& opt = {});
GroundTruth parse_gt_dom(std::string_view text, const std::string& file, IouType type, const CocoReadOptions& opt);

}  // namespace deteval::detail

// The data model: ground truth and detections as flat arrays with dense indices.
//
// Images and categories are kept sorted by their file ids, so dense index order
// is id order (pycocotools iterates `sorted(getImgIds())` and `sorted(getCatIds())`).
// Annotations and detections keep file order; ids may be 0, negative or above 2^31.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deteval/box.hpp"
#include "deteval/keypoints.hpp"
#include "deteval/params.hpp"
#include "deteval/rle.hpp"
#include "deteval/shape.hpp"

namespace deteval {

struct Image {
  std::int64_t id = 0;
  std::int32_t width = 0, height = 0;
  std::string file_name;
};

struct Category {
  std::int64_t id = 0;
  std::string name;
  std::string supercategory;
};

/// Ground truth of a dataset (COCO "instances"). Annotation `j` is
/// (image[j], category[j], box[j], area[j], iscrowd[j]); `masks`/`shapes` are
/// either empty or hold one entry per annotation.
struct GroundTruth {
  std::vector<Image> images;          ///< sorted by id
  std::vector<Category> categories;   ///< sorted by id

  std::vector<std::int64_t> ann_id;
  std::vector<std::uint32_t> image;     ///< dense image index
  std::vector<std::uint32_t> category;  ///< dense category index
  std::vector<Box> box;
  std::vector<double> area;             ///< the annotation's `area`, used for area ranges
  std::vector<std::uint8_t> iscrowd;    ///< also pycocotools' `ignore` (it overwrites `ignore`)
  RleStore masks;                       ///< segm: one RLE per annotation, at its image's size
  ShapeStore shapes;                    ///< rotated/polygon: one shape per annotation
  KeypointStore keypoints;              ///< keypoints: one (x, y, visibility) set per annotation
  /// keypoints: each annotation's `num_keypoints` as written; 0 makes it ignored (as
  /// iscrowd does) whatever its visibility flags say, like pycocotools.
  std::vector<std::int64_t> num_keypoints;
  /// The IoU type the reader read the file for (it decides which of masks/shapes/keypoints
  /// it built); empty for data built by hand. evaluate() refuses other types.
  std::optional<IouType> iou_type;

  std::size_t size() const { return ann_id.size(); }
  /// Dense index of an image/category id, or -1.
  std::int64_t image_index(std::int64_t id) const;
  std::int64_t category_index(std::int64_t id) const;
};

/// The category of a detection whose category id the ground truth lacks, where a reader
/// keeps such detections (LVIS caps detections per image before dropping them).
inline constexpr std::uint32_t kUnknownCategory = 0xffffffffu;

/// Detection results, in file order. Detection `j` has id j + 1 (as `loadRes` numbers them).
struct Detections {
  std::vector<std::uint32_t> image;     ///< dense image index into GroundTruth::images
  std::vector<std::uint32_t> category;  ///< dense category index
  std::vector<double> score;
  std::vector<Box> box;
  /// w*h when the result had a box, else the mask's pixel count (keypoint results
  /// without either: the area of the keypoints' extent, see coco.hpp)
  std::vector<double> area;
  RleStore masks;            ///< segm: empty or one per detection
  /// Optional: `rle_to_bbox` of each mask, for readers that decode the masks anyway (the
  /// segm IoU's box test uses it instead of decoding every mask again). Empty: computed.
  std::vector<Box> mask_box;
  ShapeStore shapes;         ///< rotated/polygon: empty or one per detection
  KeypointStore keypoints;   ///< keypoints: empty or one (x, y, confidence) set per detection
  /// As GroundTruth::iou_type.
  std::optional<IouType> iou_type;

  std::size_t size() const { return score.size(); }
};

/// Throws UsageError (parameter "iou_type") when `gt` or `dt` was read for another IoU
/// type than `type`: a segm file read for boxes, or boxes evaluated from files read for
/// segm, would silently give another metric. Data built by hand (no iou_type) passes.
void check_iou_type(const GroundTruth& gt, const Detections& dt, IouType type);

}  // namespace deteval

// Semantic segmentation from PNG label maps (formats/semantic.hpp): the folder walks, the
// per-image decode + count (parallel, one decode per image), the refusals and the outputs.
#include <nlohmann/json.hpp>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/png.hpp"
#include "deteval/formats/semantic.hpp"

namespace deteval {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s)
    if (c == sep) out.emplace_back();
    else out.back() += c;
  return out;
}

void require_folder(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError::whole(dir, "expected a folder of " + what + ", found none");
}

// Every regular file (or link to one) under `dir`, recursively, not following folder links
// (os.walk's default).
std::vector<fs::path> files_under(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw IoError::cannot_read(dir, ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw IoError::cannot_read(dir, ec.message());
    std::error_code e2;
    if (!it->is_directory(e2)) out.push_back(it->path());
  }
  return out;
}

std::string where(const LabelView& v, std::size_t pixel) {
  return "pixel (x " + std::to_string(pixel % std::max<std::size_t>(v.width, 1)) + ", y " +
         std::to_string(pixel / std::max<std::size_t>(v.width, 1)) + ")";
}

LabelView view_of(const PngImage& im) {
  return LabelView{im.data.data(), std::size_t(im.width), std::size_t(im.height), im.bit_depth / 8};
}

std::string size_text(const PngImage& im) { return std::to_string(im.width) + " x " + std::to_string(im.height); }

std::string channels_text(const PngImage& im) {
  static const char* kinds[] = {"", "grey", "grey + alpha", "RGB", "RGBA"};
  return std::to_string(im.channels) + " channels (" + kinds[std::clamp(im.channels, 0, 4)] + ")";
}

void require_single_channel(const PngImage& im, const std::string& file, const std::string& what) {
  if (im.channels != 1)
    throw InputError::at(file, "image", "expected " + what + " with one channel (grey or palette), got " +
                                            channels_text(im));
}

// Runs `work(i)` for every image in parallel; rethrows the first image's (in order)
// exception, or Cancelled once `cancel` is set (the images left are skipped).
template <class F>
void for_each_image(std::size_t n, int threads, const CancelFlag* cancel, F&& work) {
  std::vector<std::exception_ptr> errors(n);
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
      if (is_cancelled(cancel)) return;
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  });
  check_cancel(cancel);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

// A K x K row-major matrix as K arrays of K counts.
nlohmann::ordered_json matrix_json(const std::vector<std::uint64_t>& counts, std::size_t K) {
  nlohmann::ordered_json m = nlohmann::ordered_json::array();
  for (std::size_t g = 0; g < K; ++g)
    m.push_back(std::vector<std::uint64_t>(counts.begin() + std::ptrdiff_t(g * K), counts.begin() + std::ptrdiff_t((g + 1) * K)));
  return m;
}

std::string f3(double v) {
  if (std::isnan(v)) return "  nan";
  char b[32];
  std::snprintf(b, sizeof b, "%5.3f", v);
  return b;
}

std::string pad_right(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

}  // namespace

// ---- Cityscapes ---------------------------------------------------------------------

CityscapesFiles find_cityscapes_files(const std::string& gt_root, const std::string& pred_dir,
                                      const std::string& split_name) {
  std::error_code ec;
  fs::path base = fs::path(gt_root) / split_name;
  if (!fs::is_directory(base, ec) && fs::is_directory(fs::path(gt_root) / "gtFine" / split_name, ec))
    base = fs::path(gt_root) / "gtFine" / split_name;
  require_folder(base.string(), "cities (<split>/<city>/*_gtFine_labelIds.png)");
  require_folder(pred_dir, "predictions");

  // gtFine/<split>/*/*_gtFine_labelIds.png, sorted as strings like the reference's sorted
  // glob (whose `*` matches no name that starts with a dot).
  std::vector<std::string> gt;
  for (fs::directory_iterator city(base, ec), end; !ec && city != end; city.increment(ec)) {
    std::error_code e2;
    if (!city->is_directory(e2) || city->path().filename().string().front() == '.') continue;
    for (fs::directory_iterator f(city->path(), e2), fe; !e2 && f != fe; f.increment(e2)) {
      const std::string name = f->path().filename().string();
      std::error_code e3;
      if (name.front() != '.' && name.ends_with("_gtFine_labelIds.png") && !f->is_directory(e3))
        gt.push_back(f->path().string());
    }
  }
  if (ec) throw IoError::cannot_read(base.string(), ec.message());
  if (gt.empty())
    throw InputError::whole(base.string(), "expected ground truth <city>/*_gtFine_labelIds.png, found none");
  std::sort(gt.begin(), gt.end());

  // The prediction folder is listed once; each GT file's pattern <city>_<seq>_<frame>*.png
  // must match exactly one file name in it.
  const std::vector<fs::path> preds = files_under(pred_dir);
  CityscapesFiles out;
  for (const std::string& g : gt) {
    const std::string name = fs::path(g).filename().string();
    std::vector<std::string> parts = split(name, '_');
    const std::vector<std::string> last = split(parts.back(), '.');
    parts.pop_back();
    parts.insert(parts.end(), last.begin(), last.end());
    if (parts.size() != 5 && parts.size() != 6)
      throw InputError::at(g, "file name", "expected <city>_<seq>_<frame>_<type>[_<type2>].<ext> (5 or 6 parts), got " +
                                               std::to_string(parts.size()) + " parts");
    const std::string prefix = parts[0] + "_" + parts[1] + "_" + parts[2];
    std::vector<std::string> found;
    for (const fs::path& p : preds) {
      const std::string f = p.filename().string();
      if (f.size() >= prefix.size() + 4 && f.starts_with(prefix) && f.ends_with(".png"))
        found.push_back(p.string());
    }
    if (found.empty())
      throw InputError::whole(g, "expected a prediction " + prefix + "*.png under " + pred_dir + ", found none");
    if (found.size() > 1) {
      std::sort(found.begin(), found.end());
      throw InputError::whole(g, "expected one prediction " + prefix + "*.png under " + pred_dir + ", found " +
                                     std::to_string(found.size()) + ": " + found[0] + ", " + found[1] +
                                     (found.size() > 2 ? ", ..." : ""));
    }
    // The reference replaces every "labelIds" of the path; only the file name can hold it here.
    std::string inst = name;
    for (std::size_t at = inst.find("labelIds"); at != std::string::npos; at = inst.find("labelIds", at + 11))
      inst.replace(at, 8, "instanceIds");
    out.gt_labels.push_back(g);
    out.gt_instances.push_back((fs::path(g).parent_path() / inst).string());
    out.predictions.push_back(found[0]);
  }
  return out;
}

cityscapes::Result evaluate_cityscapes_files(const CityscapesFiles& files, int threads, const CancelFlag* cancel) {
  using cityscapes::ImageIssue;
  const std::size_t n = files.gt_labels.size();
  std::vector<cityscapes::ImageCounts> counts(n);
  // Decoded images of a worker, reused from image to image (no zeroing, no fresh pages).
  tbb::enumerable_thread_specific<std::array<PngImage, 3>> buffers;
  for_each_image(n, threads, cancel, [&](std::size_t i) {
    const std::string &pred_path = files.predictions[i], &gt_path = files.gt_labels[i],
                      &inst_path = files.gt_instances[i];
    // The reference's order: load the prediction, the labels, the instances; compare sizes,
    // then channels; then count.
    auto& [pred, gt, inst] = buffers.local();
    read_png(pred_path, pred);
    read_png(gt_path, gt);
    std::error_code ec;
    if (!fs::exists(inst_path, ec))
      throw InputError::whole(gt_path, "expected the instance ids " + inst_path + " beside it, found no such file");
    read_png(inst_path, inst);
    if (pred.width != gt.width || pred.height != gt.height)
      throw InputError::at(pred_path, "image size", "expected the ground truth's " + size_text(gt) + " (" + gt_path +
                                                        "), got " + size_text(pred));
    require_single_channel(pred, pred_path, "a label map");
    require_single_channel(gt, gt_path, "a label map");
    // A multi-channel instance map is refused only when it holds an instance to score (an
    // 8-bit one never does: its ids are < 1000): its samples are looked at as one wider map,
    // whose ids count and whose size differs from the labels'.
    LabelView vi = view_of(inst);
    vi.width *= std::size_t(inst.channels);
    const LabelView vg = view_of(gt), vp = view_of(pred);
    const std::optional<ImageIssue> issue = cityscapes::count_image(vg, vi, vp, counts[i]);
    if (!issue) return;
    const std::string v = std::to_string(issue->value);
    switch (issue->kind) {
      case ImageIssue::Kind::unknown_gt_label:
        throw InputError::expected(gt_path, where(vg, issue->pixel), "a Cityscapes label id 0..33", v);
      case ImageIssue::Kind::pred_label_out_of_range:
        throw InputError::expected(pred_path, where(vp, issue->pixel), "a Cityscapes label id 0..33", v);
      case ImageIssue::Kind::unknown_instance_label:
        throw InputError::expected(inst_path, where(view_of(inst), issue->pixel / std::size_t(inst.channels)),
                                   "an instance id label * 1000 + k with a label id 0..33", v);
      case ImageIssue::Kind::instance_without_class:
        throw InputError::expected(
            inst_path, where(view_of(inst), issue->pixel / std::size_t(inst.channels)),
            "instance ids (> 1000) only of classes with instances (person, rider, car, truck, bus, caravan, "
            "trailer, train, motorcycle, bicycle)",
            v + ", an instance of '" + std::string(cityscapes::labels()[issue->value / 1000].name) + "'");
      case ImageIssue::Kind::instance_size_mismatch:
        if (inst.channels != 1)
          throw InputError::at(inst_path, "image", "expected an instance map with one channel (grey), got " +
                                                       channels_text(inst) + ", with instance " + v + " to score");
        throw InputError::at(inst_path, "image size",
                             "expected the label ids' " + size_text(gt) + " (" + gt_path + "), got " + size_text(inst) +
                                 ", with instance " + v + " to score");
    }
  });
  return cityscapes::score(counts);
}

std::string cityscapes_tables_text(const cityscapes::Result& r) {
  const auto& labels = cityscapes::labels();
  const std::string rule = "--------------------------------\n";
  std::string s = "classes          IoU      nIoU\n" + rule;
  for (std::size_t l = 0; l < cityscapes::kLabels; ++l) {
    if (labels[l].ignore_in_eval) continue;
    s += pad_right(std::string(labels[l].name), 14) + ": " + f3(r.class_iou[l]) + "    " + f3(r.class_iiou[l]) + "\n";
  }
  s += rule + "Score Average : " + f3(r.mean_class_iou) + "    " + f3(r.mean_class_iiou) + "\n" + rule + "\n\n";
  s += "categories       IoU      nIoU\n" + rule;
  for (std::size_t c = 0; c < cityscapes::kCategories; ++c) {
    bool all_ignored = true;  // void: left out of the table
    for (const auto& l : labels) all_ignored = all_ignored && (l.category != c || l.ignore_in_eval);
    if (all_ignored) continue;
    s += pad_right(std::string(cityscapes::categories()[c]), 14) + ": " + f3(r.category_iou[c]) + "    " +
         f3(r.category_iiou[c]) + "\n";
  }
  s += rule + "Score Average : " + f3(r.mean_category_iou) + "    " + f3(r.mean_category_iiou) + "\n" + rule + "\n";
  return s;
}

std::string cityscapes_json(const cityscapes::Result& r, const CityscapesFiles& files) {
  using J = nlohmann::ordered_json;
  const auto& labels = cityscapes::labels();
  J doc;
  J cls = J::object(), cls_inst = J::object(), cat = J::object(), cat_inst = J::object();
  for (std::size_t l = 0; l < cityscapes::kLabels; ++l) {
    cls[std::string(labels[l].name)] = number_or_null(r.class_iou[l]);
    cls_inst[std::string(labels[l].name)] = number_or_null(r.class_iiou[l]);
  }
  for (std::size_t c = 0; c < cityscapes::kCategories; ++c) {
    cat[std::string(cityscapes::categories()[c])] = number_or_null(r.category_iou[c]);
    cat_inst[std::string(cityscapes::categories()[c])] = number_or_null(r.category_iiou[c]);
  }
  doc["classScores"] = cls;
  doc["classInstScores"] = cls_inst;
  doc["categoryScores"] = cat;
  doc["categoryInstScores"] = cat_inst;
  doc["averageScoreClasses"] = number_or_null(r.mean_class_iou);
  doc["averageScoreInstClasses"] = number_or_null(r.mean_class_iiou);
  doc["averageScoreCategories"] = number_or_null(r.mean_category_iou);
  doc["averageScoreInstCategories"] = number_or_null(r.mean_category_iiou);
  doc["confMatrix"] = matrix_json(r.confusion, cityscapes::kLabels);
  auto stats = [](const cityscapes::InstanceStats& s) {
    return J{{"tp", s.tp}, {"fn", s.fn}, {"tpWeighted", s.tp_weighted}, {"fnWeighted", s.fn_weighted}};
  };
  J sc = J::object(), scat = J::object();
  for (std::size_t l = 0; l < cityscapes::kLabels; ++l)
    if (labels[l].has_instances && !labels[l].ignore_in_eval) sc[std::string(labels[l].name)] = stats(r.class_stats[l]);
  for (std::size_t c = 0; c < cityscapes::kCategories; ++c) {
    const auto ids = cityscapes::category_instance_labels(c);
    if (ids.empty()) continue;
    J s = stats(r.category_stats[c]);
    s["labelIds"] = std::vector<int>(ids.begin(), ids.end());
    scat[std::string(cityscapes::categories()[c])] = s;
  }
  doc["instanceStats"] = J{{"classes", sc}, {"categories", scat}};
  J images = J::array();
  for (std::size_t i = 0; i < files.gt_labels.size(); ++i) images.push_back(J::array({files.predictions[i], files.gt_labels[i]}));
  doc["images"] = images;
  return doc.dump(1) + "\n";
}

// ---- labels (ADE20K, VOC, ...) --------------------------------------------------------

LabelFiles find_label_files(const std::string& gt_dir, const std::string& pred_dir) {
  require_folder(gt_dir, "ground-truth label maps (*.png)");
  require_folder(pred_dir, "predicted label maps (*.png)");
  auto by_stem = [](const std::string& dir) {
    std::map<std::string, std::string> m;
    for (const fs::path& p : files_under(dir)) {
      if (p.extension() != ".png") continue;
      auto [it, fresh] = m.emplace(p.stem().string(), p.string());
      if (!fresh)
        throw InputError::whole(p.string(), "expected one label map per file stem under " + dir + ", but " +
                                                it->second + " has the same stem");
    }
    return m;
  };
  const auto gt = by_stem(gt_dir), pred = by_stem(pred_dir);
  if (gt.empty()) throw InputError::whole(gt_dir, "expected ground-truth label maps (*.png), found none");
  LabelFiles out;
  for (const auto& [stem, path] : gt) {
    const auto it = pred.find(stem);
    if (it == pred.end())
      throw InputError::whole(path, "expected a prediction " + stem + ".png under " + pred_dir + ", found none");
    out.stems.push_back(stem);
    out.gt.push_back(path);
    out.predictions.push_back(it->second);
  }
  out.unmatched_predictions = pred.size() - out.stems.size();
  return out;
}

SemanticConfusion evaluate_label_files(const LabelFiles& files, std::size_t num_classes, std::uint32_t ignore_index,
                                       int threads, const CancelFlag* cancel) {
  const std::size_t n = files.gt.size();
  std::vector<SemanticConfusion> per(n);
  tbb::enumerable_thread_specific<std::array<PngImage, 2>> buffers;
  for_each_image(n, threads, cancel, [&](std::size_t i) {
    auto& [gt, pred] = buffers.local();
    read_png(files.gt[i], gt);
    read_png(files.predictions[i], pred);
    require_single_channel(gt, files.gt[i], "a label map");
    require_single_channel(pred, files.predictions[i], "a label map");
    if (pred.width != gt.width || pred.height != gt.height)
      throw InputError::at(files.predictions[i], "image size", "expected the ground truth's " + size_text(gt) + " (" +
                                                                    files.gt[i] + "), got " + size_text(pred));
    per[i] = SemanticConfusion(num_classes);
    const LabelView vg = view_of(gt), vp = view_of(pred);
    const auto issue = add_label_pixels(per[i], vg, vp, ignore_index);
    if (!issue) return;
    const std::string classes = "a class id 0.." + std::to_string(num_classes - 1);
    if (issue->in_prediction)
      throw InputError::expected(files.predictions[i], where(vp, issue->pixel), classes, std::to_string(issue->value));
    throw InputError::expected(files.gt[i], where(vg, issue->pixel),
                               classes + " or the ignore index " + std::to_string(ignore_index),
                               std::to_string(issue->value));
  });
  SemanticConfusion total(num_classes);
  for (const auto& c : per) total += c;  // integers: the order does not matter
  return total;
}

std::vector<std::string> read_class_names(const std::string& path) {
  std::vector<std::string> names;
  for (std::string line : split(read_file(path, std::size_t(1) << 26), '\n')) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) throw InputError::whole(path, "expected class names, one per line, found none");
  return names;
}

std::string labels_table_text(const SemanticScores& s, const std::vector<std::string>& names) {
  std::size_t w = 5;
  for (const auto& n : names) w = std::max(w, n.size());
  auto pct = [](double v) {
    if (std::isnan(v)) return std::string("    nan");
    char b[32];
    std::snprintf(b, sizeof b, "%7.2f", 100 * v);
    return std::string(b);
  };
  std::string out = pad_right("class", w) + "      IoU      Acc\n";
  for (std::size_t k = 0; k < names.size(); ++k) out += pad_right(names[k], w) + "  " + pct(s.iou[k]) + "  " + pct(s.accuracy[k]) + "\n";
  out += "\n   aAcc    mIoU    mAcc   fwIoU\n" + pct(s.pixel_accuracy) + " " + pct(s.mean_iou) + " " +
         pct(s.mean_accuracy) + " " + pct(s.fw_iou) + "\n";
  return out;
}

std::string labels_json(const SemanticConfusion& c, const SemanticScores& s, const std::vector<std::string>& names,
                        std::uint32_t ignore_index, std::size_t images) {
  using J = nlohmann::ordered_json;
  J doc;
  doc["num_classes"] = c.K;
  doc["ignore_index"] = ignore_index;
  doc["images"] = images;
  doc["mIoU"] = number_or_null(s.mean_iou);
  doc["mAcc"] = number_or_null(s.mean_accuracy);
  doc["aAcc"] = number_or_null(s.pixel_accuracy);
  doc["fwIoU"] = number_or_null(s.fw_iou);
  J classes = J::array();
  for (std::size_t k = 0; k < c.K; ++k)
    classes.push_back(J{{"name", names[k]},
                        {"iou", number_or_null(s.iou[k])},
                        {"acc", number_or_null(s.accuracy[k])},
                        {"gt_pixels", s.gt_pixels[k]},
                        {"pred_pixels", s.pred_pixels[k]},
                        {"tp", s.tp[k]}});
  doc["classes"] = classes;
  doc["confusion_matrix"] = matrix_json(c.counts, c.K);
  return doc.dump(1) + "\n";
}

}  // namespace deteval

// deteval.panoptic and deteval.semantic: panoptic quality, Cityscapes IoU/iIoU and
// label-map scores, from files (the CLI's readers) or from numpy arrays in memory (lib/'s
// functions over LabelViews). Results come back as the CLI's --json text, so Python and
// the CLI can never disagree on a number or a key.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/panoptic.hpp"
#include "deteval/formats/png.hpp"
#include "deteval/formats/semantic.hpp"

namespace py = pybind11;

namespace deteval::python {
namespace {

using U8 = py::array_t<std::uint8_t, py::array::c_style>;
using U16 = py::array_t<std::uint16_t, py::array::c_style>;
using U32 = py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>;

std::string image_name(const char* what, std::size_t i) { return what + std::string(" ") + std::to_string(i); }

// A 2-D label map as a view: uint8 and uint16 arrays as they are, other integer types
// converted to uint32 (`keep` holds the converted copy alive).
LabelView label_view(const py::handle& obj, const std::string& name, std::vector<py::array>& keep) {
  py::array a = py::array::ensure(obj);
  if (!a) throw InputError::whole(name, "expected a 2-D numpy array of labels, got " + std::string(py::str(py::type::of(obj))));
  if (a.ndim() != 2)
    throw InputError::whole(name, "expected a 2-D array (height x width), got " + std::to_string(a.ndim()) + " dimensions");
  const char kind = a.dtype().kind();
  if (kind != 'u' && kind != 'i' && kind != 'b')
    throw InputError::whole(name, "expected an integer array, got dtype " + std::string(py::str(a.dtype())));
  int bytes = 4;
  if (a.dtype().is(py::dtype::of<std::uint8_t>())) {
    a = U8::ensure(a), bytes = 1;
  } else if (a.dtype().is(py::dtype::of<std::uint16_t>())) {
    a = U16::ensure(a), bytes = 2;
  } else {
    if (kind == 'i' && py::bool_(py::module_::import("numpy").attr("any")(a.attr("__lt__")(0))))
      throw InputError::whole(name, "expected labels >= 0, found a negative value");
    a = U32::ensure(a);
  }
  keep.push_back(a);
  return LabelView{a.data(), static_cast<std::size_t>(a.shape(1)), static_cast<std::size_t>(a.shape(0)), bytes};
}

// A panoptic id map: H x W ids, or H x W x 3 uint8 RGB (id = R + 256 G + 256^2 B).
LabelMapView id_map(const py::handle& obj, const std::string& name, std::vector<std::vector<std::uint32_t>>& keep) {
  py::array a = py::array::ensure(obj);
  if (!a) throw InputError::whole(name, "expected a numpy array of segment ids");
  std::vector<std::uint32_t> ids;
  if (a.ndim() == 3) {
    if (a.shape(2) != 3 || !a.dtype().is(py::dtype::of<std::uint8_t>()))
      throw InputError::whole(name, "expected H x W x 3 uint8 (RGB) or H x W ids, got another shape or dtype");
    U8 rgb = U8::ensure(a);
    const std::uint8_t* p = rgb.data();
    ids.resize(static_cast<std::size_t>(a.shape(0) * a.shape(1)));
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = p[3 * i] + 256u * p[3 * i + 1] + 65536u * p[3 * i + 2];
  } else if (a.ndim() == 2) {
    const char kind = a.dtype().kind();
    if (kind != 'u' && kind != 'i') throw InputError::whole(name, "expected integer segment ids, got dtype " + std::string(py::str(a.dtype())));
    U32 v = U32::ensure(a);
    ids.assign(v.data(), v.data() + v.size());
  } else {
    throw InputError::whole(name, "expected H x W ids or H x W x 3 RGB, got " + std::to_string(a.ndim()) + " dimensions");
  }
  keep.push_back(std::move(ids));
  return LabelMapView{keep.back().data(), static_cast<int>(a.shape(1)), static_cast<int>(a.shape(0))};
}

// segments_info: dicts with id, category_id, and for ground truth iscrowd and area.
std::vector<PanopticSegment> segments(const py::handle& list, const std::string& name) {
  std::vector<PanopticSegment> out;
  std::size_t k = 0;
  for (py::handle item : list) {
    const std::string at = name + "[" + std::to_string(k++) + "]";
    if (!py::isinstance<py::dict>(item)) throw InputError::whole(at, "expected a dict with id and category_id");
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    if (!d.contains("id") || !d.contains("category_id"))
      throw InputError::whole(at, "expected the keys id and category_id");
    PanopticSegment s;
    s.id = d["id"].cast<std::uint32_t>();
    s.category_id = d["category_id"].cast<std::int64_t>();
    if (d.contains("iscrowd")) s.iscrowd = d["iscrowd"].cast<long long>() != 0;
    if (d.contains("area") && !d["area"].is_none()) s.area = d["area"].cast<double>();
    out.push_back(s);
  }
  return out;
}

std::vector<PanopticCategory> categories(const py::handle& list) {
  std::vector<PanopticCategory> out;
  std::size_t k = 0;
  for (py::handle item : list) {
    const std::string at = "categories[" + std::to_string(k++) + "]";
    if (!py::isinstance<py::dict>(item) || !py::reinterpret_borrow<py::dict>(item).contains("id"))
      throw InputError::whole(at, "expected a dict with id, isthing and name");
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    PanopticCategory c;
    c.id = d["id"].cast<std::int64_t>();
    if (d.contains("isthing")) c.isthing = d["isthing"].cast<long long>() != 0;
    if (d.contains("name")) c.name = py::str(d["name"]);
    out.push_back(std::move(c));
  }
  return out;
}

py::tuple panoptic_outputs(const PanopticResult& r) {
  return py::make_tuple(panoptic_json(r), panoptic_table(r), panoptic_class_table(r));
}

// One name per class: as given (then exactly num_classes of them), else the class numbers.
std::vector<std::string> class_names(std::vector<std::string> names, std::size_t num_classes) {
  if (num_classes == 0) throw UsageError("num_classes: expected at least 1 class, got 0");
  if (!names.empty() && names.size() != num_classes)
    throw UsageError("class_names: expected " + std::to_string(num_classes) + " names (num_classes), got " +
                     std::to_string(names.size()));
  for (std::size_t k = names.size(); k < num_classes; ++k) names.push_back(std::to_string(k));
  return names;
}

std::string where(const LabelView& v, std::size_t pixel) {
  return "pixel (x " + std::to_string(pixel % v.width) + ", y " + std::to_string(pixel / v.width) + ")";
}

}  // namespace

void bind_segmentation(py::module_& m) {
  m.def("panoptic_files", [](const std::string& gt_json, const std::string& pred_json, const std::string& gt_folder,
                             const std::string& pred_folder, int threads) {
    const PanopticResult r = run_interruptible([&](const CancelFlag* cancel) {
      return evaluate_panoptic_files(PanopticFiles{gt_json, gt_folder, pred_json, pred_folder, threads, cancel});
    });
    return panoptic_outputs(r);
  });

  m.def("panoptic_arrays", [](const py::list& cats, const py::list& images, int threads) {
    const std::vector<PanopticCategory> c = categories(cats);
    std::vector<std::vector<std::uint32_t>> keep;
    keep.reserve(2 * images.size());  // views point into these vectors: no reallocation
    std::vector<std::vector<PanopticSegment>> segs;
    segs.reserve(2 * images.size());
    std::vector<PanopticImageView> views;
    for (std::size_t i = 0; i < images.size(); ++i) {
      py::sequence img = images[i].cast<py::sequence>();
      if (img.size() != 4)
        throw InputError::whole(image_name("image", i), "expected (gt_ids, gt_segments, pred_ids, pred_segments)");
      PanopticImageView v;
      v.gt = id_map(img[0], image_name("image", i) + " gt", keep);
      segs.push_back(segments(img[1], image_name("image", i) + " gt_segments"));
      v.pred = id_map(img[2], image_name("image", i) + " pred", keep);
      segs.push_back(segments(img[3], image_name("image", i) + " pred_segments"));
      v.gt_segments = segs[segs.size() - 2];
      v.pred_segments = segs.back();
      views.push_back(v);
    }
    const PanopticResult r =
        run_interruptible([&](const CancelFlag* cancel) { return evaluate_panoptic(c, views, threads, cancel); });
    return panoptic_outputs(r);
  });

  m.def("read_png", [](const std::string& path) {
    PngImage img;
    {
      py::gil_scoped_release nogil;
      img = deteval::read_png(path);
    }
    std::vector<py::ssize_t> shape{img.height, img.width};
    if (img.channels > 1) shape.push_back(img.channels);
    if (img.bit_depth == 8) {
      py::array_t<std::uint8_t> a(shape);
      std::copy(img.data.begin(), img.data.end(), a.mutable_data());
      return py::array(a);
    }
    py::array_t<std::uint16_t> a(shape);
    std::memcpy(a.mutable_data(), img.data.data(), img.data.size());
    return py::array(a);
  });

  m.def("labels_files", [](const std::string& gt_dir, const std::string& pred_dir, std::size_t num_classes,
                           std::uint32_t ignore_index, std::vector<std::string> names, int threads) {
    names = class_names(std::move(names), num_classes);
    const auto [json, text] = run_interruptible([&](const CancelFlag* cancel) {
      const LabelFiles files = find_label_files(gt_dir, pred_dir);
      const SemanticConfusion c = evaluate_label_files(files, num_classes, ignore_index, threads, cancel);
      const SemanticScores s = semantic_scores(c);
      return std::pair(labels_json(c, s, names, ignore_index, files.stems.size()), labels_table_text(s, names));
    });
    return py::make_tuple(json, text);
  });

  m.def("labels_arrays", [](const py::sequence& gts, const py::sequence& preds, std::size_t num_classes,
                            std::uint32_t ignore_index, std::vector<std::string> names, int threads) {
    if (gts.size() != preds.size())
      throw InputError::whole("predictions", "expected one prediction per ground truth (" + std::to_string(gts.size()) +
                                                  "), got " + std::to_string(preds.size()));
    names = class_names(std::move(names), num_classes);
    std::vector<py::array> keep;
    std::vector<LabelPair> pairs;
    for (std::size_t i = 0; i < gts.size(); ++i) {
      LabelPair p{label_view(gts[i], image_name("ground truth", i), keep),
                  label_view(preds[i], image_name("prediction", i), keep)};
      if (p.gt.width != p.pred.width || p.gt.height != p.pred.height)
        throw InputError::whole(image_name("prediction", i), "expected the ground truth's size " +
                                                                 std::to_string(p.gt.width) + " x " + std::to_string(p.gt.height) +
                                                                 ", got " + std::to_string(p.pred.width) + " x " +
                                                                 std::to_string(p.pred.height));
      pairs.push_back(p);
    }
    const LabelEvaluation e = run_interruptible(
        [&](const CancelFlag* cancel) { return evaluate_labels(pairs, num_classes, ignore_index, threads, cancel); });
    if (e.issue_image) {
      const std::size_t i = *e.issue_image;
      const LabelView& v = e.issue.in_prediction ? pairs[i].pred : pairs[i].gt;
      throw InputError::expected(
          image_name(e.issue.in_prediction ? "prediction" : "ground truth", i), where(v, e.issue.pixel),
          e.issue.in_prediction ? "a class < " + std::to_string(num_classes)
                                : "a class < " + std::to_string(num_classes) + " or the ignore index " + std::to_string(ignore_index),
          std::to_string(e.issue.value));
    }
    return py::make_tuple(labels_json(e.confusion, e.scores, names, ignore_index, pairs.size()),
                          labels_table_text(e.scores, names));
  });

  m.def("cityscapes_files", [](const std::string& gt_root, const std::string& pred_dir, const std::string& split,
                               int threads) {
    const auto [json, text] = run_interruptible([&](const CancelFlag* cancel) {
      const CityscapesFiles files = find_cityscapes_files(gt_root, pred_dir, split);
      const cityscapes::Result r = evaluate_cityscapes_files(files, threads, cancel);
      return std::pair(cityscapes_json(r, files), cityscapes_tables_text(r));
    });
    return py::make_tuple(json, text);
  });

  m.def("cityscapes_arrays", [](const py::sequence& labels, const py::sequence& instances, const py::sequence& preds,
                                int threads) {
    if (labels.size() != instances.size() || labels.size() != preds.size())
      throw InputError::whole("images", "expected as many instance maps and predictions as label maps (" +
                                            std::to_string(labels.size()) + "), got " + std::to_string(instances.size()) +
                                            " and " + std::to_string(preds.size()));
    std::vector<py::array> keep;
    std::vector<cityscapes::ImageTriple> images;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      cityscapes::ImageTriple t{label_view(labels[i], image_name("label ids", i), keep),
                                label_view(instances[i], image_name("instance ids", i), keep),
                                label_view(preds[i], image_name("prediction", i), keep)};
      if (t.gt.width != t.pred.width || t.gt.height != t.pred.height)
        throw InputError::whole(image_name("prediction", i), "expected the label ids' size " + std::to_string(t.gt.width) +
                                                                 " x " + std::to_string(t.gt.height) + ", got " +
                                                                 std::to_string(t.pred.width) + " x " +
                                                                 std::to_string(t.pred.height));
      images.push_back(t);
    }
    const cityscapes::Evaluation e =
        run_interruptible([&](const CancelFlag* cancel) { return cityscapes::evaluate(images, threads, cancel); });
    if (e.issue_image) {
      using Kind = cityscapes::ImageIssue::Kind;
      const std::size_t i = *e.issue_image;
      const cityscapes::ImageIssue& is = e.issue;
      const std::string v = std::to_string(is.value);
      switch (is.kind) {
        case Kind::unknown_gt_label:
          throw InputError::expected(image_name("label ids", i), where(images[i].gt, is.pixel), "a Cityscapes label id 0..33", v);
        case Kind::pred_label_out_of_range:
          throw InputError::expected(image_name("prediction", i), where(images[i].pred, is.pixel), "a Cityscapes label id 0..33", v);
        case Kind::unknown_instance_label:
          throw InputError::expected(image_name("instance ids", i), where(images[i].instances, is.pixel),
                                     "an instance id label * 1000 + k with a label id 0..33", v);
        case Kind::instance_without_class:
          throw InputError::expected(image_name("instance ids", i), where(images[i].instances, is.pixel),
                                     "instance ids (> 1000) only of classes with instances", v);
        case Kind::instance_size_mismatch:
          throw InputError::whole(image_name("instance ids", i),
                                  "expected the label ids' size, got another, with instance " + v + " to score");
      }
    }
    return py::make_tuple(cityscapes_json(e.result, CityscapesFiles{}), cityscapes_tables_text(e.result));
  });
}

}  // namespace deteval::python

// The COCO evaluation for deteval.coco / deteval.cocoeval: ground truth and results
// read by formats/ (files or JSON text), the engine's evaluate/summarize, the CLI's JSON,
// analyses and report. The GIL is released while C++ works, and Ctrl-C stops it within
// milliseconds wherever it is (interrupt.hpp): KeyboardInterrupt.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "deteval/analysis.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/iou_provider.hpp"
#include "deteval/selection.hpp"
#include "deteval/summary.hpp"

namespace py = pybind11;

namespace deteval::python {

namespace {

struct PyGroundTruth {
  std::shared_ptr<const GroundTruth> gt;
  std::string name;
};

struct PyDetections {
  std::shared_ptr<const GroundTruth> gt;  // the ground truth whose indices dt uses
  std::shared_ptr<const Detections> dt;
  std::string name;
  std::size_t dropped_unknown_category = 0;
};

struct PyEvaluation {
  // What was evaluated: the inputs, or their subset for params.imgIds/catIds.
  std::shared_ptr<const GroundTruth> gt;
  std::shared_ptr<const Detections> dt;
  std::vector<std::uint32_t> gt_source, dt_source;  // empty: no subset
  std::string gt_name, dt_name;
  std::size_t dropped_unknown_category = 0;
  Evaluation ev;
  std::optional<Summary> summary;
  const Summary& summarized() {
    if (!summary) summary = summarize(ev);
    return *summary;
  }
};

IouType iou_type_of(const std::string& s) {
  try {
    return parse_iou_type(s);
  } catch (const UsageError&) {
    throw py::value_error("iouType: unknown type '" + s + "'");
  }
}

Device device_of(const std::string& s) {
  try {
    return parse_device(s);
  } catch (const UsageError&) {
    throw py::value_error("device: expected auto, cpu or cuda, got '" + s + "'");
  }
}

// The worker threads of readers and analyses (evaluate() has its own arena).
std::unique_ptr<tbb::global_control> thread_limit(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
}

// read(options) for a reader binding: GIL released, Ctrl-C routed to options.cancel,
// `threads` workers.
template <class Read>
auto read_interruptible(bool degrees, int threads, Read&& read) {
  return run_interruptible([&](const CancelFlag* cancel) {
    auto limit = thread_limit(threads);
    CocoReadOptions o;
    o.degrees = degrees;
    o.cancel = cancel;
    return read(o);
  });
}

template <class T>
using In = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
py::array_t<T> to_array(const T* data, std::vector<py::ssize_t> shape) {
  py::array_t<T> a(shape);
  std::copy(data, data + a.size(), a.mutable_data());
  return a;
}

std::vector<std::int64_t> ids_of(const py::handle& obj) {
  return py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(obj).cast<std::vector<std::int64_t>>();
}

Params params_from(const py::dict& d) {
  Params p;
  p.iou_type = iou_type_of(d["iouType"].cast<std::string>());
  p.use_cats = d["useCats"].cast<bool>();
  p.iou_thrs = d["iouThrs"].cast<std::vector<double>>();
  p.rec_thrs = d["recThrs"].cast<std::vector<double>>();
  p.max_dets = d["maxDets"].cast<std::vector<int>>();
  const auto ranges = d["areaRng"].cast<std::vector<std::vector<double>>>();
  const auto labels = d["areaRngLbl"].cast<std::vector<std::string>>();
  if (ranges.size() != labels.size())
    throw py::value_error("params: areaRng has " + std::to_string(ranges.size()) + " ranges, areaRngLbl " +
                          std::to_string(labels.size()) + " labels");
  p.area_ranges.clear();
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].size() != 2) throw py::value_error("params: areaRng[" + std::to_string(i) + "]: expected [lo, hi]");
    p.area_ranges.push_back({labels[i], ranges[i][0], ranges[i][1]});
  }
  if (d.contains("kpt_oks_sigmas")) p.kpt_oks_sigmas = d["kpt_oks_sigmas"].cast<std::vector<double>>();
  try {
    check_params(p);
  } catch (const UsageError& e) {
    throw py::value_error(std::string("params: ") + e.what());
  }
  return p;
}

AnalysisOptions analysis_options(double iou, double score_thr, int bootstrap, std::uint64_t seed, int threads) {
  AnalysisOptions o;
  o.iou = iou;
  o.score_threshold = score_thr;
  o.bootstrap = bootstrap;
  o.seed = seed;
  o.threads = threads;
  return o;
}

Analysis run_analysis(const PyEvaluation& e, const AnalysisOptions& o) {
  if (find_iou_threshold(e.ev, o.iou) < 0)
    throw py::value_error("analysis iou: " + std::to_string(o.iou) + " is not one of the IoU thresholds");
  return run_interruptible([&](const CancelFlag* cancel) {
    auto limit = thread_limit(o.threads);
    AnalysisOptions with_cancel = o;
    with_cancel.cancel = cancel;
    return analyze(*e.gt, *e.dt, e.ev, with_cancel);
  });
}

}  // namespace

void bind_coco(py::module_& m) {
  py::class_<PyGroundTruth>(m, "GroundTruth")
      .def_property_readonly("image_ids", [](const PyGroundTruth& g) {
        py::array_t<std::int64_t> a(static_cast<py::ssize_t>(g.gt->images.size()));
        for (std::size_t i = 0; i < g.gt->images.size(); ++i) a.mutable_data()[i] = g.gt->images[i].id;
        return a;
      })
      .def_property_readonly("category_ids", [](const PyGroundTruth& g) {
        py::array_t<std::int64_t> a(static_cast<py::ssize_t>(g.gt->categories.size()));
        for (std::size_t i = 0; i < g.gt->categories.size(); ++i) a.mutable_data()[i] = g.gt->categories[i].id;
        return a;
      })
      .def_property_readonly("num_annotations", [](const PyGroundTruth& g) { return g.gt->size(); })
      .def_readonly("name", &PyGroundTruth::name);

  py::class_<PyDetections>(m, "Detections")
      .def_property_readonly("size", [](const PyDetections& d) { return d.dt->size(); })
      .def_readonly("dropped_unknown_category", &PyDetections::dropped_unknown_category)
      .def_readonly("name", &PyDetections::name);

  m.def("read_gt", [](const std::string& path, const std::string& type, bool degrees, int threads) {
    const IouType t = iou_type_of(type);
    return read_interruptible(degrees, threads, [&](const CocoReadOptions& o) {
      return PyGroundTruth{std::make_shared<const GroundTruth>(read_coco_gt(path, t, o)), path};
    });
  }, py::arg("path"), py::arg("iou_type"), py::arg("degrees") = false, py::arg("threads") = 0);
  m.def("parse_gt", [](const py::bytes& text, const std::string& name, const std::string& type, bool degrees,
                       int threads) {
    const IouType t = iou_type_of(type);
    const std::string_view view = text;  // the bytes object outlives the call
    return read_interruptible(degrees, threads, [&](const CocoReadOptions& o) {
      return PyGroundTruth{std::make_shared<const GroundTruth>(parse_coco_gt(view, name, t, o)), name};
    });
  }, py::arg("text"), py::arg("name"), py::arg("iou_type"), py::arg("degrees") = false, py::arg("threads") = 0);
  m.def("read_results", [](const std::string& path, const PyGroundTruth& gt, const std::string& type, bool degrees,
                           int threads) {
    const IouType t = iou_type_of(type);
    return read_interruptible(degrees, threads, [&](const CocoReadOptions& o) {
      ResultsReport report;
      auto dt = std::make_shared<const Detections>(read_coco_results(path, *gt.gt, t, &report, o));
      return PyDetections{gt.gt, std::move(dt), path, report.dropped_unknown_category};
    });
  }, py::arg("path"), py::arg("gt"), py::arg("iou_type"), py::arg("degrees") = false, py::arg("threads") = 0);
  m.def("parse_results", [](const py::bytes& text, const std::string& name, const PyGroundTruth& gt,
                            const std::string& type, bool degrees, int threads) {
    const IouType t = iou_type_of(type);
    const std::string_view view = text;
    return read_interruptible(degrees, threads, [&](const CocoReadOptions& o) {
      ResultsReport report;
      auto dt = std::make_shared<const Detections>(parse_coco_results(view, name, *gt.gt, t, &report, o));
      return PyDetections{gt.gt, std::move(dt), name, report.dropped_unknown_category};
    });
  }, py::arg("text"), py::arg("name"), py::arg("gt"), py::arg("iou_type"), py::arg("degrees") = false,
     py::arg("threads") = 0);

  // evaluate(gt, dt, params, image_ids, category_ids, threads, device, on_stage):
  // COCOeval.evaluate() and accumulate(). image_ids/category_ids: None for every
  // image/category, else pycocotools' params.imgIds/catIds (selection.hpp).
  m.def("evaluate", [](const PyGroundTruth& gt, const PyDetections& dt, const py::dict& params,
                       const py::object& image_ids, const py::object& category_ids, int threads,
                       const std::string& device, const py::object& on_stage) {
    if (dt.gt != gt.gt) throw py::value_error("evaluate: the results were read against another ground truth");
    const Params p = params_from(params);
    EvalOptions o;
    o.threads = threads;
    o.device = device_of(device);
    auto out = std::make_unique<PyEvaluation>();
    out->gt = gt.gt;
    out->dt = dt.dt;
    out->gt_name = gt.name;
    out->dt_name = dt.name;
    out->dropped_unknown_category = dt.dropped_unknown_category;
    std::optional<std::vector<std::int64_t>> imgs, cats;
    if (!image_ids.is_none()) imgs = ids_of(image_ids);
    if (!category_ids.is_none()) cats = ids_of(category_ids);
    // Between stages: on_stage(name) if given; an exception from it stops the evaluation,
    // as does a signal whose Python handler raises. (Stages start on this thread: its error
    // indicator carries the exception out.) Ctrl-C stops it anywhere (run_interruptible).
    o.on_stage = [&on_stage](const char* stage) {
      py::gil_scoped_acquire gil;
      if (!on_stage.is_none()) {
        try {
          on_stage(stage);
        } catch (py::error_already_set& e) {
          e.restore();
          throw PythonErrorSet{};
        }
      }
      if (PyErr_CheckSignals() != 0) throw PythonErrorSet{};
    };
    return run_interruptible([&](const CancelFlag* cancel) {
      o.cancel = cancel;
      if (imgs || cats) {
        std::vector<std::int64_t> all_images, all_cats;
        if (!imgs)
          for (const Image& im : gt.gt->images) all_images.push_back(im.id);
        if (!cats)
          for (const Category& c : gt.gt->categories) all_cats.push_back(c.id);
        Selection s = select(*gt.gt, *dt.dt, imgs ? *imgs : all_images, cats ? *cats : all_cats, p.use_cats);
        out->gt = std::make_shared<const GroundTruth>(std::move(s.gt));
        out->dt = std::make_shared<const Detections>(std::move(s.dt));
        out->gt_source = std::move(s.gt_source);
        out->dt_source = std::move(s.dt_source);
      }
      out->ev = deteval::evaluate(*out->gt, *out->dt, p, o);
      return std::move(out);
    });
  }, py::arg("gt"), py::arg("dt"), py::arg("params"), py::arg("image_ids") = py::none(),
     py::arg("category_ids") = py::none(), py::arg("threads") = 0, py::arg("device") = "auto",
     py::arg("on_stage") = py::none());

  // COCOeval.summarize() of eval arrays as they are (after an accumulate() from evalImgs):
  // (stats, text) with `params` (the dict evaluate() takes) deciding thresholds and labels.
  m.def("summarize_arrays", [](const In<double>& precision, const In<double>& recall, const In<double>& scores,
                               const py::dict& params) {
    Evaluation e;
    e.params = params_from(params);
    if (precision.ndim() != 5 || recall.ndim() != 4 || scores.ndim() != 5)
      throw py::value_error("summarize: expected precision [T,R,K,A,M], recall [T,K,A,M], scores [T,R,K,A,M]");
    e.T = precision.shape(0), e.R = precision.shape(1), e.K = precision.shape(2), e.A = precision.shape(3),
    e.M = precision.shape(4);
    if (e.T != e.params.iou_thrs.size() || e.A != e.params.area_ranges.size() || e.M != e.params.max_dets.size() ||
        recall.shape(0) != py::ssize_t(e.T) || recall.shape(1) != py::ssize_t(e.K) ||
        recall.shape(2) != py::ssize_t(e.A) || recall.shape(3) != py::ssize_t(e.M))
      throw py::value_error("summarize: eval's arrays do not match params (iouThrs, areaRng, maxDets)");
    e.precision.assign(precision.data(), precision.data() + precision.size());
    e.recall.assign(recall.data(), recall.data() + recall.size());
    e.scores.assign(scores.data(), scores.data() + scores.size());
    const Summary s = summarize(e);
    return py::make_tuple(to_array(s.stats.data(), {py::ssize_t(s.stats.size())}), s.text);
  });

  py::class_<PyEvaluation>(m, "Evaluation")
      .def_property_readonly("counts", [](const PyEvaluation& e) {
        return std::vector<std::size_t>{e.ev.T, e.ev.R, e.ev.K, e.ev.A, e.ev.M};
      })
      .def_property_readonly("precision", [](const PyEvaluation& e) {
        const auto& v = e.ev;
        return to_array(v.precision.data(), {py::ssize_t(v.T), py::ssize_t(v.R), py::ssize_t(v.K), py::ssize_t(v.A), py::ssize_t(v.M)});
      })
      .def_property_readonly("recall", [](const PyEvaluation& e) {
        const auto& v = e.ev;
        return to_array(v.recall.data(), {py::ssize_t(v.T), py::ssize_t(v.K), py::ssize_t(v.A), py::ssize_t(v.M)});
      })
      .def_property_readonly("scores", [](const PyEvaluation& e) {
        const auto& v = e.ev;
        return to_array(v.scores.data(), {py::ssize_t(v.T), py::ssize_t(v.R), py::ssize_t(v.K), py::ssize_t(v.A), py::ssize_t(v.M)});
      })
      .def_property_readonly("device", [](const PyEvaluation& e) { return e.ev.device; })
      .def_property_readonly("timings", [](const PyEvaluation& e) {
        const EvalTimings& t = e.ev.timings;
        py::dict d;
        d["cells"] = t.cells, d["iou"] = t.iou, d["matching"] = t.matching, d["accumulation"] = t.accumulation;
        return d;
      })
      .def_property_readonly("dropped_unknown_category", [](const PyEvaluation& e) { return e.dropped_unknown_category; })
      // (stats, text) of COCOeval.summarize().
      .def("summarize", [](PyEvaluation& e) {
        const Summary& s = e.summarized();
        return py::make_tuple(to_array(s.stats.data(), {py::ssize_t(s.stats.size())}), s.text);
      })
      // The CLI's --json document; with analysis options, with its "analysis" member.
      .def("to_json", [](PyEvaluation& e, bool with_analysis, double iou, double score_thr, int bootstrap,
                         std::uint64_t seed, int threads) {
        const Summary& s = e.summarized();
        const auto cats = per_category(e.ev);
        if (!with_analysis) return coco_evaluation_json(e.ev, s, cats, *e.gt);
        const Analysis a = run_analysis(e, analysis_options(iou, score_thr, bootstrap, seed, threads));
        return coco_evaluation_json(e.ev, s, cats, *e.gt, a);
      }, py::arg("analysis") = false, py::arg("iou") = 0.5, py::arg("score_thr") = 0.5, py::arg("bootstrap") = 0,
         py::arg("seed") = 0, py::arg("threads") = 0)
      // The CLI's --report (HTML) and --curves (.csv or .json) files, written atomically.
      .def("report", [](PyEvaluation& e, const std::string& path, double iou, double score_thr, int bootstrap,
                        std::uint64_t seed, int threads) {
        const Summary& s = e.summarized();
        const auto cats = per_category(e.ev);
        const Analysis a = run_analysis(e, analysis_options(iou, score_thr, bootstrap, seed, threads));
        ReportInput in;
        in.title = std::string("COCO ") + to_string(e.ev.params.iou_type) + " evaluation";
        in.facts = {{"ground truth", e.gt_name},
                    {"results", e.dt_name},
                    {"images", std::to_string(e.gt->images.size())},
                    {"categories", std::to_string(e.gt->categories.size())},
                    {"annotations", std::to_string(e.gt->size())},
                    {"detections", std::to_string(e.dt->size())}};
        if (!e.ev.params.use_cats) in.facts.emplace_back("useCats", "0");
        for (std::size_t i = 0; i < s.stats.size() && i < kStatNames.size(); ++i)
          in.summary.emplace_back(kStatNames[i], s.stats[i]);
        in.eval = &e.ev;
        in.categories = &cats;
        in.names = category_names(e.ev, *e.gt);
        in.analysis = &a;
        write_file_atomic(path, report_html(in));
      }, py::arg("path"), py::arg("iou") = 0.5, py::arg("score_thr") = 0.5, py::arg("bootstrap") = 0,
         py::arg("seed") = 0, py::arg("threads") = 0)
      .def("curves", [](PyEvaluation& e, const std::string& path) {
        const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
        const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
        if (!csv && !json) throw py::value_error("curves: expected a file name ending in .csv or .json, got '" + path + "'");
        const auto curves = pr_curves(e.ev);
        const auto names = category_names(e.ev, *e.gt);
        write_file_atomic(path, csv ? curves_csv(e.ev, curves, names) : curves_json(e.ev, curves, names));
      }, py::arg("path"))
      // COCOeval.ious' raw material: for each (image, category) cell with detections and
      // ground truths (pooled over categories without useCats), the IoUs of its detections
      // (by score, stable, at most maxDets[-1]) with its ground truths (file order), as
      // pycocotools' computeIoU orders them. Rows of "cells": image, category, nd, ng.
      .def("cell_ious", [](const PyEvaluation& e, const std::string& device) {
        const GroundTruth& gt = *e.gt;
        const Detections& dt = *e.dt;
        const bool use_cats = e.ev.params.use_cats;
        const std::size_t I = gt.images.size(), K = use_cats ? gt.categories.size() : 1;
        const auto max_det = static_cast<std::size_t>(e.ev.params.max_dets.back());
        std::vector<std::vector<std::uint32_t>> gcell(K * I), dcell(K * I);
        // Pooled cells take categories in order, then file order (a stable pass per category).
        auto bucket = [&](std::size_t n, const std::vector<std::uint32_t>& image, const std::vector<std::uint32_t>& cat,
                          std::vector<std::vector<std::uint32_t>>& cells) {
          std::vector<std::uint32_t> order(n);
          for (std::size_t j = 0; j < n; ++j) order[j] = static_cast<std::uint32_t>(j);
          if (!use_cats) std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cat[a] < cat[b]; });
          for (std::uint32_t j : order) cells[(use_cats ? cat[j] : 0) * I + image[j]].push_back(j);
        };
        bucket(gt.size(), gt.image, gt.category, gcell);
        bucket(dt.size(), dt.image, dt.category, dcell);
        std::vector<std::uint64_t> rows, offsets;
        std::uint64_t total = 0;
        for (std::size_t c = 0; c < K * I; ++c) {
          auto& d = dcell[c];
          std::stable_sort(d.begin(), d.end(), [&](auto a, auto b) { return dt.score[a] > dt.score[b]; });
          if (d.size() > max_det) d.resize(max_det);
          if (d.empty() || gcell[c].empty()) continue;
          rows.insert(rows.end(), {c % I, c / I, d.size(), gcell[c].size()});
          offsets.push_back(total);
          total += d.size() * gcell[c].size();
        }
        py::array_t<double> ious(static_cast<py::ssize_t>(total));
        double* out = ious.mutable_data();
        const Device dev = device_of(device);
        run_interruptible([&](const CancelFlag* cancel) {
          auto provider = make_iou_provider(gt, dt, e.ev.params.iou_type, dev);
          std::vector<IouTask> tasks;
          for (std::size_t n = 0; n < offsets.size(); ++n) {
            const std::size_t c = rows[4 * n + 1] * I + rows[4 * n];
            tasks.push_back({dcell[c], gcell[c], out + offsets[n]});
          }
          provider->compute(tasks, cancel);
          return true;
        });
        py::array_t<std::uint64_t> cells({static_cast<py::ssize_t>(offsets.size()), py::ssize_t{4}});
        std::copy(rows.begin(), rows.end(), cells.mutable_data());
        py::dict d;
        d["cells"] = cells;
        d["ious"] = ious;
        py::array_t<std::int64_t> image_ids(py::ssize_t(gt.images.size()));
        for (std::size_t j = 0; j < gt.images.size(); ++j) image_ids.mutable_data()[j] = gt.images[j].id;
        d["image_ids"] = image_ids;
        return d;
      }, py::arg("device") = "auto")
      // COCOeval.evalImgs' raw material, as flat arrays (deteval/cocoeval.py builds the dicts):
      // per ImageEval (category, area, image, num_dt, num_gt, dt_begin, gt_begin, match_begin);
      // the per-detection/ground-truth arrays; ids of what they index.
      .def("image_evals", [](const PyEvaluation& e) {
        const auto& v = e.ev;
        const std::size_t n = v.image_evals.size();
        py::array_t<std::uint64_t> cells({py::ssize_t(n), py::ssize_t{8}});
        std::uint64_t* c = cells.mutable_data();
        for (std::size_t i = 0; i < n; ++i) {
          const ImageEval& ie = v.image_evals[i];
          const std::uint64_t row[8] = {ie.category, ie.area, ie.image, ie.num_dt, ie.num_gt, ie.dt_begin, ie.gt_begin, ie.match_begin};
          std::copy(row, row + 8, c + 8 * i);
        }
        // Ids: the GT's annotation ids, detection ids 1..N of the results as loaded (before any subset).
        py::array_t<std::int64_t> ann_ids(py::ssize_t(e.gt->size()));
        for (std::size_t j = 0; j < e.gt->size(); ++j) ann_ids.mutable_data()[j] = e.gt->ann_id[j];
        py::array_t<std::int64_t> dt_ids(py::ssize_t(e.dt->size()));
        for (std::size_t j = 0; j < e.dt->size(); ++j)
          dt_ids.mutable_data()[j] = static_cast<std::int64_t>(e.dt_source.empty() ? j : e.dt_source[j]) + 1;
        py::array_t<std::int64_t> image_ids(py::ssize_t(e.gt->images.size()));
        for (std::size_t j = 0; j < e.gt->images.size(); ++j) image_ids.mutable_data()[j] = e.gt->images[j].id;
        py::dict d;
        d["cells"] = cells;
        d["dt_index"] = to_array(v.dt_index.data(), {py::ssize_t(v.dt_index.size())});
        d["gt_index"] = to_array(v.gt_index.data(), {py::ssize_t(v.gt_index.size())});
        d["gt_ignore"] = to_array(v.gt_ignore.data(), {py::ssize_t(v.gt_ignore.size())});
        d["dt_match"] = to_array(v.dt_match.data(), {py::ssize_t(v.dt_match.size())});
        d["dt_ignore"] = to_array(v.dt_ignore.data(), {py::ssize_t(v.dt_ignore.size())});
        d["dt_score"] = to_array(e.dt->score.data(), {py::ssize_t(e.dt->size())});
        d["ann_ids"] = ann_ids;
        d["dt_ids"] = dt_ids;
        d["image_ids"] = image_ids;
        return d;
      });
}

}  // namespace deteval::python

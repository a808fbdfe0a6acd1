// pycocotools._mask's functions on lists (deteval/mask.py adds the single-object forms):
// RLE dicts {'size': [h, w], 'counts': bytes}, masks as Fortran-order uint8 arrays, boxes
// as float64 N x 4, all computed by lib/'s mask.hpp (bit for bit pycocotools' maskApi).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "deteval/box.hpp"
#include "deteval/mask.hpp"

namespace py = pybind11;

namespace deteval::python {

namespace {

std::uint32_t to_u32(py::handle v, const char* what) {
  const long long x = v.cast<long long>();
  if (x < 0 || x > 0xffffffffLL) throw py::value_error(std::string(what) + ": expected 0..2^32-1, got " + std::to_string(x));
  return static_cast<std::uint32_t>(x);
}

/// One RLE dict: compressed counts (bytes or str) or uncompressed counts (a list).
Rle parse_rle(py::handle obj, std::size_t index) {
  const std::string where = "RLE [" + std::to_string(index) + "]";
  if (!py::isinstance<py::dict>(obj)) throw py::type_error(where + ": expected a dict with 'size' and 'counts'");
  py::dict d = py::reinterpret_borrow<py::dict>(obj);
  if (!d.contains("size") || !d.contains("counts")) throw py::value_error(where + ": expected keys 'size' and 'counts'");
  py::sequence size = d["size"].cast<py::sequence>();
  if (size.size() != 2) throw py::value_error(where + ".size: expected [height, width]");
  const std::uint32_t h = to_u32(size[0], (where + ".size").c_str()), w = to_u32(size[1], (where + ".size").c_str());
  py::object counts = d["counts"];
  Rle out;
  std::string error;
  bool ok;
  if (py::isinstance<py::bytes>(counts) || py::isinstance<py::str>(counts)) {
    const std::string s = py::isinstance<py::bytes>(counts) ? std::string(counts.cast<py::bytes>())
                                                            : counts.cast<std::string>();
    ok = rle_from_string(s, h, w, out, error);
  } else {
    const auto values = counts.cast<std::vector<std::uint64_t>>();
    ok = rle_from_counts(values, h, w, out, error);
  }
  if (!ok) throw py::value_error(where + ".counts: " + error);
  return out;
}

std::vector<Rle> parse_rles(const py::sequence& objs) {
  std::vector<Rle> rles;
  rles.reserve(objs.size());
  for (std::size_t i = 0; i < objs.size(); ++i) rles.push_back(parse_rle(objs[i], i));
  return rles;
}

py::dict to_dict(RleView r) {
  py::dict d;
  d["size"] = py::make_tuple(r.height, r.width).cast<py::list>();
  d["counts"] = py::bytes(rle_to_string(r));
  return d;
}

py::list to_dicts(const std::vector<Rle>& rles) {
  py::list out;
  for (const Rle& r : rles) out.append(to_dict(r));
  return out;
}

std::vector<Box> parse_boxes(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, const char* what) {
  if (a.ndim() != 2 || a.shape(1) != 4) throw py::value_error(std::string(what) + ": expected an N x 4 array of boxes");
  std::vector<Box> boxes(static_cast<std::size_t>(a.shape(0)));
  auto r = a.unchecked<2>();
  for (py::ssize_t i = 0; i < a.shape(0); ++i) boxes[i] = Box{r(i, 0), r(i, 1), r(i, 2), r(i, 3)};
  return boxes;
}

std::vector<std::uint8_t> parse_crowd(const py::array_t<std::uint8_t, py::array::forcecast>& c, std::size_t n) {
  if (static_cast<std::size_t>(c.size()) != n)
    throw py::value_error("iscrowd: expected one flag per ground truth (" + std::to_string(n) + "), got " +
                          std::to_string(c.size()));
  return {c.data(), c.data() + n};
}

// An m x n IoU matrix in maskApi's layout (Fortran order).
template <class F>
py::array_t<double, py::array::f_style> iou_matrix(std::size_t m, std::size_t n, F iou) {
  py::array_t<double, py::array::f_style> out({static_cast<py::ssize_t>(m), static_cast<py::ssize_t>(n)});
  double* o = out.mutable_data();
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < m; ++i) o[j * m + i] = iou(i, j);
  return out;
}

}  // namespace

void bind_mask(py::module_& m) {
  m.def("mask_encode", [](const py::array_t<std::uint8_t, py::array::f_style | py::array::forcecast>& a) {
    if (a.ndim() != 3) throw py::value_error("encode: expected an h x w x n array");
    const auto h = static_cast<std::uint32_t>(a.shape(0)), w = static_cast<std::uint32_t>(a.shape(1));
    const auto n = static_cast<std::size_t>(a.shape(2));
    std::vector<Rle> rles(n);
    {
      py::gil_scoped_release nogil;
      for (std::size_t i = 0; i < n; ++i) rles[i] = rle_encode(a.data() + i * std::size_t{h} * w, h, w);
    }
    return to_dicts(rles);
  });
  m.def("mask_decode", [](const py::sequence& objs) {
    const std::vector<Rle> rles = parse_rles(objs);
    if (rles.empty()) throw py::value_error("decode: expected at least one RLE");
    const std::uint32_t h = rles[0].height, w = rles[0].width;
    for (std::size_t i = 1; i < rles.size(); ++i)
      if (rles[i].height != h || rles[i].width != w)
        throw py::value_error("decode: RLE [" + std::to_string(i) + "] is " + std::to_string(rles[i].height) + " x " +
                              std::to_string(rles[i].width) + ", RLE [0] " + std::to_string(h) + " x " +
                              std::to_string(w) + ": expected one size");
    py::array_t<std::uint8_t, py::array::f_style> out({static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w),
                                                       static_cast<py::ssize_t>(rles.size())});
    std::uint8_t* data = out.mutable_data();
    for (std::size_t i = 0; i < rles.size(); ++i) rle_decode(rles[i], data + i * std::size_t{h} * w);
    return out;
  });
  m.def("mask_merge", [](const py::sequence& objs, bool intersect) {
    const std::vector<Rle> rles = parse_rles(objs);
    if (rles.empty()) return to_dict(RleView{});  // maskApi leaves an empty 0 x 0 RLE
    for (std::size_t i = 1; i < rles.size(); ++i)
      if (rles[i].height != rles[0].height || rles[i].width != rles[0].width)
        throw py::value_error("merge: RLE [" + std::to_string(i) + "] differs in size from RLE [0]");
    std::vector<RleView> views(rles.begin(), rles.end());
    return to_dict(rle_merge(views, intersect));
  });
  m.def("mask_area", [](const py::sequence& objs) {
    const std::vector<Rle> rles = parse_rles(objs);
    py::array_t<std::uint32_t> out(static_cast<py::ssize_t>(rles.size()));
    for (std::size_t i = 0; i < rles.size(); ++i) out.mutable_data()[i] = static_cast<std::uint32_t>(rle_area(rles[i]));
    return out;
  });
  m.def("mask_to_bbox", [](const py::sequence& objs) {
    const std::vector<Rle> rles = parse_rles(objs);
    py::array_t<double> out({static_cast<py::ssize_t>(rles.size()), py::ssize_t{4}});
    double* o = out.mutable_data();
    for (std::size_t i = 0; i < rles.size(); ++i) {
      const Box b = rle_to_bbox(rles[i]);
      o[4 * i] = b.x, o[4 * i + 1] = b.y, o[4 * i + 2] = b.w, o[4 * i + 3] = b.h;
    }
    return out;
  });
  m.def("mask_iou_rle", [](const py::sequence& dts, const py::sequence& gts,
                           const py::array_t<std::uint8_t, py::array::forcecast>& crowd) {
    const std::vector<Rle> d = parse_rles(dts), g = parse_rles(gts);
    const std::vector<std::uint8_t> c = parse_crowd(crowd, g.size());
    return iou_matrix(d.size(), g.size(), [&](std::size_t i, std::size_t j) { return rle_iou(d[i], g[j], c[j] != 0); });
  });
  m.def("mask_iou_box", [](const py::array_t<double, py::array::c_style | py::array::forcecast>& dts,
                           const py::array_t<double, py::array::c_style | py::array::forcecast>& gts,
                           const py::array_t<std::uint8_t, py::array::forcecast>& crowd) {
    const std::vector<Box> d = parse_boxes(dts, "iou: dt"), g = parse_boxes(gts, "iou: gt");
    const std::vector<std::uint8_t> c = parse_crowd(crowd, g.size());
    return iou_matrix(d.size(), g.size(), [&](std::size_t i, std::size_t j) { return box_iou(d[i], g[j], c[j] != 0); });
  });
  m.def("mask_from_bbox", [](const py::array_t<double, py::array::c_style | py::array::forcecast>& bb, std::uint32_t h,
                             std::uint32_t w) {
    std::vector<Rle> rles;
    for (const Box& b : parse_boxes(bb, "frBbox")) rles.push_back(rle_from_box(b, h, w));
    return to_dicts(rles);
  });
  m.def("mask_from_polygons", [](const py::sequence& polys, std::uint32_t h, std::uint32_t w) {
    std::vector<Rle> rles;
    for (py::handle p : polys) {
      const auto xy = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(p);
      if (!xy || xy.ndim() != 1) throw py::value_error("frPoly: expected each polygon as a flat list [x0, y0, x1, y1, ...]");
      rles.push_back(rle_from_polygon(std::span<const double>(xy.data(), static_cast<std::size_t>(xy.size())), h, w));
    }
    return to_dicts(rles);
  });
  m.def("mask_from_uncompressed", [](const py::sequence& objs) {
    std::vector<Rle> rles = parse_rles(objs);
    return to_dicts(rles);
  });
}

}  // namespace deteval::python

// The parts of deteval._core (module.cpp): pycocotools.mask's functions, the COCO
// evaluation (datasets, results, evaluations), Python objects -> JSON text, and
// accumulate() from evalImgs as given, and the segmentation metrics (panoptic, semantic).
#pragma once

#include <pybind11/pybind11.h>

namespace deteval::python {

void bind_mask(pybind11::module_& m);
void bind_coco(pybind11::module_& m);
void bind_json(pybind11::module_& m);
void bind_accumulate(pybind11::module_& m);
void bind_segmentation(pybind11::module_& m);  // panoptic, Cityscapes, label maps

}  // namespace deteval::python

// The parts of deteval._core (module.cpp): pycocotools.mask's functions and the COCO
// evaluation (datasets, results, evaluations).
#pragma once

#include <pybind11/pybind11.h>

namespace deteval::python {

void bind_mask(pybind11::module_& m);
void bind_coco(pybind11::module_& m);

}  // namespace deteval::python

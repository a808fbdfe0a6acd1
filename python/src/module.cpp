// deteval._core: the C++ engine for the Python package (python/deteval/). The Python
// modules hold pycocotools' API; everything numeric happens here, through lib/ and formats/.
#include <pybind11/pybind11.h>

#include <stdexcept>

#include "bindings.hpp"
#include "deteval/cancel.hpp"
#include "deteval/device.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/runtime/memory.hpp"
#include "deteval/version.hpp"
#ifdef DETEVAL_HAVE_CUDA
#include "deteval/cuda/backend.hpp"
#endif

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "deteval's C++ engine (use deteval.coco, deteval.cocoeval, deteval.mask, deteval.panoptic, deteval.semantic)";
#ifdef DETEVAL_HAVE_CUDA
  deteval::cuda::register_backend();
#endif
  // Huge-page advice for this module's large buffers; the interpreter's allocator settings
  // stay as they are (no mallopt in someone else's process).
  deteval::runtime::tune_memory(deteval::runtime::MemoryPolicy::advice_only);
  m.attr("__version__") = deteval::version();
  m.def("huge_pages_in_use", &deteval::runtime::huge_pages_in_use,
        "Whether this module's large buffers are advised onto transparent huge pages");
  // The CLI's messages, as Python's exception types: invalid content -> ValueError,
  // files -> OSError, an unusable device -> RuntimeError, stopped by Ctrl-C -> KeyboardInterrupt.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const deteval::IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const deteval::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const deteval::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const deteval::Cancelled&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const deteval::DeviceError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const deteval::Error& e) {  // refused by a rule, or an internal state
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  deteval::python::bind_mask(m);
  deteval::python::bind_coco(m);
  deteval::python::bind_json(m);
  deteval::python::bind_accumulate(m);
  deteval::python::bind_segmentation(m);
}

# The Python package `deteval` (python/, docs/python.md): built when pybind11 and a Python 3
# with its headers and numpy are found. Debian's /usr/bin/python3 is preferred over the
# python3 first on PATH (which may be another interpreter without numpy); set
# -DPython3_EXECUTABLE=... for another one, -DDETEVAL_BUILD_PYTHON=OFF to skip it.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the deteval package is built for")
endif()
# Not by default in sanitized builds: an instrumented module cannot load into a plain python3.
set(_deteval_python_default OFF)
if((NOT DEFINED DETEVAL_BUILD_PYTHON AND NOT DETEVAL_SANITIZE) OR DETEVAL_BUILD_PYTHON)
  find_package(Python3 COMPONENTS Interpreter Development.Module NumPy QUIET)
  if(Python3_FOUND)
    find_package(pybind11 CONFIG QUIET)
  endif()
  if(Python3_FOUND AND pybind11_FOUND)
    set(_deteval_python_default ON)
  endif()
endif()
option(DETEVAL_BUILD_PYTHON "Build the Python package (needs pybind11, Python 3 headers and numpy)" ${_deteval_python_default})
if(DETEVAL_BUILD_PYTHON)
  if(NOT Python3_FOUND OR NOT pybind11_FOUND)
    message(FATAL_ERROR "DETEVAL_BUILD_PYTHON=ON needs Python 3 (interpreter, headers, numpy) and pybind11 "
                        "(Debian: python3-dev python3-numpy pybind11-dev)")
  endif()
  message(STATUS "deteval: Python package for ${Python3_EXECUTABLE} (${Python3_VERSION})")
  add_subdirectory(python)
else()
  message(STATUS "deteval: Python package not built (pybind11 or Python 3 with numpy not found)")
endif()

# ctest -P script: install the Python component into a temp prefix and import it from there.
set(prefix "${BIN}/python-install-test")
file(REMOVE_RECURSE "${prefix}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BIN}" --component python --prefix "${prefix}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install --component python failed: ${rc}")
endif()
if(IS_ABSOLUTE "${SITE}")
  message(FATAL_ERROR "DETEVAL_PYTHON_INSTALL_DIR is absolute (${SITE}); this check needs it under the prefix")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${prefix}/${SITE}" ${PYTHON} -c
                  "import deteval, deteval.mask as m, numpy as np; print(deteval.__file__); print(m.encode(np.ones((2, 2), np.uint8))['counts'])"
                WORKING_DIRECTORY "${prefix}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "^${prefix}/${SITE}/deteval/__init__.py")
  message(FATAL_ERROR "importing the installed package failed (${rc}): ${out} ${err}")
endif()
file(REMOVE_RECURSE "${prefix}")

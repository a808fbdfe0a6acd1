# ctest -P script: install the build tree into a temp prefix, then configure, build and run
# examples/ against it as a grader's project would: find_package(deteval) and nothing else,
# no C++ standard set, CUDA absent. Also: the README's snippet is examples/coco_per_class.cpp
# verbatim, no internal (detail/) header is installed, and pkg-config finds the libraries.
set(prefix "${BIN}/install-test/prefix")
set(ebuild "${BIN}/install-test/examples")
set(work "${BIN}/install-test/work")
file(REMOVE_RECURSE "${BIN}/install-test")
file(MAKE_DIRECTORY "${work}")

function(check_run what expect_rc expect_out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL expect_rc)
    message(FATAL_ERROR "${what}: exit code ${rc} (expected ${expect_rc})\n${out}\n${err}")
  endif()
  string(FIND "${out}${err}" "${expect_out}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: output lacks '${expect_out}':\n${out}\n${err}")
  endif()
endfunction()

execute_process(COMMAND ${CMAKE_COMMAND} --install "${BIN}" --prefix "${prefix}" RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
file(GLOB_RECURSE detail_headers "${prefix}/include/deteval/detail/*")
if(detail_headers)
  message(FATAL_ERROR "internal headers were installed: ${detail_headers}")
endif()

# The README shows examples/coco_per_class.cpp verbatim.
file(READ "${SRC}/examples/coco_per_class.cpp" example)
file(READ "${SRC}/README.md" readme)
string(FIND "${readme}" "${example}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show examples/coco_per_class.cpp verbatim")
endif()

set(launcher "")
find_program(ccache_program ccache)
if(ccache_program)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${ccache_program}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SRC}/examples" -B "${ebuild}" -G Ninja ${launcher}
                        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                        -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring examples/ failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${ebuild}" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building examples/ failed: ${rc}")
endif()

set(coco "${SRC}/fixtures/coco/segm_only_results")
file(READ "${coco}/expected_summary_bbox.txt" bbox_summary)
file(READ "${coco}/expected_summary_segm.txt" segm_summary)
check_run("coco_per_class bbox" 0 "${bbox_summary}" "${ebuild}/coco_per_class" "${coco}/gt.json" "${coco}/dt.json")
check_run("coco_per_class segm" 0 "${segm_summary}" "${ebuild}/coco_per_class" "${coco}/gt.json" "${coco}/dt.json" segm)
check_run("coco_per_class, a missing file" 1 "error: /nonexistent.json: cannot read"
          "${ebuild}/coco_per_class" "/nonexistent.json" "${coco}/dt.json")
check_run("voc_folder" 0 "mAP (VOC07 11-point) 0.7121"
          "${ebuild}/voc_folder" "${SRC}/fixtures/voc/basic_tp_fp_miss" "results/comp4_det_test_{class}.txt")
if(EXISTS "${ebuild}/tiny_board")
  set(rc_gt "${SRC}/fixtures/coco/basic_mixed_sizes/gt.json")
  set(rc_dt "${SRC}/fixtures/coco/basic_mixed_sizes/dt.json")
  check_run("tiny_board" 0 "bob: scored" "${ebuild}/tiny_board" "${work}" "${rc_gt}" "${rc_dt}" "${rc_dt}")
endif()

# pkg-config, as a Makefile would use it.
find_program(pkg_config pkg-config)
if(pkg_config)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
  execute_process(COMMAND ${pkg_config} --cflags --libs deteval RESULT_VARIABLE rc OUTPUT_VARIABLE flags
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc)
    message(FATAL_ERROR "pkg-config deteval failed: ${rc}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  execute_process(COMMAND ${CXX} -std=c++20 -O1 "${SRC}/examples/coco_per_class.cpp" -o "${work}/pc_consumer" ${flags}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building with pkg-config's flags failed: ${rc}")
  endif()
  check_run("pkg-config build" 0 "${bbox_summary}" "${work}/pc_consumer" "${coco}/gt.json" "${coco}/dt.json")
endif()

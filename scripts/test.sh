#!/bin/sh
# The whole test suite, twice: the normal (Release, gcc) build, then the same suite built with
# AddressSanitizer (LeakSanitizer on) and UndefinedBehaviorSanitizer, where any report fails the
# test. The README's test command and CI (.ci/run) run this.
#
# The sanitized tree is build-asan; it is built at -O1 (quicker to compile, clearer stacks) and
# runs the tests labelled `sanitize`, two at a time: all of them, fuzz targets included, but
# `install_consumer` (not registered there: its uninstrumented consumer cannot link sanitized
# libraries). CUDA is left out there (nvcc takes no -fsanitize; its host code is checked in
# the normal build). Set DETEVAL_SKIP_SANITIZE=1 to run the normal build only (a quick local check).
set -eu
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja
cmake --build build
ctest --test-dir build --output-on-failure -j2

[ "${DETEVAL_SKIP_SANITIZE:-0}" = 1 ] && exit 0
cmake -S . -B build-asan -G Ninja -DDETEVAL_SANITIZE=address,undefined -DDETEVAL_CUDA=OFF \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1"
cmake --build build-asan
ctest --test-dir build-asan -L sanitize --output-on-failure -j2
# The board's PostgreSQL tests (label postgres) in the sanitized build: on request only.
if [ "${DETEVAL_SANITIZE_POSTGRES:-0}" = 1 ]; then
  ctest --test-dir build-asan -L postgres --output-on-failure -j2
fi
